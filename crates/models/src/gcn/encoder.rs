//! The GCN encoder: learned id embeddings propagated over the rating graph with one weight
//! matrix per rating level, a self connection and ReLU; side features join at the output.

use candle_core::{D, DType, Device, Result, Tensor, Var};
use gnnrec_data::FeatureMatrix;
use gnnrec_graph::{Csr, Layout, RatingGraph};
use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Normal};

use super::GcnConfig;
use crate::ops::propagate::SparseMatrix;

/// One propagation layer's weights.
struct Layer {
    /// `w_in × (levels · hidden)`: per-level message weights (level increments when ordinal).
    levels: Var,
    /// `w_in × hidden`: the node's own input.
    self_weight: Var,
    /// `hidden`: bias.
    bias: Var,
}

/// Side features as constant tensors, with their learned two-layer map to the output.
struct SideInput {
    features: Tensor,
    /// `n_features × hidden`.
    projection: Var,
    /// `hidden × hidden`.
    mix: Var,
}

/// The encoder's parameters and the graph they propagate over.
pub(crate) struct Encoder {
    user_embedding: Var,
    item_embedding: Var,
    user_side: Option<SideInput>,
    item_side: Option<SideInput>,
    layers: Vec<Layer>,
    user_out: Var,
    item_out: Var,
    /// User biases, a column `[n_users, 1]`.
    pub user_bias: Var,
    /// Item biases, a column `[n_items, 1]`.
    pub item_bias: Var,
    /// Messages into users and into items.
    to_users: Gather,
    to_items: Gather,
    n_levels: usize,
    hidden: usize,
    ordinal: bool,
    dropout: f32,
}

/// How one side gathers the level-typed messages of the other: `Σ_r A_r X W_r`.
///
/// Two orders compute it. Transform first: `X W` for every source node (`n_src × levels·h`),
/// then one sparse product with the stacked-level matrix. Aggregate first: one sparse product
/// `A_r X` for every level (`levels·n_dst × h_in`), then one dense product with the stacked
/// weights. The second costs `n_dst` where the first costs `n_src`, so each direction takes
/// the order whose dense product is on the smaller side (ml-latest-small: 610 users gather
/// from 9,724 items).
enum Gather {
    TransformFirst(SparseMatrix),
    AggregateFirst(SparseMatrix),
}

/// Output of a forward pass: final user and item representations.
pub(crate) struct Encoded {
    pub users: Tensor,
    pub items: Tensor,
}

/// The cheaper gathering order for `n_dst` nodes receiving from `n_src`, with the matrix
/// `build` makes in the layout that order needs.
fn gather(n_dst: usize, n_src: usize, build: impl Fn(Layout) -> Csr) -> Gather {
    if n_dst < n_src {
        Gather::AggregateFirst(SparseMatrix::new(build(Layout::ByLevel)))
    } else {
        Gather::TransformFirst(SparseMatrix::new(build(Layout::Stacked)))
    }
}

fn xavier(rng: &mut ChaCha8Rng, rows: usize, cols: usize) -> Result<Var> {
    let a = (6.0 / (rows + cols) as f32).sqrt();
    let v: Vec<f32> = (0..rows * cols).map(|_| rng.random_range(-a..a)).collect();
    Var::from_vec(v, (rows, cols), &Device::Cpu)
}

fn normal(rng: &mut ChaCha8Rng, rows: usize, cols: usize, std: f32) -> Result<Var> {
    let n = Normal::new(0.0f32, std).expect("valid normal");
    let v: Vec<f32> = (0..rows * cols).map(|_| n.sample(rng)).collect();
    Var::from_vec(v, (rows, cols), &Device::Cpu)
}

impl Encoder {
    /// Fresh parameters for `graph`, drawn from `rng`.
    pub fn new(
        cfg: &GcnConfig,
        graph: &RatingGraph,
        user_features: Option<&FeatureMatrix>,
        item_features: Option<&FeatureMatrix>,
        rng: &mut ChaCha8Rng,
    ) -> Result<Encoder> {
        let (n_users, n_items) = (graph.user_degree.len(), graph.item_degree.len());
        let (h, r) = (cfg.hidden, graph.levels.len());
        let side = |f: Option<&FeatureMatrix>, rng: &mut ChaCha8Rng| -> Result<Option<SideInput>> {
            f.map(|f| {
                Ok(SideInput {
                    features: Tensor::from_slice(&f.data, (f.rows, f.cols), &Device::Cpu)?,
                    projection: xavier(rng, f.cols, h)?,
                    mix: xavier(rng, h, h)?,
                })
            })
            .transpose()
        };
        let user_embedding = normal(rng, n_users, h, 0.1)?;
        let item_embedding = normal(rng, n_items, h, 0.1)?;
        let user_side = side(user_features, rng)?;
        let item_side = side(item_features, rng)?;
        let mut layers = Vec::with_capacity(cfg.layers);
        for _ in 0..cfg.layers {
            layers.push(Layer {
                levels: xavier(rng, h, r * h)?,
                self_weight: xavier(rng, h, h)?,
                bias: Var::zeros(h, DType::F32, &Device::Cpu)?,
            });
        }
        Ok(Encoder {
            user_embedding,
            item_embedding,
            user_side,
            item_side,
            layers,
            user_out: xavier(rng, h, h)?,
            item_out: xavier(rng, h, h)?,
            user_bias: Var::zeros((n_users, 1), DType::F32, &Device::Cpu)?,
            item_bias: Var::zeros((n_items, 1), DType::F32, &Device::Cpu)?,
            to_users: gather(n_users, n_items, |l| graph.to_users(l)),
            to_items: gather(n_items, n_users, |l| graph.to_items(l)),
            n_levels: r,
            hidden: h,
            ordinal: cfg.ordinal,
            dropout: cfg.dropout,
        })
    }

    /// Every trainable variable, in a fixed order.
    pub fn vars(&self) -> Vec<Var> {
        let mut v = vec![self.user_embedding.clone(), self.item_embedding.clone()];
        for s in [&self.user_side, &self.item_side].into_iter().flatten() {
            v.extend([s.projection.clone(), s.mix.clone()]);
        }
        for l in &self.layers {
            v.extend([l.levels.clone(), l.self_weight.clone(), l.bias.clone()]);
        }
        v.extend([
            self.user_out.clone(),
            self.item_out.clone(),
            self.user_bias.clone(),
            self.item_bias.clone(),
        ]);
        v
    }

    /// The encoder's output for every user and item. With `rng`, training mode: node dropout
    /// on each layer's input (a node's whole row is dropped, the rest scaled by 1 / keep, as in
    /// GC-MC), masks drawn from `rng` so that runs repeat.
    pub fn forward(&self, mut rng: Option<&mut ChaCha8Rng>) -> Result<Encoded> {
        let mut users = self.user_embedding.as_tensor().clone();
        let mut items = self.item_embedding.as_tensor().clone();
        for layer in &self.layers {
            if let Some(rng) = rng.as_deref_mut() {
                users = self.drop(&users, rng)?;
                items = self.drop(&items, rng)?;
            }
            let w = self.level_weights(layer)?;
            let to_users = self.messages(&self.to_users, &items, &w)?;
            let to_items = self.messages(&self.to_items, &users, &w)?;
            let own = |x: &Tensor| -> Result<Tensor> {
                x.matmul(layer.self_weight.as_tensor())?
                    .broadcast_add(layer.bias.as_tensor())
            };
            users = (to_users + own(&users)?)?.relu()?;
            items = (to_items + own(&items)?)?.relu()?;
        }
        // Side features join at the output, as in GC-MC: z = h W_out + relu(f W_f) W_side.
        let output = |h: &Tensor, out: &Var, side: &Option<SideInput>| -> Result<Tensor> {
            let z = h.matmul(out.as_tensor())?;
            match side {
                Some(s) => {
                    z + s
                        .features
                        .matmul(s.projection.as_tensor())?
                        .relu()?
                        .matmul(s.mix.as_tensor())?
                }
                None => Ok(z),
            }
        };
        Ok(Encoded {
            users: output(&users, &self.user_out, &self.user_side)?,
            items: output(&items, &self.item_out, &self.item_side)?,
        })
    }

    /// The per-level weights `[w_in, levels · hidden]`: with ordinal sharing, level `r`'s
    /// matrix is the sum of the increments of levels `0..=r` (GC-MC), so neighbouring levels
    /// share what they have in common.
    fn level_weights(&self, layer: &Layer) -> Result<Tensor> {
        let w = layer.levels.as_tensor();
        if !self.ordinal {
            return Ok(w.clone());
        }
        let w_in = w.dim(0)?;
        w.reshape((w_in, self.n_levels, self.hidden))?
            .cumsum(1)?
            .reshape((w_in, self.n_levels * self.hidden))
    }

    /// `Σ_r A_r x W_r` in the order `g` says.
    fn messages(&self, g: &Gather, x: &Tensor, w: &Tensor) -> Result<Tensor> {
        match g {
            Gather::TransformFirst(a) => a.matmul(&self.stack_levels(x, w)?),
            Gather::AggregateFirst(a) => {
                let (w_in, r, h) = (x.dim(1)?, self.n_levels, self.hidden);
                let n_dst = a.csr().n_rows() / r;
                let per_level = a
                    .matmul(x)?
                    .reshape((r, n_dst, w_in))?
                    .transpose(0, 1)?
                    .contiguous()?
                    .reshape((n_dst, r * w_in))?;
                let w_rows = w
                    .reshape((w_in, r, h))?
                    .transpose(0, 1)?
                    .contiguous()?
                    .reshape((r * w_in, h))?;
                per_level.matmul(&w_rows)
            }
        }
    }

    /// `x · W` rearranged from `[n, levels · hidden]` to `[levels · n, hidden]`, the layout
    /// the stacked rating graph multiplies.
    fn stack_levels(&self, x: &Tensor, w: &Tensor) -> Result<Tensor> {
        let n = x.dim(0)?;
        x.matmul(w)?
            .reshape((n, self.n_levels, self.hidden))?
            .transpose(0, 1)?
            .contiguous()?
            .reshape((self.n_levels * n, self.hidden))
    }

    fn drop(&self, x: &Tensor, rng: &mut ChaCha8Rng) -> Result<Tensor> {
        if self.dropout <= 0.0 {
            return Ok(x.clone());
        }
        let keep = 1.0 - self.dropout;
        let n = x.dim(0)?;
        let mask: Vec<f32> = (0..n)
            .map(|_| {
                if rng.random::<f32>() < keep {
                    1.0 / keep
                } else {
                    0.0
                }
            })
            .collect();
        x.broadcast_mul(&Tensor::from_vec(mask, (n, 1), x.device())?)
    }

    /// Predictions `μ + b_u + b_i + z_u · z_i` for the pairs (`users[k]`, `items[k]`), before
    /// clamping; differentiable.
    pub fn predict(
        &self,
        enc: &Encoded,
        mean: f32,
        users: &Tensor,
        items: &Tensor,
    ) -> Result<Tensor> {
        let zu = enc.users.index_select(users, 0)?;
        let zi = enc.items.index_select(items, 0)?;
        let dot = (zu * zi)?.sum(D::Minus1)?;
        let bu = self
            .user_bias
            .as_tensor()
            .index_select(users, 0)?
            .squeeze(1)?;
        let bi = self
            .item_bias
            .as_tensor()
            .index_select(items, 0)?
            .squeeze(1)?;
        ((dot + bu)? + bi)? + mean as f64
    }
}

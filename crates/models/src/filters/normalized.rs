//! The normalised rating matrix `R̃ = D_U^{-1/2} R D_I^{-1/2}` and products with the
//! item–item filter `P = R̃ᵀ R̃`.

use gnnrec_data::Interactions;
use gnnrec_graph::csr::Csr;

/// Products with the item–item filter `P = R̃ᵀR̃` on blocks of score vectors laid out item by
/// item, wherever `R̃`'s rows live: all here ([`NormalizedRatings`]), or cut by users across
/// the ranks of a distributed run (where each product is a sum over the ranks).
pub trait ItemFilter {
    /// `out = P x` for `x` of `n_items × b` (row-major: column `j` is one score vector);
    /// `scratch` is reusable space.
    fn apply(&self, x: &[f32], b: usize, scratch: &mut Vec<f32>, out: &mut [f32]);
}

/// The filters' products: summed in f64 ([`NormalizedRatings::filter`]), so that a distributed
/// run, whose ranks each add their users' share, rounds to the same f32 scores.
impl ItemFilter for NormalizedRatings {
    fn apply(&self, x: &[f32], b: usize, scratch: &mut Vec<f32>, out: &mut [f32]) {
        self.filter(x, b, scratch, out);
    }
}

/// `out = acc` rounded to f32.
pub fn round_into(acc: &[f64], out: &mut [f32]) {
    assert_eq!(acc.len(), out.len());
    for (o, &a) in out.iter_mut().zip(acc) {
        *o = a as f32;
    }
}

/// `R̃` of a binary training matrix, in both orientations, with the item degrees' roots.
#[derive(Debug, Clone)]
pub struct NormalizedRatings {
    /// `R̃`, users × items.
    r: Csr,
    /// `R̃ᵀ`, items × users.
    rt: Csr,
    /// `D_I^{-1/2}` (0 for an item without training interactions).
    item_inv_sqrt: Vec<f32>,
    /// `D_I^{1/2}`.
    item_sqrt: Vec<f32>,
}

impl NormalizedRatings {
    /// `R̃` of the binary matrix of `train` (repeated pairs count once).
    pub fn new(train: &Interactions, n_users: usize, n_items: usize) -> Self {
        let mut binary = Interactions::new(train.users.clone(), train.items.clone());
        binary.dedup_pairs();
        let mut du = vec![0f32; n_users];
        let mut di = vec![0f32; n_items];
        for (&u, &i) in binary.users.iter().zip(&binary.items) {
            du[u as usize] += 1.0;
            di[i as usize] += 1.0;
        }
        Self::from_degrees(&binary, n_users, &du, &di)
    }

    /// `R̃`'s rows of `pairs` (distinct (row, item) pairs over `n_rows` rows), normalised by
    /// the given degrees: `user_degree[row]` and `item_degree[item]` — the degrees of the
    /// whole matrix, where these rows are one shard of it.
    pub fn from_degrees(
        pairs: &Interactions,
        n_rows: usize,
        user_degree: &[f32],
        item_degree: &[f32],
    ) -> Self {
        let vals: Vec<f32> = pairs
            .users
            .iter()
            .zip(&pairs.items)
            .map(|(&u, &i)| 1.0 / (user_degree[u as usize].sqrt() * item_degree[i as usize].sqrt()))
            .collect();
        let r = Csr::from_triplets(n_rows, item_degree.len(), &pairs.users, &pairs.items, &vals);
        let rt = r.transpose();
        let item_inv_sqrt = item_degree
            .iter()
            .map(|&d| if d > 0.0 { 1.0 / d.sqrt() } else { 0.0 })
            .collect();
        let item_sqrt = item_degree.iter().map(|&d| d.sqrt()).collect();
        NormalizedRatings {
            r,
            rt,
            item_inv_sqrt,
            item_sqrt,
        }
    }

    /// Users (rows of `R̃`).
    pub fn n_users(&self) -> usize {
        self.r.n_rows()
    }

    /// Items (columns of `R̃`).
    pub fn n_items(&self) -> usize {
        self.r.n_cols()
    }

    /// `R̃`, users × items.
    pub fn r(&self) -> &Csr {
        &self.r
    }

    /// `R̃ᵀ`, items × users.
    pub fn rt(&self) -> &Csr {
        &self.rt
    }

    /// `D_I^{-1/2}` per item.
    pub fn item_inv_sqrt(&self) -> &[f32] {
        &self.item_inv_sqrt
    }

    /// `D_I^{1/2}` per item.
    pub fn item_sqrt(&self) -> &[f32] {
        &self.item_sqrt
    }

    /// `out = P x` for `x` of `n_items × b` (row-major: column `j` is one score vector),
    /// as `R̃ᵀ (R̃ x)`, with `mid` (`n_users × b`) as scratch; `R̃ᵀ`'s sums over users are
    /// carried in f64 and rounded row by row ([`NormalizedRatings::filter_sum`] rounded, with
    /// no f64 table): the f32 result a distributed run's ranks get from their shares.
    pub fn filter(&self, x: &[f32], b: usize, mid: &mut Vec<f32>, out: &mut [f32]) {
        mid.resize(self.n_users() * b, 0.0);
        self.r.spmm(x, b, mid);
        self.rt.spmm_wide_rounded(mid, b, out);
    }

    /// [`NormalizedRatings::filter`] with the sums over users carried in f64 (`acc`, resized
    /// to `n_items × b`): this matrix's rows' share of `P x`, to be rounded to f32 where it is
    /// whole ([`round_into`]) or first added to the other ranks' shares. `R̃ x` is per user and
    /// the same wherever the user's row lives; only `R̃ᵀ`'s sums over users depend on which
    /// users are here and in what order, and in f64 that order no longer shows in f32.
    pub fn filter_sum(&self, x: &[f32], b: usize, mid: &mut Vec<f32>, acc: &mut Vec<f64>) {
        mid.resize(self.n_users() * b, 0.0);
        self.r.spmm(x, b, mid);
        acc.resize(self.n_items() * b, 0.0);
        self.rt.spmm_wide(mid, b, acc);
    }

    /// `out = P X` where column `j` of `X` (`n_items × b`, `b = histories.len()`) is the
    /// vector of `histories[j]` (distinct items): 1 at each, or `item_weight[i]` at item `i`
    /// where weights are given; `mid` is scratch and the sums are rounded as in
    /// [`NormalizedRatings::filter`]. The first product is a scatter over the histories'
    /// items, cheaper than a dense one.
    pub fn filter_histories(
        &self,
        histories: &[&[u32]],
        item_weight: Option<&[f32]>,
        mid: &mut Vec<f32>,
        out: &mut [f32],
    ) {
        self.scatter_histories(histories, item_weight, mid);
        self.rt.spmm_wide_rounded(mid, histories.len(), out);
    }

    /// [`NormalizedRatings::filter_histories`] with the sums over users carried in f64, as
    /// [`NormalizedRatings::filter_sum`] (`acc` resized to `n_items × histories.len()`).
    pub fn filter_histories_sum(
        &self,
        histories: &[&[u32]],
        item_weight: Option<&[f32]>,
        mid: &mut Vec<f32>,
        acc: &mut Vec<f64>,
    ) {
        self.scatter_histories(histories, item_weight, mid);
        acc.resize(self.n_items() * histories.len(), 0.0);
        self.rt.spmm_wide(mid, histories.len(), acc);
    }

    /// `mid = R̃ X` for the histories' vectors `X`, as a scatter over their items.
    fn scatter_histories(
        &self,
        histories: &[&[u32]],
        item_weight: Option<&[f32]>,
        mid: &mut Vec<f32>,
    ) {
        let b = histories.len();
        mid.clear();
        mid.resize(self.n_users() * b, 0.0);
        for (j, h) in histories.iter().enumerate() {
            for &i in *h {
                let w = item_weight.map_or(1.0, |w| w[i as usize]);
                let (users, vals) = self.rt.row(i as usize);
                for (&u, &v) in users.iter().zip(vals) {
                    mid[u as usize * b + j] += w * v;
                }
            }
        }
    }
}

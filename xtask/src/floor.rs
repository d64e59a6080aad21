//! The floor of the gowalla LightGCN benches: the bytes a product or a training step must
//! move, divided by the bandwidths the same invocation's probes measured ([`Probes`]), and each
//! measured time as a multiple of it.
//!
//! A product `Â · X` on gowalla (70,839 nodes, 1,620,256 non-zeros, d = 64) must gather one
//! 256-byte row of `X` per non-zero (at the gather bandwidth the probe measures over gowalla's
//! own propagation order where gowalla is present, else over random rows) and stream the
//! matrix (4-byte index + 4-byte value per non-zero) and its output (at the streaming
//! bandwidth). A step at the paper's settings (batch 2,048) needs four full products — layers 1
//! and 2 forward and their two backward products; layer 3 is needed only for the batch's rows —
//! and the Adam update of the whole table (read parameters, gradient and both moments, write
//! three). The recipe's step (batch 16,384, the hardest of 16 negatives) scores every node, so
//! it needs all three layers forward in full, and two backward: five full products.
//! Everything else a step does (sampling, the BPR loss, layer sums, allocation) is above the
//! floor, so the multiple says how far the step is from a kernel that only moved the bytes it
//! must.

use serde::Serialize;

use crate::probes::Probes;

/// The id of PyG's step in the report, beside `lightgcn_gowalla/step_batch_2048`.
pub const PYG_STEP_ID: &str = "pyg/lightgcn_gowalla_step_batch_2048";

/// Nodes of gowalla's user–item graph (29,858 users + 40,981 items).
const NODES: f64 = 70_839.0;
/// Non-zeros of its normalised adjacency (each of the 810,128 training pairs twice).
const NNZ: f64 = 1_620_256.0;
/// Bytes of one embedding row at the paper's dimension 64.
const ROW_BYTES: f64 = 64.0 * 4.0;
/// Steps of one epoch at batch 2,048: ⌈810,128 / 2,048⌉.
pub const STEPS_PER_EPOCH_2048: f64 = 396.0;

/// What a measured unit of work must move.
#[derive(Debug, Clone, Copy)]
struct Work {
    /// Full products `Â · X` (forward and backward).
    products: f64,
    /// Extra passes over the `NODES × 64` table (Adam's seven).
    table_passes: f64,
}

/// A measured time against its floor.
#[derive(Debug, Clone, Serialize)]
pub struct AgainstFloor {
    /// The bench or run id.
    pub id: String,
    /// Seconds per product or step.
    pub seconds: f64,
    /// The floor of the same work, seconds.
    pub floor_seconds: f64,
    /// `seconds / floor_seconds`.
    pub multiple: f64,
    /// What the floor counts, in words.
    pub work: String,
}

/// The gather bandwidth of a propagation's own access pattern where it was probed (gowalla in
/// the data directory), else that of random rows.
fn gather_gbps(p: &Probes) -> f64 {
    if p.gather_graph_gbps > 0.0 {
        p.gather_graph_gbps
    } else {
        p.gather_gbps
    }
}

impl Work {
    /// One product and nothing else.
    const PRODUCT: Work = Work {
        products: 1.0,
        table_passes: 0.0,
    };

    /// Bytes of rows gathered.
    fn gathered(self) -> f64 {
        self.products * NNZ * ROW_BYTES
    }

    /// Bytes streamed: each product's matrix (index + value per non-zero) and output, and the
    /// extra table passes.
    fn streamed(self) -> f64 {
        self.products * (NNZ * 8.0 + NODES * ROW_BYTES) + self.table_passes * NODES * ROW_BYTES
    }

    fn floor_seconds(self, p: &Probes) -> f64 {
        self.gathered() / (gather_gbps(p) * 1e9) + self.streamed() / (p.stream_gbps * 1e9)
    }

    fn describe(self, p: &Probes) -> String {
        let (gathered, streamed) = (self.gathered() / 1e9, self.streamed() / 1e9);
        let adam = if self.table_passes > 0.0 {
            " + Adam"
        } else {
            ""
        };
        format!(
            "{} product{}{adam}: {gathered:.2} GB gathered at {:.1} GB/s, {streamed:.2} GB streamed at {:.1} GB/s",
            self.products,
            if self.products == 1.0 { "" } else { "s" },
            gather_gbps(p),
            p.stream_gbps
        )
    }
}

/// The work of a measured id, and how many units of it one measured time holds: criterion
/// benches time one unit, a suite run's seconds per epoch hold [`STEPS_PER_EPOCH_2048`] steps.
fn work_of(id: &str) -> Option<(Work, f64)> {
    const STEP_2048: Work = Work {
        products: 4.0,
        table_passes: 7.0,
    };
    Some(match id {
        PRODUCT_ID => (Work::PRODUCT, 1.0),
        "lightgcn_gowalla/propagate_3_layers_fwd_bwd" => (
            Work {
                products: 6.0,
                table_passes: 0.0,
            },
            1.0,
        ),
        "lightgcn_gowalla/step_batch_2048" | PYG_STEP_ID => (STEP_2048, 1.0),
        "lightgcn_gowalla/step_batch_16384_pool_16" => (
            Work {
                products: 5.0,
                table_passes: 7.0,
            },
            1.0,
        ),
        id if id.ends_with("/gowalla/lightgcn-gowalla-paper") => (STEP_2048, STEPS_PER_EPOCH_2048),
        _ => return None,
    })
}

/// `probes` with the propagation-order gather bandwidth raised to what a measured product
/// (`spmm_1_product`, `product_seconds`) achieved, when that is higher: the floor is then the
/// best gather this machine has shown on the pattern — a product is exactly 1× its floor, and a
/// step's multiple says how far it is from doing nothing but its products and its streams.
pub fn with_product(mut probes: Probes, product_seconds: f64) -> Probes {
    let stream = Work::PRODUCT.streamed() / (probes.stream_gbps * 1e9);
    let gather_time = product_seconds - stream;
    if gather_time > 0.0 {
        let achieved = Work::PRODUCT.gathered() / gather_time / 1e9;
        if achieved > gather_gbps(&probes) {
            probes.gather_graph_gbps = achieved;
        }
    }
    probes
}

/// The id of the one-product bench whose gather bandwidth [`with_product`] takes.
pub const PRODUCT_ID: &str = "lightgcn_gowalla/spmm_1_product";

/// `seconds` of the bench or run `id` against its floor under `probes`; `None` for ids
/// without a known floor.
pub fn against_floor(id: &str, seconds: f64, probes: &Probes) -> Option<AgainstFloor> {
    let (work, units) = work_of(id)?;
    let per_unit = seconds / units;
    let floor = work.floor_seconds(probes);
    Some(AgainstFloor {
        id: id.to_string(),
        seconds: per_unit,
        floor_seconds: floor,
        multiple: per_unit / floor,
        work: work.describe(probes),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn probes() -> Probes {
        Probes {
            stream_gbps: 20.0,
            gather_gbps: 40.0,
            gather_large_gbps: 30.0,
            gather_seconds: 0.025,
            gather_graph_gbps: 0.0,
        }
    }

    #[test]
    fn one_product_is_its_gathered_rows_plus_its_streamed_bytes() {
        let f = against_floor("lightgcn_gowalla/spmm_1_product", 0.02, &probes()).unwrap();
        let want = NNZ * 256.0 / 40e9 + (NNZ * 8.0 + NODES * 256.0) / 20e9;
        assert!((f.floor_seconds - want).abs() < 1e-12);
        assert!((f.multiple - 0.02 / want).abs() < 1e-9);
    }

    #[test]
    fn a_faster_product_raises_the_gather_bandwidth_and_sits_at_its_floor() {
        let p = probes();
        let slow = against_floor(PRODUCT_ID, 0.02, &p).unwrap().floor_seconds;
        let fast = with_product(p, 0.006);
        let f = against_floor(PRODUCT_ID, 0.006, &fast).unwrap();
        assert!((f.multiple - 1.0).abs() < 1e-9, "{}", f.multiple);
        // A product slower than the probe's floor leaves the probe as it was.
        assert_eq!(with_product(p, 1.0), p);
        assert!(slow > 0.006);
    }

    #[test]
    fn a_run_epoch_is_divided_into_its_steps() {
        let p = probes();
        let bench = against_floor("lightgcn_gowalla/step_batch_2048", 0.1, &p).unwrap();
        let run = against_floor(
            "quick/gowalla/lightgcn-gowalla-paper",
            0.1 * STEPS_PER_EPOCH_2048,
            &p,
        )
        .unwrap();
        assert!((bench.seconds - run.seconds).abs() < 1e-12);
        assert_eq!(bench.floor_seconds, run.floor_seconds);
        assert!(against_floor("quick/ml-100k/lightgcn", 1.0, &p).is_none());
    }
}

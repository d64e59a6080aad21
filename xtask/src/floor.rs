//! The floor of the gowalla LightGCN benches, and each measured time as a multiple of it.
//!
//! A product `Â · X` on gowalla (70,839 nodes, 1,620,256 non-zeros, d = 64) costs at least what
//! xtask's own independent product kernel takes on this machine in the same invocation
//! ([`crate::product_probe`]: written apart from the project's, the best of its variants), so
//! no change to the project's kernel can lower or raise the floor it is measured against.
//! Without gowalla in the data directory the product's floor is modelled instead: one 256-byte
//! row gathered per non-zero at the random-row gather bandwidth, plus the matrix (a 4-byte index
//! and a 4-byte value per non-zero) and the output streamed.
//!
//! A step at the paper's settings (batch 2,048) needs four full products — layers 1
//! and 2 forward and their two backward products; layer 3 is needed only for the batch's rows —
//! and the Adam update of the whole table (read parameters, gradient and both moments, write
//! three). The recipe's step (batch 16,384, the hardest of 16 negatives) scores every node, so
//! it needs all three layers forward in full, and two backward: five full products.
//! Everything else a step does (sampling, the BPR loss, layer sums, allocation) is above the
//! floor, so the multiple says how far the step is from one that did nothing but its products
//! at the floor's speed and streamed its optimiser's bytes.

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

    /// Bytes of the extra table passes alone.
    fn passes(self) -> f64 {
        self.table_passes * NODES * ROW_BYTES
    }

    fn floor_seconds(self, p: &Probes) -> f64 {
        match &p.product {
            Some(f) => self.products * f.seconds + self.passes() / (p.stream_gbps * 1e9),
            None => {
                self.gathered() / (gather_gbps(p) * 1e9) + self.streamed() / (p.stream_gbps * 1e9)
            }
        }
    }

    fn describe(self, p: &Probes) -> String {
        let adam = if self.table_passes > 0.0 {
            format!(
                " + Adam's {} table passes ({:.2} GB streamed at {:.1} GB/s)",
                self.table_passes,
                self.passes() / 1e9,
                p.stream_gbps
            )
        } else {
            String::new()
        };
        if let Some(f) = &p.product {
            return format!(
                "{} × the independent product floor ({:.2} ms: {}, {} threads){adam}",
                self.products,
                f.seconds * 1e3,
                f.best,
                f.threads
            );
        }
        let (gathered, streamed) = (self.gathered() / 1e9, self.streamed() / 1e9);
        let adam = if self.table_passes > 0.0 {
            " + Adam"
        } else {
            ""
        };
        format!(
            "{} modelled product{}{adam} (no gowalla, no product floor): {gathered:.2} GB gathered at {:.1} GB/s, {streamed:.2} GB streamed at {:.1} GB/s",
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

/// The id of the one-product bench.
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
            product: None,
            versus: Vec::new(),
        }
    }

    fn with_floor(seconds: f64) -> Probes {
        Probes {
            product: Some(crate::product_probe::Floor {
                threads: 2,
                seconds,
                best: "prefetch 8, dynamic 256".into(),
                variants: vec![],
            }),
            ..probes()
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
    fn with_the_independent_floor_a_product_is_its_multiple_whatever_its_speed() {
        let p = with_floor(0.006);
        let f = against_floor(PRODUCT_ID, 0.0075, &p).unwrap();
        assert_eq!(f.floor_seconds, 0.006);
        assert!((f.multiple - 1.25).abs() < 1e-9);
        // A faster project product lowers no floor.
        assert_eq!(
            against_floor(PRODUCT_ID, 0.001, &p).unwrap().floor_seconds,
            0.006
        );
        // A step: four products and Adam's seven streamed table passes.
        let step = against_floor("lightgcn_gowalla/step_batch_2048", 0.05, &p).unwrap();
        let want = 4.0 * 0.006 + 7.0 * NODES * 256.0 / 20e9;
        assert!((step.floor_seconds - want).abs() < 1e-12);
        assert!(
            step.work.contains("independent product floor"),
            "{}",
            step.work
        );
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

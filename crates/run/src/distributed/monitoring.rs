//! What a distributed training watches: this rank's part of the monitoring set, its label,
//! and what rank 0 tells of the evaluations made on it.

use gnnrec_data::{Interactions, Split};
use gnnrec_models::EpochRecord;

use super::DistributedTraining;
use crate::choices::Monitor;

/// Step 2: what the model fits on and watches (this rank's part), and what `config.json`
/// calls the watched set (`validation:F`, `validation-per-user:F`, `test`, `none`, as a
/// single process).
pub(super) fn watched<'s>(
    split: &'s Split,
    carved: Option<&'s Split>,
    monitor: Monitor,
    plan: &DistributedTraining,
) -> (&'s Interactions, Option<&'s Interactions>, String) {
    match (carved, monitor) {
        (Some(c), _) => (
            &c.train,
            Some(&c.test),
            plan.valid_split.label(plan.valid_fraction),
        ),
        (None, Monitor::Test) => (&split.train, Some(&split.test), "test".into()),
        _ => (&split.train, None, "none".into()),
    }
}

/// Tells `say` each evaluation on the monitoring set and the epoch kept.
pub(super) fn report_evaluations(log: &[EpochRecord], label: &str, say: &mut dyn FnMut(&str)) {
    let recall = |r: &EpochRecord| {
        r.metrics.as_ref().and_then(|m| {
            m.iter()
                .find(|(k, _)| k.starts_with("recall@"))
                .map(|(k, v)| (k.clone(), *v))
        })
    };
    let mut best: Option<(String, f64, usize)> = None;
    for r in log {
        if let Some((k, v)) = recall(r) {
            say(&format!("epoch {}: {k} {v:.4} on {label}", r.epoch));
            if best.as_ref().is_none_or(|b| v > b.1) {
                best = Some((k, v, r.epoch));
            }
        }
    }
    if let Some((k, v, e)) = best {
        say(&format!(
            "keeping the weights of epoch {e} ({k} {v:.4} on the monitoring set)"
        ));
    }
}

//! Whether a new time is a regression of the previous one: only like with like.
//!
//! A time is compared with the previous result of the same id only when both carry a
//! [`Fingerprint`] of the same machine (CPU model, cores, caches), the machine was steady
//! while each was measured (the independent product floor just before and just after agree
//! within [`STEADY`]), and the machine is in the same state (the two results' floors within
//! [`SAME_STATE`] of each other). Then the times are divided by their own floors and a growth
//! beyond [`REGRESSION_FACTOR`] is flagged. Anything else says why it was not compared and
//! flags nothing: a time from another machine, or from one that a neighbour was slowing
//! down, says nothing about the code.

use crate::machine::Fingerprint;

use super::secs;

/// A time that grows by more than this factor over the previous result, each divided by its
/// own floor, is flagged.
pub const REGRESSION_FACTOR: f64 = 1.2;

/// The floor before and after a measurement must agree within this factor.
pub const STEADY: f64 = 1.25;

/// Two results' floors must agree within this factor for their times to be compared.
pub const SAME_STATE: f64 = 1.3;

/// What the comparison of a new time with the previous one found.
#[derive(Debug, Clone, PartialEq)]
pub enum Verdict {
    /// Compared: not slower beyond the factor.
    Within,
    /// Compared and slower beyond the factor: why.
    Regressed(String),
    /// Not compared: why.
    NotCompared(String),
}

/// Compares `new` (for a benchmark, the lower end of its interval), measured under `new_fp`,
/// with the previous result `old` measured under `old_fp`.
pub fn compare(
    old: Option<f64>,
    old_fp: Option<&Fingerprint>,
    new: f64,
    new_fp: Option<&Fingerprint>,
) -> Verdict {
    use Verdict::*;
    let Some(old) = old.filter(|&o| o > 0.0) else {
        return Within;
    };
    let Some(new_fp) = new_fp else {
        return NotCompared("no floor probe in this run (gowalla absent): not compared".into());
    };
    let Some(old_fp) = old_fp else {
        return NotCompared("the previous result has no machine fingerprint: not compared".into());
    };
    if !old_fp.machine.same_as(&new_fp.machine) {
        return NotCompared(format!(
            "other machine (was {}): not compared",
            old_fp.machine.describe()
        ));
    }
    for (which, fp) in [("this", new_fp), ("the previous", old_fp)] {
        if fp.drift() > STEADY {
            return NotCompared(format!(
                "machine unsteady during {which} measurement (floor {} before, {} after): \
                 not compared",
                secs(fp.probe_before),
                secs(fp.probe_after)
            ));
        }
    }
    let state = new_fp.probe() / old_fp.probe();
    if state.max(1.0 / state) > SAME_STATE {
        return NotCompared(format!(
            "same machine in another state (floor {} → {}): not compared",
            secs(old_fp.probe()),
            secs(new_fp.probe())
        ));
    }
    let ratio = (new / new_fp.probe()) / (old / old_fp.probe());
    if ratio > REGRESSION_FACTOR {
        Regressed(format!(
            "at least {:+.0}% slower relative to the floor measured beside it ({} → {}; floor {} → {})",
            (ratio - 1.0) * 100.0,
            secs(old),
            secs(new),
            secs(old_fp.probe()),
            secs(new_fp.probe())
        ))
    } else {
        Within
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::machine::Machine;

    fn fp(cpu: &str, before: f64, after: f64) -> Fingerprint {
        Fingerprint {
            machine: Machine {
                cpu: cpu.into(),
                cores: 2,
                memory_gib: 23.5,
                caches: "L1d 48K, L2 2048K, L3 260M".into(),
            },
            probe_before: before,
            probe_after: after,
        }
    }

    fn regressed(v: &Verdict) -> bool {
        matches!(v, Verdict::Regressed(_))
    }

    #[test]
    fn a_slowdown_on_the_same_steady_machine_is_flagged() {
        let (a, b) = (fp("Xeon", 0.0065, 0.0066), fp("Xeon", 0.0064, 0.0066));
        assert!(regressed(&compare(Some(1.0), Some(&a), 1.3, Some(&b))));
        assert_eq!(compare(Some(1.0), Some(&a), 1.1, Some(&b)), Verdict::Within);
        assert_eq!(compare(Some(1.0), Some(&a), 0.5, Some(&b)), Verdict::Within);
        // A machine 20% slower at the floor: 20% slower times are not a regression, 60% is.
        let slower = fp("Xeon", 0.0078, 0.0079);
        assert_eq!(
            compare(Some(1.0), Some(&a), 1.2, Some(&slower)),
            Verdict::Within
        );
        assert!(regressed(&compare(Some(1.0), Some(&a), 1.6, Some(&slower))));
    }

    #[test]
    fn another_machine_is_never_compared() {
        let (a, b) = (fp("Xeon", 0.0065, 0.0066), fp("EPYC", 0.0065, 0.0066));
        let v = compare(Some(1.0), Some(&a), 9.0, Some(&b));
        assert!(
            matches!(&v, Verdict::NotCompared(w) if w.contains("other machine")),
            "{v:?}"
        );
        let mut one_core = fp("Xeon", 0.0065, 0.0066);
        one_core.machine.cores = 1;
        assert!(!regressed(&compare(
            Some(1.0),
            Some(&a),
            9.0,
            Some(&one_core)
        )));
        let mut small_cache = fp("Xeon", 0.0065, 0.0066);
        small_cache.machine.caches = "L1d 48K, L2 2048K, L3 32M".into();
        assert!(!regressed(&compare(
            Some(1.0),
            Some(&a),
            9.0,
            Some(&small_cache)
        )));
    }

    #[test]
    fn an_unsteady_or_changed_machine_or_a_missing_fingerprint_is_not_compared() {
        let a = fp("Xeon", 0.0065, 0.0066);
        let unsteady = fp("Xeon", 0.0065, 0.0095);
        let changed = fp("Xeon", 0.0100, 0.0101);
        for (old, new) in [
            (Some(&a), Some(&unsteady)),
            (Some(&unsteady), Some(&a)),
            (Some(&a), Some(&changed)),
            (None, Some(&a)),
            (Some(&a), None),
        ] {
            let v = compare(Some(1.0), old, 9.0, new);
            assert!(matches!(v, Verdict::NotCompared(_)), "{v:?}");
        }
        assert_eq!(compare(None, None, 9.0, Some(&a)), Verdict::Within);
    }
}

//! Rating errors: MSE, RMSE, MAE, and MSE on ratings min-max scaled to [0, 1].

use serde::{Deserialize, Serialize};

/// Errors of rating predictions against the truth.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RatingMetrics {
    /// Mean squared error.
    pub mse: f64,
    /// Root mean squared error.
    pub rmse: f64,
    /// Mean absolute error.
    pub mae: f64,
    /// MSE after scaling ratings by `(r - min) / (max - min)`, i.e. `mse / (max - min)²`
    /// (the scale the reference notebook reported).
    pub mse_scaled: f64,
    /// Number of pairs.
    pub count: usize,
}

/// Computes [`RatingMetrics`] for `predicted` vs `truth` on the rating scale `[min, max]`.
///
/// ```
/// let m = gnnrec_eval::rating_metrics(&[3.0, 5.0], &[4.0, 5.0], 1.0, 5.0);
/// assert_eq!(m.mse, 0.5);
/// assert_eq!(m.mae, 0.5);
/// assert_eq!(m.mse_scaled, 0.5 / 16.0);
/// ```
pub fn rating_metrics(predicted: &[f32], truth: &[f32], min: f32, max: f32) -> RatingMetrics {
    assert_eq!(predicted.len(), truth.len(), "one prediction per rating");
    let n = truth.len().max(1) as f64;
    let (mut se, mut ae) = (0.0f64, 0.0f64);
    for (&p, &t) in predicted.iter().zip(truth) {
        let e = p as f64 - t as f64;
        se += e * e;
        ae += e.abs();
    }
    let mse = se / n;
    let range = (max - min) as f64;
    RatingMetrics {
        mse,
        rmse: mse.sqrt(),
        mae: ae / n,
        mse_scaled: if range > 0.0 {
            mse / (range * range)
        } else {
            mse
        },
        count: truth.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed() {
        // errors: -1, 0.5, 2 → SE 1 + 0.25 + 4 = 5.25, AE 3.5
        let m = rating_metrics(&[1.0, 3.5, 5.0], &[2.0, 3.0, 3.0], 1.0, 5.0);
        assert!((m.mse - 1.75).abs() < 1e-12);
        assert!((m.rmse - 1.75f64.sqrt()).abs() < 1e-12);
        assert!((m.mae - 3.5 / 3.0).abs() < 1e-12);
        assert!((m.mse_scaled - 1.75 / 16.0).abs() < 1e-12);
        assert_eq!(m.count, 3);
    }

    #[test]
    fn scaled_mse_equals_mse_of_scaled_values() {
        let (p, t) = ([0.5f32, 4.0, 2.5], [1.0f32, 5.0, 0.5]);
        let s = |x: f32| (x - 0.5) / 4.5;
        let direct = rating_metrics(&p.map(s), &t.map(s), 0.0, 1.0).mse;
        let m = rating_metrics(&p, &t, 0.5, 5.0);
        assert!((m.mse_scaled - direct).abs() < 1e-6);
    }
}

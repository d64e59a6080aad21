//! Summary quantiles of a distribution, for dataset and graph statistics.

use serde::Serialize;

/// Quantiles of a distribution (degrees, edge weights).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Quantiles {
    /// Smallest value.
    pub min: f64,
    /// 25th percentile.
    pub p25: f64,
    /// Median.
    pub p50: f64,
    /// 75th percentile.
    pub p75: f64,
    /// 90th percentile.
    pub p90: f64,
    /// 99th percentile.
    pub p99: f64,
    /// Largest value.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

impl Quantiles {
    /// Quantiles by the nearest-rank method; all zero for an empty input.
    pub fn of(values: &[u32]) -> Quantiles {
        Quantiles::of_f64(values.iter().map(|&v| v as f64).collect())
    }

    /// [`Quantiles::of`] for real values.
    ///
    /// ```
    /// let q = gnnrec_data::Quantiles::of_f64(vec![4.0, 1.0, 3.0, 2.0]);
    /// assert_eq!((q.min, q.p50, q.max, q.mean), (1.0, 2.0, 4.0, 2.5));
    /// ```
    pub fn of_f64(mut v: Vec<f64>) -> Quantiles {
        if v.is_empty() {
            return Quantiles {
                min: 0.0,
                p25: 0.0,
                p50: 0.0,
                p75: 0.0,
                p90: 0.0,
                p99: 0.0,
                max: 0.0,
                mean: 0.0,
            };
        }
        v.sort_unstable_by(f64::total_cmp);
        let q = |p: f64| {
            let rank = ((p * v.len() as f64).ceil() as usize).clamp(1, v.len());
            v[rank - 1]
        };
        Quantiles {
            min: v[0],
            p25: q(0.25),
            p50: q(0.5),
            p75: q(0.75),
            p90: q(0.9),
            p99: q(0.99),
            max: v[v.len() - 1],
            mean: v.iter().sum::<f64>() / v.len() as f64,
        }
    }
}

//! `gnnrec data info`: a summary of a dataset and one of its splits.

use serde::Serialize;

use crate::dataset::Dataset;
use crate::interactions::MISSING_TIME;
use crate::quantiles::Quantiles;
use crate::split::Split;

/// Summary of explicit ratings.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RatingSummary {
    /// Lowest rating.
    pub min: f32,
    /// Highest rating.
    pub max: f32,
    /// Mean rating.
    pub mean: f64,
    /// (rating value, count), ascending by value.
    pub histogram: Vec<(f32, usize)>,
}

/// Everything `gnnrec data info` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataInfo {
    /// Dataset name.
    pub dataset: String,
    /// Number of users.
    pub users: usize,
    /// Number of items.
    pub items: usize,
    /// Number of interactions (after the duplicate rule).
    pub interactions: usize,
    /// interactions / (users · items).
    pub density: f64,
    /// Rating summary, where there are ratings.
    pub ratings: Option<RatingSummary>,
    /// Interactions per user.
    pub user_degree: Quantiles,
    /// Interactions per item.
    pub item_degree: Quantiles,
    /// The split summarised.
    pub split: String,
    /// Training interactions in the split.
    pub train: usize,
    /// Test interactions in the split.
    pub test: usize,
    /// Users with at least one test interaction.
    pub test_users: usize,
    /// Test interactions whose item never occurs in train.
    pub test_items_unseen_in_train: usize,
    /// Earliest and latest known timestamp (Unix seconds), where there are timestamps.
    pub time_range: Option<(i64, i64)>,
    /// Repeated (user, item) pairs removed (first occurrence kept).
    pub duplicates_removed: usize,
    /// Other facts the loader reported.
    pub notes: Vec<String>,
}

/// Summarises `data` and `split`.
pub fn info(data: &Dataset, split: &Split) -> DataInfo {
    let x = &data.interactions;
    let ratings = x.ratings.as_ref().map(|r| {
        let mut sorted: Vec<f32> = r.clone();
        sorted.sort_by(f32::total_cmp);
        let mut histogram: Vec<(f32, usize)> = Vec::new();
        for v in sorted {
            match histogram.last_mut() {
                Some((last, n)) if *last == v => *n += 1,
                _ => histogram.push((v, 1)),
            }
        }
        RatingSummary {
            min: histogram.first().map_or(0.0, |h| h.0),
            max: histogram.last().map_or(0.0, |h| h.0),
            mean: r.iter().map(|&v| v as f64).sum::<f64>() / r.len().max(1) as f64,
            histogram,
        }
    });
    let time_range = x.timestamps.as_ref().and_then(|t| {
        let known = t.iter().copied().filter(|&v| v != MISSING_TIME);
        let min = known.clone().min()?;
        Some((min, known.max()?))
    });
    let mut seen_item = vec![false; data.n_items()];
    for &i in &split.train.items {
        seen_item[i as usize] = true;
    }
    let mut test_user = vec![false; data.n_users()];
    for &u in &split.test.users {
        test_user[u as usize] = true;
    }
    DataInfo {
        dataset: data.name.clone(),
        users: data.n_users(),
        items: data.n_items(),
        interactions: x.len(),
        density: x.len() as f64 / (data.n_users() as f64 * data.n_items() as f64).max(1.0),
        ratings,
        user_degree: Quantiles::of(&x.user_degrees(data.n_users())),
        item_degree: Quantiles::of(&x.item_degrees(data.n_items())),
        split: split.name.clone(),
        train: split.train.len(),
        test: split.test.len(),
        test_users: test_user.iter().filter(|&&b| b).count(),
        test_items_unseen_in_train: split
            .test
            .items
            .iter()
            .filter(|&&i| !seen_item[i as usize])
            .count(),
        time_range,
        duplicates_removed: data.report.duplicates_removed,
        notes: data.report.notes.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_quantiles() {
        let q = Quantiles::of(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(
            (q.min, q.p25, q.p50, q.p75, q.p90, q.max),
            (1.0, 3.0, 5.0, 8.0, 9.0, 10.0)
        );
        assert_eq!(q.mean, 5.5);
    }
}

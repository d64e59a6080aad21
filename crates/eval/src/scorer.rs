//! The two traits every trained model implements, so that evaluation, recommendation, export
//! and benchmarks treat all models alike.

/// A trained model that scores every item for a user (higher is better).
///
/// Implementors: popularity, item-KNN, MF-BPR, LightGCN, IRGNN, and rating models (whose
/// score is the predicted rating).
pub trait Scorer: Send + Sync {
    /// Number of items scored per user.
    fn n_items(&self) -> usize;

    /// Writes the scores of all items for each user of `users` into `out`, row-major:
    /// `out[r * n_items() + i]` is the score of item `i` for `users[r]`.
    /// `out.len() == users.len() * n_items()`.
    fn score_users(&self, users: &[u32], out: &mut [f32]);
}

/// A trained model that predicts the rating a user would give an item.
pub trait RatingPredictor: Send + Sync {
    /// Predicted ratings for the pairs (`users[j]`, `items[j]`).
    fn predict(&self, users: &[u32], items: &[u32]) -> Vec<f32>;
}

/// A trained model that scores items for any item history — a user it never saw included
/// (fold-in), without retraining.
///
/// Implementors: popularity, item-KNN, EASE^R and the graph filters, natively.
pub trait HistoryScorer: Scorer {
    /// Writes the scores of all items for each of `histories` (distinct item indices, each
    /// below [`Scorer::n_items`]) into `out`, row-major:
    /// `out[r * n_items() + i]` is the score of item `i` for `histories[r]`.
    fn score_histories(&self, histories: &[&[u32]], out: &mut [f32]);
}

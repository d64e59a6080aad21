//! What every trained model is: a [`Scorer`] that can save its weights, and perhaps a
//! [`RatingPredictor`].

use gnnrec_eval::{RatingPredictor, Scorer};

use crate::weights::Weights;

/// A trained model: scores items for users, saves its weights, and may predict ratings.
///
/// The CLI, evaluation, export and benchmarks use models only through this trait; the one
/// place that knows the concrete types is [`crate::registry`].
pub trait TrainedModel: Scorer {
    /// The model's weights, to be saved in a run directory and loaded by
    /// [`crate::registry::load`].
    fn weights(&self) -> Weights;

    /// The model as a rating predictor, if it predicts ratings.
    fn rating_predictor(&self) -> Option<&dyn RatingPredictor> {
        None
    }

    /// The model as a plain scorer (for APIs that take `&dyn Scorer`).
    fn as_scorer(&self) -> &dyn Scorer;
}

//! The baselines every model must beat: most-popular, the bias predictor, item-KNN, and
//! EASE^R (closed-form item–item regression).

pub mod bias;
pub mod ease;
pub mod itemknn;
pub mod popularity;
pub mod sharded_ease;

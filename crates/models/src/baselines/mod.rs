//! The baselines every model must beat.

pub mod bias;
pub mod itemknn;
pub mod popularity;

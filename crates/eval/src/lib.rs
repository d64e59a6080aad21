//! # gnnrec-eval
//!
//! Evaluation for gnnrec, exact and fast: rating errors ([`rating_metrics`]) and full-ranking
//! top-K metrics by the LightGCN protocol ([`evaluate_ranking`]).
//!
//! It depends on `gnnrec-data` only. Models reach it through two small traits defined here,
//! [`Scorer`] (scores every item for a user) and [`RatingPredictor`]; `gnnrec-models`
//! implements them, and the CLI evaluates, recommends and exports through them alone.
//!
//! ```
//! use gnnrec_data::Interactions;
//! use gnnrec_eval::{evaluate_ranking, DotScorer, UserItems};
//! // Two users, three items; user 0 prefers item 2, user 1 item 0.
//! let scorer = DotScorer::new(vec![0.0, 1.0, 1.0, 0.0], vec![1.0, 0.0, 0.5, 0.5, 0.0, 1.0], 2);
//! let train = UserItems::new(&Interactions::new(vec![0], vec![1]), 2);
//! let test = UserItems::new(&Interactions::new(vec![0, 1], vec![2, 1]), 2);
//! let m = evaluate_ranking(&scorer, &train, &test, &[1, 1, 1], &[1]);
//! assert_eq!(m.at_k(1).unwrap().recall, 0.5); // user 0 hits, user 1 does not
//! ```
#![warn(missing_docs)]

mod dot;
pub mod ranking;
mod rating;
mod scorer;
mod topk;
mod user_items;

pub use dot::DotScorer;
pub use ranking::{AtK, Ranked, RankingMetrics, RankingSums, evaluate_ranking, rank_users};
pub use rating::{RatingMetrics, rating_metrics};
pub use scorer::{HistoryScorer, RatingPredictor, Scorer};
pub use topk::top_k;
pub use user_items::UserItems;

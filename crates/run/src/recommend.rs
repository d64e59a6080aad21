//! Recommending from a trained model: one user's top K (with a popularity fallback for
//! unknown users), and every test user's top K exported as CSV.

use std::path::Path;

use gnnrec_data::fsutil::write_atomic;
use gnnrec_data::{Dataset, Split};
use gnnrec_eval::ranking::{DEFAULT_BLOCK, test_users};
use gnnrec_eval::{UserItems, rank_users, top_k};
use gnnrec_models::TrainedModel;

use crate::error::{Context, Result, bail};
use crate::opened::OpenedRun;

/// What to do for a user the run does not know.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Unknown {
    /// Refuse, naming the dataset.
    #[default]
    Refuse,
    /// Recommend the most popular training items instead.
    Popular,
}

/// One user's top K.
#[derive(Debug, Clone, PartialEq)]
pub struct UserRecommendations {
    /// Item indices, best first.
    pub items: Vec<u32>,
    /// Their scores (none for the popularity fallback).
    pub scores: Option<Vec<f32>>,
    /// Whether these are the most popular items because the user is unknown.
    pub fallback: bool,
    /// The user's training items, excluded from the list (0 for an unknown user).
    pub n_seen: usize,
}

/// The top `k` unseen items of the user with raw id `raw` in `run`.
pub fn recommend_user(
    run: &OpenedRun,
    raw: &str,
    k: usize,
    unknown: Unknown,
) -> Result<UserRecommendations> {
    if k == 0 {
        bail!("--k must be positive");
    }
    let data = &run.data;
    let train = UserItems::new(&run.split.train, data.n_users());
    match data.users.parse(raw) {
        Some(u) => {
            let r = rank_users(run.model.as_scorer(), &train, &[u], k, 1);
            let r = r.into_iter().next().expect("one user ranked");
            Ok(UserRecommendations {
                items: r.items,
                scores: Some(r.scores),
                fallback: false,
                n_seen: train.of(u).len(),
            })
        }
        None if unknown == Unknown::Popular => {
            let counts: Vec<f32> = run
                .split
                .train
                .item_degrees(data.n_items())
                .into_iter()
                .map(|c| c as f32)
                .collect();
            Ok(UserRecommendations {
                items: top_k(&counts, &[], k),
                scores: None,
                fallback: true,
                n_seen: 0,
            })
        }
        None => bail!(
            "user `{raw}` is not in dataset `{}` ({} users); use --fallback popular to recommend \
             the most popular items instead",
            run.config.dataset,
            data.n_users()
        ),
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Exported {
    /// Test users ranked.
    pub users: usize,
    /// Rows written.
    pub rows: usize,
}

/// A CSV field, quoted when it holds a separator, quote or line break.
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Writes every test user's top `k` to `out` as `user,item,rank,score` (raw ids; rank from
/// 1), ranked exactly as the evaluation ranks them, atomically.
pub fn export_test_users(
    model: &dyn TrainedModel,
    data: &Dataset,
    split: &Split,
    k: usize,
    out: &Path,
) -> Result<Exported> {
    if k == 0 {
        bail!("--k must be positive");
    }
    let train = UserItems::new(&split.train, data.n_users());
    let test = UserItems::new(&split.test, data.n_users());
    let users = test_users(&test);
    let ranked = rank_users(model.as_scorer(), &train, &users, k, DEFAULT_BLOCK);
    write_atomic(out, |w| {
        writeln!(w, "user,item,rank,score")?;
        for r in &ranked {
            let user = csv_field(&data.users.raw(r.user).to_string());
            for (pos, (&i, &s)) in r.items.iter().zip(&r.scores).enumerate() {
                writeln!(
                    w,
                    "{user},{},{},{s}",
                    csv_field(&data.items.raw(i).to_string()),
                    pos + 1
                )?;
            }
        }
        Ok(())
    })
    .with_context(|| format!("writing {}", out.display()))?;
    Ok(Exported {
        users: ranked.len(),
        rows: ranked.iter().map(|r| r.items.len()).sum(),
    })
}

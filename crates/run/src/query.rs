//! Rankings asked of a trained model: whose scores ([`Subject`]: a user, or an item history
//! folded in), how many, what is excluded and what may be ranked ([`Query`]); [`rank`] scores
//! a batch of queries together and [`select`] applies gnnrec's one ranking rule to a row.
//! The server's micro-batching worker and the Python package's `recommend` both rank here.

use gnnrec_eval::top_k;
use gnnrec_models::TrainedModel;
use rayon::prelude::*;

/// Whose scores a query ranks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// A known user (dense index).
    User(u32),
    /// An item history (distinct dense indices): fold-in of an unknown user.
    History(Vec<u32>),
}

/// One ranking to compute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    /// Whose scores.
    pub subject: Subject,
    /// How many items to return.
    pub k: usize,
    /// Items never returned, sorted ascending, distinct.
    pub exclude: Vec<u32>,
    /// If given, only these items are ranked (sorted ascending, distinct).
    pub candidates: Option<Vec<u32>>,
}

/// A ranking: (item index, score), best first.
pub type Ranking = Vec<(u32, f32)>;

/// Users scored per matrix product: the batch is cut into blocks scored in parallel.
pub const BLOCK: usize = 32;

/// Scores and ranks a batch of queries: the users in blocks of [`BLOCK`] scored in parallel,
/// the item histories through the model's fold-in (a model without one ranks no history:
/// callers check [`TrainedModel::fold_in`] first).
pub fn rank(model: &dyn TrainedModel, queries: &[&Query]) -> Vec<Ranking> {
    let n = model.n_items();
    let users: Vec<(usize, u32)> = queries
        .iter()
        .enumerate()
        .filter_map(|(q, x)| match x.subject {
            Subject::User(u) => Some((q, u)),
            Subject::History(_) => None,
        })
        .collect();
    let histories: Vec<(usize, &[u32])> = queries
        .iter()
        .enumerate()
        .filter_map(|(q, x)| match &x.subject {
            Subject::History(h) => Some((q, h.as_slice())),
            Subject::User(_) => None,
        })
        .collect();
    let mut out: Vec<Ranking> = vec![Vec::new(); queries.len()];
    let mut ranked: Vec<(usize, Ranking)> = users
        .par_chunks(BLOCK)
        .flat_map_iter(|block| {
            let ids: Vec<u32> = block.iter().map(|&(_, u)| u).collect();
            let mut scores = vec![0f32; ids.len() * n];
            model.score_users(&ids, &mut scores);
            block
                .iter()
                .zip(scores.chunks_exact(n))
                .map(|(&(q, _), row)| (q, select(row, queries[q])))
                .collect::<Vec<_>>()
        })
        .collect();
    if let Some(fold) = model.fold_in() {
        ranked.extend(
            histories
                .par_chunks(BLOCK)
                .flat_map_iter(|block| {
                    let hs: Vec<&[u32]> = block.iter().map(|&(_, h)| h).collect();
                    let mut scores = vec![0f32; hs.len() * n];
                    fold.score_histories(&hs, &mut scores);
                    block
                        .iter()
                        .zip(scores.chunks_exact(n))
                        .map(|(&(q, _), row)| (q, select(row, queries[q])))
                        .collect::<Vec<_>>()
                })
                .collect::<Vec<_>>(),
        );
    }
    for (q, r) in ranked {
        out[q] = r;
    }
    out
}

/// The query's top K of one row of scores, by gnnrec's one ranking rule (higher score
/// first, ties to the lower item index).
pub fn select(scores: &[f32], q: &Query) -> Ranking {
    match &q.candidates {
        None => top_k(scores, &q.exclude, q.k)
            .into_iter()
            .map(|i| (i, scores[i as usize]))
            .collect(),
        Some(c) => {
            let sub: Vec<f32> = c.iter().map(|&i| scores[i as usize]).collect();
            let excluded: Vec<u32> = c
                .iter()
                .enumerate()
                .filter(|(_, i)| q.exclude.binary_search(i).is_ok())
                .map(|(p, _)| p as u32)
                .collect();
            top_k(&sub, &excluded, q.k)
                .into_iter()
                .map(|p| (c[p as usize], sub[p as usize]))
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(k: usize, exclude: Vec<u32>, candidates: Option<Vec<u32>>) -> Query {
        Query {
            subject: Subject::User(0),
            k,
            exclude,
            candidates,
        }
    }

    #[test]
    fn select_excludes_and_restricts_with_the_ranking_rule() {
        let s = [0.5, 0.9, 0.1, 0.9, 0.7];
        assert_eq!(
            select(&s, &query(3, vec![], None)),
            vec![(1, 0.9), (3, 0.9), (4, 0.7)]
        );
        assert_eq!(
            select(&s, &query(2, vec![1], None)),
            vec![(3, 0.9), (4, 0.7)]
        );
        // Only items 0, 2 and 3, item 3 excluded.
        assert_eq!(
            select(&s, &query(5, vec![3], Some(vec![0, 2, 3]))),
            vec![(0, 0.5), (2, 0.1)]
        );
    }
}

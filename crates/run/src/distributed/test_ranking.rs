//! The test evaluation of a distributed training: every rank's test users (or the single
//! process's seeded sample of them) ranked against every item, the sums added over the ranks.

use gnnrec_data::Interactions;
use gnnrec_dist::{Comm, ShardedData};
use gnnrec_models::sharded::{ShardedModel, evaluate_sharded};

/// Step 4: which of this rank's test rows are scored, and what `metrics.json` calls them:
/// every test user's (`None`), or, with `eval_users`, those of the single process's seeded
/// sample ([`crate::source::test_users_shuffled`] of every rank's test users, gathered: 4
/// bytes a test user, the one list every rank holds whole).
pub(super) fn test_sample(
    shard: &ShardedData,
    eval_users: Option<usize>,
    seed: u64,
    comm: &dyn Comm,
) -> (String, Option<Interactions>) {
    let Some(n) = eval_users else {
        return ("test".into(), None);
    };
    let mut mine = shard.split.test.users.clone();
    mine.sort_unstable();
    mine.dedup();
    let all: Vec<u32> = comm
        .all_gather_bytes(&gnnrec_dist::wire::from_u32s(&mine))
        .iter()
        .flat_map(|b| gnnrec_dist::wire::u32s(b))
        .collect();
    let test = Interactions::new(all.clone(), vec![0; all.len()]);
    let users = crate::source::test_users_shuffled(&test, seed);
    let total = users.len();
    if n >= total {
        return ("test".into(), None);
    }
    (
        format!("test, a seeded sample of {n} of {total} users"),
        Some(crate::source::rows_of_users(
            &shard.split.test,
            &users[..n],
            true,
        )),
    )
}

/// Step 5: the ranking metrics of every rank's test users (or of `sample`, its rows of a
/// sample of them), summed over the ranks.
pub(super) fn evaluate(
    model: &dyn ShardedModel,
    shard: &ShardedData,
    sample: Option<&Interactions>,
    ks: &[usize],
    comm: &dyn Comm,
) -> gnnrec_eval::RankingMetrics {
    let mut score = |users: &[u32], out: &mut [f32]| model.score_users(users, out);
    evaluate_sharded(
        &mut score,
        shard.own_users(),
        shard.n_items(),
        &shard.split.train,
        sample.unwrap_or(&shard.split.test),
        ks,
        comm,
    )
}

//! Top-K selection over a row of scores, excluding some items, with a fixed tie rule.
//!
//! Order: higher score first; **equal scores are broken by the lower item index**. NaN scores
//! rank below every number. This is the one ranking rule of gnnrec: metrics, exported
//! recommendations and `recommend` all use it, so they always describe the same list.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A candidate in the heap, ordered so that the heap's top is the *worst* kept candidate.
#[derive(Clone, Copy, Debug)]
struct Candidate {
    score: f32,
    item: u32,
}

/// `Less` when `a` ranks before (is better than) `b`.
#[inline]
fn rank_order(a_score: f32, a_item: u32, b_score: f32, b_item: u32) -> Ordering {
    let key = |s: f32| if s.is_nan() { f32::NEG_INFINITY } else { s };
    key(b_score)
        .partial_cmp(&key(a_score))
        .unwrap_or(Ordering::Equal)
        .then_with(|| {
            // Both NaN or equal: lower item index first; NaN after -inf.
            match (a_score.is_nan(), b_score.is_nan()) {
                (false, true) => Ordering::Less,
                (true, false) => Ordering::Greater,
                _ => a_item.cmp(&b_item),
            }
        })
}

impl PartialEq for Candidate {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Candidate {}
impl PartialOrd for Candidate {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Candidate {
    /// Greater = worse, so `BinaryHeap::peek` is the worst kept candidate.
    fn cmp(&self, o: &Self) -> Ordering {
        rank_order(self.score, self.item, o.score, o.item)
    }
}

/// The best `k` items of `scores` in rank order, skipping the items in `excluded` (which must
/// be sorted ascending). Returns fewer than `k` when fewer items remain.
///
/// ```
/// use gnnrec_eval::top_k;
/// // Items 1 and 3 tie at 0.9: the lower index ranks first. Item 0 is excluded.
/// assert_eq!(top_k(&[1.0, 0.9, 0.1, 0.9], &[0], 2), vec![1, 3]);
/// ```
pub fn top_k(scores: &[f32], excluded: &[u32], k: usize) -> Vec<u32> {
    if k == 0 {
        return Vec::new();
    }
    let mut heap: BinaryHeap<Candidate> = BinaryHeap::with_capacity(k + 1);
    let mut ex = excluded.iter().copied().peekable();
    for (i, &s) in scores.iter().enumerate() {
        let i = i as u32;
        if ex.peek() == Some(&i) {
            ex.next();
            continue;
        }
        if heap.len() < k {
            heap.push(Candidate { score: s, item: i });
            continue;
        }
        let mut worst = heap.peek_mut().expect("heap holds k > 0 items");
        // Fast reject: strictly lower scores (the common case) never enter.
        if s < worst.score {
            continue;
        }
        let c = Candidate { score: s, item: i };
        if c < *worst {
            *worst = c;
        }
    }
    let mut out = heap.into_sorted_vec();
    out.truncate(k);
    out.into_iter().map(|c| c.item).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(scores: &[f32], excluded: &[u32], k: usize) -> Vec<u32> {
        let mut idx: Vec<u32> = (0..scores.len() as u32)
            .filter(|i| !excluded.contains(i))
            .collect();
        idx.sort_by(|&a, &b| rank_order(scores[a as usize], a, scores[b as usize], b));
        idx.truncate(k);
        idx
    }

    #[test]
    fn ties_and_exclusions() {
        let s = [0.5, 0.7, 0.7, 0.1, 0.7, f32::NAN, f32::NEG_INFINITY];
        assert_eq!(top_k(&s, &[], 3), vec![1, 2, 4]);
        assert_eq!(top_k(&s, &[2], 3), vec![1, 4, 0]);
        assert_eq!(top_k(&s, &[], 7), vec![1, 2, 4, 0, 3, 6, 5]);
        assert_eq!(top_k(&s, &[0, 1, 2, 3, 4], 5), vec![6, 5]);
        assert_eq!(top_k(&s, &[], 0), Vec::<u32>::new());
    }

    #[test]
    fn matches_a_full_sort_on_random_rows() {
        let mut state = 12345u64;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as u32
        };
        for _ in 0..200 {
            let n = 1 + (next() % 60) as usize;
            let s: Vec<f32> = (0..n).map(|_| (next() % 7) as f32).collect();
            let mut ex: Vec<u32> = (0..n as u32).filter(|_| next() % 4 == 0).collect();
            ex.dedup();
            let k = (next() % 12) as usize;
            assert_eq!(top_k(&s, &ex, k), naive(&s, &ex, k));
        }
    }
}

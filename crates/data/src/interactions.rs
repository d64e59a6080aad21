//! User–item interactions as parallel columns of dense indices and optional values.

use serde::{Deserialize, Serialize};

/// Timestamp of an interaction whose time is unknown; temporal splits treat it as the
/// oldest (so it always stays in train) and time-weighted graphs skip it.
pub const MISSING_TIME: i64 = i64::MIN;

/// A list of (user, item) interactions with optional rating, weight and timestamp columns.
///
/// Columns are parallel: entry `i` of each present column belongs to interaction `i`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Interactions {
    /// Dense user index of each interaction.
    pub users: Vec<u32>,
    /// Dense item index of each interaction.
    pub items: Vec<u32>,
    /// Explicit rating (e.g. stars), where the data has one.
    pub ratings: Option<Vec<f32>>,
    /// Implicit weight (e.g. play count), where the data has one.
    pub weights: Option<Vec<f32>>,
    /// Unix time in seconds, where the data has one.
    pub timestamps: Option<Vec<i64>>,
}

impl Interactions {
    /// Interactions without values.
    pub fn new(users: Vec<u32>, items: Vec<u32>) -> Self {
        assert_eq!(users.len(), items.len(), "users and items must be parallel");
        Interactions {
            users,
            items,
            ..Default::default()
        }
    }

    /// Number of interactions.
    pub fn len(&self) -> usize {
        self.users.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
    }

    /// The interactions at `rows`, in that order.
    pub fn select(&self, rows: &[usize]) -> Interactions {
        let pick_u32 = |v: &Vec<u32>| rows.iter().map(|&r| v[r]).collect::<Vec<_>>();
        Interactions {
            users: pick_u32(&self.users),
            items: pick_u32(&self.items),
            ratings: self
                .ratings
                .as_ref()
                .map(|v| rows.iter().map(|&r| v[r]).collect()),
            weights: self
                .weights
                .as_ref()
                .map(|v| rows.iter().map(|&r| v[r]).collect()),
            timestamps: self
                .timestamps
                .as_ref()
                .map(|v| rows.iter().map(|&r| v[r]).collect()),
        }
    }

    /// Appends `other` (which must have the same columns).
    pub fn extend(&mut self, other: &Interactions) {
        self.users.extend_from_slice(&other.users);
        self.items.extend_from_slice(&other.items);
        fn ext<T: Copy>(a: &mut Option<Vec<T>>, b: &Option<Vec<T>>) {
            match (a.as_mut(), b) {
                (Some(a), Some(b)) => a.extend_from_slice(b),
                _ => *a = None,
            }
        }
        ext(&mut self.ratings, &other.ratings);
        ext(&mut self.weights, &other.weights);
        ext(&mut self.timestamps, &other.timestamps);
    }

    /// Removes repeated (user, item) pairs, keeping each pair's **first** occurrence in
    /// input order (with its rating, weight and timestamp). Returns how many were removed.
    ///
    /// This is the one duplicate rule of gnnrec; loaders apply it and report the count.
    pub fn dedup_pairs(&mut self) -> usize {
        let keep = self.first_occurrences();
        let removed = keep.iter().filter(|&&k| !k).count();
        if removed > 0 {
            let rows: Vec<usize> = (0..self.len()).filter(|&i| keep[i]).collect();
            *self = self.select(&rows);
        }
        removed
    }

    /// Which rows [`Interactions::dedup_pairs`] keeps: `true` at each (user, item) pair's
    /// first occurrence in input order.
    pub fn first_occurrences(&self) -> Vec<bool> {
        let mut order: Vec<usize> = (0..self.len()).collect();
        order.sort_by_key(|&i| (self.users[i], self.items[i], i));
        let mut keep = vec![false; self.len()];
        let mut prev: Option<(u32, u32)> = None;
        for &i in &order {
            let key = (self.users[i], self.items[i]);
            if prev != Some(key) {
                keep[i] = true;
            }
            prev = Some(key);
        }
        keep
    }

    /// The preference value of interaction `i` for rating tasks: the rating if present.
    pub fn rating(&self, i: usize) -> Option<f32> {
        self.ratings.as_ref().map(|r| r[i])
    }

    /// Per-user lists of items (CSR-like: `items_of[u]`), for `n_users` users.
    pub fn items_by_user(&self, n_users: usize) -> Vec<Vec<u32>> {
        let mut out = vec![Vec::new(); n_users];
        for (&u, &i) in self.users.iter().zip(&self.items) {
            out[u as usize].push(i);
        }
        out
    }

    /// Number of interactions of each user (length `n_users`).
    pub fn user_degrees(&self, n_users: usize) -> Vec<u32> {
        degrees(&self.users, n_users)
    }

    /// Number of interactions of each item (length `n_items`).
    pub fn item_degrees(&self, n_items: usize) -> Vec<u32> {
        degrees(&self.items, n_items)
    }
}

fn degrees(ids: &[u32], n: usize) -> Vec<u32> {
    let mut d = vec![0u32; n];
    for &i in ids {
        d[i as usize] += 1;
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dedup_keeps_first_occurrence() {
        let mut x = Interactions::new(vec![0, 1, 0, 0], vec![5, 5, 5, 6]);
        x.ratings = Some(vec![1.0, 2.0, 3.0, 4.0]);
        assert_eq!(x.dedup_pairs(), 1);
        assert_eq!(x.users, vec![0, 1, 0]);
        assert_eq!(x.items, vec![5, 5, 6]);
        assert_eq!(x.ratings, Some(vec![1.0, 2.0, 4.0]));
    }

    #[test]
    fn degrees_count() {
        let x = Interactions::new(vec![0, 1, 0], vec![2, 2, 0]);
        assert_eq!(x.user_degrees(3), vec![2, 1, 0]);
        assert_eq!(x.item_degrees(3), vec![1, 0, 2]);
        assert_eq!(x.items_by_user(2), vec![vec![2, 0], vec![2]]);
    }
}

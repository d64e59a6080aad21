//! The user–item rating graph with one edge type per rating level (as in GC-MC, van den Berg
//! et al., 2017), built from training ratings only.
//!
//! Each direction is one CSR over all levels ([`Layout`]). Stacked in the columns, row `u` of
//! the users' matrix has the entry `(r · n_items + i)` for every training rating of level `r`
//! by user `u` on item `i`: multiplying it by a tensor whose rows are `[level 0 messages of
//! every item; level 1 messages; …]` sums, for each user, the level-specific messages of the
//! items they rated — GC-MC's per-level convolution in a single sparse product.

use gnnrec_data::Interactions;

use crate::csr::Csr;

/// Most distinct rating values kept as separate levels; beyond it ratings are binned.
pub const MAX_LEVELS: usize = 10;

/// The rating levels of a dataset: the distinct values of the training ratings, or
/// [`MAX_LEVELS`] equal-width bins where there are more distinct values than that.
#[derive(Debug, Clone, PartialEq)]
pub struct RatingLevels {
    /// The value of each level (bin centres when binned), ascending.
    pub values: Vec<f32>,
    binned: Option<(f32, f32)>,
}

impl RatingLevels {
    /// The levels of `ratings` (which must not be empty).
    ///
    /// ```
    /// use gnnrec_graph::rating_graph::RatingLevels;
    /// let l = RatingLevels::of(&[4.0, 0.5, 4.0, 3.5]);
    /// assert_eq!(l.values, vec![0.5, 3.5, 4.0]);
    /// assert_eq!(l.level(3.5), 1);
    /// ```
    pub fn of(ratings: &[f32]) -> RatingLevels {
        let mut values: Vec<f32> = ratings.to_vec();
        values.sort_by(f32::total_cmp);
        values.dedup();
        if values.len() <= MAX_LEVELS {
            return RatingLevels {
                values,
                binned: None,
            };
        }
        let (lo, hi) = (values[0], values[values.len() - 1]);
        let width = (hi - lo) / MAX_LEVELS as f32;
        RatingLevels {
            values: (0..MAX_LEVELS)
                .map(|b| lo + (b as f32 + 0.5) * width)
                .collect(),
            binned: Some((lo, width)),
        }
    }

    /// Number of levels.
    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Whether there are no levels.
    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The level of rating `r` (the nearest level for a value not seen when building).
    pub fn level(&self, r: f32) -> usize {
        match self.binned {
            Some((lo, width)) => (((r - lo) / width) as usize).min(MAX_LEVELS - 1),
            None => match self.values.binary_search_by(|v| v.total_cmp(&r)) {
                Ok(k) => k,
                Err(0) => 0,
                Err(k) if k == self.values.len() => k - 1,
                Err(k) => {
                    if r - self.values[k - 1] <= self.values[k] - r {
                        k - 1
                    } else {
                        k
                    }
                }
            },
        }
    }
}

/// The training rating graph: its typed, normalised edges, from which [`RatingGraph::to_users`]
/// and [`RatingGraph::to_items`] build the sparse matrix a propagation direction needs.
/// Edges are weighted `1 / sqrt(deg(u) · deg(i))` with degrees counted over all levels
/// (GC-MC's symmetric normalisation).
#[derive(Debug, Clone)]
pub struct RatingGraph {
    /// The levels the edges are typed by.
    pub levels: RatingLevels,
    /// Training degree of each user.
    pub user_degree: Vec<u32>,
    /// Training degree of each item.
    pub item_degree: Vec<u32>,
    users: Vec<u32>,
    items: Vec<u32>,
    /// The level of each edge.
    level: Vec<u32>,
    weights: Vec<f32>,
}

/// How the levels of a direction's sparse matrix are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Levels stacked in the columns: `n_dst × (levels · n_src)`, row `d` holding the entry
    /// `r · n_src + s` for each level-`r` edge to source `s`. Multiplies a tensor whose rows
    /// are `[level-0 messages of every source; level-1 messages; …]`.
    Stacked,
    /// Levels in the rows: `(levels · n_dst) × n_src`, row `r · n_dst + d` holding `d`'s
    /// level-`r` sources — for aggregating before transforming.
    ByLevel,
}

impl RatingGraph {
    /// Builds the graph from **training** ratings. Repeated (user, item) pairs keep the first
    /// rating. Returns `None` when `train` has no ratings.
    pub fn new(train: &Interactions, n_users: usize, n_items: usize) -> Option<RatingGraph> {
        let ratings = train.ratings.as_ref()?;
        if ratings.is_empty() {
            return None;
        }
        let levels = RatingLevels::of(ratings);
        let mut seen = std::collections::HashSet::with_capacity(train.len());
        let (mut users, mut items, mut level) = (Vec::new(), Vec::new(), Vec::new());
        for ((&u, &i), &r) in train.users.iter().zip(&train.items).zip(ratings) {
            if seen.insert((u, i)) {
                users.push(u);
                items.push(i);
                level.push(levels.level(r) as u32);
            }
        }
        let pairs = Interactions::new(users, items);
        let user_degree = pairs.user_degrees(n_users);
        let item_degree = pairs.item_degrees(n_items);
        let weights: Vec<f32> = pairs
            .users
            .iter()
            .zip(&pairs.items)
            .map(|(&u, &i)| {
                1.0 / ((user_degree[u as usize] as f32) * (item_degree[i as usize] as f32)).sqrt()
            })
            .collect();
        Some(RatingGraph {
            levels,
            user_degree,
            item_degree,
            users: pairs.users,
            items: pairs.items,
            level,
            weights,
        })
    }

    /// The matrix through which users gather the messages of the items they rated.
    pub fn to_users(&self, layout: Layout) -> Csr {
        let (n_users, n_items) = (self.user_degree.len(), self.item_degree.len());
        self.directed((&self.users, n_users), (&self.items, n_items), layout)
    }

    /// The matrix through which items gather the messages of the users who rated them.
    pub fn to_items(&self, layout: Layout) -> Csr {
        let (n_users, n_items) = (self.user_degree.len(), self.item_degree.len());
        self.directed((&self.items, n_items), (&self.users, n_users), layout)
    }

    /// Edges from `src` (of `n_src` nodes) into `dst` (of `n_dst` nodes) in `layout`.
    fn directed(
        &self,
        (dst, n_dst): (&[u32], usize),
        (src, n_src): (&[u32], usize),
        layout: Layout,
    ) -> Csr {
        let n_levels = self.levels.len();
        let level_major = |nodes: &[u32], n: usize| -> Vec<u32> {
            nodes
                .iter()
                .zip(&self.level)
                .map(|(&x, &l)| l * n as u32 + x)
                .collect()
        };
        match layout {
            Layout::Stacked => Csr::from_triplets(
                n_dst,
                n_levels * n_src,
                dst,
                &level_major(src, n_src),
                &self.weights,
            ),
            Layout::ByLevel => Csr::from_triplets(
                n_levels * n_dst,
                n_src,
                &level_major(dst, n_dst),
                src,
                &self.weights,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_distinct_nearest_and_binned() {
        let l = RatingLevels::of(&[1.0, 2.0, 5.0, 2.0]);
        assert_eq!(l.values, vec![1.0, 2.0, 5.0]);
        assert_eq!(l.level(1.4), 0);
        assert_eq!(l.level(3.6), 2);
        assert_eq!(l.level(9.0), 2);
        let many: Vec<f32> = (0..=100).map(|x| x as f32).collect();
        let b = RatingLevels::of(&many);
        assert_eq!(b.len(), MAX_LEVELS);
        assert_eq!(b.level(0.0), 0);
        assert_eq!(b.level(100.0), MAX_LEVELS - 1);
        assert_eq!(b.level(55.0), 5);
    }

    #[test]
    fn stacked_levels_and_weights() {
        // user 0 rated item 0 with 5 and item 1 with 1; user 1 rated item 1 with 5.
        let mut x = Interactions::new(vec![0, 0, 1, 0], vec![0, 1, 1, 0]);
        x.ratings = Some(vec![5.0, 1.0, 5.0, 3.0]); // the repeated (0, 0) keeps its first rating
        let g = RatingGraph::new(&x, 2, 2).unwrap();
        assert_eq!(g.levels.values, vec![1.0, 3.0, 5.0]);
        assert_eq!(g.user_degree, vec![2, 1]);
        assert_eq!(g.item_degree, vec![1, 2]);
        // user 0: item 1 at level 0 → col 1; item 0 at level 2 → col 4.
        let to_users = g.to_users(Layout::Stacked);
        let (cols, vals) = to_users.row(0);
        assert_eq!(cols, &[1, 4]);
        assert!((vals[0] - 1.0 / 4f32.sqrt()).abs() < 1e-6);
        assert!((vals[1] - 1.0 / 2f32.sqrt()).abs() < 1e-6);
        // item 1: user 0 at level 0 → col 0; user 1 at level 2 → col 5.
        assert_eq!(g.to_items(Layout::Stacked).row(1).0, &[0, 5]);
        // By level: row 0 · 2 + 0 (user 0, level 0) holds item 1; row 2 · 2 + 1 holds item 1.
        let users_by_level = g.to_users(Layout::ByLevel);
        assert_eq!(users_by_level.row(0).0, &[1]);
        assert_eq!(users_by_level.row(5).0, &[1]);
        assert_eq!(g.to_items(Layout::ByLevel).row(2 * 2).0, &[0]);
        assert_eq!(users_by_level.nnz(), to_users.nnz());
        assert!(RatingGraph::new(&Interactions::new(vec![0], vec![0]), 1, 1).is_none());
    }
}

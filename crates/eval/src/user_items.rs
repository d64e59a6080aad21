//! Per-user sorted item lists in one flat buffer (CSR), built from interactions.

use gnnrec_data::Interactions;

/// For each user, the sorted, distinct items they interacted with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserItems {
    offsets: Vec<usize>,
    items: Vec<u32>,
}

impl UserItems {
    /// Groups `x` by user, for `n_users` users.
    pub fn new(x: &Interactions, n_users: usize) -> Self {
        let mut offsets = vec![0usize; n_users + 1];
        for &u in &x.users {
            offsets[u as usize + 1] += 1;
        }
        for u in 0..n_users {
            offsets[u + 1] += offsets[u];
        }
        let mut fill = offsets.clone();
        let mut items = vec![0u32; x.len()];
        for (&u, &i) in x.users.iter().zip(&x.items) {
            items[fill[u as usize]] = i;
            fill[u as usize] += 1;
        }
        // Sort and deduplicate each user's list in place, then compact.
        let mut out_items = Vec::with_capacity(items.len());
        let mut out_offsets = Vec::with_capacity(n_users + 1);
        out_offsets.push(0);
        for u in 0..n_users {
            let row = &mut items[offsets[u]..offsets[u + 1]];
            row.sort_unstable();
            let start = out_items.len();
            for &i in row.iter() {
                if out_items.len() == start || *out_items.last().unwrap() != i {
                    out_items.push(i);
                }
            }
            out_offsets.push(out_items.len());
        }
        UserItems {
            offsets: out_offsets,
            items: out_items,
        }
    }

    /// The items of user `u`, sorted ascending.
    pub fn of(&self, u: u32) -> &[u32] {
        &self.items[self.offsets[u as usize]..self.offsets[u as usize + 1]]
    }

    /// Number of users.
    pub fn n_users(&self) -> usize {
        self.offsets.len() - 1
    }
}

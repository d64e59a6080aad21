//! The user–item bipartite graph, normalised for propagation, built from training
//! interactions only.

use gnnrec_data::Interactions;

use crate::csr::Csr;

/// The binary, symmetric adjacency `A` of the bipartite graph over `n_users + n_items` nodes
/// (users first, then items at offset `n_users`); repeated (user, item) pairs count once.
pub fn bipartite_adjacency(train: &Interactions, n_users: usize, n_items: usize) -> Csr {
    let n = n_users + n_items;
    let mut rows = Vec::with_capacity(2 * train.len());
    let mut cols = Vec::with_capacity(2 * train.len());
    for (&u, &i) in train.users.iter().zip(&train.items) {
        let i = n_users as u32 + i;
        rows.push(u);
        cols.push(i);
        rows.push(i);
        cols.push(u);
    }
    let ones = vec![1.0f32; rows.len()];
    let mut a = Csr::from_triplets(n, n, &rows, &cols, &ones);
    // Binary: collapse repeated pairs.
    a.map_values(|_| 1.0);
    a
}

/// The symmetric normalised adjacency `D^-1/2 A D^-1/2` of the bipartite graph over
/// `n_users + n_items` nodes (users first, then items at offset `n_users`), as used by
/// LightGCN and GCN propagation.
///
/// `A` is binary: repeated (user, item) pairs count once. Nodes without edges have an empty
/// row. Pass **training** interactions only: the graph must not see test edges.
///
/// ```
/// use gnnrec_data::Interactions;
/// let a = gnnrec_graph::normalized_adjacency(&Interactions::new(vec![0, 0, 1], vec![0, 1, 1]), 2, 2);
/// assert_eq!(a.n_rows(), 4);
/// assert_eq!(a.nnz(), 6);
/// // user 0 has degree 2, item 0 degree 1: weight 1/sqrt(2 · 1).
/// assert!((a.row(0).1[0] - 1.0 / 2f32.sqrt()).abs() < 1e-6);
/// ```
pub fn normalized_adjacency(train: &Interactions, n_users: usize, n_items: usize) -> Csr {
    let mut a = bipartite_adjacency(train, n_users, n_items);
    a.normalize_symmetric();
    a
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn symmetric_and_normalised() {
        let x = Interactions::new(vec![0, 0, 1, 2, 0], vec![0, 1, 1, 2, 0]);
        let a = normalized_adjacency(&x, 3, 3);
        assert!(a.is_symmetric());
        assert_eq!(a.nnz(), 8, "the repeated (0, 0) pair counts once");
        let dense = a.to_dense();
        let deg = [2.0f32, 1.0, 1.0, 1.0, 2.0, 1.0];
        for r in 0..6 {
            for c in 0..6 {
                let v = dense[r * 6 + c];
                if v != 0.0 {
                    assert!((v - 1.0 / (deg[r] * deg[c]).sqrt()).abs() < 1e-6);
                }
            }
        }
    }
}

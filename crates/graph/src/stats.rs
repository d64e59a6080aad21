//! Structure of a graph for people: size, density, degrees, connected components, weights.
//!
//! Works on any [`Csr`] adjacency, read as an undirected graph: an edge {a, b} exists when
//! either (a, b) or (b, a) is stored (so a top-k pruned item graph counts each kept pair once).
//! Components come from petgraph's union–find.

use gnnrec_data::Quantiles;
use petgraph::unionfind::UnionFind;
use serde::Serialize;

use crate::csr::Csr;

/// What [`graph_stats`] reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GraphStats {
    /// Nodes.
    pub nodes: usize,
    /// Undirected edges (self loops excluded).
    pub edges: usize,
    /// edges / (nodes · (nodes − 1) / 2).
    pub density: f64,
    /// Degree quantiles over all nodes.
    pub degree: Quantiles,
    /// Nodes without an edge.
    pub isolated: usize,
    /// Connected components (isolated nodes count as components).
    pub components: usize,
    /// Nodes in the largest component.
    pub largest_component: usize,
    /// `largest_component / nodes`.
    pub largest_component_share: f64,
    /// Edge weight quantiles (the larger of the two stored directions).
    pub weight: Option<Quantiles>,
    /// (degree, number of nodes with it), ascending by degree, zero degree excluded.
    pub degree_histogram: Vec<(usize, usize)>,
}

/// The statistics of `adj` (square), read as an undirected graph.
pub fn graph_stats(adj: &Csr) -> GraphStats {
    assert_eq!(adj.n_rows(), adj.n_cols(), "an adjacency matrix is square");
    let n = adj.n_rows();
    // Undirected edges as (min, max) with the larger stored weight.
    let mut pairs: Vec<(u32, u32, f32)> = Vec::with_capacity(adj.nnz());
    for r in 0..n {
        let (cols, vals) = adj.row(r);
        for (&c, &v) in cols.iter().zip(vals) {
            let (a, b) = (r as u32, c);
            if a != b {
                pairs.push((a.min(b), a.max(b), v));
            }
        }
    }
    pairs.sort_unstable_by(|x, y| (x.0, x.1).cmp(&(y.0, y.1)).then(y.2.total_cmp(&x.2)));
    pairs.dedup_by(|later, first| (later.0, later.1) == (first.0, first.1));

    let mut degree = vec![0usize; n];
    let mut uf = UnionFind::<u32>::new(n);
    for &(a, b, _) in &pairs {
        degree[a as usize] += 1;
        degree[b as usize] += 1;
        uf.union(a, b);
    }
    let mut size = vec![0usize; n];
    for v in 0..n as u32 {
        size[uf.find(v) as usize] += 1;
    }
    let components = size.iter().filter(|&&s| s > 0).count();
    let largest = size.iter().copied().max().unwrap_or(0);
    let mut hist = std::collections::BTreeMap::new();
    for &d in degree.iter().filter(|&&d| d > 0) {
        *hist.entry(d).or_insert(0usize) += 1;
    }
    let possible = n as f64 * (n as f64 - 1.0) / 2.0;
    GraphStats {
        nodes: n,
        edges: pairs.len(),
        density: if possible > 0.0 {
            pairs.len() as f64 / possible
        } else {
            0.0
        },
        degree: Quantiles::of_f64(degree.iter().map(|&d| d as f64).collect()),
        isolated: degree.iter().filter(|&&d| d == 0).count(),
        components,
        largest_component: largest,
        largest_component_share: if n > 0 {
            largest as f64 / n as f64
        } else {
            0.0
        },
        weight: (!pairs.is_empty())
            .then(|| Quantiles::of_f64(pairs.iter().map(|p| p.2 as f64).collect())),
        degree_histogram: hist.into_iter().collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_a_pair_and_an_isolated_node() {
        // 0–1–2, 3–4 (stored one way only), 5 alone.
        let adj = Csr::from_triplets(
            6,
            6,
            &[0, 1, 1, 2, 3],
            &[1, 0, 2, 1, 4],
            &[1.0, 1.0, 2.0, 2.0, 3.0],
        );
        let s = graph_stats(&adj);
        assert_eq!(s.nodes, 6);
        assert_eq!(s.edges, 3);
        assert!((s.density - 3.0 / 15.0).abs() < 1e-12);
        assert_eq!(s.isolated, 1);
        assert_eq!(s.components, 3);
        assert_eq!(s.largest_component, 3);
        assert!((s.largest_component_share - 0.5).abs() < 1e-12);
        assert_eq!(s.degree_histogram, vec![(1, 4), (2, 1)]);
        let w = s.weight.unwrap();
        assert_eq!((w.min, w.max), (1.0, 3.0));
        assert_eq!(s.degree.max, 2.0);
    }
}

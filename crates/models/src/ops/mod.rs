//! What several model families compute with: the differentiable sparse product and layer
//! means ([`propagate`]), a batch's distinct rows (`distinct_rows`), and the settings of the
//! item–item graph item-KNN and IRGNN are built on ([`ItemGraphSettings`]).

mod item_graph;
pub mod propagate;

pub use item_graph::ItemGraphSettings;

/// The sorted distinct values of `parts`, and the position of each value of each part in it.
pub(crate) fn distinct_rows(parts: &[&[u32]]) -> (Vec<u32>, Vec<Vec<u32>>) {
    let mut rows: Vec<u32> = parts.iter().flat_map(|p| p.iter().copied()).collect();
    rows.sort_unstable();
    rows.dedup();
    let at = |r: &u32| rows.binary_search(r).expect("listed") as u32;
    let positions = parts.iter().map(|p| p.iter().map(at).collect()).collect();
    (rows, positions)
}

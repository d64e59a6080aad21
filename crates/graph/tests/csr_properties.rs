//! Property tests of `Csr` against a dense reference: construction from triplets (repeats
//! summed), transpose, row selection, the product, and the row-mean operator.

use gnnrec_graph::Csr;
use proptest::prelude::*;

/// A random sparse matrix as (rows, cols, triplets), repeats allowed.
fn triplets() -> impl Strategy<Value = (usize, usize, Vec<(u32, u32, f32)>)> {
    (1usize..9, 1usize..9).prop_flat_map(|(r, c)| {
        let entry = (0..r as u32, 0..c as u32, -4i32..5).prop_map(|(i, j, v)| (i, j, v as f32));
        (Just(r), Just(c), prop::collection::vec(entry, 0..30))
    })
}

fn build(r: usize, c: usize, t: &[(u32, u32, f32)]) -> Csr {
    let rows: Vec<u32> = t.iter().map(|e| e.0).collect();
    let cols: Vec<u32> = t.iter().map(|e| e.1).collect();
    let vals: Vec<f32> = t.iter().map(|e| e.2).collect();
    Csr::from_triplets(r, c, &rows, &cols, &vals)
}

fn dense(r: usize, c: usize, t: &[(u32, u32, f32)]) -> Vec<f32> {
    let mut m = vec![0.0; r * c];
    for &(i, j, v) in t {
        m[i as usize * c + j as usize] += v;
    }
    m
}

proptest! {
    #[test]
    fn from_triplets_sums_repeats_and_keeps_the_invariants((r, c, t) in triplets()) {
        let m = build(r, c, &t);
        prop_assert_eq!(m.to_dense(), dense(r, c, &t));
        prop_assert_eq!(m.indptr().len(), r + 1);
        prop_assert_eq!(m.indptr()[r], m.nnz());
        for k in 0..r {
            let (cols, _) = m.row(k);
            prop_assert!(cols.windows(2).all(|w| w[0] < w[1]), "row {} not ascending", k);
        }
    }

    #[test]
    fn transpose_is_the_dense_transpose((r, c, t) in triplets()) {
        let m = build(r, c, &t);
        let d = dense(r, c, &t);
        let tt = m.transpose();
        prop_assert_eq!((tt.n_rows(), tt.n_cols()), (c, r));
        let want: Vec<f32> = (0..c).flat_map(|j| (0..r).map(move |i| (i, j))).map(|(i, j)| d[i * c + j]).collect();
        prop_assert_eq!(tt.to_dense(), want);
        prop_assert_eq!(tt.transpose(), m);
    }

    #[test]
    fn selected_rows_are_the_dense_rows((r, c, t) in triplets(), pick in prop::collection::vec(0u32..64, 0..12)) {
        let m = build(r, c, &t);
        let d = dense(r, c, &t);
        let rows: Vec<u32> = pick.iter().map(|&p| p % r as u32).collect();
        let s = m.select_rows(&rows);
        let want: Vec<f32> = rows.iter().flat_map(|&i| d[i as usize * c..(i as usize + 1) * c].to_vec()).collect();
        prop_assert_eq!(s.to_dense(), want);
    }

    #[test]
    fn the_product_is_the_dense_product((r, c, t) in triplets(), x in prop::collection::vec(-3i32..4, 64)) {
        let m = build(r, c, &t);
        let d = dense(r, c, &t);
        let k = 3;
        let x: Vec<f32> = x[..c * k].iter().map(|&v| v as f32).collect();
        let mut out = vec![0.0; r * k];
        m.spmm(&x, k, &mut out);
        for i in 0..r {
            for j in 0..k {
                let want: f32 = (0..c).map(|l| d[i * c + l] * x[l * k + j]).sum();
                prop_assert!((out[i * k + j] - want).abs() < 1e-4, "({}, {}): {} vs {}", i, j, out[i * k + j], want);
            }
        }
    }

    #[test]
    fn row_normalized_rows_average((r, c, t) in triplets()) {
        let rows: Vec<u32> = t.iter().map(|e| e.0).collect();
        let cols: Vec<u32> = t.iter().map(|e| e.1).collect();
        let m = Csr::row_normalized(r, c, &rows, &cols);
        for i in 0..r {
            let (cs, vs) = m.row(i);
            let distinct: std::collections::BTreeSet<u32> =
                t.iter().filter(|e| e.0 as usize == i).map(|e| e.1).collect();
            prop_assert_eq!(cs.to_vec(), distinct.iter().copied().collect::<Vec<_>>());
            if !vs.is_empty() {
                prop_assert!((vs.iter().sum::<f32>() - 1.0).abs() < 1e-5);
            }
        }
    }
}

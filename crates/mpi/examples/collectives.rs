//! Checks the MPI transport against what every collective must return; run it under
//! `mpirun -n N` (a build with `--features mpi`). Prints `ok` per rank, or panics.

#[cfg(feature = "mpi")]
fn main() {
    use gnnrec_dist::{Comm, CommExt};
    let w = gnnrec_mpi::MpiWorld::init().expect("MPI initialises once");
    let (r, n) = (w.rank(), w.size());
    let mut x = vec![r as f32 + 1.0; 5];
    w.all_reduce_f32(&mut x);
    let want = (n * (n + 1) / 2) as f32;
    assert!(x.iter().all(|&v| v == want), "all-reduce f32: {x:?}");
    let mut y = vec![r as f64; 3];
    w.all_reduce_f64(&mut y);
    assert!(
        y.iter().all(|&v| v == (n * (n - 1) / 2) as f64),
        "all-reduce f64: {y:?}"
    );
    let got = w.all_gather_bytes(&vec![r as u8; r]);
    for (s, g) in got.iter().enumerate() {
        assert_eq!(g, &vec![s as u8; s], "all-gather from {s}");
    }
    let to_each: Vec<Vec<u8>> = (0..n).map(|d| vec![(r * 10 + d) as u8; d + r]).collect();
    let got = w.all_to_all_bytes(&to_each);
    for (s, g) in got.iter().enumerate() {
        assert_eq!(g, &vec![(s * 10 + r) as u8; r + s], "all-to-all from {s}");
    }
    let root = w.gather_bytes_to_root(vec![r as u8; 2]);
    if r == 0 {
        assert_eq!(root.len(), n);
    } else {
        assert!(root.is_empty());
    }
    assert_eq!(w.max_u64(r as u64), (n - 1) as u64);
    println!("rank {r} of {n}: ok");
}

#[cfg(not(feature = "mpi"))]
fn main() {
    eprintln!("build with --features mpi and run under mpirun");
    std::process::exit(2);
}

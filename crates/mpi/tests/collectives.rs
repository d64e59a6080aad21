//! The MPI transport against what every collective must return, at 1, 2 and 4 ranks on
//! loopback. The test starts `mpirun` on its own executable; the ranks, told so by an
//! environment variable, run the checks. Needs `mpirun` on PATH (the `mpi` feature's build).
#![cfg(feature = "mpi")]

use std::process::Command;
use std::time::{Duration, Instant};

use gnnrec_dist::{Comm, CommExt};

const AS_RANK: &str = "GNNREC_MPI_COLLECTIVES_RANK";

fn checks() {
    let w = gnnrec_mpi::MpiWorld::init().expect("MPI initialises once");
    let (r, n) = (w.rank(), w.size());
    let mut x = vec![r as f32 + 1.0; 5];
    w.all_reduce_f32(&mut x);
    assert!(
        x.iter().all(|&v| v == (n * (n + 1) / 2) as f32),
        "all-reduce f32: {x:?}"
    );
    let mut y = vec![r as f64; 3];
    w.all_reduce_f64(&mut y);
    assert!(
        y.iter().all(|&v| v == (n * (n - 1) / 2) as f64),
        "all-reduce f64: {y:?}"
    );
    // Empty and uneven payloads (Open MPI refuses a call whose send and receive buffers
    // coincide, as two empty vectors' would).
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
    assert_eq!(root.len(), if r == 0 { n } else { 0 });
    assert_eq!(w.max_u64(r as u64), (n - 1) as u64);
    assert_eq!(w.exclusive_scan_u64(1), r as u64);
    println!("rank {r} of {n}: collectives ok");
}

#[test]
fn collectives_return_what_they_must_at_1_2_and_4_ranks() {
    if std::env::var_os(AS_RANK).is_some() {
        checks();
        return;
    }
    let me = std::env::current_exe().unwrap();
    for n in [1, 2, 4] {
        let mut child = Command::new("mpirun")
            .args(["-n", &n.to_string(), "--oversubscribe", "-x", AS_RANK])
            .arg(&me)
            .args([
                "--exact",
                "collectives_return_what_they_must_at_1_2_and_4_ranks",
                "--nocapture",
            ])
            .env(AS_RANK, "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("mpirun is installed (apt-get install openmpi-bin)");
        let t0 = Instant::now();
        while child.try_wait().unwrap().is_none() {
            if t0.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("{n} ranks: still running after 60 s");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let out = child.wait_with_output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            out.status.success(),
            "{n} ranks:\n{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(text.matches("collectives ok").count(), n, "{text}");
    }
}

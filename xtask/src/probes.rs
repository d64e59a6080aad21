//! Probes of this machine, measured in the same run as the benchmarks: the streaming read
//! bandwidth, and the bandwidth of gathering random 256-byte rows (64 `f32`, one embedding
//! row) from a table of gowalla's size (70,839 × 64, 18 MB) and from one ten times larger —
//! the memory traffic of a LightGCN propagation. Written by hand (no crate measures this):
//! the gather keeps the 64-float row sum in registers and prefetches the row eight indices
//! ahead, on every core, as `../shared/MEASURED.md`'s best C kernel did (69 GB/s there).
//!
//! Times of benchmarks and runs move by 20–35% between machines and days; divided by the
//! same run's gather time they do not (much): the regression check compares those ratios.

use std::time::Instant;

use serde::{Deserialize, Serialize};

/// What the probes measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Probes {
    /// Streaming read bandwidth, GB/s (a 512 MiB array summed on every core).
    pub stream_gbps: f64,
    /// Random-row gather bandwidth from the 18 MB table, GB/s.
    pub gather_gbps: f64,
    /// The same from the 180 MB table, GB/s.
    pub gather_large_gbps: f64,
    /// Seconds of one pass of the 18 MB gather (the unit times are divided by).
    pub gather_seconds: f64,
}

const DIM: usize = 64;
const ROWS: usize = 70_839;
const GATHERS: usize = 4_000_000;
const PASSES: usize = 5;

/// Runs the probes (a few seconds).
pub fn measure() -> Probes {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let stream = stream_seconds(threads);
    let small = gather_seconds(ROWS, threads);
    let large = gather_seconds(ROWS * 10, threads);
    let row_bytes = (DIM * 4 * GATHERS) as f64;
    Probes {
        stream_gbps: (STREAM_FLOATS * 4) as f64 / stream / 1e9,
        gather_gbps: row_bytes / small / 1e9,
        gather_large_gbps: row_bytes / large / 1e9,
        gather_seconds: small,
    }
}

const STREAM_FLOATS: usize = 128 << 20;

/// Best-of-[`PASSES`] seconds to sum a 512 MiB array on `threads` threads.
fn stream_seconds(threads: usize) -> f64 {
    let data: Vec<f32> = (0..STREAM_FLOATS).map(|k| (k % 7) as f32).collect();
    best(|| {
        let chunk = data.len().div_ceil(threads);
        let sums: Vec<f32> = std::thread::scope(|s| {
            let handles: Vec<_> = data
                .chunks(chunk)
                .map(|c| s.spawn(move || sum_stream(c)))
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("probe thread"))
                .collect()
        });
        std::hint::black_box(sums);
    })
}

fn sum_stream(c: &[f32]) -> f32 {
    let mut acc = [0f32; 16];
    for block in c.chunks_exact(16) {
        for (a, &x) in acc.iter_mut().zip(block) {
            *a += x;
        }
    }
    acc.iter().sum()
}

/// Best-of-[`PASSES`] seconds to gather [`GATHERS`] random rows of a `rows × 64` table.
fn gather_seconds(rows: usize, threads: usize) -> f64 {
    let table: Vec<f32> = (0..rows * DIM).map(|k| (k % 13) as f32 * 0.1).collect();
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let idx: Vec<u32> = (0..GATHERS)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % rows as u64) as u32
        })
        .collect();
    best(|| {
        let chunk = idx.len().div_ceil(threads);
        let sums: Vec<f32> = std::thread::scope(|s| {
            let handles: Vec<_> = idx
                .chunks(chunk)
                .map(|c| {
                    let t = &table;
                    s.spawn(move || gather(t, c))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().expect("probe thread"))
                .collect()
        });
        std::hint::black_box(sums);
    })
}

/// Sums the rows `idx` of `table`, 64 floats held in registers, the row 8 ahead prefetched.
fn gather(table: &[f32], idx: &[u32]) -> f32 {
    let mut acc = [0f32; DIM];
    for (k, &r) in idx.iter().enumerate() {
        #[cfg(target_arch = "x86_64")]
        if let Some(&ahead) = idx.get(k + 8) {
            // SAFETY: a prefetch is a hint; the address is inside `table`.
            unsafe {
                use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
                let p = table.as_ptr().add(ahead as usize * DIM) as *const i8;
                _mm_prefetch(p, _MM_HINT_T0);
                _mm_prefetch(p.add(128), _MM_HINT_T0);
            }
        }
        let row: &[f32; DIM] = table[r as usize * DIM..][..DIM]
            .try_into()
            .expect("64 floats");
        for (a, &x) in acc.iter_mut().zip(row) {
            *a += x;
        }
    }
    acc.iter().sum()
}

fn best(mut f: impl FnMut()) -> f64 {
    (0..PASSES)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64()
        })
        .fold(f64::MAX, f64::min)
}

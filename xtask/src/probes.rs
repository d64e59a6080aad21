//! Probes of this machine, measured in the same run as the benchmarks: the streaming read
//! bandwidth, and the bandwidth of gathering random 256-byte rows (64 `f32`, one embedding
//! row) from a table of gowalla's size (70,839 × 64, 18 MB) and from one ten times larger —
//! the memory traffic of a LightGCN propagation. Written by hand (no crate measures this):
//! the gather keeps the 64-float row sum in registers and prefetches the row eight indices
//! ahead, on every core, as `../shared/MEASURED.md`'s best C kernel did (69 GB/s there).
//!
//! Beside them, the independent floor of one gowalla product ([`crate::product_probe`]), which
//! the products and steps are reported against and results are compared under.

use std::path::Path;
use std::time::Instant;

use serde::{Deserialize, Serialize};

use anyhow::Context;
use gnnrec_graph::Csr;

use crate::product_probe::{self, Floor, GowallaMatrix, Variant, Versus};

/// What the probes measured.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probes {
    /// Streaming read bandwidth, GB/s (a 512 MiB array summed on every core).
    pub stream_gbps: f64,
    /// Random-row gather bandwidth from the 18 MB table, GB/s.
    pub gather_gbps: f64,
    /// The same from the 180 MB table, GB/s.
    pub gather_large_gbps: f64,
    /// Seconds of one pass of the 18 MB gather (the unit times are divided by).
    pub gather_seconds: f64,
    /// Gather bandwidth of the same kernel over the rows a gowalla propagation gathers, in
    /// its order ([`gowalla_indices`]), GB/s; 0 when gowalla is not in the data directory (and
    /// in results of older versions).
    #[serde(default)]
    pub gather_graph_gbps: f64,
    /// The independent floor of one gowalla product on every core (absent without gowalla,
    /// and in results of older versions).
    #[serde(default)]
    pub product: Option<Floor>,
    /// The project's product against the floor, timed in alternating rounds on every core
    /// and on one (empty without gowalla, and in results of older versions).
    #[serde(default)]
    pub versus: Vec<Versus>,
}

impl Probes {
    /// One line of the four bandwidths and the product floor, for people.
    pub fn summary(&self) -> String {
        let floor = self.product.as_ref().map_or(String::new(), |f| {
            format!(
                "; product floor {:.2} ms ({}, {} threads)",
                f.seconds * 1e3,
                f.best,
                f.threads
            )
        });
        format!(
            "stream {:.1} GB/s, gather {:.1} GB/s (18 MB table), {:.1} GB/s (180 MB), \
             {:.1} GB/s (gowalla propagation order){floor}",
            self.stream_gbps, self.gather_gbps, self.gather_large_gbps, self.gather_graph_gbps
        )
    }
}

const DIM: usize = 64;
const ROWS: usize = 70_839;
const GATHERS: usize = 4_000_000;
const PASSES: usize = 5;

/// Rounds of every floor variant at the start of a run.
const FLOOR_ROUNDS: usize = 8;
/// Alternating rounds of the floor and the project's product at the start of a run.
const VERSUS_ROUNDS: usize = 20;

/// The project's gowalla adjacency, built as training builds it: the loader and its id maps,
/// the official split's training pairs, `normalized_adjacency`.
fn project_matrix(data_dir: &Path) -> anyhow::Result<Csr> {
    let d = gnnrec_data::registry::load("gowalla", data_dir).context("loading gowalla")?;
    let split = d
        .split(&d.default_split)
        .context("gowalla's official split")?;
    Ok(gnnrec_graph::normalized_adjacency(
        &split.train,
        d.n_users(),
        d.n_items(),
    ))
}

/// The project's product against the floor's best variant `v`, in `rounds` alternating
/// rounds, on every core and (on a machine with more) on one.
pub fn versus(
    m: &GowallaMatrix,
    v: Variant,
    data_dir: &Path,
    rounds: usize,
) -> anyhow::Result<Vec<Versus>> {
    let csr = project_matrix(data_dir)?;
    let ours = |x: &[f32], out: &mut [f32]| csr.spmm(x, product_probe::DIM, out);
    let all = threads();
    let counts = if all > 1 { vec![all, 1] } else { vec![1] };
    counts
        .into_iter()
        .map(|t| product_probe::versus_project(m, v, t, rounds, &ours))
        .collect()
}

/// Runs the probes (a few seconds); the propagation-order probe and the product floor read
/// gowalla from `data_dir`. Returns the floor's matrix too, to re-measure it around results.
pub fn measure(data_dir: &Path) -> anyhow::Result<(Probes, Option<FloorProbe>)> {
    let threads = threads();
    let matrix = GowallaMatrix::read(data_dir)?;
    let small = gather_seconds(ROWS, &uniform_indices(ROWS), threads);
    let large = gather_seconds(ROWS * 10, &uniform_indices(ROWS * 10), threads);
    let graph = matrix
        .as_ref()
        .and_then(gowalla_indices)
        .map(|idx| gather_seconds(ROWS, &idx, threads));
    let floor = matrix
        .as_ref()
        .map(|m| product_probe::measure(m, threads, FLOOR_ROUNDS));
    let best = floor.as_ref().map(|f| {
        Variant::ALL
            .into_iter()
            .find(|v| v.name() == f.best)
            .expect("the best is one of the variants")
    });
    let versus = match (&matrix, best) {
        (Some(m), Some(v)) => versus(m, v, data_dir, VERSUS_ROUNDS)?,
        _ => Vec::new(),
    };
    let row_bytes = (DIM * 4 * GATHERS) as f64;
    let probes = Probes {
        stream_gbps: stream_gbps(),
        gather_gbps: row_bytes / small / 1e9,
        gather_large_gbps: row_bytes / large / 1e9,
        gather_seconds: small,
        gather_graph_gbps: graph.map_or(0.0, |t| row_bytes / t / 1e9),
        product: floor,
        versus,
    };
    let again = matrix.zip(best).map(|(matrix, variant)| FloorProbe {
        matrix,
        variant,
        threads,
    });
    Ok((probes, again))
}

/// The product floor's matrix and best variant, kept to measure the floor again just before
/// and just after each result ([`crate::report::Report::set_floor_probes`]).
pub struct FloorProbe {
    matrix: GowallaMatrix,
    variant: Variant,
    threads: usize,
}

impl FloorProbe {
    /// The best of ten products by the floor's best variant, seconds (a tenth of a second).
    pub fn seconds(&self) -> f64 {
        let x = product_probe::table(self.matrix.n());
        let mut y = product_probe::table(self.matrix.n());
        (0..10)
            .map(|_| {
                let t = Instant::now();
                product_probe::product(&self.matrix, &x, &mut y, self.variant, self.threads);
                t.elapsed().as_secs_f64()
            })
            .fold(f64::MAX, f64::min)
    }
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// The streaming read probe alone, GB/s (what the server's load test needs).
pub fn stream_gbps() -> f64 {
    (STREAM_FLOATS * 4) as f64 / stream_seconds(threads()) / 1e9
}

/// A xorshift stream of `u64`s (the probes need cheap, fixed draws, not statistics).
fn xorshift() -> impl FnMut() -> u64 {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    }
}

/// [`GATHERS`] rows drawn uniformly from `rows`.
fn uniform_indices(rows: usize) -> Vec<u32> {
    let mut next = xorshift();
    (0..GATHERS)
        .map(|_| (next() % rows as u64) as u32)
        .collect()
}

/// The rows one propagation over gowalla's training graph gathers, in the order it gathers
/// them: the column indices of the floor's matrix, row by row (users, then items offset by the
/// users, each row's neighbours ascending), repeated up to the probe's length so every probe
/// moves the same bytes. `None` when the graph is not gowalla's size. Random rows miss the
/// locality of a real graph (a user's places share ids), so no synthetic stream stands in.
fn gowalla_indices(m: &GowallaMatrix) -> Option<Vec<u32>> {
    if m.n() != ROWS || m.cols.is_empty() {
        return None;
    }
    Some(m.cols.iter().copied().cycle().take(GATHERS).collect())
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

/// Best-of-[`PASSES`] seconds to gather the rows `idx` of a `rows × 64` table.
fn gather_seconds(rows: usize, idx: &[u32], threads: usize) -> f64 {
    let table: Vec<f32> = (0..rows * DIM).map(|k| (k % 13) as f32 * 0.1).collect();
    best(|| {
        // Blocks of rows dealt to the threads in turn, as a row-parallel product's scheduler
        // does: the threads work on neighbouring rows at the same time and share what the
        // caches hold.
        let sums: Vec<f32> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..threads)
                .map(|t| {
                    let table = &table;
                    s.spawn(move || {
                        idx.chunks(ROW_LEN * BLOCK_ROWS)
                            .skip(t)
                            .step_by(threads)
                            .map(|block| gather(table, block))
                            .sum::<f32>()
                    })
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

/// Sums the rows `idx` of `table`, 64 floats held in registers, the row 8 ahead prefetched
/// (all four of its cache lines); compiled for AVX-512F or AVX2 when the CPU has them, as the
/// row kernel of the product is.
fn gather(table: &[f32], idx: &[u32]) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F, checked just above.
            return unsafe { gather_avx512(table, idx) };
        }
        if std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2, checked just above.
            return unsafe { gather_avx2(table, idx) };
        }
    }
    gather_portable(table, idx)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn gather_avx512(table: &[f32], idx: &[u32]) -> f32 {
    gather_portable(table, idx)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn gather_avx2(table: &[f32], idx: &[u32]) -> f32 {
    gather_portable(table, idx)
}

/// Gowalla's mean row length: the stream is summed a row at a time, as a product does.
const ROW_LEN: usize = 23;
/// Rows per block dealt to a thread.
const BLOCK_ROWS: usize = 64;

#[inline(always)]
fn gather_portable(table: &[f32], idx: &[u32]) -> f32 {
    let mut total = 0f32;
    for row in idx.chunks(ROW_LEN) {
        let mut acc = [0f32; DIM];
        for (k, &r) in row.iter().enumerate() {
            #[cfg(target_arch = "x86_64")]
            if let Some(&ahead) = row.get(k + 8) {
                use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
                let p = table.as_ptr().wrapping_add(ahead as usize * DIM);
                for line in (0..DIM).step_by(16) {
                    // SAFETY: a prefetch is a hint that never faults; SSE is in the x86-64
                    // baseline.
                    unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(line).cast::<i8>()) };
                }
            }
            let src: &[f32; DIM] = table[r as usize * DIM..][..DIM]
                .try_into()
                .expect("64 floats");
            for (a, &x) in acc.iter_mut().zip(src) {
                *a += x;
            }
        }
        total += acc.iter().sum::<f32>();
    }
    total
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

//! Probes of this machine, measured in the same run as the benchmarks: the streaming read
//! bandwidth, and the bandwidth of gathering random 256-byte rows (64 `f32`, one embedding
//! row) from a table of gowalla's size (70,839 × 64, 18 MB) and from one ten times larger —
//! the memory traffic of a LightGCN propagation. Written by hand (no crate measures this):
//! the gather keeps the 64-float row sum in registers and prefetches the row eight indices
//! ahead, on every core, as `../shared/MEASURED.md`'s best C kernel did (69 GB/s there).
//!
//! Times of benchmarks and runs move by 20–35% between machines and days; divided by the
//! same run's gather time they do not (much): the regression check compares those ratios.

use std::path::Path;
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
    /// Gather bandwidth of the same kernel over the rows a gowalla propagation gathers, in
    /// its order ([`gowalla_indices`]), GB/s; 0 when gowalla is not in the data directory (and
    /// in results of older versions).
    #[serde(default)]
    pub gather_graph_gbps: f64,
}

impl Probes {
    /// One line of the four bandwidths, for people.
    pub fn summary(&self) -> String {
        format!(
            "stream {:.1} GB/s, gather {:.1} GB/s (18 MB table), {:.1} GB/s (180 MB), \
             {:.1} GB/s (gowalla propagation order)",
            self.stream_gbps, self.gather_gbps, self.gather_large_gbps, self.gather_graph_gbps
        )
    }
}

const DIM: usize = 64;
const ROWS: usize = 70_839;
const GATHERS: usize = 4_000_000;
const PASSES: usize = 5;

/// Runs the probes (a few seconds); the propagation-order probe reads gowalla from `data_dir`.
pub fn measure(data_dir: &Path) -> Probes {
    let threads = threads();
    let small = gather_seconds(ROWS, &uniform_indices(ROWS), threads);
    let large = gather_seconds(ROWS * 10, &uniform_indices(ROWS * 10), threads);
    let graph = gowalla_indices(data_dir).map(|idx| gather_seconds(ROWS, &idx, threads));
    let row_bytes = (DIM * 4 * GATHERS) as f64;
    Probes {
        stream_gbps: stream_gbps(),
        gather_gbps: row_bytes / small / 1e9,
        gather_large_gbps: row_bytes / large / 1e9,
        gather_seconds: small,
        gather_graph_gbps: graph.map_or(0.0, |t| row_bytes / t / 1e9),
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
/// them: the column indices of its symmetric user–item adjacency, row by row (users, then
/// items offset by the users), each row's neighbours in increasing order as CSR stores them —
/// read from `data_dir/gowalla/train.txt`. `None` without the file: random rows miss the
/// locality of a real graph (a user's places share ids), so no synthetic stream stands in.
fn gowalla_indices(data_dir: &Path) -> Option<Vec<u32>> {
    let text = std::fs::read_to_string(data_dir.join("gowalla/train.txt")).ok()?;
    let mut user_items: Vec<Vec<u32>> = Vec::new();
    for line in text.lines() {
        let mut ids = line.split_whitespace().map(|t| t.parse::<u32>());
        let Some(Ok(u)) = ids.next() else { continue };
        let items: Vec<u32> = ids.collect::<Result<_, _>>().ok()?;
        if user_items.len() <= u as usize {
            user_items.resize(u as usize + 1, Vec::new());
        }
        user_items[u as usize].extend(items);
    }
    let n_users = user_items.len() as u32;
    let n_items = user_items.iter().flatten().max().map_or(0, |&i| i + 1) as usize;
    if n_users as usize + n_items != ROWS {
        return None;
    }
    let mut item_users: Vec<Vec<u32>> = vec![Vec::new(); n_items];
    for (u, items) in user_items.iter_mut().enumerate() {
        items.sort_unstable();
        items.dedup();
        for &i in items.iter() {
            item_users[i as usize].push(u as u32);
        }
    }
    let mut idx: Vec<u32> = user_items
        .iter()
        .flat_map(|items| items.iter().map(|&i| i + n_users))
        .chain(item_users.into_iter().flatten())
        .collect();
    // Repeat the stream up to the probe's length, so every probe moves the same bytes.
    let one = idx.len();
    while idx.len() < GATHERS {
        let k = idx.len() % one;
        idx.push(idx[k]);
    }
    idx.truncate(GATHERS);
    Some(idx)
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

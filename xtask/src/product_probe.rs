//! The independent floor of one gowalla propagation `y = Â · x` (d = 64, f32): xtask's own
//! sparse × dense product, written here apart from `crates/graph`'s row kernel so that no
//! change to the project's kernel can move the yardstick it is measured against.
//!
//! Written by hand because the point is a plain, separate kernel (no crate offers a CSR ×
//! dense product we could call a floor without it being a second copy of ours): the matrix
//! built from `gowalla/train.txt` in the file's own node order (users, then items offset by the
//! users; each row's neighbours ascending), a 64-byte-aligned table, per row the 64 output
//! floats held in registers with fused multiply–adds, and the best of a few simple variants
//! timed in interleaved rounds — prefetch distance (none, 8, 16 non-zeros ahead) × schedule
//! (blocks of 256 rows handed out on demand, or one contiguous share per thread). The floor is
//! the fastest variant's best round: whatever the machine's caches favour, the floor is the
//! best this plain kernel does there, in the same invocation as the numbers set against it.
//!
//! [`versus_project`] then times the project's own product (`gnnrec_graph::Csr::spmm`, on the
//! matrix the project builds through its loader, id maps and `normalized_adjacency`)
//! interleaved with the floor's best variant, round by round, so that the machine's drift
//! (neighbours on a shared host) falls on both alike: their ratio is what the acceptance
//! "the product ≤ 1.2× the probe" reads.

use std::path::Path;
use std::sync::Mutex;
use std::time::Instant;

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};

/// Floats per embedding row (the paper's dimension).
pub const DIM: usize = 64;

/// One 64-float row, aligned to a cache line: a row is exactly four lines.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
pub struct Row(pub [f32; DIM]);

/// Gowalla's symmetric-normalised user–item adjacency, read from `train.txt` by xtask itself.
pub struct GowallaMatrix {
    /// Users (rows `0..n_users`); items follow.
    pub n_users: usize,
    /// Row `r`'s entries are `ptr[r]..ptr[r + 1]`.
    pub ptr: Vec<usize>,
    /// Column of each entry, ascending within a row.
    pub cols: Vec<u32>,
    /// `1 / √(deg(r) · deg(c))`.
    pub vals: Vec<f32>,
}

impl GowallaMatrix {
    /// Reads `data_dir/gowalla/train.txt` (`user item item …` per line); `None` without it.
    pub fn read(data_dir: &Path) -> Result<Option<GowallaMatrix>> {
        let path = data_dir.join("gowalla/train.txt");
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(None);
        };
        let mut user_items: Vec<Vec<u32>> = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let mut ids = line.split_whitespace().map(str::parse::<u32>);
            let Some(u) = ids.next() else { continue };
            let u = u.with_context(|| format!("{}:{}: a user id", path.display(), n + 1))?;
            let items: Vec<u32> = ids
                .collect::<Result<_, _>>()
                .with_context(|| format!("{}:{}: an item id", path.display(), n + 1))?;
            if user_items.len() <= u as usize {
                user_items.resize(u as usize + 1, Vec::new());
            }
            user_items[u as usize].extend(items);
        }
        let n_users = user_items.len();
        let n_items = user_items
            .iter()
            .flatten()
            .max()
            .map_or(0, |&i| i as usize + 1);
        let mut item_users: Vec<Vec<u32>> = vec![Vec::new(); n_items];
        for (u, items) in user_items.iter_mut().enumerate() {
            items.sort_unstable();
            items.dedup();
            for &i in items.iter() {
                item_users[i as usize].push(u as u32);
            }
        }
        let rows: Vec<Vec<u32>> = user_items
            .into_iter()
            .map(|items| items.into_iter().map(|i| i + n_users as u32).collect())
            .chain(item_users)
            .collect();
        let degree: Vec<f32> = rows.iter().map(|r| r.len() as f32).collect();
        let mut ptr = vec![0usize];
        let (mut cols, mut vals) = (Vec::new(), Vec::new());
        for (r, row) in rows.iter().enumerate() {
            for &c in row {
                cols.push(c);
                vals.push(1.0 / (degree[r] * degree[c as usize]).sqrt());
            }
            ptr.push(cols.len());
        }
        Ok(Some(GowallaMatrix {
            n_users,
            ptr,
            cols,
            vals,
        }))
    }

    /// Rows (= columns) of the square matrix.
    pub fn n(&self) -> usize {
        self.ptr.len() - 1
    }

    /// Stored non-zeros.
    pub fn nnz(&self) -> usize {
        self.cols.len()
    }
}

/// How rows are shared among the threads.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Schedule {
    /// Blocks of 256 rows handed to whichever thread asks next (OpenMP's `dynamic, 256`).
    Dynamic256,
    /// One contiguous share of the rows per thread (OpenMP's `static`).
    Static,
}

/// One variant of the floor kernel.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Variant {
    /// How many non-zeros ahead a row is prefetched (0: never).
    pub prefetch: usize,
    /// How rows are shared among the threads.
    pub schedule: Schedule,
}

impl Variant {
    /// The variants tried: prefetch none / 8 / 16 × the two schedules.
    pub const ALL: [Variant; 6] = {
        use Schedule::*;
        [
            Variant {
                prefetch: 0,
                schedule: Dynamic256,
            },
            Variant {
                prefetch: 8,
                schedule: Dynamic256,
            },
            Variant {
                prefetch: 16,
                schedule: Dynamic256,
            },
            Variant {
                prefetch: 0,
                schedule: Static,
            },
            Variant {
                prefetch: 8,
                schedule: Static,
            },
            Variant {
                prefetch: 16,
                schedule: Static,
            },
        ]
    };

    /// `prefetch 8, dynamic 256`.
    pub fn name(&self) -> String {
        let schedule = match self.schedule {
            Schedule::Dynamic256 => "dynamic 256",
            Schedule::Static => "static",
        };
        format!("prefetch {}, {schedule}", self.prefetch)
    }
}

/// The floats of `rows`, row-major (what the project's product takes).
fn floats(rows: &[Row]) -> &[f32] {
    // SAFETY: `Row` is `repr(C)` around `[f32; 64]` with no padding (its size is 256, a
    // multiple of its alignment), so `rows` is `rows.len() * 64` initialised `f32`s.
    unsafe { std::slice::from_raw_parts(rows.as_ptr().cast::<f32>(), rows.len() * DIM) }
}

/// [`floats`], writable.
fn floats_mut(rows: &mut [Row]) -> &mut [f32] {
    // SAFETY: as in `floats`; the borrow of `rows` is exclusive for the slice's lifetime.
    unsafe { std::slice::from_raw_parts_mut(rows.as_mut_ptr().cast::<f32>(), rows.len() * DIM) }
}

/// A 64-byte-aligned `rows × 64` table of small deterministic values.
pub fn table(rows: usize) -> Vec<Row> {
    (0..rows)
        .map(|r| {
            Row(std::array::from_fn(|j| {
                ((r * 31 + j * 7) % 97) as f32 / 97.0 - 0.5
            }))
        })
        .collect()
}

/// `y = m · x` by the floor kernel `v` on `threads` threads.
pub fn product(m: &GowallaMatrix, x: &[Row], y: &mut [Row], v: Variant, threads: usize) {
    assert!(x.len() == m.n() && y.len() == m.n());
    let rows_of = |first: usize, out: &mut [Row]| {
        for (k, o) in out.iter_mut().enumerate() {
            let r = first + k;
            let (a, b) = (m.ptr[r], m.ptr[r + 1]);
            *o = row(&m.cols[a..b], &m.vals[a..b], x, v.prefetch);
        }
    };
    if threads <= 1 {
        rows_of(0, y);
        return;
    }
    match v.schedule {
        Schedule::Static => {
            let share = m.n().div_ceil(threads);
            std::thread::scope(|s| {
                for (t, out) in y.chunks_mut(share).enumerate() {
                    s.spawn(move || rows_of(t * share, out));
                }
            });
        }
        Schedule::Dynamic256 => {
            let blocks = Mutex::new(y.chunks_mut(256).enumerate());
            std::thread::scope(|s| {
                for _ in 0..threads {
                    s.spawn(|| {
                        loop {
                            let next = blocks.lock().expect("no thread panics").next();
                            let Some((b, out)) = next else { break };
                            rows_of(b * 256, out);
                        }
                    });
                }
            });
        }
    }
}

/// One output row, compiled for AVX-512F + FMA or AVX2 + FMA where the CPU has them.
fn row(cols: &[u32], vals: &[f32], x: &[Row], prefetch: usize) -> Row {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("avx512f")
            && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX-512F and FMA, checked just above.
            return unsafe { row_avx512(cols, vals, x, prefetch) };
        }
        if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma")
        {
            // SAFETY: the CPU has AVX2 and FMA, checked just above.
            return unsafe { row_avx2(cols, vals, x, prefetch) };
        }
    }
    row_plain(cols, vals, x, prefetch, |a, v, b| a + v * b)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn row_avx512(cols: &[u32], vals: &[f32], x: &[Row], prefetch: usize) -> Row {
    row_plain(cols, vals, x, prefetch, |a, v, b| v.mul_add(b, a))
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn row_avx2(cols: &[u32], vals: &[f32], x: &[Row], prefetch: usize) -> Row {
    row_plain(cols, vals, x, prefetch, |a, v, b| v.mul_add(b, a))
}

#[inline(always)]
fn row_plain(
    cols: &[u32],
    vals: &[f32],
    x: &[Row],
    prefetch: usize,
    fma: impl Fn(f32, f32, f32) -> f32,
) -> Row {
    let mut acc = [0f32; DIM];
    for (k, (&c, &v)) in cols.iter().zip(vals).enumerate() {
        if prefetch > 0
            && let Some(&ahead) = cols.get(k + prefetch)
        {
            prefetch_row(x, ahead as usize);
        }
        let src = &x[c as usize].0;
        for j in 0..DIM {
            acc[j] = fma(acc[j], v, src[j]);
        }
    }
    Row(acc)
}

/// Asks for the four lines of row `r` (a hint; an address past the end is never read).
#[inline(always)]
fn prefetch_row(x: &[Row], r: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let p = x.as_ptr().wrapping_add(r).cast::<i8>();
        for line in 0..4 {
            // SAFETY: a prefetch never faults, on any address; SSE is in the x86-64 baseline.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(p.wrapping_add(line * 64)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (x, r);
}

/// What the floor measured.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Floor {
    /// Threads the products ran on.
    pub threads: usize,
    /// Seconds of the best variant's best round: the floor of one product.
    pub seconds: f64,
    /// The best variant, in words.
    pub best: String,
    /// Every variant's best round, `(name, seconds)`.
    pub variants: Vec<(String, f64)>,
}

/// The floor on `threads` threads: every [`Variant`] in `rounds` interleaved rounds.
pub fn measure(m: &GowallaMatrix, threads: usize, rounds: usize) -> Floor {
    let x = table(m.n());
    let mut y = table(m.n());
    let mut best = [f64::MAX; Variant::ALL.len()];
    for _ in 0..rounds {
        for (k, &v) in Variant::ALL.iter().enumerate() {
            best[k] = best[k].min(seconds(|| product(m, &x, &mut y, v, threads)));
        }
    }
    std::hint::black_box(&y);
    let k = (0..best.len())
        .min_by(|&a, &b| best[a].total_cmp(&best[b]))
        .expect("variants");
    Floor {
        threads,
        seconds: best[k],
        best: Variant::ALL[k].name(),
        variants: Variant::ALL
            .iter()
            .zip(best)
            .map(|(v, s)| (v.name(), s))
            .collect(),
    }
}

fn seconds(f: impl FnOnce()) -> f64 {
    let t = Instant::now();
    f();
    t.elapsed().as_secs_f64()
}

/// The project's product against the floor, timed in the same rounds.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Versus {
    /// Threads both ran on.
    pub threads: usize,
    /// The floor's best variant, best round, seconds.
    pub floor_seconds: f64,
    /// `gnnrec_graph::Csr::spmm`, best round, seconds.
    pub project_seconds: f64,
    /// `project_seconds / floor_seconds`.
    pub multiple: f64,
    /// The project's product on a table 16 bytes past a cache line (what `malloc` returns for
    /// a large block): each row then spans five lines instead of four.
    pub project_misaligned_seconds: f64,
}

/// Times `project` (the project's product of `x` into `y`, `x` given as the floor's table) and
/// the floor's variant `v` in `rounds` alternating rounds on `threads` threads; checks first
/// that both compute the same product.
pub fn versus_project(
    m: &GowallaMatrix,
    v: Variant,
    threads: usize,
    rounds: usize,
    project: &(dyn Fn(&[f32], &mut [f32]) + Sync),
) -> Result<Versus> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .context("starting the project's thread pool")?;
    let n = m.n();
    let x = table(n);
    let mut y = table(n);
    let flat = |rows: &[Row]| -> Vec<f32> { rows.iter().flat_map(|r| r.0).collect() };
    // The project reads the floor's own aligned table (as the `gnnrec` binary's allocator,
    // mimalloc, places a large tensor on a line), and a copy 16 bytes past a line.
    let x_flat = floats(&x);
    let mut shifted = vec![0f32; n * DIM + 32];
    let lead = (16 - (shifted.as_ptr() as usize / 4) % 16) % 16 + 4;
    shifted[lead..lead + n * DIM].copy_from_slice(x_flat);
    let x_shifted = &shifted[lead..lead + n * DIM];
    let mut out = table(n);
    let out = floats_mut(&mut out);

    product(m, &x, &mut y, v, threads);
    pool.install(|| project(x_flat, out));
    let worst = flat(&y)
        .iter()
        .zip(out.iter())
        .map(|(a, b)| (a - b).abs())
        .fold(0f32, f32::max);
    if worst > 1e-4 {
        bail!(
            "the project's product differs from the floor's by up to {worst}: not the same \
             matrix (node order or normalisation), so the two cannot be compared"
        );
    }
    let (mut floor, mut ours, mut misaligned) = (f64::MAX, f64::MAX, f64::MAX);
    for _ in 0..rounds {
        floor = floor.min(seconds(|| product(m, &x, &mut y, v, threads)));
        ours = ours.min(seconds(|| pool.install(|| project(x_flat, out))));
        misaligned = misaligned.min(seconds(|| pool.install(|| project(x_shifted, out))));
    }
    std::hint::black_box((&y, &out));
    Ok(Versus {
        threads,
        floor_seconds: floor,
        project_seconds: ours,
        multiple: ours / floor,
        project_misaligned_seconds: misaligned,
    })
}

/// A markdown table of `rows`, the floor's variant named `floor` in its header.
pub fn versus_table(rows: &[Versus], floor: &str) -> String {
    let ms = |s: f64| format!("{:.2} ms", s * 1e3);
    let mut t = format!(
        "| threads | floor ({floor}) | project product | multiple | project, table 16 B past a line |\n\
         |---|---|---|---|---|\n"
    );
    for v in rows {
        t += &format!(
            "| {} | {} | {} | **{:.2}×** | {} ({:.2}×) |\n",
            v.threads,
            ms(v.floor_seconds),
            ms(v.project_seconds),
            v.multiple,
            ms(v.project_misaligned_seconds),
            v.project_misaligned_seconds / v.floor_seconds
        );
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A 2-user, 3-item graph: u0–i0, u0–i2, u1–i1, u1–i2.
    fn small() -> GowallaMatrix {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("gowalla")).unwrap();
        std::fs::write(dir.path().join("gowalla/train.txt"), "0 2 0\n1 1 2\n").unwrap();
        GowallaMatrix::read(dir.path()).unwrap().unwrap()
    }

    #[test]
    fn the_matrix_is_the_normalised_adjacency_in_file_order() {
        let m = small();
        assert_eq!((m.n_users, m.n(), m.nnz()), (2, 5, 8));
        assert_eq!(m.ptr, [0, 2, 4, 5, 6, 8]);
        assert_eq!(m.cols, [2, 4, 3, 4, 0, 1, 0, 1]);
        // u0 (degree 2) – i2 (degree 2): 1 / 2; u1 – i1 (degree 1): 1 / √2.
        assert_eq!(m.vals[1], 0.5);
        assert!((m.vals[2] - 1.0 / 2f32.sqrt()).abs() < 1e-7);
    }

    #[test]
    fn every_variant_on_any_threads_computes_the_dense_product() {
        let m = small();
        let x = table(m.n());
        let want: Vec<[f32; DIM]> = (0..m.n())
            .map(|r| {
                let mut row = [0f32; DIM];
                for k in m.ptr[r]..m.ptr[r + 1] {
                    let src = &x[m.cols[k] as usize].0;
                    for (o, &v) in row.iter_mut().zip(src) {
                        *o += m.vals[k] * v;
                    }
                }
                row
            })
            .collect();
        for v in Variant::ALL {
            for threads in [1, 2, 3] {
                let mut y = vec![Row([f32::NAN; DIM]); m.n()];
                product(&m, &x, &mut y, v, threads);
                for (got, want) in y.iter().zip(&want) {
                    for (a, b) in got.0.iter().zip(want) {
                        assert!((a - b).abs() < 1e-6, "{v:?} {threads}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_table_is_aligned_to_cache_lines() {
        let t = table(3);
        assert_eq!(t.as_ptr() as usize % 64, 0);
        assert_eq!(std::mem::size_of::<Row>(), 256);
    }

    #[test]
    fn a_different_matrix_is_refused_not_compared() {
        let m = small();
        let zero = |_: &[f32], out: &mut [f32]| out.fill(0.0);
        let err = versus_project(&m, Variant::ALL[0], 1, 1, &zero).unwrap_err();
        assert!(err.to_string().contains("not the same matrix"), "{err}");
    }
}

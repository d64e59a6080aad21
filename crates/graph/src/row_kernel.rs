//! The row kernel of the sparse × dense product: `o = Σ_k vals[k] · x[cols[k]]` over the
//! rows of a dense row-major `x` with `d` columns.
//!
//! Written by hand because no crate offers a CSR × dense product over our own layout with
//! these properties: the output row is accumulated in blocks of 64 (then 16, then 1) columns
//! held in registers across the whole sparse row, instead of read and written back for
//! every non-zero, the rows a few non-zeros ahead are prefetched, and the loop is compiled
//! three times — for AVX-512F + FMA, for AVX2 + FMA and for the portable baseline — with the
//! widest the CPU has chosen at run time (no `-C target-cpu` needed, so one binary runs on every
//! x86-64 machine; AVX-512 target features need Rust 1.89). Each output element is the sum of
//! `vals[k] · x[cols[k]][j]` in the order of `k`, each term a fused multiply–add
//! (`f32::mul_add`: one rounding), so every version gives bit-identical results on every
//! machine: the FMA instructions where the CPU has them, the C library's correctly rounded
//! `fmaf` on an x86-64 without FMA (before 2013: slow but exact), the native instruction on
//! aarch64. Fused rather than multiplied-then-added: one instruction instead of two per eight
//! or sixteen floats: the product on one core went from 1.15× to 0.9–1.0× of the independent
//! floor (`cargo xtask probes`; `docs/performance.md`).

/// `o = Σ_k vals[k] · x[cols[k] * d .. (cols[k] + 1) * d]`; `o.len() == d`.
#[inline]
pub fn row_times(cols: &[u32], vals: &[f32], x: &[f32], d: usize, o: &mut [f32]) {
    debug_assert_eq!(o.len(), d);
    #[cfg(target_arch = "x86_64")]
    {
        let fma = std::arch::is_x86_feature_detected!("fma");
        if fma && std::arch::is_x86_feature_detected!("avx512f") {
            // SAFETY: the CPU supports AVX-512F and FMA, checked just above.
            unsafe { row_times_avx512(cols, vals, x, d, o) };
            return;
        }
        if fma && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the CPU supports AVX2 and FMA, checked just above.
            unsafe { row_times_avx2(cols, vals, x, d, o) };
            return;
        }
    }
    row_times_portable(cols, vals, x, d, o);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
fn row_times_avx2(cols: &[u32], vals: &[f32], x: &[f32], d: usize, o: &mut [f32]) {
    row_times_portable(cols, vals, x, d, o);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn row_times_avx512(cols: &[u32], vals: &[f32], x: &[f32], d: usize, o: &mut [f32]) {
    row_times_portable(cols, vals, x, d, o);
}

#[inline(always)]
fn row_times_portable(cols: &[u32], vals: &[f32], x: &[f32], d: usize, o: &mut [f32]) {
    let mut off = 0;
    while off + 64 <= d {
        block::<64>(cols, vals, x, d, off, o);
        off += 64;
    }
    while off + 16 <= d {
        block::<16>(cols, vals, x, d, off, o);
        off += 16;
    }
    while off < d {
        block::<1>(cols, vals, x, d, off, o);
        off += 1;
    }
}

/// Columns `off .. off + W` of the output row, accumulated in a local array the compiler
/// keeps in registers.
#[inline(always)]
fn block<const W: usize>(
    cols: &[u32],
    vals: &[f32],
    x: &[f32],
    d: usize,
    off: usize,
    o: &mut [f32],
) {
    let mut acc = [0f32; W];
    for (k, (&c, &v)) in cols.iter().zip(vals).enumerate() {
        if W == 64
            && let Some(&ahead) = cols.get(k + PREFETCH_AHEAD)
        {
            prefetch_row(x, ahead as usize * d + off, W);
        }
        let start = c as usize * d + off;
        let src: &[f32; W] = x[start..start + W].try_into().expect("W columns");
        for j in 0..W {
            acc[j] = v.mul_add(src[j], acc[j]);
        }
    }
    o[off..off + W].copy_from_slice(&acc);
}

/// How many non-zeros ahead the rows to gather are prefetched: far enough to hide a trip
/// to memory behind the work on the rows before it, near enough to stay in L1
/// (`../shared/MEASURED.md`: 8 ahead 6.0 ms, 16 ahead 12.2 ms, none 8.7 ms per gowalla
/// product).
pub(crate) const PREFETCH_AHEAD: usize = 8;

/// Asks the CPU to bring the `len` elements of `x` from `start` into L1, one request per
/// 64-byte line. A hint only: addresses past the end are never dereferenced (prefetches do not
/// fault), and the result of the product does not depend on it.
#[inline(always)]
pub(crate) fn prefetch_row<T>(x: &[T], start: usize, len: usize) {
    #[cfg(target_arch = "x86_64")]
    {
        use std::arch::x86_64::{_MM_HINT_T0, _mm_prefetch};
        let base = x.as_ptr().wrapping_add(start).cast::<i8>();
        for byte in (0..len * std::mem::size_of::<T>()).step_by(64) {
            // SAFETY: `_mm_prefetch` is a hint that never faults, on any address; SSE is part
            // of the x86-64 baseline.
            unsafe { _mm_prefetch::<_MM_HINT_T0>(base.wrapping_add(byte)) };
        }
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = (x, start, len);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_width_equals_the_plain_fused_loop_bit_for_bit() {
        let n = 9;
        for d in [1usize, 3, 16, 17, 64, 80, 130] {
            let x: Vec<f32> = (0..n * d)
                .map(|k| ((k * 37 % 101) as f32 - 50.0) / 7.0)
                .collect();
            let cols = [0u32, 2, 5, 8];
            let vals = [0.5f32, -1.25, 3.0, 0.1];
            let mut want = vec![0f32; d];
            for (&c, &v) in cols.iter().zip(&vals) {
                for j in 0..d {
                    want[j] = v.mul_add(x[c as usize * d + j], want[j]);
                }
            }
            let mut got = vec![f32::NAN; d];
            row_times(&cols, &vals, &x, d, &mut got);
            assert_eq!(got, want, "d = {d}");
            let mut portable = vec![f32::NAN; d];
            row_times_portable(&cols, &vals, &x, d, &mut portable);
            assert_eq!(portable, want, "portable, d = {d}");
        }
    }
}

//! The row kernel of the sparse × dense product with its sums carried in f64:
//! `o = Σ_k vals[k] · x[cols[k]]`, every product and partial sum in double precision.
//!
//! Why: a product summed over the shards of a distributed run (`R̃ᵀ y`, each rank adding its
//! users' rows, then an all-reduce) adds its terms in another order than one process does,
//! and in f32 the two results differ in their last bits — enough, in a randomized SVD whose
//! singular values lie close together, to move the singular vectors by 1e-6 and to swap two
//! near-tied items at a ranking cut-off. In f64 each product of two f32 numbers is exact
//! and the sums' rounding (2⁻⁵³ of the partial sums) lies far below f32's resolution (2⁻²⁴),
//! so the sum rounded to f32 is the same whatever the order of its terms, except where the
//! exact value falls within 2⁻⁵³ of a rounding boundary (about one element in 10⁸).
//!
//! Written by hand for the reason of [`crate::row_kernel`]: no crate multiplies our CSR
//! layout by a dense block; the output row is accumulated in blocks of 32 (then 8, then 1)
//! doubles held in registers, the rows a few non-zeros ahead are prefetched, and the loop is
//! compiled for AVX-512F, AVX2 and the portable baseline, the widest chosen at run time. Each
//! element is summed in the order of `k` with `f64::mul_add`, so every version gives the same
//! bits.

use crate::row_kernel::{PREFETCH_AHEAD, prefetch_row};

/// An input element widened exactly to f64.
pub trait Widen: Copy + Send + Sync {
    /// The value as f64 (exact for f32 and f64).
    fn widen(self) -> f64;
}

impl Widen for f32 {
    #[inline(always)]
    fn widen(self) -> f64 {
        f64::from(self)
    }
}

impl Widen for f64 {
    #[inline(always)]
    fn widen(self) -> f64 {
        self
    }
}

/// `o = Σ_k vals[k] · x[cols[k] * d .. (cols[k] + 1) * d]` in f64; `o.len() == d`.
#[inline]
pub fn row_times_wide<T: Widen>(cols: &[u32], vals: &[f32], x: &[T], d: usize, o: &mut [f64]) {
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
fn row_times_avx2<T: Widen>(cols: &[u32], vals: &[f32], x: &[T], d: usize, o: &mut [f64]) {
    row_times_portable(cols, vals, x, d, o);
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,fma")]
fn row_times_avx512<T: Widen>(cols: &[u32], vals: &[f32], x: &[T], d: usize, o: &mut [f64]) {
    row_times_portable(cols, vals, x, d, o);
}

#[inline(always)]
fn row_times_portable<T: Widen>(cols: &[u32], vals: &[f32], x: &[T], d: usize, o: &mut [f64]) {
    let mut off = 0;
    while off + 32 <= d {
        block::<T, 32>(cols, vals, x, d, off, o);
        off += 32;
    }
    while off + 8 <= d {
        block::<T, 8>(cols, vals, x, d, off, o);
        off += 8;
    }
    while off < d {
        block::<T, 1>(cols, vals, x, d, off, o);
        off += 1;
    }
}

/// Columns `off .. off + W` of the output row, accumulated in registers.
#[inline(always)]
fn block<T: Widen, const W: usize>(
    cols: &[u32],
    vals: &[f32],
    x: &[T],
    d: usize,
    off: usize,
    o: &mut [f64],
) {
    let mut acc = [0f64; W];
    for (k, (&c, &v)) in cols.iter().zip(vals).enumerate() {
        if W == 32
            && let Some(&ahead) = cols.get(k + PREFETCH_AHEAD)
        {
            prefetch_row(x, ahead as usize * d + off, W);
        }
        let v = f64::from(v);
        let start = c as usize * d + off;
        let src: &[T; W] = x[start..start + W].try_into().expect("W columns");
        for j in 0..W {
            acc[j] = v.mul_add(src[j].widen(), acc[j]);
        }
    }
    o[off..off + W].copy_from_slice(&acc);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_width_equals_the_plain_f64_loop_bit_for_bit() {
        let n = 9;
        for d in [1usize, 3, 8, 9, 32, 45, 70] {
            let x: Vec<f32> = (0..n * d)
                .map(|k| ((k * 37 % 101) as f32 - 50.0) / 7.0)
                .collect();
            let cols = [0u32, 2, 5, 8];
            let vals = [0.5f32, -1.25, 3.0, 0.1];
            let mut want = vec![0f64; d];
            for (&c, &v) in cols.iter().zip(&vals) {
                for j in 0..d {
                    want[j] = f64::from(v).mul_add(f64::from(x[c as usize * d + j]), want[j]);
                }
            }
            let mut got = vec![f64::NAN; d];
            row_times_wide(&cols, &vals, &x, d, &mut got);
            assert_eq!(got, want, "d = {d}");
            let wide: Vec<f64> = x.iter().map(|&v| f64::from(v)).collect();
            let mut from_f64 = vec![f64::NAN; d];
            row_times_portable(&cols, &vals, &wide, d, &mut from_f64);
            assert_eq!(from_f64, want, "f64 input, d = {d}");
        }
    }

    #[test]
    fn the_sum_rounded_to_f32_does_not_depend_on_the_order_of_its_terms() {
        // 2,000 terms of mixed sign and magnitude, added forwards, backwards and in two
        // halves (as two ranks would): f32 accumulation disagrees, f64 rounded to f32 agrees.
        let n = 2000;
        let vals: Vec<f32> = (0..n)
            .map(|k| ((k * 7919 % 1013) as f32 - 506.0) / 97.0)
            .collect();
        let x: Vec<f32> = (0..n).map(|k| 1.0 + (k % 17) as f32 / 3.0).collect();
        let fwd: Vec<u32> = (0..n as u32).collect();
        let bwd: Vec<u32> = fwd.iter().rev().copied().collect();
        let sum = |cols: &[u32]| {
            let v: Vec<f32> = cols.iter().map(|&c| vals[c as usize]).collect();
            let mut o = [0f64];
            row_times_wide(cols, &v, &x, 1, &mut o);
            o[0]
        };
        let halves = sum(&fwd[..n / 2]) + sum(&fwd[n / 2..]);
        assert_eq!(sum(&fwd) as f32, sum(&bwd) as f32);
        assert_eq!(sum(&fwd) as f32, halves as f32);
        let f32_sum = |cols: &[u32]| {
            cols.iter()
                .fold(0f32, |a, &c| vals[c as usize].mul_add(x[c as usize], a))
        };
        assert_ne!(
            f32_sum(&fwd),
            f32_sum(&bwd),
            "the case must be one where f32's order shows"
        );
    }
}

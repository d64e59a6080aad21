//! How much memory the machine has for a model, so that a model too large for it is refused
//! before it starts rather than killed (or swapping) hours in.
//!
//! Reads `MemAvailable` from `/proc/meminfo` (Linux); where that file is missing the check is
//! skipped. Written by hand: the one number needed does not justify a system-information
//! crate.

use crate::framework::error::{ModelError, Result};

/// The sizes a model's memory grows with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataSize {
    /// Users.
    pub n_users: usize,
    /// Items.
    pub n_items: usize,
    /// Training interactions.
    pub n_train: usize,
}

/// `f32` values as bytes, saturating (an estimate never overflows into a small number).
pub fn f32s(count: u64) -> u64 {
    count.saturating_mul(4)
}

/// Bytes of memory available to a new allocation now, where the system says.
pub fn available_bytes() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/meminfo").ok()?;
    text.lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
}

/// Fails, naming `model` and the bytes it needs, when `needed` exceeds what is available.
pub fn ensure_fits(model: &str, needed: u64) -> Result<()> {
    match available_bytes() {
        Some(have) if needed > have => Err(ModelError::Invalid(format!(
            "{model} needs {needed} bytes ({:.1} GiB) and this machine has {have} bytes ({:.1} GiB) available; \
             use a machine with more memory or a smaller dataset",
            needed as f64 / (1u64 << 30) as f64,
            have as f64 / (1u64 << 30) as f64
        ))),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_available_memory_and_passes_what_fits() {
        if let Some(b) = available_bytes() {
            assert!(b > 1 << 20, "{b} bytes available");
        }
        ensure_fits("tiny", 1024).unwrap();
    }
}

//! N ranks as threads of one process: the distributed algorithms tested without MPI.
//!
//! Written here rather than taken from a crate: it is a test transport of some forty lines
//! over `std::sync::Barrier`, with the same semantics as [`crate::Comm`]'s MPI one
//! (every rank calls every collective; sums are added in rank order, so every rank gets the
//! same bits).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier, Mutex};

use crate::comm::Comm;
use crate::wire;

/// What the ranks of a [`LocalGroup`] share: one mailbox per rank and a barrier.
struct Shared {
    barrier: Barrier,
    /// `posted[r][d]`: what rank `r` sends to rank `d` in the current collective.
    posted: Mutex<Vec<Vec<Vec<u8>>>>,
}

/// One rank of a group of threads.
pub struct LocalGroup {
    rank: usize,
    size: usize,
    shared: Arc<Shared>,
    sent: AtomicU64,
}

impl LocalGroup {
    /// Runs `body` on `n` ranks, one thread each, and returns their results by rank. A panic
    /// on any rank is re-raised here (the others may then be stuck at a barrier: tests only).
    pub fn run<T: Send>(n: usize, body: impl Fn(&LocalGroup) -> T + Sync) -> Vec<T> {
        assert!(n > 0, "a group has at least one rank");
        let shared = Arc::new(Shared {
            barrier: Barrier::new(n),
            posted: Mutex::new(vec![Vec::new(); n]),
        });
        std::thread::scope(|s| {
            let handles: Vec<_> = (0..n)
                .map(|rank| {
                    let comm = LocalGroup {
                        rank,
                        size: n,
                        shared: Arc::clone(&shared),
                        sent: AtomicU64::new(0),
                    };
                    let body = &body;
                    s.spawn(move || body(&comm))
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        })
    }

    /// Posts `to_each` (one message per rank), waits for every rank, and takes what was sent
    /// to this one, by sender.
    fn exchange(&self, to_each: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        assert_eq!(to_each.len(), self.size);
        let payload: usize = to_each
            .iter()
            .enumerate()
            .filter(|(d, _)| *d != self.rank)
            .map(|(_, m)| m.len())
            .sum();
        self.sent.fetch_add(payload as u64, Ordering::Relaxed);
        self.lock()[self.rank] = to_each;
        self.shared.barrier.wait();
        let got = self
            .lock()
            .iter()
            .map(|from| from[self.rank].clone())
            .collect();
        // Nobody posts the next collective before everyone has read this one.
        self.shared.barrier.wait();
        got
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Vec<u8>>>> {
        self.shared.posted.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Comm for LocalGroup {
    fn rank(&self) -> usize {
        self.rank
    }
    fn size(&self) -> usize {
        self.size
    }
    fn all_reduce_f32(&self, buf: &mut [f32]) {
        let all = self.all_gather_bytes(&wire::from_f32s(buf));
        buf.fill(0.0);
        for part in &all {
            for (a, x) in buf.iter_mut().zip(wire::f32s(part)) {
                *a += x;
            }
        }
    }
    fn all_reduce_f64(&self, buf: &mut [f64]) {
        let all = self.all_gather_bytes(&wire::from_f64s(buf));
        buf.fill(0.0);
        for part in &all {
            for (a, x) in buf.iter_mut().zip(wire::f64s(part)) {
                *a += x;
            }
        }
    }
    fn all_gather_bytes(&self, mine: &[u8]) -> Vec<Vec<u8>> {
        self.exchange(vec![mine.to_vec(); self.size])
    }
    fn all_to_all_bytes(&self, to_each: &[Vec<u8>]) -> Vec<Vec<u8>> {
        self.exchange(to_each.to_vec())
    }
    fn abort(&self, code: i32) -> ! {
        panic!("rank {} aborted the group with status {code}", self.rank)
    }
    fn bytes_sent(&self) -> u64 {
        self.sent.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CommExt;

    #[test]
    fn sums_gathers_and_exchanges_agree_on_every_rank() {
        let out = LocalGroup::run(3, |c| {
            let mut x = vec![c.rank() as f32 + 1.0; 4];
            c.all_reduce_f32(&mut x);
            let ids = c.all_gather_i64s(&vec![c.rank() as i64; c.rank() + 1]);
            let to_each: Vec<Vec<u8>> = (0..3).map(|d| vec![(10 * c.rank() + d) as u8]).collect();
            let got = c.all_to_all_bytes(&to_each);
            (x, ids, got, c.exclusive_scan_u64(c.rank() as u64 + 1))
        });
        for (rank, (x, ids, got, scan)) in out.into_iter().enumerate() {
            assert_eq!(x, vec![6.0; 4]);
            assert_eq!(ids, vec![0, 1, 1, 2, 2, 2]);
            let want: Vec<Vec<u8>> = (0..3).map(|s| vec![(10 * s + rank) as u8]).collect();
            assert_eq!(got, want);
            assert_eq!(scan, (1..=rank as u64).sum::<u64>());
        }
    }
}

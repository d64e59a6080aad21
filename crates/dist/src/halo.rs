//! The halo exchange: a rank reads rows of a table cut by owner ([`Blocks`]) that other ranks
//! hold, and sends back contributions to them.
//!
//! A [`Halo`] is the plan for one set of rows a rank needs (its *halo*, e.g. every item its
//! users' edges touch): which owner holds each, and which of its own rows each other rank
//! asked for. Built once by one all-to-all of index lists; then each [`Halo::fetch`] is one
//! all-to-all of the rows themselves (owners → readers), each [`Halo::push_add`] one of
//! contributions the other way (readers → owners, summed in rank order, so every run adds in
//! the same order). Only the rows asked for travel: a rank whose edges touch a tenth of the
//! items moves a tenth of the item table, where an all-reduce of the whole table would move
//! all of it.
//!
//! Written here: MPI's neighbourhood collectives do the same exchange, but the `mpi` crate
//! binds only the plain ones, and the plan is a few dozen lines over [`Comm`]'s all-to-all.

use std::ops::Range;

use crate::comm::Comm;
use crate::partition::Blocks;
use crate::wire;

/// The exchange plan of one rank's halo (a collective to build; see the module doc).
#[derive(Debug, Clone)]
pub struct Halo {
    /// The global indices this rank reads, sorted and distinct.
    ids: Vec<u32>,
    /// `from[s]`: the span of `ids` rank `s` owns (contiguous: `ids` is sorted, blocks are).
    from: Vec<Range<usize>>,
    /// `serve[r]`: the offsets, within this rank's own block, of the rows rank `r` reads.
    serve: Vec<Vec<u32>>,
}

impl Halo {
    /// The plan for this rank to read the rows `ids` (sorted, distinct) of a table cut by
    /// `blocks`. A collective: every rank builds its own plan in the same call.
    pub fn new(ids: Vec<u32>, blocks: &Blocks, comm: &dyn Comm) -> Halo {
        debug_assert!(
            ids.windows(2).all(|w| w[0] < w[1]),
            "halo ids sorted, distinct"
        );
        let n = comm.size();
        assert_eq!(blocks.ranks(), n, "one block per rank");
        let mut from = Vec::with_capacity(n);
        let mut asks = Vec::with_capacity(n);
        for s in 0..n {
            let block = blocks.range(s);
            let span =
                ids.partition_point(|&i| i < block.start)..ids.partition_point(|&i| i < block.end);
            let offsets: Vec<u32> = ids[span.clone()].iter().map(|&i| i - block.start).collect();
            asks.push(wire::from_u32s(&offsets));
            from.push(span);
        }
        let serve = comm
            .all_to_all_bytes(&asks)
            .iter()
            .map(|b| wire::u32s(b))
            .collect();
        Halo { ids, from, serve }
    }

    /// The rows read, sorted global indices.
    pub fn ids(&self) -> &[u32] {
        &self.ids
    }

    /// Where global index `id` sits in [`Halo::ids`], if this rank reads it.
    pub fn position(&self, id: u32) -> Option<usize> {
        self.ids.binary_search(&id).ok()
    }

    /// Rows this rank sends to others per [`Halo::fetch`] (and receives per
    /// [`Halo::push_add`]), its own excluded.
    pub fn rows_served(&self, me: usize) -> usize {
        self.serve
            .iter()
            .enumerate()
            .filter(|(r, _)| *r != me)
            .map(|(_, s)| s.len())
            .sum()
    }

    /// The rows [`Halo::ids`] of width `d`, read from their owners; `owned` is this rank's
    /// block of the table, row-major. A collective.
    pub fn fetch(&self, owned: &[f32], d: usize, comm: &dyn Comm) -> Vec<f32> {
        let mut rows = Vec::with_capacity(self.ids.len() * d);
        self.fetch_into(owned, d, comm, &mut rows);
        rows
    }

    /// [`Halo::fetch`], the rows appended to `out`. Rows this rank owns are copied, not sent;
    /// the others are written straight into the messages and read straight out of them.
    pub fn fetch_into(&self, owned: &[f32], d: usize, comm: &dyn Comm, out: &mut Vec<f32>) {
        let me = comm.rank();
        let row = |o: u32| &owned[o as usize * d..(o as usize + 1) * d];
        let to_each: Vec<Vec<u8>> = self
            .serve
            .iter()
            .enumerate()
            .map(|(r, rows)| {
                if r == me {
                    return Vec::new();
                }
                let mut bytes = Vec::with_capacity(rows.len() * d * 4);
                for &o in rows {
                    for x in row(o) {
                        bytes.extend_from_slice(&x.to_le_bytes());
                    }
                }
                bytes
            })
            .collect();
        let got = comm.all_to_all_bytes(&to_each);
        drop(to_each);
        out.reserve(self.ids.len() * d);
        for (s, part) in got.iter().enumerate() {
            if s == me {
                for &o in &self.serve[me] {
                    out.extend_from_slice(row(o));
                }
            } else {
                out.extend(part.chunks_exact(4).map(f32_of));
            }
        }
    }

    /// Adds `rows` (one of width `d` per [`Halo::ids`], row-major) into their owners' blocks:
    /// `owned`, this rank's block, receives every rank's rows for it, added in rank order. A
    /// collective.
    pub fn push_add(&self, rows: &[f32], d: usize, owned: &mut [f32], comm: &dyn Comm) {
        assert_eq!(rows.len(), self.ids.len() * d);
        let me = comm.rank();
        let to_each: Vec<Vec<u8>> = self
            .from
            .iter()
            .enumerate()
            .map(|(s, span)| {
                if s == me {
                    return Vec::new();
                }
                wire::from_f32s(&rows[span.start * d..span.end * d])
            })
            .collect();
        let got = comm.all_to_all_bytes(&to_each);
        drop(to_each);
        for (r, (part, offsets)) in got.iter().zip(&self.serve).enumerate() {
            for (k, &o) in offsets.iter().enumerate() {
                let dst = &mut owned[o as usize * d..(o as usize + 1) * d];
                if r == me {
                    let src = &rows[(self.from[me].start + k) * d..][..d];
                    dst.iter_mut().zip(src).for_each(|(a, &x)| *a += x);
                } else {
                    let src = part[k * d * 4..(k + 1) * d * 4].chunks_exact(4);
                    dst.iter_mut().zip(src).for_each(|(a, x)| *a += f32_of(x));
                }
            }
        }
    }
}

/// An `f32` from its four little-endian bytes.
fn f32_of(b: &[u8]) -> f32 {
    f32::from_le_bytes(b.try_into().expect("four bytes"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CommExt, LocalGroup};

    /// Whether rank `r` reads row `i` in the test below.
    fn reads(r: usize, i: u32) -> bool {
        !(i + r as u32).is_multiple_of(3)
    }

    /// A table of `n` rows of width 2, row `i` = (i, 10 i), cut over the ranks; each rank reads
    /// a different subset, including rows it owns and none at all.
    #[test]
    fn fetch_reads_the_owners_rows_and_push_adds_into_them() {
        let n = 11usize;
        for ranks in [1, 2, 3, 4] {
            let blocks = Blocks::new(n, ranks);
            let got = LocalGroup::run(ranks, |c| {
                let me = c.rank();
                let block = blocks.range(me);
                let owned: Vec<f32> = block
                    .clone()
                    .flat_map(|i| [i as f32, 10.0 * i as f32])
                    .collect();
                let ids: Vec<u32> = (0..n as u32).filter(|&i| reads(me, i)).collect();
                let halo = Halo::new(ids.clone(), &blocks, c);
                let rows = halo.fetch(&owned, 2, c);
                let want: Vec<f32> = ids
                    .iter()
                    .flat_map(|&i| [i as f32, 10.0 * i as f32])
                    .collect();
                assert_eq!(rows, want, "rank {me} of {ranks}");
                for (k, &i) in ids.iter().enumerate() {
                    assert_eq!(halo.position(i), Some(k));
                }
                // Each reader pushes 1 per row it reads: an owner's row gains its readers.
                let mut sums = vec![0f32; block.len() * 2];
                halo.push_add(&vec![1.0; ids.len() * 2], 2, &mut sums, c);
                let readers: Vec<f32> = block
                    .map(|i| (0..ranks).filter(|&r| reads(r, i)).count() as f32)
                    .flat_map(|k| [k, k])
                    .collect();
                assert_eq!(sums, readers, "rank {me} of {ranks}");
                c.sum_u64(halo.rows_served(me) as u64)
            });
            // Every row read from another rank is served by exactly one owner.
            let remote: usize = (0..ranks)
                .map(|r| {
                    (0..n as u32)
                        .filter(|&i| reads(r, i) && blocks.owner(i) != r)
                        .count()
                })
                .sum();
            assert!(got.iter().all(|&s| s as usize == remote));
        }
    }
}

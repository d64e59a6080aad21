//! One rank's share of a text file: the whole lines that start in its byte range.
//!
//! A file of `size` bytes is cut at `size · r / N`; rank `r` takes every line whose first
//! byte lies in `[size · r / N, size · (r + 1) / N)`. The shares tile the file, so every line
//! is read by exactly one rank, and no rank reads more than its range plus one line.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// The lines of `path` that are rank `rank`'s share among `ranks` (see the module docs).
pub fn read_share(path: &Path, rank: usize, ranks: usize) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let cut = |r: usize| (u128::from(size) * r as u128 / ranks as u128) as u64;
    let start = next_line_start(&mut file, cut(rank), size)?;
    let end = next_line_start(&mut file, cut(rank + 1), size)?;
    let mut out = vec![0u8; (end - start) as usize];
    file.seek(SeekFrom::Start(start))?;
    file.read_exact(&mut out)?;
    Ok(out)
}

/// The first position `≥ pos` at which a line starts (`size` if none does).
fn next_line_start(file: &mut File, pos: u64, size: u64) -> io::Result<u64> {
    if pos == 0 || pos >= size {
        return Ok(pos.min(size));
    }
    // A line starts at `pos` when the byte before it ends a line.
    file.seek(SeekFrom::Start(pos - 1))?;
    let mut reader = BufReader::new(file);
    let mut skipped = Vec::new();
    let n = reader.read_until(b'\n', &mut skipped)?;
    Ok((pos - 1 + n as u64).min(size))
}

/// Newlines in `bytes`: how far the next share's line numbers are shifted.
pub fn count_lines(bytes: &[u8]) -> u64 {
    bytes.iter().filter(|&&b| b == b'\n').count() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_tile_the_file_by_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f.txt");
        let text = "0 1 2\n1 5\n\n22 3 4 5 6 7\n3\n4 9";
        std::fs::write(&p, text).unwrap();
        for ranks in 1..=9 {
            let shares: Vec<Vec<u8>> = (0..ranks)
                .map(|r| read_share(&p, r, ranks).unwrap())
                .collect();
            assert_eq!(shares.concat(), text.as_bytes(), "{ranks} ranks");
            for s in &shares[..ranks - 1] {
                assert!(s.is_empty() || s.ends_with(b"\n"), "{ranks} ranks: {s:?}");
            }
        }
    }
}

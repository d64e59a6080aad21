//! Named `f32` arrays saved as one safetensors file, written atomically.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::framework::error::{ModelError, Result};
use gnnrec_data::Interactions;

/// Integers below this are exact in `f32`, the type index arrays are stored in.
pub const EXACT_F32_INDEX: usize = 1 << 24;

/// A model's parameters by name: shape and row-major values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Weights {
    arrays: BTreeMap<String, (Vec<usize>, Vec<f32>)>,
}

impl Weights {
    /// No arrays.
    pub fn new() -> Self {
        Self::default()
    }

    /// Every array, by name in order, as (name, shape, row-major values), moved out.
    pub fn into_arrays(self) -> impl Iterator<Item = (String, Vec<usize>, Vec<f32>)> {
        self.arrays
            .into_iter()
            .map(|(name, (shape, values))| (name, shape, values))
    }

    /// The arrays' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.arrays.keys().map(String::as_str)
    }

    /// Adds an array; `values.len()` must equal the product of `shape`.
    pub fn insert(&mut self, name: &str, shape: &[usize], values: Vec<f32>) {
        assert_eq!(
            shape.iter().product::<usize>(),
            values.len(),
            "shape of {name}"
        );
        self.arrays
            .insert(name.to_string(), (shape.to_vec(), values));
    }

    /// The array `name` with its shape, or an error naming what is missing.
    pub fn get(&self, name: &str) -> Result<(&[usize], &[f32])> {
        self.arrays
            .get(name)
            .map(|(s, v)| (s.as_slice(), v.as_slice()))
            .ok_or_else(|| ModelError::Invalid(format!("the weights have no array `{name}`")))
    }

    /// The array `name`, checked to have `shape`.
    pub fn get_shaped(&self, name: &str, shape: &[usize]) -> Result<&[f32]> {
        let (s, v) = self.get(name)?;
        if s != shape {
            return Err(ModelError::Invalid(format!(
                "array `{name}` has shape {s:?}, expected {shape:?}"
            )));
        }
        Ok(v)
    }

    /// Adds an index array. Safetensors holds `f32` here, which is exact for integers below
    /// 2²⁴ ([`EXACT_F32_INDEX`]).
    ///
    /// # Panics
    /// When an index is not below 2²⁴.
    pub fn insert_indices(&mut self, name: &str, indices: &[u32]) {
        assert!(
            indices.iter().all(|&i| (i as usize) < EXACT_F32_INDEX),
            "index array `{name}`: indices must stay below 2^24 to be stored exactly"
        );
        let values = indices.iter().map(|&i| i as f32).collect();
        self.insert(name, &[indices.len()], values);
    }

    /// The index array `name`, checked to hold whole numbers below `bound`.
    pub fn get_indices(&self, name: &str, bound: usize) -> Result<Vec<u32>> {
        let (_, v) = self.get(name)?;
        v.iter()
            .map(|&x| {
                if x >= 0.0 && x.fract() == 0.0 && (x as usize) < bound {
                    Ok(x as u32)
                } else {
                    Err(ModelError::Invalid(format!(
                        "index array `{name}` holds {x}, not an index below {bound}"
                    )))
                }
            })
            .collect()
    }

    /// Adds a user–item history as the index arrays `history_users` and `history_items`.
    pub fn insert_history(&mut self, history: &Interactions) {
        self.insert_indices("history_users", &history.users);
        self.insert_indices("history_items", &history.items);
    }

    /// The history [`Weights::insert_history`] stored, checked against the sizes.
    pub fn get_history(&self, n_users: usize, n_items: usize) -> Result<Interactions> {
        let users = self.get_indices("history_users", n_users)?;
        let items = self.get_indices("history_items", n_items)?;
        if users.len() != items.len() {
            return Err(ModelError::Invalid(
                "the weights' history arrays differ in length".into(),
            ));
        }
        Ok(Interactions::new(users, items))
    }

    /// Saves as safetensors at `path`, atomically (the workspace's one atomic write:
    /// [`gnnrec_data::fsutil::write_atomic`]). The arrays are streamed to the file as they are
    /// (no copy of them is made: EASE's weights are items² floats, 6.7 GB on gowalla).
    pub fn save(&self, path: &Path) -> Result<()> {
        gnnrec_data::fsutil::write_atomic(path, |w| self.write_safetensors(w))
            .map_err(|e| ModelError::bad_file(path, format!("cannot write: {e}")))
    }

    /// The safetensors layout: an 8-byte little-endian header length, a JSON header naming
    /// each array's dtype, shape and byte range (padded with spaces to 8 bytes), then the
    /// arrays' little-endian bytes in the header's order.
    fn write_safetensors(&self, out: &mut dyn Write) -> std::io::Result<()> {
        let mut header = serde_json::Map::new();
        let mut offset = 0usize;
        for (name, (shape, values)) in &self.arrays {
            let end = offset + values.len() * 4;
            header.insert(
                name.clone(),
                serde_json::json!({"dtype": "F32", "shape": shape, "data_offsets": [offset, end]}),
            );
            offset = end;
        }
        let mut text = serde_json::Value::Object(header).to_string();
        while !text.len().is_multiple_of(8) {
            text.push(' ');
        }
        out.write_all(&(text.len() as u64).to_le_bytes())?;
        out.write_all(text.as_bytes())?;
        let mut bytes = Vec::with_capacity(1 << 16);
        for (_, values) in self.arrays.values() {
            for chunk in values.chunks(1 << 14) {
                bytes.clear();
                bytes.extend(chunk.iter().flat_map(|v| v.to_le_bytes()));
                out.write_all(&bytes)?;
            }
        }
        Ok(())
    }

    /// Loads a file written by [`Weights::save`] (or any safetensors file of `f32` arrays),
    /// reading each array straight into its vector.
    pub fn load(path: &Path) -> Result<Weights> {
        let bad =
            |reason: String| ModelError::bad_file(path, format!("cannot read weights: {reason}"));
        let mut file = File::open(path).map_err(|e| ModelError::io(path, e))?;
        let file_len = file.metadata().map_err(|e| ModelError::io(path, e))?.len();
        let mut len = [0u8; 8];
        file.read_exact(&mut len)
            .map_err(|_| bad("shorter than a safetensors header".into()))?;
        let header_len = u64::from_le_bytes(len);
        if header_len > file_len.saturating_sub(8) || header_len > 100 << 20 {
            return Err(bad(format!("header length {header_len} exceeds the file")));
        }
        let mut text = vec![0u8; header_len as usize];
        file.read_exact(&mut text)
            .map_err(|e| bad(format!("header: {e}")))?;
        let header: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&text).map_err(|e| bad(format!("header is not JSON: {e}")))?;
        let data_start = 8 + header_len;
        let mut entries = Vec::new();
        for (name, meta) in &header {
            if name == "__metadata__" {
                continue;
            }
            let dtype = meta.get("dtype").and_then(|d| d.as_str());
            if dtype != Some("F32") {
                return Err(bad(format!(
                    "array `{name}` has dtype {dtype:?}, expected F32"
                )));
            }
            let numbers = |key: &str| -> Option<Vec<usize>> {
                meta.get(key)?
                    .as_array()?
                    .iter()
                    .map(|v| v.as_u64().map(|x| x as usize))
                    .collect()
            };
            let (Some(shape), Some(range)) = (numbers("shape"), numbers("data_offsets")) else {
                return Err(bad(format!("array `{name}` lacks a shape or data offsets")));
            };
            let count = shape.iter().try_fold(1usize, |a, &d| a.checked_mul(d));
            let fits = range.len() == 2
                && range[0] <= range[1]
                && count.and_then(|c| c.checked_mul(4)) == Some(range[1] - range[0])
                && data_start.saturating_add(range[1] as u64) <= file_len;
            if !fits {
                return Err(bad(format!(
                    "array `{name}`: shape {shape:?} and byte range {range:?} disagree or exceed the file"
                )));
            }
            entries.push((name.clone(), shape, range[0] as u64));
        }
        entries.sort_by_key(|e| e.2);
        let mut w = Weights::new();
        for (name, shape, begin) in entries {
            file.seek(SeekFrom::Start(data_start + begin))
                .map_err(|e| ModelError::io(path, e))?;
            let count: usize = shape.iter().product();
            let mut values = vec![0f32; count];
            let mut bytes = vec![0u8; 1 << 16];
            for chunk in values.chunks_mut(1 << 14) {
                let b = &mut bytes[..chunk.len() * 4];
                file.read_exact(b)
                    .map_err(|e| bad(format!("array `{name}`: {e}")))?;
                for (v, q) in chunk.iter_mut().zip(b.chunks_exact(4)) {
                    *v = f32::from_le_bytes([q[0], q[1], q[2], q[3]]);
                }
            }
            w.insert(&name, &shape, values);
        }
        Ok(w)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let mut w = Weights::new();
        w.insert("a", &[2, 3], (0..6).map(|x| x as f32).collect());
        w.insert("b", &[1], vec![0.5]);
        let p = dir.path().join("model.safetensors");
        w.save(&p).unwrap();
        assert_eq!(Weights::load(&p).unwrap(), w);
        // The file is standard safetensors: candle reads it too.
        let t = candle_core::safetensors::load(&p, &candle_core::Device::Cpu).unwrap();
        assert_eq!(t["a"].dims(), &[2, 3]);
        assert_eq!(
            t["a"].flatten_all().unwrap().to_vec1::<f32>().unwrap()[5],
            5.0
        );
        // A cut or garbled file is an error naming it, never a panic.
        let bytes = std::fs::read(&p).unwrap();
        for cut in [0, 7, 8, 20, bytes.len() - 1] {
            std::fs::write(&p, &bytes[..cut]).unwrap();
            let e = Weights::load(&p).unwrap_err().to_string();
            assert!(e.contains("model.safetensors"), "{e}");
        }
        let mut garbled = bytes.clone();
        garbled[0] = 0xff;
        std::fs::write(&p, &garbled).unwrap();
        assert!(Weights::load(&p).is_err());
        assert!(w.get_shaped("a", &[3, 2]).is_err());
        assert!(w.get("c").unwrap_err().to_string().contains("`c`"));
    }

    #[test]
    fn indices_and_histories_round_trip_and_are_checked() {
        let mut w = Weights::new();
        let h = Interactions::new(vec![0, 2, 2], vec![5, 1, 0]);
        w.insert_history(&h);
        assert_eq!(w.get_history(3, 6).unwrap(), h);
        let e = w.get_history(2, 6).unwrap_err().to_string();
        assert!(e.contains("history_users") && e.contains("below 2"), "{e}");
        w.insert("bad", &[1], vec![1.5]);
        assert!(w.get_indices("bad", 10).is_err());
    }
}

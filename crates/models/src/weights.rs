//! Named `f32` arrays saved as one safetensors file, written atomically.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::error::{ModelError, Result};
use candle_core::{Device, Tensor};
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

    /// Saves as safetensors at `path`, via a temporary file and a rename.
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut tensors = HashMap::new();
        for (name, (shape, values)) in &self.arrays {
            tensors.insert(
                name.clone(),
                Tensor::from_slice(values, shape.as_slice(), &Device::Cpu)?,
            );
        }
        let dir = path.parent().unwrap_or(Path::new("."));
        let tmp = dir.join(format!(".weights.tmp-{}", std::process::id()));
        candle_core::safetensors::save(&tensors, &tmp)
            .map_err(|e| ModelError::bad_file(&tmp, format!("cannot write: {e}")))?;
        std::fs::rename(&tmp, path).map_err(|e| ModelError::io(path, e))?;
        Ok(())
    }

    /// Loads a file written by [`Weights::save`].
    pub fn load(path: &Path) -> Result<Weights> {
        let tensors = candle_core::safetensors::load(path, &Device::Cpu)
            .map_err(|e| ModelError::bad_file(path, format!("cannot read weights: {e}")))?;
        let mut w = Weights::new();
        for (name, t) in tensors {
            let shape = t.dims().to_vec();
            let values = t
                .flatten_all()?
                .to_dtype(candle_core::DType::F32)?
                .to_vec1()?;
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

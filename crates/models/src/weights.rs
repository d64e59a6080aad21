//! Named `f32` arrays saved as one safetensors file, written atomically.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use crate::error::{ModelError, Result};
use candle_core::{Device, Tensor};

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
}

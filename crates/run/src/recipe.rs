//! Recipes: `recipes/*.toml`, one file per result we publish — the model, dataset, split,
//! seed, monitor and every setting, how the settings were chosen, and the metrics the
//! published run reached. `gnnrec train --recipe FILE` runs one, `gnnrec recipes` lists them,
//! and `cargo xtask bench` runs them.
//!
//! ```toml
//! description = "LightGCN on ml-100k u1"
//! model = "lightgcn"
//! dataset = "ml-100k"
//! split = "u1"
//! seed = 42
//! monitor = "none"
//! chosen_on = "validation: gnnrec tune … (docs/results.md, Defaults)"
//! bench = ["quick", "full"]
//!
//! [config]            # the model's settings; every key not given keeps its default
//! dim = 128
//!
//! [quick]             # what `cargo xtask bench --quick` changes
//! epochs = 20
//!
//! [published]         # what docs/results.md reports for this recipe
//! "recall@20" = 0.3032
//! reference = "PyG LightGCN 0.285 after 10 min (issue 4)"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use gnnrec_models::ModelSpec;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::choices::{Monitor, ValidSplit};
use crate::error::{Context, Result, RunError, bail};

/// One recipe file.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// One line saying what it is.
    pub description: String,
    /// The model.
    pub model: String,
    /// The dataset (a name or a path).
    pub dataset: String,
    /// The split [default: the dataset's own].
    #[serde(default)]
    pub split: Option<String>,
    /// The seed.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// What training watches [default: none].
    #[serde(default)]
    pub monitor: Option<Monitor>,
    /// The carve-out of `monitor = "validation"`.
    #[serde(default)]
    pub valid_fraction: Option<f64>,
    /// How that carve-out is drawn (`random` or `per-user`).
    #[serde(default)]
    pub valid_split: Option<ValidSplit>,
    /// How the settings were chosen: on validation (with the command), or the paper's
    /// test-monitored protocol.
    pub chosen_on: String,
    /// Which `cargo xtask bench` suites run it: `quick`, `full`.
    #[serde(default)]
    pub bench: Vec<String>,
    /// The model's settings.
    #[serde(default)]
    pub config: Map<String, Value>,
    /// Settings `cargo xtask bench --quick` changes (fewer epochs).
    #[serde(default)]
    pub quick: Map<String, Value>,
    /// The metrics we publish for it, and a `reference` text (published numbers to compare).
    #[serde(default)]
    pub published: Map<String, Value>,
}

fn default_seed() -> u64 {
    42
}

impl Recipe {
    /// Reads and checks a recipe file: its model and every setting must be valid.
    pub fn load(path: &Path) -> Result<Recipe> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading the recipe {}", path.display()))?;
        let r: Recipe = toml::from_str(&text)
            .map_err(|e| RunError::Invalid(format!("{}: {e}", path.display())))?;
        r.spec()
            .with_context(|| format!("{}: the [config] of `{}`", path.display(), r.model))?;
        Ok(r)
    }

    /// The model with the recipe's settings.
    pub fn spec(&self) -> Result<ModelSpec> {
        Ok(ModelSpec::new(&self.model, &self.config)?)
    }

    /// The published metrics (numbers only).
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        self.published
            .iter()
            .filter_map(|(k, v)| v.as_f64().map(|x| (k.clone(), x)))
            .collect()
    }
}

/// Every `*.toml` of `dir`, sorted by file name, each read and checked.
pub fn load_dir(dir: &Path) -> Result<Vec<(PathBuf, Recipe)>> {
    let entries = std::fs::read_dir(dir)
        .with_context(|| format!("reading the recipes folder {}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        bail!("{} holds no recipe (*.toml)", dir.display());
    }
    paths
        .into_iter()
        .map(|p| Recipe::load(&p).map(|r| (p, r)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_recipes_are_valid() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../recipes");
        let all = load_dir(&dir).unwrap();
        assert!(all.len() >= 10, "{} recipes", all.len());
        for (p, r) in &all {
            assert!(!r.chosen_on.trim().is_empty(), "{}", p.display());
            for b in &r.bench {
                assert!(b == "quick" || b == "full", "{}: bench {b}", p.display());
            }
            let mut quick = r.spec().unwrap();
            for (k, v) in &r.quick {
                quick
                    .set_value(k, v.clone())
                    .unwrap_or_else(|e| panic!("{}: quick {k}: {e}", p.display()));
            }
        }
    }

    #[test]
    fn a_bad_key_names_the_file_and_the_key() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.toml");
        std::fs::write(
            &p,
            "description = \"x\"\nmodel = \"lightgcn\"\ndataset = \"ml-100k\"\nchosen_on = \"x\"\n[config]\nlayerz = 2\n",
        )
        .unwrap();
        let e = Recipe::load(&p).unwrap_err();
        let e = format!(
            "{e}: {}",
            std::error::Error::source(&e)
                .map(|s| s.to_string())
                .unwrap_or_default()
        );
        assert!(e.contains("bad.toml") && e.contains("layerz"), "{e}");
    }
}

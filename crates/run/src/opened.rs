//! A saved run opened with its dataset: what evaluating, recommending and exporting start from.

use std::path::Path;

use gnnrec_data::{Dataset, Split};
use gnnrec_models::TrainedModel;

use crate::error::{Context, Result};
use crate::record::RunConfig;
use crate::run_dir::RunDir;
use crate::source::DataSource;

/// A saved run, opened with everything needed to evaluate or query it.
pub struct OpenedRun {
    /// The run directory.
    pub dir: RunDir,
    /// Its configuration.
    pub config: RunConfig,
    /// The dataset it was trained on, reloaded.
    pub data: Dataset,
    /// The split it was trained and tested on.
    pub split: Split,
    /// The trained model.
    pub model: Box<dyn TrainedModel>,
}

impl std::fmt::Debug for OpenedRun {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OpenedRun")
            .field("dir", &self.dir)
            .field("model", &self.config.model.name())
            .field("dataset", &self.data.name)
            .finish_non_exhaustive()
    }
}

impl OpenedRun {
    /// Opens a run with its dataset, split and model. `data_dir` overrides the run's.
    pub fn open(path: &Path, data_dir: Option<&Path>) -> Result<OpenedRun> {
        let dir = RunDir::open(path)?;
        let config = dir.config()?;
        let mut source = DataSource::of_run(&config);
        if let Some(d) = data_dir {
            source.data_dir = Some(d.to_path_buf());
        }
        let (data, split) = source.load_as(|| {
            format!(
                "loading dataset `{}` for run {}",
                config.dataset,
                path.display()
            )
        })?;
        let model = dir.load_model(&config, &data)?;
        Ok(OpenedRun {
            dir,
            config,
            data,
            split,
            model,
        })
    }

    /// Writes the files serving needs into the run (`gnnrec pack`: runs made before the
    /// server existed); returns the number of training interactions written.
    pub fn pack(&self) -> Result<usize> {
        self.dir
            .save_serving_files(&self.split.train, self.data.item_titles.as_deref())
            .with_context(|| {
                format!("writing the serving files of {}", self.dir.path().display())
            })?;
        Ok(self.split.train.len())
    }
}

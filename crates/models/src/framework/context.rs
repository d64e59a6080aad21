//! What a training run is given.

use gnnrec_data::{Dataset, FeatureMatrix, Interactions, RatingScale};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::framework::error::{Result, bail};

use crate::framework::checkpoint::Checkpoint;
use crate::framework::device::DeviceSpec;

/// The data a model trains on, in dense indices. Built from the **training** side of a split;
/// `monitor` is the held-out set watched for early stopping (a validation carve-out of train,
/// or the test split when the user asks for the paper protocol).
#[derive(Debug, Clone, Copy)]
pub struct TrainContext<'a> {
    /// Number of users.
    pub n_users: usize,
    /// Number of items.
    pub n_items: usize,
    /// Training interactions.
    pub train: &'a Interactions,
    /// Interactions evaluated during training to pick the best epoch, if any.
    pub monitor: Option<&'a Interactions>,
    /// Rating range, for rating models.
    pub rating_scale: Option<RatingScale>,
    /// User side features, where the dataset has them.
    pub user_features: Option<&'a FeatureMatrix>,
    /// Item side features, where the dataset has them.
    pub item_features: Option<&'a FeatureMatrix>,
    /// Seed of every random choice (initialisation, sampling).
    pub seed: u64,
    /// A checkpoint of an interrupted run of the same model and data, to continue from.
    pub resume: Option<&'a Checkpoint>,
    /// Where the model's tensors live while training (LightGCN and MF-BPR; the other models
    /// train on the CPU and refuse any other device).
    pub device: DeviceSpec,
}

impl<'a> TrainContext<'a> {
    /// Training on `train` over `n_users` × `n_items`: nothing watched, no rating scale or
    /// side features, seed 42, the CPU. The `with_…` setters change the rest.
    pub fn new(train: &'a Interactions, n_users: usize, n_items: usize) -> Self {
        TrainContext {
            n_users,
            n_items,
            train,
            monitor: None,
            rating_scale: None,
            user_features: None,
            item_features: None,
            seed: 42,
            resume: None,
            device: DeviceSpec::Cpu,
        }
    }

    /// Training on `train` (a subset of `data`'s interactions) with `data`'s sizes, rating
    /// scale and side features.
    pub fn for_dataset(data: &'a Dataset, train: &'a Interactions) -> Self {
        TrainContext {
            rating_scale: data.rating_scale,
            user_features: data.user_features.as_ref(),
            item_features: data.item_features.as_ref(),
            ..TrainContext::new(train, data.n_users(), data.n_items())
        }
    }

    /// Sets the seed.
    pub fn with_seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Watches `monitor` to pick the best epoch.
    pub fn with_monitor(mut self, monitor: Option<&'a Interactions>) -> Self {
        self.monitor = monitor;
        self
    }

    /// Sets the rating range (rating models).
    pub fn with_rating_scale(mut self, scale: Option<RatingScale>) -> Self {
        self.rating_scale = scale;
        self
    }

    /// Continues from `checkpoint`.
    pub fn with_resume(mut self, checkpoint: Option<&'a Checkpoint>) -> Self {
        self.resume = checkpoint;
        self
    }

    /// Trains on `device`.
    pub fn with_device(mut self, device: DeviceSpec) -> Self {
        self.device = device;
        self
    }
}

/// Which side features a model asks for. Written as `none`, `user`, `item` or `user,item`
/// (in configurations too); read also from the object form of earlier run directories.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Features {
    /// User features (ml-100k: age bucket, gender, occupation).
    pub user: bool,
    /// Item features (MovieLens: genres, release-year bucket).
    pub item: bool,
    /// `auto`: whichever of the two the dataset has (`user` and `item` are then both set,
    /// and a missing set is skipped instead of refused).
    pub auto: bool,
}

impl Features {
    /// Whichever side features the dataset has.
    pub const AUTO: Features = Features {
        user: true,
        item: true,
        auto: true,
    };
}

impl Features {
    /// Parses `auto`, `none`, `user`, `item`, `user,item` (or `user+item`, `both`).
    ///
    /// ```
    /// use gnnrec_models::Features;
    /// let both = Features { user: true, item: true, auto: false };
    /// assert_eq!(Features::parse("item,user").unwrap(), both);
    /// assert_eq!(Features::parse("none").unwrap(), Features::default());
    /// assert_eq!(Features::parse("auto").unwrap(), Features::AUTO);
    /// assert!(Features::parse("genre").is_err());
    /// ```
    pub fn parse(s: &str) -> Result<Features> {
        let mut f = Features::default();
        for part in s.split([',', '+']).map(str::trim).filter(|p| !p.is_empty()) {
            match part {
                "none" => {}
                "auto" => f = Features::AUTO,
                "user" => f.user = true,
                "item" => f.item = true,
                "both" => (f.user, f.item) = (true, true),
                other => {
                    bail!("unknown feature set `{other}`; use auto, none, user, item or user,item")
                }
            }
        }
        Ok(f)
    }
}

impl std::fmt::Display for Features {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.auto {
            return f.write_str("auto");
        }
        f.write_str(match (self.user, self.item) {
            (false, false) => "none",
            (true, false) => "user",
            (false, true) => "item",
            (true, true) => "user,item",
        })
    }
}

impl Serialize for Features {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Features {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Text(String),
            Object {
                user: bool,
                item: bool,
            },
            /// IRGNN's `item_features` flag of earlier run directories.
            ItemFlag(bool),
        }
        Ok(match Stored::deserialize(d)? {
            Stored::Text(t) => Features::parse(&t).map_err(serde::de::Error::custom)?,
            Stored::Object { user, item } => Features {
                user,
                item,
                auto: false,
            },
            Stored::ItemFlag(item) => Features {
                user: false,
                item,
                auto: false,
            },
        })
    }
}

impl<'a> TrainContext<'a> {
    /// The (user, item) side features `wanted` asks for; an error names a wanted set the
    /// dataset does not have.
    pub fn side_features(
        &self,
        wanted: Features,
    ) -> Result<(Option<&'a FeatureMatrix>, Option<&'a FeatureMatrix>)> {
        let wanted_auto = wanted.auto;
        let pick = |wanted: bool, f: Option<&'a FeatureMatrix>, what: &str| match (wanted, f) {
            (false, _) => Ok(None),
            (true, Some(f)) => Ok(Some(f)),
            (true, None) if wanted_auto => Ok(None),
            (true, None) => {
                bail!("this dataset has no {what} features; drop `{what}` from --features")
            }
        };
        Ok((
            pick(wanted.user, self.user_features, "user")?,
            pick(wanted.item, self.item_features, "item")?,
        ))
    }
}

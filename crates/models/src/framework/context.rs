//! What a training run is given.

use gnnrec_data::{FeatureMatrix, Interactions, RatingScale};
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

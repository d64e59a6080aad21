//! Typed model configurations, described key by key so that the command line, recipes and
//! `gnnrec models` can be derived from them.
//!
//! A model's configuration is a serde struct ([`ModelConfig`]) whose JSON form is a flat
//! object of keys. [`Settings::keys`] documents each key once (help text and accepted
//! [`Range`]); from that one list come the command-line flags (`--lr`, `--neg-pool`, …), the
//! generic `--set key=value`, the parsing of a recipe's values, the range checks, and the
//! table of `gnnrec models`. A unit test of the registry checks that every serialised key is
//! documented, so a new field cannot be forgotten.
//!
//! Configurations are declared with [`settings!`](crate::settings): each key once, with
//! its doc comment, default, [`Range`] and help text together; groups of keys several models
//! share ([`crate::training::LoopSettings`], the BPR models' embedding settings, the item
//! graph's) are [`Settings`] types of their own, flattened into each model's configuration.
//!
//! A configuration is parsed from JSON by [`typed`] (user input: unknown keys and values out
//! of range are errors naming the key) or [`from_json`] (a stored configuration: keys renamed
//! since are mapped, keys of older versions dropped), and written back by [`to_map`].

mod macros;

use std::fmt;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::framework::error::ModelError;

/// The largest integer setting accepted: sizes beyond it cannot be allocated anyway.
pub const MAX_COUNT: u64 = 1 << 31;

/// The values a configuration key accepts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Range {
    /// An integer ≥ 1.
    Positive,
    /// An integer ≥ 0.
    Count,
    /// A finite number > 0.
    PositiveReal,
    /// A finite number ≥ 0.
    NonNegative,
    /// A number in [0, 1).
    Probability,
    /// `true` or `false`.
    Flag,
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// Free text in the format described (parsed by the configuration type).
    Text(&'static str),
}

impl fmt::Display for Range {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Range::Positive => write!(f, "integer ≥ 1"),
            Range::Count => write!(f, "integer ≥ 0"),
            Range::PositiveReal => write!(f, "number > 0"),
            Range::NonNegative => write!(f, "number ≥ 0"),
            Range::Probability => write!(f, "number in [0, 1)"),
            Range::Flag => write!(f, "true or false"),
            Range::OneOf(words) => write!(f, "{}", words.join(" | ")),
            Range::Text(format) => write!(f, "{format}"),
        }
    }
}

impl Range {
    /// The JSON value of the command-line text `text`, checked against the range.
    pub fn parse(&self, key: &str, text: &str) -> Result<Value, ModelError> {
        let bad = |reason: String| ModelError::Config {
            key: key.to_string(),
            reason,
        };
        let text = text.trim();
        let value = match self {
            Range::Positive | Range::Count => text
                .parse::<u64>()
                .map(Value::from)
                .map_err(|_| bad(format!("`{text}` is not an {self}")))?,
            Range::PositiveReal | Range::NonNegative | Range::Probability => {
                let x = text
                    .parse::<f64>()
                    .map_err(|_| bad(format!("`{text}` is not a number")))?;
                serde_json::Number::from_f64(x)
                    .map(Value::Number)
                    .ok_or_else(|| bad(format!("`{text}` is not a finite number")))?
            }
            Range::Flag => match text {
                "true" | "yes" | "1" => Value::Bool(true),
                "false" | "no" | "0" => Value::Bool(false),
                _ => return Err(bad(format!("`{text}` is not true or false"))),
            },
            Range::OneOf(_) | Range::Text(_) => Value::String(text.to_string()),
        };
        self.check(key, &value)?;
        Ok(value)
    }

    /// Checks a JSON value against the range.
    pub fn check(&self, key: &str, value: &Value) -> Result<(), ModelError> {
        let bad = |reason: String| {
            Err(ModelError::Config {
                key: key.to_string(),
                reason,
            })
        };
        let ok = match self {
            Range::Positive => value.as_u64().is_some_and(|v| (1..=MAX_COUNT).contains(&v)),
            Range::Count => value.as_u64().is_some_and(|v| v <= MAX_COUNT) || value.is_null(),
            // Values are stored as f32: finite and (for > 0) non-zero there too.
            Range::PositiveReal => value
                .as_f64()
                .is_some_and(|v| (v as f32).is_finite() && v as f32 > 0.0),
            Range::NonNegative => value
                .as_f64()
                .is_some_and(|v| (v as f32).is_finite() && v >= 0.0),
            Range::Probability => value
                .as_f64()
                .is_some_and(|v| v.is_finite() && (0.0..1.0).contains(&v)),
            Range::Flag => value.is_boolean(),
            Range::OneOf(words) => value.as_str().is_some_and(|s| words.contains(&s)),
            // Objects are the stored form of some text keys (e.g. features); the type checks.
            Range::Text(_) => value.is_string() || value.is_object() || value.is_boolean(),
        };
        if ok {
            Ok(())
        } else {
            bad(format!("{value} is not {self}"))
        }
    }
}

/// One documented configuration key.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Key {
    /// The key, as in the JSON form and recipes (`neg_pool`); the flag is `--neg-pool`.
    pub name: &'static str,
    /// What it does.
    pub help: &'static str,
    /// What it accepts.
    pub range: Range,
}

impl Key {
    /// A key documented by `help`, accepting `range`.
    pub const fn new(name: &'static str, range: Range, help: &'static str) -> Key {
        Key { name, help, range }
    }

    /// The command-line flag of the key: `neg_pool` → `neg-pool`.
    pub fn flag(&self) -> String {
        self.name.replace('_', "-")
    }
}

/// Settings as a flat JSON object: serde with defaults, every key documented. A model's
/// configuration is one ([`ModelConfig`] adds its whole-configuration checks); so is each
/// group of keys several configurations share, flattened into them. Implemented by
/// [`settings!`](crate::settings), which declares the struct, its defaults and its keys
/// together.
pub trait Settings:
    Serialize + DeserializeOwned + Default + Clone + fmt::Debug + Send + Sync + 'static
{
    /// Every key of the JSON form, documented, in the order `--help` and `gnnrec models`
    /// list them.
    fn keys() -> Vec<Key>;
}

/// A model's configuration: [`Settings`] checked as a whole, and readable from the stored
/// configurations of earlier versions.
pub trait ModelConfig: Settings {
    /// Keys renamed since earlier versions, `(old, new)`: stored configurations (run
    /// directories) written with the old name still load.
    const RENAMED: &'static [(&'static str, &'static str)] = &[];

    /// Checks between keys that their ranges cannot express (default: none).
    fn check(&self) -> Result<(), ModelError> {
        Ok(())
    }
}

/// The keys documented for a configuration, by name.
pub fn key<'a>(keys: &'a [Key], name: &str) -> Option<&'a Key> {
    keys.iter().find(|k| k.name == name)
}

/// Checks every entry of `values` against `keys`: known keys, values in range.
pub fn check_values(
    model: &str,
    keys: &[Key],
    values: &Map<String, Value>,
) -> Result<(), ModelError> {
    for (name, value) in values {
        let Some(k) = key(keys, name) else {
            return Err(unknown_key(model, keys, name));
        };
        k.range.check(name, value)?;
    }
    Ok(())
}

/// The error for a key `model` does not have, listing the ones it has.
pub fn unknown_key(model: &str, keys: &[Key], name: &str) -> ModelError {
    ModelError::UnknownKey {
        model: model.to_string(),
        key: name.to_string(),
        known: keys.iter().map(|k| k.name).collect::<Vec<_>>().join(", "),
    }
}

/// The typed configuration of `values` over the defaults, range- and cross-checked.
pub fn typed<C: ModelConfig>(model: &str, values: &Map<String, Value>) -> Result<C, ModelError> {
    let keys = C::keys();
    check_values(model, &keys, values)?;
    from_json(model, values)
}

/// The typed configuration of stored `values` (a run's `config.json`) over the defaults,
/// without the key checks that guard user input: keys of older versions are ignored.
pub fn from_json<C: ModelConfig>(
    model: &str,
    values: &Map<String, Value>,
) -> Result<C, ModelError> {
    let mut full = to_map(&C::default());
    for (k, v) in values {
        let k = C::RENAMED
            .iter()
            .find(|(old, _)| old == k)
            .map_or(k.as_str(), |(_, new)| new);
        full.insert(k.to_string(), v.clone());
    }
    let cfg: C = serde_json::from_value(Value::Object(full)).map_err(|e| ModelError::Config {
        key: model.to_string(),
        reason: e.to_string(),
    })?;
    cfg.check()?;
    Ok(cfg)
}

/// The JSON object of settings. Through text, so that `f32` values keep their shortest form
/// (`0.01`, not the `f64` widening `0.009999999776482582`); they read back as the same `f32`.
pub fn to_map<C: Serialize>(cfg: &C) -> Map<String, Value> {
    serde_json::to_string(cfg)
        .ok()
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_refuse_with_the_key_and_reason() {
        assert_eq!(Range::Positive.parse("k", "3").unwrap(), Value::from(3u64));
        let e = Range::Positive.parse("batch", "0").unwrap_err().to_string();
        assert!(e.contains("batch") && e.contains("≥ 1"), "{e}");
        assert!(Range::PositiveReal.parse("lr", "-0.1").is_err());
        assert!(Range::PositiveReal.parse("lr", "nan").is_err());
        assert!(Range::PositiveReal.parse("lr", "inf").is_err());
        assert!(Range::PositiveReal.parse("lr", "1e-3").is_ok());
        assert!(
            Range::PositiveReal.parse("lr", "1e39").is_err(),
            "infinite as f32"
        );
        assert!(
            Range::PositiveReal.parse("lr", "1e-50").is_err(),
            "zero as f32"
        );
        assert!(Range::Positive.parse("dim", "4294967296").is_err());
        assert!(Range::Probability.parse("dropout", "1").is_err());
        assert!(Range::Probability.parse("dropout", "0.5").is_ok());
        assert!(Range::NonNegative.parse("l2", "0").is_ok());
        assert!(Range::Flag.parse("ordinal", "maybe").is_err());
        let words = Range::OneOf(&["constant", "cosine"]);
        assert!(words.parse("schedule", "cosine").is_ok());
        let e = words.parse("schedule", "linear").unwrap_err().to_string();
        assert!(e.contains("constant | cosine"), "{e}");
        assert!(Range::Count.parse("topk", "x").is_err());
    }
}

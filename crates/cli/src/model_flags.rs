//! Command-line flags derived from the models' configurations.
//!
//! Every configuration key of every registered model becomes one flag of `train` and `tune`
//! (`neg_pool` → `--neg-pool`), with its help, its models' defaults and its range, so a new
//! model's settings reach the command line without an edit here. A flag names a key; which
//! model it applies to is decided after parsing, and a key the chosen model does not have is
//! an error naming the model's keys.

use std::collections::BTreeMap;

use clap::{Arg, ArgAction, ArgMatches, Command};
use gnnrec_models::config::{Key, Range};
use gnnrec_models::registry::MODELS;

/// One flag: a key and the models that have it, with their defaults and ranges.
struct Flag {
    key: Key,
    defaults: Vec<(&'static str, String)>,
    /// The key's range in each model that has it (models may narrow a shared key).
    ranges: Vec<Range>,
}

/// Every key of every model, by name, in first-seen order.
fn flags() -> Vec<Flag> {
    let mut out: Vec<Flag> = Vec::new();
    for m in MODELS {
        let defaults = m.defaults();
        for k in m.keys() {
            let d = defaults
                .get(k.name)
                .map(|v| match v {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .unwrap_or_default();
            match out.iter_mut().find(|f| f.key.name == k.name) {
                Some(f) => {
                    f.defaults.push((m.name(), d));
                    if !f.ranges.contains(&k.range) {
                        f.ranges.push(k.range);
                    }
                }
                None => out.push(Flag {
                    key: k,
                    defaults: vec![(m.name(), d)],
                    ranges: vec![k.range],
                }),
            }
        }
    }
    out
}

/// The id of the clap argument of `key`.
fn id(key: &str) -> String {
    format!("model-setting-{key}")
}

/// Adds a flag per configuration key to `cmd`; `lists`: each takes a comma-separated list
/// (for `tune`). Keys whose flag the command already has are reachable by `--set` only.
pub fn augment(mut cmd: Command, lists: bool) -> Command {
    let taken: Vec<String> = cmd
        .get_arguments()
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect();
    for f in flags() {
        let flag = f.key.flag();
        if taken.contains(&flag) {
            continue;
        }
        let ranges = f.ranges.clone();
        let range = f.key.range;
        let key = f.key.name;
        let help_ranges = ranges.clone();
        let models = f
            .defaults
            .iter()
            .map(|(m, d)| format!("{m} {d}"))
            .collect::<Vec<_>>()
            .join(", ");
        let accepted = help_ranges
            .iter()
            .map(Range::to_string)
            .collect::<Vec<_>>()
            .join(", or per model ");
        let help = if help_ranges.len() > 1 {
            format!(
                "{} [{accepted}; default: {models}; `gnnrec models` says which model takes what]",
                f.key.help
            )
        } else {
            format!("{} [{accepted}; default: {models}]", f.key.help)
        };
        let arg = Arg::new(id(key))
            .long(flag)
            .value_name(value_name(range))
            .help(help)
            .help_heading("Model settings (gnnrec models lists them per model)")
            .action(ArgAction::Set)
            .allow_hyphen_values(true)
            .value_parser(move |s: &str| -> Result<String, String> {
                let values: Vec<&str> = if lists {
                    s.split(',').collect()
                } else {
                    vec![s]
                };
                // What some model accepts passes here; the chosen model's own range is checked
                // when the setting is applied.
                for v in values {
                    let mut first_error = None;
                    let fits = ranges.iter().any(|r| match r.parse(key, v) {
                        Ok(_) => true,
                        Err(e) => {
                            first_error.get_or_insert(e.to_string());
                            false
                        }
                    });
                    if !fits {
                        return Err(first_error.unwrap_or_default());
                    }
                }
                Ok(s.to_string())
            });
        cmd = cmd.arg(arg);
    }
    cmd
}

fn value_name(range: Range) -> &'static str {
    match range {
        Range::Positive | Range::Count => "N",
        Range::PositiveReal | Range::NonNegative | Range::Probability => "X",
        Range::Flag => "BOOL",
        Range::OneOf(_) | Range::Text(_) => "VALUE",
    }
}

/// The settings given as flags in `m`: key → text (a list for `tune`), in key order.
pub fn given(m: &ArgMatches) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for f in flags() {
        let id = id(f.key.name);
        if let Ok(Some(v)) = m.try_get_one::<String>(&id) {
            out.insert(f.key.name.to_string(), v.clone());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flag_knows_every_range_of_its_key() {
        for f in flags() {
            for m in MODELS {
                if let Some(k) = m.keys().iter().find(|k| k.name == f.key.name) {
                    assert!(f.ranges.contains(&k.range), "{} of {}", k.name, m.name());
                }
            }
        }
    }

    #[test]
    fn the_generated_flags_parse_and_validate() {
        let cmd = augment(Command::new("t").arg(Arg::new("k").long("k")), false);
        let m = cmd
            .clone()
            .try_get_matches_from(["t", "--lr", "0.05", "--neg-pool", "4"])
            .unwrap();
        let g = given(&m);
        assert_eq!(g["lr"], "0.05");
        assert_eq!(g["neg_pool"], "4");
        let e = cmd
            .clone()
            .try_get_matches_from(["t", "--lr", "-1"])
            .unwrap_err()
            .to_string();
        assert!(e.contains("lr") && e.contains("> 0"), "{e}");
        let lists = augment(Command::new("t"), true);
        let m = lists
            .try_get_matches_from(["t", "--hidden", "8,16"])
            .unwrap();
        assert_eq!(given(&m)["hidden"], "8,16");
    }
}

//! Fingerprints of the registry: every model's documented configuration (name, task, about,
//! capabilities, keys with ranges and help, defaults as JSON) and the bits of the weights and
//! scores it trains on a small generated data set with small settings. Written to the
//! directory in `GNNREC_FINGERPRINT_DIR` when set, to compare a refactoring's before and after
//! (run it on both commits and `diff` the directories: the data and settings here stay fixed
//! for that); in any case every model must train twice to the same bits.

use std::fmt::Write as _;

use gnnrec_data::{Interactions, RatingScale};
use gnnrec_models::registry::{self, MODELS};
use gnnrec_models::{ModelSpec, Silent, TrainContext};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn out(name: &str, text: &str) {
    if let Ok(dir) = std::env::var("GNNREC_FINGERPRINT_DIR") {
        std::fs::write(std::path::Path::new(&dir).join(name), text).unwrap();
    }
}

#[test]
fn configurations() {
    let mut s = String::new();
    for m in MODELS {
        writeln!(
            s,
            "{} | {} | {} | iterative {} | gpu {}",
            m.name(),
            m.task(),
            m.about(),
            m.iterative(),
            m.gpu()
        )
        .unwrap();
        for k in m.keys() {
            writeln!(s, "  {} [{}] {}", k.name, k.range, k.help).unwrap();
        }
        writeln!(s, "  defaults {}", serde_json::Value::Object(m.defaults())).unwrap();
    }
    out("configurations.txt", &s);
}

fn data() -> Interactions {
    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let n = 400;
    let mut x = Interactions::new(
        (0..n).map(|_| rng.random_range(0..30)).collect(),
        (0..n).map(|_| rng.random_range(0..25)).collect(),
    );
    x.dedup_pairs();
    let r = (0..x.len())
        .map(|_| rng.random_range(1..=5) as f32)
        .collect();
    x.ratings = Some(r);
    x
}

fn small(name: &str) -> Vec<(&'static str, &'static str)> {
    match name {
        "ease" => vec![("lambda", "5")],
        "gfcf" | "bspm" => vec![("factors", "4")],
        "mf" | "lightgcn" | "simgcl" | "xsimgcl" => {
            vec![("epochs", "3"), ("dim", "8"), ("batch", "64")]
        }
        "irgnn" => vec![("epochs", "3"), ("dim", "8"), ("batch", "64")],
        "gcn" => vec![("epochs", "3"), ("hidden", "8"), ("batch", "64")],
        _ => vec![],
    }
}

fn bits(w: &gnnrec_models::Weights, names: &[&str]) -> String {
    let mut s = String::new();
    for n in names {
        if let Ok((shape, v)) = w.get(n) {
            let h = v.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, x| {
                (h ^ x.to_bits() as u64).wrapping_mul(0x100_0000_01b3)
            });
            write!(s, " {n}{shape:?}={h:016x}").unwrap();
        }
    }
    s
}

#[test]
fn trained_weights() {
    let x = data();
    let mut monitor = Interactions::new(vec![0, 1, 2, 3], vec![4, 5, 6, 7]);
    monitor.ratings = Some(vec![3.0, 4.0, 2.0, 5.0]);
    let ctx = TrainContext::new(&x, 30, 25)
        .with_monitor(Some(&monitor))
        .with_rating_scale(Some(RatingScale { min: 1.0, max: 5.0 }))
        .with_seed(3);
    let names = [
        "item_count",
        "mean",
        "user_bias",
        "item_bias",
        "sim_values",
        "b",
        "user_embedding",
        "item_embedding",
        "ego_embedding",
        "item_ego_embedding",
        "user_vector",
        "item_vector",
        "v",
        "singular_values",
    ];
    let mut s = String::new();
    for m in MODELS {
        let mut spec = ModelSpec::default_for(m.name()).unwrap();
        for (k, v) in small(m.name()) {
            spec.set(k, v).unwrap();
        }
        let a = registry::train(&spec, &ctx, &mut Silent).unwrap();
        let b = registry::train(&spec, &ctx, &mut Silent).unwrap();
        assert_eq!(a.weights(), b.weights(), "{}", m.name());
        let w = a.weights();
        let mut all: Vec<String> = Vec::new();
        for n in names {
            if w.get(n).is_ok() {
                all.push(n.to_string());
            }
        }
        let users: Vec<u32> = (0..30).collect();
        let mut scores = vec![0f32; 30 * 25];
        a.score_users(&users, &mut scores);
        let h = scores.iter().fold(0u64, |h, x| {
            (h ^ x.to_bits() as u64).wrapping_mul(0x100_0000_01b3)
        });
        writeln!(
            s,
            "{}:{} scores={h:016x}",
            m.name(),
            bits(&w, &all.iter().map(String::as_str).collect::<Vec<_>>())
        )
        .unwrap();
    }
    out("trained.txt", &s);
}

use super::*;
use crate::framework::config;
use crate::framework::memory;
use serde_json::Value;

#[test]
fn every_serialised_key_is_documented_and_every_default_is_in_range() {
    for m in MODELS {
        let keys = m.keys();
        let defaults = m.defaults();
        for k in defaults.keys() {
            assert!(
                config::key(&keys, k).is_some(),
                "{}: key `{k}` has no documentation",
                m.name()
            );
        }
        for k in &keys {
            assert!(
                defaults.contains_key(k.name),
                "{}: documented key `{}` is not in the configuration",
                m.name(),
                k.name
            );
        }
        config::check_values(m.name(), &keys, &defaults)
            .unwrap_or_else(|e| panic!("{}: default out of range: {e}", m.name()));
        assert_eq!(m.complete(&defaults).unwrap(), defaults, "{}", m.name());
    }
}

#[test]
fn memory_estimates_grow_with_the_data_and_refuse_what_cannot_fit() {
    let small = DataSize {
        n_users: 1_000,
        n_items: 2_000,
        n_train: 100_000,
    };
    let huge = DataSize {
        n_users: 1 << 40,
        n_items: 1 << 40,
        n_train: 1 << 45,
    };
    for m in MODELS {
        let d = m.defaults();
        let (a, b) = (
            m.bytes_needed(&d, small).unwrap(),
            m.bytes_needed(&d, huge).unwrap(),
        );
        assert!(a > 0 && b > a, "{}: {a} then {b}", m.name());
        if memory::available_bytes().is_some() {
            let e = memory::ensure_fits(m.name(), b).unwrap_err().to_string();
            assert!(e.contains("needs") && e.contains("bytes"), "{e}");
        }
    }
}

/// Every model that folds in natively scores a known user's history exactly as it scores
/// the user; the models expected to fold in do.
#[test]
fn fold_in_of_a_users_history_equals_scoring_the_user() {
    let (x, _) = crate::testing::random_graph(31);
    let ctx = TrainContext::new(&x, 8, 10).with_seed(1);
    let by_user = gnnrec_eval::UserItems::new(&x, 8);
    for (name, settings) in [
        ("pop", vec![]),
        ("itemknn", vec![]),
        ("ease", vec![("lambda", "5")]),
        ("gfcf", vec![("factors", "3")]),
        ("bspm", vec![("factors", "3")]),
    ] {
        let mut spec = ModelSpec::default_for(name).unwrap();
        for (k, v) in settings {
            spec.set(k, v).unwrap();
        }
        let m = train(&spec, &ctx, &mut crate::observer::Silent).unwrap();
        let f = m
            .fold_in()
            .unwrap_or_else(|| panic!("{name} should fold in"));
        for u in 0..8u32 {
            let (mut a, mut b) = (vec![0f32; 10], vec![0f32; 10]);
            m.score_users(&[u], &mut a);
            f.score_histories(&[by_user.of(u)], &mut b);
            assert_eq!(a, b, "{name}, user {u}");
        }
    }
    // IRGNN's users are the mean of their history's item representations: its fold-in
    // is native, equal to scoring the user up to the order of the float sums.
    let mut irgnn = ModelSpec::default_for("irgnn").unwrap();
    irgnn.set("epochs", "2").unwrap();
    let m = train(&irgnn, &ctx, &mut crate::observer::Silent).unwrap();
    let f = m.fold_in().expect("irgnn folds in");
    for u in 0..8u32 {
        let (mut a, mut b) = (vec![0f32; 10], vec![0f32; 10]);
        m.score_users(&[u], &mut a);
        f.score_histories(&[by_user.of(u)], &mut b);
        for (x, y) in a.iter().zip(&b) {
            assert!(
                (x - y).abs() <= 1e-5 * x.abs().max(1.0),
                "irgnn, user {u}: {a:?} vs {b:?}"
            );
        }
    }
    // LightGCN folds in by aggregation: a history's scores are the dot products of the
    // mean of its items' final embeddings with every item.
    let mut lightgcn = ModelSpec::default_for("lightgcn").unwrap();
    lightgcn.set("epochs", "2").unwrap();
    let m = train(&lightgcn, &ctx, &mut crate::observer::Silent).unwrap();
    let w = m.weights();
    let (_, q) = w.get("item_embedding").unwrap();
    let d = q.len() / 10;
    let h = by_user.of(3);
    let mut got = vec![0f32; 10];
    m.fold_in().unwrap().score_histories(&[h], &mut got);
    for (j, &g) in got.iter().enumerate() {
        let want: f32 = (0..d)
            .map(|k| {
                let mean: f32 = h.iter().map(|&i| q[i as usize * d + k]).sum::<f32>();
                mean / h.len() as f32 * q[j * d + k]
            })
            .sum();
        assert!((g - want).abs() < 1e-5, "item {j}: {g} vs {want}");
    }
}

#[test]
fn names_are_unique() {
    let mut n = names();
    n.sort();
    n.dedup();
    assert_eq!(n.len(), MODELS.len());
}

#[test]
fn set_parses_checks_and_names_the_key() {
    let mut spec = ModelSpec::default_for("lightgcn").unwrap();
    spec.set("lr", "0.05").unwrap();
    assert_eq!(spec.get("lr").and_then(Value::as_f64), Some(0.05));
    spec.set("schedule", "constant").unwrap();
    let e = spec.set("lr", "0").unwrap_err().to_string();
    assert!(e.contains("`lr`") && e.contains("> 0"), "{e}");
    let e = spec.set("dropout", "0.1").unwrap_err().to_string();
    assert!(e.contains("lightgcn has no setting `dropout`"), "{e}");
    assert!(e.contains("neg_pool"), "lists the known keys: {e}");
    let e = spec.set("neg_pool", "2000").unwrap_err().to_string();
    assert!(e.contains("neg_pool"), "{e}");
    let e = ModelSpec::default_for("lightgnn").unwrap_err().to_string();
    assert!(
        e.contains("unknown model `lightgnn`") && e.contains("lightgcn"),
        "{e}"
    );
}

#[test]
fn stored_configurations_of_older_versions_still_load() {
    // A LightGCN config.json of the first version: `monitor_k` and `neg_pool` inside the
    // loop settings, dim 64.
    let old = r#"{"model":"lightgcn","dim":64,"layers":3,"l2":0.0001,"lr":0.001,
        "batch":2048,"epochs":1000,"eval_every":10,"patience":5,"monitor_k":20,
        "schedule":"constant","neg_pool":1}"#;
    let spec: ModelSpec = serde_json::from_str(old).unwrap();
    let cfg: crate::lightgcn::LightGcnConfig = config::from_json("lightgcn", &spec.config).unwrap();
    assert_eq!((cfg.dim, cfg.train.epochs, cfg.train.lr), (64, 1000, 0.001));
    // An MF run stored `layers: 0`; IRGNN stored `graph`, `tau_days`, `item_features`.
    let mf = r#"{"model":"mf","dim":32,"layers":0,"l2":0.01,"lr":0.01,"batch":2048,
        "epochs":5,"eval_every":10,"patience":5,"monitor_k":20}"#;
    let spec: ModelSpec = serde_json::from_str(mf).unwrap();
    let cfg: crate::mf::MfConfig = config::from_json("mf", &spec.config).unwrap();
    assert_eq!(cfg.dim, 32);
    let irgnn = r#"{"model":"irgnn","dim":16,"layers":2,"l2":0.0001,"lr":0.01,
        "batch":2048,"epochs":3,"eval_every":10,"patience":5,"monitor_k":20,
        "schedule":"cosine","neg_pool":1,"graph":"decay","tau_days":7.0,"topk":null,
        "item_features":true}"#;
    let spec: ModelSpec = serde_json::from_str(irgnn).unwrap();
    let cfg: crate::irgnn::IrgnnConfig = config::from_json("irgnn", &spec.config).unwrap();
    assert_eq!(cfg.item_graph, gnnrec_graph::EdgeWeight::Decay);
    assert_eq!((cfg.tau, cfg.topk, cfg.features.item), (7.0, 0, true));
    // Setting a key of such a run (as --resume --epochs does) keeps the renamed ones.
    let mut spec = spec;
    spec.set("epochs", "5").unwrap();
    assert_eq!(spec.get("item_graph"), Some(&Value::from("decay")));
    assert_eq!(spec.get("tau"), Some(&Value::from(7.0)));
    assert_eq!(spec.get("epochs"), Some(&Value::from(5)));
}

#[test]
fn user_features_and_a_negative_pool_are_refused() {
    let mut spec = crate::registry::ModelSpec::default_for("irgnn").unwrap();
    let e = spec.set("neg_pool", "4").unwrap_err().to_string();
    assert!(e.contains("irgnn has no setting `neg_pool`"), "{e}");
    let e = spec.set("features", "user").unwrap_err().to_string();
    assert!(e.contains("features"), "{e}");
    spec.set("features", "item").unwrap();
}

#[test]
fn a_name_already_taken_cannot_be_registered_again() {
    let e = super::register(&Plugin::<crate::baselines::popularity::Popularity>::NEW)
        .unwrap_err()
        .to_string();
    assert!(e.contains("`pop` is already registered"), "{e}");
    assert_eq!(super::all().len(), MODELS.len());
}

//! A distributed training on in-process ranks equals the single-process one: the same
//! metrics (1e-6), and a run directory that `gnnrec eval` reads back to them.

use std::collections::BTreeMap;
use std::path::Path;

use gnnrec_data::synth::SynthSpec;
use gnnrec_dist::LocalGroup;
use gnnrec_run::distributed::{DISTRIBUTED_FILE, DistributedTraining, ShardReport};
use gnnrec_run::evaluation::evaluate_run;
use gnnrec_run::run_dir::{CONFIG_FILE, LOG_FILE, METRICS_FILE, MODEL_FILE};
use gnnrec_run::{DataSource, ModelSpec, Monitor, Training, ValidSplit};
use serde_json::{Value, json};

fn spec(name: &str, values: Value) -> ModelSpec {
    ModelSpec::new(name, values.as_object().unwrap()).unwrap()
}

fn assert_close(got: &BTreeMap<String, f64>, want: &BTreeMap<String, f64>, tol: f64, what: &str) {
    assert_eq!(
        got.keys().collect::<Vec<_>>(),
        want.keys().collect::<Vec<_>>(),
        "{what}"
    );
    for (k, w) in want {
        // Popularity is a mean of interaction counts, not a share: relative.
        let tol = if k.starts_with("popularity") {
            tol * w.abs().max(1.0)
        } else {
            tol
        };
        assert!((got[k] - w).abs() <= tol, "{what}: {k} {} vs {w}", got[k]);
    }
}

/// A plan of `spec` on `data` with no monitor, no sample and no `--out`; tests override the
/// fields they are about.
fn plan_of(data: &str, spec: ModelSpec) -> DistributedTraining {
    DistributedTraining {
        data: DataSource::named(data),
        spec,
        seed: 1,
        ks: vec![20],
        out: None,
        command: vec![],
        resume: false,
        monitor: Monitor::None,
        valid_fraction: 0.1,
        valid_split: ValidSplit::PerUser,
        eval_users: None,
    }
}

fn distributed(data: &Path, spec: &ModelSpec, out: &Path, n: usize) -> BTreeMap<String, f64> {
    let plan = DistributedTraining {
        seed: 3,
        ks: vec![10, 20],
        out: Some(out.to_path_buf()),
        command: vec!["test".into()],
        ..plan_of(&data.display().to_string(), spec.clone())
    };
    let runs = LocalGroup::run(n, |c| plan.run(c, &mut |_| {}).unwrap());
    for r in &runs[1..] {
        assert_eq!(
            r.metrics.metrics, runs[0].metrics.metrics,
            "every rank has the same metrics"
        );
    }
    runs[0].metrics.metrics.clone()
}

#[test]
fn distributed_models_equal_the_single_process_run_and_their_run_directory_evaluates_back() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("synth");
    SynthSpec {
        users: 240,
        items: 150,
        interactions: 7_000,
        seed: 5,
    }
    .generate()
    .unwrap()
    .write(&data)
    .unwrap();
    // EASE's scores are the single process's to the bit (its Gram matrix is integer counts);
    // the filters' sums over users are carried in f64, so theirs round to the single
    // process's f32 scores whatever the ranks' order: every metric is held to 1e-6.
    let cases = [
        (spec("ease", json!({"lambda": 50.0})), 1e-6),
        (spec("gfcf", json!({"factors": 16})), 1e-6),
        (spec("bspm", json!({"factors": 16})), 1e-6),
    ];
    for (spec, tol) in &cases {
        let single = Training::new(data.display().to_string(), spec.clone())
            .with_seed(3)
            .with_ks(&[10, 20])
            .with_out(tmp.path().join(format!("{}-single", spec.name())))
            .run()
            .unwrap();
        for n in [2, 3] {
            let out = tmp.path().join(format!("{}-{n}", spec.name()));
            let got = distributed(&data, spec, &out, n);
            assert_close(
                &got,
                &single.metrics.metrics,
                *tol,
                &format!("{} at {n} ranks", spec.name()),
            );
            let back = evaluate_run(&out, None, Some(&[10, 20])).unwrap();
            assert_close(
                &back.metrics.flat,
                &got,
                *tol,
                &format!("{} at {n} ranks, evaluated back", spec.name()),
            );
            let report: ShardReport =
                serde_json::from_str(&std::fs::read_to_string(out.join(DISTRIBUTED_FILE)).unwrap())
                    .unwrap();
            assert_eq!(report.ranks, n);
            assert_eq!(report.data_read, "by byte ranges");
            assert_eq!(report.per_rank.iter().map(|r| r.users).sum::<usize>(), 240);
            // No rank held every user's rows.
            assert!(report.per_rank.iter().all(|r| r.users < 240));
        }
    }
}

#[test]
fn a_users_own_csv_is_read_by_byte_ranges_and_gives_the_single_process_metrics() {
    let tmp = tempfile::tempdir().unwrap();
    let csv = tmp.path().join("shop.csv");
    // String ids, a header, repeated pairs; split at random 80/20 with seed 42 by default.
    let mut text = String::from("user_id,item_id,timestamp\n");
    for k in 0..6_000u64 {
        let u = (k * 7_919) % 173;
        let i = (u * 31 + (k * k) % 97) % 211;
        text.push_str(&format!("cust-{u},sku-{i},{}\n", 1_600_000_000 + k));
    }
    std::fs::write(&csv, text).unwrap();
    let s = spec("ease", json!({"lambda": 50.0}));
    let single = Training::new(csv.display().to_string(), s.clone())
        .with_seed(3)
        .with_ks(&[10, 20])
        .with_out(tmp.path().join("single"))
        .run()
        .unwrap();
    for n in [2, 3] {
        let out = tmp.path().join(format!("ease-{n}"));
        let got = distributed(&csv, &s, &out, n);
        assert_close(&got, &single.metrics.metrics, 1e-6, &format!("{n} ranks"));
        let report: ShardReport =
            serde_json::from_str(&std::fs::read_to_string(out.join(DISTRIBUTED_FILE)).unwrap())
                .unwrap();
        assert_eq!(report.data_read, "by byte ranges");
        let back = evaluate_run(&out, None, Some(&[10, 20])).unwrap();
        assert_close(
            &back.metrics.flat,
            &got,
            1e-6,
            &format!("{n} ranks, evaluated back"),
        );
    }
}

#[test]
fn a_run_directory_already_there_is_refused_on_every_rank_and_left_alone() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("synth");
    SynthSpec {
        users: 50,
        items: 40,
        interactions: 900,
        seed: 1,
    }
    .generate()
    .unwrap()
    .write(&data)
    .unwrap();
    let out = tmp.path().join("run");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("config.json"), "{}").unwrap();
    let plan = DistributedTraining {
        out: Some(out.clone()),
        ..plan_of(&data.display().to_string(), spec("ease", json!({})))
    };
    let errs = LocalGroup::run(2, |c| plan.run(c, &mut |_| {}).err().map(|e| e.to_string()));
    for e in errs {
        assert!(e.unwrap().contains("already holds a run"));
    }
    assert_eq!(
        std::fs::read_to_string(out.join("config.json")).unwrap(),
        "{}"
    );
}

#[test]
fn a_model_without_a_distributed_form_is_refused_before_any_data_is_read() {
    let plan = plan_of("/nonexistent/data", spec("simgcl", json!({})));
    let errs = LocalGroup::run(2, |c| plan.run(c, &mut |_| {}).err().map(|e| e.to_string()));
    for e in errs {
        let e = e.unwrap();
        assert!(
            e.contains("simgcl has no distributed form")
                && e.contains("ease, gfcf, bspm, chebycf, mf, lightgcn"),
            "{e}"
        );
    }
}

#[test]
fn lightgcn_and_mf_bpr_across_ranks_learn_as_well_as_one_process() {
    // The triples are drawn per rank, so the runs differ; the gradient of a given global
    // batch is the single process's (gnnrec-models' test). Here: the same accuracy, roughly.
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("synth");
    SynthSpec {
        users: 400,
        items: 300,
        interactions: 16_000,
        seed: 2,
    }
    .generate()
    .unwrap()
    .write(&data)
    .unwrap();
    for model in ["mf", "lightgcn"] {
        let s = spec(model, json!({"epochs": 30, "dim": 32, "batch": 512}));
        let single = Training::new(data.display().to_string(), s.clone())
            .with_seed(3)
            .with_ks(&[10, 20])
            .with_out(tmp.path().join(format!("{model}-single")))
            .run()
            .unwrap();
        let want = single.metrics.metrics["recall@20"];
        for n in [2, 4] {
            let out = tmp.path().join(format!("{model}-{n}"));
            let got = distributed(&data, &s, &out, n);
            let r = got["recall@20"];
            eprintln!("{model} recall@20: one process {want:.4}, {n} ranks {r:.4}");
            assert!(
                (r - want).abs() <= 0.1 * want,
                "{model} at {n} ranks: recall@20 {r} vs {want}"
            );
            let back = evaluate_run(&out, None, Some(&[10, 20])).unwrap();
            assert_close(
                &back.metrics.flat,
                &got,
                1e-6,
                &format!("{model} evaluated back"),
            );
        }
    }
}

fn synth(dir: &Path, users: usize, items: usize, interactions: usize, seed: u64) {
    SynthSpec {
        users,
        items,
        interactions,
        seed,
    }
    .generate()
    .unwrap()
    .write(dir)
    .unwrap();
}

/// A LightGCN training across `n` in-process ranks watching `monitor`, into `out`.
fn watched_run(data: &Path, s: &ModelSpec, monitor: Monitor, out: &Path, n: usize) {
    let plan = DistributedTraining {
        seed: 4,
        out: Some(out.to_path_buf()),
        command: vec!["test".into()],
        monitor,
        valid_fraction: 0.2,
        ..plan_of(&data.display().to_string(), s.clone())
    };
    LocalGroup::run(n, |c| plan.run(c, &mut |_| {}).unwrap());
}

fn json_of(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

/// The (epoch, recall@20) of each evaluation in a run's log.
fn evaluations(out: &Path) -> Vec<(usize, f64)> {
    std::fs::read_to_string(out.join(LOG_FILE))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| !r["metrics"].is_null())
        .map(|r| {
            (
                r["epoch"].as_u64().unwrap() as usize,
                r["metrics"]["recall@20"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_watched_training_across_ranks_keeps_its_best_epoch() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("synth");
    synth(&data, 300, 200, 9_000, 8);
    // A learning rate high enough to overshoot: the best epoch comes before the last.
    let settings = |epochs: usize| {
        spec(
            "lightgcn",
            json!({"epochs": epochs, "dim": 16, "batch": 256, "lr": 0.2, "l2": 0.0,
                   "schedule": "constant", "eval_every": 1, "layers": 2}),
        )
    };
    let epochs = 12;
    let long = tmp.path().join("long");
    let monitor = Monitor::Validation;
    watched_run(&data, &settings(epochs), monitor, &long, 2);
    let evals = evaluations(&long);
    assert_eq!(evals.len(), epochs, "evaluated every epoch");
    let best = evals
        .iter()
        .fold(evals[0], |b, &e| if e.1 > b.1 { e } else { b });
    eprintln!("validation recall@20 by epoch: {evals:?}; best {best:?}");
    assert!(
        best.0 < epochs,
        "this case must stop improving before its end"
    );
    let metrics = json_of(&long.join(METRICS_FILE));
    assert_eq!(metrics["monitor"], "validation-per-user:0.2");
    assert_eq!(metrics["epochs"], epochs);
    assert_eq!(
        metrics["test_evaluations"], 1,
        "validation never touches test"
    );
    assert_eq!(
        json_of(&long.join(CONFIG_FILE))["monitor"],
        "validation-per-user:0.2"
    );
    // Trained to the best epoch only (the same draws, the same constant rate), a run ends
    // where the long one kept: its weights are the long run's, to the bit.
    let short = tmp.path().join("short");
    watched_run(&data, &settings(best.0), monitor, &short, 2);
    assert_eq!(evaluations(&short).last().copied(), Some(best));
    assert!(
        std::fs::read(long.join(MODEL_FILE)).unwrap()
            == std::fs::read(short.join(MODEL_FILE)).unwrap(),
        "the long run kept epoch {}'s weights",
        best.0
    );
    // Watching test counts every evaluation of it.
    let on_test = tmp.path().join("on-test");
    watched_run(&data, &settings(3), Monitor::Test, &on_test, 2);
    let metrics = json_of(&on_test.join(METRICS_FILE));
    assert_eq!(metrics["monitor"], "test");
    assert_eq!(metrics["test_evaluations"], 4);
}

#[test]
fn the_random_carve_out_is_watched_across_ranks_and_a_bad_fraction_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("synth");
    synth(&data, 200, 120, 5_000, 3);
    let s = spec(
        "lightgcn",
        json!({"epochs": 2, "dim": 8, "batch": 512, "eval_every": 1, "layers": 1}),
    );
    let out = tmp.path().join("random");
    let plan = DistributedTraining {
        out: Some(out.clone()),
        monitor: Monitor::Validation,
        valid_split: ValidSplit::Random,
        ..plan_of(&data.display().to_string(), s.clone())
    };
    LocalGroup::run(3, |c| plan.run(c, &mut |_| {}).unwrap());
    let metrics = json_of(&out.join(METRICS_FILE));
    assert_eq!(metrics["monitor"], "validation:0.1");
    assert_eq!(metrics["test_evaluations"], 1);
    assert_eq!(evaluations(&out).len(), 2);
    let mut plan = DistributedTraining {
        valid_fraction: 1.5,
        ..plan_of("/nonexistent/data", s)
    };
    plan.monitor = Monitor::Validation;
    let errs = LocalGroup::run(1, |c| plan.run(c, &mut |_| {}).err().map(|e| e.to_string()));
    assert!(errs[0].as_ref().unwrap().contains("fraction in (0, 1)"));
}

#[test]
fn a_sample_of_test_users_is_the_single_process_sample() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("synth");
    synth(&data, 200, 120, 5_000, 6);
    let s = spec("ease", json!({"lambda": 50.0}));
    let single = Training::new(data.display().to_string(), s.clone())
        .with_seed(3)
        .with_ks(&[10, 20])
        .with_eval_users(37)
        .with_out(tmp.path().join("single"))
        .run()
        .unwrap();
    assert!(single.metrics.evaluated_on.contains("sample of 37 of"));
    for n in [2, 3] {
        let out = tmp.path().join(format!("ease-{n}"));
        let plan = DistributedTraining {
            seed: 3,
            ks: vec![10, 20],
            out: Some(out.clone()),
            eval_users: Some(37),
            ..plan_of(&data.display().to_string(), s.clone())
        };
        let runs = LocalGroup::run(n, |c| plan.run(c, &mut |_| {}).unwrap());
        assert_eq!(runs[0].metrics.evaluated_on, single.metrics.evaluated_on);
        assert_close(
            &runs[0].metrics.metrics,
            &single.metrics.metrics,
            1e-6,
            &format!("a sample at {n} ranks"),
        );
    }
}

//! `gnnrec data info` and `gnnrec data list`.

use anyhow::Result;
use gnnrec_data::Quantiles;
use gnnrec_data::info::{self as summary, DataInfo};
use gnnrec_data::registry::{self, KNOWN_DATASETS};
use gnnrec_data::{Dataset, Split};

use crate::cli::{DataInfoArgs, DataListArgs, DataSynthArgs, DatasetArgs};
use crate::output::{Table, print_json};
use gnnrec_run::timefmt::date;

/// Loads the dataset and split named by `args`.
pub fn load(args: &DatasetArgs) -> Result<(Dataset, Split)> {
    Ok(args.source().load()?)
}

pub fn info(args: &DataInfoArgs) -> Result<()> {
    let (data, split) = load(&args.data)?;
    let report = summary::info(&data, &split);
    if args.json {
        return print_json(&report);
    }
    print_info(&report);
    Ok(())
}

fn print_info(r: &DataInfo) {
    let mut t = Table::new(["", ""]);
    t.row(["dataset".into(), r.dataset.clone()]);
    t.row(["users".into(), r.users.to_string()]);
    t.row(["items".into(), r.items.to_string()]);
    t.row(["interactions".into(), r.interactions.to_string()]);
    t.row(["density".into(), format!("{:.5}", r.density)]);
    t.row([
        "duplicates removed".into(),
        r.duplicates_removed.to_string(),
    ]);
    t.row([
        format!("split {}", r.split),
        format!("{} train / {} test", r.train, r.test),
    ]);
    t.row(["test users".into(), r.test_users.to_string()]);
    t.row([
        "test items unseen in train".into(),
        r.test_items_unseen_in_train.to_string(),
    ]);
    if let Some((a, b)) = r.time_range {
        t.row(["time range".into(), format!("{} .. {}", date(a), date(b))]);
    }
    if let Some(s) = &r.ratings {
        t.row([
            "ratings".into(),
            format!("min {} / max {} / mean {:.3}", s.min, s.max, s.mean),
        ]);
    }
    t.print_plain();

    println!();
    let mut d = Table::new([
        "degree", "min", "p25", "median", "p75", "p90", "p99", "max", "mean",
    ]);
    let row = |name: &str, q: &Quantiles| {
        let mut v = vec![name.to_string()];
        v.extend(
            [q.min, q.p25, q.p50, q.p75, q.p90, q.p99, q.max]
                .iter()
                .map(|x| format!("{x}")),
        );
        v.push(format!("{:.1}", q.mean));
        v
    };
    d.row(row("users", &r.user_degree));
    d.row(row("items", &r.item_degree));
    d.print();

    if let Some(s) = &r.ratings {
        println!();
        let total: usize = s.histogram.iter().map(|h| h.1).sum();
        let widest = s.histogram.iter().map(|h| h.1).max().unwrap_or(1);
        for (v, n) in &s.histogram {
            let bar = "#".repeat((40 * n).div_ceil(widest));
            println!(
                "{v:>5} {n:>8} {:>5.1}% {bar}",
                100.0 * *n as f64 / total as f64
            );
        }
    }
    for note in &r.notes {
        println!("note: {note}");
    }
}

pub fn list(args: &DataListArgs) -> Result<()> {
    let dir = registry::data_dir(args.data_dir.as_deref());
    let rows: Vec<serde_json::Value> = KNOWN_DATASETS
        .iter()
        .map(|d| {
            let path = dir.join(d.folder);
            let present = path.is_dir() || d.name == "ml-latest-small";
            serde_json::json!({
                "name": d.name,
                "path": path.display().to_string(),
                "present": present,
                "about": d.about,
                "obtain": d.obtain,
            })
        })
        .collect();
    if args.json {
        return print_json(&rows);
    }
    let mut t = Table::new(["dataset", "present", "about"]);
    for r in &rows {
        t.row([
            r["name"].as_str().unwrap_or_default().to_string(),
            if r["present"].as_bool() == Some(true) {
                "yes"
            } else {
                "no"
            }
            .to_string(),
            r["about"].as_str().unwrap_or_default().to_string(),
        ]);
    }
    t.print();
    println!("\ndata directory: {}", dir.display());
    Ok(())
}

pub fn synth(args: &DataSynthArgs) -> Result<()> {
    let spec = gnnrec_data::synth::SynthSpec {
        users: args.users,
        items: args.items,
        interactions: args.interactions,
        seed: args.seed,
    };
    let set = spec.generate()?;
    set.write(&args.out)?;
    println!(
        "wrote {} interactions of {} users and {} items to {} (train.txt, test.txt)",
        set.len(),
        args.users,
        args.items,
        args.out.display()
    );
    Ok(())
}

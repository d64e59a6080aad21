//! `cargo xtask probes`: this machine's probes, the independent product floor with every
//! variant, and the project's product against it — timed in alternating rounds, on every core
//! and on one, in one process.

use std::path::Path;

use anyhow::{Result, bail};

use crate::ProbesArgs;
use crate::floor::{self, PRODUCT_ID};
use crate::probes;
use crate::product_probe::{GowallaMatrix, Variant, Versus, versus_table};
use crate::report::secs;

/// Runs the probes and prints (or writes as JSON) what they measured.
pub fn run(args: &ProbesArgs, data_dir: &Path) -> Result<()> {
    let (p, _) = probes::measure(data_dir)?;
    let (Some(best), Some(m)) = (&p.product, GowallaMatrix::read(data_dir)?) else {
        bail!(
            "{}: gowalla/train.txt is needed for the product floor (set GNNREC_DATA)",
            data_dir.display()
        );
    };
    let variant = Variant::ALL
        .into_iter()
        .find(|v| v.name() == best.best)
        .expect("a known variant");
    let rows: Vec<Versus> = probes::versus(&m, variant, data_dir, args.rounds)?;
    if args.json {
        let v = serde_json::json!({ "probes": p, "versus_project": rows });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("{}", p.summary());
    println!(
        "gowalla from train.txt: {} nodes ({} users), {} non-zeros",
        m.n(),
        m.n_users,
        m.nnz()
    );
    println!(
        "independent product floor, every variant ({} threads):",
        best.threads
    );
    for (name, s) in &best.variants {
        println!("  {name:<26} {}", secs(*s));
    }
    print!("{}", versus_table(&rows, &best.best));
    for id in [PRODUCT_ID, "lightgcn_gowalla/step_batch_2048"] {
        if let Some(f) = floor::against_floor(id, 0.0, &p) {
            println!("floor of {id}: {} ({})", secs(f.floor_seconds), f.work);
        }
    }
    Ok(())
}

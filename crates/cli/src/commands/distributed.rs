//! `gnnrec train --distributed`: one rank of `mpirun -n N gnnrec train --distributed …`.
//! The flags make the same plan as a single-process training; the run layer's
//! [`DistributedTraining`] carries it out over MPI; rank 0 prints.
//!
//! An error ends the whole job: the rank prints it (naming itself), waits a moment so that
//! ranks failing at the same point print theirs, and aborts every rank with status 1.

use anyhow::{Result, bail};
use gnnrec_run::distributed::DistributedTraining;
use gnnrec_run::training::DataInput;

use crate::cli::TrainArgs;

/// The distributed plan of the flags (`--model` or `--recipe`, with the usual overrides).
fn plan(args: &TrainArgs) -> Result<DistributedTraining> {
    if let Some(dir) = &args.resume {
        let mut plan = DistributedTraining::resume(dir)?;
        if let Some(k) = &args.k {
            plan.ks = k.clone();
        }
        if args.eval_users.is_some() {
            plan.eval_users = args.eval_users;
        }
        return Ok(plan);
    }
    let t = crate::commands::train::fresh(args)?;
    let DataInput::Source(data) = t.data else {
        bail!("a distributed run reads its data by name or path");
    };
    Ok(DistributedTraining {
        data,
        spec: t.spec,
        seed: t.seed,
        ks: t.ks,
        out: t.out,
        command: std::env::args().collect(),
        resume: false,
        monitor: t.monitor,
        valid_fraction: t.valid_fraction,
        valid_split: t.valid_split,
        eval_users: args.eval_users,
    })
}

#[cfg(not(feature = "mpi"))]
pub fn run(args: &TrainArgs) -> Result<()> {
    plan(args)?;
    bail!(
        "this gnnrec was built without MPI: build it with `cargo build --release -p gnnrec \
         --features mpi` (Open MPI and libclang: `apt-get install openmpi-bin libopenmpi-dev \
         libclang-dev`) and start it with `mpirun -n N gnnrec train --distributed …`"
    )
}

#[cfg(feature = "mpi")]
pub fn run(args: &TrainArgs) -> Result<()> {
    use gnnrec_dist::Comm;
    use gnnrec_run::evaluation::TestMetrics;

    use crate::commands::evaluate::print_metrics;
    use crate::commands::set_threads;
    use crate::output::print_json;

    let Some(world) = gnnrec_mpi::MpiWorld::init() else {
        bail!("MPI was already initialised in this process");
    };
    let (rank, size) = (world.rank(), world.size());
    // Ranks on one host share its cores unless --threads says otherwise.
    let local: usize = std::env::var("OMPI_COMM_WORLD_LOCAL_SIZE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let outcome = set_threads(Some(args.threads.unwrap_or((cores / local).max(1))))
        .and_then(|_| plan(args))
        .and_then(|plan| {
            let mut say = |m: &str| {
                if rank == 0 && !args.quiet {
                    eprintln!("{m}");
                }
            };
            Ok(plan.run(&world, &mut say)?)
        });
    let done = match outcome {
        Ok(done) => done,
        Err(e) => {
            // One write per message: `eprintln!` writes its pieces one by
            // one, and two ranks' pieces interleave on mpirun's stderr.
            let message = format!("gnnrec: rank {rank} of {size}: error: {e:#}\n");
            let _ = std::io::Write::write_all(&mut std::io::stderr().lock(), message.as_bytes());
            std::thread::sleep(std::time::Duration::from_millis(300));
            world.abort(1);
        }
    };
    if rank != 0 {
        return Ok(());
    }
    let m = &done.metrics;
    if args.json {
        return print_json(&serde_json::json!({
            "run": done.dir,
            "dataset": m.dataset,
            "model": m.model,
            "split": m.split,
            "evaluated_on": m.evaluated_on,
            "metrics": m.metrics,
            "load_seconds": m.load_seconds,
            "train_seconds": m.train_seconds,
            "eval_seconds": m.eval_seconds,
            "ranks": done.report.ranks,
            "data_read": done.report.data_read,
            "per_rank": done.report.per_rank,
        }));
    }
    println!(
        "\n{} on {} (split {}) across {size} ranks, test set — trained in {:.1}s, evaluated in {:.1}s:\n",
        m.model, m.dataset, m.split, m.train_seconds, m.eval_seconds
    );
    if let Some(ranking) = &m.ranking {
        print_metrics(&TestMetrics {
            flat: m.metrics.clone(),
            ranking: ranking.clone(),
            rating: None,
            cold_pairs: None,
            seconds: m.eval_seconds,
        });
    }
    println!("\nrun saved to {}", done.dir.display());
    println!("next: gnnrec eval --run {}", done.dir.display());
    Ok(())
}

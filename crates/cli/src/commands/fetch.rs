//! `gnnrec data fetch`: the license, a progress bar, and the fetch of `gnnrec-fetch`.

use std::io::{BufRead, IsTerminal, Write};
use std::time::Duration;

use anyhow::{Result, bail};
use gnnrec_data::registry;
use gnnrec_fetch::{CATALOG, FetchOptions, Progress, fetch, find};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::DataFetchArgs;
use crate::output::print_json;

/// A progress bar on stderr (hidden with --quiet or when stderr is not a terminal).
struct Bar {
    bar: ProgressBar,
    quiet: bool,
}

impl Progress for Bar {
    fn begin(&self, url: &str, from: u64, total: Option<u64>) {
        self.bar.set_length(total.unwrap_or(0));
        self.bar.set_position(from);
        self.bar
            .set_message(url.rsplit('/').next().unwrap_or(url).to_string());
    }
    fn advance(&self, n: u64) {
        self.bar.inc(n);
    }
    fn retry(&self, url: &str, at: u64, reason: &str) {
        if !self.quiet {
            self.bar
                .suspend(|| eprintln!("{url}: {reason}; resuming at byte {at}"));
        }
    }
}

pub fn run(args: &DataFetchArgs) -> Result<()> {
    let Some(src) = find(&args.name) else {
        let known: Vec<&str> = CATALOG.iter().map(|d| d.name).collect();
        bail!(
            "no dataset `{}` to fetch; known: {}",
            args.name,
            known.join(", ")
        );
    };
    if !(args.timeout.is_finite() && args.timeout > 0.0) {
        bail!(
            "invalid --timeout {}: give a number of seconds > 0",
            args.timeout
        );
    }
    eprintln!("{}: {}\nLicense: {}", src.name, src.size, src.license);
    if !args.yes {
        if !std::io::stdin().is_terminal() {
            bail!("accept the license terms above with --yes (stdin is not a terminal to ask on)");
        }
        eprint!("Accept these terms and download? [y/N] ");
        std::io::stderr().flush()?;
        let mut answer = String::new();
        std::io::stdin().lock().read_line(&mut answer)?;
        if !matches!(answer.trim(), "y" | "Y" | "yes") {
            bail!("not accepted; nothing was downloaded");
        }
    }
    let data_dir = registry::data_dir(args.data_dir.as_deref());
    let target = if args.quiet {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    let bar = ProgressBar::with_draw_target(None, target);
    bar.set_style(
        ProgressStyle::with_template(
            "{msg:24} {bar:30} {bytes}/{total_bytes} {bytes_per_sec} {eta}",
        )
        .expect("valid template"),
    );
    let progress = Bar {
        bar,
        quiet: args.quiet,
    };
    let opts = FetchOptions {
        data_dir,
        mirror: args.mirror.clone(),
        timeout: Duration::from_secs_f64(args.timeout),
    };
    let report = fetch(&args.name, &opts, &progress)?;
    progress.bar.finish_and_clear();
    if args.json {
        return print_json(&report);
    }
    println!("{} is in {}", report.name, report.folder.display());
    for f in &report.files {
        let how = if f.pinned {
            "checked"
        } else {
            "not pinned (record it)"
        };
        println!("  {:<24} sha256 {}  {how}", f.file, f.sha256);
    }
    for (url, sha) in &report.downloads {
        println!("  downloaded {url} (sha256 {sha})");
    }
    Ok(())
}

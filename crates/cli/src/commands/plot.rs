//! `gnnrec plot --run DIR --out curves.svg`: a run's training curves as an SVG.

use anyhow::{Context, Result, anyhow, bail};
use gnnrec_data::fsutil::write_atomic;
use gnnrec_models::EpochRecord;
use plotters::prelude::*;

use crate::cli::PlotArgs;
use gnnrec_run::RunDir;

/// Draws the per-epoch training loss (left) and the metrics evaluated on the monitoring set
/// (right) of a run, as logged in its `log.jsonl`.
pub fn run(args: &PlotArgs) -> Result<()> {
    let dir = RunDir::open(&args.run)?;
    let log = dir.read_log()?;
    if log.is_empty() {
        bail!(
            "run {} has no per-epoch log (only iterative models such as lightgcn and mf have one)",
            args.run.display()
        );
    }
    let title = dir
        .config()
        .map(|c| format!("{} on {} ({})", c.model.name(), c.dataset, c.split))
        .unwrap_or_else(|_| args.run.display().to_string());
    let svg = render(&log, &title).map_err(|e| anyhow!("drawing the plot: {e}"))?;
    write_atomic(&args.out, |w| w.write_all(svg.as_bytes()))
        .with_context(|| format!("writing {}", args.out.display()))?;
    println!("wrote {}", args.out.display());
    Ok(())
}

/// The SVG text of the two panels.
fn render(log: &[EpochRecord], title: &str) -> Result<String, Box<dyn std::error::Error>> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (1100, 420)).into_drawing_area();
        root.fill(&WHITE)?;
        let root = root.titled(title, ("sans-serif", 20))?;
        let (left, right) = root.split_horizontally(550);

        let last = log.last().map_or(1, |r| r.epoch) as f64;
        let loss_max = log.iter().map(|r| r.loss).fold(0.0, f64::max) * 1.05;
        let mut chart = ChartBuilder::on(&left)
            .caption("training loss", ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..last, 0.0..loss_max.max(1e-9))?;
        chart
            .configure_mesh()
            .x_desc("epoch")
            .y_desc("loss")
            .draw()?;
        chart.draw_series(LineSeries::new(
            log.iter().map(|r| (r.epoch as f64, r.loss)),
            &BLUE,
        ))?;

        let evaluated: Vec<&EpochRecord> = log.iter().filter(|r| r.metrics.is_some()).collect();
        let keys: Vec<String> = evaluated
            .first()
            .and_then(|r| r.metrics.as_ref())
            .map(|m| {
                m.keys()
                    .filter(|k| {
                        k.starts_with("recall@")
                            || k.starts_with("ndcg@")
                            || *k == "rmse"
                            || *k == "mae"
                    })
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let top = evaluated
            .iter()
            .flat_map(|r| {
                keys.iter()
                    .map(|k| r.metrics.as_ref().expect("evaluated")[k])
            })
            .fold(0.0, f64::max)
            * 1.1;
        let mut chart = ChartBuilder::on(&right)
            .caption("monitored metrics", ("sans-serif", 16))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(55)
            .build_cartesian_2d(0.0..last, 0.0..top.max(1e-9))?;
        chart.configure_mesh().x_desc("epoch").draw()?;
        for (n, key) in keys.iter().enumerate() {
            let color = Palette99::pick(n).to_rgba();
            chart
                .draw_series(LineSeries::new(
                    evaluated
                        .iter()
                        .map(|r| (r.epoch as f64, r.metrics.as_ref().expect("evaluated")[key])),
                    color,
                ))?
                .label(key.as_str())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], color));
        }
        if !keys.is_empty() {
            chart
                .configure_series_labels()
                .background_style(WHITE.mix(0.8))
                .border_style(BLACK)
                .position(SeriesLabelPosition::LowerRight)
                .draw()?;
        }
        root.present()?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_loss_and_metrics() {
        let log: Vec<EpochRecord> = (1..=4)
            .map(|e| EpochRecord {
                epoch: e,
                loss: 1.0 / e as f64,
                seconds: 0.1,
                metrics: (e % 2 == 0).then(|| [("recall@20".to_string(), 0.1 * e as f64)].into()),
                eval_seconds: None,
            })
            .collect();
        let svg = render(&log, "test run").unwrap();
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("recall@20"));
        assert!(svg.contains("test run"));
    }
}

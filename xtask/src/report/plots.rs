//! Plots of the suite: seconds per epoch of every iterative run, as horizontal bars.

use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::prelude::*;

use super::RunEntry;

/// Draws the training seconds per epoch of each run that has epochs into `path` (SVG).
pub fn epoch_seconds(runs: &[RunEntry], path: &Path) -> Result<()> {
    let bars: Vec<(String, f64)> = runs
        .iter()
        .filter_map(|r| {
            r.seconds_per_epoch
                .map(|s| (format!("{} {} ({})", r.dataset, r.model, r.mode), s))
        })
        .collect();
    if bars.is_empty() {
        return Ok(());
    }
    let svg = render(&bars).map_err(|e| anyhow!("drawing {}: {e}", path.display()))?;
    crate::files::write_atomic(path, &svg)
}

fn render(bars: &[(String, f64)]) -> Result<String, Box<dyn std::error::Error>> {
    let mut svg = String::new();
    {
        let height = 80 + 26 * bars.len() as u32;
        let root = SVGBackend::with_string(&mut svg, (900, height)).into_drawing_area();
        root.fill(&WHITE)?;
        let top = bars.iter().map(|b| b.1).fold(0.0, f64::max) * 1.15;
        let n = bars.len() as u32;
        let mut chart = ChartBuilder::on(&root)
            .caption("training seconds per epoch", ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(35)
            .y_label_area_size(260)
            .build_cartesian_2d(0.0..top.max(1e-6), (0u32..n).into_segmented())?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("seconds")
            .y_labels(bars.len())
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(k) => {
                    bars.get(*k as usize).map_or(String::new(), |b| b.0.clone())
                }
                _ => String::new(),
            })
            .draw()?;
        chart.draw_series(bars.iter().enumerate().map(|(k, (_, s))| {
            let k = k as u32;
            let mut bar = Rectangle::new(
                [
                    (0.0, SegmentValue::Exact(k)),
                    (*s, SegmentValue::Exact(k + 1)),
                ],
                BLUE.mix(0.6).filled(),
            );
            bar.set_margin(3, 3, 0, 0);
            bar
        }))?;
        root.present()?;
    }
    Ok(svg)
}

//! `gnnrec graph stats` and `gnnrec graph export`.

use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use gnnrec_data::Dataset;
use gnnrec_data::fsutil::write_atomic;
use gnnrec_graph::{Csr, GraphStats, ItemGraphSpec, bipartite_adjacency, graph_stats, item_graph};
use plotters::prelude::*;

use crate::cli::{GraphArgs, GraphExportArgs, GraphKind, GraphStatsArgs};
use crate::commands::data;
use crate::output::{Table, csv_field, print_json};

/// A built graph, with what it took to build it.
struct Built {
    data: Dataset,
    adj: Csr,
    label: String,
    seconds: f64,
}

fn build(args: &GraphArgs) -> Result<Built> {
    let (data, split) = data::load(&args.data)?;
    let (nu, ni) = (data.n_users(), data.n_items());
    let t0 = Instant::now();
    let (adj, label) = match args.graph {
        GraphKind::UserItem => (
            bipartite_adjacency(&split.train, nu, ni),
            "user-item".into(),
        ),
        GraphKind::ItemItem => {
            let weight = args.weight;
            let spec = ItemGraphSpec {
                weight,
                min_support: args.min_support,
                top_k: args.topk,
                window_days: args.window,
                tau_days: args.tau,
            };
            let adj = item_graph(&split.train, nu, ni, &spec)
                .with_context(|| format!("building the item graph of `{}`", data.name))?;
            (adj, format!("item-item ({weight:?})"))
        }
    };
    Ok(Built {
        data,
        adj,
        label,
        seconds: t0.elapsed().as_secs_f64(),
    })
}

/// `gnnrec graph stats`.
pub fn stats(args: &GraphStatsArgs) -> Result<()> {
    let b = build(&args.graph)?;
    let t0 = Instant::now();
    let s = graph_stats(&b.adj);
    let stats_seconds = t0.elapsed().as_secs_f64();
    if let Some(path) = &args.plot {
        let svg = degree_plot(&s, &format!("{} graph of {}", b.label, b.data.name))
            .map_err(|e| anyhow!("drawing the plot: {e}"))?;
        write_atomic(path, |w| w.write_all(svg.as_bytes()))
            .with_context(|| format!("writing {}", path.display()))?;
    }
    if args.json {
        return print_json(&serde_json::json!({
            "dataset": b.data.name,
            "graph": b.label,
            "build_seconds": b.seconds,
            "stats_seconds": stats_seconds,
            "stats": s,
        }));
    }
    println!(
        "{} graph of {} (training interactions; built in {:.3}s)\n",
        b.label, b.data.name, b.seconds
    );
    let mut t = Table::new(["", ""]);
    t.row(["nodes".into(), s.nodes.to_string()]);
    t.row(["edges".into(), s.edges.to_string()]);
    t.row(["density".into(), format!("{:.3e}", s.density)]);
    t.row(["isolated nodes".into(), s.isolated.to_string()]);
    t.row(["components".into(), s.components.to_string()]);
    t.row([
        "largest component".into(),
        format!(
            "{} nodes ({:.1}%)",
            s.largest_component,
            100.0 * s.largest_component_share
        ),
    ]);
    let d = &s.degree;
    t.row([
        "degree min/p25/median/p75/p90/p99/max".into(),
        format!(
            "{}/{}/{}/{}/{}/{}/{} (mean {:.1})",
            d.min, d.p25, d.p50, d.p75, d.p90, d.p99, d.max, d.mean
        ),
    ]);
    if let Some(w) = &s.weight {
        t.row([
            "weight min/median/p90/max".into(),
            format!("{:.4}/{:.4}/{:.4}/{:.4}", w.min, w.p50, w.p90, w.max),
        ]);
    }
    t.print();
    if let Some(path) = &args.plot {
        println!("\ndegree distribution drawn to {}", path.display());
    }
    Ok(())
}

/// The degree distribution on log–log axes.
fn degree_plot(s: &GraphStats, title: &str) -> Result<String, Box<dyn std::error::Error>> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 480)).into_drawing_area();
        root.fill(&WHITE)?;
        let max_d = s.degree_histogram.last().map_or(1, |h| h.0).max(2) as f64;
        let max_n = s
            .degree_histogram
            .iter()
            .map(|h| h.1)
            .max()
            .unwrap_or(1)
            .max(2) as f64;
        let mut chart = ChartBuilder::on(&root)
            .caption(title, ("sans-serif", 18))
            .margin(12)
            .x_label_area_size(40)
            .y_label_area_size(55)
            .build_cartesian_2d(
                (1.0..max_d * 1.2).log_scale(),
                (1.0..max_n * 1.2).log_scale(),
            )?;
        chart
            .configure_mesh()
            .x_desc("degree")
            .y_desc("nodes")
            .draw()?;
        chart.draw_series(
            s.degree_histogram
                .iter()
                .map(|&(d, n)| Circle::new((d as f64, n as f64), 2, BLUE.filled())),
        )?;
        root.present()?;
    }
    Ok(svg)
}

/// `gnnrec graph export`: `source,target,weight` with raw ids. The user–item graph lists each
/// training pair once as `user,item,1`; an item–item graph lists every stored (directed) entry.
pub fn export(args: &GraphExportArgs) -> Result<()> {
    let b = build(&args.graph)?;
    let nu = b.data.n_users();
    let user_item = args.graph.graph == GraphKind::UserItem;
    let mut rows = 0usize;
    write_atomic(&args.out, |w| {
        writeln!(w, "source,target,weight")?;
        let last_row = if user_item { nu } else { b.adj.n_rows() };
        for r in 0..last_row {
            let (cols, vals) = b.adj.row(r);
            for (&c, &v) in cols.iter().zip(vals) {
                let (src, dst) = if user_item {
                    (
                        b.data.users.raw(r as u32).to_string(),
                        b.data.items.raw(c - nu as u32).to_string(),
                    )
                } else {
                    (
                        b.data.items.raw(r as u32).to_string(),
                        b.data.items.raw(c).to_string(),
                    )
                };
                writeln!(w, "{},{},{v}", csv_field(&src), csv_field(&dst))?;
                rows += 1;
            }
        }
        Ok(())
    })
    .with_context(|| format!("writing {}", args.out.display()))?;
    println!(
        "wrote {rows} edges of the {} graph of {} to {}",
        b.label,
        b.data.name,
        args.out.display()
    );
    Ok(())
}

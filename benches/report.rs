//! Drawing every chart (PNG and SVG) and `report.html` of the base scenario's report folder
//! (10,000 paths, the scenario's own setting): the target is ≤ 2 s added to a run on the
//! 2-vCPU build machine. Figures are recorded in `benches/README.md`.
//!
//! The folder is made once by the real pipeline (`app::run`) and kept under
//! `target/bench-fixtures/`, so later runs of the benchmark start at once.

use std::path::{Path, PathBuf};

use baitiao_abs::app::{PathCount, RunRequest, run};
use baitiao_abs::report::render_charts_and_html;
use criterion::{Criterion, criterion_group, criterion_main};

/// The base scenario's report folder with its full 10,000 paths.
fn base_report_folder() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let folder = root.join("target/bench-fixtures/report-base-10000");
    if !folder.join("summary.json").is_file() {
        run(&RunRequest {
            scenario: root.join("scenarios/base.toml"),
            paths: Some(PathCount::new(10_000).expect("a valid number of paths")),
            seed: None,
            out: Some(folder.clone()),
            quiet: true,
            lang: None,
            overrides: Vec::new(),
            xlsx: false,
        })
        .unwrap_or_else(|e| panic!("the base run for the benchmark failed: {e}"));
    }
    folder
}

fn render_base(c: &mut Criterion) {
    let folder = base_report_folder();
    let mut group = c.benchmark_group("report");
    group.sample_size(10);
    group.bench_function("charts_and_html_base_10000_paths", |b| {
        b.iter(|| render_charts_and_html(&folder).expect("charts and report.html"))
    });
    group.finish();
}

criterion_group!(benches, render_base);
criterion_main!(benches);

//! `grid` (issue 13, SPEC §7.4) on the base scenario: 5 CDRs × 5 CPRs × 3 recovery rates ×
//! 3 yield haircuts = 225 deterministic runs, with `grid.csv`, `grid.json`, the heatmaps and
//! `grid.html` written into a fresh folder each time. Target ≤ 20 s.

use std::path::Path;

use baitiao_abs::app::grid::{Axis, GridList, GridRequest, grid};
use criterion::{Criterion, criterion_group, criterion_main};

fn grid_5x5x3x3(c: &mut Criterion) {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    let list = |text: &str, axis: Axis| Some(GridList::parse(text, axis).expect("a valid list"));
    let scratch = tempfile::tempdir().expect("a scratch folder");
    let mut group = c.benchmark_group("grid_base_200k");
    group.sample_size(10);
    let mut run = 0;
    group.bench_function("cdr5_cpr5_recovery3_haircut3", |b| {
        b.iter(|| {
            run += 1;
            let request = GridRequest {
                scenario: scenario.clone(),
                cdr: list("0.02,0.05,0.1,0.2,0.3", Axis::Cdr),
                cpr: list("0.05,0.15,0.3,0.45,0.6", Axis::Cpr),
                recovery: list("0,0.1,0.3", Axis::Recovery),
                yield_haircut: list("0,0.2,0.4", Axis::YieldHaircut),
                out: Some(scratch.path().join(format!("grid-{run}"))),
                quiet: true,
                overrides: Vec::new(),
            };
            grid(&request).expect("the grid runs")
        })
    });
    group.finish();
}

criterion_group!(benches, grid_5x5x3x3);
criterion_main!(benches);

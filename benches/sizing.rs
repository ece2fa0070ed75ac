//! Sizing benchmark on the base scenario: the two rated tranches sized on logged Monte Carlo
//! paths (every candidate replays the paths; purchases that differ are re-drawn).
//! Target (issue "Funding capacity, deal sizing"): sizing two rated tranches on the base
//! scenario ≤ 60 s including the Monte Carlo (10,000 paths).

use std::path::Path;

use baitiao_abs::engine::{MonteCarloSettings, run_monte_carlo_logged};
use baitiao_abs::scenario::{self, PoolSource};
use baitiao_abs::sim::Pool;
use baitiao_abs::sim::montecarlo::StochasticPool;
use baitiao_abs::sizing::{SizingPaths, size_deal};
use baitiao_abs::tape;
use criterion::{Criterion, criterion_group, criterion_main};

/// Paths logged: the evaluation cost is linear in paths, so 10,000 paths cost 10× this.
const PATHS: usize = 1000;

fn sizing(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    let scenario = scenario::load(&path).expect("base scenario loads").scenario;
    let PoolSource::Synthetic { receivables, seed } = scenario.pool.source else {
        panic!("the base scenario uses a synthetic pool")
    };
    let tape = tape::generate(receivables, seed);
    let pool = Pool::build(&tape, &scenario, "base").expect("pool builds");
    let deal = &scenario.deal;
    let model = StochasticPool::new(
        &pool,
        &scenario.assumptions,
        deal.horizon_months,
        deal.revolving_months,
    );
    let settings = MonteCarloSettings {
        paths: PATHS,
        seed: scenario.simulation.seed,
        importance_sampling: true,
        tail_targets: Vec::new(),
    };
    let (run, logs) =
        run_monte_carlo_logged(&model, deal, &settings, true, |_| {}).expect("cash is conserved");
    let paths = SizingPaths::from_run(&model, &run, logs);

    let mut group = c.benchmark_group("sizing_base_200k");
    group.sample_size(10);
    group.bench_function("size_two_tranches_1000_paths", |b| {
        b.iter(|| size_deal(&paths, deal).unwrap())
    });
    group.bench_function("evaluate_one_candidate_1000_paths", |b| {
        b.iter(|| paths.evaluate(deal).unwrap())
    });
    group.finish();
}

criterion_group!(benches, sizing);
criterion_main!(benches);

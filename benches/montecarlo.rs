//! Monte Carlo stage benchmarks on the base scenario (196,907 eligible receivables, about
//! 74,000 revolving purchases per path): paths of the stochastic pool through the real
//! waterfall, plain and with importance sampling (pilot included).
//! Target (issue "Monte Carlo throughput"): ≥ 250 M receivable-lives per second on 2 cores.
//!
//! Throughput is in receivable-lives (cut-off receivables plus purchases, × paths), counted
//! once by a calibration run with the same seed, so criterion prints lives/s.

use std::path::Path;

use baitiao_abs::engine::{MonteCarloSettings, run_monte_carlo};
use baitiao_abs::scenario::{self, PoolSource};
use baitiao_abs::sim::Pool;
use baitiao_abs::sim::montecarlo::StochasticPool;
use baitiao_abs::tape;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

/// Paths per iteration: a fraction of a block, enough to keep both cores busy.
const PATHS: usize = 500;

fn monte_carlo(c: &mut Criterion) {
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

    let mut group = c.benchmark_group("montecarlo_base_200k");
    group.sample_size(10);
    for (name, importance_sampling) in [("plain_500_paths", false), ("is_500_paths", true)] {
        let settings = MonteCarloSettings {
            paths: PATHS,
            seed: scenario.simulation.seed,
            importance_sampling,
            tail_targets: Vec::new(),
        };
        // same seed ⇒ same paths ⇒ the same number of lives in every iteration
        let lives = run_monte_carlo(&model, deal, &settings, |_| {})
            .expect("cash is conserved")
            .receivable_lives;
        group.throughput(Throughput::Elements(lives));
        group.bench_function(name, |b| {
            b.iter(|| run_monte_carlo(&model, deal, &settings, |_| {}).unwrap())
        });
    }
    group.finish();
}

criterion_group!(benches, monte_carlo);
criterion_main!(benches);

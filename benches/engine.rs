//! Cash-flow engine benchmarks on the base scenario (200,000 synthetic receivables):
//! building the pool, and the deterministic run (pool + waterfall over 24 months).
//! Target (issue "Deal cash-flow engine"): deterministic run ≤ 1 s.

use std::path::Path;

use baitiao_abs::metrics::run_deterministic;
use baitiao_abs::scenario::{self, PoolSource};
use baitiao_abs::sim::Pool;
use baitiao_abs::tape;
use criterion::{Criterion, criterion_group, criterion_main};

fn base_scenario() -> scenario::Scenario {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    scenario::load(&path).expect("base scenario loads").scenario
}

fn deterministic(c: &mut Criterion) {
    let scenario = base_scenario();
    let PoolSource::Synthetic { receivables, seed } = scenario.pool.source else {
        panic!("the base scenario uses a synthetic pool")
    };
    let tape = tape::generate(receivables, seed);
    let pool = Pool::build(&tape, &scenario, "base").expect("pool builds");

    let mut group = c.benchmark_group("base_200k");
    group.sample_size(10);
    group.bench_function("build_pool", |b| {
        b.iter(|| Pool::build(&tape, &scenario, "base").unwrap())
    });
    group.bench_function("deterministic_run", |b| {
        b.iter(|| {
            run_deterministic(
                &pool,
                &scenario.assumptions,
                &scenario.deterministic,
                &scenario.deal,
            )
            .unwrap()
        })
    });
    group.bench_function("generate_tape_and_deterministic_run", |b| {
        b.iter(|| {
            let tape = tape::generate(receivables, seed);
            let pool = Pool::build(&tape, &scenario, "base").unwrap();
            run_deterministic(
                &pool,
                &scenario.assumptions,
                &scenario.deterministic,
                &scenario.deal,
            )
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, deterministic);
criterion_main!(benches);

//! TDR/BDR sizing and the rating test on the base scenario (issue 13, SPEC §7.3): the two
//! rated tranches sized by target against break-even default rates under the 15 stress
//! scenarios, and every rated tranche tested at every rating. The TDRs come from 1,000
//! importance-sampled paths aimed at the targets' tails (the TDR's paths do not change the
//! work of either: the searches are deterministic runs).
//! Target: TDR/BDR sizing of the two rated tranches ≤ 30 s on top of the run.

use std::path::Path;

use baitiao_abs::engine::{MonteCarloSettings, run_monte_carlo};
use baitiao_abs::scenario::{self, PoolSource};
use baitiao_abs::sim::Pool;
use baitiao_abs::sim::montecarlo::StochasticPool;
use baitiao_abs::sizing::rating_test::{base_case_wal, rating_tests, tail_targets};
use baitiao_abs::sizing::tdr::WeightedDistribution;
use baitiao_abs::sizing::tdr_bdr::size_by_tdr_bdr;
use baitiao_abs::tape;
use criterion::{Criterion, criterion_group, criterion_main};

const PATHS: usize = 1000;

fn tdr_bdr(c: &mut Criterion) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml");
    let scenario = scenario::load(&path).expect("base scenario loads").scenario;
    let PoolSource::Synthetic { receivables, seed } = scenario.pool.source else {
        panic!("the base scenario uses a synthetic pool")
    };
    let tape = tape::generate(receivables, seed);
    let pool = Pool::build(&tape, &scenario, "base").expect("pool builds");
    let deal = &scenario.deal;
    let assumptions = &scenario.assumptions;
    let wal = base_case_wal(&pool, assumptions, deal).expect("cash is conserved");
    let model = StochasticPool::new(
        &pool,
        assumptions,
        deal.horizon_months,
        deal.revolving_months,
    );
    let settings = MonteCarloSettings {
        paths: PATHS,
        seed: scenario.simulation.seed,
        importance_sampling: true,
        tail_targets: tail_targets(deal, &wal),
    };
    let run = run_monte_carlo(&model, deal, &settings, |_| {}).expect("cash is conserved");
    let rates: Vec<f64> = run
        .paths
        .iter()
        .map(|p| p.cumulative_default_rate)
        .collect();
    let distribution = WeightedDistribution::new(&rates, &run.weights());

    let mut group = c.benchmark_group("tdr_bdr_base_200k");
    group.sample_size(10);
    group.bench_function("size_two_tranches", |b| {
        b.iter(|| size_by_tdr_bdr(&pool, assumptions, deal, &distribution).unwrap())
    });
    group.bench_function("rating_tests_two_tranches_8_categories", |b| {
        b.iter(|| rating_tests(&pool, assumptions, deal, &distribution, &wal).unwrap())
    });
    group.finish();
}

criterion_group!(benches, tdr_bdr);
criterion_main!(benches);

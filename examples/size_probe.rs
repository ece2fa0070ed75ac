//! Times sizing on a scenario: `cargo run --release --example size_probe -- scenarios/base.toml 2000`.
use std::time::Instant;

use baitiao_abs::engine::MonteCarloSettings;
use baitiao_abs::scenario::{self, PoolSource};
use baitiao_abs::sim::Pool;
use baitiao_abs::sim::montecarlo::StochasticPool;
use baitiao_abs::sizing::breakeven::breakevens;
use baitiao_abs::sizing::{SizingPaths, size_deal};
use baitiao_abs::tape;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).map_or("scenarios/base.toml", String::as_str);
    let paths: usize = args.get(2).map_or(2000, |p| p.parse().unwrap());
    let scenario = scenario::load(path.as_ref()).unwrap().scenario;
    let receivables = match &scenario.pool.source {
        PoolSource::Synthetic { receivables, seed } => tape::generate(*receivables, *seed),
        PoolSource::Tape(p) => tape::read_tape(p).unwrap().receivables,
    };
    let pool = Pool::build(&receivables, &scenario, "probe").unwrap();
    let deal = &scenario.deal;
    let model = StochasticPool::new(
        &pool,
        &scenario.assumptions,
        deal.horizon_months,
        deal.revolving_months,
    );
    let settings = MonteCarloSettings {
        paths,
        seed: scenario.simulation.seed,
        importance_sampling: scenario.simulation.importance_sampling,
        tail_targets: Vec::new(),
    };
    let t0 = Instant::now();
    let recorded = SizingPaths::record(&model, deal, &settings).unwrap();
    let t1 = Instant::now();
    let result = size_deal(&recorded, deal).unwrap();
    let t2 = Instant::now();
    println!(
        "record {:.2}s size {:.2}s evaluations {} differing {}",
        (t1 - t0).as_secs_f64(),
        (t2 - t1).as_secs_f64(),
        result.evaluations,
        result.differing_paths
    );
    for t in &result.tranches {
        println!(
            "{:>4} share {:.4} CE {:.4} EL {:.3e} ± {:.1e} WAL {:?} target {:?} feasible {}",
            t.tranche, t.share, t.credit_enhancement, t.el, t.el_se, t.wal, t.target_el, t.feasible
        );
    }
    println!(
        "funding capacity {:.0} advance rate {:.4}",
        result.funding_capacity, result.advance_rate
    );
    let t3 = Instant::now();
    let b = breakevens(&pool, &scenario.assumptions, &scenario.deterministic, deal).unwrap();
    println!("breakevens {:?} in {:.2}s", b, t3.elapsed().as_secs_f64());
}

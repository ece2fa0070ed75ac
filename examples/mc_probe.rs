//! Times the Monte Carlo stage on a scenario: `cargo run --release --example mc_probe -- scenarios/base.toml 2000`.
use std::time::Instant;

use baitiao_abs::engine::{MonteCarloSettings, run_monte_carlo};
use baitiao_abs::metrics::summary::summarize;
use baitiao_abs::scenario::{self, PoolSource};
use baitiao_abs::sim::Pool;
use baitiao_abs::sim::montecarlo::StochasticPool;
use baitiao_abs::tape;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).map_or("scenarios/base.toml", String::as_str);
    let paths: usize = args.get(2).map_or(2000, |p| p.parse().unwrap());
    let is = args.get(3).is_none_or(|v| v != "plain");
    let scenario = scenario::load(path.as_ref()).unwrap().scenario;
    let receivables = match &scenario.pool.source {
        PoolSource::Synthetic { receivables, seed } => tape::generate(*receivables, *seed),
        PoolSource::Tape(p) => tape::read_tape(p).unwrap().receivables,
    };
    let pool = Pool::build(&receivables, &scenario, "probe").unwrap();
    let t0 = Instant::now();
    let model = StochasticPool::new(
        &pool,
        &scenario.assumptions,
        scenario.deal.horizon_months,
        scenario.deal.revolving_months,
    );
    let t1 = Instant::now();
    let settings = MonteCarloSettings {
        paths,
        seed: scenario.simulation.seed,
        importance_sampling: is,
        tail_targets: Vec::new(),
    };
    if std::env::var("DEBUG_PATH").is_ok() {
        debug_path(&model, &scenario.deal);
        return;
    }
    let run = run_monte_carlo(&model, &scenario.deal, &settings, |_| {}).unwrap();
    let t2 = Instant::now();
    let summary = summarize(&run, &scenario.deal);
    let secs = (t2 - t1).as_secs_f64();
    println!(
        "setup {:.3}s, mc {:.3}s, lives {} ({:.1} per path), {:.1} M lives/s",
        (t1 - t0).as_secs_f64(),
        secs,
        run.receivable_lives,
        run.receivable_lives as f64 / paths as f64,
        run.receivable_lives as f64 / secs / 1e6
    );
    println!(
        "shifts {:?} sampling {:?}",
        run.tail_shifts, summary.sampling_shifts
    );
    println!(
        "pool default mean {:.5} net loss mean {:.5} se {:.2e} var99 {:.4}",
        summary.pool_default.mean,
        summary.pool_net_loss.mean,
        summary.pool_net_loss.standard_error,
        summary.pool_net_loss.var[1]
    );
    for t in &summary.tranches {
        println!(
            "{:>4} EL {:.3e} se {:.2e} (rse {:.1}%) pd {:.3e} wal {:?} yield {:?} implied {:?} target_el {:?}",
            t.tranche,
            t.loss.mean,
            t.loss.standard_error,
            100.0 * t.loss.standard_error / t.loss.mean,
            t.loss.probability_of_loss,
            t.wal_years,
            t.annual_yield,
            t.implied_rating,
            t.target_el
        );
    }
    for t in &summary.triggers {
        println!("{} p={:.4}", t.trigger, t.probability);
    }
    println!("call p {:.4}", summary.call_probability);
}

#[allow(dead_code)]
fn debug_path(model: &StochasticPool, deal: &baitiao_abs::scenario::Deal) {
    use baitiao_abs::engine::FactorSampling;
    baitiao_abs::engine::replay_path(model, deal, 1, 0, &FactorSampling::plain(1), |r| {
        println!("m{} begin {:.0} def {:.0} sched {:.0} prep {:.0} end {:.0} purch {:.0} endafter {:.0} poolbal {:.3} rev {}", r.month, r.pool.begin_balance, r.pool.defaults, r.pool.scheduled_principal, r.pool.prepayments, r.pool.end_balance, r.purchases, r.end_balance, r.metrics.pool_balance, r.revolving);
    }).unwrap();
}

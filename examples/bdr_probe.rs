//! Measures the break-even search on a scenario's pool and on its representative lines:
//! `cargo run --release --example bdr_probe -- scenarios/base.toml`. Prints the number of
//! lines, the time of one stressed deterministic run on each, and for every scenario of the
//! AAA category the level found on the lines against the level found on the pool.
use std::time::Instant;

use baitiao_abs::scenario::{self, PoolSource};
use baitiao_abs::sim::Pool;
use baitiao_abs::sizing::bdr::{StressCase, break_evens};
use baitiao_abs::sizing::rating_test::LINE_PD_RATIO;
use baitiao_abs::tape;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = args.get(1).map_or("scenarios/base.toml", String::as_str);
    let category = args.get(2).map_or("Aaa", String::as_str);
    let scenario = scenario::load(path.as_ref()).unwrap().scenario;
    let receivables = match &scenario.pool.source {
        PoolSource::Synthetic { receivables, seed } => tape::generate(*receivables, *seed),
        PoolSource::Tape(p) => tape::read_tape(p).unwrap().receivables,
    };
    let pool = Pool::build(&receivables, &scenario, "probe").unwrap();
    let deal = &scenario.deal;
    let t = Instant::now();
    let ratio: f64 = std::env::var("RATIO").map_or(LINE_PD_RATIO, |r| r.parse().unwrap());
    let lines = pool.representative_lines(ratio);
    println!(
        "{} receivables, {} lines ({} templates -> {}) in {:.1} ms",
        pool.assets.len(),
        lines.assets.len(),
        pool.templates.len(),
        lines.templates.len(),
        t.elapsed().as_secs_f64() * 1e3
    );
    let table = &deal.stress_table;
    let levels = table.levels(category).unwrap();
    for s in 0..table.scenarios.len() {
        let case = StressCase::new(&scenario.assumptions, deal, table, levels, s);
        let (lp, ll) = (case.layout(&pool), case.layout(&lines));
        let t = Instant::now();
        case.run(&pool, &lp, deal, 10.0).unwrap();
        let on_pool = t.elapsed().as_secs_f64() * 1e3;
        let t = Instant::now();
        case.run(&lines, &ll, deal, 10.0).unwrap();
        let on_lines = t.elapsed().as_secs_f64() * 1e3;
        let exact = break_evens(&pool, deal, &case, deal.rated_count()).unwrap();
        let approx = break_evens(&lines, deal, &case, deal.rated_count()).unwrap();
        let compare: Vec<String> = exact
            .iter()
            .zip(&approx)
            .map(|(e, a)| match (e.level, a.level) {
                (Some(e), Some(a)) => format!("k {e:.5} lines {a:.5} ({:+.2e})", a / e - 1.0),
                _ => "-".into(),
            })
            .collect();
        println!(
            "{:<48} run {on_pool:.1} ms, on lines {on_lines:.2} ms; {}",
            table.scenarios[s].name,
            compare.join("; ")
        );
    }
}

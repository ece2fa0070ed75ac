//! The pool of issue 11 item 17: 50,000 level-pay annuities of distinct balances, 24 months
//! remaining at 15 %, monthly PD 0.003, ρ = 0.2, SMM 0.03, LGD 0.85, no revolving — the
//! numpy peer's default model (`benches/fixtures/annuity_50k.toml` says what is matched).
//! Stages of `run` on it: preparing the pool from the tape, the deterministic run, the
//! breakevens, the Monte Carlo, sizing on logged paths, and the whole `run` (all files,
//! charts, report) with 16 paths. Figures and the whole-process comparison with the peer are in
//! `benches/README.md`.
//!
//! `cargo bench --bench annuity_50k -- --write-tape` only writes the tape
//! (`benches/fixtures/annuity_50k.csv`, deterministic) and exits; the benchmark writes it
//! too when it is missing.

use std::path::{Path, PathBuf};

use baitiao_abs::app::{PathCount, RunRequest, prepare, run};
use baitiao_abs::engine::{MonteCarloSettings, run_monte_carlo, run_monte_carlo_logged};
use baitiao_abs::metrics::run_deterministic;
use baitiao_abs::rng::{GOLDEN_GAMMA, splitmix64};
use baitiao_abs::sim::montecarlo::StochasticPool;
use baitiao_abs::sizing::breakeven::breakevens;
use baitiao_abs::sizing::{SizingPaths, size_deal};
use baitiao_abs::tape::{self, Product, Receivable};
use criterion::{Criterion, Throughput, criterion_group};

/// Receivables in the pool.
const RECEIVABLES: usize = 50_000;
/// Term and months remaining (the peer's `--T 24`).
const MONTHS: u32 = 24;
/// Annual nominal rate of every annuity (the peer's `--rate 0.15`).
const ANNUAL_RATE: f64 = 0.15;
/// `1 − (1 − 0.003)^12`: the peer's monthly PD 0.003 as a 12-month PD.
const PD_12M: f64 = 0.035_411_900_096_784_19;
/// Median balance, CNY; balances are lognormal with σ = 0.8 like the peer's `--hetero`.
const MEDIAN_BALANCE: f64 = 10_000.0;
const BALANCE_SIGMA: f64 = 0.8;
/// Seed of the balances.
const TAPE_SEED: u64 = 17;
/// Paths of the Monte Carlo benchmark (a tenth of the scenario's 10,000).
const MC_PATHS: usize = 1_000;
/// Paths of the whole-`run` benchmark (the issue's `run --paths 16`).
const RUN_PATHS: usize = 16;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/fixtures")
}

fn scenario_path() -> PathBuf {
    fixtures().join("annuity_50k.toml")
}

/// A uniform in [0, 1) from the `index`-th output of SplitMix64 seeded with `seed`.
fn uniform(seed: u64, index: u64) -> f64 {
    (splitmix64(seed.wrapping_add(index.wrapping_mul(GOLDEN_GAMMA))) >> 11) as f64
        * (1.0 / (1u64 << 53) as f64)
}

/// The tape: balances `MEDIAN_BALANCE × exp(σ·N(0,1))` (Box–Muller on SplitMix64), in
/// cents, moved up a cent at a time until every balance is distinct.
fn annuity_tape() -> Vec<Receivable> {
    let mut used = std::collections::HashSet::with_capacity(RECEIVABLES);
    (0..RECEIVABLES)
        .map(|i| {
            let u1 = 1.0 - uniform(TAPE_SEED, 2 * i as u64);
            let u2 = uniform(TAPE_SEED, 2 * i as u64 + 1);
            let normal = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
            let mut cents =
                (MEDIAN_BALANCE * (BALANCE_SIGMA * normal).exp() * 100.0).round() as u64;
            cents = cents.max(100);
            while !used.insert(cents) {
                cents += 1;
            }
            let balance = cents as f64 / 100.0;
            Receivable {
                id: format!("AN{:06}", i + 1),
                product: Product::Annuity,
                balance,
                original_principal: balance,
                term_months: MONTHS,
                remaining_months: MONTHS,
                rate: ANNUAL_RATE,
                score: None,
                pd_12m: Some(PD_12M),
                segment: tape::DEFAULT_SEGMENT.to_owned(),
                days_past_due: 0,
            }
        })
        .collect()
}

/// Writes the tape beside the scenario (always, so a changed generator rewrites it).
fn write_tape() -> PathBuf {
    let path = fixtures().join("annuity_50k.csv");
    tape::write_tape(&path, &annuity_tape()).expect("the fixture tape is written");
    path
}

fn stages(c: &mut Criterion) {
    let scenario_path = scenario_path();
    let prepared = prepare(&scenario_path).expect("the annuity_50k scenario prepares");
    let scenario = &prepared.scenario;
    let deal = &scenario.deal;
    let pool = &prepared.pool;

    let mut group = c.benchmark_group("annuity_50k");
    group.sample_size(10);
    group.bench_function("prepare_tape_and_pool", |b| {
        b.iter(|| prepare(&scenario_path).unwrap())
    });
    group.bench_function("deterministic_run", |b| {
        b.iter(|| {
            run_deterministic(pool, &scenario.assumptions, &scenario.deterministic, deal).unwrap()
        })
    });
    group.bench_function("breakevens", |b| {
        b.iter(|| breakevens(pool, &scenario.assumptions, &scenario.deterministic, deal).unwrap())
    });

    let model = StochasticPool::new(
        pool,
        &scenario.assumptions,
        deal.horizon_months,
        deal.revolving_months,
    );
    let settings = MonteCarloSettings {
        paths: MC_PATHS,
        seed: scenario.simulation.seed,
        importance_sampling: scenario.simulation.importance_sampling,
        tail_targets: Vec::new(),
    };
    let lives = run_monte_carlo(&model, deal, &settings, |_| {})
        .expect("cash is conserved")
        .receivable_lives;
    group.throughput(Throughput::Elements(lives));
    group.bench_function("monte_carlo_1000_paths", |b| {
        b.iter(|| run_monte_carlo(&model, deal, &settings, |_| {}).unwrap())
    });
    group.finish();

    // sizing replays the logged paths through each candidate structure's waterfall
    let (run_1000, logs) =
        run_monte_carlo_logged(&model, deal, &settings, true, |_| {}).expect("cash is conserved");
    let sizing_paths = SizingPaths::from_run(&model, &run_1000, logs);
    let mut group = c.benchmark_group("annuity_50k_sizing");
    group.sample_size(10);
    group.bench_function("size_deal_1000_paths", |b| {
        b.iter(|| size_deal(&sizing_paths, deal).unwrap())
    });
    group.finish();

    let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-fixtures/annuity_50k-16");
    let mut group = c.benchmark_group("annuity_50k_run");
    group.sample_size(10);
    group.bench_function("run_16_paths", |b| {
        b.iter(|| {
            run(&RunRequest {
                scenario: scenario_path.clone(),
                paths: Some(PathCount::new(RUN_PATHS).expect("a valid number of paths")),
                seed: None,
                out: Some(out.clone()),
                quiet: true,
                lang: None,
                overrides: Vec::new(),
                xlsx: false,
            })
            .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, stages);

fn main() {
    let written = write_tape();
    if std::env::args().any(|arg| arg == "--write-tape") {
        println!("wrote {}", written.display());
        return;
    }
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
}

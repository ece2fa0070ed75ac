//! One grid point of the approval-policy frontier (SPEC §7.2) on 20,000 synthetic applicants
//! under `scenarios/base.toml`: decide, originate, Monte Carlo for the pool EL and sizing,
//! 200 paths. A whole default frontier is 30 such points on ten times the applicants with
//! 1,000 paths; its end-to-end figure is in `benches/README.md`.

use std::hint::black_box;
use std::path::Path;

use baitiao_abs::credit::origination::OriginationMix;
use baitiao_abs::credit::{Policy, Scorecard, generate_applicants};
use baitiao_abs::engine::MonteCarloSettings;
use baitiao_abs::sizing::frontier::{FrontierInputs, evaluate_point};
use criterion::{Criterion, criterion_group, criterion_main};

const APPLICANTS: usize = 20_000;
const PATHS: usize = 200;

fn one_grid_point(c: &mut Criterion) {
    let scenario = baitiao_abs::scenario::load(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/base.toml"),
    )
    .expect("the base scenario")
    .scenario;
    let applicants = generate_applicants(APPLICANTS, 7, false);
    let scorecard = Scorecard::built_in();
    let policy = Policy::built_in();
    let mix = OriginationMix::from_receivables(&baitiao_abs::tape::synthetic::generate(20_000, 7))
        .expect("a mix");
    let inputs = FrontierInputs {
        applicants: &applicants,
        scorecard: &scorecard,
        base_policy: &policy,
        mix: &mix,
        assumptions: &scenario.assumptions,
        deal: &scenario.deal,
        monte_carlo: MonteCarloSettings {
            paths: PATHS,
            seed: scenario.simulation.seed,
            importance_sampling: true,
            tail_targets: Vec::new(),
        },
        origination_seed: scenario.simulation.seed,
    };
    let mut group = c.benchmark_group("frontier");
    group.sample_size(10);
    group.bench_function("one_point_20k_applicants_200_paths", |b| {
        b.iter(|| {
            let point = evaluate_point(black_box(&inputs), 600.0, 1.0).expect("a point");
            assert!(point.receivables > 0);
            point
        })
    });
    group.finish();
}

criterion_group!(benches, one_grid_point);
criterion_main!(benches);

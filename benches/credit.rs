//! `decide` on 1,000,000 synthetic applicants (SPEC §3): the target is ≤ 2 s release on the
//! 2-vCPU build machine, in memory and file to file. Figures are recorded in
//! `benches/README.md`.

use std::hint::black_box;

use baitiao_abs::credit::{
    Policy, Scorecard, decide_all, decide_file, generate_applicants, write_applicants,
};
use baitiao_abs::i18n::Lang;
use criterion::{Criterion, criterion_group, criterion_main};

const APPLICANTS: usize = 1_000_000;

fn decide_one_million(c: &mut Criterion) {
    let applicants = generate_applicants(APPLICANTS, 7, false);
    let dir = tempfile::tempdir().expect("temporary folder");
    let input = dir.path().join("applicants-1m.csv");
    let output = dir.path().join("decisions-1m.csv");
    write_applicants(&input, &applicants).expect("write the benchmark applicants");
    let model = Scorecard::built_in();
    let policy = Policy::built_in();

    let mut group = c.benchmark_group("credit");
    group.sample_size(10);
    group.bench_function("decide_1m_in_memory", |b| {
        b.iter(|| {
            let decisions = decide_all(black_box(&applicants), &model, &policy);
            assert_eq!(decisions.len(), APPLICANTS);
            decisions
        })
    });
    group.bench_function("decide_file_1m", |b| {
        b.iter(|| {
            let summary = decide_file(black_box(&input), &model, &policy, Lang::En, &output)
                .expect("valid applicants");
            assert_eq!(summary.applicants, APPLICANTS);
            summary
        })
    });
    group.finish();
}

criterion_group!(benches, decide_one_million);
criterion_main!(benches);

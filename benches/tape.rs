//! Reading a one-million-receivable tape (SPEC §2.1): the reader's speed target is ≤ 3 s
//! release on the 2-vCPU build machine. Figures are recorded in `benches/README.md`.

use std::hint::black_box;

use baitiao_abs::tape::{generate, read_tape, write_tape};
use criterion::{Criterion, criterion_group, criterion_main};

const RECEIVABLES: usize = 1_000_000;

fn read_one_million(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temporary folder");
    let path = dir.path().join("tape-1m.csv");
    write_tape(&path, &generate(RECEIVABLES, 7)).expect("write the benchmark tape");

    let mut group = c.benchmark_group("tape");
    group.sample_size(10);
    group.bench_function("read_tape_1m", |b| {
        b.iter(|| {
            let tape = read_tape(black_box(&path)).expect("valid tape");
            assert_eq!(tape.receivables.len(), RECEIVABLES);
            tape
        })
    });
    group.finish();
}

criterion_group!(benches, read_one_million);
criterion_main!(benches);

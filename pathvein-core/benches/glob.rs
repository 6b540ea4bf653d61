//! Criterion benchmarks of glob matching: the byte fast path (`*.csv`), the character matcher
//! (`[!a]?_*.csv`) and a non-UTF-8 name, against `globset` on the same globs.
#![allow(
    missing_docs,
    clippy::expect_used,
    reason = "benchmark setup: a failure aborts the run"
)]

use std::ffi::OsStr;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pathvein_core::{Dialect, Glob};

fn names() -> Vec<Vec<u8>> {
    (0..1000)
        .map(|i| match i % 4 {
            0 => format!("data_{i}.csv").into_bytes(),
            1 => format!("b{i}_part.csv").into_bytes(),
            2 => format!("notes_{i}.txt").into_bytes(),
            _ => [b"bad\xff".as_slice(), format!("{i}.csv").as_bytes()].concat(),
        })
        .collect()
}

fn bench_glob(c: &mut Criterion) {
    let names = names();
    let names: Vec<&OsStr> = names
        .iter()
        .map(|n| <OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(n))
        .collect();
    let mut group = c.benchmark_group("glob_match");
    group.throughput(Throughput::Elements(names.len() as u64));
    for glob in ["*.csv", "[!a]?*_*.csv"] {
        let ours = Glob::new(glob, Dialect::Fnmatch).expect("glob");
        group.bench_function(format!("fnmatch_{glob}_x1000"), |b| {
            b.iter(|| names.iter().filter(|n| ours.is_match(n)).count());
        });
        let gs = globset::GlobBuilder::new(&glob.replace('!', "^"))
            .build()
            .expect("globset")
            .compile_matcher();
        group.bench_function(format!("globset_{glob}_x1000"), |b| {
            b.iter(|| {
                names
                    .iter()
                    .filter(|n| gs.is_match(std::path::Path::new(n)))
                    .count()
            });
        });
    }
    group.finish();
}

criterion_group!(benches, bench_glob);
criterion_main!(benches);

//! Criterion benchmarks of `scan` over a generated tree (1,111 directories, 10,000 files, in a
//! temporary directory), with one thread and with all cores.
#![allow(
    missing_docs,
    clippy::expect_used,
    reason = "benchmark setup: a failure aborts the run"
)]

use std::path::Path;

use criterion::{Criterion, criterion_group, criterion_main};
use pathvein_core::{FileStructurePattern, ScanOptions, Scanner};

/// `g{0..9}/s{0..9}/{exp_000..005,run_000..003}/` with 10 files each, `raw/` (10 files) in `exp_*`.
fn make_tree(root: &Path) -> std::io::Result<()> {
    for g in 0..10 {
        for s in 0..10 {
            for k in 0..10 {
                let leaf = if k < 6 {
                    format!("exp_{k:03}")
                } else {
                    format!("run_{:03}", k - 6)
                };
                let leaf = root.join(format!("g{g:02}/s{s:02}/{leaf}"));
                std::fs::create_dir_all(&leaf)?;
                for f in 0..10 {
                    let name = match f {
                        0 if k % 2 == 0 => "data.csv".to_owned(),
                        1 => "meta.json".to_owned(),
                        _ => format!("part_{f}.txt"),
                    };
                    std::fs::write(leaf.join(name), "")?;
                }
                if k < 6 {
                    std::fs::create_dir(leaf.join("raw"))?;
                    for f in 0..10 {
                        std::fs::write(leaf.join(format!("raw/r{f}.parquet")), "")?;
                    }
                }
            }
        }
    }
    Ok(())
}

fn nested() -> FileStructurePattern {
    let raw = FileStructurePattern::builder()
        .directory_name("raw")
        .file("*.parquet")
        .build();
    FileStructurePattern::builder()
        .directory_name("exp_*")
        .file("*.csv")
        .optional_file("meta.json")
        .directory(raw)
        .build()
}

fn bench_scan(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    make_tree(dir.path()).expect("generate tree");
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("scan");
    group.sample_size(20);
    for (name, patterns) in [
        ("nested", vec![nested()]),
        ("all", vec![FileStructurePattern::default()]),
    ] {
        for threads in [1, cores] {
            let scanner =
                Scanner::new(&patterns, ScanOptions::new().threads(threads)).expect("compile");
            group.bench_function(format!("tree_1k_dirs_{name}_x{threads}"), |b| {
                b.iter(|| scanner.scan(dir.path()).expect("scan").matches.len());
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench_scan);
criterion_main!(benches);

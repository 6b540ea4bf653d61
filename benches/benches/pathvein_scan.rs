//! pathvein-core's `scan` side by side with PyPI pathvein 0.9.0 (in-process scan time, in a
//! long-lived Python process, after clearing its listing cache) and with a bare `ignore` walk
//! that matches nothing (the walk floor), on a generated tree on tmpfs.
//!
//! ```text
//! cargo bench -p benches --bench pathvein_scan
//! PATHVEIN_BENCH_SCALE=10 PATHVEIN_BENCH_ROUNDS=5 cargo bench -p benches --bench pathvein_scan
//! ```
//!
//! Scale 1 is 10,111 directories / 100,000 files; scale 10 is 101,101 / 1,000,000. The Python
//! contender needs `$PYTHON_ORACLE` (or the workspace `.venv`) with pathvein==0.9.0; without it
//! that row is left out and said so.
#![allow(
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark setup: a failure aborts the run"
)]

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use benches::Contest;
use pathvein_core::{FileStructurePattern, ScanOptions, Scanner};

const NESTED: &str = r#"{"directory_name": "exp_*", "files": ["*.csv"], "directories": ["{\"directory_name\": \"raw\", \"files\": [\"*.parquet\"], \"directories\": [], \"optional_files\": [], \"optional_directories\": []}"], "optional_files": ["meta.json"], "optional_directories": []}"#;

/// `g{00..}/s{00..09}/{exp_000..039,run_000..019}/` with 10 files, and `raw/` with 10 files in
/// every `exp_*` leaf: 1 + 10,110 directories and 100,000 files per unit of scale.
fn make_tree(root: &Path, scale: usize) {
    if root.join(".complete").exists() {
        return;
    }
    let _ = std::fs::remove_dir_all(root);
    for g in 0..10 * scale {
        for s in 0..10 {
            for k in 0..60 {
                let leaf = if k < 40 {
                    format!("exp_{k:03}")
                } else {
                    format!("run_{:03}", k - 40)
                };
                let leaf = root.join(format!("g{g:02}/s{s:02}/{leaf}"));
                std::fs::create_dir_all(&leaf).unwrap();
                for f in 0..10 {
                    let name = match f {
                        0 if k % 2 == 0 => "data.csv".to_owned(),
                        1 => "meta.json".to_owned(),
                        _ => format!("part_{f}.txt"),
                    };
                    std::fs::write(leaf.join(name), "").unwrap();
                }
                if k < 40 {
                    std::fs::create_dir(leaf.join("raw")).unwrap();
                    for f in 0..10 {
                        std::fs::write(leaf.join(format!("raw/r{f}.parquet")), "").unwrap();
                    }
                }
            }
        }
    }
    std::fs::write(root.join(".complete"), "").unwrap();
}

fn python() -> Option<PathBuf> {
    std::env::var_os("PYTHON_ORACLE")
        .map(PathBuf::from)
        .or_else(|| {
            let venv = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python"));
            venv.exists().then(|| venv.to_owned())
        })
}

const PY_SERVER: &str = r#"
import sys, time, resource
from pathlib import Path
from pathvein import FileStructurePattern, scan
import pathvein._path_utils as pu
pat = FileStructurePattern.from_json(sys.argv[2])
root = Path(sys.argv[1])
for line in sys.stdin:
    pu.iterdir.cache_clear()
    t = time.perf_counter()
    n = len(scan(root, [pat]))
    print(time.perf_counter() - t, n, flush=True)
"#;

fn main() {
    let scale: usize = std::env::var("PATHVEIN_BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let rounds: usize = std::env::var("PATHVEIN_BENCH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(15);
    let base = if Path::new("/dev/shm").is_dir() {
        PathBuf::from("/dev/shm")
    } else {
        std::env::temp_dir()
    };
    let root = base.join(format!("pathvein-bench-x{scale}"));
    make_tree(&root, scale);
    let cores = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(12);
    let patterns = [FileStructurePattern::from_json(NESTED).unwrap()];
    let expected = 2000 * scale;

    let parallel = Scanner::new(&patterns, ScanOptions::new().threads(cores)).unwrap();
    let single = Scanner::new(&patterns, ScanOptions::new().threads(1)).unwrap();
    let mut contest = Contest::new(format!("scan_nested_{}k_files", 100 * scale), rounds);
    contest.contender(format!("pathvein-core scan, {cores} threads"), || {
        let t = Instant::now();
        let n = parallel.scan(&root).unwrap().matches.len();
        assert_eq!(n, expected);
        t.elapsed()
    });
    contest.contender("pathvein-core scan, 1 thread", || {
        let t = Instant::now();
        assert_eq!(single.scan(&root).unwrap().matches.len(), expected);
        t.elapsed()
    });
    contest.contender(
        format!("ignore WalkParallel (count only), {cores} threads"),
        || {
            let t = Instant::now();
            let count = AtomicUsize::new(0);
            ignore::WalkBuilder::new(&root)
                .standard_filters(false)
                .threads(cores)
                .build_parallel()
                .run(|| {
                    Box::new(|entry| {
                        if entry.is_ok() {
                            count.fetch_add(1, Ordering::Relaxed);
                        }
                        ignore::WalkState::Continue
                    })
                });
            assert!(count.load(Ordering::Relaxed) > 110_000 * scale);
            t.elapsed()
        },
    );
    contest.contender("ignore Walk (count only), 1 thread", || {
        let t = Instant::now();
        let n = ignore::WalkBuilder::new(&root)
            .standard_filters(false)
            .build()
            .filter(Result::is_ok)
            .count();
        assert!(n > 110_000 * scale);
        t.elapsed()
    });
    let mut py = python().map(|python| {
        Command::new(python)
            .args(["-c", PY_SERVER, root.to_str().unwrap(), NESTED])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start pathvein")
    });
    if let Some(child) = py.as_mut() {
        let mut stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        contest.contender("pathvein 0.9.0 scan (Python, in-process)", move || {
            writeln!(stdin, "go").unwrap();
            let mut line = String::new();
            stdout.read_line(&mut line).unwrap();
            let mut parts = line.split_whitespace();
            let secs: f64 = parts.next().unwrap().parse().unwrap();
            assert_eq!(parts.next().unwrap().parse::<usize>().unwrap(), expected);
            Duration::from_secs_f64(secs)
        });
    } else {
        println!("pathvein 0.9.0 left out: set PYTHON_ORACLE to a python with pathvein==0.9.0");
    }
    let report = contest.run();
    println!(
        "tree: {root:?}, {} directories, {} files; {cores} threads",
        1 + 10_110 * scale,
        100_000 * scale
    );
    println!("{}", report.to_markdown());
    if let Some(mut child) = py {
        let _ = child.kill();
        let _ = child.wait();
    }
}

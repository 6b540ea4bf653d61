//! The `pathvein` example against the real `pathvein` 0.9.0 command line (from the Python
//! oracle): same lines (pathvein prints in set order, so lines are compared sorted per block),
//! same exit statuses, and one-line errors without a backtrace.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The example binary: `cargo test` and nextest build a package's examples before running its
/// integration tests, next to the test executable's directory.
fn example() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let bin = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/pathvein");
    assert!(
        bin.exists(),
        "{} is missing: run `cargo build -p examples --example pathvein`",
        bin.display()
    );
    bin
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("PYTHON_ORACLE") {
        return PathBuf::from(p);
    }
    let venv = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python"));
    assert!(
        venv.exists(),
        "no Python oracle: set PYTHON_ORACLE or run scripts/test.sh"
    );
    venv.to_owned()
}

fn ours(args: &[&str]) -> Output {
    Command::new(example()).args(args).output().unwrap()
}

fn theirs(args: &[&str]) -> Output {
    Command::new(python())
        .args([
            "-c",
            "import sys; from pathvein.cli import main; sys.argv[0] = 'pathvein'; main()",
        ])
        .args(args)
        .output()
        .unwrap()
}

fn sorted_lines(out: &Output) -> Vec<String> {
    let mut lines: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    lines.sort();
    lines
}

struct Tree {
    _dir: tempfile::TempDir,
    base: PathBuf,
    pattern: String,
}

fn tree() -> Tree {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(dir.path()).unwrap();
    for exp in ["g1/exp_001", "g1/exp_002", "g2/exp_003", "g2/run_004"] {
        std::fs::create_dir_all(base.join("src").join(exp).join("raw")).unwrap();
        std::fs::write(base.join("src").join(exp).join("data.csv"), exp).unwrap();
        std::fs::write(base.join("src").join(exp).join("raw/r.parquet"), exp).unwrap();
    }
    let pattern = base.join("p.json");
    std::fs::write(
        &pattern,
        r#"{"directory_name": "exp_*", "files": ["*.csv"], "directories": ["{\"directory_name\": \"raw\", \"files\": [\"*.parquet\"]}"]}"#,
    )
    .unwrap();
    std::fs::write(base.join("any.json"), r#"{"directory_name": "raw"}"#).unwrap();
    Tree {
        pattern: pattern.to_string_lossy().into_owned(),
        base,
        _dir: dir,
    }
}

#[test]
fn scan_prints_the_same_paths_as_pathvein() {
    let t = tree();
    let src = t.base.join("src");
    let any = t.base.join("any.json");
    let args = [
        "scan",
        src.to_str().unwrap(),
        "-p",
        &t.pattern,
        "-p",
        any.to_str().unwrap(),
        "-p",
        &t.pattern,
    ];
    let (a, b) = (ours(&args), theirs(&args));
    assert!(a.status.success() && b.status.success(), "{a:?} {b:?}");
    assert_eq!(sorted_lines(&a), sorted_lines(&b));
    assert_eq!(sorted_lines(&a).len(), 7);
}

#[test]
fn shuffle_prints_pathvein_messages_and_copies_the_same() {
    let t = tree();
    let src = t.base.join("src");
    for dryrun in [true, false] {
        let (d1, d2) = (
            t.base.join(format!("ours{dryrun}")),
            t.base.join(format!("theirs{dryrun}")),
        );
        let mut a_args = vec![
            "shuffle",
            src.to_str().unwrap(),
            d1.to_str().unwrap(),
            "-p",
            &t.pattern,
        ];
        let mut b_args = vec![
            "shuffle",
            src.to_str().unwrap(),
            d2.to_str().unwrap(),
            "-p",
            &t.pattern,
        ];
        if dryrun {
            a_args.push("--dryrun");
            b_args.push("--dryrun");
        }
        let (a, b) = (ours(&a_args), theirs(&b_args));
        assert!(a.status.success() && b.status.success(), "{a:?} {b:?}");
        let norm = |out: &Output, dest: &Path| -> Vec<String> {
            sorted_lines(out)
                .into_iter()
                .map(|l| l.replace(dest.to_str().unwrap(), "DEST"))
                .collect()
        };
        assert_eq!(norm(&a, &d1), norm(&b, &d2));
        let text = String::from_utf8_lossy(&a.stdout).into_owned();
        assert!(text.starts_with("This operation will copy the following directories:\n"));
        assert!(text.ends_with("Copied 3 directories\n"), "{text}");
        assert_eq!(d1.join("exp_001/raw/r.parquet").exists(), !dryrun);
    }
    // A second run skips everything, with pathvein's log line on stderr.
    let d1 = t.base.join("oursfalse");
    let a = ours(&[
        "shuffle",
        src.to_str().unwrap(),
        d1.to_str().unwrap(),
        "-p",
        &t.pattern,
    ]);
    assert!(String::from_utf8_lossy(&a.stdout).ends_with("Copied 0 directories\n"));
    let err = String::from_utf8_lossy(&a.stderr);
    assert!(
        err.contains(&format!(
            "Destination folder already exists: {}. Skipping: exp_001",
            d1.join("exp_001").display()
        )),
        "{err}"
    );
}

#[test]
fn usage_errors_exit_2_and_runtime_errors_exit_1_like_pathvein() {
    let t = tree();
    let src = t.base.join("src");
    let missing = t.base.join("missing.json");
    let bad = t.base.join("bad.json");
    let nope = t.base.join("nope");
    std::fs::write(&bad, "{").unwrap();
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (vec![], 2),
        (vec!["scan", src.to_str().unwrap()], 2),
        (vec!["frobnicate"], 2),
        (
            vec![
                "scan",
                src.to_str().unwrap(),
                "-p",
                missing.to_str().unwrap(),
            ],
            1,
        ),
        (
            vec!["scan", src.to_str().unwrap(), "-p", bad.to_str().unwrap()],
            1,
        ),
        (vec!["scan", nope.to_str().unwrap(), "-p", &t.pattern], 1),
    ];
    for (args, code) in cases {
        let (a, b) = (ours(&args), theirs(&args));
        assert_eq!(a.status.code(), Some(code), "ours {args:?}: {a:?}");
        assert_eq!(b.status.code(), Some(code), "pathvein {args:?}: {b:?}");
        if code == 1 {
            let err = String::from_utf8_lossy(&a.stderr);
            assert_eq!(err.lines().count(), 1, "{err}");
            assert!(!err.contains("panicked") && !err.contains("backtrace"));
        }
    }
}

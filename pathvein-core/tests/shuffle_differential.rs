//! shuffle_to against pathvein 0.9.0: the same destination trees, the same results, the same
//! behaviour on a second run and in a dry run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

mod support;

use std::collections::HashSet;
use std::path::Path;

use pathvein_core::{FileStructurePattern, ShuffleError, ShuffleOptions, scan, shuffle_to};
use serde_json::{Value, json};
use support::{Rng, make_tree, oracle, path_hex, planted_pattern, random_pattern, snapshot};

fn shuffle_request(
    root: &Path,
    dest: &Path,
    patterns: &[FileStructurePattern],
    overwrite: bool,
    dryrun: bool,
) -> Value {
    json!({"op": "shuffle_to", "root": path_hex(root), "dest": path_hex(dest), "overwrite": overwrite, "dryrun": dryrun,
           "patterns": patterns.iter().map(|p| p.to_json()).collect::<Vec<_>>()})
}

fn our_rows(root: &Path, report: &pathvein_core::ShuffleReport) -> Value {
    let mut rows: Vec<(String, String)> = report
        .done
        .iter()
        .map(|r| {
            let rel = r.source.strip_prefix(root).unwrap();
            let rel = if rel.as_os_str().is_empty() {
                Path::new(".")
            } else {
                rel
            };
            (path_hex(rel), path_hex(&r.destination))
        })
        .collect();
    rows.sort();
    json!(rows)
}

#[test]
fn shuffle_to_builds_the_same_trees_as_pathvein() {
    let base = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(base.path()).unwrap();
    let mut cases = Vec::new();
    for seed in 0..300u64 {
        let mut rng = Rng::new(5000 + seed);
        let root = base.join(format!("t{seed}/src"));
        make_tree(&root, &mut rng, 3);
        let mut patterns = vec![planted_pattern(&mut rng, &root)];
        if rng.below(2) == 0 {
            let mut p = random_pattern(&mut rng, 0);
            p.optional_files.push("*.txt".into());
            patterns.push(p);
        }
        let found = scan(&root, &patterns).unwrap();
        let names: HashSet<_> = found
            .matches
            .iter()
            .map(|m| m.path.file_name().map(|n| n.to_owned()))
            .collect();
        if names.len() != found.matches.len() || found.matches.iter().any(|m| m.path == root) {
            continue; // colliding names: pathvein's winner depends on set order
        }
        cases.push((root, patterns, found));
    }
    let requests: Vec<Value> = cases
        .iter()
        .map(|(root, p, _)| shuffle_request(root, &root.with_file_name("py"), p, false, false))
        .collect();
    let mut compared = 0;
    for ((root, patterns, found), want) in cases.iter().zip(oracle(&requests)) {
        let want = want.expect("oracle shuffle_to");
        if want.as_array().unwrap().len() != found.matches.len() {
            continue; // pathvein aborted an item (a child matched by two sub-patterns)
        }
        let dest = root.with_file_name("rs");
        let report = shuffle_to(&found.matches, patterns, &dest, &ShuffleOptions::new()).unwrap();
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        let want: Vec<(String, String)> = serde_json::from_value(want).unwrap();
        let want: Vec<(String, String)> = want
            .into_iter()
            .map(|(s, d)| {
                (
                    s,
                    d.replace(&path_hex(Path::new("/py")), &path_hex(Path::new("/rs"))),
                )
            })
            .collect();
        assert_eq!(our_rows(root, &report), json!(want));
        assert_eq!(
            snapshot(&dest),
            snapshot(&root.with_file_name("py")),
            "trees differ for {root:?}"
        );
        compared += 1;
    }
    assert!(compared >= 90, "only {compared} cases compared");
}

#[test]
fn second_run_skips_and_dry_run_writes_nothing_like_pathvein() {
    let base = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(base.path()).unwrap();
    let root = base.join("src");
    for d in ["exp_1/raw", "exp_2/raw"] {
        std::fs::create_dir_all(root.join(d)).unwrap();
        std::fs::write(root.join(d).join("r.parquet"), d).unwrap();
        std::fs::write(root.join(d).with_file_name("a.csv"), d).unwrap();
    }
    let raw = FileStructurePattern::builder()
        .directory_name("raw")
        .file("*.parquet")
        .build();
    let patterns = [FileStructurePattern::builder()
        .directory_name("exp_*")
        .file("*.csv")
        .directory(raw)
        .build()];
    let found = scan(&root, &patterns).unwrap();
    let (py, rs) = (base.join("py"), base.join("rs"));
    let answers = oracle(&[
        shuffle_request(&root, &py, &patterns, false, true),
        shuffle_request(&root, &py, &patterns, false, false),
        shuffle_request(&root, &py, &patterns, false, false),
    ]);
    let counts: Vec<usize> = answers
        .iter()
        .map(|a| a.as_ref().unwrap().as_array().unwrap().len())
        .collect();
    assert_eq!(counts, vec![2, 2, 0]);

    let dry = shuffle_to(
        &found.matches,
        &patterns,
        &rs,
        &ShuffleOptions::new().dryrun(true),
    )
    .unwrap();
    assert_eq!(dry.done.len(), 2);
    assert_eq!(dry.done[0].files, 2);
    assert!(!rs.exists());
    let first = shuffle_to(&found.matches, &patterns, &rs, &ShuffleOptions::new()).unwrap();
    assert_eq!(first.done.len(), 2);
    let before = snapshot(&rs);
    let second = shuffle_to(&found.matches, &patterns, &rs, &ShuffleOptions::new()).unwrap();
    assert!(second.done.is_empty());
    assert!(
        second
            .failed
            .iter()
            .all(|f| matches!(f.error, ShuffleError::DestinationExists))
    );
    assert_eq!(snapshot(&rs), before);
    assert_eq!(snapshot(&rs), snapshot(&py));
}

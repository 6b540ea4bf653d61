//! Scanning a tree given as object keys (one flat listing) against pathvein 0.9.0 scanning the
//! same tree in fsspec's memory file system through `UPath`, and against a local scan.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

mod support;

use std::path::Path;

use pathvein_core::{FileStructurePattern, KeyTree, ScanOptions, Scanner, scan};
use serde_json::{Value, json};
use support::{Rng, make_tree, oracle, planted_pattern, random_pattern};

/// The files and directories of a local tree, relative and `/`-separated.
fn keys(root: &Path) -> (Vec<String>, Vec<String>) {
    let (mut files, mut dirs) = (Vec::new(), Vec::new());
    let mut stack = vec![root.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_str().unwrap().to_owned();
            if p.is_dir() {
                dirs.push(rel);
                stack.push(p);
            } else {
                files.push(rel);
            }
        }
    }
    files.sort();
    dirs.sort();
    (files, dirs)
}

#[test]
fn key_trees_scan_like_pathvein_on_fsspec_memory_and_like_local_trees() {
    let base = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(base.path()).unwrap();
    let mut cases = Vec::new();
    for seed in 0..120u64 {
        let mut rng = Rng::new(7000 + seed);
        let root = base.join(format!("k{seed}"));
        make_tree(&root, &mut rng, 3);
        let mut patterns: Vec<FileStructurePattern> = vec![planted_pattern(&mut rng, &root)];
        patterns.push(random_pattern(&mut rng, 0));
        let (files, dirs) = keys(&root);
        cases.push((root, patterns, files, dirs));
    }
    let requests: Vec<Value> = cases
        .iter()
        .map(|(root, patterns, files, dirs)| {
            json!({"op": "scan_memory", "root": root.file_name().unwrap().to_str().unwrap(),
                   "files": files, "dirs": dirs,
                   "patterns": patterns.iter().map(|p| p.to_json()).collect::<Vec<_>>()})
        })
        .collect();
    let mut with_matches = 0;
    for ((root, patterns, files, dirs), want) in cases.iter().zip(oracle(&requests)) {
        let want = want.expect("oracle scan_memory");
        let markers = dirs.iter().map(|d| format!("{d}/"));
        let tree = KeyTree::from_keys(files.iter().cloned().chain(markers));
        assert_eq!(tree.dir_count(), dirs.len() + 1);
        let scanner = Scanner::new(patterns, ScanOptions::new()).unwrap();
        let found = scanner.scan_keys(&tree, root.file_name().unwrap().to_str().unwrap());
        let rows: Vec<(String, usize)> =
            found.iter().map(|m| (m.path.clone(), m.pattern)).collect();
        assert_eq!(
            json!(rows),
            want,
            "differs from pathvein on memory:// for {root:?}"
        );
        let mut local: Vec<(String, usize)> = scan(root, patterns)
            .unwrap()
            .matches
            .iter()
            .map(|m| {
                (
                    m.path
                        .strip_prefix(root)
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .to_owned(),
                    m.pattern,
                )
            })
            .collect();
        local.sort();
        assert_eq!(rows, local);
        with_matches += usize::from(!rows.is_empty());
    }
    assert!(with_matches >= 110, "only {with_matches} cases had matches");
}

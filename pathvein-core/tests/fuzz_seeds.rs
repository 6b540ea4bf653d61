//! The fuzz targets' checks, run on their hand-written seeds (and any crash found, once added to
//! `fuzz/seeds/<target>/`), so that `cargo test` covers them without nightly.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

use std::path::Path;

fn seeds(target: &str) -> Vec<Vec<u8>> {
    let dir = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../fuzz/seeds")).join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no seeds in {dir:?}");
    files.iter().map(|f| std::fs::read(f).unwrap()).collect()
}

#[test]
fn pattern_from_json_seeds_round_trip() {
    let seeds = seeds("pattern_from_json");
    let parsed = seeds
        .iter()
        .filter(|s| {
            pathvein_core::FileStructurePattern::from_json(std::str::from_utf8(s).unwrap()).is_ok()
        })
        .count();
    assert_eq!(
        parsed,
        seeds.len() - 1,
        "all seeds but the string-for-list one parse"
    );
    seeds
        .iter()
        .for_each(|s| pathvein_core::__fuzz::json_round_trip(s));
}

#[test]
fn glob_is_match_seeds_agree_with_reference() {
    for s in seeds("glob_is_match") {
        pathvein_core::__fuzz::glob_agrees_with_reference(&s);
    }
    // The seeds' own expectations, from Python's fnmatchcase.
    assert!(!pathvein_core::__fuzz::reference_match("[!a]*", b"abc"));
    assert!(pathvein_core::__fuzz::reference_match(
        "*.csv*",
        b"bad\xff.csv"
    ));
}

#[test]
fn scan_tree_seeds_match_the_model() {
    for s in seeds("scan_tree") {
        pathvein_core::__fuzz::scan_matches_model(&s);
    }
}

//! scan against PyPI pathvein 0.9.0 over hundreds of seeded random trees and patterns, with one
//! thread and with several: same result set, same order for any thread count.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

mod support;

use pathvein_core::{FileStructurePattern, ScanOptions, Scanner};
use support::{Rng, make_tree, oracle, planted_pattern, random_pattern, scan_answer, scan_request};

#[test]
fn scan_agrees_with_pathvein_on_300_random_trees() {
    let base = tempfile::tempdir().unwrap();
    let mut cases = Vec::new();
    for seed in 0..300u64 {
        let mut rng = Rng::new(seed);
        let root = base.path().join(format!("t{seed}"));
        make_tree(&root, &mut rng, 4);
        let mut patterns: Vec<FileStructurePattern> = (0..rng.range(0, 2))
            .map(|_| random_pattern(&mut rng, 0))
            .collect();
        for _ in 0..rng.range(1, 2) {
            patterns.push(planted_pattern(&mut rng, &root));
        }
        cases.push((root, patterns));
    }
    let requests: Vec<_> = cases
        .iter()
        .map(|(root, p)| scan_request(root, p))
        .collect();
    let answers = oracle(&requests);
    let mut non_empty = 0;
    for ((root, patterns), want) in cases.iter().zip(answers) {
        let want = want.expect("oracle scan");
        let one = Scanner::new(patterns, ScanOptions::new().threads(1))
            .unwrap()
            .scan(root)
            .unwrap();
        let many = Scanner::new(patterns, ScanOptions::new().threads(4))
            .unwrap()
            .scan(root)
            .unwrap();
        assert_eq!(
            one.matches, many.matches,
            "thread count changed the result at {root:?}"
        );
        assert!(one.errors.is_empty());
        assert_eq!(
            scan_answer(root, &one),
            want,
            "differs from pathvein at {root:?} for {patterns:#?}"
        );
        non_empty += usize::from(!one.matches.is_empty());
    }
    assert!(
        non_empty >= 285,
        "only {non_empty} of 300 cases had matches"
    );
}

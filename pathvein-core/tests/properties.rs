//! Property tests: JSON round trips, the glob fast paths against the reference matcher, and
//! scans that do not depend on the thread count.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

mod support;

use pathvein_core::{Dialect, FileStructurePattern, Glob, ScanOptions, Scanner};
use proptest::prelude::*;

fn glob_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(
        prop_oneof![
            Just("*"),
            Just("?"),
            Just("a"),
            Just("b"),
            Just("."),
            Just("[a-b]"),
            Just("[!a]"),
            Just("é"),
            Just("["),
            Just("]"),
            Just("\\")
        ],
        0..6,
    )
    .prop_map(|parts| parts.concat())
}

fn pattern() -> impl Strategy<Value = FileStructurePattern> {
    let leaf = (
        proptest::option::of(glob_text()),
        proptest::collection::vec(glob_text(), 0..3),
        proptest::collection::vec(glob_text(), 0..2),
    )
        .prop_map(|(name, files, optional_files)| FileStructurePattern {
            directory_name: name,
            files,
            optional_files,
            ..Default::default()
        });
    leaf.prop_recursive(3, 12, 2, |inner| {
        (
            proptest::option::of(glob_text()),
            proptest::collection::vec(glob_text(), 0..2),
            proptest::collection::vec(inner.clone(), 0..2),
            proptest::collection::vec(inner, 0..2),
        )
            .prop_map(|(name, files, directories, optional_directories)| {
                FileStructurePattern {
                    directory_name: name,
                    files,
                    directories,
                    optional_files: vec![],
                    optional_directories,
                }
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn json_round_trips(p in pattern()) {
        let text = p.to_json();
        prop_assert_eq!(FileStructurePattern::from_json(&text).unwrap(), p);
        prop_assert!(text.is_ascii());
    }

    #[test]
    fn compiled_globs_agree_with_the_reference_matcher(g in glob_text(), name in proptest::collection::vec(prop_oneof![Just(b'a'), Just(b'b'), Just(b'.'), Just(0xc3), Just(0xa9), Just(0xff)], 0..8)) {
        let compiled = Glob::new(&g, Dialect::Fnmatch).unwrap();
        let os = <std::ffi::OsStr as std::os::unix::ffi::OsStrExt>::from_bytes(&name);
        prop_assert_eq!(compiled.is_match(os), pathvein_core::__fuzz::reference_match(&g, &name));
    }
}

proptest! {
    // Each case builds a tree on disk: fewer cases.
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn scan_is_the_same_for_any_thread_count(seed in 0u64..10_000, threads in 2usize..6, p in proptest::collection::vec(pattern(), 1..3)) {
        let dir = tempfile::tempdir().unwrap();
        let mut rng = support::Rng::new(seed);
        support::make_tree(&dir.path().join("t"), &mut rng, 3);
        let planted = support::planted_pattern(&mut rng, &dir.path().join("t"));
        let mut patterns = p;
        patterns.push(planted);
        let one = Scanner::new(&patterns, ScanOptions::new().threads(1)).unwrap().scan(dir.path()).unwrap();
        let many = Scanner::new(&patterns, ScanOptions::new().threads(threads)).unwrap().scan(dir.path()).unwrap();
        prop_assert!(!one.matches.is_empty());
        prop_assert_eq!(one.matches, many.matches);
    }
}

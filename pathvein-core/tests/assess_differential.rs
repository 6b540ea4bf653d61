//! assess against pathvein 0.9.0: for every file of random trees, the same matching roots.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

mod support;

use pathvein_core::{FileStructurePattern, assess, scan};
use serde_json::{Value, json};
use support::{
    Rng, all_files, make_tree, named_subpatterns, oracle, path_hex, planted_pattern, random_pattern,
};

#[test]
fn assess_agrees_with_pathvein_on_every_file_of_60_trees() {
    let base = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(base.path()).unwrap();
    let mut cases = Vec::new();
    for seed in 0..60u64 {
        let mut rng = Rng::new(1000 + seed);
        let root = base.join(format!("t{seed}"));
        make_tree(&root, &mut rng, 3);
        let mut patterns: Vec<FileStructurePattern> = Vec::new();
        while patterns.len() < 3 {
            let p = if rng.below(2) == 0 {
                random_pattern(&mut rng, 0)
            } else {
                planted_pattern(&mut rng, &root)
            };
            if named_subpatterns(&p) {
                patterns.push(p);
            }
        }
        let files = all_files(&root);
        cases.push((root, patterns, files));
    }
    let requests: Vec<Value> = cases
        .iter()
        .map(|(_, patterns, files)| {
            json!({"op": "assess", "patterns": patterns.iter().map(|p| p.to_json()).collect::<Vec<_>>(),
                   "files": files.iter().map(|f| path_hex(f)).collect::<Vec<_>>()})
        })
        .collect();
    let mut total = 0;
    for ((root, patterns, files), want) in cases.iter().zip(oracle(&requests)) {
        let want = want.expect("oracle assess");
        let mut rows = Vec::new();
        for f in files {
            for m in assess(f, patterns).unwrap() {
                rows.push((path_hex(f), path_hex(&m.path), m.pattern));
            }
        }
        rows.sort();
        total += rows.len();
        assert_eq!(
            json!(rows),
            want,
            "assess differs in {root:?} for {patterns:#?}"
        );
    }
    assert!(total > 100, "only {total} assess matches in all cases");
}

#[test]
fn assess_finds_every_scan_match_from_inside() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    let mut rng = Rng::new(5);
    make_tree(&root.join("t"), &mut rng, 3);
    let patterns: Vec<FileStructurePattern> = (0..4)
        .map(|_| planted_pattern(&mut rng, &root.join("t")))
        .collect();
    for m in scan(&root, &patterns).unwrap().matches {
        let p = &patterns[m.pattern];
        let Some(file) = p.files.first() else {
            continue;
        };
        let hit = all_files(&m.path)
            .into_iter()
            .find(|f| {
                f.parent() == Some(m.path.as_path())
                    && pathvein_core::Glob::new(file, Default::default())
                        .unwrap()
                        .is_match(f.file_name().unwrap())
            })
            .unwrap();
        assert!(
            assess(&hit, &patterns).unwrap().contains(&m),
            "{hit:?} should lead back to {m:?}"
        );
    }
}

#[test]
fn unnamed_subpatterns_stand_for_any_directory_instead_of_crashing() {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    std::fs::create_dir_all(root.join("exp/anything")).unwrap();
    std::fs::write(root.join("exp/anything/r.parquet"), "").unwrap();
    for name in [None, Some(String::new())] {
        let sub = FileStructurePattern {
            directory_name: name.clone(),
            files: vec!["*.parquet".into()],
            ..Default::default()
        };
        let p = FileStructurePattern::builder()
            .directory_name("exp")
            .directory(sub)
            .build();
        let found = assess(
            root.join("exp/anything/r.parquet"),
            std::slice::from_ref(&p),
        )
        .unwrap();
        assert_eq!(
            found.iter().map(|m| m.path.clone()).collect::<Vec<_>>(),
            vec![root.join("exp")],
            "name {name:?}"
        );
        let answer = oracle(&[
            json!({"op": "assess", "patterns": [p.to_json()], "files": [path_hex(&root.join("exp/anything/r.parquet"))]}),
        ]);
        if name.is_none() {
            assert!(
                answer[0].as_ref().unwrap_err().starts_with("TypeError"),
                "{answer:?}"
            );
        }
    }
}

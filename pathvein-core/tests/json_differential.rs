//! pathvein's JSON wire format against pathvein 0.9.0 itself: byte-identical writing, both
//! directions of reading.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

mod support;

use pathvein_core::FileStructurePattern;
use serde_json::json;
use support::{Rng, oracle, random_pattern};

fn odd_pattern(rng: &mut Rng) -> FileStructurePattern {
    let mut p = random_pattern(rng, 0);
    let odd = [
        "é",
        "\"q\"",
        "back\\slash",
        "tab\t",
        "😀",
        "\u{7f}",
        "\u{1}",
        "ünï/cödé",
    ];
    if rng.below(2) == 0 {
        p.files.push(rng.pick(&odd).to_string());
    }
    if rng.below(3) == 0 {
        p.directory_name = Some(rng.pick(&odd).to_string());
    }
    p
}

#[test]
fn to_json_is_byte_identical_to_pathvein_and_reads_back_equal() {
    let mut rng = Rng::new(11);
    let patterns: Vec<FileStructurePattern> = (0..400).map(|_| odd_pattern(&mut rng)).collect();
    let mut requests = Vec::new();
    for p in &patterns {
        requests.push(json!({"op": "roundtrip", "json": p.to_json()}));
    }
    let answers = oracle(&requests);
    for (p, answer) in patterns.iter().zip(answers) {
        let python = answer.expect("pathvein reads our JSON");
        let python = python.as_str().unwrap();
        assert_eq!(python, p.to_json(), "pathvein's to_json differs for {p:?}");
        assert_eq!(&FileStructurePattern::from_json(python).unwrap(), p);
    }
}

#[test]
fn python_equality_agrees_with_ours() {
    let mut rng = Rng::new(12);
    let pairs: Vec<(FileStructurePattern, FileStructurePattern)> = (0..200)
        .map(|i| {
            let a = random_pattern(&mut rng, 0);
            let b = if i % 2 == 0 {
                a.clone()
            } else {
                random_pattern(&mut rng, 0)
            };
            (a, b)
        })
        .collect();
    let requests: Vec<_> = pairs
        .iter()
        .map(|(a, b)| json!({"op": "equal", "a": a.to_json(), "b": b.to_json()}))
        .collect();
    for ((a, b), answer) in pairs.iter().zip(oracle(&requests)) {
        assert_eq!(answer.unwrap().as_bool(), Some(a == b), "{a:?} vs {b:?}");
    }
}

#[test]
fn docs_style_nested_objects_crash_pathvein_but_load_here() {
    let text = r#"{"directory_name": "exp_*", "files": ["*.csv"], "directories": [{"directory_name": "raw", "files": ["*.parquet"]}]}"#;
    let answer = oracle(&[json!({"op": "roundtrip", "json": text})]).remove(0);
    assert!(answer.unwrap_err().starts_with("TypeError"));
    let p = FileStructurePattern::from_json(text).unwrap();
    assert_eq!(p.directories[0].directory_name.as_deref(), Some("raw"));
    assert_eq!(
        p.directories[0].directory_name,
        FileStructurePattern::from_json(&p.to_json())
            .unwrap()
            .directories[0]
            .directory_name
    );
}

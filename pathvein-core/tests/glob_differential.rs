//! The fnmatch dialect against Python's `fnmatch.fnmatchcase` (the oracle), on the research
//! table and on a seeded random corpus over the characters that matter to globs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

mod support;

use pathvein_core::{Dialect, Glob};
use serde_json::json;
use support::{Rng, hex, oracle};

const TABLE: &[(&str, &[u8])] = &[
    ("[^a].txt", b"a.txt"),
    ("[^a].txt", b"b.txt"),
    ("{a,b}.txt", b"a.txt"),
    ("{a,b}.txt", b"{a,b}.txt"),
    ("{x}.txt", b"{x}.txt"),
    ("{x}.txt", b"x.txt"),
    ("{a,{b,c}}", b"b"),
    ("[x", b"[x"),
    ("a[", b"a["),
    ("[z-a]", b"b"),
    ("\\*.txt", b"*.txt"),
    ("back\\slash", b"back\\slash"),
    ("a\\", b"a\\"),
    ("a}", b"a}"),
    ("{a", b"{a"),
    ("**/x", b"x"),
    ("*", b".hidden"),
    ("*exp*", b".hidden_exp"),
    ("exp_*", b"EXP_005"),
    ("?", b""),
    ("", b""),
    ("[abc]", b"b"),
    ("[!a]", b"a"),
    ("[]]", b"]"),
    ("[a-]", b"-"),
    ("[*]", b"*"),
    ("**", b"ab"),
    ("bad*", b"bad\xff.csv"),
    ("bad?.csv", b"bad\xff.csv"),
    ("?", "é".as_bytes()),
    ("[!é]", "é".as_bytes()),
    ("[à-ê]", "é".as_bytes()),
    ("?", b"\xc3"),
    ("??", b"\xe2\x82"),
    ("[!\\]", b"\\"),
];

fn compare(cases: &[(String, Vec<u8>)]) {
    let req = json!({"op": "fnmatch", "cases": cases.iter().map(|(p, n)| json!([hex(n), p])).collect::<Vec<_>>()});
    let want = oracle(&[req]).remove(0).expect("oracle fnmatch");
    let want = want.as_array().unwrap();
    let mut diffs = Vec::new();
    for ((pattern, name), want) in cases.iter().zip(want) {
        let got = Glob::new(pattern, Dialect::Fnmatch)
            .unwrap()
            .is_match(std::os::unix::ffi::OsStrExt::from_bytes(name));
        let reference = pathvein_core::__fuzz::reference_match(pattern, name);
        if Some(got) != want.as_bool() || got != reference {
            diffs.push(format!(
                "{pattern:?} vs {:?}: python {want}, ours {got}, model {reference}",
                String::from_utf8_lossy(name)
            ));
        }
    }
    assert!(
        diffs.is_empty(),
        "{} differences, first: {:#?}",
        diffs.len(),
        &diffs[..diffs.len().min(10)]
    );
}

#[test]
fn research_table_agrees_with_python_fnmatchcase() {
    compare(
        &TABLE
            .iter()
            .map(|(p, n)| (p.to_string(), n.to_vec()))
            .collect::<Vec<_>>(),
    );
}

#[test]
fn random_corpus_agrees_with_python_fnmatchcase() {
    let alphabet: Vec<char> = "ab.*?[]!^-\\{},é".chars().collect();
    let name_alphabet: &[&[u8]] = &[
        b"a",
        b"b",
        b".",
        b"-",
        b"^",
        b"]",
        b"[",
        b"!",
        b"\\",
        "é".as_bytes(),
        b"\xff",
        b"*",
    ];
    let mut rng = Rng::new(7);
    let mut cases = Vec::new();
    for _ in 0..40_000 {
        let pattern: String = (0..rng.range(0, 7)).map(|_| *rng.pick(&alphabet)).collect();
        let name: Vec<u8> = (0..rng.range(0, 6))
            .flat_map(|_| rng.pick(name_alphabet).to_vec())
            .collect();
        cases.push((pattern, name));
    }
    compare(&cases);
}

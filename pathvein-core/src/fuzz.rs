//! Hooks for the fuzz targets (`fuzz/fuzz_targets/`); not part of the API.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::compile::Compiled;
use crate::glob::Dialect;
use crate::pattern::FileStructurePattern;
use crate::scan::{ScanOptions, Scanner};

pub use crate::glob::reference_match;

/// `from_json` never panics, and whatever it accepts writes back and reads back equal.
pub fn json_round_trip(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(p) = FileStructurePattern::from_json(text) {
        // pathvein's format doubles the escaping at every level; skip what would not fit in memory.
        if written_size(&p, 1) > 1 << 24 {
            return;
        }
        let again = FileStructurePattern::from_json(&p.to_json());
        assert!(
            again.as_ref().is_ok_and(|q| *q == p),
            "round trip changed {p:?} into {again:?}"
        );
    }
}

/// An upper bound on the size of `p.to_json()` when written at escaping factor `factor`.
fn written_size(p: &FileStructurePattern, factor: usize) -> usize {
    let own = 100
        + p.directory_name.as_ref().map_or(0, String::len)
        + p.files
            .iter()
            .chain(&p.optional_files)
            .map(|f| f.len() + 4)
            .sum::<usize>();
    let subs: usize = p
        .directories
        .iter()
        .chain(&p.optional_directories)
        .map(|d| written_size(d, factor.saturating_mul(2)))
        .sum();
    own.saturating_mul(factor)
        .saturating_mul(6)
        .saturating_add(subs)
}

/// The first byte splits the rest into a glob and a name; the compiled glob must agree with the
/// reference matcher.
pub fn glob_agrees_with_reference(data: &[u8]) {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let split = usize::from(split).min(rest.len());
    let (glob, name) = rest.split_at(split);
    let Ok(glob) = std::str::from_utf8(glob) else {
        return;
    };
    let Ok(compiled) = crate::glob::Glob::new(glob, Dialect::Fnmatch) else {
        panic!("fnmatch rejected {glob:?}");
    };
    let os = crate::pathutil::os_str(name);
    assert_eq!(
        compiled.is_match(&os),
        reference_match(glob, name),
        "glob {glob:?} name {name:?}"
    );
}

static TREES: AtomicUsize = AtomicUsize::new(0);

/// Builds a tree of at most 48 entries from `data` in a fresh temporary directory, scans it with
/// one and with three threads, and checks both against the recursive model of pathvein's
/// `matches` for every directory.
pub fn scan_matches_model(data: &[u8]) {
    let n = TREES.fetch_add(1, Ordering::Relaxed);
    let root = std::env::temp_dir().join(format!("pathvein-fuzz-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    if std::fs::create_dir(&root).is_err() {
        return;
    }
    let dirs = build_tree(&root, data);
    check(&root, &dirs, data);
    let _ = std::fs::remove_dir_all(&root);
}

const NAMES: [&str; 6] = ["a", "b", "raw", "x.csv", ".h", "ab.txt"];

fn build_tree(root: &Path, data: &[u8]) -> Vec<PathBuf> {
    let mut dirs = vec![root.to_owned()];
    for pair in data.chunks(2).take(48) {
        let [a, b] = [pair[0], *pair.get(1).unwrap_or(&0)];
        let parent = dirs[usize::from(a) % dirs.len()].clone();
        let path = parent.join(NAMES[usize::from(b) % NAMES.len()]);
        if path.exists() {
            continue;
        }
        if b & 0x80 == 0 {
            if std::fs::create_dir(&path).is_ok() {
                dirs.push(path);
            }
        } else {
            let _ = std::fs::write(&path, b"");
        }
    }
    dirs
}

fn patterns(data: &[u8]) -> Vec<FileStructurePattern> {
    let byte = |i: usize| data.get(i).copied().unwrap_or(0);
    let name = |b: u8| ["*", "a", "b*", "raw", "?", "[!a]*"][usize::from(b) % 6].to_owned();
    let file = |b: u8| ["*.csv", "*", "ab.*", ".*", "x?csv"][usize::from(b) % 5].to_owned();
    let leaf = FileStructurePattern::builder()
        .directory_name(name(byte(1)))
        .file(file(byte(2)))
        .build();
    vec![
        FileStructurePattern::default(),
        leaf.clone(),
        FileStructurePattern::builder()
            .directory_name(name(byte(3)))
            .directory(leaf.clone())
            .build(),
        FileStructurePattern::builder()
            .any_directory_name()
            .file(file(byte(4)))
            .directory(FileStructurePattern::builder().directory(leaf).build())
            .build(),
    ]
}

fn check(root: &Path, dirs: &[PathBuf], data: &[u8]) {
    let patterns = patterns(data);
    let scan = |threads| {
        Scanner::new(&patterns, ScanOptions::new().threads(threads)).and_then(|s| s.scan(root))
    };
    let (Ok(one), Ok(three)) = (scan(1), scan(3)) else {
        panic!("scan of a fresh tree failed")
    };
    assert_eq!(
        one.matches, three.matches,
        "thread count changed the result"
    );
    let Ok(compiled) = Compiled::new(&patterns, Dialect::Fnmatch) else {
        panic!("compile failed")
    };
    let Ok(canonical) = std::fs::canonicalize(root) else {
        return;
    };
    let mut units = Vec::new();
    let mut model = Vec::new();
    for dir in dirs {
        let path = canonical.join(dir.strip_prefix(root).unwrap_or(dir));
        for (index, &node) in compiled.roots.iter().enumerate() {
            if compiled.matches_dir(node, &path, true, &mut units) {
                model.push(crate::scan::ScanMatch {
                    path: path.clone(),
                    pattern: index,
                });
            }
        }
    }
    model.sort();
    assert_eq!(
        one.matches, model,
        "bottom-up scan differs from the recursive model"
    );
}

//! Shared test helpers: seeded random trees and patterns, and the PyPI pathvein 0.9.0 oracle.
#![allow(dead_code, unreachable_pub)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::cast_possible_truncation,
    reason = "test helpers: a panic is a failing test"
)]

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pathvein_core::FileStructurePattern;
use serde_json::{Value, json};

/// The Python interpreter with pathvein 0.9.0: `$PYTHON_ORACLE`, else the workspace `.venv`.
pub fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("PYTHON_ORACLE") {
        return PathBuf::from(p);
    }
    let venv = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python"));
    assert!(
        venv.exists(),
        "no Python oracle: set PYTHON_ORACLE to a python with pathvein==0.9.0, or run scripts/test.sh \
         (it installs scripts/requirements-test.txt into .venv)"
    );
    venv.to_owned()
}

/// Sends `requests` to the oracle in one process; each answer is `Ok(value)` or `Err(python error)`.
pub fn oracle(requests: &[Value]) -> Vec<Result<Value, String>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/support/oracle.py");
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the Python oracle");
    let input = serde_json::to_vec(requests).unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(
        out.status.success(),
        "the oracle failed (is pathvein==0.9.0 installed? run scripts/test.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answers.len(), requests.len());
    answers
        .into_iter()
        .map(|a| match a.get("ok") {
            Some(v) => Ok(v.clone()),
            None => Err(a["err"].as_str().unwrap_or("?").to_owned()),
        })
        .collect()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn path_hex(p: &Path) -> String {
    hex(p.as_os_str().as_bytes())
}

/// A scan request for the oracle.
pub fn scan_request(root: &Path, patterns: &[FileStructurePattern]) -> Value {
    json!({"op": "scan", "root": path_hex(root), "patterns": patterns.iter().map(|p| p.to_json()).collect::<Vec<_>>()})
}

/// The oracle's answer format for a Rust scan: sorted `[relpath hex, index]`.
pub fn scan_answer(root: &Path, found: &pathvein_core::ScanOutput) -> Value {
    let root = std::fs::canonicalize(root).unwrap();
    let mut rows: Vec<(String, usize)> = found
        .matches
        .iter()
        .map(|m| {
            let rel = m.path.strip_prefix(&root).unwrap();
            let rel = if rel.as_os_str().is_empty() {
                Path::new(".")
            } else {
                rel
            };
            (path_hex(rel), m.pattern)
        })
        .collect();
    rows.sort();
    rows.dedup();
    json!(rows)
}

/// splitmix64: a small seeded generator, so that every case can be replayed from its seed.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

pub const NAMES: &[&str] = &["a", "b", "ab", "ba", "raw", "data", "A", ".h", "x1", "x2"];
pub const EXTS: &[&str] = &[".csv", ".txt", ".parquet", ""];
pub const GLOBS: &[&str] = &[
    "*", "?", "a*", "*a", "[ab]*", "[!a]*", "x?", "raw", "data", "*.csv", "*.txt", "?.*", ".*",
    "A*", "[^a]*", "[a-c]*",
];

/// Builds a seeded random tree under `root` (which must not exist).
pub fn make_tree(root: &Path, rng: &mut Rng, max_depth: usize) {
    std::fs::create_dir_all(root).unwrap();
    fn rec(d: &Path, depth: usize, max_depth: usize, rng: &mut Rng) {
        for _ in 0..rng.range(0, 4) {
            let p = d.join(format!("{}{}", rng.pick(NAMES), rng.pick(EXTS)));
            if !p.exists() {
                std::fs::write(&p, p.file_name().unwrap().as_encoded_bytes()).unwrap();
            }
        }
        if depth < max_depth {
            let max = if depth < 2 { 4 } else { 2 };
            for _ in 0..rng.range(0, max) {
                let p = d.join(rng.pick(NAMES));
                if !p.exists() {
                    std::fs::create_dir(&p).unwrap();
                    rec(&p, depth + 1, max_depth, rng);
                }
            }
        }
    }
    rec(root, 0, max_depth, rng);
}

/// A random pattern over the glob pool (names may be `None`, `""` or `*`).
pub fn random_pattern(rng: &mut Rng, depth: usize) -> FileStructurePattern {
    let mut names: Vec<Option<&str>> = vec![None, Some(""), Some("*"), Some("*"), Some("*")];
    names.extend(GLOBS.iter().chain(NAMES).map(|s| Some(*s)));
    let glob = |rng: &mut Rng| {
        if rng.below(3) == 0 {
            rng.pick(NAMES).to_string()
        } else {
            rng.pick(GLOBS).to_string()
        }
    };
    let counts = [0, 0, 1, 1, 2];
    let files = (0..*rng.pick(&counts)).map(|_| glob(rng)).collect();
    let dirs = if depth < 2 {
        (0..*rng.pick(&counts))
            .map(|_| random_pattern(rng, depth + 1))
            .collect()
    } else {
        vec![]
    };
    let optional_files = (0..rng.range(0, 1)).map(|_| glob(rng)).collect();
    let optional_directories = if depth < 2 && rng.below(4) == 0 {
        vec![random_pattern(rng, depth + 1)]
    } else {
        vec![]
    };
    FileStructurePattern {
        directory_name: rng.pick(&names).map(str::to_owned),
        files,
        directories: dirs,
        optional_files,
        optional_directories,
    }
}

/// A pattern derived from a real directory of the tree, so that it matches at least once.
pub fn planted_pattern(rng: &mut Rng, root: &Path) -> FileStructurePattern {
    let mut dirs = vec![root.to_owned()];
    let mut i = 0;
    while i < dirs.len() {
        let mut kids: Vec<PathBuf> = std::fs::read_dir(&dirs[i])
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.is_dir())
            .collect();
        kids.sort();
        dirs.extend(kids);
        i += 1;
    }
    let d = dirs[rng.below(dirs.len())].clone();
    derive(rng, &d, 0)
}

fn derive(rng: &mut Rng, d: &Path, depth: usize) -> FileStructurePattern {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    let files: Vec<String> = entries
        .iter()
        .filter(|p| p.is_file())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let subs: Vec<PathBuf> = entries.iter().filter(|p| p.is_dir()).cloned().collect();
    let mut fs = Vec::new();
    for _ in 0..rng.range(0, 2).min(files.len()) {
        let f = rng.pick(&files).clone();
        let ext = Path::new(&f)
            .extension()
            .map(|e| format!(".{}", e.to_string_lossy()))
            .unwrap_or_default();
        let first: String = f.chars().take(1).collect();
        fs.push(match rng.below(3) {
            0 => f.clone(),
            1 => format!("*{ext}"),
            _ => format!("{first}*"),
        });
    }
    let mut ds = Vec::new();
    if depth < 2 {
        for _ in 0..rng.range(0, 2).min(subs.len()) {
            let s = rng.pick(&subs).clone();
            ds.push(derive(rng, &s, depth + 1));
        }
    }
    let base = d
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let first: String = base.chars().take(1).collect();
    let name = match rng.below(5) {
        0 => Some(base),
        1 => Some("*".to_owned()),
        2 => Some(format!("{first}*")),
        3 => Some("?".repeat(base.chars().count())),
        _ => None,
    };
    FileStructurePattern {
        directory_name: name,
        files: fs,
        directories: ds,
        optional_files: vec![],
        optional_directories: vec![],
    }
}

/// Every file under `root` (following no links), sorted.
pub fn all_files(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let e = e.unwrap();
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

/// A tree's content as (relative path, bytes) pairs, directories with `None`.
pub fn snapshot(root: &Path) -> Vec<(PathBuf, Option<Vec<u8>>)> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            let rel = p.strip_prefix(root).unwrap().to_owned();
            if p.is_dir() {
                out.push((rel, None));
                stack.push(p);
            } else {
                out.push((rel, Some(std::fs::read(&p).unwrap())));
            }
        }
    }
    out.sort();
    out
}

/// Whether no sub-pattern (below the root) has a `None` or `""` name, which crash pathvein's assess.
pub fn named_subpatterns(p: &FileStructurePattern) -> bool {
    p.directories
        .iter()
        .chain(&p.optional_directories)
        .all(|d| d.directory_name.as_deref().is_some_and(|n| !n.is_empty()) && named_subpatterns(d))
}

/// For tests that need permissions to bite: as root (which bypasses them), re-runs test `name` in
/// a child process as uid/gid 65534 and returns `true` once it passed; otherwise returns `false`
/// and the caller runs the test body itself.
pub fn delegate_unprivileged(name: &str) -> bool {
    use std::os::unix::fs::MetadataExt;
    use std::os::unix::process::CommandExt;
    if std::env::var_os("PATHVEIN_TEST_CHILD").is_some() {
        return false;
    }
    let euid = std::fs::metadata("/proc/self")
        .map(|m| m.uid())
        .unwrap_or(0);
    if euid != 0 {
        return false;
    }
    // The checkout may sit where uid 65534 cannot reach (a 0700 home): run a copy from /tmp.
    use std::os::unix::fs::PermissionsExt;
    let copy_dir = tempfile::Builder::new()
        .prefix("pathvein-unprivileged")
        .tempdir_in("/tmp")
        .unwrap();
    std::fs::set_permissions(copy_dir.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let exe = copy_dir.path().join("test-binary");
    std::fs::copy(std::env::current_exe().unwrap(), &exe).unwrap();
    std::fs::set_permissions(&exe, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = Command::new(&exe)
        .args([name, "--exact", "--nocapture", "--test-threads=1"])
        .env("PATHVEIN_TEST_CHILD", "1")
        .env("TMPDIR", "/tmp")
        .uid(65534)
        .gid(65534)
        .output()
        .expect("re-run the test as uid 65534");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("1 passed"),
        "unprivileged run of {name} failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    true
}

/// `exp_*` directories with a `*.csv` file and an optional `raw/` holding `*.parquet`: the
/// pattern of the object-store shuffle and move fixtures.
pub fn exp_with_optional_raw() -> Vec<FileStructurePattern> {
    let raw = FileStructurePattern::builder()
        .directory_name("raw")
        .file("*.parquet")
        .build();
    vec![
        FileStructurePattern::builder()
            .directory_name("exp_*")
            .file("*.csv")
            .optional_directory(raw)
            .build(),
    ]
}

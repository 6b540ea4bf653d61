//! scan on the trees random generation avoids: links (good, broken, looping), FIFOs, names that
//! are not UTF-8, empty directories, the root itself, deep trees, unreadable directories.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

mod support;

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};

use pathvein_core::{FileStructurePattern, ScanErrorKind, ScanOptions, Scanner, scan};
use support::{delegate_unprivileged, oracle, scan_answer, scan_request};

fn canonical_tempdir() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let root = std::fs::canonicalize(dir.path()).unwrap();
    (dir, root)
}

fn rels(root: &Path, found: &pathvein_core::ScanOutput) -> Vec<(String, usize)> {
    found
        .matches
        .iter()
        .map(|m| {
            (
                m.path
                    .strip_prefix(root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
                m.pattern,
            )
        })
        .collect()
}

fn any_dir() -> FileStructurePattern {
    FileStructurePattern::default()
}

fn agrees_with_pathvein(
    root: &Path,
    patterns: &[FileStructurePattern],
) -> pathvein_core::ScanOutput {
    let want = oracle(&[scan_request(root, patterns)])
        .remove(0)
        .expect("oracle scan");
    let one = Scanner::new(patterns, ScanOptions::new().threads(1))
        .unwrap()
        .scan(root)
        .unwrap();
    let many = Scanner::new(patterns, ScanOptions::new().threads(3))
        .unwrap()
        .scan(root)
        .unwrap();
    assert_eq!(one.matches, many.matches);
    assert_eq!(scan_answer(root, &one), want);
    one
}

#[test]
fn symlink_loop_terminates_reports_the_loop_and_adds_no_phantom_levels() {
    let (_d, root) = canonical_tempdir();
    std::fs::create_dir(root.join("links")).unwrap();
    std::fs::write(root.join("links/a.csv"), "").unwrap();
    symlink(root.join("links"), root.join("links/loop")).unwrap();
    let found = scan(&root, &[any_dir()]).unwrap();
    assert_eq!(
        rels(&root, &found),
        vec![(String::new(), 0), ("links".into(), 0)]
    );
    assert_eq!(found.errors.len(), 1);
    assert_eq!(found.errors[0].path, root.join("links/loop"));
    assert!(
        matches!(&found.errors[0].kind, ScanErrorKind::Loop { ancestor } if *ancestor == root.join("links"))
    );
    // pathvein 0.9.0 descends the loop until ELOOP, reporting phantom levels.
    let python = oracle(&[scan_request(&root, &[any_dir()])])
        .remove(0)
        .unwrap();
    assert!(
        python.as_array().unwrap().len() > 20,
        "pathvein no longer loops? {python}"
    );
}

#[test]
fn links_are_followed_broken_links_and_fifos_are_neither_files_nor_dirs() {
    let (_d, root) = canonical_tempdir();
    std::fs::create_dir_all(root.join("real/inner")).unwrap();
    std::fs::write(root.join("real/data.csv"), "").unwrap();
    symlink(root.join("real"), root.join("linked")).unwrap();
    symlink(root.join("real/data.csv"), root.join("file_link.csv")).unwrap();
    symlink(root.join("nowhere"), root.join("broken.csv")).unwrap();
    std::fs::create_dir(root.join("odd")).unwrap();
    symlink(root.join("nowhere"), root.join("odd/broken.txt")).unwrap();
    let status = std::process::Command::new("mkfifo")
        .arg(root.join("odd/pipe.txt"))
        .status()
        .unwrap();
    assert!(status.success());
    let csv_dir = FileStructurePattern::builder()
        .any_directory_name()
        .file("*.csv")
        .build();
    let txt_dir = FileStructurePattern::builder()
        .any_directory_name()
        .file("*.txt")
        .build();
    let has_inner = FileStructurePattern::builder()
        .directory(
            FileStructurePattern::builder()
                .directory_name("inner")
                .build(),
        )
        .build();
    let found = agrees_with_pathvein(&root, &[csv_dir, txt_dir, has_inner]);
    assert_eq!(
        rels(&root, &found),
        vec![
            (String::new(), 0),
            ("linked".into(), 0),
            ("linked".into(), 2),
            ("real".into(), 0),
            ("real".into(), 2)
        ]
    );
}

#[test]
fn non_utf8_names_match_and_round_trip_losslessly() {
    let (_d, root) = canonical_tempdir();
    let dir = root.join(OsStr::from_bytes(b"bad\xffdir"));
    std::fs::create_dir(&dir).unwrap();
    std::fs::write(dir.join(OsStr::from_bytes(b"bad\xff.csv")), "").unwrap();
    let p = FileStructurePattern::builder()
        .directory_name("bad?dir")
        .file("bad?.csv")
        .build();
    let found = agrees_with_pathvein(&root, &[p]);
    assert_eq!(found.matches.len(), 1);
    assert_eq!(
        found.matches[0].path.as_os_str().as_bytes(),
        dir.as_os_str().as_bytes()
    );
}

#[test]
fn empty_directories_and_the_root_itself_are_candidates() {
    let (_d, root) = canonical_tempdir();
    std::fs::create_dir_all(root.join("e1/e2")).unwrap();
    let root_name = root.file_name().unwrap().to_str().unwrap().to_owned();
    let by_name = FileStructurePattern::builder()
        .directory_name(root_name)
        .build();
    let found = agrees_with_pathvein(&root, &[any_dir(), by_name]);
    assert_eq!(
        rels(&root, &found),
        vec![
            (String::new(), 0),
            (String::new(), 1),
            ("e1".into(), 0),
            ("e1/e2".into(), 0)
        ]
    );
}

#[test]
fn deep_trees_match_like_pathvein_for_any_thread_count() {
    let (_d, root) = canonical_tempdir();
    let mut d = root.clone();
    for i in 0..400 {
        d = d.join(if i % 3 == 0 { "a" } else { "b" });
    }
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("leaf.csv"), "").unwrap();
    let leaf = FileStructurePattern::builder()
        .directory_name("a")
        .file("*.csv")
        .build();
    let mid = FileStructurePattern::builder()
        .directory_name("b")
        .directory(
            FileStructurePattern::builder()
                .directory(leaf.clone())
                .build(),
        )
        .build();
    let found = agrees_with_pathvein(&root, &[leaf, mid, any_dir()]);
    assert_eq!(found.matches.iter().filter(|m| m.pattern == 2).count(), 401);
    assert_eq!(found.matches.iter().filter(|m| m.pattern == 0).count(), 1);
    assert_eq!(found.matches.iter().filter(|m| m.pattern == 1).count(), 1);
}

#[test]
fn unreadable_directories_are_reported_and_the_scan_carries_on() {
    if delegate_unprivileged("unreadable_directories_are_reported_and_the_scan_carries_on") {
        return;
    }
    use std::os::unix::fs::PermissionsExt;
    let (_d, root) = canonical_tempdir();
    std::fs::create_dir_all(root.join("top/locked")).unwrap();
    std::fs::write(root.join("top/locked/x.csv"), "").unwrap();
    std::fs::create_dir_all(root.join("top/open")).unwrap();
    std::fs::write(root.join("top/open/x.csv"), "").unwrap();
    std::fs::set_permissions(
        root.join("top/locked"),
        std::fs::Permissions::from_mode(0o000),
    )
    .unwrap();
    let csv = FileStructurePattern::builder().file("*.csv").build();
    let has_locked = FileStructurePattern::builder()
        .directory(
            FileStructurePattern::builder()
                .directory_name("locked")
                .build(),
        )
        .build();
    let result = scan(&root, &[csv, has_locked]);
    std::fs::set_permissions(
        root.join("top/locked"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let found = result.unwrap();
    // The locked directory is not reported itself, but still counts (as empty) for its parent.
    assert_eq!(
        rels(&root, &found),
        vec![("top".into(), 1), ("top/open".into(), 0)]
    );
    assert_eq!(found.errors.len(), 1, "{:?}", found.errors);
    assert_eq!(found.errors[0].path, root.join("top/locked"));
    assert!(
        matches!(&found.errors[0].kind, ScanErrorKind::Unreadable(e) if e.kind() == std::io::ErrorKind::PermissionDenied)
    );
}

#[test]
fn scan_root_errors_are_typed() {
    let (_d, root) = canonical_tempdir();
    std::fs::write(root.join("file"), "").unwrap();
    assert!(matches!(
        scan(root.join("missing"), &[any_dir()]),
        Err(pathvein_core::Error::Io { .. })
    ));
    assert!(matches!(
        scan(root.join("file"), &[any_dir()]),
        Err(pathvein_core::Error::NotADirectory(_))
    ));
}

#[test]
fn follow_links_off_treats_links_as_neither() {
    let (_d, root) = canonical_tempdir();
    std::fs::create_dir(root.join("real")).unwrap();
    std::fs::write(root.join("real/a.csv"), "").unwrap();
    symlink(root.join("real"), root.join("linked")).unwrap();
    symlink(root.join("real/a.csv"), root.join("b.csv")).unwrap();
    let csv = FileStructurePattern::builder().file("*.csv").build();
    let found = Scanner::new(&[csv], ScanOptions::new().follow_links(false))
        .unwrap()
        .scan(&root)
        .unwrap();
    assert_eq!(rels(&root, &found), vec![("real".into(), 0)]);
}

#[test]
fn no_stale_results_after_the_tree_changes() {
    let (_d, root) = canonical_tempdir();
    std::fs::create_dir(root.join("exp")).unwrap();
    let csv = FileStructurePattern::builder()
        .directory_name("exp")
        .file("*.csv")
        .build();
    let scanner = Scanner::new(std::slice::from_ref(&csv), ScanOptions::new()).unwrap();
    assert!(scanner.scan(&root).unwrap().matches.is_empty());
    std::fs::write(root.join("exp/new.csv"), "").unwrap();
    assert_eq!(
        scanner.scan(&root).unwrap().matches.len(),
        1,
        "a file added after a scan is seen"
    );
    std::fs::remove_file(root.join("exp/new.csv")).unwrap();
    assert!(scanner.scan(&root).unwrap().matches.is_empty());
    // pathvein 0.9.0 keeps serving its first listing within one process (its lru_cache).
    let stale = std::process::Command::new(support::python())
        .args([
            "-c",
            "import sys; from pathlib import Path; from pathvein import scan, FileStructurePattern as P\n\
             p = P.from_json(sys.argv[2]); r = Path(sys.argv[1])\n\
             a = len(scan(r, [p])); open(r / 'exp' / 'new.csv', 'w').close(); b = len(scan(r, [p])); print(a, b)",
            root.to_str().unwrap(),
            &csv.to_json(),
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&stale.stdout).trim(), "0 0");
}

#[test]
fn repeated_scans_are_identical_for_1_2_and_8_threads() {
    let (_d, root) = canonical_tempdir();
    let mut rng = support::Rng::new(99);
    support::make_tree(&root.join("t"), &mut rng, 4);
    let patterns: Vec<FileStructurePattern> = (0..3)
        .map(|_| support::planted_pattern(&mut rng, &root.join("t")))
        .chain([any_dir()])
        .collect();
    let reference = Scanner::new(&patterns, ScanOptions::new().threads(1))
        .unwrap()
        .scan(&root)
        .unwrap()
        .matches;
    assert!(reference.len() > 10);
    for threads in [1, 2, 8] {
        let scanner = Scanner::new(&patterns, ScanOptions::new().threads(threads)).unwrap();
        for _ in 0..20 {
            assert_eq!(
                scanner.scan(&root).unwrap().matches,
                reference,
                "threads {threads}"
            );
        }
    }
}

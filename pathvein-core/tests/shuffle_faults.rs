//! shuffle when things go wrong: existing and read-only destinations, copies interrupted part-way,
//! moves, metadata, collisions, and a child matched by two sub-patterns.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

mod support;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use pathvein_core::{
    FileStructurePattern, ShuffleError, ShuffleInput, ShuffleOptions, Transfer, scan, shuffle,
    shuffle_to,
};
use support::{delegate_unprivileged, snapshot};

struct Fixture {
    _dir: tempfile::TempDir,
    base: PathBuf,
    src: PathBuf,
    pattern: FileStructurePattern,
}

/// `src/exp_1/{a.csv, b.csv, notes.txt, skip.log, raw/{r.parquet, deep/x.parquet}}`.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(dir.path()).unwrap();
    let src = base.join("src/exp_1");
    std::fs::create_dir_all(src.join("raw/deep")).unwrap();
    for (f, body) in [
        ("a.csv", "a"),
        ("b.csv", "b"),
        ("notes.txt", "n"),
        ("skip.log", "s"),
        ("raw/r.parquet", "r"),
        ("raw/deep/x.parquet", "x"),
    ] {
        std::fs::write(src.join(f), body).unwrap();
    }
    let raw = FileStructurePattern::builder()
        .directory_name("raw")
        .file("*.parquet")
        .build();
    let pattern = FileStructurePattern::builder()
        .directory_name("exp_*")
        .file("*.csv")
        .optional_file("notes.txt")
        .directory(raw)
        .build();
    Fixture {
        _dir: dir,
        base,
        src,
        pattern,
    }
}

fn input(f: &Fixture, dest: &Path) -> ShuffleInput {
    ShuffleInput {
        source: f.src.clone(),
        destination: dest.to_owned(),
        pattern: f.pattern.clone(),
    }
}

fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn copies_only_what_the_pattern_covers() {
    let f = fixture();
    let dest = f.base.join("out/exp_1");
    let report = shuffle(&[input(&f, &dest)], &ShuffleOptions::new()).unwrap();
    assert_eq!(report.done.len(), 1);
    assert_eq!(report.done[0].files, 4);
    assert_eq!(names(&dest), vec!["a.csv", "b.csv", "notes.txt", "raw"]);
    assert_eq!(names(&dest.join("raw")), vec!["r.parquet"]);
    assert_eq!(
        names(&f.base.join("out")),
        vec!["exp_1"],
        "no temporary left behind"
    );
}

#[test]
fn existing_destination_is_skipped_untouched() {
    let f = fixture();
    let dest = f.base.join("out");
    std::fs::create_dir_all(&dest).unwrap();
    std::fs::write(dest.join("a.csv"), "old").unwrap();
    let report = shuffle(&[input(&f, &dest)], &ShuffleOptions::new()).unwrap();
    assert!(report.done.is_empty());
    assert!(matches!(
        report.failed[0].error,
        ShuffleError::DestinationExists
    ));
    assert_eq!(names(&dest), vec!["a.csv"]);
    assert_eq!(std::fs::read_to_string(dest.join("a.csv")).unwrap(), "old");
}

#[test]
fn overwrite_merges_replacing_files_and_keeping_others() {
    let f = fixture();
    let dest = f.base.join("out");
    std::fs::create_dir_all(dest.join("raw")).unwrap();
    std::fs::write(dest.join("a.csv"), "old").unwrap();
    std::fs::write(dest.join("mine.txt"), "keep").unwrap();
    let report = shuffle(&[input(&f, &dest)], &ShuffleOptions::new().overwrite(true)).unwrap();
    assert_eq!(report.done.len(), 1, "{:?}", report.failed);
    assert_eq!(std::fs::read_to_string(dest.join("a.csv")).unwrap(), "a");
    assert_eq!(
        names(&dest),
        vec!["a.csv", "b.csv", "mine.txt", "notes.txt", "raw"]
    );
    assert_eq!(names(&dest.join("raw")), vec!["r.parquet"]);
}

#[test]
fn an_interrupted_copy_leaves_no_destination_and_no_temporary() {
    let f = fixture();
    let dest = f.base.join("out/exp_1");
    let before = snapshot(&f.src);
    let options = ShuffleOptions::new()
        .transfer(Transfer::Move)
        .fail_after_files(2);
    let report = shuffle(&[input(&f, &dest)], &options).unwrap();
    assert!(report.done.is_empty());
    assert!(
        matches!(report.failed[0].error, ShuffleError::Io { .. }),
        "{:?}",
        report.failed
    );
    assert!(!dest.exists());
    assert!(
        names(&f.base.join("out")).is_empty(),
        "temporary left: {:?}",
        names(&f.base.join("out"))
    );
    assert_eq!(
        snapshot(&f.src),
        before,
        "a failed move must not touch the source"
    );
}

#[test]
fn an_interrupted_merge_leaves_every_file_whole() {
    let f = fixture();
    let dest = f.base.join("out");
    std::fs::create_dir_all(&dest).unwrap();
    for n in ["a.csv", "b.csv", "notes.txt"] {
        std::fs::write(dest.join(n), "old").unwrap();
    }
    let options = ShuffleOptions::new().overwrite(true).fail_after_files(1);
    let report = shuffle(&[input(&f, &dest)], &options).unwrap();
    assert_eq!(report.failed.len(), 1);
    assert_eq!(
        names(&dest),
        vec!["a.csv", "b.csv", "notes.txt"],
        "no temporaries"
    );
    let bodies: Vec<String> = ["a.csv", "b.csv", "notes.txt"]
        .iter()
        .map(|n| std::fs::read_to_string(dest.join(n)).unwrap())
        .collect();
    assert_eq!(bodies, vec!["a", "old", "old"]);
}

#[test]
fn move_deletes_copied_sources_only_after_the_copy_and_keeps_the_rest() {
    let f = fixture();
    let dest = f.base.join("out/exp_1");
    let report = shuffle(
        &[input(&f, &dest)],
        &ShuffleOptions::new().transfer(Transfer::Move),
    )
    .unwrap();
    assert_eq!(report.done.len(), 1, "{:?}", report.failed);
    assert_eq!(
        std::fs::read_to_string(dest.join("raw/r.parquet")).unwrap(),
        "r"
    );
    assert_eq!(names(&f.src), vec!["raw", "skip.log"]);
    assert_eq!(names(&f.src.join("raw")), vec!["deep"]);
}

#[test]
fn a_move_onto_its_own_source_is_refused_and_deletes_nothing() {
    let f = fixture();
    let before = snapshot(&f.base);
    let moving = ShuffleOptions::new()
        .transfer(Transfer::Move)
        .overwrite(true);
    // Onto itself (through a `..` detour too), and into a directory inside it.
    for dest in [
        f.src.clone(),
        f.base.join("src/../src/exp_1"),
        f.src.join("raw/exp_1"),
    ] {
        let report = shuffle(&[input(&f, &dest)], &moving).unwrap();
        assert!(
            matches!(report.failed[0].error, ShuffleError::Overlap),
            "{dest:?}: {:?}",
            report.failed
        );
    }
    assert_eq!(snapshot(&f.base), before);
}

#[test]
fn permissions_and_times_are_preserved() {
    let f = fixture();
    let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
    let file = std::fs::File::options()
        .write(true)
        .open(f.src.join("a.csv"))
        .unwrap();
    file.set_modified(old).unwrap();
    std::fs::set_permissions(f.src.join("a.csv"), std::fs::Permissions::from_mode(0o640)).unwrap();
    std::fs::set_permissions(f.src.join("raw"), std::fs::Permissions::from_mode(0o750)).unwrap();
    std::fs::File::open(f.src.join("raw"))
        .unwrap()
        .set_modified(old)
        .unwrap();
    let dest = f.base.join("out/exp_1");
    shuffle(&[input(&f, &dest)], &ShuffleOptions::new()).unwrap();
    let a = std::fs::metadata(dest.join("a.csv")).unwrap();
    assert_eq!(a.mode() & 0o777, 0o640);
    assert_eq!(a.modified().unwrap(), old);
    let raw = std::fs::metadata(dest.join("raw")).unwrap();
    assert_eq!(raw.mode() & 0o777, 0o750);
    assert_eq!(raw.modified().unwrap(), old);
}

#[test]
fn colliding_names_resolve_deterministically_first_wins() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(dir.path()).unwrap();
    for p in ["src/g1/exp_1", "src/g2/exp_1"] {
        std::fs::create_dir_all(base.join(p)).unwrap();
        std::fs::write(base.join(p).join("a.csv"), p).unwrap();
    }
    let patterns = [FileStructurePattern::builder()
        .directory_name("exp_*")
        .file("*.csv")
        .build()];
    let found = scan(base.join("src"), &patterns).unwrap();
    let report = shuffle_to(
        &found.matches,
        &patterns,
        &base.join("out"),
        &ShuffleOptions::new(),
    )
    .unwrap();
    assert_eq!(report.done.len(), 1);
    assert_eq!(report.done[0].source, base.join("src/g1/exp_1"));
    assert!(
        matches!(&report.failed[0].error, ShuffleError::Collision { first } if *first == base.join("src/g1/exp_1"))
    );
    assert_eq!(
        std::fs::read_to_string(base.join("out/exp_1/a.csv")).unwrap(),
        "src/g1/exp_1"
    );
}

#[test]
fn a_child_matched_by_two_sub_patterns_is_copied_once_with_both() {
    let f = fixture();
    let csv_raw = FileStructurePattern::builder()
        .directory_name("raw")
        .build();
    let pq_raw = FileStructurePattern::builder()
        .directory_name("r*")
        .file("*.parquet")
        .build();
    let pattern = FileStructurePattern::builder()
        .optional_directory(csv_raw)
        .optional_directory(pq_raw)
        .build();
    let dest = f.base.join("out");
    let inputs = [ShuffleInput {
        source: f.src,
        destination: dest.clone(),
        pattern,
    }];
    let report = shuffle(&inputs, &ShuffleOptions::new()).unwrap();
    assert_eq!(report.done.len(), 1, "{:?}", report.failed);
    assert_eq!(names(&dest.join("raw")), vec!["r.parquet"]);
}

#[test]
fn read_only_destination_fails_cleanly() {
    if delegate_unprivileged("read_only_destination_fails_cleanly") {
        return;
    }
    let f = fixture();
    let parent = f.base.join("ro");
    std::fs::create_dir(&parent).unwrap();
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o555)).unwrap();
    let report = shuffle(
        &[input(&f, &parent.join("exp_1"))],
        &ShuffleOptions::new().transfer(Transfer::Move),
    );
    std::fs::set_permissions(&parent, std::fs::Permissions::from_mode(0o755)).unwrap();
    let report = report.unwrap();
    assert!(report.done.is_empty());
    assert!(
        matches!(&report.failed[0].error, ShuffleError::Io { source, .. } if source.kind() == std::io::ErrorKind::PermissionDenied),
        "{:?}",
        report.failed
    );
    assert!(names(&parent).is_empty());
    assert!(
        f.src.join("a.csv").exists(),
        "the source of a failed move stays"
    );
}

#[test]
fn names_that_are_not_utf8_are_copied_byte_for_byte() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(dir.path()).unwrap();
    let src = base.join(OsStr::from_bytes(b"exp_\xff"));
    std::fs::create_dir(&src).unwrap();
    std::fs::write(src.join(OsStr::from_bytes(b"d\xe9.csv")), "latin-1 name").unwrap();
    let patterns = [FileStructurePattern::builder()
        .directory_name("exp_?")
        .file("d?.csv")
        .build()];
    let found = scan(&base, &patterns).unwrap();
    assert_eq!(found.matches.len(), 1);
    let report = shuffle_to(
        &found.matches,
        &patterns,
        &base.join("out"),
        &ShuffleOptions::new(),
    )
    .unwrap();
    assert_eq!(report.done.len(), 1);
    let copied = base
        .join("out")
        .join(OsStr::from_bytes(b"exp_\xff"))
        .join(OsStr::from_bytes(b"d\xe9.csv"));
    assert_eq!(std::fs::read_to_string(copied).unwrap(), "latin-1 name");
}

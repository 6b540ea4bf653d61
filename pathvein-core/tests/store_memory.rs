//! Object-store scans and shuffles against `object_store::memory::InMemory`, compared with local
//! scans and shuffles of the same trees.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

mod support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use pathvein_core::object_store::memory::InMemory;
use pathvein_core::object_store::path::Path as ObjectPath;
use pathvein_core::object_store::{ObjectStore, ObjectStoreExt};
use pathvein_core::{
    Error, FileStructurePattern, ScanOptions, Scanner, ShuffleError, ShuffleOptions,
    StoreDestination, StoreRoot, Transfer, scan_store, shuffle_store_to, shuffle_to,
    shuffle_to_store,
};
use support::{
    Rng, all_files, exp_with_optional_raw, make_tree, planted_pattern, random_pattern, snapshot,
};

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

/// Removes empty directories (an object store cannot hold them without markers), deepest first.
fn prune_empty_dirs(root: &Path) {
    fn rec(d: &Path) -> bool {
        let mut empty = true;
        for e in std::fs::read_dir(d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                if rec(&p) {
                    std::fs::remove_dir(&p).unwrap();
                } else {
                    empty = false;
                }
            } else {
                empty = false;
            }
        }
        empty
    }
    rec(root);
}

/// Uploads every file under `root` to `store` under `prefix`.
fn upload(store: &dyn ObjectStore, root: &Path, prefix: &str) {
    runtime().block_on(async {
        for file in all_files(root) {
            let rel = file.strip_prefix(root).unwrap().to_str().unwrap();
            let key = ObjectPath::parse(format!("{prefix}/{rel}")).unwrap();
            store
                .put(&key, std::fs::read(&file).unwrap().into())
                .await
                .unwrap();
        }
    });
}

/// Every object under `prefix` as (key relative to it, bytes), sorted.
fn objects(store: &dyn ObjectStore, prefix: &str) -> Vec<(String, Vec<u8>)> {
    runtime().block_on(async {
        use futures_util::TryStreamExt;
        let prefix = ObjectPath::parse(prefix).unwrap();
        let metas: Vec<_> = store.list(Some(&prefix)).try_collect().await.unwrap();
        let mut out = Vec::new();
        for m in metas {
            let bytes = store.get(&m.location).await.unwrap().bytes().await.unwrap();
            let rel = m.location.as_ref()[prefix.as_ref().len() + 1..].to_owned();
            out.push((rel, bytes.to_vec()));
        }
        out.sort();
        out
    })
}

/// The files of a local snapshot as (relative `/` path, bytes).
fn files_of(root: &Path) -> Vec<(String, Vec<u8>)> {
    snapshot(root)
        .into_iter()
        .filter_map(|(p, b)| Some((p.to_str().unwrap().to_owned(), b?)))
        .collect()
}

struct Case {
    root: PathBuf,
    patterns: Vec<FileStructurePattern>,
    store: Arc<InMemory>,
    store_root: StoreRoot,
}

fn case(base: &Path, seed: u64) -> Case {
    let mut rng = Rng::new(9100 + seed);
    let root = base.join(format!("k{seed}"));
    make_tree(&root, &mut rng, 3);
    prune_empty_dirs(&root);
    let patterns = vec![
        planted_pattern(&mut rng, &root),
        random_pattern(&mut rng, 0),
    ];
    let store = Arc::new(InMemory::new());
    upload(store.as_ref(), &root, &format!("lab/k{seed}"));
    // A sibling prefix that shares the name's start must not leak into the listing.
    upload(store.as_ref(), &root, &format!("lab/k{seed}x"));
    let store_root = StoreRoot::new(store.clone(), &format!("lab/k{seed}")).unwrap();
    Case {
        root,
        patterns,
        store,
        store_root,
    }
}

fn relative_local(root: &Path, matches: &[pathvein_core::ScanMatch]) -> Vec<(String, usize)> {
    matches
        .iter()
        .map(|m| {
            let rel = m
                .path
                .strip_prefix(root)
                .unwrap()
                .to_str()
                .unwrap()
                .to_owned();
            (rel, m.pattern)
        })
        .collect()
}

fn relative_store(prefix: &str, matches: &[pathvein_core::ScanMatch]) -> Vec<(String, usize)> {
    matches
        .iter()
        .map(|m| {
            let p = m.path.to_str().unwrap();
            let rel = p.strip_prefix(prefix).unwrap().trim_start_matches('/');
            (rel.to_owned(), m.pattern)
        })
        .collect()
}

#[test]
fn store_scans_equal_local_scans_on_random_trees() {
    let base = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(base.path()).unwrap();
    let rt = runtime();
    let mut with_matches = 0;
    for seed in 0..150u64 {
        let c = case(&base, seed);
        let scanner = Scanner::new(&c.patterns, ScanOptions::new().threads(1)).unwrap();
        let local = relative_local(&c.root, &scanner.scan(&c.root).unwrap().matches);
        let found = scanner.scan_store(&c.store_root).unwrap();
        assert!(found.errors.is_empty());
        let store = relative_store(c.store_root.prefix(), &found.matches);
        assert_eq!(
            store, local,
            "store scan differs from local scan, seed {seed}"
        );
        let again = rt
            .block_on(scanner.scan_store_async(&c.store_root))
            .unwrap();
        assert_eq!(again.matches, found.matches, "async differs, seed {seed}");
        with_matches += usize::from(!local.is_empty());
    }
    assert!(with_matches >= 140, "only {with_matches} cases had matches");
}

#[test]
fn store_to_local_and_store_to_store_copy_what_the_local_shuffle_copies() {
    let base = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(base.path()).unwrap();
    let mut compared = 0;
    for seed in 0..80u64 {
        let c = case(&base, seed);
        let options = ShuffleOptions::new();
        let local_found = pathvein_core::scan(&c.root, &c.patterns).unwrap();
        let want_dir = base.join(format!("want{seed}"));
        let want = shuffle_to(&local_found.matches, &c.patterns, &want_dir, &options).unwrap();

        let found = scan_store(&c.store_root, &c.patterns).unwrap();
        let got_dir = base.join(format!("got{seed}"));
        let to_local = StoreDestination::Local(got_dir.clone());
        let got = shuffle_store_to(
            &c.store_root,
            &found.matches,
            &c.patterns,
            &to_local,
            &options,
        )
        .unwrap();
        let summary = |r: &pathvein_core::ShuffleReport| {
            let done: Vec<(String, usize)> = r
                .done
                .iter()
                .map(|d| {
                    (
                        d.destination
                            .file_name()
                            .unwrap()
                            .to_str()
                            .unwrap()
                            .to_owned(),
                        d.files,
                    )
                })
                .collect();
            (done, r.failed.len())
        };
        assert_eq!(summary(&got), summary(&want), "reports differ, seed {seed}");
        if want_dir.exists() {
            assert_eq!(
                snapshot(&got_dir),
                snapshot(&want_dir),
                "trees differ, seed {seed}"
            );
        } else {
            assert!(!got_dir.exists());
        }

        // Into another prefix of the same store (server-side copy) and into another store.
        let same = StoreRoot::new(c.store.clone(), "archive").unwrap();
        let other_store = Arc::new(InMemory::new());
        let other = StoreRoot::new(other_store.clone(), "archive").unwrap();
        for (dest, store) in [(same, c.store.as_ref()), (other, other_store.as_ref())] {
            let to_store = StoreDestination::Store(dest);
            let got = shuffle_store_to(
                &c.store_root,
                &found.matches,
                &c.patterns,
                &to_store,
                &options,
            )
            .unwrap();
            assert_eq!(
                summary(&got),
                summary(&want),
                "store reports differ, seed {seed}"
            );
            let want_files = if want_dir.exists() {
                files_of(&want_dir)
            } else {
                Vec::new()
            };
            assert_eq!(
                objects(store, "archive"),
                want_files,
                "objects differ, seed {seed}"
            );
        }
        compared += usize::from(!want.done.is_empty());
    }
    assert!(compared >= 70, "only {compared} cases copied anything");
}

fn small_store() -> (Arc<InMemory>, StoreRoot, Vec<FileStructurePattern>) {
    let store = Arc::new(InMemory::new());
    runtime().block_on(async {
        for (key, body) in [
            ("lab/exp_1/a.csv", "1"),
            ("lab/exp_1/b.csv", "2"),
            ("lab/exp_1/raw/r.parquet", "r"),
            ("lab/exp_1/skip.log", "s"),
            ("lab/old/exp_1/a.csv", "old"),
        ] {
            store
                .put(&ObjectPath::from(key), body.into())
                .await
                .unwrap();
        }
    });
    let patterns = exp_with_optional_raw();
    let root = StoreRoot::new(store.clone(), "lab").unwrap();
    (store, root, patterns)
}

#[test]
fn name_collisions_existing_destinations_overwrite_and_dryrun_behave_as_locally() {
    let (store, root, patterns) = small_store();
    let found = scan_store(&root, &patterns).unwrap();
    let paths: Vec<&str> = found
        .matches
        .iter()
        .map(|m| m.path.to_str().unwrap())
        .collect();
    assert_eq!(paths, ["lab/exp_1", "lab/old/exp_1"]);
    let dest = tempfile::tempdir().unwrap();
    let to = StoreDestination::Local(dest.path().to_owned());

    // Dry run: everything reported, nothing written.
    let dry = ShuffleOptions::new().dryrun(true);
    let report = shuffle_store_to(&root, &found.matches, &patterns, &to, &dry).unwrap();
    assert_eq!(
        report.done.iter().map(|d| d.files).collect::<Vec<_>>(),
        [3, 1]
    );
    assert_eq!(std::fs::read_dir(dest.path()).unwrap().count(), 0);

    // Both matches are called exp_1: the first wins, the second collides.
    let report = shuffle_store_to(
        &root,
        &found.matches,
        &patterns,
        &to,
        &ShuffleOptions::new(),
    )
    .unwrap();
    assert_eq!(report.done.len(), 1);
    assert!(matches!(
        &report.failed[0].error,
        ShuffleError::Collision { first } if first == Path::new("lab/exp_1")
    ));
    assert_eq!(
        std::fs::read_to_string(dest.path().join("exp_1/a.csv")).unwrap(),
        "1"
    );
    assert_eq!(
        std::fs::read_to_string(dest.path().join("exp_1/raw/r.parquet")).unwrap(),
        "r"
    );
    assert!(!dest.path().join("exp_1/skip.log").exists());

    // Again: the destination exists now.
    let report = shuffle_store_to(
        &root,
        &found.matches[..1],
        &patterns,
        &to,
        &ShuffleOptions::new(),
    )
    .unwrap();
    assert!(matches!(
        report.failed[0].error,
        ShuffleError::DestinationExists
    ));

    // Overwrite merges in order: the second exp_1 replaces a.csv, b.csv stays.
    let over = ShuffleOptions::new().overwrite(true);
    let report = shuffle_store_to(&root, &found.matches, &patterns, &to, &over).unwrap();
    assert_eq!(report.done.len(), 2);
    assert_eq!(
        std::fs::read_to_string(dest.path().join("exp_1/a.csv")).unwrap(),
        "old"
    );
    assert_eq!(
        std::fs::read_to_string(dest.path().join("exp_1/b.csv")).unwrap(),
        "2"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dest.path().join("exp_1"))
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .filter(|n| n.to_string_lossy().starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");

    // The same against a store destination.
    let to = StoreDestination::Store(StoreRoot::new(store.clone(), "out").unwrap());
    let report = shuffle_store_to(&root, &found.matches, &patterns, &to, &dry).unwrap();
    assert_eq!(report.done.len(), 2);
    assert!(objects(store.as_ref(), "out").is_empty());
    let report = shuffle_store_to(
        &root,
        &found.matches,
        &patterns,
        &to,
        &ShuffleOptions::new(),
    )
    .unwrap();
    assert_eq!(report.done[0].destination, Path::new("out/exp_1"));
    assert!(matches!(
        report.failed[0].error,
        ShuffleError::Collision { .. }
    ));
    let report = shuffle_store_to(
        &root,
        &found.matches[..1],
        &patterns,
        &to,
        &ShuffleOptions::new(),
    )
    .unwrap();
    assert!(matches!(
        report.failed[0].error,
        ShuffleError::DestinationExists
    ));
    shuffle_store_to(&root, &found.matches, &patterns, &to, &over).unwrap();
    let keys: Vec<(String, Vec<u8>)> = objects(store.as_ref(), "out");
    let want: Vec<(String, Vec<u8>)> = [
        ("exp_1/a.csv", "old"),
        ("exp_1/b.csv", "2"),
        ("exp_1/raw/r.parquet", "r"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec()))
    .collect();
    assert_eq!(keys, want);
}

#[test]
fn a_copy_failing_part_way_leaves_nothing_and_is_not_reported_done() {
    let (store, root, patterns) = small_store();
    let found = scan_store(&root, &patterns).unwrap();
    let failing = ShuffleOptions::new().fail_after_files(2);

    let dest = tempfile::tempdir().unwrap();
    let to = StoreDestination::Local(dest.path().to_owned());
    let report = shuffle_store_to(&root, &found.matches[..1], &patterns, &to, &failing).unwrap();
    assert!(report.done.is_empty());
    assert!(
        matches!(report.failed[0].error, ShuffleError::Io { .. }),
        "{:?}",
        report.failed
    );
    let left: Vec<_> = std::fs::read_dir(dest.path()).unwrap().collect();
    assert!(left.is_empty(), "half a copy was left: {left:?}");

    let to = StoreDestination::Store(StoreRoot::new(store.clone(), "out").unwrap());
    let report = shuffle_store_to(&root, &found.matches[..1], &patterns, &to, &failing).unwrap();
    assert!(report.done.is_empty());
    assert_eq!(report.failed.len(), 1);
    assert!(
        objects(store.as_ref(), "out").is_empty(),
        "half a copy was left in the store"
    );
}

#[test]
fn limits_and_runtimes_are_errors_not_panics() {
    let (_store, root, patterns) = small_store();
    let found = scan_store(&root, &patterns).unwrap();
    let dest = tempfile::tempdir().unwrap();
    let to = StoreDestination::Local(dest.path().to_owned());
    // A dry-run move (moves are tested in tests/store_move.rs) touches nothing.
    let moving = ShuffleOptions::new().transfer(Transfer::Move).dryrun(true);
    let report = shuffle_store_to(&root, &found.matches, &patterns, &to, &moving).unwrap();
    assert_eq!(report.done.len(), 2);
    assert_eq!(std::fs::read_dir(dest.path()).unwrap().count(), 0);

    let limited = root.clone().max_objects(4);
    let err = scan_store(&limited, &patterns).unwrap_err();
    assert!(matches!(err, Error::Limit { limit: 4, .. }), "{err}");
    assert_eq!(
        scan_store(&root.clone().max_objects(5), &patterns)
            .unwrap()
            .matches
            .len(),
        2
    );

    // A blocking call from inside a runtime is an error, not tokio's panic.
    let rt = runtime();
    let err = rt
        .block_on(async { scan_store(&root, &patterns) })
        .unwrap_err();
    assert!(matches!(err, Error::Runtime(_)), "{err}");
    assert!(err.to_string().contains("_async"), "{err}");

    // The caller's runtime, instead of the shared one.
    let multi = tokio::runtime::Runtime::new().unwrap();
    let on_mine = root.runtime(multi.handle().clone());
    assert_eq!(
        scan_store(&on_mine, &patterns).unwrap().matches,
        found.matches
    );

    // The async forms are `Send`: they run inside spawned tasks.
    let scanner = Scanner::new(&patterns, ScanOptions::new()).unwrap();
    let (task_root, task_patterns) = (on_mine, patterns);
    let dest_dir = dest.path().join("from_task");
    let task = multi.spawn(async move {
        let found = scanner.scan_store_async(&task_root).await.unwrap();
        let to = StoreDestination::Local(dest_dir);
        let options = ShuffleOptions::new();
        let report = pathvein_core::shuffle_store_to_async(
            &task_root,
            &found.matches,
            &task_patterns,
            &to,
            &options,
        )
        .await
        .unwrap();
        (found.matches, report.done.len())
    });
    let (matches, done) = multi.block_on(task).unwrap();
    assert_eq!(matches, found.matches);
    assert_eq!(done, 1);
    assert_eq!(
        std::fs::read_to_string(dest.path().join("from_task/exp_1/b.csv")).unwrap(),
        "2"
    );
}

#[test]
fn root_names_urls_and_prefix_validation() {
    let (store, _root, _) = small_store();
    // The root itself is a candidate, under the name of its last segment (or the one given).
    let p = FileStructurePattern::builder()
        .directory_name("exp_1")
        .file("a.csv")
        .build();
    let root = StoreRoot::new(store.clone(), "lab/exp_1")
        .unwrap()
        .url("s3://bucket/");
    let found = scan_store(&root, std::slice::from_ref(&p)).unwrap();
    assert_eq!(found.matches.len(), 1);
    assert_eq!(root.url_of(&found.matches[0].path), "s3://bucket/lab/exp_1");
    let renamed = root.root_name("other");
    assert!(
        scan_store(&renamed, std::slice::from_ref(&p))
            .unwrap()
            .matches
            .is_empty()
    );
    // The whole store: the root's name is "" and every level is seen.
    let whole = StoreRoot::new(store.clone(), "").unwrap();
    let any = FileStructurePattern::builder().file("*.csv").build();
    let paths: Vec<PathBuf> = scan_store(&whole, &[any])
        .unwrap()
        .matches
        .into_iter()
        .map(|m| m.path)
        .collect();
    assert_eq!(
        paths,
        [PathBuf::from("lab/exp_1"), PathBuf::from("lab/old/exp_1")]
    );
    let err = StoreRoot::new(store, "a//b").unwrap_err();
    assert!(matches!(err, Error::Store { .. }), "{err}");
}

#[test]
fn local_to_store_copies_what_the_local_shuffle_copies() {
    let base = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(base.path()).unwrap();
    let mut compared = 0;
    for seed in 0..60u64 {
        let c = case(&base, seed);
        let options = ShuffleOptions::new();
        let found = pathvein_core::scan(&c.root, &c.patterns).unwrap();
        let want_dir = base.join(format!("want{seed}"));
        let want = shuffle_to(&found.matches, &c.patterns, &want_dir, &options).unwrap();
        let archive = StoreRoot::new(c.store.clone(), "archive").unwrap();
        let got = shuffle_to_store(&found.matches, &c.patterns, &archive, &options).unwrap();
        let names = |r: &pathvein_core::ShuffleReport| -> Vec<(String, usize)> {
            r.done
                .iter()
                .map(|d| {
                    let p = d.destination.to_str().unwrap();
                    (p.rsplit('/').next().unwrap().to_owned(), d.files)
                })
                .collect()
        };
        assert_eq!(names(&got), names(&want), "seed {seed}");
        assert_eq!(got.failed.len(), want.failed.len(), "seed {seed}");
        let want_files = if want_dir.exists() {
            files_of(&want_dir)
        } else {
            Vec::new()
        };
        assert_eq!(
            objects(c.store.as_ref(), "archive"),
            want_files,
            "seed {seed}"
        );
        compared += usize::from(!want.done.is_empty());
    }
    assert!(compared >= 50, "only {compared} cases copied anything");
}

#[test]
fn local_to_store_collisions_existing_destinations_overwrite_and_dryrun() {
    let src = tempfile::tempdir().unwrap();
    for (rel, body) in [
        ("exp_1/a.csv", "1"),
        ("exp_1/b.csv", "2"),
        ("exp_1/skip.log", "s"),
        ("old/exp_1/a.csv", "old"),
    ] {
        let path = src.path().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    let patterns = vec![
        FileStructurePattern::builder()
            .directory_name("exp_*")
            .file("*.csv")
            .build(),
    ];
    let found = pathvein_core::scan(src.path(), &patterns).unwrap();
    assert_eq!(found.matches.len(), 2);
    let store = Arc::new(InMemory::new());
    let out = StoreRoot::new(store.clone(), "out").unwrap();

    let dry = ShuffleOptions::new().dryrun(true);
    let report = shuffle_to_store(&found.matches, &patterns, &out, &dry).unwrap();
    assert_eq!(
        report.done.iter().map(|d| d.files).collect::<Vec<_>>(),
        [2, 1]
    );
    assert!(objects(store.as_ref(), "out").is_empty());

    let report = shuffle_to_store(&found.matches, &patterns, &out, &ShuffleOptions::new()).unwrap();
    assert_eq!(report.done.len(), 1);
    assert_eq!(report.done[0].destination, Path::new("out/exp_1"));
    assert!(matches!(
        &report.failed[0].error,
        ShuffleError::Collision { first } if *first == found.matches[0].path
    ));
    let report =
        shuffle_to_store(&found.matches[..1], &patterns, &out, &ShuffleOptions::new()).unwrap();
    assert!(matches!(
        report.failed[0].error,
        ShuffleError::DestinationExists
    ));

    let over = ShuffleOptions::new().overwrite(true);
    let report = shuffle_to_store(&found.matches, &patterns, &out, &over).unwrap();
    assert_eq!(report.done.len(), 2);
    let want: Vec<(String, Vec<u8>)> = [("exp_1/a.csv", "old"), ("exp_1/b.csv", "2")]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.as_bytes().to_vec()))
        .collect();
    assert_eq!(objects(store.as_ref(), "out"), want);

    // A failure part-way leaves nothing of a new destination.
    let failing = ShuffleOptions::new().fail_after_files(1);
    let fresh = StoreRoot::new(store.clone(), "fresh").unwrap();
    let report = shuffle_to_store(&found.matches[..1], &patterns, &fresh, &failing).unwrap();
    assert!(report.done.is_empty());
    assert!(objects(store.as_ref(), "fresh").is_empty());
    assert!(src.path().join("exp_1/a.csv").exists());
}

//! `Transfer::Move` from an object store, against `InMemory` behind a wrapper that fails the N-th
//! request of a kind, corrupts copies, or changes a source while the move runs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

mod support;

use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use support::exp_with_optional_raw;

use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use pathvein_core::object_store::memory::InMemory;
use pathvein_core::object_store::path::Path as ObjectPath;
use pathvein_core::object_store::{
    CopyOptions, GetOptions, GetResult, ListResult, MultipartUpload, ObjectMeta, ObjectStore,
    ObjectStoreExt, PutMultipartOptions, PutOptions, PutPayload, PutResult,
};
use pathvein_core::{
    FileStructurePattern, ShuffleError, ShuffleOptions, ShuffleReport, StoreDestination, StoreRoot,
    Transfer, scan_store, shuffle_store_to, shuffle_to_store,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Get,
    Put,
    Copy,
    Delete,
}

/// `InMemory`, with faults on demand.
#[derive(Debug, Default)]
struct Faulty {
    inner: InMemory,
    faults: Arc<Faults>,
}

#[derive(Debug, Default)]
struct Faults {
    /// Fail the N-th (1-based) request of this kind, counted from when it was set.
    fail: Mutex<Option<(Op, usize)>>,
    seen: [AtomicUsize; 4],
    /// Copies write their source less its last byte.
    corrupt_copies: std::sync::atomic::AtomicBool,
    /// Every location deleted.
    deleted: Mutex<Vec<String>>,
    /// On the first copy, this object is overwritten (a concurrent writer).
    change_on_copy: Mutex<Option<(ObjectPath, &'static str)>>,
}

impl fmt::Display for Faulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Faulty(InMemory)")
    }
}

impl std::ops::Deref for Faulty {
    type Target = Faults;
    fn deref(&self) -> &Faults {
        &self.faults
    }
}

impl Faults {
    fn fail_nth(&self, op: Op, n: usize) {
        self.seen[op as usize].store(0, Ordering::SeqCst);
        *self.fail.lock().unwrap() = Some((op, n));
    }

    fn count(&self, op: Op) -> usize {
        self.seen[op as usize].load(Ordering::SeqCst)
    }

    /// Source objects (under `lab/`) deleted.
    fn sources_deleted(&self) -> usize {
        let deleted = self.deleted.lock().unwrap();
        deleted.iter().filter(|p| p.starts_with("lab/")).count()
    }

    fn check(&self, op: Op, location: &ObjectPath) -> pathvein_core::object_store::Result<()> {
        let n = self.seen[op as usize].fetch_add(1, Ordering::SeqCst) + 1;
        if *self.fail.lock().unwrap() == Some((op, n)) {
            return Err(pathvein_core::object_store::Error::Generic {
                store: "Faulty",
                source: format!("injected failure of {op:?} #{n} at {location}").into(),
            });
        }
        Ok(())
    }
}

#[async_trait::async_trait]
impl ObjectStore for Faulty {
    async fn put_opts(
        &self,
        location: &ObjectPath,
        payload: PutPayload,
        opts: PutOptions,
    ) -> pathvein_core::object_store::Result<PutResult> {
        self.check(Op::Put, location)?;
        self.inner.put_opts(location, payload, opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &ObjectPath,
        opts: PutMultipartOptions,
    ) -> pathvein_core::object_store::Result<Box<dyn MultipartUpload>> {
        self.inner.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &ObjectPath,
        options: GetOptions,
    ) -> pathvein_core::object_store::Result<GetResult> {
        if !options.head {
            self.check(Op::Get, location)?;
        }
        self.inner.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, pathvein_core::object_store::Result<ObjectPath>>,
    ) -> BoxStream<'static, pathvein_core::object_store::Result<ObjectPath>> {
        // One location at a time, so that the N-th delete fails and no other.
        let (inner, faults) = (self.inner.clone(), self.faults.clone());
        locations
            .then(move |path| {
                let (inner, faults) = (inner.clone(), faults.clone());
                async move {
                    let path = path?;
                    faults.check(Op::Delete, &path)?;
                    inner.delete(&path).await?;
                    faults.deleted.lock().unwrap().push(path.to_string());
                    Ok(path)
                }
            })
            .boxed()
    }

    fn list(
        &self,
        prefix: Option<&ObjectPath>,
    ) -> BoxStream<'static, pathvein_core::object_store::Result<ObjectMeta>> {
        self.inner.list(prefix)
    }

    async fn list_with_delimiter(
        &self,
        prefix: Option<&ObjectPath>,
    ) -> pathvein_core::object_store::Result<ListResult> {
        self.inner.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &ObjectPath,
        to: &ObjectPath,
        options: CopyOptions,
    ) -> pathvein_core::object_store::Result<()> {
        self.check(Op::Copy, to)?;
        let change = self.change_on_copy.lock().unwrap().take();
        if let Some((path, body)) = change {
            self.inner.put(&path, body.into()).await?;
        }
        if self.corrupt_copies.load(Ordering::SeqCst) {
            let bytes = self.inner.get(from).await?.bytes().await?;
            let short = bytes.slice(..bytes.len().saturating_sub(1));
            return self.inner.put(to, short.into()).await.map(drop);
        }
        self.inner.copy_opts(from, to, options).await
    }
}

fn block_on<F: std::future::Future>(f: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(f)
}

const SOURCE: [(&str, &str); 5] = [
    ("lab/exp_1/a.csv", "1"),
    ("lab/exp_1/b.csv", "22"),
    ("lab/exp_1/raw/r.parquet", "rrr"),
    ("lab/exp_1/skip.log", "s"),
    ("lab/old/exp_1/a.csv", "old"),
];

/// The moved files of `lab/exp_1`, relative to it.
const MOVED: [(&str, &str); 3] = [("a.csv", "1"), ("b.csv", "22"), ("raw/r.parquet", "rrr")];

fn setup() -> (Arc<Faulty>, StoreRoot, Vec<FileStructurePattern>) {
    let store = Arc::new(Faulty::default());
    block_on(async {
        for (key, body) in SOURCE {
            store
                .inner
                .put(&ObjectPath::from(key), body.into())
                .await
                .unwrap();
        }
    });
    let patterns = exp_with_optional_raw();
    let root = StoreRoot::new(store.clone(), "lab").unwrap();
    (store, root, patterns)
}

/// Every object under `prefix` (`""`: all) as (key, body), sorted.
fn objects(store: &dyn ObjectStore, prefix: &str) -> Vec<(String, String)> {
    block_on(async {
        let prefix = (!prefix.is_empty()).then(|| ObjectPath::from(prefix));
        let metas: Vec<ObjectMeta> = store.list(prefix.as_ref()).try_collect().await.unwrap();
        let mut out = Vec::new();
        for m in metas {
            let bytes = store.get(&m.location).await.unwrap().bytes().await.unwrap();
            out.push((
                m.location.to_string(),
                String::from_utf8(bytes.to_vec()).unwrap(),
            ));
        }
        out.sort();
        out
    })
}

fn under(prefix: &str, files: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = files
        .iter()
        .map(|(k, b)| (format!("{prefix}/{k}"), (*b).to_owned()))
        .collect();
    v.sort();
    v
}

fn source_all() -> Vec<(String, String)> {
    under("lab", &SOURCE.map(|(k, b)| (&k[4..], b)))
}

/// The source after `lab/exp_1` was moved: what the pattern did not cover, and `old`.
fn source_after_move() -> Vec<(String, String)> {
    under(
        "lab",
        &[("exp_1/skip.log", "s"), ("old/exp_1/a.csv", "old")],
    )
}

fn moving() -> ShuffleOptions {
    ShuffleOptions::new().transfer(Transfer::Move)
}

fn shuffle(
    root: &StoreRoot,
    patterns: &[FileStructurePattern],
    to: &StoreDestination,
    options: &ShuffleOptions,
) -> ShuffleReport {
    let found = scan_store(root, patterns).unwrap();
    assert_eq!(found.matches.len(), 2);
    shuffle_store_to(root, &found.matches[..1], patterns, to, options).unwrap()
}

#[test]
fn a_move_within_one_store_copies_verifies_then_deletes_only_what_it_copied() {
    let (store, root, patterns) = setup();
    let to = StoreDestination::Store(StoreRoot::new(store.clone(), "out").unwrap());
    // A dry run moves nothing.
    let report = shuffle(&root, &patterns, &to, &moving().dryrun(true));
    assert_eq!(report.done[0].files, 3);
    assert_eq!(objects(store.as_ref(), ""), source_all());

    let report = shuffle(&root, &patterns, &to, &moving());
    assert_eq!(report.done.len(), 1, "{:?}", report.failed);
    assert_eq!(report.done[0].destination, Path::new("out/exp_1"));
    assert_eq!(objects(store.as_ref(), "out"), under("out/exp_1", &MOVED));
    assert_eq!(objects(store.as_ref(), "lab"), source_after_move());
    assert_eq!(store.count(Op::Copy), 3);
    assert_eq!(store.count(Op::Delete), 3);

    // Both matches are named exp_1: the second collides with the first and is not moved.
    let (store, root, patterns) = setup();
    let found = scan_store(&root, &patterns).unwrap();
    let report =
        shuffle_store_to(&root, &found.matches, &patterns, &to_out(&store), &moving()).unwrap();
    assert_eq!(report.done.len(), 1);
    assert!(matches!(
        report.failed[0].error,
        ShuffleError::Collision { .. }
    ));
    assert_eq!(objects(store.as_ref(), "out"), under("out/exp_1", &MOVED));
    assert_eq!(objects(store.as_ref(), "lab"), source_after_move());
}

fn to_out(store: &Arc<Faulty>) -> StoreDestination {
    StoreDestination::Store(StoreRoot::new(store.clone(), "out").unwrap())
}

#[test]
fn a_move_to_another_store_and_to_a_local_directory_deletes_the_sources() {
    let (store, root, patterns) = setup();
    let other = Arc::new(InMemory::new());
    let to = StoreDestination::Store(StoreRoot::new(other.clone(), "out").unwrap());
    let report = shuffle(&root, &patterns, &to, &moving());
    assert_eq!(report.done.len(), 1, "{:?}", report.failed);
    assert_eq!(objects(other.as_ref(), ""), under("out/exp_1", &MOVED));
    assert_eq!(objects(store.as_ref(), ""), source_after_move());

    let (store, root, patterns) = setup();
    let dest = tempfile::tempdir().unwrap();
    let to = StoreDestination::Local(dest.path().to_owned());
    let report = shuffle(&root, &patterns, &to, &moving());
    assert_eq!(report.done.len(), 1, "{:?}", report.failed);
    for (rel, body) in MOVED {
        let got = std::fs::read_to_string(dest.path().join("exp_1").join(rel)).unwrap();
        assert_eq!(got, body, "{rel}");
    }
    assert_eq!(objects(store.as_ref(), ""), source_after_move());
}

#[test]
fn a_copy_failing_part_way_deletes_no_source_and_leaves_no_copy() {
    for op in [Op::Copy, Op::Get, Op::Put] {
        for n in 1..=3 {
            let (store, root, patterns) = setup();
            let other = Arc::new(Faulty::default());
            let to = match op {
                // Within one store: server-side copies.
                Op::Copy => StoreDestination::Store(StoreRoot::new(store.clone(), "out").unwrap()),
                // To another store: a GET and a PUT per object.
                _ => StoreDestination::Store(StoreRoot::new(other.clone(), "out").unwrap()),
            };
            match op {
                Op::Put => other.fail_nth(op, n),
                _ => store.fail_nth(op, n),
            }
            let report = shuffle(&root, &patterns, &to, &moving());
            assert!(report.done.is_empty(), "{op:?} #{n}");
            assert!(
                matches!(report.failed[0].error, ShuffleError::Store { .. }),
                "{op:?} #{n}: {:?}",
                report.failed
            );
            assert_eq!(objects(store.as_ref(), "lab"), source_all(), "{op:?} #{n}");
            assert!(objects(store.as_ref(), "out").is_empty(), "{op:?} #{n}");
            assert!(objects(other.as_ref(), "").is_empty(), "{op:?} #{n}");
            assert_eq!(store.sources_deleted(), 0, "{op:?} #{n}");
        }
    }
    // To a local directory.
    let (store, root, patterns) = setup();
    let dest = tempfile::tempdir().unwrap();
    store.fail_nth(Op::Get, 2);
    let to = StoreDestination::Local(dest.path().to_owned());
    let report = shuffle(&root, &patterns, &to, &moving());
    assert!(report.done.is_empty());
    assert_eq!(std::fs::read_dir(dest.path()).unwrap().count(), 0);
    assert_eq!(objects(store.as_ref(), ""), source_all());
}

#[test]
fn a_copy_that_does_not_verify_is_removed_and_the_sources_kept() {
    let (store, root, patterns) = setup();
    store.corrupt_copies.store(true, Ordering::SeqCst);
    let to = StoreDestination::Store(StoreRoot::new(store.clone(), "out").unwrap());
    let report = shuffle(&root, &patterns, &to, &moving());
    assert!(report.done.is_empty());
    assert!(
        matches!(&report.failed[0].error, ShuffleError::Verify { path } if path.starts_with("out/exp_1")),
        "{:?}",
        report.failed
    );
    assert!(objects(store.as_ref(), "out").is_empty());
    assert_eq!(objects(store.as_ref(), "lab"), source_all());
    // The same copies are fine when only copying (nothing checks them then).
    let report = shuffle(&root, &patterns, &to, &ShuffleOptions::new());
    assert_eq!(report.done.len(), 1);
}

#[test]
fn a_source_changed_during_the_move_is_not_deleted() {
    let (store, root, patterns) = setup();
    // Same size: only the e-tag tells (InMemory's are counters, not content hashes).
    *store.change_on_copy.lock().unwrap() = Some((ObjectPath::from("lab/exp_1/b.csv"), "99"));
    let to = StoreDestination::Store(StoreRoot::new(store.clone(), "out").unwrap());
    let report = shuffle(&root, &patterns, &to, &moving());
    assert!(report.done.is_empty());
    assert!(
        matches!(&report.failed[0].error, ShuffleError::Verify { path } if path == Path::new("lab/exp_1/b.csv")),
        "{:?}",
        report.failed
    );
    // Nothing moved: the new copy is removed, and no source is deleted.
    assert_eq!(store.sources_deleted(), 0);
    assert!(objects(store.as_ref(), "out").is_empty());
    let source = objects(store.as_ref(), "lab");
    assert!(source.contains(&("lab/exp_1/b.csv".to_owned(), "99".to_owned())));
    assert_eq!(source.len(), SOURCE.len());
}

#[test]
fn a_delete_failing_part_way_keeps_the_complete_copy_and_is_not_reported_done() {
    for n in 1..=3 {
        let (store, root, patterns) = setup();
        store.fail_nth(Op::Delete, n);
        let to = StoreDestination::Store(StoreRoot::new(store.clone(), "out").unwrap());
        let report = shuffle(&root, &patterns, &to, &moving());
        assert!(report.done.is_empty(), "delete #{n}");
        assert!(
            matches!(report.failed[0].error, ShuffleError::Store { .. }),
            "{:?}",
            report.failed
        );
        // Every source that is gone has its copy; the copy is whole.
        assert_eq!(objects(store.as_ref(), "out"), under("out/exp_1", &MOVED));
        let left = objects(store.as_ref(), "lab");
        assert!(left.contains(&("lab/exp_1/skip.log".to_owned(), "s".to_owned())));
        let moved_left = left.len() - 2;
        assert!(
            (1..=3).contains(&moved_left),
            "delete #{n} failed but {moved_left} moved sources are left"
        );
    }
}

#[test]
fn a_move_onto_its_own_source_is_refused() {
    let (store, root, patterns) = setup();
    for prefix in ["lab", "lab/exp_1"] {
        let to = StoreDestination::Store(StoreRoot::new(store.clone(), prefix).unwrap());
        let report = shuffle(&root, &patterns, &to, &moving().overwrite(true));
        assert!(
            matches!(report.failed[0].error, ShuffleError::Overlap),
            "{prefix}: {:?}",
            report.failed
        );
    }
    assert_eq!(objects(store.as_ref(), ""), source_all());
}

/// A local tree with the same files as the store's `lab/`.
fn local_lab() -> (
    tempfile::TempDir,
    Vec<pathvein_core::ScanMatch>,
    Vec<FileStructurePattern>,
) {
    let dir = tempfile::tempdir().unwrap();
    for (key, body) in SOURCE {
        let path = dir.path().join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    let (_, _, patterns) = setup();
    let found = pathvein_core::scan(dir.path().join("lab"), &patterns).unwrap();
    assert_eq!(found.matches.len(), 2);
    (dir, found.matches, patterns)
}

#[test]
fn local_to_store_moves_and_failures_part_way() {
    // A failed PUT (the first, second or third of three) leaves no object and every file.
    for n in 1..=3 {
        let (dir, matches, patterns) = local_lab();
        let store = Arc::new(Faulty::default());
        store.fail_nth(Op::Put, n);
        let out = StoreRoot::new(store.clone(), "out").unwrap();
        for options in [ShuffleOptions::new(), moving()] {
            let report = shuffle_to_store(&matches[..1], &patterns, &out, &options).unwrap();
            assert!(report.done.is_empty(), "put #{n}");
            assert!(
                matches!(report.failed[0].error, ShuffleError::Store { .. }),
                "put #{n}: {:?}",
                report.failed
            );
            assert!(objects(store.as_ref(), "").is_empty(), "put #{n}");
            for (key, body) in SOURCE {
                let path = dir.path().join(key);
                assert_eq!(std::fs::read_to_string(path).unwrap(), body, "put #{n}");
            }
            store.fail_nth(Op::Put, n);
        }
    }

    // A move: uploaded, checked, then the copied files and the directories left empty go.
    let (dir, matches, patterns) = local_lab();
    let store = Arc::new(Faulty::default());
    let out = StoreRoot::new(store.clone(), "out").unwrap();
    let report = shuffle_to_store(&matches[..1], &patterns, &out, &moving()).unwrap();
    assert_eq!(report.done.len(), 1, "{:?}", report.failed);
    assert_eq!(objects(store.as_ref(), ""), under("out/exp_1", &MOVED));
    let exp = dir.path().join("lab/exp_1");
    assert!(exp.join("skip.log").exists());
    assert!(!exp.join("a.csv").exists());
    assert!(!exp.join("raw").exists(), "the emptied raw/ is removed");

    // A copy that does not verify (the store truncates what it stores) keeps the files.
    let (dir, matches, patterns) = local_lab();
    let store = Arc::new(Truncating(InMemory::new()));
    let out = StoreRoot::new(store.clone(), "out").unwrap();
    let report = shuffle_to_store(&matches[..1], &patterns, &out, &moving()).unwrap();
    assert!(
        matches!(report.failed[0].error, ShuffleError::Verify { .. }),
        "{:?}",
        report.failed
    );
    assert!(objects(store.as_ref(), "").is_empty());
    assert!(dir.path().join("lab/exp_1/raw/r.parquet").exists());
}

/// A store that drops the last byte of every object it is given.
#[derive(Debug)]
struct Truncating(InMemory);

impl fmt::Display for Truncating {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Truncating(InMemory)")
    }
}

#[async_trait::async_trait]
impl ObjectStore for Truncating {
    async fn put_opts(
        &self,
        location: &ObjectPath,
        payload: PutPayload,
        opts: PutOptions,
    ) -> pathvein_core::object_store::Result<PutResult> {
        let bytes: Vec<u8> = payload.iter().flat_map(|b| b.iter().copied()).collect();
        let short = bytes[..bytes.len().saturating_sub(1)].to_vec();
        self.0.put_opts(location, short.into(), opts).await
    }

    async fn put_multipart_opts(
        &self,
        location: &ObjectPath,
        opts: PutMultipartOptions,
    ) -> pathvein_core::object_store::Result<Box<dyn MultipartUpload>> {
        self.0.put_multipart_opts(location, opts).await
    }

    async fn get_opts(
        &self,
        location: &ObjectPath,
        options: GetOptions,
    ) -> pathvein_core::object_store::Result<GetResult> {
        self.0.get_opts(location, options).await
    }

    fn delete_stream(
        &self,
        locations: BoxStream<'static, pathvein_core::object_store::Result<ObjectPath>>,
    ) -> BoxStream<'static, pathvein_core::object_store::Result<ObjectPath>> {
        self.0.delete_stream(locations)
    }

    fn list(
        &self,
        prefix: Option<&ObjectPath>,
    ) -> BoxStream<'static, pathvein_core::object_store::Result<ObjectMeta>> {
        self.0.list(prefix)
    }

    async fn list_with_delimiter(
        &self,
        prefix: Option<&ObjectPath>,
    ) -> pathvein_core::object_store::Result<ListResult> {
        self.0.list_with_delimiter(prefix).await
    }

    async fn copy_opts(
        &self,
        from: &ObjectPath,
        to: &ObjectPath,
        options: CopyOptions,
    ) -> pathvein_core::object_store::Result<()> {
        self.0.copy_opts(from, to, options).await
    }
}

#[test]
fn local_names_that_are_not_utf8_fail_alone() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join(std::ffi::OsStr::from_bytes(b"exp_\xff"));
    std::fs::create_dir_all(&bad).unwrap();
    std::fs::write(bad.join("a.csv"), "x").unwrap();
    std::fs::create_dir_all(dir.path().join("exp_2")).unwrap();
    std::fs::write(dir.path().join("exp_2/a.csv"), "y").unwrap();
    let patterns = vec![
        FileStructurePattern::builder()
            .directory_name("exp_*")
            .file("*.csv")
            .build(),
    ];
    let found = pathvein_core::scan(dir.path(), &patterns).unwrap();
    assert_eq!(found.matches.len(), 2);
    let store = Arc::new(InMemory::new());
    let out = StoreRoot::new(store.clone(), "out").unwrap();
    let report = shuffle_to_store(&found.matches, &patterns, &out, &ShuffleOptions::new()).unwrap();
    assert_eq!(report.done.len(), 1);
    assert_eq!(report.done[0].destination, Path::new("out/exp_2"));
    assert!(
        matches!(&report.failed[0].error, ShuffleError::Io { source, .. } if source.kind() == std::io::ErrorKind::InvalidData),
        "{:?}",
        report.failed
    );
    assert_eq!(
        objects(store.as_ref(), ""),
        vec![("out/exp_2/a.csv".to_owned(), "y".to_owned())]
    );
}

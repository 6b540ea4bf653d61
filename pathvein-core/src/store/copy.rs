//! [`shuffle_store_to`]: copy structures matched in an object store to a local directory or to
//! another prefix (of the same or another store), with the semantics of the local shuffle.
//!
//! What is copied is what [`crate::shuffle`] copies. The source prefix is listed once for the
//! whole call (not once per match). How it is written:
//! - to a local directory, exactly as the local shuffle: a new destination is built in a hidden
//!   temporary sibling and renamed into place when complete; `overwrite` merges file by file,
//!   each written aside and renamed over the old one; files get the object's last-modified time;
//! - to a store, object by object (`copy` within one store, `get` + `put` across stores). A
//!   store has no atomic rename of a prefix: when a copy to a new destination fails, the objects
//!   it wrote are deleted before the item is reported failed; `overwrite` replaces objects one by
//!   one, each old or new. Empty directories cannot be written (object_store has no markers).
//!
//! [`Transfer::Move`] copies as above, reading each source object only in the version listed
//! (`If-Match` on its e-tag), then verifies the copy: each written file's size (local), or a
//! `HEAD` of each written object (store: size, and e-tag when both are a content MD5, as on S3).
//! Then one `HEAD` per source object checks that none changed since the listing, and only then
//! are the sources deleted (the store's bulk delete). A failure before the deletions deletes
//! nothing of the source and nothing of a new destination is left; a failure during them reports
//! the item failed and keeps its complete copy. Directory markers (`dir/`) are not deleted.
//! Within one store (the same `Arc`), a move whose destination overlaps its source is refused
//! with [`ShuffleError::Overlap`].

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{GetOptions, ObjectStore, ObjectStoreExt, PutPayload};

use super::{Listing, StoreRoot, list};
use crate::compile::{Bits, Compiled};
use crate::error::Result;
use crate::listing::{KeyTree, evaluate_tree};
use crate::pattern::FileStructurePattern;
use crate::scan::ScanMatch;
use crate::shuffle::{
    ShuffleError, ShuffleFailure, ShuffleOptions, ShuffleReport, ShuffleResult, Transfer,
    temp_sibling,
};

/// Where [`shuffle_store_to`] copies to: each match goes to `<destination>/<its name>`.
#[derive(Clone, Debug)]
#[non_exhaustive]
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub enum StoreDestination {
    /// A local directory.
    Local(PathBuf),
    /// A prefix of a store (the same store as the source, or another).
    Store(StoreRoot),
}

/// Copies structures matched by [`crate::Scanner::scan_store`] under `source` to
/// `destination/<name of the matched directory>`, blocking on the source's runtime (or the shared
/// one). `patterns` is the slice the matches were scanned with. Name collisions, `overwrite`,
/// `dryrun` and [`Transfer::Move`] behave as in [`crate::shuffle_to`]; a move copies, verifies
/// each copy (size, and e-tag when both are a content MD5), checks that no source changed since
/// the listing, and only then deletes the sources (see the crate README).
///
/// ```
/// use std::sync::Arc;
/// use object_store::{memory::InMemory, path::Path, ObjectStoreExt};
/// use pathvein_core::{scan_store, shuffle_store_to, FileStructurePattern, ShuffleOptions};
/// use pathvein_core::{StoreDestination, StoreRoot};
///
/// let store = Arc::new(InMemory::new());
/// tokio::runtime::Runtime::new()?.block_on(async {
///     store.put(&Path::from("lab/exp_1/a.csv"), "1".into()).await?;
///     store.put(&Path::from("lab/exp_1/skip.log"), "".into()).await?;
///     Ok::<(), object_store::Error>(())
/// })?;
/// let root = StoreRoot::new(store, "lab")?;
/// let patterns = [FileStructurePattern::builder().directory_name("exp_*").file("*.csv").build()];
/// let found = scan_store(&root, &patterns)?;
/// let dest = tempfile::tempdir()?;
/// let to = StoreDestination::Local(dest.path().to_owned());
/// let report = shuffle_store_to(&root, &found.matches, &patterns, &to, &ShuffleOptions::new())?;
/// assert_eq!(report.done.len(), 1);
/// assert_eq!(std::fs::read_to_string(dest.path().join("exp_1/a.csv"))?, "1");
/// assert!(!dest.path().join("exp_1/skip.log").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`crate::Error::Glob`] for a glob the dialect rejects, [`crate::Error::Store`] when listing the source
/// fails, [`crate::Error::Runtime`] when called from
/// inside an async runtime. Failures of single items are in [`ShuffleReport::failed`].
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub fn shuffle_store_to(
    source: &StoreRoot,
    matches: &[ScanMatch],
    patterns: &[FileStructurePattern],
    destination: &StoreDestination,
    options: &ShuffleOptions,
) -> Result<ShuffleReport> {
    source.block_on(shuffle_store_to_async(
        source,
        matches,
        patterns,
        destination,
        options,
    ))?
}

/// The async form of [`shuffle_store_to`].
///
/// # Errors
///
/// As [`shuffle_store_to`], without [`crate::Error::Runtime`].
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub async fn shuffle_store_to_async(
    source: &StoreRoot,
    matches: &[ScanMatch],
    patterns: &[FileStructurePattern],
    destination: &StoreDestination,
    options: &ShuffleOptions,
) -> Result<ShuffleReport> {
    let compiled = Compiled::new(patterns, options.glob_dialect())?;
    let listing = list(source).await?;
    let satisfied = evaluate_tree(&compiled, &listing.tree, source.name());
    let writer = Writer {
        source,
        listing: &listing,
        moving: options.transfer_mode() == Transfer::Move,
        hook: Hook {
            fail_after: options.fail_after(),
            copied: AtomicUsize::new(0),
        },
    };
    let mut report = ShuffleReport::default();
    let mut claimed: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut units = Vec::new();
    for m in matches {
        let location = m.path.to_string_lossy();
        let name = match location.rsplit_once('/') {
            _ if location == source.prefix() => source.name(),
            Some((_, name)) => name,
            None => &location,
        };
        let target = match destination {
            StoreDestination::Local(dir) => Target::Local(dir.join(name)),
            StoreDestination::Store(root) => Target::Store(root, root.location(name)),
        };
        let dest_path = target.path();
        let outcome = match claimed.get(&dest_path) {
            Some(first) if !options.is_overwrite() && !options.is_dryrun() => {
                Err(ShuffleError::Collision {
                    first: first.clone(),
                })
            }
            _ => match plan_match(&compiled, &listing.tree, &satisfied, source, m, &mut units) {
                Ok(plan) if options.is_dryrun() => Ok(plan.file_count()),
                Ok(plan) => writer.run(&plan, &target, options.is_overwrite()).await,
                Err(e) => Err(e),
            },
        };
        if outcome.is_ok() {
            claimed
                .entry(dest_path.clone())
                .or_insert_with(|| m.path.clone());
        }
        match outcome {
            Ok(files) => report.done.push(ShuffleResult {
                source: m.path.clone(),
                destination: dest_path,
                files,
            }),
            Err(error) => report.failed.push(ShuffleFailure {
                source: m.path.clone(),
                destination: dest_path,
                error,
            }),
        }
    }
    Ok(report)
}

enum Target<'a> {
    Local(PathBuf),
    Store(&'a StoreRoot, String),
}

impl Target<'_> {
    fn path(&self) -> PathBuf {
        match self {
            Self::Local(p) => p.clone(),
            Self::Store(_, location) => PathBuf::from(location),
        }
    }
}

/// What to copy from one directory of the listing: keys relative to the source prefix.
#[derive(Debug)]
struct Plan {
    /// The directory, relative to the source prefix.
    path: String,
    files: Vec<(String, String)>,
    dirs: Vec<(String, Plan)>,
}

impl Plan {
    fn file_count(&self) -> usize {
        self.files.len() + self.dirs.iter().map(|(_, d)| d.file_count()).sum::<usize>()
    }
}

fn not_found(location: &str) -> ShuffleError {
    ShuffleError::Store {
        action: "finding the match in the listing of",
        location: location.to_owned(),
        source: object_store::Error::NotFound {
            path: location.to_owned(),
            source: "no object under this prefix".into(),
        },
    }
}

fn plan_match(
    compiled: &Compiled,
    tree: &KeyTree,
    satisfied: &[Bits],
    source: &StoreRoot,
    m: &ScanMatch,
    units: &mut Vec<u32>,
) -> Result<Plan, ShuffleError> {
    let location = m.path.to_string_lossy();
    let dir = source
        .relative(&location)
        .and_then(|rel| tree.find(rel))
        .ok_or_else(|| not_found(&location))?;
    let node = compiled.roots.get(m.pattern).copied().unwrap_or_default();
    Ok(plan(compiled, tree, satisfied, &[node], dir, units))
}

/// The local shuffle's plan, read from the listing instead of the file system.
fn plan(
    compiled: &Compiled,
    tree: &KeyTree,
    satisfied: &[Bits],
    nodes: &[usize],
    dir: usize,
    units: &mut Vec<u32>,
) -> Plan {
    let Some((path, files, children)) = tree.dir(dir) else {
        return Plan {
            path: String::new(),
            files: Vec::new(),
            dirs: Vec::new(),
        };
    };
    let globs: Vec<usize> = nodes
        .iter()
        .flat_map(|&n| compiled.nodes[n].copy_files.iter().copied())
        .collect();
    let mut files: Vec<(String, String)> = files
        .iter()
        .filter(|f| {
            globs
                .iter()
                .any(|&g| compiled.file_glob_matches(g, f.as_ref(), units))
        })
        .map(|f| (f.clone(), join(path, f)))
        .collect();
    files.sort();
    let mut branches: Vec<usize> = nodes
        .iter()
        .flat_map(|&n| compiled.nodes[n].copy_dirs.iter().copied())
        .collect();
    branches.sort_unstable();
    branches.dedup();
    let mut children: Vec<(usize, String)> = children.map(|(c, n)| (c, n.to_owned())).collect();
    children.sort_by(|a, b| a.1.cmp(&b.1));
    let mut dirs = Vec::new();
    for (c, name) in children {
        let matching: Vec<usize> = branches
            .iter()
            .copied()
            .filter(|&b| satisfied.get(c).is_some_and(|bits| bits.get(b)))
            .collect();
        if !matching.is_empty() {
            dirs.push((name, plan(compiled, tree, satisfied, &matching, c, units)));
        }
    }
    Plan {
        path: path.to_owned(),
        files,
        dirs,
    }
}

/// A location from the listing (already valid) as an object_store path, without re-encoding.
pub(super) fn object_path(location: &str) -> Result<ObjectPath, ShuffleError> {
    ObjectPath::parse(location).map_err(|e| store_err("parsing location", location)(e.into()))
}

pub(super) fn join(dir: &str, name: &str) -> String {
    if dir.is_empty() {
        name.to_owned()
    } else {
        format!("{dir}/{name}")
    }
}

pub(super) fn io_err<'p>(
    action: &'static str,
    path: &'p Path,
) -> impl FnOnce(io::Error) -> ShuffleError + 'p {
    move |source| ShuffleError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

pub(super) fn store_err<'l>(
    action: &'static str,
    location: &'l str,
) -> impl FnOnce(object_store::Error) -> ShuffleError + 'l {
    move |source| ShuffleError::Store {
        action,
        location: location.to_owned(),
        source,
    }
}

/// Objects read or copied at once within one item.
const COPY_CONCURRENCY: usize = 8;

struct Writer<'a> {
    source: &'a StoreRoot,
    listing: &'a Listing,
    moving: bool,
    hook: Hook,
}

impl Writer<'_> {
    async fn run(
        &self,
        plan: &Plan,
        target: &Target<'_>,
        overwrite: bool,
    ) -> Result<usize, ShuffleError> {
        match target {
            Target::Local(dest) => {
                let existed = fs::symlink_metadata(dest).is_ok();
                self.to_local(plan, dest, overwrite).await?;
                if self.moving {
                    let checked = match self.verify_local(plan, dest) {
                        Ok(()) => self.check_sources(plan).await,
                        Err(e) => Err(e),
                    };
                    if let Err(e) = checked {
                        if !existed {
                            // Nothing moved: the new copy goes too.
                            let _ = fs::remove_dir_all(dest);
                        }
                        return Err(e);
                    }
                }
            }
            Target::Store(root, location) => {
                let same_store = Arc::ptr_eq(&self.source.store, &root.store);
                if self.moving && same_store {
                    let from = self.source.location(&plan.path);
                    if nested(&from, location) {
                        return Err(ShuffleError::Overlap);
                    }
                }
                let mut pairs = Vec::new();
                flatten(plan, "", &mut pairs);
                let items: Vec<Item> = pairs
                    .into_iter()
                    .map(|(from, to)| {
                        let meta = self.listing.files.get(&from);
                        Item {
                            size: meta.map_or(0, |m| m.size),
                            e_tag: meta.and_then(|m| m.e_tag.clone()),
                            from,
                            to,
                        }
                    })
                    .collect();
                let copy = |i: usize, to: ObjectPath| {
                    let item = &items[i];
                    async move { self.copy_object(item, root, &to, same_store).await }
                };
                let checked = async {
                    if self.moving {
                        self.check_sources(plan).await
                    } else {
                        Ok(())
                    }
                };
                let verify = self.moving;
                write_store(root, location, overwrite, verify, &items, copy, checked).await?;
            }
        }
        if self.moving {
            let locations = self.source_locations(plan);
            delete_all(&self.source.store, locations, "deleting moved source").await?;
        }
        Ok(plan.file_count())
    }

    /// Reads one source object (`rel` to the source prefix).
    async fn fetch(&self, rel: &str) -> Result<bytes::Bytes, ShuffleError> {
        let location = self.source.location(rel);
        let path = object_path(&location)?;
        // A move reads exactly the version listed, or fails.
        let e_tag = self.listing.files.get(rel).and_then(|m| m.e_tag.clone());
        let options = GetOptions::new().with_if_match(e_tag.filter(|_| self.moving));
        let read = async {
            self.source
                .store
                .get_opts(&path, options)
                .await?
                .bytes()
                .await
        };
        read.await.map_err(store_err("reading", &location))
    }

    // ---------------------------------------------------------------- to a local directory

    async fn to_local(
        &self,
        plan: &Plan,
        dest: &Path,
        overwrite: bool,
    ) -> Result<(), ShuffleError> {
        match fs::symlink_metadata(dest) {
            Ok(_) if !overwrite || !fs::metadata(dest).is_ok_and(|m| m.is_dir()) => {
                Err(ShuffleError::DestinationExists)
            }
            Ok(_) => self.merge_local(plan, dest).await,
            Err(_) => {
                if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
                    fs::create_dir_all(parent)
                        .map_err(io_err("creating destination parent", parent))?;
                }
                self.build_local_atomically(plan, dest).await
            }
        }
    }

    async fn build_local_atomically(&self, plan: &Plan, dest: &Path) -> Result<(), ShuffleError> {
        let temp = temp_sibling(dest);
        let built = async {
            self.build_local(plan, &temp).await?;
            fs::rename(&temp, dest).map_err(io_err("renaming into place", dest))
        }
        .await;
        if built.is_err() {
            let _ = fs::remove_dir_all(&temp);
        }
        built
    }

    async fn build_local(&self, plan: &Plan, dir: &Path) -> Result<(), ShuffleError> {
        fs::create_dir(dir).map_err(io_err("creating directory", dir))?;
        self.write_files(plan, dir, false).await?;
        for (name, sub) in &plan.dirs {
            Box::pin(self.build_local(sub, &dir.join(name))).await?;
        }
        Ok(())
    }

    async fn merge_local(&self, plan: &Plan, dir: &Path) -> Result<(), ShuffleError> {
        self.write_files(plan, dir, true).await?;
        for (name, sub) in &plan.dirs {
            let target = dir.join(name);
            match fs::metadata(&target) {
                Ok(m) if m.is_dir() => Box::pin(self.merge_local(sub, &target)).await?,
                Ok(_) => {
                    let e = io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "a file is in the way of a directory",
                    );
                    return Err(io_err("merging directory", &target)(e));
                }
                Err(_) => Box::pin(self.build_local_atomically(sub, &target)).await?,
            }
        }
        Ok(())
    }

    /// Fetches `plan`'s files a few at a time and writes them into `dir`; `aside` writes each to
    /// a temporary name first and renames it over the old file.
    async fn write_files(&self, plan: &Plan, dir: &Path, aside: bool) -> Result<(), ShuffleError> {
        // Indices, not borrowed items: see `list` (rust-lang/rust#110338).
        let mut fetched = futures_util::stream::iter(0..plan.files.len())
            .map(|i| async move {
                let (name, rel) = &plan.files[i];
                Ok::<_, ShuffleError>((name, rel, self.fetch(rel).await?))
            })
            .buffered(COPY_CONCURRENCY);
        while let Some(item) = fetched.next().await {
            let (name, rel, bytes) = item?;
            self.hook.tick(rel)?;
            let target = dir.join(name);
            let written = if aside {
                temp_sibling(&target)
            } else {
                target.clone()
            };
            let result = fs::write(&written, &bytes)
                .map_err(io_err("writing file", &written))
                .and_then(|()| self.set_mtime(rel, &written))
                .and_then(|()| {
                    if aside {
                        fs::rename(&written, &target).map_err(io_err("replacing file", &target))
                    } else {
                        Ok(())
                    }
                });
            if result.is_err() && aside {
                let _ = fs::remove_file(&written);
            }
            result?;
        }
        Ok(())
    }

    /// Gives a written file its object's last-modified time.
    fn set_mtime(&self, rel: &str, path: &Path) -> Result<(), ShuffleError> {
        let Some(meta) = self.listing.files.get(rel) else {
            return Ok(());
        };
        let time = SystemTime::from(meta.last_modified);
        fs::File::options()
            .write(true)
            .open(path)
            .and_then(|f| f.set_modified(time))
            .map_err(io_err("setting times", path))
    }

    // ---------------------------------------------------------------- to a store

    /// Copies one object to `to` (server-side within one store, else `get` + `put`).
    async fn copy_object(
        &self,
        item: &Item,
        root: &StoreRoot,
        to: &ObjectPath,
        same_store: bool,
    ) -> Result<(), ShuffleError> {
        self.hook.tick(&item.from)?;
        if same_store {
            let from_location = self.source.location(&item.from);
            let from = object_path(&from_location)?;
            root.store
                .copy(&from, to)
                .await
                .map_err(store_err("copying", &from_location))
        } else {
            let bytes = self.fetch(&item.from).await?;
            root.store
                .put(to, PutPayload::from(bytes))
                .await
                .map(drop)
                .map_err(store_err("writing", to.as_ref()))
        }
    }

    // ---------------------------------------------------------------- moving

    /// Checks the files written under `dest` against the listing's sizes.
    fn verify_local(&self, plan: &Plan, dest: &Path) -> Result<(), ShuffleError> {
        for (name, rel) in &plan.files {
            let path = dest.join(name);
            let meta = fs::metadata(&path).map_err(io_err("reading copied file", &path))?;
            if self.listing.files.get(rel).map(|m| m.size) != Some(meta.len()) {
                return Err(ShuffleError::Verify { path });
            }
        }
        for (name, sub) in &plan.dirs {
            self.verify_local(sub, &dest.join(name))?;
        }
        Ok(())
    }

    /// The source locations of `plan`'s files.
    fn source_locations(&self, plan: &Plan) -> Vec<String> {
        let mut pairs = Vec::new();
        flatten(plan, "", &mut pairs);
        pairs
            .into_iter()
            .map(|(rel, _)| self.source.location(&rel))
            .collect()
    }

    /// Checks with one `HEAD` per source object of `plan` that none changed since the listing
    /// (same e-tag, else same size and time): what is deleted must be what was copied.
    async fn check_sources(&self, plan: &Plan) -> Result<(), ShuffleError> {
        let locations = self.source_locations(plan);
        futures_util::stream::iter(0..locations.len())
            .map(|i| {
                let location = &locations[i];
                async move {
                    let listed = self
                        .source
                        .relative(location)
                        .and_then(|rel| self.listing.files.get(rel));
                    let now = self
                        .source
                        .store
                        .head(&object_path(location)?)
                        .await
                        .map_err(store_err("checking source before deleting", location))?;
                    let unchanged = listed.is_some_and(|l| match (&l.e_tag, &now.e_tag) {
                        (Some(a), Some(b)) => a == b && l.size == now.size,
                        _ => l.size == now.size && l.last_modified == now.last_modified,
                    });
                    if unchanged {
                        Ok(())
                    } else {
                        Err(ShuffleError::Verify {
                            path: PathBuf::from(location),
                        })
                    }
                }
            })
            .buffer_unordered(COPY_CONCURRENCY)
            .try_collect::<Vec<()>>()
            .await
            .map(drop)
    }
}

/// One object to write: its source (a key relative to the source prefix, or a local path), its
/// key relative to the destination, and what the copy must look like.
pub(super) struct Item {
    pub(super) from: String,
    pub(super) to: String,
    pub(super) size: u64,
    pub(super) e_tag: Option<String>,
}

/// The test hook of [`ShuffleOptions::fail_after_files`], shared by one call's items.
pub(super) struct Hook {
    pub(super) fail_after: Option<usize>,
    pub(super) copied: AtomicUsize,
}

impl Hook {
    pub(super) fn tick(&self, what: &str) -> Result<(), ShuffleError> {
        match self.fail_after {
            Some(limit) if self.copied.fetch_add(1, Ordering::Relaxed) >= limit => {
                Err(ShuffleError::Io {
                    action: "copying file",
                    path: PathBuf::from(what),
                    source: io::Error::other("copy interrupted (test hook)"),
                })
            }
            _ => Ok(()),
        }
    }
}

/// Whether two locations of one store are equal or one is inside the other.
pub(super) fn nested(a: &str, b: &str) -> bool {
    let inside = |x: &str, y: &str| {
        y.is_empty() || x == y || x.strip_prefix(y).is_some_and(|r| r.starts_with('/'))
    };
    inside(a, b) || inside(b, a)
}

/// An e-tag that is the hex MD5 of the content (S3 and most S3-compatible stores for objects
/// written in one part): two such tags must be equal for equal content.
fn content_md5(e_tag: &str) -> Option<&str> {
    let tag = e_tag.trim_matches('"');
    (tag.len() == 32 && tag.bytes().all(|b| b.is_ascii_hexdigit())).then_some(tag)
}

/// Writes `items` under `location` of `root` with `copy(i, destination path)`: refused when the
/// location exists (unless `overwrite`); with `verify`, each written object is checked with a
/// `HEAD` (size, and content e-tag when both sides have one), then `checked` runs. A failure of
/// any of these deletes what was written to a new location.
pub(super) async fn write_store<F, Fut, C>(
    root: &StoreRoot,
    location: &str,
    overwrite: bool,
    verify: bool,
    items: &[Item],
    copy: F,
    checked: C,
) -> Result<(), ShuffleError>
where
    F: Fn(usize, ObjectPath) -> Fut,
    Fut: std::future::Future<Output = Result<(), ShuffleError>>,
    C: std::future::Future<Output = Result<(), ShuffleError>>,
{
    let dest = object_path(location)?;
    let exists = root
        .store
        .list(Some(&dest))
        .next()
        .await
        .transpose()
        .map_err(store_err("listing destination", location))?
        .is_some();
    if exists && !overwrite {
        return Err(ShuffleError::DestinationExists);
    }
    let written: std::sync::Mutex<Vec<ObjectPath>> = std::sync::Mutex::new(Vec::new());
    let copied = futures_util::stream::iter(0..items.len())
        .map(|i| {
            let (written, dest, copy) = (&written, &dest, &copy);
            async move {
                let to = object_path(&join(dest.as_ref(), &items[i].to))?;
                copy(i, to.clone()).await?;
                if let Ok(mut w) = written.lock() {
                    w.push(to);
                }
                Ok::<(), ShuffleError>(())
            }
        })
        .buffer_unordered(COPY_CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    let mut outcome = copied.into_iter().find_map(Result::err).map_or(Ok(()), Err);
    if outcome.is_ok() && verify {
        outcome = verify_store(root, &dest, items).await;
    }
    if outcome.is_ok() {
        outcome = checked.await;
    }
    if let Err(err) = outcome {
        if !exists {
            // Nothing of a failed new destination stays behind.
            let written = written.into_inner().unwrap_or_default();
            let locations = written.iter().map(ToString::to_string).collect();
            let _ = delete_all(&root.store, locations, "deleting failed copy").await;
        }
        return Err(err);
    }
    Ok(())
}

/// Checks each written object with a `HEAD`: the size, and the e-tag when both are content MD5s.
async fn verify_store(
    root: &StoreRoot,
    dest: &ObjectPath,
    items: &[Item],
) -> Result<(), ShuffleError> {
    futures_util::stream::iter(0..items.len())
        .map(|i| async move {
            let item = &items[i];
            let location = join(dest.as_ref(), &item.to);
            let meta = root
                .store
                .head(&object_path(&location)?)
                .await
                .map_err(store_err("checking copy", &location))?;
            let tags = item
                .e_tag
                .as_deref()
                .and_then(content_md5)
                .zip(meta.e_tag.as_deref().and_then(content_md5));
            if meta.size != item.size || tags.is_some_and(|(a, b)| !a.eq_ignore_ascii_case(b)) {
                return Err(ShuffleError::Verify {
                    path: PathBuf::from(location),
                });
            }
            Ok(())
        })
        .buffer_unordered(COPY_CONCURRENCY)
        .try_collect::<Vec<()>>()
        .await
        .map(drop)
}

/// Deletes `locations` with the store's bulk delete (one request per 1,000 keys on S3).
pub(super) async fn delete_all(
    store: &Arc<dyn ObjectStore>,
    locations: Vec<String>,
    action: &'static str,
) -> Result<(), ShuffleError> {
    let paths = futures_util::stream::iter(
        locations
            .into_iter()
            .map(|l| ObjectPath::parse(&l).map_err(object_store::Error::from)),
    )
    .boxed();
    let mut deleted = store.delete_stream(paths);
    while let Some(result) = deleted.next().await {
        match result {
            Ok(_) | Err(object_store::Error::NotFound { .. }) => {}
            Err(e) => {
                return Err(ShuffleError::Store {
                    action,
                    location: String::new(),
                    source: e,
                });
            }
        }
    }
    Ok(())
}

/// Every file of `plan` as (source key relative to the source prefix, key relative to the
/// destination).
fn flatten(plan: &Plan, base: &str, out: &mut Vec<(String, String)>) {
    for (name, rel) in &plan.files {
        out.push((rel.clone(), join(base, name)));
    }
    for (name, sub) in &plan.dirs {
        flatten(sub, &join(base, name), out);
    }
}

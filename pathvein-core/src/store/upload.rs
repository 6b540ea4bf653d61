//! [`shuffle_to_store`]: copy structures matched in a local tree into a prefix of an object
//! store, with the semantics of the local shuffle.
//!
//! What is copied is what [`crate::shuffle`] copies, each file one `put` (read whole into
//! memory). As for a store-to-store copy: one LIST checks whether `<prefix>/<name>` exists
//! (without `overwrite` the item is then skipped as [`ShuffleError::DestinationExists`]); a
//! failure part-way deletes what was written to a new destination and reports the item failed;
//! `overwrite` replaces objects one by one. Empty directories are not written (object_store has
//! no directory markers), and files keep no times or permissions (objects have none to set).
//! [`Transfer::Move`] checks each object with a `HEAD` (its size against the file's) before
//! deleting the source files, then the source directories left empty.

use std::collections::HashMap;
use std::fs;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::AtomicUsize;

use object_store::path::Path as ObjectPath;
use object_store::{ObjectStoreExt, PutPayload};

use super::StoreRoot;
use super::copy::{Hook, Item, io_err, join, store_err, write_store};
use crate::compile::Compiled;
use crate::error::Result;
use crate::pattern::FileStructurePattern;
use crate::scan::ScanMatch;
use crate::shuffle::{
    self, Plan, ShuffleError, ShuffleFailure, ShuffleOptions, ShuffleReport, ShuffleResult,
    Transfer,
};

/// Copies structures matched by a local [`crate::scan`] into `destination`, each match to
/// `<prefix>/<name of the matched directory>`, blocking on the destination's runtime (or the
/// shared one). `patterns` is the slice the matches were scanned with. Name collisions,
/// `overwrite`, `dryrun` and [`Transfer::Move`] behave as in [`crate::shuffle_to`]. Destination
/// paths in the report are store locations (`archive/exp_1`).
///
/// ```
/// use std::sync::Arc;
/// use object_store::{memory::InMemory, path::Path, ObjectStoreExt};
/// use pathvein_core::{scan, shuffle_to_store, FileStructurePattern, ShuffleOptions, StoreRoot};
///
/// let src = tempfile::tempdir()?;
/// std::fs::create_dir_all(src.path().join("exp_1"))?;
/// std::fs::write(src.path().join("exp_1/a.csv"), "1")?;
/// std::fs::write(src.path().join("exp_1/skip.log"), "")?;
/// let patterns = [FileStructurePattern::builder().directory_name("exp_*").file("*.csv").build()];
/// let found = scan(src.path(), &patterns)?;
/// let store = Arc::new(InMemory::new());
/// let archive = StoreRoot::new(store.clone(), "archive")?;
/// let report = shuffle_to_store(&found.matches, &patterns, &archive, &ShuffleOptions::new())?;
/// assert_eq!(report.done[0].destination, std::path::Path::new("archive/exp_1"));
/// let rt = tokio::runtime::Runtime::new()?;
/// let body = rt.block_on(async { store.get(&Path::from("archive/exp_1/a.csv")).await?.bytes().await })?;
/// assert_eq!(&body[..], b"1");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`crate::Error::Glob`] for a glob the dialect rejects, [`crate::Error::Runtime`] when called
/// from inside an async runtime. Failures of single items (a name that is not UTF-8 included:
/// object keys are) are in [`ShuffleReport::failed`].
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub fn shuffle_to_store(
    matches: &[ScanMatch],
    patterns: &[FileStructurePattern],
    destination: &StoreRoot,
    options: &ShuffleOptions,
) -> Result<ShuffleReport> {
    destination.block_on(shuffle_to_store_async(
        matches,
        patterns,
        destination,
        options,
    ))?
}

/// The async form of [`shuffle_to_store`]. Files are read on tokio's blocking threads when it
/// runs on a tokio runtime, else in place.
///
/// # Errors
///
/// As [`shuffle_to_store`], without [`crate::Error::Runtime`].
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub async fn shuffle_to_store_async(
    matches: &[ScanMatch],
    patterns: &[FileStructurePattern],
    destination: &StoreRoot,
    options: &ShuffleOptions,
) -> Result<ShuffleReport> {
    let compiled = Compiled::new(patterns, options.glob_dialect())?;
    let hook = Hook {
        fail_after: options.fail_after(),
        copied: AtomicUsize::new(0),
    };
    let mut report = ShuffleReport::default();
    let mut claimed: HashMap<String, PathBuf> = HashMap::new();
    let mut units = Vec::new();
    for m in matches {
        let name = m.path.file_name().unwrap_or_default();
        let location = destination.location(&name.to_string_lossy());
        let outcome = match claimed.get(&location) {
            Some(first) if !options.is_overwrite() && !options.is_dryrun() => {
                Err(ShuffleError::Collision {
                    first: first.clone(),
                })
            }
            _ if name.to_str().is_none() => Err(not_utf8(&m.path)),
            _ => {
                let node = compiled.roots.get(m.pattern).copied().unwrap_or_default();
                match shuffle::plan(&compiled, &[node], &m.path, &mut units) {
                    Ok(plan) if options.is_dryrun() => Ok(plan.file_count()),
                    Ok(plan) => upload(&plan, destination, &location, options, &hook).await,
                    Err(e) => Err(e),
                }
            }
        };
        if outcome.is_ok() {
            claimed
                .entry(location.clone())
                .or_insert_with(|| m.path.clone());
        }
        let destination = PathBuf::from(location);
        match outcome {
            Ok(files) => report.done.push(ShuffleResult {
                source: m.path.clone(),
                destination,
                files,
            }),
            Err(error) => report.failed.push(ShuffleFailure {
                source: m.path.clone(),
                destination,
                error,
            }),
        }
    }
    Ok(report)
}

fn not_utf8(path: &std::path::Path) -> ShuffleError {
    let e = io::Error::new(
        io::ErrorKind::InvalidData,
        "the name is not UTF-8, and object keys must be",
    );
    io_err("naming an object after", path)(e)
}

/// Uploads one planned structure to `location` (see the module notes).
async fn upload(
    plan: &Plan,
    destination: &StoreRoot,
    location: &str,
    options: &ShuffleOptions,
    hook: &Hook,
) -> Result<usize, ShuffleError> {
    let moving = options.transfer_mode() == Transfer::Move;
    let (mut items, mut paths) = (Vec::new(), Vec::new());
    flatten(plan, "", &mut items, &mut paths)?;
    let copy = |i: usize, to: ObjectPath| {
        let (item, path) = (&items[i], &paths[i]);
        async move {
            hook.tick(&item.from)?;
            let bytes = read(path.clone())
                .await
                .map_err(io_err("reading source file", path))?;
            if moving && u64::try_from(bytes.len()).ok() != Some(item.size) {
                // Changed since it was planned: its copy would not be what is deleted.
                return Err(ShuffleError::Verify { path: path.clone() });
            }
            destination
                .store
                .put(&to, PutPayload::from(bytes))
                .await
                .map(drop)
                .map_err(store_err("writing", to.as_ref()))
        }
    };
    let overwrite = options.is_overwrite();
    let checked = std::future::ready(Ok(()));
    write_store(
        destination,
        location,
        overwrite,
        moving,
        &items,
        copy,
        checked,
    )
    .await?;
    if moving {
        shuffle::remove_sources(plan);
    }
    Ok(plan.file_count())
}

/// Reads a file on tokio's blocking threads when there are some.
async fn read(path: PathBuf) -> io::Result<Vec<u8>> {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => handle
            .spawn_blocking(move || fs::read(path))
            .await
            .map_err(io::Error::other)?,
        Err(_) => fs::read(path),
    }
}

/// Every file of `plan` as an [`Item`] (keyed relative to the destination) and its local path.
fn flatten(
    plan: &Plan,
    base: &str,
    items: &mut Vec<Item>,
    paths: &mut Vec<PathBuf>,
) -> Result<(), ShuffleError> {
    for name in &plan.files {
        let path = plan.source.join(name);
        let name = name.to_str().ok_or_else(|| not_utf8(&path))?;
        let meta = fs::metadata(&path).map_err(io_err("reading source file", &path))?;
        items.push(Item {
            from: path.to_string_lossy().into_owned(),
            to: join(base, name),
            size: meta.len(),
            e_tag: None,
        });
        paths.push(path);
    }
    for (name, sub) in &plan.dirs {
        let path = plan.source.join(name);
        let name = name.to_str().ok_or_else(|| not_utf8(&path))?;
        flatten(sub, &join(base, name), items, paths)?;
    }
    Ok(())
}

//! [`shuffle`], [`shuffle_to`], [`shuffle_with`]: copy (or move) matched structures elsewhere.
//!
//! What is copied is what pathvein copies: the direct child files of the matched directory that
//! match any file glob of the pattern (required or optional), and, recursively, each child
//! directory that matches one of the pattern's sub-patterns (required or optional), with that
//! sub-pattern's globs. Other files and directories stay behind.
//!
//! How it is copied is safer than pathvein:
//! - a new destination is built in a hidden temporary sibling (`.<name>.pathvein-<pid>-<n>`) and
//!   renamed into place only when complete, so a failure never leaves a half-written destination;
//! - with `overwrite`, an existing destination is merged into file by file, each file written to
//!   a temporary name and renamed over the old one, so every file is either old or new;
//! - permissions and access/modification times of files and directories are preserved;
//! - a child directory matched by two sub-patterns is copied once, with both patterns' files
//!   (pathvein aborts the item half-way);
//! - [`Transfer::Move`] deletes a source file only after the whole structure is in place and the
//!   copy's size and modification time have been checked, and removes only source directories
//!   that end up empty.

use std::collections::HashMap;
use std::ffi::OsString;
use std::fmt;
use std::fs::{self, File, FileTimes, Metadata};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::compile::Compiled;
use crate::error::Result;
use crate::glob::Dialect;
use crate::pattern::FileStructurePattern;
use crate::scan::ScanMatch;
use crate::walk::{self, EntryKind};

/// Copy or move.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transfer {
    /// Copy; the source is untouched (pathvein's only mode). The default.
    #[default]
    Copy,
    /// Copy, check, then delete the copied source files and the source directories left empty.
    Move,
}

/// Options for the shuffle functions.
#[derive(Clone, Debug, Default)]
pub struct ShuffleOptions {
    overwrite: bool,
    dryrun: bool,
    transfer: Transfer,
    dialect: Dialect,
    fail_after: Option<usize>,
}

impl ShuffleOptions {
    /// pathvein's defaults: copy, no overwrite, not a dry run, fnmatch globs.
    pub fn new() -> Self {
        Self::default()
    }

    /// Merge into an existing destination, replacing same-named files (nothing is deleted).
    /// Without it an existing destination skips the item. Default is `false`.
    #[must_use]
    pub fn overwrite(mut self, overwrite: bool) -> Self {
        self.overwrite = overwrite;
        self
    }

    /// Read the sources and report every item as pathvein does, but write nothing.
    /// Default is `false`.
    #[must_use]
    pub fn dryrun(mut self, dryrun: bool) -> Self {
        self.dryrun = dryrun;
        self
    }

    /// Copy or move. Default is [`Transfer::Copy`].
    #[must_use]
    pub fn transfer(mut self, transfer: Transfer) -> Self {
        self.transfer = transfer;
        self
    }

    /// The glob dialect of the patterns. Default is [`Dialect::Fnmatch`].
    #[must_use]
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// Test hook: fail as if the disk broke after copying `files` files.
    #[doc(hidden)]
    #[must_use]
    pub fn fail_after_files(mut self, files: usize) -> Self {
        self.fail_after = Some(files);
        self
    }
}

#[cfg(feature = "object-store")]
impl ShuffleOptions {
    pub(crate) fn is_overwrite(&self) -> bool {
        self.overwrite
    }

    pub(crate) fn is_dryrun(&self) -> bool {
        self.dryrun
    }

    pub(crate) fn transfer_mode(&self) -> Transfer {
        self.transfer
    }

    pub(crate) fn glob_dialect(&self) -> Dialect {
        self.dialect
    }

    pub(crate) fn fail_after(&self) -> Option<usize> {
        self.fail_after
    }
}

/// One structure to copy: `source` is copied *to* `destination` (its children become the
/// destination's children), using `pattern` to choose what to copy.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShuffleInput {
    /// The matched directory.
    pub source: PathBuf,
    /// Where its copy goes.
    pub destination: PathBuf,
    /// The pattern it matched.
    pub pattern: FileStructurePattern,
}

/// A structure copied (or, in a dry run, that would be copied).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShuffleResult {
    /// The matched directory.
    pub source: PathBuf,
    /// Its copy.
    pub destination: PathBuf,
    /// Files copied (or that would be).
    pub files: usize,
}

/// A structure that was not copied, and why; nothing of it was left at the destination unless
/// `overwrite` merged some files (each of them complete).
#[derive(Debug)]
pub struct ShuffleFailure {
    /// The matched directory.
    pub source: PathBuf,
    /// Where its copy was to go.
    pub destination: PathBuf,
    /// What went wrong.
    pub error: ShuffleError,
}

/// Why a structure was not copied.
#[derive(Debug)]
#[non_exhaustive]
pub enum ShuffleError {
    /// The destination exists and `overwrite` is off (pathvein logs and skips these too).
    DestinationExists,
    /// An earlier item of the same call already claimed this destination (`shuffle_to` with
    /// colliding names); the first in input order wins.
    Collision {
        /// The source that claimed it.
        first: PathBuf,
    },
    /// A file system operation failed.
    Io {
        /// What was being done.
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        source: io::Error,
    },
    /// A copied file did not match its source after copying, or the source changed while it
    /// was being moved; the source was kept.
    Verify {
        /// The copied file (or, for a source that changed, the source).
        path: PathBuf,
    },
    /// A [`Transfer::Move`] whose destination is its source, or inside it, or contains it:
    /// deleting the sources would delete the copy. Nothing was done.
    Overlap,
    /// An object-store operation failed.
    #[cfg(feature = "object-store")]
    #[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
    Store {
        /// What was being done.
        action: &'static str,
        /// The object (or prefix) involved.
        location: String,
        /// The underlying error.
        source: object_store::Error,
    },
}

impl fmt::Display for ShuffleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::DestinationExists => f.write_str("destination already exists"),
            Self::Collision { first } => write!(f, "destination already claimed by {first:?}"),
            Self::Io {
                action,
                path,
                source,
            } => write!(f, "{action} {path:?}: {source}"),
            Self::Verify { path } => write!(f, "copy of {path:?} does not match its source"),
            Self::Overlap => f.write_str("a move's destination overlaps its source"),
            #[cfg(feature = "object-store")]
            Self::Store {
                action,
                location,
                source,
            } => write!(f, "{action} {location:?}: {source}"),
        }
    }
}

impl std::error::Error for ShuffleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Self::Io { source, .. } => Some(source),
            #[cfg(feature = "object-store")]
            Self::Store { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// What a shuffle did: the items copied, in input order, and those that failed.
#[derive(Debug, Default)]
pub struct ShuffleReport {
    /// Items copied (all items, in a dry run).
    pub done: Vec<ShuffleResult>,
    /// Items not copied.
    pub failed: Vec<ShuffleFailure>,
}

/// Copies each input's source to its destination (pathvein's `shuffle`).
///
/// ```
/// use pathvein_core::{scan, shuffle_to, FileStructurePattern, ShuffleOptions};
/// let src = tempfile::tempdir()?;
/// let dest = tempfile::tempdir()?;
/// std::fs::create_dir_all(src.path().join("exp_1"))?;
/// std::fs::write(src.path().join("exp_1/a.csv"), "1")?;
/// std::fs::write(src.path().join("exp_1/skip.log"), "")?;
/// let patterns = [FileStructurePattern::builder().directory_name("exp_*").file("*.csv").build()];
/// let found = scan(src.path(), &patterns)?;
/// let report = shuffle_to(&found.matches, &patterns, dest.path(), &ShuffleOptions::new())?;
/// assert_eq!(report.done.len(), 1);
/// assert_eq!(std::fs::read_to_string(dest.path().join("exp_1/a.csv"))?, "1");
/// assert!(!dest.path().join("exp_1/skip.log").exists());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`crate::Error::Glob`] only (a glob the dialect rejects); failures of single items are in
/// [`ShuffleReport::failed`].
pub fn shuffle(inputs: &[ShuffleInput], options: &ShuffleOptions) -> Result<ShuffleReport> {
    let patterns: Vec<FileStructurePattern> = inputs.iter().map(|i| i.pattern.clone()).collect();
    let compiled = Compiled::new(&patterns, options.dialect)?;
    let mut report = ShuffleReport::default();
    let mut claimed: HashMap<PathBuf, PathBuf> = HashMap::new();
    let copied = AtomicUsize::new(0);
    for (index, input) in inputs.iter().enumerate() {
        let node = compiled.roots.get(index).copied().unwrap_or_default();
        let outcome = match claimed.get(&input.destination) {
            Some(first) if !options.overwrite && !options.dryrun => Err(ShuffleError::Collision {
                first: first.clone(),
            }),
            _ => run_one(&compiled, node, input, options, &copied),
        };
        if outcome.is_ok() {
            claimed
                .entry(input.destination.clone())
                .or_insert_with(|| input.source.clone());
        }
        match outcome {
            Ok(files) => report.done.push(ShuffleResult {
                source: input.source.clone(),
                destination: input.destination.clone(),
                files,
            }),
            Err(error) => report.failed.push(ShuffleFailure {
                source: input.source.clone(),
                destination: input.destination.clone(),
                error,
            }),
        }
    }
    Ok(report)
}

/// Copies each match to `destination/<name of the matched directory>` (pathvein's `shuffle_to`).
/// `patterns` is the slice the matches were scanned with. When two matches share a name, the
/// first in `matches` order wins and the others fail with [`ShuffleError::Collision`] (unless
/// `overwrite`, which merges them in that order).
///
/// # Errors
///
/// As [`shuffle`].
pub fn shuffle_to(
    matches: &[ScanMatch],
    patterns: &[FileStructurePattern],
    destination: &Path,
    options: &ShuffleOptions,
) -> Result<ShuffleReport> {
    shuffle_with(
        matches,
        patterns,
        |m| destination.join(m.path.file_name().unwrap_or_default()),
        options,
    )
}

/// Copies each match to the destination `destination_fn` gives it (pathvein's `shuffle_with`).
///
/// # Errors
///
/// As [`shuffle`].
pub fn shuffle_with(
    matches: &[ScanMatch],
    patterns: &[FileStructurePattern],
    mut destination_fn: impl FnMut(&ScanMatch) -> PathBuf,
    options: &ShuffleOptions,
) -> Result<ShuffleReport> {
    let inputs: Vec<ShuffleInput> = matches
        .iter()
        .filter_map(|m| {
            let pattern = patterns.get(m.pattern)?.clone();
            Some(ShuffleInput {
                source: m.path.clone(),
                destination: destination_fn(m),
                pattern,
            })
        })
        .collect();
    shuffle(&inputs, options)
}

/// What to copy from one source directory.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) source: PathBuf,
    pub(crate) files: Vec<OsString>,
    pub(crate) dirs: Vec<(OsString, Plan)>,
}

impl Plan {
    pub(crate) fn file_count(&self) -> usize {
        self.files.len() + self.dirs.iter().map(|(_, d)| d.file_count()).sum::<usize>()
    }
}

fn io_err<'p>(action: &'static str, path: &'p Path) -> impl FnOnce(io::Error) -> ShuffleError + 'p {
    move |source| ShuffleError::Io {
        action,
        path: path.to_owned(),
        source,
    }
}

pub(crate) fn plan(
    compiled: &Compiled,
    nodes: &[usize],
    source: &Path,
    units: &mut Vec<u32>,
) -> Result<Plan, ShuffleError> {
    let mut files = Vec::new();
    let mut dirs = Vec::new();
    walk::list_dir(source, true, None, |kind, name| match kind {
        EntryKind::File => files.push(name.to_owned()),
        EntryKind::Dir(_) => dirs.push(name.to_owned()),
    })
    .map_err(io_err("reading source directory", source))?;
    files.sort();
    dirs.sort();
    let globs: Vec<usize> = nodes
        .iter()
        .flat_map(|&n| compiled.nodes[n].copy_files.iter().copied())
        .collect();
    files.retain(|f| {
        globs
            .iter()
            .any(|&g| compiled.file_glob_matches(g, f, units))
    });
    let mut branches: Vec<usize> = nodes
        .iter()
        .flat_map(|&n| compiled.nodes[n].copy_dirs.iter().copied())
        .collect();
    branches.sort_unstable();
    branches.dedup();
    let mut planned = Vec::new();
    for name in dirs {
        let path = source.join(&name);
        let matching: Vec<usize> = branches
            .iter()
            .copied()
            .filter(|&b| compiled.matches_dir(b, &path, true, units))
            .collect();
        if !matching.is_empty() {
            planned.push((name, plan(compiled, &matching, &path, units)?));
        }
    }
    Ok(Plan {
        source: source.to_owned(),
        files,
        dirs: planned,
    })
}

static TEMP_COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A hidden temporary name next to `path`.
pub(crate) fn temp_sibling(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let n = TEMP_COUNTER.fetch_add(1, Ordering::Relaxed);
    path.with_file_name(format!(".{name}.pathvein-{}-{n}", std::process::id()))
}

fn run_one(
    compiled: &Compiled,
    node: usize,
    input: &ShuffleInput,
    options: &ShuffleOptions,
    copied: &AtomicUsize,
) -> Result<usize, ShuffleError> {
    let mut units = Vec::new();
    let plan = plan(compiled, &[node], &input.source, &mut units)?;
    let count = plan.file_count();
    if options.dryrun {
        return Ok(count);
    }
    let dest = &input.destination;
    if options.transfer == Transfer::Move && overlaps(&input.source, dest) {
        return Err(ShuffleError::Overlap);
    }
    let copier = Copier {
        fail_after: options.fail_after,
        copied,
    };
    match fs::symlink_metadata(dest) {
        Ok(_) if !options.overwrite || !fs::metadata(dest).is_ok_and(|t| t.is_dir()) => {
            return Err(ShuffleError::DestinationExists);
        }
        Ok(_) => copier.merge(&plan, dest)?,
        Err(_) => {
            if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
                fs::create_dir_all(parent)
                    .map_err(io_err("creating destination parent", parent))?;
            }
            copier.build_atomically(&plan, dest)?;
        }
    }
    if options.transfer == Transfer::Move {
        verify(&plan, dest)?;
        remove_sources(&plan);
    }
    Ok(count)
}

struct Copier<'a> {
    fail_after: Option<usize>,
    copied: &'a AtomicUsize,
}

impl Copier<'_> {
    /// Builds `plan` in a temporary sibling of `dest`, then renames it into place.
    fn build_atomically(&self, plan: &Plan, dest: &Path) -> Result<(), ShuffleError> {
        let temp = temp_sibling(dest);
        let mut dirs = Vec::new();
        let built = self.build(plan, &temp, &mut dirs).and_then(|()| {
            // Directory metadata last, deepest first: writing into a directory changes its mtime,
            // and a read-only directory could not be filled.
            for (dir, meta) in dirs.iter().rev() {
                apply_metadata(dir, meta)?;
            }
            fs::rename(&temp, dest).map_err(io_err("renaming into place", dest))
        });
        if built.is_err() {
            for (dir, _) in &dirs {
                make_writable(dir);
            }
            let _ = fs::remove_dir_all(&temp);
        }
        built
    }

    fn build(
        &self,
        plan: &Plan,
        dir: &Path,
        dirs: &mut Vec<(PathBuf, Metadata)>,
    ) -> Result<(), ShuffleError> {
        fs::create_dir(dir).map_err(io_err("creating directory", dir))?;
        let meta =
            fs::metadata(&plan.source).map_err(io_err("reading source directory", &plan.source))?;
        dirs.push((dir.to_owned(), meta));
        for name in &plan.files {
            self.copy_file(&plan.source.join(name), &dir.join(name))?;
        }
        for (name, sub) in &plan.dirs {
            self.build(sub, &dir.join(name), dirs)?;
        }
        Ok(())
    }

    /// Merges `plan` into the existing directory `dir`, file by file.
    fn merge(&self, plan: &Plan, dir: &Path) -> Result<(), ShuffleError> {
        for name in &plan.files {
            let target = dir.join(name);
            let temp = temp_sibling(&target);
            if let Err(e) = self.copy_file(&plan.source.join(name), &temp) {
                let _ = fs::remove_file(&temp);
                return Err(e);
            }
            if let Err(e) = fs::rename(&temp, &target) {
                let _ = fs::remove_file(&temp);
                return Err(io_err("replacing file", &target)(e));
            }
        }
        for (name, sub) in &plan.dirs {
            let target = dir.join(name);
            match fs::metadata(&target) {
                Ok(m) if m.is_dir() => self.merge(sub, &target)?,
                Ok(_) => {
                    let e = io::Error::new(
                        io::ErrorKind::AlreadyExists,
                        "a file is in the way of a directory",
                    );
                    return Err(io_err("merging directory", &target)(e));
                }
                Err(_) => self.build_atomically(sub, &target)?,
            }
        }
        Ok(())
    }

    /// Copies one file's bytes, permissions and times (following links, as pathvein does).
    fn copy_file(&self, from: &Path, to: &Path) -> Result<(), ShuffleError> {
        if let Some(limit) = self.fail_after
            && self.copied.fetch_add(1, Ordering::Relaxed) >= limit
        {
            let e = io::Error::other("copy interrupted (test hook)");
            return Err(io_err("copying file", to)(e));
        }
        let meta = fs::metadata(from).map_err(io_err("reading source file", from))?;
        fs::copy(from, to).map_err(io_err("copying file", from))?;
        apply_metadata(to, &meta)
    }
}

/// Sets `path`'s permissions and access/modification times from `meta`.
fn apply_metadata(path: &Path, meta: &Metadata) -> Result<(), ShuffleError> {
    let mut times = FileTimes::new();
    if let Ok(t) = meta.accessed() {
        times = times.set_accessed(t);
    }
    if let Ok(t) = meta.modified() {
        times = times.set_modified(t);
    }
    File::open(path)
        .and_then(|f| f.set_times(times))
        .map_err(io_err("setting times", path))?;
    fs::set_permissions(path, meta.permissions()).map_err(io_err("setting permissions", path))
}

/// Gives the owner write access again, so that a failed temporary tree can be removed.
fn make_writable(dir: &Path) {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let _ = fs::set_permissions(dir, fs::Permissions::from_mode(0o700));
    }
    #[cfg(not(unix))]
    let _ = dir;
}

/// Checks every copied file against its source: same size and modification time.
fn verify(plan: &Plan, dest: &Path) -> Result<(), ShuffleError> {
    for name in &plan.files {
        let (from, to) = (plan.source.join(name), dest.join(name));
        let a = fs::metadata(&from).map_err(io_err("reading source file", &from))?;
        let b = fs::metadata(&to).map_err(io_err("reading copied file", &to))?;
        if a.len() != b.len() || a.modified().ok() != b.modified().ok() {
            return Err(ShuffleError::Verify { path: to });
        }
    }
    for (name, sub) in &plan.dirs {
        verify(sub, &dest.join(name))?;
    }
    Ok(())
}

/// Whether `dest` is `source`, inside it, or contains it (links resolved).
fn overlaps(source: &Path, dest: &Path) -> bool {
    let Ok(source) = fs::canonicalize(source) else {
        return false;
    };
    let resolved = fs::canonicalize(dest).ok().or_else(|| {
        let parent = dest.parent().filter(|p| !p.as_os_str().is_empty())?;
        Some(fs::canonicalize(parent).ok()?.join(dest.file_name()?))
    });
    resolved.is_some_and(|d| d.starts_with(&source) || source.starts_with(&d))
}

/// Deletes the copied source files, then the source directories left empty (deepest first).
pub(crate) fn remove_sources(plan: &Plan) {
    for (_, sub) in &plan.dirs {
        remove_sources(sub);
    }
    for name in &plan.files {
        let _ = fs::remove_file(plan.source.join(name));
    }
    // Fails, harmlessly, while anything the pattern did not cover remains.
    let _ = fs::remove_dir(&plan.source);
}

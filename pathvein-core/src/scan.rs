//! [`scan`]: every directory under a root that matches a pattern, from one parallel walk.

use std::ffi::OsStr;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

use crate::compile::{Bits, Compiled};
use crate::error::{Error, Result};
use crate::glob::Dialect;
use crate::pattern::FileStructurePattern;
use crate::walk::{self, DirStatus, Visitor, WalkIssue, WalkOptions};

/// How to scan: glob dialect, threads and symbolic links.
#[derive(Clone, Debug)]
pub struct ScanOptions {
    dialect: Dialect,
    threads: Option<usize>,
    follow_links: bool,
}

impl Default for ScanOptions {
    fn default() -> Self {
        Self {
            dialect: Dialect::Fnmatch,
            threads: None,
            follow_links: true,
        }
    }
}

impl ScanOptions {
    /// pathvein's behaviour: fnmatch globs, links followed, one thread per core (at most 12).
    pub fn new() -> Self {
        Self::default()
    }

    /// The glob dialect of every pattern. Default is [`Dialect::Fnmatch`].
    #[must_use]
    pub fn dialect(mut self, dialect: Dialect) -> Self {
        self.dialect = dialect;
        self
    }

    /// Worker threads; `0` or `1` walks on the calling thread. Default is the number of cores,
    /// at most 12. The results do not depend on it.
    #[must_use]
    pub fn threads(mut self, threads: usize) -> Self {
        self.threads = Some(threads);
        self
    }

    /// Follow symbolic links when classifying entries and descending, as pathvein does (with loop
    /// detection, which pathvein lacks). When `false`, a link is neither a file nor a directory.
    /// Default is `true`.
    #[must_use]
    pub fn follow_links(mut self, follow: bool) -> Self {
        self.follow_links = follow;
        self
    }

    pub(crate) fn thread_count(&self) -> usize {
        self.threads
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get().min(12)))
    }

    pub(crate) fn follows_links(&self) -> bool {
        self.follow_links
    }
}

/// One match: a directory and the index of the pattern (in the slice given) it matches.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ScanMatch {
    /// The directory: the canonical root, joined with the names walked below it.
    pub path: PathBuf,
    /// Index of the matching pattern.
    pub pattern: usize,
}

/// A directory the scan could not read or did not enter; the scan carried on without it.
#[derive(Debug)]
pub struct ScanError {
    /// The directory (or entry) concerned.
    pub path: PathBuf,
    /// What happened.
    pub kind: ScanErrorKind,
}

/// Why a directory was left out of a scan.
#[derive(Debug)]
#[non_exhaustive]
pub enum ScanErrorKind {
    /// Listing the directory failed (permissions, vanished, ...); it was treated as empty.
    Unreadable(io::Error),
    /// One entry of a listing could not be read.
    Entry(io::Error),
    /// A symbolic link leads back to `ancestor`; it was not entered.
    Loop {
        /// The directory the link resolves to.
        ancestor: PathBuf,
    },
}

impl fmt::Display for ScanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            ScanErrorKind::Unreadable(e) => write!(f, "cannot read directory {:?}: {e}", self.path),
            ScanErrorKind::Entry(e) => write!(f, "cannot read an entry of {:?}: {e}", self.path),
            ScanErrorKind::Loop { ancestor } => {
                write!(
                    f,
                    "file system loop: {:?} leads back to {:?}",
                    self.path, ancestor
                )
            }
        }
    }
}

/// What a scan found: matches sorted by (path, pattern), and the directories it had to skip.
#[derive(Debug, Default)]
pub struct ScanOutput {
    /// Every (directory, pattern) match, sorted by path then pattern index; the same for any
    /// number of threads.
    pub matches: Vec<ScanMatch>,
    /// Directories that could not be read or were not entered, sorted by path.
    pub errors: Vec<ScanError>,
}

/// Patterns compiled once, ready to scan many trees.
#[derive(Debug)]
pub struct Scanner {
    compiled: Compiled,
    options: ScanOptions,
    patterns: Vec<FileStructurePattern>,
}

impl Scanner {
    /// Compiles `patterns` with `options`.
    ///
    /// # Errors
    ///
    /// [`Error::Glob`] for a glob the dialect rejects (never with [`Dialect::Fnmatch`]).
    pub fn new(patterns: &[FileStructurePattern], options: ScanOptions) -> Result<Self> {
        Ok(Self {
            compiled: Compiled::new(patterns, options.dialect)?,
            options,
            patterns: patterns.to_vec(),
        })
    }

    /// Scans the tree at `root`.
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when `root` does not exist or cannot be resolved, and
    /// [`Error::NotADirectory`] when it is not a directory. Problems below the root are not
    /// errors: they are listed in [`ScanOutput::errors`].
    pub fn scan(&self, root: impl AsRef<Path>) -> Result<ScanOutput> {
        let root = root.as_ref();
        let resolved =
            std::fs::canonicalize(root).map_err(|e| Error::io("resolving scan root", root, e))?;
        let meta = std::fs::metadata(&resolved)
            .map_err(|e| Error::io("reading scan root", &resolved, e))?;
        if !meta.is_dir() {
            return Err(Error::NotADirectory(resolved));
        }
        let visitor = ScanVisitor {
            compiled: &self.compiled,
        };
        let options = WalkOptions {
            threads: self.options.thread_count(),
            follow_links: self.options.follow_links,
        };
        let (locals, issues) = walk::walk(resolved, Some(walk::meta_id(&meta)), &visitor, options);
        let mut matches: Vec<ScanMatch> = locals.into_iter().flat_map(|l| l.matches).collect();
        matches.sort_unstable();
        let mut errors: Vec<ScanError> = issues
            .into_iter()
            .map(|(path, issue)| ScanError {
                path,
                kind: match issue {
                    WalkIssue::Unreadable(e) => ScanErrorKind::Unreadable(e),
                    WalkIssue::Entry(e) => ScanErrorKind::Entry(e),
                    WalkIssue::Loop(ancestor) => ScanErrorKind::Loop { ancestor },
                },
            })
            .collect();
        errors.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(ScanOutput { matches, errors })
    }

    /// The patterns, in the order the matches' `pattern` indices refer to.
    pub fn patterns(&self) -> &[FileStructurePattern] {
        &self.patterns
    }

    pub(crate) fn compiled(&self) -> &Compiled {
        &self.compiled
    }

    pub(crate) fn options(&self) -> &ScanOptions {
        &self.options
    }

    pub(crate) fn dialect(&self) -> Dialect {
        self.options.dialect
    }
}

/// Scans `root` for directories matching any of `patterns`, with pathvein's behaviour
/// ([`ScanOptions::default`]).
///
/// Every directory is a candidate: the root itself, empty directories, and directories inside
/// other matches. A directory matching several patterns appears once per pattern.
///
/// ```
/// use pathvein_core::{scan, FileStructurePattern};
/// let dir = tempfile::tempdir()?;
/// std::fs::create_dir_all(dir.path().join("exp_1/raw"))?;
/// std::fs::write(dir.path().join("exp_1/data.csv"), "x")?;
/// let raw = FileStructurePattern::builder().directory_name("raw").build();
/// let exp = FileStructurePattern::builder().directory_name("exp_*").file("*.csv").directory(raw).build();
/// let found = scan(dir.path(), &[exp])?;
/// assert_eq!(found.matches.len(), 1);
/// assert!(found.matches[0].path.ends_with("exp_1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// See [`Scanner::scan`].
pub fn scan(root: impl AsRef<Path>, patterns: &[FileStructurePattern]) -> Result<ScanOutput> {
    Scanner::new(patterns, ScanOptions::default())?.scan(root)
}

struct ScanVisitor<'c> {
    compiled: &'c Compiled,
}

struct DirAcc {
    files: Bits,
    children: Bits,
}

#[derive(Default)]
struct ScanLocal {
    matches: Vec<ScanMatch>,
    units: Vec<u32>,
}

impl Visitor for ScanVisitor<'_> {
    type Acc = DirAcc;
    type Up = Bits;
    type Local = ScanLocal;

    fn start(&self) -> DirAcc {
        DirAcc {
            files: self.compiled.file_bits(),
            children: self.compiled.node_bits(),
        }
    }

    fn file(&self, acc: &mut DirAcc, name: &OsStr, local: &mut ScanLocal) {
        self.compiled
            .add_file(name, &mut acc.files, &mut local.units);
    }

    fn child(&self, acc: &mut DirAcc, up: Bits) {
        acc.children.union(&up);
    }

    fn finish(&self, path: &Path, status: DirStatus, acc: DirAcc, local: &mut ScanLocal) -> Bits {
        let name = path.file_name().unwrap_or_default();
        let satisfied = self
            .compiled
            .evaluate(name, &acc.files, &acc.children, &mut local.units);
        if status == DirStatus::Read {
            for (index, &node) in self.compiled.roots.iter().enumerate() {
                if satisfied.get(node) {
                    local.matches.push(ScanMatch {
                        path: path.to_owned(),
                        pattern: index,
                    });
                }
            }
        }
        satisfied
    }
}

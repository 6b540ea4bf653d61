//! File-structure pattern matching: find the directories in a tree that have a given shape, and
//! copy (or move) them elsewhere, exactly as PyPI [pathvein] 0.9.0 does, only faster and without
//! its crashes.
//!
//! [pathvein]: https://pypi.org/project/pathvein/
//!
//! A [`FileStructurePattern`] describes a directory: a glob for its name, globs for files that must
//! be in it, and patterns for sub-directories that must be in it (recursively), plus optional
//! files and sub-directories that are copied when present. [`scan`] walks a tree once, in
//! parallel, reading every directory exactly once and evaluating patterns bottom-up, and returns
//! every (directory, pattern) match in a deterministic order. [`assess`] goes the other way, from
//! one file to the directories around it that match. [`shuffle`], [`shuffle_to`] and
//! [`shuffle_with`] copy matched structures, building each destination aside and renaming it into
//! place so that a failure never leaves half a copy.
//!
//! # Example
//!
//! ```
//! use pathvein_core::{scan, FileStructurePattern};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::create_dir_all(dir.path().join("exp_001/raw"))?;
//! std::fs::write(dir.path().join("exp_001/data.csv"), "1,2\n")?;
//! std::fs::write(dir.path().join("exp_001/raw/run.parquet"), "")?;
//!
//! // The same pattern file pathvein reads (sub-patterns may also be plain nested objects).
//! let pattern = FileStructurePattern::from_json(
//!     r#"{"directory_name": "exp_*", "files": ["*.csv"],
//!         "directories": [{"directory_name": "raw", "files": ["*.parquet"]}]}"#,
//! )?;
//! let found = scan(dir.path(), &[pattern])?;
//! assert_eq!(found.matches.len(), 1);
//! assert!(found.matches[0].path.ends_with("exp_001"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: configured
//!
//! ```
//! use pathvein_core::{Dialect, FileStructurePattern, ScanOptions, Scanner, ShuffleOptions, Transfer};
//!
//! let src = tempfile::tempdir()?;
//! let dest = tempfile::tempdir()?;
//! std::fs::create_dir_all(src.path().join("run_7"))?;
//! std::fs::write(src.path().join("run_7/a.csv"), "x")?;
//! let patterns = [FileStructurePattern::builder().directory_name("{run,exp}_*").file("*.csv").build()];
//! // globset syntax instead of fnmatch, two threads, links not followed.
//! let options = ScanOptions::new()
//!     .dialect(Dialect::Globset { case_insensitive: false })
//!     .threads(2)
//!     .follow_links(false);
//! let scanner = Scanner::new(&patterns, options)?;
//! let found = scanner.scan(src.path())?;
//! let moving = ShuffleOptions::new()
//!     .dialect(Dialect::Globset { case_insensitive: false })
//!     .transfer(Transfer::Move);
//! let report = pathvein_core::shuffle_to(&found.matches, &patterns, dest.path(), &moving)?;
//! assert_eq!(report.done.len(), 1);
//! assert!(!src.path().join("run_7/a.csv").exists());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Syntax
//!
//! Globs apply to one name (never a path) and, by default, are Python's `fnmatch` as pathvein
//! uses it on POSIX: `*` (any run, leading dots included), `?` (one character), `[abc]`, `[a-z]`,
//! `[!abc]` (negation); `^`, `{`, `}` and `\` are ordinary characters, an unclosed `[` is literal,
//! and matching is case-sensitive. Names that are not UTF-8 are matched byte for byte as Python
//! sees them (each invalid byte is one character). [`Dialect::Globset`] selects the `globset`
//! syntax instead.
//!
//! A directory matches a pattern when its name matches `directory_name` (`None` or `""`: any),
//! each `files` glob matches at least one of its direct child files, and each `directories`
//! pattern is matched by at least one direct child directory. Symbolic links are followed, as in
//! pathvein, but a link back to an ancestor is not entered (it is reported); broken links, FIFOs,
//! sockets and devices are neither files nor directories.
//!
//! # Feature flags
//!
//! None yet; cloud storage through `object_store` is planned behind a feature.
//!
//! # Object stores
//!
//! [`KeyTree`] builds a tree from object keys (the result of one recursive listing of a bucket
//! prefix) and [`Scanner::scan_keys`] scans it with the same matcher; an `object_store` backend
//! behind a feature is planned on top of it.
//!
//! # Errors
//!
//! One [`Error`] type, `#[non_exhaustive]`. Problems inside a tree are not errors: a scan lists
//! unreadable directories and link loops in [`ScanOutput::errors`] and carries on, and a shuffle
//! lists failed items in [`ShuffleReport::failed`]. Error messages are not part of the API.
#![forbid(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

mod assess;
mod compile;
mod error;
mod glob;
mod json;
mod listing;
mod pathutil;
mod pattern;
mod scan;
mod shuffle;
mod walk;

pub use assess::assess;
pub use error::{Error, Result};
pub use glob::{Dialect, Glob};
pub use listing::{KeyMatch, KeyTree};
pub use pattern::{FileStructurePattern, PatternBuilder};
pub use scan::{ScanError, ScanErrorKind, ScanMatch, ScanOptions, ScanOutput, Scanner, scan};
pub use shuffle::{
    ShuffleError, ShuffleFailure, ShuffleInput, ShuffleOptions, ShuffleReport, ShuffleResult,
    Transfer, shuffle, shuffle_to, shuffle_with,
};

#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;

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
//! - **`object-store`**: scan and shuffle over any `object_store` backend (S3, GCS, Azure,
//!   local, in memory): `StoreRoot`, `Scanner::scan_store` (and `_async`), `scan_store`,
//!   `shuffle_store_to` (and `_async`) from a store, `shuffle_to_store` (and `_async`) from a
//!   local tree, `StoreDestination`. Brings `object_store` 0.14 without
//!   any cloud client (re-exported as `pathvein_core::object_store`); enable the backend you use
//!   on your own `object_store` dependency (`features = ["gcp"]`, ...).
//! - **`s3`**: `object-store` plus object_store's Amazon S3 client on reqwest and rustls with
//!   the *ring* provider (no aws-lc, no OpenSSL), and `install_ring_provider`.
//!
//! # Object stores
//!
//! [`KeyTree`] builds a tree from object keys and [`Scanner::scan_keys`] scans it with the same
//! matcher as a local scan. With the `object-store` feature, `Scanner::scan_store` feeds it
//! from *one* recursive, paginated listing of a prefix (one request per 1,000 keys on S3, where
//! pathvein through UPath lists every directory), and `shuffle_store_to` copies (or moves)
//! matches to a local directory or another prefix from one more listing; `shuffle_to_store`
//! copies (or moves) a local scan's matches into a prefix. A move deletes a source only after
//! its copy has been verified (size, and e-tag when both are a content MD5) and the source has
//! been checked unchanged since the listing. Match paths are store locations
//! (`bench/g00/exp_000`); `StoreRoot::url_of` renders them as `s3://bucket/bench/g00/exp_000`.
#![cfg_attr(
    feature = "object-store",
    doc = r#"
```
use std::sync::Arc;
use pathvein_core::object_store::{memory::InMemory, path::Path, ObjectStoreExt};
use pathvein_core::{scan_store, FileStructurePattern, StoreRoot};

let store = Arc::new(InMemory::new()); // or an AmazonS3, GoogleCloudStorage, MicrosoftAzure...
tokio::runtime::Runtime::new()?.block_on(async {
    store.put(&Path::from("lab/exp_1/a.csv"), "1".into()).await?;
    store.put(&Path::from("lab/exp_1/raw/r.parquet"), "".into()).await
})?;
let root = StoreRoot::new(store, "lab")?.url("s3://bucket");
let raw = FileStructurePattern::builder().directory_name("raw").build();
let exp = FileStructurePattern::builder().directory_name("exp_*").file("*.csv").directory(raw).build();
let found = scan_store(&root, &[exp])?; // blocking; `Scanner::scan_store_async` in async code
assert_eq!(root.url_of(&found.matches[0].path), "s3://bucket/lab/exp_1");
# Ok::<(), Box<dyn std::error::Error>>(())
```
"#
)]
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
#[cfg(feature = "object-store")]
mod store;
mod walk;

pub use assess::assess;
pub use error::{Error, Result};
pub use glob::{Dialect, Glob};
pub use listing::{KeyMatch, KeyTree};
/// The `object_store` crate this one is built against (`Arc<dyn ObjectStore>`, `memory::InMemory`,
/// `aws::AmazonS3Builder` with the `s3` feature, ...).
#[cfg(feature = "object-store")]
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub use object_store;
pub use pattern::{FileStructurePattern, PatternBuilder};
pub use scan::{ScanError, ScanErrorKind, ScanMatch, ScanOptions, ScanOutput, Scanner, scan};
pub use shuffle::{
    ShuffleError, ShuffleFailure, ShuffleInput, ShuffleOptions, ShuffleReport, ShuffleResult,
    Transfer, shuffle, shuffle_to, shuffle_with,
};
#[cfg(feature = "s3")]
pub use store::install_ring_provider;
#[cfg(feature = "object-store")]
pub use store::{
    DEFAULT_MAX_OBJECTS, StoreDestination, StoreRoot, scan_store, shuffle_store_to,
    shuffle_store_to_async, shuffle_to_store, shuffle_to_store_async,
};

#[doc(hidden)]
#[path = "fuzz.rs"]
pub mod __fuzz;

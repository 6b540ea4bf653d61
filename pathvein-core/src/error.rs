//! The crate's error type.
//!
//! Messages are lowercase, quote the bad input and say what was expected; their wording is not
//! part of the API and may change.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong in `pathvein-core`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A pattern file is not valid JSON, or not the shape of a pattern.
    #[error("invalid pattern at `{location}`: {reason}")]
    Pattern {
        /// Where in the pattern: `$`, `$.directories[0].files[1]`, ...
        location: String,
        /// What was wrong and what was expected.
        reason: String,
    },
    /// A pattern exceeds a limit (size, nesting depth, number of sub-patterns).
    #[error("pattern too large: {what} exceeds the limit of {limit}")]
    Limit {
        /// Which limit.
        what: &'static str,
        /// The limit's value.
        limit: usize,
    },
    /// A glob is not valid in the chosen dialect (only [`crate::Dialect::Globset`] rejects globs).
    #[error("invalid glob {glob:?}: {reason}")]
    Glob {
        /// The glob as written.
        glob: String,
        /// Why it was rejected.
        reason: String,
    },
    /// A file or directory could not be read or written.
    #[error("{action} {path:?}: {source}")]
    Io {
        /// What was being done (`reading pattern file`, `scanning`, ...).
        action: &'static str,
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// The scan root exists but is not a directory.
    #[error("scan root {0:?} is not a directory")]
    NotADirectory(PathBuf),
    /// An object-store request failed (listing, reading, writing).
    #[cfg(feature = "object-store")]
    #[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
    #[error("{action} {location:?}: {source}")]
    Store {
        /// What was being done (`listing`, ...).
        action: &'static str,
        /// The object or prefix involved.
        location: String,
        /// The underlying error.
        #[source]
        source: object_store::Error,
    },
    /// A blocking object-store call cannot run: it was made on a thread that is already running
    /// an async runtime (use the `_async` function instead), or the runtime could not start.
    #[cfg(feature = "object-store")]
    #[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
    #[error("{0}")]
    Runtime(String),
}

impl Error {
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

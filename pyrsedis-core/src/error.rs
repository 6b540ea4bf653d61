//! The crate's error type: opaque, with a [`ErrorKind`] to match on.

use std::fmt;
use std::time::Duration;

use crate::resp::{DecodeError, ServerError};

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// What went wrong, broadly. The wording of messages is not stable; match on this instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The server replied with an error (see [`Error::server_error`]).
    Server,
    /// Reading or writing the socket failed, or the server closed the connection.
    Io,
    /// No connection within the connect timeout, or no whole reply within the response timeout.
    Timeout,
    /// The server's bytes break the RESP grammar.
    Protocol,
    /// A reply exceeded a configured limit (size, count, depth).
    LimitExceeded,
    /// A URL or configuration value is invalid.
    InvalidConfig,
    /// The configuration asks for something this client cannot do (a sentinel deployment, or
    /// a cluster URL given to the standalone [`crate::Client`]).
    Unsupported,
    /// A reply did not have the shape the typed command expected.
    TypeMismatch,
    /// The call cannot be made here (a blocking call inside an async runtime).
    InvalidState,
    /// A cluster client refused, before sending anything, a multi-key command whose keys span
    /// hash slots and which it cannot split (put the keys under one hash tag: `{user1}:a`).
    CrossSlot,
}

/// How a caller may sensibly retry after an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RetryMethod {
    /// Do not retry: the error will repeat.
    NoRetry,
    /// Retry on a fresh connection, if the command is safe to repeat (it may have run).
    Reconnect,
    /// Wait a little and retry (`LOADING`, `TRYAGAIN`, `BUSY`).
    WaitAndRetry,
}

/// An error from this crate.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: ErrorKind,
    message: String,
    server: Option<ServerError>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            inner: Box::new(Inner {
                kind,
                message: message.into(),
                server: None,
                source: None,
            }),
        }
    }

    pub(crate) fn with_source(
        mut self,
        source: impl std::error::Error + Send + Sync + 'static,
    ) -> Error {
        self.inner.source = Some(Box::new(source));
        self
    }

    pub(crate) fn io(context: &str, err: std::io::Error) -> Error {
        Error::new(ErrorKind::Io, format!("{context}: {err}")).with_source(err)
    }

    pub(crate) fn closed() -> Error {
        Error::new(
            ErrorKind::Io,
            "the server closed the connection before the reply was complete",
        )
    }

    pub(crate) fn timeout(what: &str, after: Duration) -> Error {
        Error::new(
            ErrorKind::Timeout,
            format!(
                "{what} timed out after {after:?} (raise it in the URL or Config if the server is just slow)"
            ),
        )
    }

    pub(crate) fn config(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidConfig, message)
    }

    pub(crate) fn type_mismatch(expected: &str, got: &crate::Value) -> Error {
        let got = format!("{got:?}");
        let shown: String = got.chars().take(80).collect();
        Error::new(
            ErrorKind::TypeMismatch,
            format!("expected {expected}, the server replied {shown}"),
        )
    }

    /// What kind of error this is.
    pub fn kind(&self) -> ErrorKind {
        self.inner.kind
    }

    /// The server's error reply, when [`ErrorKind::Server`].
    pub fn server_error(&self) -> Option<&ServerError> {
        self.inner.server.as_ref()
    }

    /// Whether the connection that saw this error was dropped rather than reused.
    pub fn is_connection_dropped(&self) -> bool {
        matches!(
            self.kind(),
            ErrorKind::Io | ErrorKind::Timeout | ErrorKind::Protocol | ErrorKind::LimitExceeded
        )
    }

    /// How a caller may retry.
    pub fn retry_method(&self) -> RetryMethod {
        use crate::resp::ServerErrorKind as S;
        match self.kind() {
            ErrorKind::Io | ErrorKind::Timeout => RetryMethod::Reconnect,
            ErrorKind::Server => match self.server_error().map(ServerError::kind) {
                Some(S::Loading | S::TryAgain | S::Busy | S::ClusterDown) => {
                    RetryMethod::WaitAndRetry
                }
                _ => RetryMethod::NoRetry,
            },
            _ => RetryMethod::NoRetry,
        }
    }
}

impl From<ServerError> for Error {
    fn from(err: ServerError) -> Error {
        Error {
            inner: Box::new(Inner {
                kind: ErrorKind::Server,
                message: err.to_string(),
                server: Some(err),
                source: None,
            }),
        }
    }
}

impl From<DecodeError> for Error {
    fn from(err: DecodeError) -> Error {
        let kind = match err {
            DecodeError::LimitExceeded { .. } => ErrorKind::LimitExceeded,
            _ => ErrorKind::Protocol,
        };
        Error::new(kind, err.to_string()).with_source(err)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.inner.message)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Error")
            .field("kind", &self.inner.kind)
            .field("message", &self.inner.message)
            .finish()
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.inner
            .source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer_and_thread_safe() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn server_errors_keep_their_code_and_retry_advice() {
        let err = Error::from(ServerError::new("LOADING Redis is loading the dataset"));
        assert_eq!(err.kind(), ErrorKind::Server);
        assert_eq!(err.server_error().unwrap().code(), "LOADING");
        assert_eq!(err.retry_method(), RetryMethod::WaitAndRetry);
        let err = Error::from(ServerError::new("WRONGTYPE Operation against a key"));
        assert_eq!(err.retry_method(), RetryMethod::NoRetry);
        assert!(!err.is_connection_dropped());
    }
}

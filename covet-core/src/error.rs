//! The crate's one error type.

use std::fmt;

/// The result type of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error from parsing, routing, configuration or I/O.
///
/// Errors are opaque: ask what kind they are with the `is_*` predicates, and for protocol
/// errors which response status they map to with [`Error::status`]. The wording of
/// [`Display`](fmt::Display) is for people and may change between versions.
pub struct Error {
    inner: Box<Inner>,
}

struct Inner {
    kind: Kind,
    message: String,
    cause: Option<Box<dyn std::error::Error + Send + Sync>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// The peer broke HTTP/1.1 framing or syntax; carries the status to answer with.
    Protocol(u16),
    /// A route could not be added.
    Route,
    /// The server configuration is unusable.
    Config,
    /// A socket operation failed.
    Io,
}

impl Error {
    fn new(kind: Kind, message: String) -> Self {
        Self {
            inner: Box::new(Inner {
                kind,
                message,
                cause: None,
            }),
        }
    }

    /// A protocol error that is answered with `status` and a closed connection.
    pub(crate) fn new_protocol(status: u16, message: impl Into<String>) -> Self {
        Self::new(Kind::Protocol(status), message.into())
    }

    pub(crate) fn new_route(message: impl Into<String>) -> Self {
        Self::new(Kind::Route, message.into())
    }

    pub(crate) fn new_config(message: impl Into<String>) -> Self {
        Self::new(Kind::Config, message.into())
    }

    pub(crate) fn new_io(context: &str, err: std::io::Error) -> Self {
        let mut e = Self::new(Kind::Io, format!("{context}: {err}"));
        e.inner.cause = Some(Box::new(err));
        e
    }

    /// True when the peer sent bytes that are not valid HTTP/1.1 (or exceed a limit).
    pub fn is_protocol(&self) -> bool {
        matches!(self.inner.kind, Kind::Protocol(_))
    }

    /// True when a route was rejected (bad syntax or a conflict with an existing route).
    pub fn is_route(&self) -> bool {
        self.inner.kind == Kind::Route
    }

    /// True when a server setting is unusable.
    pub fn is_config(&self) -> bool {
        self.inner.kind == Kind::Config
    }

    /// True when a socket operation failed.
    pub fn is_io(&self) -> bool {
        self.inner.kind == Kind::Io
    }

    /// The response status a protocol error is answered with (400, 413, 414, 431, 501, 505, ...),
    /// or `None` for other kinds.
    pub fn status(&self) -> Option<u16> {
        match self.inner.kind {
            Kind::Protocol(status) => Some(status),
            _ => None,
        }
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
            .cause
            .as_deref()
            .map(|c| c as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_send_sync_and_one_pointer_wide() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Error>();
        assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn protocol_errors_carry_their_status() {
        let e = Error::new_protocol(431, "header block too large");
        assert!(e.is_protocol());
        assert_eq!(e.status(), Some(431));
        assert_eq!(e.to_string(), "header block too large");
        assert_eq!(Error::new_route("x").status(), None);
    }
}

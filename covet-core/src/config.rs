//! Limits and timeouts: everything a peer can make the server spend is bounded here.

use std::time::Duration;

/// The hard ceiling on [`Limits::max_headers`]; the parser keeps header positions inline.
pub const MAX_HEADERS: usize = 100;

/// The hard ceiling on [`Limits::max_head`]: header positions are stored as 16-bit offsets.
pub const MAX_HEAD: usize = u16::MAX as usize;

/// Size and count limits on one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest request line (method, target, version) in bytes; longer is answered 414.
    /// Default is 8 KiB.
    pub max_request_line: usize,
    /// Largest request head (request line and header fields) in bytes; larger is answered 431.
    /// Default is 16 KiB; at most [`MAX_HEAD`].
    pub max_head: usize,
    /// Most header fields in one request; more is answered 431. Default is 64; at most
    /// [`MAX_HEADERS`].
    pub max_headers: usize,
    /// Largest request body the server buffers for a handler; larger is answered 413 (before
    /// reading it when `Content-Length` says so). Default is 1 MiB.
    pub max_body: u64,
    /// Largest request body a [streaming handler](crate::handler::streaming) may read; larger
    /// is answered 413 (before reading it when `Content-Length` says so, else when the chunked
    /// body crosses it). Default is 1 GiB.
    pub max_stream_body: u64,
    /// Longest chunk extension (`;name=value` after a chunk size) in bytes. Default is 1 KiB.
    pub max_chunk_ext: usize,
    /// Largest trailer section of a chunked body in bytes. Default is 8 KiB.
    pub max_trailers: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_request_line: 8 * 1024,
            max_head: 16 * 1024,
            max_headers: 64,
            max_body: 1024 * 1024,
            max_stream_body: 1 << 30,
            max_chunk_ext: 1024,
            max_trailers: 8 * 1024,
        }
    }
}

impl Limits {
    /// The limits clamped to the hard ceilings ([`MAX_HEAD`], [`MAX_HEADERS`]).
    pub(crate) fn clamped(mut self) -> Self {
        self.max_head = self.max_head.min(MAX_HEAD);
        self.max_headers = self.max_headers.clamp(1, MAX_HEADERS);
        self.max_request_line = self.max_request_line.min(self.max_head);
        self
    }

    /// The limits the head parser applies: its 413 check uses the larger body limit, and the
    /// connection applies the one that fits the route.
    pub(crate) fn for_heads(mut self) -> Self {
        self.max_body = self.max_body.max(self.max_stream_body);
        self
    }

    /// These limits with `max_body` set to the limit for a streamed body.
    pub(crate) fn for_streams(mut self) -> Self {
        self.max_body = self.max_stream_body;
        self
    }
}

/// Timeouts on one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Time allowed from the first byte of a request head to its end (slowloris defence);
    /// the connection gets 408 and is closed. Default is 10 s.
    pub header_read: Duration,
    /// Longest wait for the next bytes of a request body; the connection gets 408 and is
    /// closed. Default is 10 s.
    pub body_read_idle: Duration,
    /// Longest wait for the next request on an idle keep-alive connection before closing it.
    /// Default is 5 s.
    pub keep_alive_idle: Duration,
    /// Longest a single write of responses, or of WebSocket frames, may block before the
    /// connection is dropped. Default is 10 s.
    pub write: Duration,
    /// How long a WebSocket peer may stay silent before the server sends it a ping (again
    /// after each further interval of silence); any frame from the peer, a pong included,
    /// counts as activity. `None` sends no pings. Default is 30 s.
    pub ws_ping_interval: Option<Duration>,
    /// How long a WebSocket peer may stay silent (no frame, no pong) before the server closes
    /// the session with code 1001 (going away), dropping the connection if the peer does not
    /// answer the close within 2 s. `None` keeps silent sessions open. Default is 60 s.
    pub ws_idle: Option<Duration>,
}

impl Default for Timeouts {
    fn default() -> Self {
        Self {
            header_read: Duration::from_secs(10),
            body_read_idle: Duration::from_secs(10),
            keep_alive_idle: Duration::from_secs(5),
            write: Duration::from_secs(10),
            ws_ping_interval: Some(Duration::from_secs(30)),
            ws_idle: Some(Duration::from_secs(60)),
        }
    }
}

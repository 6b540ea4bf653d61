//! Streamed request bodies: what a [`handler::streaming`](crate::handler::streaming) handler
//! reads instead of a buffered body.
//!
//! The stream and the connection talk through a two-slot channel and a demand signal: each
//! call to [`BodyStream::chunk`] asks the connection for one piece, and the connection reads
//! the socket only to answer such a request. So a handler that reads slowly slows the client
//! down (TCP backpressure), and memory stays bounded by one read (at most 64 KiB) per
//! connection whatever the size of the body.

use std::sync::Arc;

use bytes::{Bytes, BytesMut};
use tokio::sync::{Notify, mpsc};

use crate::error::{Error, Result};

/// One message from the connection to a [`BodyStream`]: a piece of the body or why it
/// stopped. The end of the body is the channel closing.
pub(crate) type Piece = Result<Bytes>;

/// A request body read as it arrives.
///
/// Obtained from [`Request::take_body_stream`](crate::Request::take_body_stream) in a handler
/// registered with [`handler::streaming`](crate::handler::streaming). The first call to
/// [`chunk`](BodyStream::chunk) is what sends `100 Continue` to a client that asked for it.
///
/// ```
/// use covet_core::{handler, Request, Response, Router};
///
/// let router = Router::new();
/// router.post("/upload", handler::streaming(|mut req: Request| async move {
///     let Some(mut body) = req.take_body_stream() else { return Response::empty(500) };
///     let mut total = 0;
///     loop {
///         match body.chunk().await {
///             Ok(Some(piece)) => total += piece.len(),
///             Ok(None) => break,
///             // The connection answers a broken or timed-out body itself.
///             Err(_) => return Response::empty(400),
///         }
///     }
///     Response::text(format!("{total} bytes"))
/// }))?;
/// # Ok::<(), covet_core::Error>(())
/// ```
#[derive(Debug)]
pub struct BodyStream {
    rx: mpsc::Receiver<Piece>,
    want: Arc<Notify>,
    content_length: Option<u64>,
    done: bool,
}

impl BodyStream {
    /// A stream and the connection's ends of it: the sender and the demand signal.
    pub(crate) fn new(content_length: Option<u64>) -> (Self, mpsc::Sender<Piece>, Arc<Notify>) {
        // One piece in flight, plus room for a final error.
        let (tx, rx) = mpsc::channel(2);
        let want = Arc::new(Notify::new());
        let stream = Self {
            rx,
            want: Arc::clone(&want),
            content_length,
            done: false,
        };
        (stream, tx, want)
    }

    /// The length the client announced with `Content-Length`; `None` for a chunked body.
    pub fn content_length(&self) -> Option<u64> {
        self.content_length
    }

    /// The next piece of the body, or `None` at its end.
    ///
    /// Pieces are at most 64 KiB; their boundaries say nothing about the chunks the client
    /// sent. Errors: a malformed chunked body (400), a body over
    /// [`Limits::max_stream_body`](crate::Limits::max_stream_body) (413), the body-read idle
    /// timeout (408), or the client leaving; the connection answers protocol errors itself
    /// and closes, whatever the handler returns. After an error or the end, `chunk` keeps
    /// returning `Ok(None)`.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>> {
        if self.done {
            return Ok(None);
        }
        self.want.notify_one();
        let got = self.rx.recv().await;
        self.received(got)
    }

    /// [`BodyStream::chunk`] for code running outside the runtime, such as a
    /// [`handler::blocking_streaming`](crate::handler::blocking_streaming) handler on the
    /// blocking pool: waits for the piece by parking the thread.
    ///
    /// # Panics
    ///
    /// When called from an async context (a runtime worker thread), like tokio's own
    /// `blocking_recv`: use [`BodyStream::chunk`] there.
    pub fn blocking_chunk(&mut self) -> Result<Option<Bytes>> {
        if self.done {
            return Ok(None);
        }
        self.want.notify_one();
        let got = self.rx.blocking_recv();
        self.received(got)
    }

    /// What one receive from the connection means for the reader.
    fn received(&mut self, got: Option<Piece>) -> Result<Option<Bytes>> {
        match got {
            Some(Ok(piece)) => Ok(Some(piece)),
            Some(Err(e)) => {
                self.done = true;
                Err(e)
            }
            None => {
                self.done = true;
                Ok(None)
            }
        }
    }

    /// Reads the rest of the body into one buffer, failing with 413 past `limit` bytes.
    pub async fn collect(mut self, limit: usize) -> Result<Bytes> {
        let mut out = BytesMut::new();
        while let Some(piece) = self.chunk().await? {
            append(&mut out, &piece, limit)?;
        }
        Ok(out.freeze())
    }

    /// [`BodyStream::collect`] outside the runtime (see [`BodyStream::blocking_chunk`]).
    ///
    /// # Panics
    ///
    /// When called from an async context.
    pub fn blocking_collect(mut self, limit: usize) -> Result<Bytes> {
        let mut out = BytesMut::new();
        while let Some(piece) = self.blocking_chunk()? {
            append(&mut out, &piece, limit)?;
        }
        Ok(out.freeze())
    }
}

/// Appends `piece` to a collected body, failing with 413 past `limit` bytes.
fn append(out: &mut BytesMut, piece: &[u8], limit: usize) -> Result<()> {
    if out.len() + piece.len() > limit {
        return Err(Error::new_protocol(
            413,
            format!("request body exceeds the limit of {limit} bytes"),
        ));
    }
    out.extend_from_slice(piece);
    Ok(())
}

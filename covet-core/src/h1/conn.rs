//! One connection: read, parse every complete request in the buffer, answer each in order
//! into one write buffer, write once, repeat.
//!
//! The rules that keep one byte stream from getting two interpretations:
//!
//! - a request's body is consumed (or the connection closed) before the next head is parsed;
//! - after any framing error the error response is written and the connection is closed
//!   (lingering briefly so the response is not lost to a reset); nothing after the error is
//!   parsed;
//! - responses leave in request order, batched: the write buffer is flushed only before the
//!   connection has to wait for more bytes, before a streamed body, or before closing;
//! - a body streamed to a handler is read only as the handler asks for it; whatever the
//!   handler leaves unread is discarded up to [`DRAIN_LIMIT`] before the next head is parsed,
//!   or the connection is closed after the response (also when `100 Continue` was never
//!   sent, since the client may or may not send the body then).

use std::future::Future;
use std::io;
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use tokio::sync::Notify;
use tokio::time::{Instant, timeout};

use super::body::ChunkedDecoder;
use super::encode::{CONTINUE, Finish, LAST_CHUNK, encode, put_chunk};
use super::parse::{Framing, Head, parse_head, too_large};
use crate::body::{BodyStream, Piece};
use crate::error::Error;
use crate::handler::Reply;
use crate::method::{Method, Version};
use crate::metrics::Shard;
use crate::request::Request;
use crate::response::Response;
use crate::router::Lookup;
use crate::server::Shared;
use crate::transport::Transport;

/// Bytes reserved for each read.
const READ_CHUNK: usize = 8 * 1024;

/// Responses buffered before a write even when more pipelined requests are waiting.
const MAX_BATCH: usize = 64 * 1024;

/// How long, and how much, a closing connection keeps reading so its last response is not
/// destroyed by a TCP reset.
const LINGER_TIME: Duration = Duration::from_millis(500);
const LINGER_BYTES: usize = 256 * 1024;

/// The most of a streamed body the connection discards after the handler has returned
/// without reading it all; with more left it closes instead.
const DRAIN_LIMIT: usize = 256 * 1024;

/// The largest piece of a streamed body handed to a handler at once.
const MAX_PIECE: usize = 64 * 1024;

enum Read {
    Data,
    Eof,
    Timeout,
    Shutdown,
}

/// What to do after a request has been answered.
enum Next {
    Continue,
    Close,
    /// The connection has already been closed (after a protocol error).
    Closed,
    /// The response switched protocols: hand the connection to this WebSocket session.
    Upgrade(crate::ws::Session),
}

/// Serves HTTP/1.1 on `io` until the peer leaves, an error closes it, or the server shuts
/// down.
pub(crate) async fn serve<S: Transport>(io: S, shared: &Shared, metrics: Option<&Shard>) {
    let mut conn = Conn {
        io,
        rbuf: BytesMut::with_capacity(READ_CHUNK),
        wbuf: BytesMut::with_capacity(READ_CHUNK),
        shared,
        metrics,
    };
    // I/O errors end the connection; there is no one left to tell.
    let _ = conn.run().await;
}

struct Conn<'a, S> {
    io: S,
    rbuf: BytesMut,
    wbuf: BytesMut,
    shared: &'a Shared,
    metrics: Option<&'a Shard>,
}

impl<S: Transport> Conn<'_, S> {
    async fn run(&mut self) -> io::Result<()> {
        loop {
            if self.rbuf.is_empty() {
                self.flush().await?;
                match self
                    .read(self.shared.timeouts.keep_alive_idle, true)
                    .await?
                {
                    Read::Data => {}
                    Read::Eof | Read::Timeout | Read::Shutdown => return self.close().await,
                }
            }
            let Some(head) = self.read_head().await? else {
                return Ok(());
            };
            let started = self.metrics.map(|_| Instant::now());
            let head_bytes = self.rbuf.split_to(head.len()).freeze();
            // A request with a body is routed first: a streaming handler gets the body as
            // it arrives, and a buffered one is held to the buffered limit.
            let lookup = (head.framing() != Framing::Empty).then(|| {
                self.shared.router.lookup_token(
                    head.method(),
                    head.method_str(&head_bytes),
                    head.path(&head_bytes),
                )
            });
            let next = match lookup {
                Some(found @ Lookup::Found { .. }) if streams(&found) => {
                    self.stream_body(head_bytes, head, found, started).await?
                }
                Some(missing)
                    if wants_continue(&head)
                        && self.shared.hooks.before.is_none()
                        && !matches!(missing, Lookup::Found { .. }) =>
                {
                    // 404 or 405 needs no body: answer without `100 Continue`, then close
                    // (the client may or may not send the body now).
                    let meta = Meta {
                        keep_alive: false,
                        ..Meta::of(&head)
                    };
                    let req = Request::from_parts(head_bytes, head, Bytes::new());
                    let resp = dispatch(self.shared, req, Some(missing)).await;
                    self.respond(resp, meta, started).await?
                }
                lookup => {
                    let meta = Meta::of(&head);
                    let Some(body) = self.read_body(&head).await? else {
                        return Ok(());
                    };
                    let req = Request::from_parts(head_bytes, head, body);
                    let resp = dispatch(self.shared, req, lookup).await;
                    self.respond(resp, meta, started).await?
                }
            };
            match next {
                // A long pipelined burst still goes out in bounded batches.
                Next::Continue if self.wbuf.len() >= MAX_BATCH => self.flush().await?,
                Next::Continue => {}
                Next::Close => return self.close().await,
                Next::Closed => return Ok(()),
                Next::Upgrade(session) => {
                    self.flush().await?;
                    crate::ws::session::run(&mut self.io, &mut self.rbuf, session, self.shared)
                        .await;
                    return Ok(());
                }
            }
        }
    }

    /// Reads until a whole head is buffered; `None` when the connection is done.
    async fn read_head(&mut self) -> io::Result<Option<Head>> {
        // The clock is read only when the head is not all there yet: a keep-alive request
        // that arrived in one read (the common case) costs no clock read here.
        let mut deadline = None;
        // The body limit that fits the route is applied once the request is routed.
        let limits = self.shared.limits.for_heads();
        loop {
            match parse_head(&self.rbuf, &limits) {
                Ok(Some(head)) => return Ok(Some(head)),
                Ok(None) => {}
                Err(e) => return self.fail(&e).await.map(|()| None),
            }
            let deadline =
                *deadline.get_or_insert_with(|| Instant::now() + self.shared.timeouts.header_read);
            self.flush().await?;
            let left = deadline.saturating_duration_since(Instant::now());
            match self.read(left, false).await? {
                Read::Data => {}
                Read::Eof | Read::Shutdown => return Ok(None),
                Read::Timeout => {
                    let e = Error::new_protocol(408, "timed out reading the request head");
                    return self.fail(&e).await.map(|()| None);
                }
            }
        }
    }

    /// Reads the body the head announced; `None` when the connection is done.
    async fn read_body(&mut self, head: &Head) -> io::Result<Option<Bytes>> {
        let wants_continue = wants_continue(head);
        let mut continued = false;
        let max_body = self.shared.limits.max_body;
        match head.framing() {
            Framing::Length(len) if len > max_body => {
                self.fail(&too_large(len, max_body)).await?;
                Ok(None)
            }
            Framing::Length(len) => {
                // The parser bounded `len` by `max_body`, which a buffer can hold.
                let len = usize::try_from(len).unwrap_or(usize::MAX);
                while self.rbuf.len() < len {
                    if wants_continue && !continued {
                        self.wbuf.put_slice(CONTINUE);
                        continued = true;
                    }
                    self.rbuf.reserve(len - self.rbuf.len());
                    if !self.wait_body().await? {
                        return Ok(None);
                    }
                }
                Ok(Some(self.rbuf.split_to(len).freeze()))
            }
            Framing::Chunked => {
                let mut decoder = ChunkedDecoder::new(&self.shared.limits);
                let mut body = BytesMut::new();
                loop {
                    match decoder.decode(&self.rbuf, &mut body) {
                        Ok(d) => {
                            self.rbuf.advance(d.consumed);
                            if d.done {
                                return Ok(Some(body.freeze()));
                            }
                        }
                        Err(e) => return self.fail(&e).await.map(|()| None),
                    }
                    if wants_continue && !continued {
                        self.wbuf.put_slice(CONTINUE);
                        continued = true;
                    }
                    if !self.wait_body().await? {
                        return Ok(None);
                    }
                }
            }
            _ => Ok(Some(Bytes::new())),
        }
    }

    /// Waits for more body bytes; false when the connection is done.
    async fn wait_body(&mut self) -> io::Result<bool> {
        self.flush().await?;
        match self
            .read(self.shared.timeouts.body_read_idle, false)
            .await?
        {
            Read::Data => Ok(true),
            Read::Eof | Read::Shutdown => Ok(false),
            Read::Timeout => {
                let e = Error::new_protocol(408, "timed out reading the request body");
                self.fail(&e).await?;
                Ok(false)
            }
        }
    }

    /// Runs a streaming handler while feeding it the body it asks for, then leaves the
    /// connection at the next request (draining what the handler left) or closes it.
    async fn stream_body(
        &mut self,
        head_bytes: Bytes,
        head: Head,
        found: Lookup,
        started: Option<Instant>,
    ) -> io::Result<Next> {
        let meta = Meta::of(&head);
        let limits = self.shared.limits.for_streams();
        let (mut body, content_length) = match head.framing() {
            Framing::Length(len) if len > limits.max_body => {
                self.fail(&too_large(len, limits.max_body)).await?;
                return Ok(Next::Closed);
            }
            Framing::Length(len) => (Body::Length(len), Some(len)),
            _ => (Body::Chunked(ChunkedDecoder::new(&limits)), None),
        };
        let mut continue_due = wants_continue(&head);
        let (stream, tx, want) = BodyStream::new(content_length);
        let mut req = Request::from_parts(head_bytes, head, Bytes::new());
        req.set_body_stream(stream);
        let mut handler = pin!(dispatch(self.shared, req, Some(found)));
        let mut tx = Some(tx);
        let mut failure = None;
        let mut lost = false;
        let resp = loop {
            tokio::select! {
                resp = &mut handler => break resp,
                piece = self.feed(&mut body, &want, &mut continue_due), if tx.is_some() => {
                    let Some(sender) = &tx else { continue };
                    let message: Option<Piece> = match piece? {
                        Feed::Data(bytes) => Some(Ok(bytes)),
                        Feed::End => None,
                        Feed::Failed(e) => {
                            let copy = Error::new_protocol(e.status().unwrap_or(400), e.to_string());
                            failure = Some(e);
                            Some(Err(copy))
                        }
                        Feed::Lost => {
                            lost = true;
                            Some(Err(Error::new_io(
                                "reading the request body",
                                io::ErrorKind::UnexpectedEof.into(),
                            )))
                        }
                    };
                    let more = matches!(message, Some(Ok(_)));
                    // There is room: the stream asks for a piece only after taking the last,
                    // and the channel holds two.
                    if let Some(message) = message {
                        let _ = sender.try_send(message);
                    }
                    if !more {
                        tx = None;
                    }
                }
            }
        };
        if let Some(e) = failure {
            // The body was malformed, too large or too slow: answer that, not the handler.
            self.fail(&e).await?;
            return Ok(Next::Closed);
        }
        if let Some(sender) = &tx {
            // A reader still holding the stream (a task the handler spawned) must not take
            // the rest of the body for its end.
            let _ = sender.try_send(Err(Error::new_io(
                "reading the request body",
                io::Error::other("the handler returned before the end of the body"),
            )));
        }
        let mut meta = meta;
        if tx.is_some() && !lost {
            // The handler returned before the end of the body.
            if continue_due {
                // The client waits for 100 before sending the body, or sends it anyway:
                // there is no way to tell, so close.
                meta.keep_alive = false;
            } else {
                match self.drain(&mut body).await? {
                    Feed::End => {}
                    // A framing error or a stall is answered as such even here, so the answer
                    // never depends on where the handler stopped reading.
                    Feed::Failed(e) => {
                        self.fail(&e).await?;
                        return Ok(Next::Closed);
                    }
                    Feed::Data(_) | Feed::Lost => meta.keep_alive = false,
                }
            }
        }
        meta.keep_alive &= !lost;
        self.respond(resp, meta, started).await
    }

    /// Waits until the stream asks for a piece, then produces it.
    async fn feed(
        &mut self,
        body: &mut Body,
        want: &Notify,
        continue_due: &mut bool,
    ) -> io::Result<Feed> {
        want.notified().await;
        self.next_piece(body, continue_due, MAX_PIECE).await
    }

    /// Discards the rest of a streamed body, up to [`DRAIN_LIMIT`] bytes: `End` when it was
    /// all read, `Data` when more is left.
    async fn drain(&mut self, body: &mut Body) -> io::Result<Feed> {
        let mut budget = DRAIN_LIMIT;
        let mut no_continue = false;
        loop {
            match self.next_piece(body, &mut no_continue, budget).await? {
                Feed::Data(bytes) => {
                    budget -= bytes.len();
                    if budget == 0 && !body.is_done() {
                        return Ok(Feed::Data(Bytes::new()));
                    }
                }
                other => return Ok(other),
            }
        }
    }

    /// The next piece of a streamed body (at most `max` bytes), reading the socket only when
    /// the buffer holds none; `100 Continue` goes out before the first such read.
    async fn next_piece(
        &mut self,
        body: &mut Body,
        continue_due: &mut bool,
        max: usize,
    ) -> io::Result<Feed> {
        loop {
            let avail = self.rbuf.len().min(max);
            match body {
                Body::Length(0) => return Ok(Feed::End),
                Body::Length(left) if avail > 0 => {
                    let take = usize::try_from(*left).map_or(avail, |l| l.min(avail));
                    *left -= take as u64;
                    return Ok(Feed::Data(self.rbuf.split_to(take).freeze()));
                }
                Body::Chunked(decoder) if decoder.is_done() => return Ok(Feed::End),
                Body::Chunked(decoder) if avail > 0 => {
                    let mut out = BytesMut::new();
                    match decoder.decode(&self.rbuf[..avail], &mut out) {
                        Ok(d) => self.rbuf.advance(d.consumed),
                        Err(e) => return Ok(Feed::Failed(e)),
                    }
                    if !out.is_empty() {
                        return Ok(Feed::Data(out.freeze()));
                    }
                    continue;
                }
                _ => {}
            }
            if *continue_due {
                self.wbuf.put_slice(CONTINUE);
                *continue_due = false;
            }
            self.flush().await?;
            match self
                .read(self.shared.timeouts.body_read_idle, false)
                .await?
            {
                Read::Data => {}
                Read::Eof | Read::Shutdown => return Ok(Feed::Lost),
                Read::Timeout => {
                    let e = Error::new_protocol(408, "timed out reading the request body");
                    return Ok(Feed::Failed(e));
                }
            }
        }
    }

    /// Encodes `resp` (and streams its body), returning what the connection does next.
    async fn respond(
        &mut self,
        mut resp: Response,
        meta: Meta,
        started: Option<Instant>,
    ) -> io::Result<Next> {
        let Meta {
            is_head,
            version,
            keep_alive,
        } = meta;
        let keep_alive = keep_alive && !self.shared.shutdown.latch.is_set();
        let (finish, keep_alive) = encode(&resp, is_head, version, keep_alive, &mut self.wbuf);
        if let (Some(m), Some(t)) = (self.metrics, started) {
            m.record(resp.status_code(), t.elapsed());
        }
        if resp.status_code() == 101
            && version == Version::Http11
            && let Some(session) = resp.take_upgrade()
        {
            return Ok(Next::Upgrade(session));
        }
        let mut keep_alive = keep_alive;
        match finish {
            Finish::Done => {}
            Finish::StreamChunked | Finish::StreamUntilClose => {
                let chunked = finish == Finish::StreamChunked;
                self.flush().await?;
                if let Some(mut rx) = resp.take_stream() {
                    while let Some(chunk) = rx.recv().await {
                        if chunked {
                            put_chunk(&chunk, &mut self.wbuf);
                        } else {
                            self.wbuf.put_slice(&chunk);
                        }
                        self.flush().await?;
                    }
                }
                if chunked {
                    self.wbuf.put_slice(LAST_CHUNK);
                }
            }
            Finish::StreamSized(len) => {
                self.flush().await?;
                let mut left = len;
                if let Some(mut rx) = resp.take_stream() {
                    while left > 0 {
                        let Some(chunk) = rx.recv().await else { break };
                        let take =
                            usize::try_from(left).map_or(chunk.len(), |l| l.min(chunk.len()));
                        self.wbuf.put_slice(&chunk[..take]);
                        left -= take as u64;
                        self.flush().await?;
                    }
                }
                // A body shorter than announced cannot be framed: close instead.
                keep_alive &= left == 0;
            }
        }
        Ok(if keep_alive {
            Next::Continue
        } else {
            Next::Close
        })
    }

    /// Answers a protocol error and leaves the connection ready to close.
    async fn fail(&mut self, err: &Error) -> io::Result<()> {
        let status = err.status().unwrap_or(400);
        if let Some(m) = self.metrics {
            m.protocol_error();
            m.record(status, Duration::ZERO);
        }
        let resp = Response::text(format!("{err}\n")).status(status);
        encode(&resp, false, Version::Http11, false, &mut self.wbuf);
        self.close().await
    }

    /// Flushes, half-closes, and lingers briefly so the peer reads the last response.
    async fn close(&mut self) -> io::Result<()> {
        self.flush().await?;
        let _ = self.io.shutdown_write().await;
        let deadline = Instant::now() + LINGER_TIME;
        let mut drained = 0;
        while drained < LINGER_BYTES {
            self.rbuf.clear();
            self.rbuf.reserve(READ_CHUNK);
            match tokio::time::timeout_at(deadline, self.io.recv_into(&mut self.rbuf)).await {
                Ok(Ok(n)) if n > 0 => drained += n,
                _ => break,
            }
        }
        Ok(())
    }

    async fn flush(&mut self) -> io::Result<()> {
        if self.wbuf.is_empty() && !self.io.write_pending() {
            return Ok(());
        }
        // A flush cancelled part-way (a streaming handler finishing first) loses and repeats
        // nothing: the transport sends what was left before the next bytes.
        let write_timeout = self.shared.timeouts.write;
        let mut send = pin!(self.io.send_all(&mut self.wbuf));
        // Most responses fit the socket buffer and go out on the first try: only a send that
        // has to wait reads the clock and arms the write timeout.
        if let Poll::Ready(r) = std::future::poll_fn(|cx| Poll::Ready(send.as_mut().poll(cx))).await
        {
            return r;
        }
        match timeout(write_timeout, send).await {
            Ok(r) => r,
            Err(_) => Err(io::Error::new(io::ErrorKind::TimedOut, "write timed out")),
        }
    }

    /// Reads more bytes, waiting at most `wait`; an idle wait also ends on shutdown.
    async fn read(&mut self, wait: Duration, idle: bool) -> io::Result<Read> {
        self.rbuf.reserve(READ_CHUNK);
        let shared = self.shared;
        let read = timeout(wait, self.io.recv_into(&mut self.rbuf));
        let res = if idle {
            tokio::select! {
                r = read => r,
                () = shared.shutdown.latch.wait() => return Ok(Read::Shutdown),
            }
        } else {
            read.await
        };
        match res {
            Err(_) => Ok(Read::Timeout),
            Ok(Ok(0)) => Ok(Read::Eof),
            Ok(Ok(_)) => Ok(Read::Data),
            Ok(Err(e)) => Err(e),
        }
    }
}

/// Runs the hooks and the handler for `req`; `lookup` is the route when already looked up.
async fn dispatch(shared: &Shared, mut req: Request, lookup: Option<Lookup>) -> Response {
    let hooks = &shared.hooks;
    let after_req = hooks.after.as_ref().map(|_| req.head_only());
    let early = match &hooks.before {
        Some(before) => before(&mut req),
        None => None,
    };
    let mut resp = match early {
        Some(resp) => resp,
        None => match lookup.unwrap_or_else(|| {
            shared
                .router
                .lookup_token(req.method(), req.method_str(), req.path())
        }) {
            Lookup::Found {
                handler,
                names,
                captures,
            } => {
                req.set_params(names, captures.spans());
                match handler.call(req) {
                    Reply::Ready(resp) => resp,
                    Reply::Pending(fut) => fut.await,
                }
            }
            Lookup::MethodNotAllowed { allow } => {
                Response::empty(405).header("Allow", allow.to_string())
            }
            _ => Response::empty(404),
        },
    };
    if let (Some(after), Some(req)) = (&hooks.after, &after_req) {
        after(req, &mut resp);
    }
    resp
}

/// Whether the client waits for `100 Continue` before sending the body.
fn wants_continue(head: &Head) -> bool {
    head.expect_continue() && head.version() == Version::Http11
}

/// Whether a looked-up route streams its request body.
fn streams(lookup: &Lookup) -> bool {
    matches!(lookup, Lookup::Found { handler, .. } if handler.streams_body())
}

/// What answering a request needs to know about it once the head has moved into it.
#[derive(Clone, Copy)]
struct Meta {
    is_head: bool,
    version: Version,
    keep_alive: bool,
}

impl Meta {
    fn of(head: &Head) -> Self {
        Self {
            is_head: head.method() == Method::Head,
            version: head.version(),
            keep_alive: head.keep_alive(),
        }
    }
}

/// A streamed body's framing and progress.
enum Body {
    /// Bytes left of a `Content-Length` body.
    Length(u64),
    Chunked(ChunkedDecoder),
}

impl Body {
    fn is_done(&self) -> bool {
        match self {
            Body::Length(left) => *left == 0,
            Body::Chunked(decoder) => decoder.is_done(),
        }
    }
}

/// One step of feeding a streamed body.
enum Feed {
    Data(Bytes),
    End,
    /// A protocol error (answered by the connection, then closed).
    Failed(Error),
    /// The client left or the server is shutting down.
    Lost,
}

#[cfg(test)]
mod tests {
    use std::pin::Pin;
    use std::task::{Context, Poll};

    use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, DuplexStream, ReadBuf};

    use super::*;
    use crate::config::{Limits, Timeouts};

    /// A stream that counts the writes the connection makes.
    struct Counting {
        inner: DuplexStream,
        writes: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    }

    impl AsyncRead for Counting {
        fn poll_read(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &mut ReadBuf<'_>,
        ) -> Poll<io::Result<()>> {
            Pin::new(&mut self.inner).poll_read(cx, buf)
        }
    }

    impl AsyncWrite for Counting {
        fn poll_write(
            mut self: Pin<&mut Self>,
            cx: &mut Context<'_>,
            buf: &[u8],
        ) -> Poll<io::Result<usize>> {
            self.writes
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            Pin::new(&mut self.inner).poll_write(cx, buf)
        }
        fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.inner).poll_flush(cx)
        }
        fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
            Pin::new(&mut self.inner).poll_shutdown(cx)
        }
    }

    async fn drive(input: &[u8]) -> (Vec<u8>, usize) {
        let shared = Shared::standalone(
            crate::probe::router().unwrap(),
            Limits::default(),
            Timeouts::default(),
        );
        let (client, server) = tokio::io::duplex(1 << 20);
        let writes = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let io = Counting {
            inner: server,
            writes: writes.clone(),
        };
        let (mut rd, mut wr) = tokio::io::split(client);
        wr.write_all(input).await.unwrap();
        wr.shutdown().await.unwrap();
        let serve = serve(io, &shared, None);
        let read = async {
            let mut out = Vec::new();
            rd.read_to_end(&mut out).await.unwrap();
            out
        };
        let ((), out) = tokio::join!(serve, read);
        (out, writes.load(std::sync::atomic::Ordering::Relaxed))
    }

    fn count(out: &[u8], needle: &[u8]) -> usize {
        out.windows(needle.len()).filter(|w| *w == needle).count()
    }

    #[tokio::test]
    async fn a_pipelined_burst_is_answered_with_one_write() {
        let mut input = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n".repeat(16);
        input.extend_from_slice(b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
        let (out, writes) = drive(&input).await;
        assert_eq!(count(&out, b"HTTP/1.1 200 OK"), 17);
        assert_eq!(writes, 1, "17 responses should leave in one write");
    }

    #[tokio::test]
    async fn an_error_stops_parsing_and_closes() {
        let input = b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET / HTTP/1.1\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";
        let (out, writes) = drive(input).await;
        let text = String::from_utf8_lossy(&out);
        assert!(text.starts_with("HTTP/1.1 200 OK"), "{text}");
        assert_eq!(count(&out, b"HTTP/1.1 200 OK"), 1, "{text}");
        assert_eq!(count(&out, b"OKHTTP/1.1 400 Bad Request\r\n"), 1, "{text}");
        assert!(text.contains("Connection: close"));
        assert!(
            text.ends_with("HTTP/1.1 request without a Host field\n"),
            "{text}"
        );
        assert_eq!(writes, 1);
    }

    #[tokio::test]
    async fn eof_in_the_middle_of_a_head_closes_silently() {
        let (out, _) = drive(b"GET / HTTP/1.1\r\nHo").await;
        assert!(out.is_empty());
    }

    #[tokio::test]
    async fn eof_in_the_middle_of_a_body_closes_silently() {
        let (out, _) = drive(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc").await;
        assert!(out.is_empty());
    }
}

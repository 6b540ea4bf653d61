//! Handlers: async functions from a [`Request`] to a [`Response`], and their erased form.
//!
//! Three ways to make one:
//!
//! - any `Fn(Request) -> impl Future<Output = Response>` (or a type implementing [`Handler`]):
//!   the future is boxed per request;
//! - [`ready`]: a plain `Fn(Request) -> Response` that runs inline on the connection's thread
//!   with no allocation (the fast path for cheap handlers);
//! - [`streaming`]: an async handler that reads the request body as it arrives
//!   ([`Request::take_body_stream`]) instead of receiving it buffered;
//! - [`blocking`]: a plain function run on tokio's blocking pool, so slow or foreign work (a
//!   Python bridge taking its interpreter lock) never blocks the reactor;
//!   [`blocking_streaming`] is the same with the body streamed.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use crate::request::Request;
use crate::response::Response;

/// An async request handler.
pub trait Handler: Send + Sync + 'static {
    /// Handles one request.
    fn call(&self, req: Request) -> impl Future<Output = Response> + Send + 'static;
}

impl<F, Fut> Handler for F
where
    F: Fn(Request) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    fn call(&self, req: Request) -> impl Future<Output = Response> + Send + 'static {
        self(req)
    }
}

/// A boxed response future.
pub(crate) type BoxFuture = Pin<Box<dyn Future<Output = Response> + Send + 'static>>;

/// What an erased handler gives back: a response now, or one to await.
pub(crate) enum Reply {
    Ready(Response),
    Pending(BoxFuture),
}

trait Erased: Send + Sync + 'static {
    fn call(&self, req: Request) -> Reply;

    /// Whether the handler reads the body as a stream (it is not buffered first).
    fn streams_body(&self) -> bool {
        false
    }
}

struct Async<H>(H);

impl<H: Handler> Erased for Async<H> {
    fn call(&self, req: Request) -> Reply {
        Reply::Pending(Box::pin(self.0.call(req)))
    }
}

struct Ready<F>(F);

impl<F: Fn(Request) -> Response + Send + Sync + 'static> Erased for Ready<F> {
    fn call(&self, req: Request) -> Reply {
        Reply::Ready((self.0)(req))
    }
}

struct Streaming<H>(H);

impl<H: Handler> Erased for Streaming<H> {
    fn call(&self, req: Request) -> Reply {
        Reply::Pending(Box::pin(self.0.call(req)))
    }

    fn streams_body(&self) -> bool {
        true
    }
}

/// A plain function on the blocking pool; `STREAMS` says whether it gets the body streamed.
struct Blocking<F, const STREAMS: bool>(Arc<F>);

impl<F: Fn(Request) -> Response + Send + Sync + 'static, const STREAMS: bool> Erased
    for Blocking<F, STREAMS>
{
    fn call(&self, req: Request) -> Reply {
        let f = Arc::clone(&self.0);
        Reply::Pending(Box::pin(async move {
            match tokio::task::spawn_blocking(move || f(req)).await {
                Ok(resp) => resp,
                Err(_) => Response::empty(500),
            }
        }))
    }

    fn streams_body(&self) -> bool {
        STREAMS
    }
}

/// A type-erased, cheaply cloned handler, as the router stores it.
#[derive(Clone)]
pub struct BoxHandler(Arc<dyn Erased>);

impl std::fmt::Debug for BoxHandler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("BoxHandler")
    }
}

impl BoxHandler {
    pub(crate) fn call(&self, req: Request) -> Reply {
        self.0.call(req)
    }

    pub(crate) fn streams_body(&self) -> bool {
        self.0.streams_body()
    }
}

impl<H: Handler> From<H> for BoxHandler {
    fn from(h: H) -> Self {
        BoxHandler(Arc::new(Async(h)))
    }
}

/// A handler that answers inline, without a future or an allocation.
///
/// ```
/// use covet_core::{handler, Response, Router};
///
/// let router = Router::new();
/// router.get("/plaintext", handler::ready(|_req| Response::text("Hello, World!")))?;
/// # Ok::<(), covet_core::Error>(())
/// ```
pub fn ready<F>(f: F) -> BoxHandler
where
    F: Fn(Request) -> Response + Send + Sync + 'static,
{
    BoxHandler(Arc::new(Ready(f)))
}

/// A handler that receives the request body as a stream instead of buffered.
///
/// The server routes the request as soon as its head is parsed and calls the handler with
/// an empty [`Request::body`]; [`Request::take_body_stream`] gives a [`BodyStream`] that
/// reads the body from the connection only as the handler asks for it (backpressure), with
/// the body-read idle timeout, up to [`Limits::max_stream_body`](crate::Limits::max_stream_body)
/// instead of [`Limits::max_body`](crate::Limits::max_body). `Expect: 100-continue` is
/// answered when the handler first reads. A `before` hook sees the request without its body.
///
/// [`BodyStream`]: crate::BodyStream
///
/// ```
/// use covet_core::{handler, Request, Response, Router};
///
/// let router = Router::new();
/// router.put("/blob", handler::streaming(|mut req: Request| async move {
///     let Some(body) = req.take_body_stream() else { return Response::empty(500) };
///     match body.collect(16 << 20).await {
///         Ok(bytes) => Response::text(format!("stored {} bytes", bytes.len())),
///         Err(e) => Response::text(e.to_string()).status(e.status().unwrap_or(400)),
///     }
/// }))?;
/// # Ok::<(), covet_core::Error>(())
/// ```
pub fn streaming<H: Handler>(h: H) -> BoxHandler {
    BoxHandler(Arc::new(Streaming(h)))
}

/// A handler run on tokio's blocking thread pool, for work that must not block the reactor.
///
/// ```
/// use covet_core::{handler, Response, Router};
///
/// let router = Router::new();
/// router.post("/slow", handler::blocking(|req| {
///     std::thread::sleep(std::time::Duration::from_millis(1)); // e.g. wait for an interpreter
///     Response::bytes(req.body().clone())
/// }))?;
/// # Ok::<(), covet_core::Error>(())
/// ```
pub fn blocking<F>(f: F) -> BoxHandler
where
    F: Fn(Request) -> Response + Send + Sync + 'static,
{
    BoxHandler(Arc::new(Blocking::<F, false>(Arc::new(f))))
}

/// A [`blocking`] handler that receives the request body as a stream, as [`streaming`] ones
/// do: [`Request::take_body_stream`] gives a [`BodyStream`] read with
/// [`BodyStream::blocking_chunk`] (the connection reads the socket only as the handler asks).
/// What a bridge to a synchronous interpreter needs for uploads.
///
/// [`BodyStream`]: crate::BodyStream
/// [`BodyStream::blocking_chunk`]: crate::BodyStream::blocking_chunk
///
/// ```
/// use covet_core::{handler, Response, Router};
///
/// let router = Router::new();
/// router.put("/upload", handler::blocking_streaming(|mut req| {
///     let Some(mut body) = req.take_body_stream() else { return Response::empty(500) };
///     let mut total = 0;
///     loop {
///         match body.blocking_chunk() {
///             Ok(Some(piece)) => total += piece.len(), // e.g. hand it to Python
///             Ok(None) => break,
///             Err(e) => return Response::text(e.to_string()).status(e.status().unwrap_or(400)),
///         }
///     }
///     Response::text(format!("received {total} bytes"))
/// }))?;
/// # Ok::<(), covet_core::Error>(())
/// ```
pub fn blocking_streaming<F>(f: F) -> BoxHandler
where
    F: Fn(Request) -> Response + Send + Sync + 'static,
{
    BoxHandler(Arc::new(Blocking::<F, true>(Arc::new(f))))
}

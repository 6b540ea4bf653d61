//! Handlers: async functions from a [`Request`] to a [`Response`], and their erased form.
//!
//! Three ways to make one:
//!
//! - any `Fn(Request) -> impl Future<Output = Response>` (or a type implementing [`Handler`]):
//!   the future is boxed per request;
//! - [`ready`]: a plain `Fn(Request) -> Response` that runs inline on the connection's thread
//!   with no allocation (the fast path for cheap handlers);
//! - [`blocking`]: a plain function run on tokio's blocking pool, so slow or foreign work (a
//!   Python bridge taking its interpreter lock) never blocks the reactor.

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

struct Blocking<F>(Arc<F>);

impl<F: Fn(Request) -> Response + Send + Sync + 'static> Erased for Blocking<F> {
    fn call(&self, req: Request) -> Reply {
        let f = Arc::clone(&self.0);
        Reply::Pending(Box::pin(async move {
            match tokio::task::spawn_blocking(move || f(req)).await {
                Ok(resp) => resp,
                Err(_) => Response::empty(500),
            }
        }))
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
    BoxHandler(Arc::new(Blocking(Arc::new(f))))
}

//! The server: worker threads (one per core by default), each with a current-thread tokio
//! runtime and its own listener; connection limits; graceful shutdown. The workers run on
//! tokio's reactor ([`Backend::Epoll`]) or on io_uring ([`Backend::IoUring`], feature
//! `io-uring`, in `uring.rs`); the accept loop and the connection are the same code for both.

mod listen;
mod shutdown;
#[cfg(all(feature = "io-uring", target_os = "linux"))]
mod uring;

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

pub use listen::ListenMode;
pub(crate) use shutdown::{Shutdown, TrackGuard, Tracker};

use crate::config::{Limits, Timeouts};
use crate::error::{Error, Result};
use crate::metrics::{Metrics, Shard};
use crate::middleware::{AfterHook, BeforeHook, Hooks};
use crate::request::Request;
use crate::response::Response;
use crate::router::Router;

/// Everything a connection needs, shared by all connections of a server.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) router: Router,
    pub(crate) limits: Limits,
    pub(crate) timeouts: Timeouts,
    pub(crate) hooks: Hooks,
    pub(crate) shutdown: Shutdown,
    metrics: Option<Metrics>,
    #[cfg(feature = "tls-rustls")]
    tls: Option<crate::tls::Acceptor>,
    connections: Arc<Semaphore>,
    tracker: Arc<Tracker>,
}

impl Shared {
    /// Shared state for driving connections directly (unit tests and fuzzing).
    pub(crate) fn standalone(router: Router, limits: Limits, timeouts: Timeouts) -> Self {
        Self {
            router,
            limits: limits.clamped(),
            timeouts,
            hooks: Hooks::default(),
            shutdown: Shutdown::default(),
            metrics: None,
            #[cfg(feature = "tls-rustls")]
            tls: None,
            connections: Arc::new(Semaphore::new(1)),
            tracker: Arc::default(),
        }
    }
}

/// The I/O machinery under the workers: both serve the same HTTP/1.1 state machine,
/// WebSocket included, with the same limits, timeouts and shutdown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Backend {
    /// tokio's readiness-based reactor: epoll on Linux (kqueue on the BSDs and macOS). The
    /// default, and the only backend that serves TLS.
    #[default]
    Epoll,
    /// io_uring through tokio-uring (feature `io-uring`, Linux 5.11 or later): reads, writes
    /// and accepts are submitted to a ring per worker and completed by the kernel. Plain TCP
    /// only; choosing it without the feature, on another system, or with TLS makes
    /// [`ServerBuilder::start`] fail with a configuration error, and a kernel that refuses
    /// io_uring with an I/O error. Measured against `Epoll` in the crate's README: a modest
    /// gain with heavily pipelined clients, none without pipelining, so it is not the default.
    IoUring,
}

/// Configures and starts a [`Server`].
#[derive(Debug)]
pub struct ServerBuilder {
    router: Router,
    addr: SocketAddr,
    workers: usize,
    mode: ListenMode,
    backend: Backend,
    backlog: i32,
    limits: Limits,
    timeouts: Timeouts,
    max_connections: usize,
    hooks: Hooks,
    metrics: Option<Metrics>,
    #[cfg(feature = "tls-rustls")]
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl ServerBuilder {
    /// A builder serving `router`.
    pub fn new(router: Router) -> Self {
        Self {
            router,
            addr: SocketAddr::from(([127, 0, 0, 1], 8080)),
            workers: std::thread::available_parallelism().map_or(1, |n| n.get()),
            mode: ListenMode::default(),
            backend: Backend::default(),
            backlog: 1024,
            limits: Limits::default(),
            timeouts: Timeouts::default(),
            max_connections: 10_000,
            hooks: Hooks::default(),
            metrics: None,
            #[cfg(feature = "tls-rustls")]
            tls: None,
        }
    }

    /// The address to listen on; port 0 picks a free port (see [`Server::local_addr`]).
    /// Default is `127.0.0.1:8080`.
    pub fn bind(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// Number of worker threads. Default is the number of CPUs.
    pub fn workers(mut self, n: usize) -> Self {
        self.workers = n.max(1);
        self
    }

    /// How workers share the port. Default is [`ListenMode::ReusePort`].
    pub fn listen_mode(mut self, mode: ListenMode) -> Self {
        self.mode = mode;
        self
    }

    /// The I/O backend the workers run on. Default is [`Backend::Epoll`].
    pub fn backend(mut self, backend: Backend) -> Self {
        self.backend = backend;
        self
    }

    /// Request size limits. Default is [`Limits::default`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Connection timeouts. Default is [`Timeouts::default`].
    pub fn timeouts(mut self, timeouts: Timeouts) -> Self {
        self.timeouts = timeouts;
        self
    }

    /// Most connections open at once across all workers; at the limit, workers stop
    /// accepting (new connections wait in the kernel's backlog). Default is 10,000.
    pub fn max_connections(mut self, n: usize) -> Self {
        self.max_connections = n.max(1);
        self
    }

    /// Records request counts, latencies and connections into `metrics` (per worker, summed
    /// when read). Default is no metrics, which costs nothing.
    pub fn metrics(mut self, metrics: Metrics) -> Self {
        self.metrics = Some(metrics);
        self
    }

    /// Terminates TLS with this rustls configuration on every connection (feature
    /// `tls-rustls`). Set `alpn_protocols` to `[b"http/1.1"]` in the configuration to announce
    /// HTTP/1.1. Default is plain TCP.
    #[cfg(feature = "tls-rustls")]
    #[cfg_attr(docsrs, doc(cfg(feature = "tls-rustls")))]
    pub fn tls(mut self, config: Arc<rustls::ServerConfig>) -> Self {
        self.tls = Some(config);
        self
    }

    /// A hook run before routing: it may change the request or answer it.
    pub fn before(
        mut self,
        hook: impl Fn(&mut Request) -> Option<Response> + Send + Sync + 'static,
    ) -> Self {
        self.hooks.before = Some(Arc::new(hook) as BeforeHook);
        self
    }

    /// A hook run after each handler, with the request head and the response.
    pub fn after(mut self, hook: impl Fn(&Request, &mut Response) + Send + Sync + 'static) -> Self {
        self.hooks.after = Some(Arc::new(hook) as AfterHook);
        self
    }

    /// Binds the listeners and starts the workers; returns once the port accepts connections.
    pub fn start(self) -> Result<Server> {
        if self.max_connections > Semaphore::MAX_PERMITS {
            return Err(Error::new_config("max_connections is too large"));
        }
        self.check_backend()?;
        let (local_addr, listeners) =
            listen::bind(self.addr, self.mode, self.workers, self.backlog)
                .map_err(|e| Error::new_io(&format!("cannot listen on {}", self.addr), e))?;
        let shared = Arc::new(Shared {
            router: self.router,
            limits: self.limits.clamped(),
            timeouts: self.timeouts,
            hooks: self.hooks,
            shutdown: Shutdown::default(),
            metrics: self.metrics,
            #[cfg(feature = "tls-rustls")]
            tls: self.tls.map(crate::tls::acceptor),
            connections: Arc::new(Semaphore::new(self.max_connections)),
            tracker: Arc::default(),
        });
        // Workers started before a failure are stopped when `server` is dropped.
        let mut server = Server {
            local_addr,
            shared,
            threads: Vec::with_capacity(listeners.len()),
        };
        for (i, listener) in listeners.into_iter().enumerate() {
            let shared = Arc::clone(&server.shared);
            #[cfg(all(feature = "io-uring", target_os = "linux"))]
            if self.backend == Backend::IoUring {
                server
                    .threads
                    .push(uring::start_worker(i, listener, shared)?);
                continue;
            }
            server
                .threads
                .push(start_epoll_worker(i, listener, shared)?);
        }
        Ok(server)
    }

    /// Refuses backend choices this build or configuration cannot serve.
    fn check_backend(&self) -> Result<()> {
        if self.backend != Backend::IoUring {
            return Ok(());
        }
        if !cfg!(all(feature = "io-uring", target_os = "linux")) {
            return Err(Error::new_config(
                "the io_uring backend needs Linux and the `io-uring` feature",
            ));
        }
        #[cfg(feature = "tls-rustls")]
        if self.tls.is_some() {
            return Err(Error::new_config(
                "TLS is served on the epoll backend only, not on io_uring",
            ));
        }
        Ok(())
    }
}

/// Starts worker `index` on its own thread with a current-thread tokio runtime.
fn start_epoll_worker(
    index: usize,
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
) -> Result<JoinHandle<bool>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| Error::new_io("cannot build a worker runtime", e))?;
    std::thread::Builder::new()
        .name(format!("covet-worker-{index}"))
        .spawn(move || {
            runtime.block_on(async move {
                match TcpListener::from_std(listener) {
                    Ok(listener) => worker(listener, shared).await,
                    Err(_) => false,
                }
            })
        })
        .map_err(|e| Error::new_io("cannot start a worker thread", e))
}

/// A running server. Dropping it shuts it down with no grace period.
#[derive(Debug)]
pub struct Server {
    local_addr: SocketAddr,
    shared: Arc<Shared>,
    threads: Vec<JoinHandle<bool>>,
}

impl Server {
    /// A builder serving `router`.
    pub fn builder(router: Router) -> ServerBuilder {
        ServerBuilder::new(router)
    }

    /// The address the server listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The router; routes added through it are served at once.
    pub fn router(&self) -> &Router {
        &self.shared.router
    }

    /// Connections open right now, across all workers.
    pub fn connections(&self) -> usize {
        self.shared.tracker.active()
    }

    /// Stops accepting, lets in-flight requests finish (their responses carry
    /// `Connection: close`), closes idle connections, sends WebSocket sessions close code
    /// 1001 (going away) for their peers to answer, and waits at most `grace` before
    /// dropping whatever is left. Returns whether everything finished within the grace period.
    pub fn shutdown(mut self, grace: Duration) -> bool {
        self.stop(grace)
    }

    /// Blocks for as long as the server runs: forever, unless every worker fails. Meant for
    /// binaries that serve until they are killed; use [`Server::shutdown`] to stop gracefully.
    pub fn wait(mut self) {
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }

    fn stop(&mut self, grace: Duration) -> bool {
        let deadline = Instant::now() + grace;
        self.shared.shutdown.trigger(deadline);
        let mut clean = true;
        for t in self.threads.drain(..) {
            clean &= t.join().unwrap_or(false);
        }
        clean
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if !self.threads.is_empty() {
            self.stop(Duration::ZERO);
        }
    }
}

/// The part of a worker that differs between backends: accepting a connection and starting
/// the task that serves it.
trait Listener: Sized {
    /// An accepted connection.
    type Stream;

    /// The next connection, with `TCP_NODELAY` set. Cancel-safe: a connection accepted by a
    /// cancelled call is not lost.
    async fn accept_conn(&mut self) -> io::Result<Self::Stream>;

    /// Serves `stream` on a new task of the current worker; the task holds `conn` until the
    /// connection closes.
    fn spawn(stream: Self::Stream, conn: Accepted);

    /// Stops listening, once the worker stops accepting.
    async fn stop(self) {}
}

/// What an accepted connection holds until it closes: the server, the worker's metrics, its
/// place under the connection limit and in the shutdown tracker.
struct Accepted {
    shared: Arc<Shared>,
    shard: Option<Arc<Shard>>,
    _permit: OwnedSemaphorePermit,
    _guard: TrackGuard,
}

impl Accepted {
    fn shard(&self) -> Option<&Shard> {
        self.shard.as_deref()
    }
}

impl Drop for Accepted {
    fn drop(&mut self) {
        if let Some(m) = &self.shard {
            m.closed();
        }
    }
}

impl Listener for TcpListener {
    type Stream = tokio::net::TcpStream;

    async fn accept_conn(&mut self) -> io::Result<Self::Stream> {
        let (stream, _) = self.accept().await?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }

    fn spawn(stream: Self::Stream, conn: Accepted) {
        tokio::spawn(async move {
            serve_stream(stream, &conn.shared, conn.shard()).await;
        });
    }
}

/// One worker: accept until shutdown, then wait for the server's connections to finish until
/// the grace deadline. Returns whether they all finished in time.
async fn worker<L: Listener>(mut listener: L, shared: Arc<Shared>) -> bool {
    let tracker = &shared.tracker;
    let shard = shared.metrics.as_ref().map(Metrics::shard);
    let latch = &shared.shutdown.latch;
    loop {
        let permit = tokio::select! {
            p = Arc::clone(&shared.connections).acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = latch.wait() => break,
        };
        let stream = tokio::select! {
            r = listener.accept_conn() => match r {
                Ok(stream) => stream,
                Err(_) => {
                    // Out of descriptors or a reset before accept: back off briefly.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = latch.wait() => break,
        };
        if let Some(m) = &shard {
            m.accepted();
        }
        let conn = Accepted {
            shared: Arc::clone(&shared),
            shard: shard.clone(),
            _permit: permit,
            _guard: tracker.enter(),
        };
        L::spawn(stream, conn);
    }
    listener.stop().await;
    let deadline = tokio::time::Instant::from_std(shared.shutdown.deadline());
    tokio::time::timeout_at(deadline, tracker.wait_idle())
        .await
        .is_ok()
}

/// Serves one accepted connection, through TLS when configured.
async fn serve_stream(stream: tokio::net::TcpStream, shared: &Shared, shard: Option<&Shard>) {
    #[cfg(feature = "tls-rustls")]
    if let Some(acceptor) = &shared.tls {
        crate::tls::serve(acceptor, stream, shared, shard).await;
        return;
    }
    crate::h1::conn::serve(stream, shared, shard).await;
}

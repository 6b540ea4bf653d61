//! The server: worker threads (one per core by default), each with a current-thread tokio
//! runtime and its own listener; connection limits; graceful shutdown.

mod listen;
mod shutdown;

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tokio::net::TcpListener;
use tokio::sync::Semaphore;

pub use listen::ListenMode;
pub(crate) use shutdown::{Shutdown, Tracker};

use crate::config::{Limits, Timeouts};
use crate::error::{Error, Result};
use crate::metrics::Metrics;
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

/// Configures and starts a [`Server`].
#[derive(Debug)]
pub struct ServerBuilder {
    router: Router,
    addr: SocketAddr,
    workers: usize,
    mode: ListenMode,
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
        let mut threads = Vec::with_capacity(listeners.len());
        for (i, listener) in listeners.into_iter().enumerate() {
            let shared = Arc::clone(&shared);
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::new_io("cannot build a worker runtime", e))?;
            let thread = std::thread::Builder::new()
                .name(format!("covet-worker-{i}"))
                .spawn(move || runtime.block_on(worker(listener, shared)))
                .map_err(|e| Error::new_io("cannot start a worker thread", e))?;
            threads.push(thread);
        }
        Ok(Server {
            local_addr,
            shared,
            threads,
        })
    }
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
    /// `Connection: close`), closes idle connections, and waits at most `grace` before
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

/// One worker: accept until shutdown, then wait for the server's connections to finish until
/// the grace deadline. Returns whether they all finished in time.
async fn worker(listener: std::net::TcpListener, shared: Arc<Shared>) -> bool {
    let Ok(listener) = TcpListener::from_std(listener) else {
        return false;
    };
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
            r = listener.accept() => match r {
                Ok((stream, _)) => stream,
                Err(_) => {
                    // Out of descriptors or a reset before accept: back off briefly.
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = latch.wait() => break,
        };
        let _ = stream.set_nodelay(true);
        let guard = tracker.enter();
        let shared = Arc::clone(&shared);
        let shard = shard.clone();
        if let Some(m) = &shard {
            m.accepted();
        }
        tokio::spawn(async move {
            serve_stream(stream, &shared, shard.as_deref()).await;
            if let Some(m) = &shard {
                m.closed();
            }
            drop(permit);
            drop(guard);
        });
    }
    drop(listener);
    let deadline = tokio::time::Instant::from_std(shared.shutdown.deadline());
    tokio::time::timeout_at(deadline, tracker.wait_idle())
        .await
        .is_ok()
}

/// Serves one accepted connection, through TLS when configured.
async fn serve_stream(
    stream: tokio::net::TcpStream,
    shared: &Shared,
    shard: Option<&crate::metrics::Shard>,
) {
    #[cfg(feature = "tls-rustls")]
    if let Some(acceptor) = &shared.tls {
        crate::tls::serve(acceptor, stream, shared, shard).await;
        return;
    }
    crate::h1::conn::serve(stream, shared, shard).await;
}

//! A blocking client for synchronous callers, running the async client on a shared runtime.
//!
//! The runtime is started lazily on first use and shared by every [`BlockingClient`] in the
//! process. Its worker thread count comes from [`set_runtime_threads`] if called before first
//! use, else from the `PYRSEDIS_RUNTIME_THREADS` environment variable, else 0.
//!
//! With 0 worker threads (the default) the runtime is a current-thread runtime that the
//! calling threads drive themselves: the thread inside a call waits for its reply in the
//! reactor, so a reply wakes that thread directly, with no hand-off from a worker thread (on a
//! loopback GET this is the difference between 1.5x and about 1.1x the time of a plain
//! blocking socket). Several threads may call at once: one drives the reactor while the others
//! are woken by it. With 1 or more worker threads, the reactor runs on those threads and every
//! reply is handed to the calling thread.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::resp::Blob;
use tokio::runtime::Runtime;

use crate::client::{Client, Pipeline};
use crate::cmd::{Cmd, ToArgs};
use crate::config::Config;
use crate::convert::FromValue;
use crate::resp::{ServerError, Sink, Value};
use crate::{Error, ErrorKind, Result};

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

/// [`set_runtime_threads`]'s choice; `UNSET` until it is called.
static THREADS: AtomicUsize = AtomicUsize::new(UNSET);
const UNSET: usize = usize::MAX;

/// Sets the shared runtime's worker thread count (0: the calling threads drive it; see the
/// module docs); returns false if the runtime already started.
pub fn set_runtime_threads(threads: usize) -> bool {
    THREADS.store(threads.min(UNSET - 1), Ordering::SeqCst);
    RUNTIME.get().is_none()
}

/// The worker thread count the shared runtime starts with.
fn configured_threads() -> usize {
    match THREADS.load(Ordering::SeqCst) {
        UNSET => std::env::var("PYRSEDIS_RUNTIME_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(0),
        n => n,
    }
}

fn runtime() -> Result<&'static Runtime> {
    let rt = RUNTIME.get_or_init(|| {
        let mut builder = match configured_threads() {
            0 => tokio::runtime::Builder::new_current_thread(),
            n => {
                let mut b = tokio::runtime::Builder::new_multi_thread();
                b.worker_threads(n).thread_name("pyrsedis-runtime");
                b
            }
        };
        builder.enable_all().build().map_err(|e| e.to_string())
    });
    rt.as_ref().map_err(|e| {
        Error::new(
            ErrorKind::InvalidState,
            format!("could not start the shared tokio runtime: {e}"),
        )
    })
}

fn block_on<F: std::future::Future>(future: F) -> Result<F::Output> {
    if tokio::runtime::Handle::try_current().is_ok() {
        return Err(Error::new(
            ErrorKind::InvalidState,
            "a BlockingClient call was made inside an async runtime; use Client (async) there",
        ));
    }
    Ok(runtime()?.block_on(future))
}

/// The synchronous twin of [`Client`]: same pool, same guarantees, blocking calls.
#[derive(Debug, Clone)]
pub struct BlockingClient {
    inner: Client,
}

impl BlockingClient {
    /// A blocking client for `config`.
    pub fn new(config: Config) -> Result<BlockingClient> {
        Ok(BlockingClient {
            inner: Client::new(config)?,
        })
    }

    /// A blocking client for a URL.
    pub fn open(url: &str) -> Result<BlockingClient> {
        BlockingClient::new(Config::from_url(url)?)
    }

    /// The async client underneath.
    pub fn as_async(&self) -> &Client {
        &self.inner
    }

    /// Sends a command and returns its reply.
    pub fn send(&self, command: &Cmd) -> Result<Value> {
        block_on(self.inner.send(command))?
    }

    /// Sends a command and converts its reply.
    pub fn query<T: FromValue>(&self, command: &Cmd) -> Result<T> {
        block_on(self.inner.query(command))?
    }

    /// Sends a command and feeds its reply to `sink`.
    pub fn send_into<S: Sink>(&self, command: &Cmd, sink: &mut S) -> Result<S::Output> {
        block_on(self.inner.send_into(command, sink))?
    }

    /// Sends a pipeline in one write; one result per command.
    pub fn pipeline(&self, pipeline: &Pipeline) -> Result<Vec<Result<Value, ServerError>>> {
        block_on(self.inner.pipeline(pipeline))?
    }

    /// Runs a pipeline atomically (`MULTI` ... `EXEC`) on one connection; see
    /// [`Client::transaction`].
    pub fn transaction(
        &self,
        pipeline: &Pipeline,
    ) -> Result<Option<Vec<Result<Value, ServerError>>>> {
        block_on(self.inner.transaction(pipeline))?
    }

    /// Sends a blocking command whose server-side timeout is `server_timeout` (zero: forever);
    /// see [`Client::send_blocking`].
    pub fn send_blocking(&self, command: &Cmd, server_timeout: Duration) -> Result<Value> {
        block_on(self.inner.send_blocking(command, server_timeout))?
    }

    /// `BLPOP`; see [`Client::blpop`].
    pub fn blpop<K: ToArgs>(&self, keys: K, timeout: Duration) -> Result<Option<(Blob, Blob)>> {
        block_on(self.inner.blpop(keys, timeout))?
    }

    /// `BRPOP`; see [`Client::brpop`].
    pub fn brpop<K: ToArgs>(&self, keys: K, timeout: Duration) -> Result<Option<(Blob, Blob)>> {
        block_on(self.inner.brpop(keys, timeout))?
    }
}

//! A blocking client for synchronous callers, running the async client on a shared runtime.
//!
//! The runtime is started lazily on first use and shared by every [`BlockingClient`] in the
//! process. Its worker thread count comes from [`set_runtime_threads`] if called before first
//! use, else from the `PYRSEDIS_RUNTIME_THREADS` environment variable, else 2.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::runtime::Runtime;

use crate::client::{Client, Pipeline};
use crate::cmd::Cmd;
use crate::config::Config;
use crate::convert::FromValue;
use crate::resp::{ServerError, Sink, Value};
use crate::{Error, ErrorKind, Result};

static RUNTIME: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();
static THREADS: AtomicUsize = AtomicUsize::new(0);

/// Sets the shared runtime's worker thread count; returns false if the runtime already started.
pub fn set_runtime_threads(threads: usize) -> bool {
    THREADS.store(threads.max(1), Ordering::SeqCst);
    RUNTIME.get().is_none()
}

fn runtime() -> Result<&'static Runtime> {
    let rt = RUNTIME.get_or_init(|| {
        let threads = match THREADS.load(Ordering::SeqCst) {
            0 => std::env::var("PYRSEDIS_RUNTIME_THREADS")
                .ok()
                .and_then(|v| v.parse::<usize>().ok())
                .filter(|&n| n > 0)
                .unwrap_or(2),
            n => n,
        };
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("pyrsedis-runtime")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
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
}

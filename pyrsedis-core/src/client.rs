//! The async client: a pool of connections and the calls that use it.

use std::sync::Arc;
use std::time::Duration;

use crate::resp::Blob;

use crate::Result;
use crate::cmd::{Cmd, ToArgs, cmd};
use crate::config::Config;
use crate::conn::{Pool, PooledConnection};
use crate::convert::FromValue;
use crate::resp::{ServerError, Sink, Value};

/// An async Redis client backed by a bounded connection pool; cheap to clone and share.
///
/// Every call borrows a connection for exactly one exchange, so calls from many tasks run in
/// parallel up to the pool size. A connection whose exchange fails, times out or is cancelled
/// is closed, never reused.
#[derive(Debug, Clone)]
pub struct Client {
    pool: Arc<Pool>,
}

impl Client {
    /// A client for a standalone server. Fails at once for sentinel URLs (not supported yet)
    /// and cluster URLs (use [`crate::ClusterClient`]); no connection is opened until the
    /// first call.
    pub fn new(config: Config) -> Result<Client> {
        Ok(Client {
            pool: Pool::new(config)?,
        })
    }

    /// A client for a URL; see [`crate::url`].
    pub fn open(url: &str) -> Result<Client> {
        Client::new(Config::from_url(url)?)
    }

    /// The pool, for its statistics.
    pub fn pool(&self) -> &Arc<Pool> {
        &self.pool
    }

    /// Borrows a connection for several exchanges in a row (`SELECT`-free state, `WATCH`, ...).
    pub async fn connection(&self) -> Result<PooledConnection> {
        self.pool.get().await
    }

    /// Sends a command and returns its reply as a [`Value`].
    pub async fn send(&self, command: &Cmd) -> Result<Value> {
        self.pool.get().await?.send(command).await
    }

    /// Sends a command and converts its reply.
    pub async fn query<T: FromValue>(&self, command: &Cmd) -> Result<T> {
        T::from_value(self.send(command).await?)
    }

    /// Sends a command and feeds its reply to `sink`, building the caller's own objects in one
    /// pass; an error reply reaches the sink as an event.
    pub async fn send_into<S: Sink>(&self, command: &Cmd, sink: &mut S) -> Result<S::Output> {
        self.pool.get().await?.send_into(command, sink).await
    }

    /// Sends a pipeline in one write; one result per command.
    pub async fn pipeline(&self, pipeline: &Pipeline) -> Result<Vec<Result<Value, ServerError>>> {
        self.pool.get().await?.send_pipeline(&pipeline.cmds).await
    }

    /// Runs a pipeline atomically (`MULTI` ... `EXEC`) on one connection. For optimistic locking
    /// take a [`Client::connection`], send `WATCH` on it, then call
    /// [`crate::conn::Connection::transaction`] on the same connection.
    pub async fn transaction(
        &self,
        pipeline: &Pipeline,
    ) -> Result<Option<Vec<Result<Value, ServerError>>>> {
        self.pool.get().await?.transaction(&pipeline.cmds).await
    }

    /// Sends a blocking command whose server-side timeout is `server_timeout` (zero: forever);
    /// the reply deadline is extended by it.
    pub async fn send_blocking(&self, command: &Cmd, server_timeout: Duration) -> Result<Value> {
        self.pool
            .get()
            .await?
            .send_blocking(command, server_timeout)
            .await
    }

    /// `BLPOP`: waits up to `timeout` (zero: forever) for an element at the head of one of the
    /// lists; `Some((list, element))`, or `None` on timeout.
    pub async fn blpop<K: ToArgs>(
        &self,
        keys: K,
        timeout: Duration,
    ) -> Result<Option<(Blob, Blob)>> {
        let command = cmd("BLPOP").arg(keys).arg(timeout.as_secs_f64());
        Option::from_value(self.send_blocking(&command, timeout).await?)
    }

    /// `BRPOP`: like [`Client::blpop`], from the tail.
    pub async fn brpop<K: ToArgs>(
        &self,
        keys: K,
        timeout: Duration,
    ) -> Result<Option<(Blob, Blob)>> {
        let command = cmd("BRPOP").arg(keys).arg(timeout.as_secs_f64());
        Option::from_value(self.send_blocking(&command, timeout).await?)
    }
}

/// Commands to send together in one write (not a transaction: other clients' commands may run
/// in between).
///
/// ```
/// use pyrsedis_core::{cmd, Pipeline};
///
/// let mut pipe = Pipeline::new();
/// pipe.set("a", 1).incr("a", 1).add(cmd("GET").arg("a"));
/// assert_eq!(pipe.len(), 3);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Pipeline {
    pub(crate) cmds: Vec<Cmd>,
}

impl Pipeline {
    /// An empty pipeline.
    pub fn new() -> Pipeline {
        Pipeline::default()
    }

    /// Adds a raw command.
    pub fn add(&mut self, command: Cmd) -> &mut Pipeline {
        self.cmds.push(command);
        self
    }

    /// Commands queued.
    pub fn len(&self) -> usize {
        self.cmds.len()
    }

    /// Whether nothing is queued.
    pub fn is_empty(&self) -> bool {
        self.cmds.is_empty()
    }

    /// Removes every command.
    pub fn clear(&mut self) {
        self.cmds.clear();
    }

    /// The queued commands.
    pub fn commands(&self) -> &[Cmd] {
        &self.cmds
    }
}

//! A bounded pool: a semaphore caps open connections, idle ones are reused last-in first-out
//! and evicted after the idle timeout, and only clean connections come back.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::Connection;
use crate::config::Config;
use crate::{Error, ErrorKind, Result};

/// A pool of connections to one server.
#[derive(Debug)]
pub struct Pool {
    config: Config,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<Idle>>,
}

#[derive(Debug)]
struct Idle {
    conn: Connection,
    since: Instant,
}

impl Pool {
    /// A pool for `config` (nothing is opened until the first request).
    pub fn new(config: Config) -> Result<Arc<Pool>> {
        super::connection::check_supported(&config)?;
        Ok(Arc::new(Pool {
            permits: Arc::new(Semaphore::new(config.pool_size.max(1))),
            config,
            idle: Mutex::new(Vec::new()),
        }))
    }

    /// The configuration connections are opened with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Takes a connection: the most recently returned idle one, or a new one. Waits (first come,
    /// first served) while `pool_size` connections are out.
    pub async fn get(self: &Arc<Pool>) -> Result<PooledConnection> {
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Error::new(ErrorKind::InvalidState, "the pool is closed"))?;
        let reused = {
            let mut idle = self.lock();
            let now = Instant::now();
            // Oldest first: evict every connection idle for too long.
            let expired = idle
                .iter()
                .take_while(|i| now.duration_since(i.since) > self.config.idle_timeout)
                .count();
            idle.drain(..expired);
            // Skip connections the server closed while they were idle (a restart, its own
            // idle timeout): a command written to one would be lost.
            let mut found = None;
            while let Some(i) = idle.pop() {
                if !i.conn.is_stale() {
                    found = Some(i.conn);
                    break;
                }
            }
            found
        };
        let conn = match reused {
            Some(conn) => conn,
            None => self.connect_with_backoff().await?,
        };
        Ok(PooledConnection {
            conn: Some(conn),
            pool: Arc::clone(self),
            _permit: permit,
        })
    }

    /// Opens a connection, retrying refused or reset connects with doubling delays from
    /// 50 ms, up to [`Config::connect_retries`] times. Nothing has been sent at that point, so
    /// retrying is always safe; authentication errors and timeouts are not retried.
    async fn connect_with_backoff(&self) -> Result<Connection> {
        let mut delay = std::time::Duration::from_millis(50);
        let mut attempt = 0;
        loop {
            match Connection::connect(&self.config).await {
                Err(err)
                    if err.kind() == ErrorKind::Io && attempt < self.config.connect_retries =>
                {
                    attempt += 1;
                    tokio::time::sleep(delay).await;
                    delay *= 2;
                }
                other => return other,
            }
        }
    }

    /// Idle connections held right now.
    pub fn idle_count(&self) -> usize {
        self.lock().len()
    }

    /// How many more connections could be taken without waiting.
    pub fn available(&self) -> usize {
        self.permits.available_permits()
    }

    fn lock(&self) -> MutexGuard<'_, Vec<Idle>> {
        // A panic while holding this lock cannot leave the Vec inconsistent; keep going.
        self.idle.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// A connection on loan from a [`Pool`]; it goes back when dropped, if it is clean.
#[derive(Debug)]
pub struct PooledConnection {
    conn: Option<Connection>,
    pool: Arc<Pool>,
    _permit: OwnedSemaphorePermit,
}

impl PooledConnection {
    /// Closes the connection instead of returning it to the pool.
    pub fn discard(mut self) {
        self.conn = None;
    }
}

impl Deref for PooledConnection {
    type Target = Connection;
    fn deref(&self) -> &Connection {
        // Invariant: `conn` is Some until drop (or `discard`, which consumes self).
        match &self.conn {
            Some(conn) => conn,
            None => unreachable!("a pooled connection is only emptied when dropped"),
        }
    }
}

impl DerefMut for PooledConnection {
    fn deref_mut(&mut self) -> &mut Connection {
        match &mut self.conn {
            Some(conn) => conn,
            None => unreachable!("a pooled connection is only emptied when dropped"),
        }
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take()
            && conn.is_reusable()
        {
            conn.set_response_timeout(self.pool.config.response_timeout);
            self.pool.lock().push(Idle {
                conn,
                since: Instant::now(),
            });
        }
    }
}

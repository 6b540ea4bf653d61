//! Sentinel deployments: the master is found through the sentinels, checked with `ROLE`, and
//! found again after a failover, as soon as a sentinel announces it (`+switch-master`) or on
//! the first call that meets the old master.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, RwLock, Weak};
use std::time::Duration;

use crate::cmd::{Cmd, cmd};
use crate::config::{Addr, Config, Topology};
use crate::conn::Connection;
use crate::convert::FromValue;
use crate::pubsub::PubSub;
use crate::resp::{ServerError, ServerErrorKind};
use crate::{Client, Error, ErrorKind, Result, Value};

/// The channel on which sentinels announce a new master.
const SWITCH_MASTER: &[u8] = b"+switch-master";

/// A client for a master monitored by sentinels
/// (`redis+sentinel://sentinel:26379,sentinel:26380/mymaster/0`).
///
/// The first call asks the sentinels (`SENTINEL get-master-addr-by-name`) in turn for the
/// master, checks with `ROLE` that the server there really is a master, and opens a pooled
/// [`Client`] to it.
///
/// After that first resolution a background task subscribes to `+switch-master` on a
/// sentinel (the next one in turn if that sentinel goes away) and resolves the master again
/// as soon as a failover of this master is announced, before any call fails
/// ([`SentinelClient::watch_failovers`] turns this off). Independently, a call that fails on
/// the connection, or gets `READONLY` (a write reached a demoted master), drops the current
/// client, so the next call resolves the master again. The failed command is never sent
/// again by the client: whether it ran is unknown.
#[derive(Debug)]
pub struct SentinelClient {
    shared: Arc<Shared>,
    watch: AtomicBool,
    watcher: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

/// What the client and its `+switch-master` watcher share.
#[derive(Debug)]
struct Shared {
    template: Config,
    master: String,
    sentinels: Vec<Addr>,
    current: RwLock<Option<(Addr, Client)>>,
    resolving: tokio::sync::Mutex<()>,
    switches: AtomicU64,
}

impl Drop for SentinelClient {
    fn drop(&mut self) {
        if let Some(task) = self.watcher_slot().take() {
            task.abort();
        }
    }
}

impl SentinelClient {
    /// A client for a `redis+sentinel://` configuration. Nothing is opened until the first call.
    pub fn new(config: Config) -> Result<SentinelClient> {
        let Topology::Sentinel { master, sentinels } = config.topology.clone() else {
            return Err(Error::config(
                "a sentinel client needs a redis+sentinel:// URL (sentinels and a master name)",
            ));
        };
        Ok(SentinelClient {
            shared: Arc::new(Shared {
                template: config,
                master,
                sentinels,
                current: RwLock::new(None),
                resolving: tokio::sync::Mutex::new(()),
                switches: AtomicU64::new(0),
            }),
            watch: AtomicBool::new(true),
            watcher: Mutex::new(None),
        })
    }

    /// Whether to listen for `+switch-master` on the sentinels (on by default). Without it,
    /// the master is resolved again only after a call fails on the old one.
    pub fn watch_failovers(self, on: bool) -> SentinelClient {
        self.watch.store(on, Ordering::Relaxed);
        self
    }

    /// How many `+switch-master` announcements for this master the watcher has acted on.
    pub fn switch_events(&self) -> u64 {
        self.shared.switches.load(Ordering::Relaxed)
    }

    /// A client for a URL.
    pub fn open(url: &str) -> Result<SentinelClient> {
        SentinelClient::new(Config::from_url(url)?)
    }

    /// The master's address as last resolved, if any.
    pub fn master_addr(&self) -> Option<Addr> {
        self.shared.read().as_ref().map(|(addr, _)| addr.clone())
    }

    /// The client for the current master, resolving it first when needed.
    pub async fn client(&self) -> Result<Client> {
        if let Some((_, client)) = self.shared.read().as_ref() {
            return Ok(client.clone());
        }
        let client = {
            let _one_at_a_time = self.shared.resolving.lock().await;
            if let Some((_, client)) = self.shared.read().as_ref() {
                return Ok(client.clone());
            }
            let addr = self.shared.resolve().await?;
            self.shared.install(addr)?
        };
        self.start_watcher();
        Ok(client)
    }

    /// Starts the `+switch-master` watcher once, if wanted.
    fn start_watcher(&self) {
        if !self.watch.load(Ordering::Relaxed) {
            return;
        }
        let mut slot = self.watcher_slot();
        if slot.is_none() {
            *slot = Some(tokio::spawn(watch(Arc::downgrade(&self.shared))));
        }
    }

    fn watcher_slot(&self) -> std::sync::MutexGuard<'_, Option<tokio::task::JoinHandle<()>>> {
        self.watcher.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sends a command to the master.
    pub async fn send(&self, command: &Cmd) -> Result<Value> {
        let client = self.client().await?;
        let result = client.send(command).await;
        if let Err(err) = &result {
            let demoted = err.server_error().map(|e| e.kind()) == Some(ServerErrorKind::ReadOnly);
            if demoted || err.is_connection_dropped() {
                self.forget(&client);
            }
        }
        result
    }

    /// Sends a command and converts its reply.
    pub async fn query<T: FromValue>(&self, command: &Cmd) -> Result<T> {
        T::from_value(self.send(command).await?)
    }

    fn forget(&self, failed: &Client) {
        let mut current = self.shared.write();
        if let Some((_, client)) = current.as_ref()
            && Arc::ptr_eq(client.pool(), failed.pool())
        {
            *current = None;
        }
    }
}

impl Shared {
    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<(Addr, Client)>> {
        self.current.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Option<(Addr, Client)>> {
        self.current.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Makes `addr` the current master (keeping the client if it already is).
    fn install(&self, addr: Addr) -> Result<Client> {
        let mut current = self.write();
        if let Some((known, client)) = current.as_ref()
            && *known == addr
        {
            return Ok(client.clone());
        }
        let mut config = self.template.clone();
        config.addr = addr.clone();
        config.topology = Topology::Standalone;
        let client = Client::new(config)?;
        *current = Some((addr, client.clone()));
        Ok(client)
    }

    /// Acts on a `+switch-master` announcement: resolves the master again now (checking it
    /// with `ROLE`), or, if that fails, forgets it so the next call tries again.
    async fn switched(&self) {
        let _one_at_a_time = self.resolving.lock().await;
        self.switches.fetch_add(1, Ordering::Relaxed);
        match self.resolve().await {
            Ok(addr) => {
                if self.install(addr).is_err() {
                    *self.write() = None;
                }
            }
            Err(_) => *self.write() = None,
        }
    }

    /// A plain configuration for talking to a sentinel: no database, no credentials of the
    /// data nodes, but the sentinels' own (`sentinel_username`, `sentinel_password`).
    fn sentinel_config(&self, sentinel: &Addr) -> Config {
        let mut config = Config::new(sentinel.clone())
            .connect_timeout(self.template.connect_timeout)
            .response_timeout(Some(self.template.connect_timeout));
        config.limits = self.template.limits;
        config.username = self.template.sentinel_username.clone();
        config.password = self.template.sentinel_password.clone();
        config
    }

    /// Asks each sentinel in turn for the master and keeps the first answer whose server
    /// confirms with `ROLE` that it is a master.
    ///
    /// When every sentinel refused the client's credentials (`NOAUTH`, `WRONGPASS`), the error
    /// is that server error (so [`Error::server_error`] tells an authentication failure from an
    /// outage), its text saying that the sentinel credentials are the ones at fault.
    async fn resolve(&self) -> Result<Addr> {
        let mut problems = Vec::new();
        let mut refused = 0;
        let mut code = String::new();
        for sentinel in &self.sentinels {
            match self.ask(sentinel).await {
                Ok(addr) => return Ok(addr),
                Err(Asked::Sentinel(err)) if is_auth_error(&err) => {
                    refused += 1;
                    if let Some(server) = err.server_error()
                        && code.is_empty()
                    {
                        code = server.code().to_owned();
                    }
                    problems.push(format!("{sentinel}: {err}"));
                }
                Err(Asked::Sentinel(err) | Asked::Master(err)) => {
                    problems.push(format!("{sentinel}: {err}"));
                }
            }
        }
        if refused > 0 && refused == self.sentinels.len() {
            let given = match (
                &self.template.sentinel_username,
                &self.template.sentinel_password,
            ) {
                (_, None) => "no sentinel password was given",
                (None, Some(_)) => "the sentinel password was refused",
                (Some(_), Some(_)) => "the sentinel user name and password were refused",
            };
            return Err(Error::from(ServerError::new(format!(
                "{code} the sentinels of {:?} require authentication and {given} \
                 (sentinel_password / sentinel_username in the URL, or \
                 Config::sentinel_password): {}",
                self.master,
                problems.join("; ")
            ))));
        }
        Err(Error::new(
            ErrorKind::Io,
            format!(
                "no sentinel named a reachable master {:?}: {}",
                self.master,
                problems.join("; ")
            ),
        ))
    }

    async fn ask(&self, sentinel: &Addr) -> std::result::Result<Addr, Asked> {
        let mut conn = Connection::connect(&self.sentinel_config(sentinel))
            .await
            .map_err(Asked::Sentinel)?;
        let reply = conn
            .send(
                &cmd("SENTINEL")
                    .arg("get-master-addr-by-name")
                    .arg(&self.master),
            )
            .await
            .map_err(Asked::Sentinel)?;
        self.check_master(reply).await.map_err(Asked::Master)
    }

    /// Checks with `ROLE` that the server a sentinel named is a master.
    async fn check_master(&self, reply: Value) -> Result<Addr> {
        let (host, port): (String, u16) = match reply {
            Value::Nil => {
                return Err(Error::new(
                    ErrorKind::Server,
                    format!(
                        "the sentinel does not know a master named {:?}",
                        self.master
                    ),
                ));
            }
            other => <(String, u16)>::from_value(other)?,
        };
        let addr = Addr::Tcp { host, port };
        let mut config = self.template.clone();
        config.addr = addr.clone();
        config.topology = Topology::Standalone;
        let mut master = Connection::connect(&config).await?;
        let role = master.send(&cmd("ROLE")).await?;
        let is_master = matches!(&role, Value::Array(items)
            if items.first().and_then(Value::as_bytes) == Some(&b"master"[..]));
        if !is_master {
            return Err(Error::new(
                ErrorKind::Server,
                format!(
                    "{addr} is not a master (ROLE says {role:?}); the failover is not finished"
                ),
            ));
        }
        Ok(addr)
    }
}

/// Which step of asking a sentinel failed.
enum Asked {
    /// Talking to the sentinel.
    Sentinel(Error),
    /// Checking the master it named.
    Master(Error),
}

/// Whether a server refused the connection's credentials (or wanted some).
fn is_auth_error(err: &Error) -> bool {
    matches!(
        err.server_error().map(ServerError::kind),
        Some(ServerErrorKind::NoAuth | ServerErrorKind::WrongPass)
    )
}

/// The `+switch-master` watcher: subscribed on one sentinel at a time (the next one when that
/// one goes away), it resolves the master again on every announcement naming it. It ends when
/// the client is dropped.
async fn watch(shared: Weak<Shared>) {
    let mut turn = 0usize;
    loop {
        let (config, master) = {
            let Some(shared) = shared.upgrade() else {
                return;
            };
            let Some(sentinel) = shared.sentinels.get(turn % shared.sentinels.len().max(1)) else {
                return;
            };
            (shared.sentinel_config(sentinel), shared.master.clone())
        };
        turn = turn.wrapping_add(1);
        let mut subscriber = PubSub::new(config);
        if subscriber.subscribe(&[SWITCH_MASTER]).await.is_err() {
            tokio::time::sleep(Duration::from_millis(500)).await;
            continue;
        }
        // Gives up on this sentinel (and moves to the next) when it cannot be reached again.
        while let Ok(message) = subscriber.next_message().await {
            // "<master name> <old ip> <old port> <new ip> <new port>"
            let names_ours = message
                .payload
                .split(|&b| b == b' ')
                .next()
                .is_some_and(|name| name == master.as_bytes());
            if !names_ours {
                continue;
            }
            let Some(shared) = shared.upgrade() else {
                return;
            };
            shared.switched().await;
        }
    }
}

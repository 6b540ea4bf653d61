//! Sentinel deployments: the master is found through the sentinels, checked with `ROLE`, and
//! found again after a failover.

use std::sync::RwLock;

use crate::cmd::{Cmd, cmd};
use crate::config::{Addr, Config, Topology};
use crate::conn::Connection;
use crate::convert::FromValue;
use crate::resp::ServerErrorKind;
use crate::{Client, Error, ErrorKind, Result, Value};

/// A client for a master monitored by sentinels
/// (`redis+sentinel://sentinel:26379,sentinel:26380/mymaster/0`).
///
/// The first call asks the sentinels (`SENTINEL get-master-addr-by-name`) in turn for the
/// master, checks with `ROLE` that the server there really is a master, and opens a pooled
/// [`Client`] to it. A call that fails on the connection, or gets `READONLY` (a demoted master),
/// drops that client, so the next call resolves the master again. The failed command is never
/// sent again by the client: whether it ran is unknown.
#[derive(Debug)]
pub struct SentinelClient {
    template: Config,
    master: String,
    sentinels: Vec<Addr>,
    current: RwLock<Option<(Addr, Client)>>,
    resolving: tokio::sync::Mutex<()>,
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
            template: config,
            master,
            sentinels,
            current: RwLock::new(None),
            resolving: tokio::sync::Mutex::new(()),
        })
    }

    /// A client for a URL.
    pub fn open(url: &str) -> Result<SentinelClient> {
        SentinelClient::new(Config::from_url(url)?)
    }

    /// The master's address as last resolved, if any.
    pub fn master_addr(&self) -> Option<Addr> {
        self.read().as_ref().map(|(addr, _)| addr.clone())
    }

    /// The client for the current master, resolving it first when needed.
    pub async fn client(&self) -> Result<Client> {
        if let Some((_, client)) = self.read().as_ref() {
            return Ok(client.clone());
        }
        let _one_at_a_time = self.resolving.lock().await;
        if let Some((_, client)) = self.read().as_ref() {
            return Ok(client.clone());
        }
        let addr = self.resolve().await?;
        let mut config = self.template.clone();
        config.addr = addr.clone();
        config.topology = Topology::Standalone;
        let client = Client::new(config)?;
        *self.current.write().unwrap_or_else(|e| e.into_inner()) = Some((addr, client.clone()));
        Ok(client)
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
        let mut current = self.current.write().unwrap_or_else(|e| e.into_inner());
        if let Some((_, client)) = current.as_ref()
            && std::sync::Arc::ptr_eq(client.pool(), failed.pool())
        {
            *current = None;
        }
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Option<(Addr, Client)>> {
        self.current.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Asks each sentinel in turn for the master and keeps the first answer whose server
    /// confirms with `ROLE` that it is a master.
    async fn resolve(&self) -> Result<Addr> {
        let mut problems = Vec::new();
        for sentinel in &self.sentinels {
            match self.ask(sentinel).await {
                Ok(addr) => return Ok(addr),
                Err(err) => problems.push(format!("{sentinel}: {err}")),
            }
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

    async fn ask(&self, sentinel: &Addr) -> Result<Addr> {
        // Sentinels get a plain connection: no database, no credentials of the data nodes.
        let mut config = Config::new(sentinel.clone())
            .connect_timeout(self.template.connect_timeout)
            .response_timeout(Some(self.template.connect_timeout));
        config.limits = self.template.limits;
        let mut conn = Connection::connect(&config).await?;
        let reply = conn
            .send(
                &cmd("SENTINEL")
                    .arg("get-master-addr-by-name")
                    .arg(&self.master),
            )
            .await?;
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

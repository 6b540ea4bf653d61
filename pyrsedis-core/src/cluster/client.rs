//! The cluster client: a slot map from `CLUSTER SLOTS`, one pool per node, commands routed by
//! the slot of their first key, `MOVED` and `ASK` followed transparently, and pipelines split
//! per node (sent concurrently) and reassembled in input order.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use super::{Redirect, RedirectKind, hash_slot};
use crate::client::Pipeline;
use crate::cmd::{Cmd, cmd};
use crate::config::{Addr, Config, Topology};
use crate::conn::Pool;
use crate::convert::FromValue;
use crate::resp::{ServerError, ServerErrorKind, ValueSink};
use crate::{Error, ErrorKind, Result, Value};

/// Redirections followed for one command before giving up.
const MAX_REDIRECTS: usize = 5;

/// Commands that carry no key: they go to any node.
const KEYLESS: &[&str] = &[
    "PING",
    "ECHO",
    "INFO",
    "DBSIZE",
    "FLUSHDB",
    "FLUSHALL",
    "TIME",
    "CONFIG",
    "CLIENT",
    "CLUSTER",
    "COMMAND",
    "SCRIPT",
    "PUBLISH",
    "LASTSAVE",
    "RANDOMKEY",
    "KEYS",
    "SCAN",
    "FUNCTION",
    "MEMORY",
    "SLOWLOG",
    "LATENCY",
    "ACL",
    "READONLY",
    "READWRITE",
    "WAIT",
    "DEBUG",
    "OBJECT",
];

/// Which node serves each slot range.
#[derive(Debug, Default)]
struct SlotMap {
    /// `(first slot, last slot, node)`, sorted by first slot.
    ranges: Vec<(u16, u16, Addr)>,
}

impl SlotMap {
    fn node(&self, slot: u16) -> Option<&Addr> {
        let i = self.ranges.partition_point(|(start, _, _)| *start <= slot);
        let (_, end, addr) = self.ranges.get(i.checked_sub(1)?)?;
        (slot <= *end).then_some(addr)
    }
}

/// A Redis Cluster client (`redis+cluster://host:port,host:port`): cheap to clone and share.
#[derive(Debug, Clone)]
pub struct ClusterClient {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    template: Config,
    seeds: Vec<Addr>,
    slots: RwLock<SlotMap>,
    pools: Mutex<HashMap<Addr, Arc<Pool>>>,
    refreshing: tokio::sync::Mutex<()>,
}

impl ClusterClient {
    /// A cluster client for a `redis+cluster://` configuration (or any configuration, whose
    /// address is then the only seed). Nothing is opened until the first command.
    pub fn new(config: Config) -> Result<ClusterClient> {
        let seeds = match &config.topology {
            Topology::Cluster { seeds } => seeds.clone(),
            Topology::Standalone => vec![config.addr.clone()],
            _ => {
                return Err(Error::config(
                    "a cluster client needs redis+cluster:// seeds, not sentinels",
                ));
            }
        };
        if config.db != 0 {
            return Err(Error::config(
                "Redis Cluster has only database 0; remove the /db from the URL",
            ));
        }
        Ok(ClusterClient {
            inner: Arc::new(Inner {
                template: config,
                seeds,
                slots: RwLock::new(SlotMap::default()),
                pools: Mutex::new(HashMap::new()),
                refreshing: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// A cluster client for a URL.
    pub fn open(url: &str) -> Result<ClusterClient> {
        ClusterClient::new(Config::from_url(url)?)
    }

    /// The slot of a command's first key, or `None` for commands without keys.
    pub fn slot_of(command: &Cmd) -> Option<u16> {
        let name = command.name();
        if KEYLESS.contains(&name.as_str()) {
            return None;
        }
        let key_at = match name.as_str() {
            "EVAL" | "EVALSHA" | "EVAL_RO" | "EVALSHA_RO" | "FCALL" | "FCALL_RO" => {
                let numkeys = std::str::from_utf8(command.arg_at(2)?).ok()?;
                if numkeys.parse::<u64>().ok()? == 0 {
                    return None;
                }
                3
            }
            "XREAD" | "XREADGROUP" => {
                let args = command.args();
                1 + args
                    .iter()
                    .position(|a| a.eq_ignore_ascii_case(b"STREAMS"))?
            }
            _ => 1,
        };
        command.arg_at(key_at).map(hash_slot)
    }

    /// Sends a command to the node serving its key, following redirections; returns its reply.
    pub async fn send(&self, command: &Cmd) -> Result<Value> {
        let slot = Self::slot_of(command);
        let mut ask: Option<Addr> = None;
        for _ in 0..=MAX_REDIRECTS {
            let asking = ask.is_some();
            let addr = match ask.take() {
                Some(addr) => addr,
                None => self.node_for(slot).await?,
            };
            let reply = match self.exchange(&addr, command, asking).await {
                Ok(reply) => reply,
                Err(err) => {
                    // A node that cannot be reached may have failed over: reload the map on
                    // the next call. The command is not sent again here.
                    if err.is_connection_dropped() {
                        self.inner
                            .slots
                            .write()
                            .unwrap_or_else(|e| e.into_inner())
                            .ranges
                            .clear();
                    }
                    return Err(err);
                }
            };
            let err = match reply {
                Value::Error(err) => err,
                other => return Ok(other),
            };
            match self.react(&err, &addr).await {
                Next::Ask(to) => ask = Some(to),
                Next::Retry => {}
                Next::Fail => return Err(err.into()),
            }
        }
        Err(Error::new(
            ErrorKind::Server,
            format!("gave up after {MAX_REDIRECTS} cluster redirections"),
        ))
    }

    /// One exchange with one node; with `asking`, `ASKING` goes first in the same write.
    async fn exchange(&self, addr: &Addr, command: &Cmd, asking: bool) -> Result<Value> {
        let mut conn = self.pool(addr)?.get().await?;
        if !asking {
            return conn.send_into(command, &mut ValueSink::new()).await;
        }
        let mut replies = conn
            .send_pipeline(&[cmd("ASKING"), command.clone()])
            .await?;
        Ok(match replies.pop() {
            Some(Ok(v)) => v,
            Some(Err(e)) => Value::Error(e),
            None => Value::Nil,
        })
    }

    /// Sends a command and converts its reply.
    pub async fn query<T: FromValue>(&self, command: &Cmd) -> Result<T> {
        T::from_value(self.send(command).await?)
    }

    /// Sends a pipeline: commands are grouped by node, each group goes out in one write (the
    /// groups concurrently), and results come back in input order. A command that meets a
    /// redirection is sent again on its own, to the right node.
    pub async fn pipeline(&self, pipeline: &Pipeline) -> Result<Vec<Result<Value, ServerError>>> {
        let commands = pipeline.commands();
        let mut groups: HashMap<Addr, Vec<usize>> = HashMap::new();
        for (i, c) in commands.iter().enumerate() {
            let addr = self.node_for(Self::slot_of(c)).await?;
            groups.entry(addr).or_default().push(i);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (addr, indexes) in groups {
            let pool = self.pool(&addr)?;
            let group: Vec<Cmd> = indexes.iter().map(|&i| commands[i].clone()).collect();
            tasks.spawn(async move {
                let replies = pool.get().await?.send_pipeline(&group).await?;
                Ok::<_, Error>((indexes, replies))
            });
        }
        let mut results: Vec<Option<Result<Value, ServerError>>> = vec![None; commands.len()];
        while let Some(joined) = tasks.join_next().await {
            let (indexes, replies) = joined
                .map_err(|e| Error::new(ErrorKind::Io, format!("a pipeline task failed: {e}")))??;
            for (i, reply) in indexes.into_iter().zip(replies) {
                results[i] = Some(reply);
            }
        }
        let mut out = Vec::with_capacity(commands.len());
        for (i, result) in results.into_iter().enumerate() {
            let result = match result {
                Some(Err(err)) if Redirect::parse(&err).is_some() => {
                    match self.send(&commands[i]).await {
                        Ok(v) => Ok(v),
                        Err(e) => match e.server_error() {
                            Some(server) => Err(server.clone()),
                            None => return Err(e),
                        },
                    }
                }
                Some(r) => r,
                None => return Err(Error::closed()),
            };
            out.push(result);
        }
        Ok(out)
    }

    /// Reloads the slot map from `CLUSTER SLOTS`, asking known nodes first, then the seeds.
    pub async fn refresh(&self) -> Result<()> {
        let _one_at_a_time = self.inner.refreshing.lock().await;
        let mut candidates: Vec<Addr> = {
            let slots = self.read_slots();
            slots.ranges.iter().map(|(_, _, a)| a.clone()).collect()
        };
        candidates.extend(self.inner.seeds.iter().cloned());
        let mut unique: Vec<Addr> = Vec::with_capacity(candidates.len());
        for c in candidates {
            if !unique.contains(&c) {
                unique.push(c);
            }
        }
        let candidates = unique;
        let mut last = None;
        for addr in candidates {
            match self.fetch_slots(&addr).await {
                Ok(map) => {
                    *self.inner.slots.write().unwrap_or_else(|e| e.into_inner()) = map;
                    return Ok(());
                }
                Err(err) => last = Some(err),
            }
        }
        Err(last.unwrap_or_else(|| Error::config("the cluster URL lists no seed node")))
    }

    async fn fetch_slots(&self, addr: &Addr) -> Result<SlotMap> {
        let reply = self
            .pool(addr)?
            .get()
            .await?
            .send(&cmd("CLUSTER").arg("SLOTS"))
            .await?;
        let bad = || {
            Error::new(
                ErrorKind::TypeMismatch,
                "CLUSTER SLOTS replied with an unexpected shape",
            )
        };
        let Value::Array(entries) = reply else {
            return Err(bad());
        };
        let asked_host = match addr {
            Addr::Tcp { host, .. } => host.clone(),
            Addr::Unix(_) => String::new(),
        };
        let mut ranges = Vec::with_capacity(entries.len());
        for entry in entries {
            let Value::Array(parts) = entry else {
                return Err(bad());
            };
            let (Some(Value::Int(start)), Some(Value::Int(end)), Some(Value::Array(master))) =
                (parts.first(), parts.get(1), parts.get(2))
            else {
                return Err(bad());
            };
            let (Some(host), Some(Value::Int(port))) = (master.first(), master.get(1)) else {
                return Err(bad());
            };
            let host = match host.as_bytes() {
                Some(h) if !h.is_empty() && h != b"?" => String::from_utf8_lossy(h).into_owned(),
                _ => asked_host.clone(),
            };
            let (Ok(start), Ok(end), Ok(port)) = (
                u16::try_from(*start),
                u16::try_from(*end),
                u16::try_from(*port),
            ) else {
                return Err(bad());
            };
            ranges.push((start, end, Addr::Tcp { host, port }));
        }
        if ranges.is_empty() {
            return Err(Error::new(
                ErrorKind::Server,
                "the cluster serves no slots yet (CLUSTER SLOTS is empty)",
            ));
        }
        ranges.sort_by_key(|(start, _, _)| *start);
        Ok(SlotMap { ranges })
    }

    /// The node for a slot (any node for `None`), loading the slot map when needed.
    async fn node_for(&self, slot: Option<u16>) -> Result<Addr> {
        for _ in 0..2 {
            {
                let slots = self.read_slots();
                let found = match slot {
                    Some(s) => slots.node(s).cloned(),
                    None => slots.ranges.first().map(|(_, _, a)| a.clone()),
                };
                if let Some(addr) = found {
                    return Ok(addr);
                }
            }
            self.refresh().await?;
        }
        Err(Error::new(
            ErrorKind::Server,
            format!("no node serves slot {slot:?} (is the cluster fully configured?)"),
        ))
    }

    /// What to do after an error reply from `from`.
    async fn react(&self, err: &ServerError, from: &Addr) -> Next {
        if let Some(redirect) = Redirect::parse(err) {
            let to = match (&redirect.addr, from) {
                (
                    Addr::Tcp { host, port },
                    Addr::Tcp {
                        host: from_host, ..
                    },
                ) if host.is_empty() => Addr::Tcp {
                    host: from_host.clone(),
                    port: *port,
                },
                (addr, _) => addr.clone(),
            };
            return match redirect.kind {
                RedirectKind::Ask => Next::Ask(to),
                _ => {
                    // The slot moved for good: reload the whole map (many slots usually move
                    // together); if that fails, at least remember this one.
                    if self.refresh().await.is_err() {
                        let mut slots = self.inner.slots.write().unwrap_or_else(|e| e.into_inner());
                        slots
                            .ranges
                            .retain(|(s, e, _)| !(*s..=*e).contains(&redirect.slot));
                        slots.ranges.push((redirect.slot, redirect.slot, to));
                        slots.ranges.sort_by_key(|(start, _, _)| *start);
                    }
                    Next::Retry
                }
            };
        }
        match err.kind() {
            ServerErrorKind::TryAgain | ServerErrorKind::ClusterDown => {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Next::Retry
            }
            _ => Next::Fail,
        }
    }

    fn read_slots(&self) -> std::sync::RwLockReadGuard<'_, SlotMap> {
        self.inner.slots.read().unwrap_or_else(|e| e.into_inner())
    }

    fn pool(&self, addr: &Addr) -> Result<Arc<Pool>> {
        let mut pools = self.inner.pools.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pool) = pools.get(addr) {
            return Ok(Arc::clone(pool));
        }
        let mut config = self.inner.template.clone();
        config.addr = addr.clone();
        config.topology = Topology::Standalone;
        let pool = Pool::new(config)?;
        pools.insert(addr.clone(), Arc::clone(&pool));
        Ok(pool)
    }
}

/// The reaction to an error reply.
enum Next {
    /// Send again to wherever the slot map now says.
    Retry,
    /// Send `ASKING` and the command to this node, once.
    Ask(Addr),
    /// Return the error.
    Fail,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_route_by_their_first_key() {
        assert_eq!(ClusterClient::slot_of(&cmd("GET").arg("foo")), Some(12182));
        assert_eq!(
            ClusterClient::slot_of(&cmd("set").arg("{foo}x").arg(1)),
            Some(12182)
        );
        assert_eq!(ClusterClient::slot_of(&cmd("PING")), None);
        assert_eq!(ClusterClient::slot_of(&cmd("EVAL").arg("s").arg(0)), None);
        assert_eq!(
            ClusterClient::slot_of(&cmd("EVAL").arg("s").arg(1).arg("foo")),
            Some(12182)
        );
        let xread = cmd("XREAD")
            .arg("COUNT")
            .arg(1)
            .arg("STREAMS")
            .arg("foo")
            .arg("0");
        assert_eq!(ClusterClient::slot_of(&xread), Some(12182));
    }

    #[test]
    fn the_slot_map_finds_the_range_holding_a_slot() {
        let a = |p| Addr::Tcp {
            host: "h".into(),
            port: p,
        };
        let map = SlotMap {
            ranges: vec![(0, 5460, a(1)), (5461, 10922, a(2)), (10923, 16383, a(3))],
        };
        assert_eq!(map.node(0), Some(&a(1)));
        assert_eq!(map.node(5461), Some(&a(2)));
        assert_eq!(map.node(16383), Some(&a(3)));
        let gap = SlotMap {
            ranges: vec![(10, 20, a(1))],
        };
        assert_eq!(gap.node(5), None);
        assert_eq!(gap.node(21), None);
    }
}

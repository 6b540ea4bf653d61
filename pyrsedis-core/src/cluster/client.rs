//! The cluster client: a slot map from `CLUSTER SLOTS`, one pool per node, commands routed by
//! the slot of their keys, `MOVED` and `ASK` followed transparently, pipelines and the
//! splittable multi-key commands split per node (sent concurrently) and reassembled in input
//! order, keyless commands such as `DBSIZE` or `SCRIPT LOAD` sent to every master and their
//! replies aggregated, and optional reads from replicas.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

use crate::resp::Blob;

use super::keys::{self, Aggregate, FanOut, Split};
use super::scan::ClusterScan;
use super::{Redirect, RedirectKind, hash_slot};
use crate::client::Pipeline;
use crate::cmd::{Cmd, ToArgs, cmd};
use crate::config::{Addr, Config, Topology};
use crate::conn::Pool;
use crate::convert::FromValue;
use crate::resp::{ServerError, ServerErrorKind, ValueSink};
use crate::{Error, ErrorKind, Result, Value};

/// Redirections followed for one command before giving up.
const MAX_REDIRECTS: usize = 5;

/// One slot range: its master and replicas.
#[derive(Debug, Clone, PartialEq)]
struct Range {
    start: u16,
    end: u16,
    master: Addr,
    replicas: Vec<Addr>,
}

/// Which node serves each slot range.
#[derive(Debug, Default)]
struct SlotMap {
    /// Sorted by first slot.
    ranges: Vec<Range>,
}

impl SlotMap {
    fn range(&self, slot: u16) -> Option<&Range> {
        let i = self.ranges.partition_point(|r| r.start <= slot);
        let range = self.ranges.get(i.checked_sub(1)?)?;
        (slot <= range.end).then_some(range)
    }

    #[cfg(test)]
    fn node(&self, slot: u16) -> Option<&Addr> {
        self.range(slot).map(|r| &r.master)
    }
}

/// Where one command goes: a node, and whether through its read-only (replica) pool.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Target {
    addr: Addr,
    replica: bool,
}

impl Target {
    fn master(addr: Addr) -> Target {
        Target {
            addr,
            replica: false,
        }
    }
}

/// How a command is handled, decided from its keys before anything is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Plan {
    /// All keys share a slot (or there are none): send it to that slot's node.
    Route(Option<u16>),
    /// A splittable multi-key command whose keys span slots.
    Split(Split),
    /// A keyless command sent to every master (and, with `true`, every replica), its replies
    /// aggregated.
    FanOut(Aggregate, bool),
}

/// Where one command of a pipeline, as sent, goes.
#[derive(Debug)]
enum Dest {
    /// To the node serving this slot (any node for `None`).
    Slot(Option<u16>),
    /// To this node: one copy of a command sent to every node.
    Node(Target),
}

/// The replies of a pipeline, one per command.
type Replies = Vec<Result<Value, ServerError>>;

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
    pools: Mutex<HashMap<Target, Arc<Pool>>>,
    refreshing: tokio::sync::Mutex<()>,
    replica_reads: AtomicBool,
    next_replica: AtomicUsize,
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
        let replica_reads = config.read_from_replicas;
        Ok(ClusterClient {
            inner: Arc::new(Inner {
                template: config,
                seeds,
                slots: RwLock::new(SlotMap::default()),
                pools: Mutex::new(HashMap::new()),
                refreshing: tokio::sync::Mutex::new(()),
                replica_reads: AtomicBool::new(replica_reads),
                next_replica: AtomicUsize::new(0),
            }),
        })
    }

    /// Sends read-only commands (`GET`, `MGET`, `HGETALL`, `ZRANGE`, `EVAL_RO`, ...) to a
    /// replica of their slot, in turn, when the slot has one; writes still go to masters.
    /// Connections to replicas send `READONLY` once, in their handshake. Replicas replicate
    /// asynchronously: a read may not see a write that just returned. Off by default (or as
    /// `?read_from_replicas=` in the URL says); it applies to every clone of this client.
    pub fn read_from_replicas(self, on: bool) -> ClusterClient {
        self.inner.replica_reads.store(on, Ordering::Relaxed);
        self
    }

    /// A cluster client for a URL.
    pub fn open(url: &str) -> Result<ClusterClient> {
        ClusterClient::new(Config::from_url(url)?)
    }

    /// The slot of a command's first key, or `None` for commands without keys.
    pub fn slot_of(command: &Cmd) -> Option<u16> {
        let args = command.args();
        let name = command.name();
        let first = *keys::key_positions(&name, &args).first()?;
        args.get(first).map(|k| hash_slot(k))
    }

    /// Decides, before anything is sent, how a command is handled: routed to one slot, split
    /// per slot (`MGET`, `DEL`, `UNLINK`, `EXISTS`, `TOUCH`, `MSET`), or refused with
    /// [`ErrorKind::CrossSlot`] because its keys span slots.
    fn plan(command: &Cmd) -> Result<Plan> {
        let args = command.args();
        let name = command.name();
        match keys::fan_out(&name, &args) {
            Some(FanOut::Masters(aggregate)) => return Ok(Plan::FanOut(aggregate, false)),
            Some(FanOut::AllNodes(aggregate)) => return Ok(Plan::FanOut(aggregate, true)),
            Some(FanOut::Refuse(why)) => {
                return Err(Error::new(
                    ErrorKind::Unsupported,
                    format!("{why} (nothing was sent)"),
                ));
            }
            None => {}
        }
        let positions = keys::key_positions(&name, &args);
        let mut slots: Vec<u16> = positions
            .iter()
            .filter_map(|&at| args.get(at))
            .map(|k| hash_slot(k))
            .collect();
        let first = slots.first().copied();
        slots.sort_unstable();
        slots.dedup();
        if slots.len() <= 1 {
            return Ok(Plan::Route(first));
        }
        match keys::split_kind(&name) {
            // An MSET with a key but no value is left for the server to refuse.
            Some(Split::Pairs) if args.len().is_multiple_of(2) => Ok(Plan::Route(first)),
            Some(split) => Ok(Plan::Split(split)),
            None => {
                let mut shown: Vec<String> = slots.iter().take(8).map(u16::to_string).collect();
                if slots.len() > 8 {
                    shown.push("...".into());
                }
                Err(Error::new(
                    ErrorKind::CrossSlot,
                    format!(
                        "{name} has keys in {} hash slots ({}); a cluster runs it only when all \
                         its keys share one slot: give them one hash tag, like {{user1}}:a and \
                         {{user1}}:b (nothing was sent)",
                        slots.len(),
                        shown.join(", ")
                    ),
                ))
            }
        }
    }

    /// Sends a command to the node serving its keys, following redirections; returns its reply.
    ///
    /// `MGET`, `DEL`, `UNLINK`, `EXISTS`, `TOUCH` and `MSET` whose keys span slots are split
    /// into one command per slot, sent concurrently (one write per node), and their replies
    /// put back together: `MGET` values in input order, counts summed, `OK` for `MSET`. Such a
    /// split command is not atomic: other clients may see some parts applied before others,
    /// and if one part fails (its error is returned) the others may still have run. Any other
    /// command whose keys span slots is refused with [`ErrorKind::CrossSlot`] before anything
    /// is sent.
    ///
    /// The keyless commands of the fan-out table (`PING`, `DBSIZE`, `KEYS`, `FLUSHALL`,
    /// `FLUSHDB`, `RANDOMKEY`, `WAIT`, `SCRIPT LOAD|FLUSH|EXISTS|KILL`, `FUNCTION
    /// LOAD|DELETE|FLUSH|RESTORE|KILL`) go to every master concurrently and their replies are
    /// aggregated: `DBSIZE` summed, `KEYS` concatenated, `WAIT` the minimum, `SCRIPT EXISTS`
    /// true where every master has the script, `RANDOMKEY` any key found, the others the one
    /// reply every master gave (an error if they differ). `SCRIPT LOAD` and `SCRIPT FLUSH`
    /// go to every replica too (Redis does not replicate the script cache). A server error
    /// from any node is returned (other nodes may have run the command); a transport error
    /// from any node fails the call. `SCAN` is refused with [`ErrorKind::Unsupported`]: its
    /// cursor cannot cover several nodes; [`ClusterClient::scan_match`] scans every master.
    pub async fn send(&self, command: &Cmd) -> Result<Value> {
        match Self::plan(command)? {
            Plan::Route(slot) => self.send_routed(command, slot).await,
            Plan::Split(split) => self.send_split(command, split).await,
            Plan::FanOut(aggregate, replicas) => {
                self.send_fan_out(command, aggregate, replicas).await
            }
        }
    }

    /// Sends a keyless command to every master (with `replicas`, every replica too), the
    /// nodes concurrently, and aggregates the replies.
    async fn send_fan_out(
        &self,
        command: &Cmd,
        aggregate: Aggregate,
        replicas: bool,
    ) -> Result<Value> {
        let parts = Parts::fan_out(command, aggregate, self.fan_out_targets(replicas).await?);
        let mut tasks = tokio::task::JoinSet::new();
        for (i, target) in parts.targets.iter().enumerate() {
            let pool = self.pool(target)?;
            let part = command.clone();
            tasks.spawn(async move {
                let reply = pool
                    .get()
                    .await?
                    .send_into(&part, &mut ValueSink::new())
                    .await?;
                Ok::<_, Error>((i, reply))
            });
        }
        let mut replies: Vec<Option<Value>> = vec![None; parts.targets.len()];
        let mut failed = None;
        while let Some(joined) = tasks.join_next().await {
            let result = joined
                .map_err(|e| Error::new(ErrorKind::Io, format!("a fan-out task failed: {e}")))
                .and_then(|r| r);
            match result {
                Ok((i, reply)) => replies[i] = Some(reply),
                Err(err) => {
                    failed.get_or_insert(err);
                }
            }
        }
        if let Some(err) = failed {
            self.forget_slots_after(&err);
            return Err(err);
        }
        let replies = replies
            .into_iter()
            .map(|reply| match reply {
                Some(Value::Error(err)) => Ok(Err(err)),
                Some(v) => Ok(Ok(v)),
                None => Err(Error::closed()),
            })
            .collect::<Result<Replies>>()?;
        parts.combine(replies)
    }

    /// Every master, in slot order (with `replicas`, then every replica, through its
    /// read-only pool), loading the slot map when needed.
    async fn fan_out_targets(&self, replicas: bool) -> Result<Vec<Target>> {
        if self.read_slots().ranges.is_empty() {
            self.refresh().await?;
        }
        let slots = self.read_slots();
        let mut out: Vec<Target> = Vec::new();
        for range in &slots.ranges {
            let master = Target::master(range.master.clone());
            if !out.contains(&master) {
                out.push(master);
            }
        }
        if out.is_empty() {
            return Err(Error::new(
                ErrorKind::Server,
                "the cluster serves no slots yet (CLUSTER SLOTS is empty)",
            ));
        }
        if replicas {
            for addr in slots.ranges.iter().flat_map(|r| &r.replicas) {
                let replica = Target {
                    addr: addr.clone(),
                    replica: true,
                };
                if !out.contains(&replica) {
                    out.push(replica);
                }
            }
        }
        Ok(out)
    }

    async fn send_routed(&self, command: &Cmd, slot: Option<u16>) -> Result<Value> {
        let mut replica_ok =
            self.inner.replica_reads.load(Ordering::Relaxed) && keys::is_read_only(&command.name());
        let mut ask: Option<Addr> = None;
        for _ in 0..=MAX_REDIRECTS {
            let asking = ask.is_some();
            let target = match ask.take() {
                Some(addr) => Target::master(addr),
                None => self.node_for(slot, replica_ok).await?,
            };
            let reply = match self.exchange(&target, command, asking).await {
                Ok(reply) => reply,
                Err(err) => {
                    // The command is not sent again here.
                    self.forget_slots_after(&err);
                    return Err(err);
                }
            };
            let err = match reply {
                Value::Error(err) => err,
                other => return Ok(other),
            };
            match self.react(&err, &target.addr).await {
                Next::Ask(to) => ask = Some(to),
                // A replica that redirects is not (yet) serving the slot: ask the master.
                Next::Retry => replica_ok = false,
                Next::Fail => return Err(err.into()),
            }
        }
        Err(Error::new(
            ErrorKind::Server,
            format!("gave up after {MAX_REDIRECTS} cluster redirections"),
        ))
    }

    /// Splits a multi-key command per slot, sends the parts as one pipeline (one write per
    /// node, nodes concurrently) and puts the replies back together.
    async fn send_split(&self, command: &Cmd, split: Split) -> Result<Value> {
        let parts = Parts::new(command, split);
        let mut pipe = Pipeline::new();
        for part in &parts.cmds {
            pipe.add(part.clone());
        }
        let replies = self.pipeline_boxed(&pipe).await?;
        parts.combine(replies)
    }

    /// [`ClusterClient::pipeline`] behind a box: a split command runs a pipeline, whose
    /// redirected commands go through [`ClusterClient::send`] again.
    fn pipeline_boxed<'a>(
        &'a self,
        pipeline: &'a Pipeline,
    ) -> Pin<Box<dyn Future<Output = Result<Replies>> + Send + 'a>> {
        Box::pin(self.pipeline(pipeline))
    }

    /// One exchange with one node; with `asking`, `ASKING` goes first in the same write.
    async fn exchange(&self, target: &Target, command: &Cmd, asking: bool) -> Result<Value> {
        let mut conn = self.pool(target)?.get().await?;
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

    /// Iterates over the keys of the whole cluster matching a pattern (`"*"` for all) with
    /// `SCAN`, one master after another; see [`ClusterScan`] for what happens when the slot
    /// map changes meanwhile.
    pub fn scan_match(&self, pattern: impl ToArgs) -> ClusterScan {
        ClusterScan::new(self.clone(), pattern)
    }

    /// Which master serves each slot range, in slot order, as `CLUSTER SLOTS` says now (the
    /// slot map is reloaded).
    pub(super) async fn slot_owners(&self) -> Result<Vec<(u16, u16, Addr)>> {
        self.refresh().await?;
        Ok(self
            .read_slots()
            .ranges
            .iter()
            .map(|r| (r.start, r.end, r.master.clone()))
            .collect())
    }

    /// Sends one command to one master, as it is: redirections are not followed.
    pub(super) async fn send_to_master(&self, addr: &Addr, command: &Cmd) -> Result<Value> {
        let pool = self.pool(&Target::master(addr.clone()))?;
        let result = match pool.get().await {
            Ok(mut conn) => conn.send(command).await,
            Err(err) => Err(err),
        };
        if let Err(err) = &result {
            self.forget_slots_after(err);
        }
        result
    }

    /// Sends a command and converts its reply.
    pub async fn query<T: FromValue>(&self, command: &Cmd) -> Result<T> {
        T::from_value(self.send(command).await?)
    }

    /// Sends a pipeline: commands are grouped by node, each group goes out in one write (the
    /// groups concurrently), and results come back in input order. A command that meets a
    /// redirection is sent again on its own, to the right node. Splittable multi-key commands
    /// whose keys span slots are split as by [`ClusterClient::send`], and the keyless commands
    /// of the fan-out table go to every master (a copy in each master's group, in place) and
    /// are aggregated; if any other command's keys span slots, or a command is refused (like
    /// `SCAN`), the whole pipeline is refused before anything is sent.
    pub async fn pipeline(&self, pipeline: &Pipeline) -> Result<Replies> {
        let commands = pipeline.commands();
        let replica_reads = self.inner.replica_reads.load(Ordering::Relaxed);
        // Plan everything first: a refused command stops the pipeline before any write.
        let mut plans = Vec::with_capacity(commands.len());
        for c in commands {
            plans.push(Self::plan(c)?);
        }
        let mut splits: Vec<Option<Parts>> = Vec::with_capacity(commands.len());
        // Where each command as sent goes: by slot, or (a fan-out copy) to one node.
        let mut dests: Vec<Dest> = Vec::with_capacity(commands.len());
        for (c, plan) in commands.iter().zip(plans) {
            let parts = match plan {
                Plan::Route(slot) => {
                    splits.push(None);
                    dests.push(Dest::Slot(slot));
                    continue;
                }
                Plan::Split(split) => Parts::new(c, split),
                Plan::FanOut(aggregate, replicas) => {
                    Parts::fan_out(c, aggregate, self.fan_out_targets(replicas).await?)
                }
            };
            dests.extend(parts.slots.iter().map(|&s| Dest::Slot(Some(s))));
            dests.extend(parts.targets.iter().cloned().map(Dest::Node));
            splits.push(Some(parts));
        }
        // The commands as sent: a split command's parts take its place, in order.
        let flat: Vec<&Cmd> = commands
            .iter()
            .zip(&splits)
            .flat_map(|(c, parts)| match parts {
                Some(parts) => parts.cmds.iter().collect::<Vec<_>>(),
                None => vec![c],
            })
            .collect();
        let mut groups: HashMap<Target, Vec<usize>> = HashMap::new();
        // A fan-out copy is for its node only: it is never sent elsewhere after a redirection.
        let copies: Vec<bool> = dests.iter().map(|d| matches!(d, Dest::Node(_))).collect();
        for (i, (c, dest)) in flat.iter().zip(dests).enumerate() {
            let target = match dest {
                Dest::Slot(slot) => {
                    let replica_ok = replica_reads && keys::is_read_only(&c.name());
                    self.node_for(slot, replica_ok).await?
                }
                Dest::Node(target) => target,
            };
            groups.entry(target).or_default().push(i);
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (target, indexes) in groups {
            let pool = self.pool(&target)?;
            let group: Vec<Cmd> = indexes.iter().map(|&i| flat[i].clone()).collect();
            tasks.spawn(async move {
                let replies = pool.get().await?.send_pipeline(&group).await?;
                Ok::<_, Error>((indexes, replies))
            });
        }
        let mut results: Vec<Option<Result<Value, ServerError>>> = vec![None; flat.len()];
        while let Some(joined) = tasks.join_next().await {
            let (indexes, replies) = joined
                .map_err(|e| Error::new(ErrorKind::Io, format!("a pipeline task failed: {e}")))??;
            for (i, reply) in indexes.into_iter().zip(replies) {
                results[i] = Some(reply);
            }
        }
        let mut replies = Vec::with_capacity(flat.len());
        for (i, result) in results.into_iter().enumerate() {
            let result = match result {
                Some(Err(err)) if !copies[i] && Redirect::parse(&err).is_some() => {
                    match self.send(flat[i]).await {
                        Ok(v) => Ok(v),
                        Err(e) => Err(as_server_error(e)?),
                    }
                }
                Some(r) => r,
                None => return Err(Error::closed()),
            };
            replies.push(result);
        }
        // Put split commands back together.
        let mut replies = replies.into_iter();
        let mut out = Vec::with_capacity(commands.len());
        for parts in splits {
            let result = match parts {
                None => replies.next().ok_or_else(Error::closed)?,
                Some(parts) => {
                    let mine: Replies = replies.by_ref().take(parts.cmds.len()).collect();
                    match parts.combine(mine) {
                        Ok(v) => Ok(v),
                        Err(e) => Err(as_server_error(e)?),
                    }
                }
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
            slots.ranges.iter().map(|r| r.master.clone()).collect()
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
            .pool(&Target::master(addr.clone()))?
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
            let node = |parts: &[Value]| -> Result<Addr> {
                let (Some(host), Some(Value::Int(port))) = (parts.first(), parts.get(1)) else {
                    return Err(bad());
                };
                let host = match host.as_bytes() {
                    Some(h) if !h.is_empty() && h != b"?" => {
                        String::from_utf8_lossy(h).into_owned()
                    }
                    _ => asked_host.clone(),
                };
                let port = u16::try_from(*port).map_err(|_| bad())?;
                Ok(Addr::Tcp { host, port })
            };
            let (Ok(start), Ok(end)) = (u16::try_from(*start), u16::try_from(*end)) else {
                return Err(bad());
            };
            let mut replicas = Vec::new();
            for replica in &parts[3..] {
                let Value::Array(replica) = replica else {
                    return Err(bad());
                };
                replicas.push(node(replica)?);
            }
            ranges.push(Range {
                start,
                end,
                master: node(master)?,
                replicas,
            });
        }
        if ranges.is_empty() {
            return Err(Error::new(
                ErrorKind::Server,
                "the cluster serves no slots yet (CLUSTER SLOTS is empty)",
            ));
        }
        ranges.sort_by_key(|r| r.start);
        Ok(SlotMap { ranges })
    }

    /// The node for a slot (any node for `None`), loading the slot map when needed; with
    /// `replica_ok`, one of the slot's replicas in turn if it has any.
    async fn node_for(&self, slot: Option<u16>, replica_ok: bool) -> Result<Target> {
        for _ in 0..2 {
            {
                let slots = self.read_slots();
                let range = match slot {
                    Some(s) => slots.range(s),
                    None => slots.ranges.first(),
                };
                if let Some(range) = range {
                    if replica_ok && !range.replicas.is_empty() {
                        let turn = self.inner.next_replica.fetch_add(1, Ordering::Relaxed);
                        let addr = range.replicas[turn % range.replicas.len()].clone();
                        return Ok(Target {
                            addr,
                            replica: true,
                        });
                    }
                    return Ok(Target::master(range.master.clone()));
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
                        let replicas = slots
                            .range(redirect.slot)
                            .map(|r| r.replicas.clone())
                            .unwrap_or_default();
                        slots
                            .ranges
                            .retain(|r| !(r.start..=r.end).contains(&redirect.slot));
                        slots.ranges.push(Range {
                            start: redirect.slot,
                            end: redirect.slot,
                            master: to,
                            replicas,
                        });
                        slots.ranges.sort_by_key(|r| r.start);
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

    /// After `err`: a node that cannot be reached may have failed over, so the slot map is
    /// reloaded on the next call.
    fn forget_slots_after(&self, err: &Error) {
        if err.is_connection_dropped() {
            self.inner
                .slots
                .write()
                .unwrap_or_else(|e| e.into_inner())
                .ranges
                .clear();
        }
    }

    fn read_slots(&self) -> std::sync::RwLockReadGuard<'_, SlotMap> {
        self.inner.slots.read().unwrap_or_else(|e| e.into_inner())
    }

    fn pool(&self, target: &Target) -> Result<Arc<Pool>> {
        let mut pools = self.inner.pools.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(pool) = pools.get(target) {
            return Ok(Arc::clone(pool));
        }
        let mut config = self.inner.template.clone();
        config.addr = target.addr.clone();
        config.topology = Topology::Standalone;
        config.readonly = target.replica;
        let pool = Pool::new(config)?;
        pools.insert(target.clone(), Arc::clone(&pool));
        Ok(pool)
    }
}

/// A server error reply kept in place in a pipeline's results; any other error fails the
/// whole pipeline.
fn as_server_error(err: Error) -> Result<ServerError> {
    match err.server_error() {
        Some(server) => Ok(server.clone()),
        None => Err(err),
    }
}

/// How a command's parts came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum How {
    /// A multi-key command split per slot.
    Split(Split),
    /// A keyless command copied to every master.
    FanOut(Aggregate),
}

/// A command sent as several parts (a multi-key command split per slot, or a keyless command
/// copied to every master): the part commands, and where each key's reply goes.
#[derive(Debug)]
struct Parts {
    how: How,
    name: String,
    /// How many keys the whole command has.
    keys: usize,
    /// Per part, the index of each of its keys among all keys.
    groups: Vec<Vec<usize>>,
    /// Per part of a split command, its slot (empty for a fan-out).
    slots: Vec<u16>,
    /// Per part of a fan-out, its node (empty for a split command).
    targets: Vec<Target>,
    /// Per part, the command.
    cmds: Vec<Cmd>,
}

impl Parts {
    fn new(command: &Cmd, split: Split) -> Parts {
        let args = command.args();
        let (name, rest) = args
            .split_first()
            .map_or((&b""[..], &[][..]), |(n, r)| (*n, r));
        let step = if split == Split::Pairs { 2 } else { 1 };
        let mut parts = Parts {
            how: How::Split(split),
            name: String::from_utf8_lossy(name).to_ascii_uppercase(),
            keys: rest.len().div_ceil(step),
            groups: Vec::new(),
            slots: Vec::new(),
            targets: Vec::new(),
            cmds: Vec::new(),
        };
        let mut part_of: HashMap<u16, usize> = HashMap::new();
        for (key, chunk) in rest.chunks(step).enumerate() {
            let slot = hash_slot(chunk[0]);
            let p = *part_of.entry(slot).or_insert_with(|| {
                parts.groups.push(Vec::new());
                parts.slots.push(slot);
                let mut part = Cmd::new();
                part.push_bytes(name);
                parts.cmds.push(part);
                parts.slots.len() - 1
            });
            parts.groups[p].push(key);
            for arg in chunk {
                parts.cmds[p].push_bytes(arg);
            }
        }
        parts
    }

    /// A keyless command copied once per node.
    fn fan_out(command: &Cmd, aggregate: Aggregate, targets: Vec<Target>) -> Parts {
        Parts {
            how: How::FanOut(aggregate),
            name: command.name(),
            keys: 0,
            groups: Vec::new(),
            slots: Vec::new(),
            cmds: vec![command.clone(); targets.len()],
            targets,
        }
    }

    /// The whole command's reply from its parts' replies (in part order).
    fn combine(&self, replies: Replies) -> Result<Value> {
        let shape = || {
            Error::new(
                ErrorKind::TypeMismatch,
                format!(
                    "a part of a split {} got a reply of an unexpected shape",
                    self.name
                ),
            )
        };
        if replies.len() != self.cmds.len() {
            return Err(shape());
        }
        let split = match self.how {
            How::Split(split) => split,
            How::FanOut(aggregate) => return self.aggregate(aggregate, replies),
        };
        match split {
            Split::Values => {
                let mut out = vec![Value::Nil; self.keys];
                for (group, reply) in self.groups.iter().zip(replies) {
                    let (Value::Array(items) | Value::Set(items)) = reply? else {
                        return Err(shape());
                    };
                    if items.len() != group.len() {
                        return Err(shape());
                    }
                    for (&key, item) in group.iter().zip(items) {
                        out[key] = item;
                    }
                }
                Ok(Value::Array(out))
            }
            Split::Count => {
                let mut total: i64 = 0;
                for reply in replies {
                    let Value::Int(n) = reply? else {
                        return Err(shape());
                    };
                    total = total.saturating_add(n);
                }
                Ok(Value::Int(total))
            }
            Split::Pairs => {
                for reply in replies {
                    reply?;
                }
                Ok(Value::Simple(Blob::from("OK")))
            }
        }
    }
}

impl Parts {
    /// The reply of a command sent to every master, from the masters' replies.
    fn aggregate(&self, aggregate: Aggregate, replies: Replies) -> Result<Value> {
        let shape = |what: &str| {
            Error::new(
                ErrorKind::TypeMismatch,
                format!("{} sent to every master: {what}", self.name),
            )
        };
        if aggregate == Aggregate::OneOk {
            let mut first_err = None;
            for reply in replies {
                match reply {
                    Ok(v) => return Ok(v),
                    Err(e) => {
                        first_err.get_or_insert(e);
                    }
                }
            }
            return Err(first_err.map_or_else(|| shape("no master replied"), Error::from));
        }
        // Every other rule needs every master's success: the first error is the reply.
        let values = replies
            .into_iter()
            .collect::<Result<Vec<Value>, ServerError>>()?;
        let ints = |values: Vec<Value>| -> Result<Vec<i64>> {
            values
                .into_iter()
                .map(|v| match v {
                    Value::Int(n) => Ok(n),
                    other => Err(shape(&format!("expected an integer, got {other:?}"))),
                })
                .collect()
        };
        let arrays = |values: Vec<Value>| -> Result<Vec<Vec<Value>>> {
            values
                .into_iter()
                .map(|v| match v {
                    Value::Array(items) | Value::Set(items) => Ok(items),
                    other => Err(shape(&format!("expected an array, got {other:?}"))),
                })
                .collect()
        };
        match aggregate {
            Aggregate::Same => {
                let mut values = values.into_iter();
                let first = values.next().ok_or_else(|| shape("no master replied"))?;
                for other in values {
                    if other != first {
                        return Err(shape(&format!(
                            "the masters replied differently ({first:?} and {other:?})"
                        )));
                    }
                }
                Ok(first)
            }
            Aggregate::Sum => Ok(Value::Int(
                ints(values)?
                    .into_iter()
                    .fold(0i64, |a, b| a.saturating_add(b)),
            )),
            Aggregate::Min => ints(values)?
                .into_iter()
                .min()
                .map(Value::Int)
                .ok_or_else(|| shape("no master replied")),
            Aggregate::Concat => Ok(Value::Array(arrays(values)?.concat())),
            Aggregate::And => {
                let mut all: Option<Vec<bool>> = None;
                for items in arrays(values)? {
                    let bits = ints(items)?;
                    let all = all.get_or_insert_with(|| vec![true; bits.len()]);
                    if bits.len() != all.len() {
                        return Err(shape(
                            "the masters replied with arrays of different lengths",
                        ));
                    }
                    for (a, b) in all.iter_mut().zip(bits) {
                        *a &= b != 0;
                    }
                }
                let all = all.ok_or_else(|| shape("no master replied"))?;
                Ok(Value::Array(
                    all.into_iter().map(|b| Value::Int(i64::from(b))).collect(),
                ))
            }
            Aggregate::AnyNonNil => Ok(values
                .into_iter()
                .find(|v| !matches!(v, Value::Nil))
                .unwrap_or(Value::Nil)),
            // Handled above, before any error stops the aggregation.
            Aggregate::OneOk => values.into_iter().next().ok_or_else(|| shape("no reply")),
        }
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
    fn keys_in_several_slots_are_split_or_refused_before_sending() {
        assert_eq!(
            ClusterClient::plan(&cmd("MGET").arg("a").arg("b")).unwrap(),
            Plan::Split(Split::Values)
        );
        assert_eq!(
            ClusterClient::plan(&cmd("MGET").arg("{t}a").arg("{t}b")).unwrap(),
            Plan::Route(Some(hash_slot(b"t")))
        );
        assert_eq!(
            ClusterClient::plan(&cmd("MSET").arg("a").arg(1).arg("b").arg(2)).unwrap(),
            Plan::Split(Split::Pairs)
        );
        let err = ClusterClient::plan(&cmd("RENAME").arg("a").arg("b")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::CrossSlot);
        let text = err.to_string();
        let (a, b) = (hash_slot(b"a"), hash_slot(b"b"));
        assert!(
            text.contains("RENAME") && text.contains(&format!("({}, {})", a.min(b), a.max(b))),
            "{text}"
        );
    }

    #[test]
    fn the_slot_map_finds_the_range_holding_a_slot() {
        let a = |p| Addr::Tcp {
            host: "h".into(),
            port: p,
        };
        let r = |start, end, port| Range {
            start,
            end,
            master: a(port),
            replicas: Vec::new(),
        };
        let map = SlotMap {
            ranges: vec![r(0, 5460, 1), r(5461, 10922, 2), r(10923, 16383, 3)],
        };
        assert_eq!(map.node(0), Some(&a(1)));
        assert_eq!(map.node(5461), Some(&a(2)));
        assert_eq!(map.node(16383), Some(&a(3)));
        let gap = SlotMap {
            ranges: vec![r(10, 20, 1)],
        };
        assert_eq!(gap.node(5), None);
        assert_eq!(gap.node(21), None);
    }
}

//! The cluster client against a real 3-master Redis Cluster on loopback, built by the test:
//! routing by slot, pipelines across nodes, MOVED after a slot changes owner, ASK during a
//! migration, multi-key commands split per slot or refused before sending, reads from
//! replicas, and the cluster-wide `SCAN` (and its failure when a master or the slot map changes).
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

use std::collections::HashSet;
use std::time::{Duration, Instant};

use pyrsedis_core::Blob;
use pyrsedis_core::cluster::{ClusterClient, hash_slot};
use pyrsedis_core::{Client, ErrorKind, Pipeline, Value, cmd};
use test_support::{RedisServer, ServerProcess, free_port};

struct Cluster {
    nodes: Vec<ServerProcess>,
    clients: Vec<Client>,
    ids: Vec<String>,
}

fn start_node() -> ServerProcess {
    RedisServer::builder(|_, _| {
        // A fresh bus port on every start attempt, like the client port.
        let bus = free_port().unwrap().to_string();
        [
            "--cluster-enabled",
            "yes",
            "--cluster-config-file",
            "nodes.conf",
            "--cluster-node-timeout",
            "2000",
            "--cluster-port",
            &bus,
        ]
        .map(str::to_owned)
        .to_vec()
    })
    .start()
    .unwrap()
}

async fn cluster() -> Cluster {
    let nodes: Vec<ServerProcess> = (0..3).map(|_| start_node()).collect();
    let clients: Vec<Client> = nodes
        .iter()
        .map(|n| Client::open(&format!("redis://{}", n.addr())).unwrap())
        .collect();
    let ranges = [(0, 5460), (5461, 10922), (10923, 16383)];
    let mut ids = Vec::new();
    for (c, (start, end)) in clients.iter().zip(ranges) {
        c.send(&cmd("CLUSTER").arg("ADDSLOTSRANGE").arg(start).arg(end))
            .await
            .unwrap();
        ids.push(
            c.query::<String>(&cmd("CLUSTER").arg("MYID"))
                .await
                .unwrap(),
        );
    }
    for (n, c) in nodes.iter().zip(&clients).skip(1) {
        let bus: std::collections::HashMap<String, String> =
            c.config_get("cluster-port").await.unwrap();
        let meet = cmd("CLUSTER")
            .arg("MEET")
            .arg("127.0.0.1")
            .arg(n.port())
            .arg(&bus["cluster-port"]);
        clients[0].send(&meet).await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let mut ok = true;
        for c in &clients {
            let info: String = c.query(&cmd("CLUSTER").arg("INFO")).await.unwrap();
            ok &= info.contains("cluster_state:ok") && info.contains("cluster_known_nodes:3");
        }
        if ok {
            break;
        }
        assert!(Instant::now() < deadline, "the test cluster did not form");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Cluster {
        nodes,
        clients,
        ids,
    }
}

fn seeds(c: &Cluster) -> String {
    format!(
        "redis+cluster://{},{}",
        c.nodes[0].addr(),
        c.nodes[1].addr()
    )
}

#[tokio::test]
async fn commands_and_pipelines_reach_the_node_serving_each_slot() {
    let c = cluster().await;
    let client = ClusterClient::open(&seeds(&c)).unwrap();
    for i in 0..300 {
        client.set(format!("key:{i}"), i).await.unwrap();
    }
    let mut per_node = Vec::new();
    for node in &c.clients {
        per_node.push(node.dbsize().await.unwrap());
    }
    assert_eq!(per_node.iter().sum::<i64>(), 300);
    assert!(per_node.iter().all(|&n| n > 50), "{per_node:?}");
    assert_eq!(
        client.get("key:123").await.unwrap(),
        Some(Blob::from(b"123"))
    );
    // A pipeline over keys on all three nodes comes back in input order.
    let mut pipe = Pipeline::new();
    for i in (0..300).rev() {
        pipe.get(format!("key:{i}"));
    }
    pipe.add(cmd("LPUSH").arg("key:7").arg("x"));
    let results = client.pipeline(&pipe).await.unwrap();
    for (n, r) in results.iter().take(300).enumerate() {
        assert_eq!(r, &Ok(Value::bulk((299 - n).to_string())));
    }
    assert_eq!(results[300].as_ref().unwrap_err().code(), "WRONGTYPE");
    // Hash tags keep keys together.
    client
        .mset(&[("{user}:a", "1"), ("{user}:b", "2")])
        .await
        .unwrap();
    let both = client.mget(&["{user}:a", "{user}:b"]).await.unwrap();
    assert_eq!(both, vec![Some(Blob::from(b"1")), Some(Blob::from(b"2"))]);
}

#[tokio::test]
async fn a_slot_that_changes_owner_is_followed_through_moved() {
    let c = cluster().await;
    let client = ClusterClient::open(&seeds(&c)).unwrap();
    assert_eq!(hash_slot(b"foo"), 12182); // served by node 2
    assert_eq!(client.get("foo").await.unwrap(), None); // loads the slot map
    // Hand the (empty) slot to node 0 on every node.
    for node in &c.clients {
        node.send(
            &cmd("CLUSTER")
                .arg("SETSLOT")
                .arg(12182)
                .arg("NODE")
                .arg(&c.ids[0]),
        )
        .await
        .unwrap();
    }
    client.set("foo", "moved").await.unwrap();
    assert_eq!(client.get("foo").await.unwrap(), Some(Blob::from(b"moved")));
    assert_eq!(
        c.clients[0].dbsize().await.unwrap(),
        1,
        "the key landed on node 0"
    );
}

#[tokio::test]
async fn keys_of_a_migrating_slot_are_reached_through_ask() {
    let c = cluster().await;
    let client = ClusterClient::open(&seeds(&c)).unwrap();
    let slot = hash_slot(b"{bar}");
    assert!(slot <= 5460, "served by node 0");
    client.set("{bar}old", "stays").await.unwrap();
    c.clients[1]
        .send(
            &cmd("CLUSTER")
                .arg("SETSLOT")
                .arg(slot)
                .arg("IMPORTING")
                .arg(&c.ids[0]),
        )
        .await
        .unwrap();
    c.clients[0]
        .send(
            &cmd("CLUSTER")
                .arg("SETSLOT")
                .arg(slot)
                .arg("MIGRATING")
                .arg(&c.ids[1]),
        )
        .await
        .unwrap();
    // Node 0 answers ASK for keys it does not hold; the client follows with ASKING.
    client.set("{bar}new", "on-node-1").await.unwrap();
    assert_eq!(
        client.get("{bar}new").await.unwrap(),
        Some(Blob::from(b"on-node-1"))
    );
    assert_eq!(
        client.get("{bar}old").await.unwrap(),
        Some(Blob::from(b"stays"))
    );
    assert_eq!(c.clients[1].dbsize().await.unwrap(), 1);
    // Without ASKING, node 1 would refuse: the client never showed that error.
    let direct = c.clients[1].get("{bar}new").await.unwrap_err();
    assert_eq!(direct.kind(), ErrorKind::Server);
    assert_eq!(direct.server_error().unwrap().code(), "MOVED");
}

#[tokio::test]
async fn multi_key_commands_across_slots_are_split_or_refused() {
    let c = cluster().await;
    let client = ClusterClient::open(&seeds(&c)).unwrap();
    let keys: Vec<String> = (0..40).map(|i| format!("mk:{i}")).collect();
    let nodes_of = |ks: &[String]| {
        let mut slots: Vec<u16> = ks.iter().map(|k| hash_slot(k.as_bytes())).collect();
        slots.sort_unstable();
        slots.dedup();
        slots.len()
    };
    assert!(nodes_of(&keys) > 30, "the keys spread over many slots");
    // MSET across slots: split per slot, every key lands on its own node.
    let pairs: Vec<(String, String)> = keys.iter().map(|k| (k.clone(), format!("v-{k}"))).collect();
    client.mset(&pairs).await.unwrap();
    let mut per_node = Vec::new();
    for node in &c.clients {
        per_node.push(node.dbsize().await.unwrap());
    }
    assert_eq!(per_node.iter().sum::<i64>(), 40, "{per_node:?}");
    assert!(per_node.iter().all(|&n| n > 0), "{per_node:?}");
    // MGET across slots, with a missing key and a repeated one: values in input order.
    let mut asked: Vec<String> = keys.iter().rev().cloned().collect();
    asked.insert(5, "mk:missing".into());
    asked.push("mk:3".into());
    let values = client.mget(&asked).await.unwrap();
    assert_eq!(values.len(), asked.len());
    for (k, v) in asked.iter().zip(&values) {
        let expected = (k != "mk:missing").then(|| Blob::from(format!("v-{k}")));
        assert_eq!(v, &expected, "value for {k}");
    }
    // EXISTS and TOUCH count per key (a repeated key counts twice), summed over the parts.
    let exists: Vec<&str> = vec!["mk:1", "mk:2", "mk:nope", "mk:39", "mk:1"];
    assert_eq!(client.exists(&exists[..]).await.unwrap(), 4);
    assert_eq!(client.touch(&exists[..]).await.unwrap(), 4);
    // DEL and UNLINK sum what each part removed.
    assert_eq!(client.del(&keys[..20]).await.unwrap(), 20);
    assert_eq!(client.unlink(&keys[10..]).await.unwrap(), 20);
    for node in &c.clients {
        assert_eq!(node.dbsize().await.unwrap(), 0);
    }
    // In a pipeline, a split command keeps its place among the others.
    let mut pipe = Pipeline::new();
    pipe.set("mk:a", "1")
        .mget(&["mk:a", "mk:b", "mk:c"])
        .set("mk:c", "3");
    let results = client.pipeline(&pipe).await.unwrap();
    assert_eq!(
        results[1],
        Ok(Value::Array(vec![Value::bulk("1"), Value::Nil, Value::Nil]))
    );
    assert_eq!(results.len(), 3);
    // Any other multi-key command across slots is refused before anything is sent.
    let (a, b) = (hash_slot(b"mk:a"), hash_slot(b"mk:c"));
    assert_ne!(a, b);
    let err = client.rename("mk:a", "mk:c").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CrossSlot);
    let text = err.to_string();
    assert!(text.contains("RENAME"), "{text}");
    assert!(
        text.contains(&format!("({}, {})", a.min(b), a.max(b))),
        "the slots are named: {text}"
    );
    let err = client
        .send(&cmd("SINTERSTORE").arg("mk:d").arg("mk:a").arg("mk:c"))
        .await;
    assert_eq!(err.unwrap_err().kind(), ErrorKind::CrossSlot);
    // A pipeline holding such a command is refused whole: its SET never ran.
    let mut pipe = Pipeline::new();
    pipe.set("mk:never", "x").rename("mk:a", "mk:c");
    let err = client.pipeline(&pipe).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::CrossSlot);
    assert_eq!(client.get("mk:never").await.unwrap(), None);
    assert_eq!(client.get("mk:a").await.unwrap(), Some(Blob::from(b"1")));
    // Keys under one hash tag still go as one command, so MSETNX works there.
    assert!(
        client
            .mset_nx(&[("{t}x", "1"), ("{t}y", "2")])
            .await
            .unwrap()
    );
}

/// The 3-master cluster plus one replica per master.
async fn cluster_with_replicas() -> (Cluster, Vec<ServerProcess>, Vec<Client>) {
    let c = cluster().await;
    let replicas: Vec<ServerProcess> = (0..3).map(|_| start_node()).collect();
    let replica_clients: Vec<Client> = replicas
        .iter()
        .map(|n| Client::open(&format!("redis://{}", n.addr())).unwrap())
        .collect();
    for (n, r) in replicas.iter().zip(&replica_clients) {
        let bus: std::collections::HashMap<String, String> =
            r.config_get("cluster-port").await.unwrap();
        let meet = cmd("CLUSTER")
            .arg("MEET")
            .arg("127.0.0.1")
            .arg(n.port())
            .arg(&bus["cluster-port"]);
        c.clients[0].send(&meet).await.unwrap();
    }
    let deadline = Instant::now() + Duration::from_secs(20);
    for (r, master_id) in replica_clients.iter().zip(&c.ids) {
        // A node can replicate a master only once gossip told it about that master.
        loop {
            let replicate = r
                .send(&cmd("CLUSTER").arg("REPLICATE").arg(master_id))
                .await;
            if replicate.is_ok() {
                break;
            }
            assert!(Instant::now() < deadline, "REPLICATE failed: {replicate:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    loop {
        let mut ok = true;
        for r in &replica_clients {
            let info: String = r.info_section("replication").await.unwrap();
            ok &= info.contains("master_link_status:up");
        }
        // Every node's CLUSTER SLOTS lists a replica for each range.
        for n in c.clients.iter().chain(&replica_clients) {
            let slots = n.send(&cmd("CLUSTER").arg("SLOTS")).await.unwrap();
            let Value::Array(ranges) = slots else {
                panic!("{slots:?}")
            };
            ok &= ranges.len() == 3
                && ranges
                    .iter()
                    .all(|r| matches!(r, Value::Array(parts) if parts.len() == 4));
        }
        if ok {
            break;
        }
        assert!(Instant::now() < deadline, "the replicas did not attach");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (c, replicas, replica_clients)
}

/// How many times a node ran a command, from `INFO commandstats`.
async fn calls(node: &Client, command: &str) -> i64 {
    let info: String = node.info_section("commandstats").await.unwrap();
    let prefix = format!("cmdstat_{command}:calls=");
    info.lines()
        .find_map(|l| l.strip_prefix(&prefix))
        .map_or(0, |rest| rest.split(',').next().unwrap().parse().unwrap())
}

#[tokio::test]
async fn reads_go_to_replicas_with_readonly_when_asked() {
    let (c, _replicas, replica_clients) = cluster_with_replicas().await;
    let client = ClusterClient::open(&format!("{}?read_from_replicas=true", seeds(&c))).unwrap();
    for i in 0..30 {
        client.set(format!("rk:{i}"), i).await.unwrap();
    }
    // Reads are served by replicas, which catch up asynchronously: poll until all arrived.
    let keys: Vec<String> = (0..30).map(|i| format!("rk:{i}")).collect();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let mut all = true;
        for (i, k) in keys.iter().enumerate() {
            all &= client.get(k).await.unwrap() == Some(Blob::from(i.to_string()));
        }
        if all {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the replicas never served the keys"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let values = client.mget(&keys).await.unwrap();
    assert_eq!(values[29], Some(Blob::from(b"29")));
    // Every GET and MGET ran on a replica; the masters ran none, but every SET.
    let mut replica_gets = 0;
    let mut replica_mgets = 0;
    for r in &replica_clients {
        let gets = calls(r, "get").await;
        assert!(gets > 0, "each replica served reads");
        replica_gets += gets;
        replica_mgets += calls(r, "mget").await;
        // Our connections to it said READONLY once, in their handshake (flag r).
        let list: String = r.query(&cmd("CLIENT").arg("LIST")).await.unwrap();
        let readonly_conns = list.lines().filter(|l| l.contains(" flags=r ")).count();
        assert!(readonly_conns > 0, "{list}");
        let readonly_sent = usize::try_from(calls(r, "readonly").await).unwrap();
        assert!(
            readonly_sent >= readonly_conns,
            "{readonly_sent} < {readonly_conns}"
        );
        assert!(
            readonly_sent <= 8,
            "one READONLY per connection, not per command"
        );
    }
    assert!(replica_gets >= 30, "{replica_gets}");
    assert!(
        replica_mgets >= 3,
        "the split MGET went to all three replicas"
    );
    let mut master_sets = 0;
    for m in &c.clients {
        assert_eq!(calls(m, "get").await, 0);
        assert_eq!(calls(m, "mget").await, 0);
        master_sets += calls(m, "set").await;
    }
    assert_eq!(master_sets, 30);
    // Without the option, reads go to the masters.
    let plain = ClusterClient::open(&seeds(&c)).unwrap();
    assert_eq!(plain.get("rk:7").await.unwrap(), Some(Blob::from(b"7")));
    let mut master_gets = 0;
    for m in &c.clients {
        master_gets += calls(m, "get").await;
    }
    assert_eq!(master_gets, 1);
}

/// `count` keys `prefix:N` whose slots each master serves: the first `count` found in each of
/// the three ranges, in range order.
fn keys_on_every_master(prefix: &str, count: usize) -> Vec<Vec<String>> {
    let ranges = [(0, 5460), (5461, 10922), (10923, 16383)];
    ranges
        .iter()
        .map(|&(start, end)| {
            (0..)
                .map(|i| format!("{prefix}:{i}"))
                .filter(|k| (start..=end).contains(&hash_slot(k.as_bytes())))
                .take(count)
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn keyless_commands_fan_out_to_every_master_and_aggregate() {
    let c = cluster().await;
    let client = ClusterClient::open(&seeds(&c)).unwrap();
    let per_master = keys_on_every_master("fo", 4);
    let all: Vec<String> = per_master.concat();
    assert_eq!(all.len(), 12);
    for k in &all {
        client.set(k, format!("v-{k}")).await.unwrap();
    }
    for node in &c.clients {
        assert_eq!(node.dbsize().await.unwrap(), 4, "each master holds 4 keys");
    }
    // DBSIZE: the sum over the masters; KEYS: every master's keys.
    assert_eq!(client.dbsize().await.unwrap(), 12);
    let mut keys: Vec<String> = client
        .keys("*")
        .await
        .unwrap()
        .iter()
        .map(|k| String::from_utf8(k.to_vec()).unwrap())
        .collect();
    keys.sort();
    let mut expected = all.clone();
    expected.sort();
    assert_eq!(keys, expected);
    let random = client.randomkey().await.unwrap().unwrap();
    assert!(
        all.contains(&String::from_utf8(random.to_vec()).unwrap()),
        "{random:?}"
    );
    // PING: every master answered the same.
    assert_eq!(client.ping().await.unwrap(), "PONG");
    assert_eq!(
        client.send(&cmd("PING").arg("hello")).await.unwrap(),
        Value::bulk("hello")
    );
    // WAIT: the least replicated master (no replicas here).
    assert_eq!(
        client.send(&cmd("WAIT").arg(0).arg(100)).await.unwrap(),
        Value::Int(0)
    );
    // SCRIPT LOAD reaches every master, so EVALSHA works for keys on each of them.
    let script = "return redis.call('GET', KEYS[1])";
    let sha: String = client
        .query(&cmd("SCRIPT").arg("LOAD").arg(script))
        .await
        .unwrap();
    assert_eq!(sha.len(), 40);
    for node in &c.clients {
        assert_eq!(
            node.send(&cmd("SCRIPT").arg("EXISTS").arg(&sha))
                .await
                .unwrap(),
            Value::Array(vec![Value::Int(1)]),
            "loaded on every master"
        );
    }
    for keys in &per_master {
        let k = &keys[0];
        assert_eq!(
            client
                .send(&cmd("EVALSHA").arg(&sha).arg(1).arg(k))
                .await
                .unwrap(),
            Value::bulk(format!("v-{k}"))
        );
    }
    // SCRIPT EXISTS: true only where every master has the script.
    let only_on_node_0: String = c.clients[0]
        .query(&cmd("SCRIPT").arg("LOAD").arg("return 0"))
        .await
        .unwrap();
    let exists = cmd("SCRIPT")
        .arg("EXISTS")
        .arg(&sha)
        .arg(&only_on_node_0)
        .arg("0000000000000000000000000000000000000000");
    assert_eq!(
        client.send(&exists).await.unwrap(),
        Value::Array(vec![Value::Int(1), Value::Int(0), Value::Int(0)])
    );
    // SCRIPT KILL fails only when every master has nothing to kill.
    let err = client.send(&cmd("SCRIPT").arg("KILL")).await.unwrap_err();
    assert_eq!(err.server_error().unwrap().code(), "NOTBUSY");
    // SCRIPT FLUSH empties every master's script cache.
    assert_eq!(
        client.send(&cmd("SCRIPT").arg("FLUSH")).await.unwrap(),
        Value::Simple(Blob::from(b"OK"))
    );
    for node in &c.clients {
        assert_eq!(
            node.send(&cmd("SCRIPT").arg("EXISTS").arg(&sha).arg(&only_on_node_0))
                .await
                .unwrap(),
            Value::Array(vec![Value::Int(0), Value::Int(0)])
        );
    }
    // In a pipeline, a fan-out command keeps its place: it sees the SET before it.
    let mut pipe = Pipeline::new();
    pipe.set(&per_master[2][0], "again")
        .del(&all[..2])
        .dbsize()
        .set("fo:extra", "1")
        .dbsize();
    let results = client.pipeline(&pipe).await.unwrap();
    assert_eq!(results[1], Ok(Value::Int(2)));
    assert_eq!(results[2], Ok(Value::Int(10)));
    assert_eq!(results[4], Ok(Value::Int(11)));
    // FLUSHALL empties every master.
    client.flushall().await.unwrap();
    for node in &c.clients {
        assert_eq!(node.dbsize().await.unwrap(), 0);
    }
    assert_eq!(client.dbsize().await.unwrap(), 0);
    assert_eq!(client.randomkey().await.unwrap(), None);
    assert_eq!(client.keys("*").await.unwrap(), Vec::<Blob>::new());
    // FLUSHDB too.
    for k in &all {
        client.set(k, "x").await.unwrap();
    }
    client.flushdb().await.unwrap();
    for node in &c.clients {
        assert_eq!(node.dbsize().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn fan_out_errors_and_refusals() {
    let mut c = cluster().await;
    let client = ClusterClient::open(&seeds(&c)).unwrap();
    // A server error from one master is the reply, even when the others succeeded.
    let lib = "#!lua name=fanlib\nredis.register_function('fanf', function() return 7 end)";
    c.clients[0]
        .send(&cmd("FUNCTION").arg("LOAD").arg(lib))
        .await
        .unwrap();
    let err = client
        .send(&cmd("FUNCTION").arg("LOAD").arg(lib))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert!(err.to_string().contains("already exists"), "{err}");
    for node in &c.clients {
        assert_eq!(
            node.send(&cmd("FCALL").arg("fanf").arg(0)).await.unwrap(),
            Value::Int(7),
            "the other masters loaded it"
        );
    }
    assert_eq!(
        client
            .send(&cmd("FUNCTION").arg("DELETE").arg("fanlib"))
            .await
            .unwrap(),
        Value::Simple(Blob::from(b"OK"))
    );
    for node in &c.clients {
        let list = node.send(&cmd("FUNCTION").arg("LIST")).await.unwrap();
        assert_eq!(list, Value::Array(vec![]));
    }
    // SCAN is refused before anything is sent, alone or in a pipeline.
    let err = client.send(&cmd("SCAN").arg(0)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("SCAN"), "{err}");
    let mut pipe = Pipeline::new();
    pipe.set("fo:never", "x").add(cmd("SCAN").arg(0));
    let err = client.pipeline(&pipe).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert_eq!(client.get("fo:never").await.unwrap(), None);
    // A master that cannot be reached fails the whole call: no partial sum.
    client.set("fo:a", "1").await.unwrap();
    assert_eq!(client.dbsize().await.unwrap(), 1);
    c.nodes[2].kill();
    let err = client.dbsize().await.unwrap_err();
    assert!(
        matches!(err.kind(), ErrorKind::Io | ErrorKind::Timeout),
        "{err:?}"
    );
}

#[tokio::test]
async fn script_load_reaches_replicas_so_evalsha_ro_works_there() {
    let (c, _replicas, replica_clients) = cluster_with_replicas().await;
    let client = ClusterClient::open(&format!("{}?read_from_replicas=true", seeds(&c))).unwrap();
    let per_master = keys_on_every_master("sr", 1);
    for keys in &per_master {
        client
            .set(&keys[0], format!("v-{}", keys[0]))
            .await
            .unwrap();
    }
    let sha: String = client
        .query(
            &cmd("SCRIPT")
                .arg("LOAD")
                .arg("return redis.call('GET', KEYS[1])"),
        )
        .await
        .unwrap();
    // Redis does not replicate the script cache: the client loaded it on every node.
    for node in c.clients.iter().chain(&replica_clients) {
        assert_eq!(
            node.send(&cmd("SCRIPT").arg("EXISTS").arg(&sha))
                .await
                .unwrap(),
            Value::Array(vec![Value::Int(1)])
        );
    }
    // EVALSHA_RO runs on the replicas (which catch up asynchronously: poll).
    let deadline = Instant::now() + Duration::from_secs(10);
    for keys in &per_master {
        let k = &keys[0];
        loop {
            let got = client
                .send(&cmd("EVALSHA_RO").arg(&sha).arg(1).arg(k))
                .await
                .unwrap();
            if got == Value::bulk(format!("v-{k}")) {
                break;
            }
            assert_eq!(got, Value::Nil, "not replicated yet");
            assert!(Instant::now() < deadline, "the replicas never served {k}");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    let mut replica_runs = 0;
    for r in &replica_clients {
        replica_runs += calls(r, "evalsha_ro").await;
    }
    assert!(replica_runs >= 3, "{replica_runs}");
    // SCRIPT FLUSH empties every node's cache, replicas included.
    client.send(&cmd("SCRIPT").arg("FLUSH")).await.unwrap();
    for node in c.clients.iter().chain(&replica_clients) {
        assert_eq!(
            node.send(&cmd("SCRIPT").arg("EXISTS").arg(&sha))
                .await
                .unwrap(),
            Value::Array(vec![Value::Int(0)])
        );
    }
    // DBSIZE counts the masters only.
    assert_eq!(client.dbsize().await.unwrap(), 3);
}

/// The keys a scan returned, as a set; every key must be valid UTF-8.
fn key_set(keys: &[Blob]) -> HashSet<String> {
    keys.iter()
        .map(|k| String::from_utf8(k.to_vec()).unwrap())
        .collect()
}

/// 300 keys `sc:a:N` and `sc:b:N` (150 of each), spread over the three masters; returns
/// (all keys, the `sc:a:*` ones).
async fn scan_keys(c: &Cluster, client: &ClusterClient) -> (HashSet<String>, HashSet<String>) {
    let mut all = HashSet::new();
    let mut a = HashSet::new();
    for i in 0..150 {
        for prefix in ["sc:a", "sc:b"] {
            let key = format!("{prefix}:{i}");
            client.set(&key, i).await.unwrap();
            all.insert(key.clone());
            if prefix == "sc:a" {
                a.insert(key);
            }
        }
    }
    // Every master holds some of each half.
    for node in &c.clients {
        for prefix in ["sc:a", "sc:b"] {
            let here = node.keys(format!("{prefix}:*")).await.unwrap();
            assert!(here.len() > 20, "{prefix}: {}", here.len());
        }
    }
    (all, a)
}

#[tokio::test]
async fn scan_match_covers_every_master_with_pattern_and_count() {
    let c = cluster().await;
    let client = ClusterClient::open(&seeds(&c)).unwrap();
    // An empty cluster yields nothing, and keeps yielding nothing.
    let mut empty = client.scan_match("*");
    assert_eq!(empty.next().await.unwrap(), None);
    assert_eq!(empty.next().await.unwrap(), None);
    assert_eq!(
        client.scan_match("*").count(5).collect().await.unwrap(),
        Vec::<Blob>::new()
    );

    let (all, a) = scan_keys(&c, &client).await;
    let keys = client.scan_match("*").collect().await.unwrap();
    assert_eq!(key_set(&keys), all);
    assert!(keys.len() >= 300, "{}", keys.len());
    let keys = client.scan_match("sc:a:*").collect().await.unwrap();
    assert_eq!(key_set(&keys), a);
    assert_eq!(a.len(), 150);

    // COUNT reaches every master: ~100 keys each at about 10 a page is several pages each.
    let mut before = Vec::new();
    for node in &c.clients {
        before.push(calls(node, "scan").await);
    }
    let keys = client.scan_match("*").count(10).collect().await.unwrap();
    assert_eq!(key_set(&keys), all);
    for (node, before) in c.clients.iter().zip(before) {
        let pages = calls(node, "scan").await - before;
        assert!(pages >= 5, "{pages} SCAN calls on a master with ~100 keys");
    }
    let keys = client
        .scan_match("sc:b:*")
        .count(7)
        .collect()
        .await
        .unwrap();
    assert_eq!(key_set(&keys), &all - &a);
    // Nothing matches: no keys, though every master was scanned.
    assert_eq!(
        client.scan_match("nope:*").collect().await.unwrap(),
        Vec::<Blob>::new()
    );

    // SCAN as a raw command is still refused, pointing to the iterator.
    let err = client.send(&cmd("SCAN").arg(0)).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    assert!(err.to_string().contains("scan_match"), "{err}");
}

#[tokio::test]
async fn scan_match_fails_when_a_master_is_lost_mid_scan() {
    let mut c = cluster().await;
    let client = ClusterClient::open(&seeds(&c)).unwrap();
    let (all, _) = scan_keys(&c, &client).await;
    let mut scan = client.scan_match("*").count(10);
    let mut seen = Vec::new();
    for _ in 0..5 {
        seen.push(scan.next().await.unwrap().unwrap());
    }
    // The last master in slot order (node 2) is scanned last: it dies before its turn.
    c.nodes[2].kill();
    let err = loop {
        match scan.next().await {
            Ok(Some(key)) => seen.push(key),
            Ok(None) => panic!("the scan ended without the lost master's keys"),
            Err(err) => break err,
        }
    };
    assert!(
        matches!(err.kind(), ErrorKind::Io | ErrorKind::Timeout),
        "{err:?}"
    );
    assert!(
        err.to_string()
            .contains(&format!("SCAN of master {}", c.nodes[2].addr())),
        "{err}"
    );
    // Before failing it returned the keys of the two other masters, and only keys that exist.
    let seen = key_set(&seen);
    assert!(seen.is_subset(&all));
    let on_live: i64 = c.clients[0].dbsize().await.unwrap() + c.clients[1].dbsize().await.unwrap();
    assert_eq!(seen.len() as i64, on_live);
}

#[tokio::test]
async fn scan_match_fails_when_the_slot_map_changes_mid_scan() {
    let c = cluster().await;
    let client = ClusterClient::open(&seeds(&c)).unwrap();
    let (all, _) = scan_keys(&c, &client).await;
    let mut scan = client.scan_match("*").count(10);
    let first = scan.next().await.unwrap().unwrap();
    assert!(all.contains(std::str::from_utf8(&first).unwrap()));
    // Hand an empty slot of node 2 to node 0 on every node, as a finished resharding would.
    let used: HashSet<u16> = all.iter().map(|k| hash_slot(k.as_bytes())).collect();
    let slot = (10923..=16383u16).find(|s| !used.contains(s)).unwrap();
    for node in &c.clients {
        node.send(
            &cmd("CLUSTER")
                .arg("SETSLOT")
                .arg(slot)
                .arg("NODE")
                .arg(&c.ids[0]),
        )
        .await
        .unwrap();
    }
    let err = loop {
        match scan.next().await {
            Ok(Some(_)) => {}
            Ok(None) => panic!("the scan ended as if the slot map had not changed"),
            Err(err) => break err,
        }
    };
    assert_eq!(err.kind(), ErrorKind::Server, "{err:?}");
    assert!(err.to_string().contains("slot map changed"), "{err}");
    // It keeps failing rather than going on as if nothing happened; a new scan sees all keys.
    assert!(scan.next().await.is_err());
    let keys = client.scan_match("*").collect().await.unwrap();
    assert_eq!(key_set(&keys), all);
}

//! The cluster client against a real 3-master Redis Cluster on loopback, built by the test:
//! routing by slot, pipelines across nodes, MOVED after a slot changes owner, ASK during a
//! migration, CROSSSLOT refused with the server's error.
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

use std::time::{Duration, Instant};

use bytes::Bytes;
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
        Some(Bytes::from_static(b"123"))
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
    // Keys in different slots in one command: the server's CROSSSLOT error, unchanged.
    let err = client
        .send(&cmd("MGET").arg("a").arg("b").arg("c"))
        .await
        .unwrap_err();
    assert_eq!(err.server_error().unwrap().code(), "CROSSSLOT");
    // Hash tags keep keys together.
    client
        .mset(&[("{user}:a", "1"), ("{user}:b", "2")])
        .await
        .unwrap();
    let both = client.mget(&["{user}:a", "{user}:b"]).await.unwrap();
    assert_eq!(
        both,
        vec![
            Some(Bytes::from_static(b"1")),
            Some(Bytes::from_static(b"2"))
        ]
    );
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
    assert_eq!(
        client.get("foo").await.unwrap(),
        Some(Bytes::from_static(b"moved"))
    );
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
        Some(Bytes::from_static(b"on-node-1"))
    );
    assert_eq!(
        client.get("{bar}old").await.unwrap(),
        Some(Bytes::from_static(b"stays"))
    );
    assert_eq!(c.clients[1].dbsize().await.unwrap(), 1);
    // Without ASKING, node 1 would refuse: the client never showed that error.
    let direct = c.clients[1].get("{bar}new").await.unwrap_err();
    assert_eq!(direct.kind(), ErrorKind::Server);
    assert_eq!(direct.server_error().unwrap().code(), "MOVED");
}

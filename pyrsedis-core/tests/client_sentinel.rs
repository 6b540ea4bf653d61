//! The sentinel client against a real master, replica and three sentinels, through real
//! failovers: the master is found, writes go to it, and after a failover the client finds the
//! promoted replica (on a failed call, on a `READONLY` reply from the demoted master, or at
//! once on `+switch-master`) without re-sending any command.
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use pyrsedis_core::config::Addr;
use pyrsedis_core::{Client, SentinelClient, cmd};
use test_support::{Ready, RedisServer, ServerBuilder, ServerProcess, resp_roundtrip};

fn sentinel(master_port: u16) -> ServerProcess {
    ServerBuilder::new("redis-server")
        .args(move |port, dir| {
            let conf = dir.join("sentinel.conf");
            let text = format!(
                "port {port}\nbind 127.0.0.1\ndir {}\n\
                 sentinel monitor mymaster 127.0.0.1 {master_port} 2\n\
                 sentinel down-after-milliseconds mymaster 1000\n\
                 sentinel failover-timeout mymaster 5000\n",
                dir.display()
            );
            std::fs::write(&conf, text).unwrap();
            vec![conf.to_string_lossy().into_owned(), "--sentinel".to_owned()]
        })
        .ready(Ready::Probe(Arc::new(|addr| {
            resp_roundtrip(addr, b"PING\r\n").is_ok_and(|r| r.starts_with(b"+PONG"))
        })))
        .start()
        .unwrap()
}

#[tokio::test]
async fn the_client_follows_the_master_through_a_failover() {
    let (mut master, replica, _sentinels, url) = deployment().await;
    let master_port = master.addr().port();
    // Without the +switch-master watcher: the failed calls are what re-resolves.
    let client = SentinelClient::open(&url).unwrap().watch_failovers(false);
    let first = client.incr("counter", 1).await.unwrap();
    assert_eq!(first, 1);
    assert_eq!(
        client.master_addr(),
        Some(Addr::Tcp {
            host: "127.0.0.1".into(),
            port: master_port
        })
    );
    // Let the replica catch up, so the counter survives the failover.
    let synced: i64 = client.query(&cmd("WAIT").arg(1).arg(5000)).await.unwrap();
    assert_eq!(synced, 1);

    master.process().kill();
    let mut ok = 1;
    let mut failed = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match client.incr("counter", 1).await {
            Ok(n) => {
                ok += 1;
                assert_eq!(n, ok, "no increment was lost or applied twice");
                if client.master_addr()
                    != Some(Addr::Tcp {
                        host: "127.0.0.1".into(),
                        port: master_port,
                    })
                {
                    break;
                }
            }
            Err(_) => failed += 1,
        }
        assert!(
            Instant::now() < deadline,
            "no failover after 30 s ({failed} failed calls)"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(failed > 0, "calls failed while the master was down");
    assert_eq!(
        client.master_addr(),
        Some(Addr::Tcp {
            host: "127.0.0.1".into(),
            port: replica.addr().port()
        })
    );
    let direct = Client::open(&replica.url()).unwrap();
    assert_eq!(
        direct.get("counter").await.unwrap().as_deref(),
        Some(ok.to_string().as_bytes())
    );
}

#[tokio::test]
async fn an_unknown_master_name_is_a_clear_error() {
    let master = RedisServer::start();
    let s = sentinel(master.addr().port());
    let client =
        SentinelClient::open(&format!("redis+sentinel://{}/othermaster", s.addr())).unwrap();
    let err = client.ping().await.unwrap_err();
    assert!(err.to_string().contains("othermaster"), "{err}");
}

/// A master, its replica (synced) and three sentinels that know both.
async fn deployment() -> (RedisServer, RedisServer, Vec<ServerProcess>, String) {
    let master = RedisServer::start();
    let master_port = master.addr().port();
    let replica =
        RedisServer::start_with(&["--replicaof", "127.0.0.1", &master_port.to_string()]).unwrap();
    let direct = Client::open(&replica.url()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let info: String = direct.info_section("replication").await.unwrap();
        if info.contains("master_link_status:up") {
            break;
        }
        assert!(Instant::now() < deadline, "the replica did not sync");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sentinels: Vec<ServerProcess> = (0..3).map(|_| sentinel(master_port)).collect();
    // Every sentinel must know the replica before it can promote it.
    for s in &sentinels {
        let c = Client::open(&format!("redis://{}", s.addr())).unwrap();
        loop {
            let replicas = c
                .send(&cmd("SENTINEL").arg("REPLICAS").arg("mymaster"))
                .await
                .unwrap();
            if matches!(&replicas, pyrsedis_core::Value::Array(r) if !r.is_empty()) {
                break;
            }
            assert!(Instant::now() < deadline, "sentinel never saw the replica");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let url = format!(
        "redis+sentinel://{},{},{}/mymaster",
        sentinels[0].addr(),
        sentinels[1].addr(),
        sentinels[2].addr()
    );
    (master, replica, sentinels, url)
}

fn tcp(port: u16) -> Option<Addr> {
    Some(Addr::Tcp {
        host: "127.0.0.1".into(),
        port,
    })
}

#[tokio::test]
async fn a_switch_master_announcement_moves_the_client_before_any_call_fails() {
    let (mut master, replica, _sentinels, url) = deployment().await;
    let client = SentinelClient::open(&url).unwrap();
    assert_eq!(client.incr("counter", 1).await.unwrap(), 1);
    assert_eq!(client.master_addr(), tcp(master.addr().port()));
    let synced: i64 = client.query(&cmd("WAIT").arg(1).arg(5000)).await.unwrap();
    assert_eq!(synced, 1);
    // Give the watcher a moment to subscribe, then kill the master and make no call at all.
    tokio::time::sleep(Duration::from_millis(300)).await;
    master.process().kill();
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.master_addr() != tcp(replica.addr().port()) {
        assert!(
            Instant::now() < deadline,
            "no +switch-master acted on after 30 s (master: {:?})",
            client.master_addr()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(client.switch_events(), 1);
    // The first call after the failover already goes to the new master.
    assert_eq!(client.incr("counter", 1).await.unwrap(), 2);
}

#[tokio::test]
async fn a_readonly_reply_from_a_demoted_master_triggers_re_resolution() {
    let (master, replica, sentinels, url) = deployment().await;
    // No watcher: only the READONLY reply can tell the client.
    let client = SentinelClient::open(&url).unwrap().watch_failovers(false);
    assert_eq!(client.incr("counter", 1).await.unwrap(), 1);
    let synced: i64 = client.query(&cmd("WAIT").arg(1).arg(5000)).await.unwrap();
    assert_eq!(synced, 1);
    // A manual failover: the old master stays up and becomes a replica of the new one.
    let s0 = Client::open(&format!("redis://{}", sentinels[0].addr())).unwrap();
    let old = Client::open(&master.url()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let failover = s0
            .send(&cmd("SENTINEL").arg("FAILOVER").arg("mymaster"))
            .await;
        if failover.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "no failover: {failover:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    loop {
        let role = old.send(&cmd("ROLE")).await.unwrap();
        let demoted = matches!(&role, pyrsedis_core::Value::Array(items)
            if items.first().and_then(pyrsedis_core::Value::as_bytes) == Some(&b"slave"[..]));
        if demoted {
            break;
        }
        assert!(Instant::now() < deadline, "the old master was not demoted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(client.master_addr(), tcp(master.addr().port()));
    // The write reaches the demoted master, which refuses it; the client gives the error back
    // (the command is not re-sent) and forgets that master.
    let err = client.incr("counter", 1).await.unwrap_err();
    assert_eq!(err.server_error().unwrap().code(), "READONLY", "{err}");
    assert_eq!(client.master_addr(), None);
    // The next call resolves the promoted replica; the refused increment never ran.
    assert_eq!(client.incr("counter", 1).await.unwrap(), 2);
    assert_eq!(client.master_addr(), tcp(replica.addr().port()));
    assert_eq!(client.switch_events(), 0);
}

//! The sentinel client against a real master, replica and three sentinels, through a real
//! failover: the master is found, writes go to it, and after the master dies the client finds
//! the promoted replica without re-sending any command.
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
    let mut master = RedisServer::start();
    let master_port = master.addr().port();
    let replica =
        RedisServer::start_with(&["--replicaof", "127.0.0.1", &master_port.to_string()]).unwrap();
    let sentinels: Vec<ServerProcess> = (0..3).map(|_| sentinel(master_port)).collect();
    let url = format!(
        "redis+sentinel://{},{},{}/mymaster",
        sentinels[0].addr(),
        sentinels[1].addr(),
        sentinels[2].addr()
    );
    let client = SentinelClient::open(&url).unwrap();
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

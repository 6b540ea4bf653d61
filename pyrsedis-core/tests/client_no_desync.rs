//! A reply can never reach the wrong caller: connections that time out, fail or are cancelled
//! mid-exchange are closed, not pooled (the original's defect D3, redis-py CVE-2023-28858).
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

mod support;

use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use pyrsedis_core::Blob;
use pyrsedis_core::{Client, Config, ErrorKind, cmd};
use test_support::RedisServer;

fn pool_of_one(url: &str, timeout_ms: u64) -> Client {
    let config = Config::from_url(url)
        .unwrap()
        .pool_size(1)
        .response_timeout(Some(Duration::from_millis(timeout_ms)));
    Client::new(config).unwrap()
}

/// D3: the original pooled a connection after a timeout, so on a pool of one the late `BLPOP`
/// reply (nil) answered the next `PING`, and `PONG` answered the `ECHO` after it.
#[tokio::test]
async fn d3_timeout_on_a_pool_of_one_never_delivers_a_late_reply() {
    let server = RedisServer::start();
    let client = pool_of_one(&server.url(), 200);
    let err = client
        .send(&cmd("BLPOP").arg("empty").arg(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert_eq!(
        client.pool().idle_count(),
        0,
        "the timed-out connection was dropped"
    );
    // Wait past the server's BLPOP timeout, when its nil reply would arrive on the old socket.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(client.ping().await.unwrap(), "PONG");
    assert_eq!(client.echo("hello").await.unwrap(), Blob::from(b"hello"));
}

/// D7: the original applied its read timeout to each `read()`, so a server dribbling bytes
/// slower than the deadline per reply but faster per byte never timed out. Also D3: the
/// connection with the half-read reply is not reused.
#[tokio::test]
async fn d7_a_dribbled_reply_times_out_as_a_whole_not_per_read_and_leaves_no_residue() {
    let server = RedisServer::start();
    let proxy = support::Proxy::start(server.addr()).await;
    let client = pool_of_one(&proxy.url(), 500);
    client.set("k", "0123456789abcdefghij").await.unwrap();
    proxy.dribble_ms.store(80, Ordering::SeqCst);
    // The reply is 27 bytes: ~2.2 s at one byte per 80 ms. Each byte arrives well within any
    // per-read timeout, but the whole reply misses the 500 ms deadline.
    let start = Instant::now();
    let err = client.get("k").await.unwrap_err();
    let took = start.elapsed();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(
        took >= Duration::from_millis(480) && took < Duration::from_millis(1800),
        "{took:?}"
    );
    proxy.dribble_ms.store(0, Ordering::SeqCst);
    for i in 0..5 {
        let echoed = client.echo(format!("m{i}")).await.unwrap();
        assert_eq!(echoed, Blob::from(format!("m{i}")));
    }
    assert_eq!(
        client.get("k").await.unwrap(),
        Some(Blob::from(b"0123456789abcdefghij"))
    );
}

#[tokio::test]
async fn a_slow_reply_within_the_deadline_succeeds() {
    let server = RedisServer::start();
    let proxy = support::Proxy::start(server.addr()).await;
    let client = pool_of_one(&proxy.url(), 3000);
    client.set("k", "abc").await.unwrap();
    proxy.dribble_ms.store(5, Ordering::SeqCst);
    assert_eq!(client.get("k").await.unwrap(), Some(Blob::from(b"abc")));
}

#[tokio::test]
async fn a_cancelled_request_drops_its_connection() {
    let server = RedisServer::start();
    let client = pool_of_one(&server.url(), 5000);
    let blpop = cmd("BLPOP").arg("empty").arg(1);
    tokio::select! {
        _ = client.send(&blpop) => panic!("BLPOP should still be waiting"),
        _ = tokio::time::sleep(Duration::from_millis(150)) => {}
    }
    assert_eq!(client.pool().idle_count(), 0);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(client.echo("mine").await.unwrap(), Blob::from(b"mine"));
    assert_eq!(client.ping().await.unwrap(), "PONG");
}

#[tokio::test]
async fn a_pipeline_cut_by_the_server_fails_as_a_whole() {
    let server = RedisServer::start();
    let client = pool_of_one(&server.url(), 5000);
    let killer = Client::open(&server.url()).unwrap();
    let id: i64 = client.query(&cmd("CLIENT").arg("ID")).await.unwrap();
    let mut pipe = pyrsedis_core::Pipeline::new();
    pipe.ping().add(cmd("BLPOP").arg("empty").arg(2)).ping();
    let run = client.pipeline(&pipe);
    let kill = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        killer
            .send(&cmd("CLIENT").arg("KILL").arg("ID").arg(id))
            .await
            .unwrap()
    };
    let (result, _) = tokio::join!(run, kill);
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert_eq!(client.ping().await.unwrap(), "PONG");
}

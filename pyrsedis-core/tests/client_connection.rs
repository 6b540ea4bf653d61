//! The async client against a real redis-server: handshake, pipelines, pool, timeouts.
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

mod support;

use std::time::{Duration, Instant};

use pyrsedis_core::Blob;
use pyrsedis_core::config::{Addr, Protocol};
use pyrsedis_core::{Client, Config, ErrorKind, Pipeline, ServerError, Value, cmd};
use test_support::RedisServer;

#[tokio::test]
async fn set_get_and_binary_values_round_trip() {
    let server = RedisServer::start();
    let client = Client::open(&server.url()).unwrap();
    let value: &[u8] = b"\x00\xff\r\n binary";
    client.set(&b"k\xfe"[..], value).await.unwrap();
    assert_eq!(
        client.get(&b"k\xfe"[..]).await.unwrap(),
        Some(Blob::from(value))
    );
    assert_eq!(client.get("missing").await.unwrap(), None);
}

/// D10: the original never negotiated RESP3 (its `hello3` was unused).
#[tokio::test]
async fn d10_resp3_is_negotiated_with_hello_and_maps_come_back_as_maps() {
    let server = RedisServer::start();
    let config = Config::from_url(&format!("{}?protocol=3", server.url())).unwrap();
    let client = Client::new(config).unwrap();
    client.hset("h", "f", "v").await.unwrap();
    let reply = client.send(&cmd("HGETALL").arg("h")).await.unwrap();
    assert_eq!(
        reply,
        Value::Map(vec![(Value::bulk("f"), Value::bulk("v"))])
    );
    let conn = client.connection().await.unwrap();
    assert_eq!(conn.protocol(), Protocol::Resp3);
    drop(conn);
    // RESP2 by default: the same reply is a flat array.
    let plain = Client::open(&server.url()).unwrap();
    let reply = plain.send(&cmd("HGETALL").arg("h")).await.unwrap();
    assert_eq!(
        reply,
        Value::Array(vec![Value::bulk("f"), Value::bulk("v")])
    );
}

#[tokio::test]
async fn password_acl_user_select_and_client_name_apply_to_every_connection() {
    let server = RedisServer::start_with(&["--requirepass", "s3cret"]).unwrap();
    let port = server.addr().port();
    // An ACL user allowed everything.
    let admin = Client::open(&format!("redis://:s3cret@127.0.0.1:{port}")).unwrap();
    admin
        .send(
            &cmd("ACL")
                .arg("SETUSER")
                .arg("app")
                .arg("on")
                .arg(">apppw")
                .arg("~*")
                .arg("+@all"),
        )
        .await
        .unwrap();
    for protocol in ["2", "3"] {
        let url =
            format!("redis://app:apppw@127.0.0.1:{port}/5?protocol={protocol}&client_name=tester");
        let client = Client::new(Config::from_url(&url).unwrap().pool_size(2)).unwrap();
        client.set("in-db-5", protocol).await.unwrap();
        let name: String = client.query(&cmd("CLIENT").arg("GETNAME")).await.unwrap();
        assert_eq!(name, "tester");
        let who: String = client.query(&cmd("ACL").arg("WHOAMI")).await.unwrap();
        assert_eq!(who, "app");
    }
    let db5 = Client::open(&format!("redis://:s3cret@127.0.0.1:{port}/5")).unwrap();
    assert_eq!(db5.get("in-db-5").await.unwrap(), Some(Blob::from(b"3")));
    assert_eq!(admin.get("in-db-5").await.unwrap(), None, "db 0 untouched");
    // A wrong password fails the connection with the server's error, in both protocols.
    for protocol in ["2", "3"] {
        let bad = Client::open(&format!(
            "redis://app:nope@127.0.0.1:{port}?protocol={protocol}"
        ))
        .unwrap();
        let err = bad.ping().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Server, "{err}");
        assert_eq!(err.server_error().unwrap().code(), "WRONGPASS");
    }
}

#[tokio::test]
async fn a_server_without_hello_falls_back_to_resp2_with_auth() {
    let addr = support::fake_server(vec![
        (b"HELLO", b"-ERR unknown command 'HELLO'\r\n"),
        (b"AUTH\r\n$2\r\npw", b"+OK\r\n"),
        (b"PING", b"+PONG\r\n"),
    ])
    .await;
    let client = Client::open(&format!("redis://:pw@{addr}?protocol=3")).unwrap();
    assert_eq!(client.ping().await.unwrap(), "PONG");
    assert_eq!(
        client.connection().await.unwrap().protocol(),
        Protocol::Resp2
    );
}

/// D10: a push frame ahead of a reply (scripted, so the interleaving is exact) goes to the push
/// channel and the reply after it answers the command. Against a real server:
/// `tests/defects.rs`, `d10_push_frames_from_a_real_server_are_never_taken_as_replies`.
#[tokio::test]
async fn d10_push_frames_are_delivered_out_of_band_not_as_replies() {
    let addr = support::fake_server(vec![(
        b"PING",
        b">3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n+PONG\r\n",
    )])
    .await;
    let client = Client::open(&format!("redis://{addr}")).unwrap();
    let mut conn = client.connection().await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    conn.set_push_sender(tx);
    assert_eq!(
        conn.send(&cmd("PING")).await.unwrap(),
        Value::Simple(Blob::from(b"PONG"))
    );
    let push = rx.recv().await.unwrap();
    assert_eq!(
        push,
        Value::Push(vec![
            Value::bulk("message"),
            Value::bulk("ch"),
            Value::bulk("hi")
        ])
    );
}

#[tokio::test]
async fn pipelines_return_one_result_per_command_with_errors_in_place() {
    let server = RedisServer::start();
    let client = Client::open(&server.url()).unwrap();
    let mut pipe = Pipeline::new();
    pipe.set("s", "x")
        .incr("s", 1)
        .add(cmd("LPUSH").arg("s").arg("v"))
        .echo("after");
    let results = client.pipeline(&pipe).await.unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[0], Ok(Value::Simple(Blob::from(b"OK"))));
    assert_eq!(results[1].as_ref().unwrap_err().code(), "ERR");
    assert_eq!(results[2].as_ref().unwrap_err().code(), "WRONGTYPE");
    assert_eq!(results[3], Ok(Value::bulk("after")));
    // A thousand commands in one write come back in order.
    let mut pipe = Pipeline::new();
    for i in 0..1000 {
        pipe.incr("n", i);
    }
    let results = client.pipeline(&pipe).await.unwrap();
    let last: Vec<Result<Value, ServerError>> = results.into_iter().skip(998).collect();
    assert_eq!(
        last,
        vec![
            Ok(Value::Int(998 * 999 / 2)),
            Ok(Value::Int(999 * 1000 / 2))
        ]
    );
}

#[tokio::test]
async fn unix_sockets_work() {
    let dir = tempfile_dir();
    let sock = dir.join("redis.sock");
    let sock_str = sock.to_str().unwrap().to_owned();
    let server =
        RedisServer::start_with(&["--unixsocket", &sock_str, "--unixsocketperm", "700"]).unwrap();
    let client = Client::open(&format!("unix://{sock_str}?db=1")).unwrap();
    client.set("via-unix", "yes").await.unwrap();
    let tcp = Client::open(&format!("{}/1", server.url())).unwrap();
    assert_eq!(tcp.get("via-unix").await.unwrap(), Some(Blob::from(b"yes")));
    assert!(matches!(
        Config::from_url(&format!("unix://{sock_str}"))
            .unwrap()
            .addr(),
        Addr::Unix(_)
    ));
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir() -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pyrsedis-unix-{}-{}",
        std::process::id(),
        rand_suffix()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn rand_suffix() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos()
}

#[tokio::test]
async fn the_pool_reuses_the_latest_connection_and_evicts_idle_ones() {
    let server = RedisServer::start();
    let config = Config::from_url(&server.url())
        .unwrap()
        .pool_size(2)
        .idle_timeout(Duration::from_millis(300));
    let client = Client::new(config).unwrap();
    let a = client.connection().await.unwrap();
    let mut b = client.connection().await.unwrap();
    assert_eq!(client.pool().available(), 0);
    let id_b: i64 = match b.send(&cmd("CLIENT").arg("ID")).await.unwrap() {
        Value::Int(n) => n,
        other => panic!("{other:?}"),
    };
    drop(a);
    drop(b);
    assert_eq!(client.pool().idle_count(), 2);
    // LIFO: the connection returned last comes out first.
    let id: i64 = client.query(&cmd("CLIENT").arg("ID")).await.unwrap();
    assert_eq!(id, id_b);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let id_new: i64 = client.query(&cmd("CLIENT").arg("ID")).await.unwrap();
    assert!(
        id_new > id_b,
        "idle connections were evicted, a new one was opened"
    );
    assert_eq!(client.pool().idle_count(), 1);
}

#[tokio::test]
async fn the_pool_bounds_concurrency() {
    let server = RedisServer::start();
    let client = Client::new(Config::from_url(&server.url()).unwrap().pool_size(3)).unwrap();
    let mut tasks = Vec::new();
    for i in 0..50 {
        let c = client.clone();
        tasks.push(tokio::spawn(
            async move { c.incr("counter", i).await.unwrap() },
        ));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let total: i64 = client.query(&cmd("GET").arg("counter")).await.unwrap();
    assert_eq!(total, (0..50).sum::<i64>());
    let clients: String = client.query(&cmd("CLIENT").arg("LIST")).await.unwrap();
    assert!(clients.lines().count() <= 3, "{clients}");
    assert!(client.pool().idle_count() <= 3);
}

#[tokio::test]
async fn the_connect_timeout_covers_a_server_that_never_answers_the_handshake() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let url = format!("redis://{addr}?protocol=3&connect_timeout=200ms");
    let client = Client::open(&url).unwrap();
    let start = Instant::now();
    let err = client.ping().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(190) && took < Duration::from_secs(2),
        "{took:?}"
    );
    drop(listener);
}

#[tokio::test]
async fn connection_refused_is_an_io_error_naming_the_address() {
    let port = test_support::free_port().unwrap();
    let client = Client::open(&format!("redis://127.0.0.1:{port}")).unwrap();
    let err = client.ping().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io);
    assert!(
        err.to_string().contains(&format!("127.0.0.1:{port}")),
        "{err}"
    );
}

#[tokio::test]
async fn unsupported_deployments_are_refused_before_connecting() {
    for url in [
        "redis+sentinel://127.0.0.1:1/m",
        "redis+cluster://127.0.0.1:1",
    ] {
        let err = Client::open(url).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{url}: {err}");
    }
}

#[tokio::test]
async fn a_reply_over_the_buffer_limit_fails_and_the_next_command_works() {
    let server = RedisServer::start();
    let limits = pyrsedis_core::resp::Limits::default().max_buffer(1024);
    let client = Client::new(
        Config::from_url(&server.url())
            .unwrap()
            .pool_size(1)
            .limits(limits),
    )
    .unwrap();
    client.set("big", vec![b'x'; 4096]).await.unwrap();
    let err = client.get("big").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{err}");
    assert!(err.is_connection_dropped());
    assert_eq!(client.echo("next").await.unwrap(), Blob::from(b"next"));
}

#[tokio::test]
async fn idle_connections_closed_by_the_server_are_skipped_not_used() {
    let server = RedisServer::start();
    let client = Client::new(Config::from_url(&server.url()).unwrap().pool_size(2)).unwrap();
    let (a, b) = (
        client.connection().await.unwrap(),
        client.connection().await.unwrap(),
    );
    drop((a, b));
    assert_eq!(client.pool().idle_count(), 2);
    // The server drops every client (as a restart or its idle timeout would).
    let admin = Client::open(&server.url()).unwrap();
    let killed: i64 = admin
        .query(
            &cmd("CLIENT")
                .arg("KILL")
                .arg("TYPE")
                .arg("normal")
                .arg("SKIPME")
                .arg("yes"),
        )
        .await
        .unwrap();
    assert_eq!(killed, 2);
    tokio::time::sleep(Duration::from_millis(50)).await;
    // INCR is not idempotent: it must run exactly once, on a fresh connection.
    assert_eq!(client.incr("once", 1).await.unwrap(), 1);
    assert_eq!(admin.get("once").await.unwrap(), Some(Blob::from(b"1")));
}

#[tokio::test]
async fn a_refused_connect_is_retried_with_backoff() {
    let port = test_support::free_port().unwrap();
    let late_server = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(120)).await;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let (mut sock, _) = listener.accept().await.unwrap();
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut buf = [0u8; 64];
        let _ = sock.read(&mut buf).await.unwrap();
        sock.write_all(b"+PONG\r\n").await.unwrap();
        sock
    });
    let client = Client::open(&format!("redis://127.0.0.1:{port}")).unwrap();
    assert_eq!(client.ping().await.unwrap(), "PONG");
    drop(late_server.await.unwrap());
    // With retries off, the refusal is reported at once.
    let port = test_support::free_port().unwrap();
    let config = Config::from_url(&format!("redis://127.0.0.1:{port}"))
        .unwrap()
        .connect_retries(0);
    let start = Instant::now();
    assert_eq!(
        Client::new(config)
            .unwrap()
            .ping()
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Io
    );
    // Three retries would take 50 + 100 + 200 ms.
    assert!(start.elapsed() < Duration::from_millis(300));
}

//! Regression tests for the original's defects (the research note's table D1-D13) that are about
//! the client and a server, against real redis-servers; a scripted server only where a real one
//! cannot produce the bytes (hostile counts, malformed frames). The other defects' tests are
//! named `d<N>_...` where they belong (`src/resp/tests.rs`, `client_no_desync.rs`, ...); the
//! README's "Defects of the original, and their tests" lists them all.
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

mod support;

use std::sync::atomic::Ordering;

use pyrsedis_core::Blob;
use pyrsedis_core::config::Protocol;
use pyrsedis_core::resp::Limits;
use pyrsedis_core::{BlockingClient, Client, Config, ErrorKind, Value, cmd};
use test_support::RedisServer;

/// D1 through the client: a reply announcing `4000000000000` entries, for every aggregate type,
/// is a limit error (not an allocation that aborts the process), and the connection is closed.
#[tokio::test]
async fn d1_a_hostile_count_from_the_server_is_a_limit_error_for_every_aggregate_type() {
    let replies: [&'static [u8]; 5] = [
        b"*4000000000000\r\n",
        b"%4000000000000\r\n",
        b"~4000000000000\r\n",
        b"|4000000000000\r\n",
        b">4000000000000\r\n",
    ];
    for reply in replies {
        let addr = support::fake_server(vec![(&b"PING"[..], reply)]).await;
        let client = Client::open(&format!("redis://{addr}")).unwrap();
        let err = client.ping().await.unwrap_err();
        let shown = String::from_utf8_lossy(reply);
        assert_eq!(err.kind(), ErrorKind::LimitExceeded, "{shown:?}: {err}");
        assert!(err.is_connection_dropped(), "{shown:?}");
        assert_eq!(client.pool().idle_count(), 0, "{shown:?}");
    }
}

/// D8: the original's `set()` and `ping()` returned `False` on an error reply (`-NOAUTH`,
/// `-READONLY`, ...) instead of raising. Here a server error is `Err` with its code, from the
/// async and the blocking client.
#[tokio::test]
async fn d8_server_errors_from_set_and_ping_are_errors() {
    let server = RedisServer::start_with(&["--requirepass", "s3cret"]).unwrap();
    let client = Client::open(&server.url()).unwrap();
    let results = [
        ("PING", client.ping().await.map(drop)),
        ("SET", client.set("k", "v").await),
        ("SET NX", client.set_nx("k", "v").await.map(drop)),
    ];
    for (what, result) in results {
        let err = result.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Server, "{what}: {err}");
        assert_eq!(err.server_error().unwrap().code(), "NOAUTH", "{what}");
    }
    let url = server.url();
    let blocking = std::thread::spawn(move || {
        let client = BlockingClient::open(&url).unwrap();
        (client.ping().map(drop), client.set("k", "v"))
    })
    .join()
    .unwrap();
    for result in [blocking.0, blocking.1] {
        let err = result.unwrap_err();
        assert_eq!(err.server_error().unwrap().code(), "NOAUTH", "{err}");
    }
    // A read-only replica (of a master that does not exist) refuses writes; PING still answers.
    let nowhere = test_support::free_port().unwrap().to_string();
    let replica = RedisServer::start_with(&["--replicaof", "127.0.0.1", &nowhere]).unwrap();
    let client = Client::open(&replica.url()).unwrap();
    let err = client.set("k", "v").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err}");
    assert_eq!(err.server_error().unwrap().code(), "READONLY");
    assert_eq!(client.ping().await.unwrap(), "PONG");
}

/// D10 against a real server: the original never negotiated RESP3, and a push frame would have
/// been read as the reply to the next command. Redis's `DEBUG PROTOCOL push` writes a push frame
/// and then the real reply; client-side caching writes invalidations between commands. Pushes go
/// to the push channel (or are dropped without one) and every reply answers its own command.
#[tokio::test]
async fn d10_push_frames_from_a_real_server_are_never_taken_as_replies() {
    let server = RedisServer::start_with(&["--enable-debug-command", "yes"]).unwrap();
    let url = format!("{}?protocol=3", server.url());
    let client = Client::new(Config::from_url(&url).unwrap().pool_size(1)).unwrap();
    let debug_push = cmd("DEBUG").arg("PROTOCOL").arg("push");
    let after_push = Value::bulk("Some real reply following the push reply");
    // No push channel: the push is dropped, and nothing shifts.
    assert_eq!(client.send(&debug_push).await.unwrap(), after_push);
    assert_eq!(client.ping().await.unwrap(), "PONG");
    assert_eq!(client.echo("next").await.unwrap(), Blob::from(b"next"));
    // With a channel: the push is delivered out of band.
    let mut conn = client.connection().await.unwrap();
    assert_eq!(conn.protocol(), Protocol::Resp3);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    conn.set_push_sender(tx);
    assert_eq!(conn.send(&debug_push).await.unwrap(), after_push);
    assert_eq!(
        rx.try_recv().unwrap(),
        Value::Push(vec![Value::bulk("server-cpu-usage"), Value::Int(42)])
    );
    // An invalidation pushed because another client wrote a tracked key, between two commands.
    conn.send(&cmd("CLIENT").arg("TRACKING").arg("ON"))
        .await
        .unwrap();
    assert_eq!(
        conn.send(&cmd("GET").arg("cached")).await.unwrap(),
        Value::Nil
    );
    Client::open(&server.url())
        .unwrap()
        .set("cached", "new")
        .await
        .unwrap();
    assert_eq!(
        conn.send(&cmd("PING")).await.unwrap(),
        Value::Simple(Blob::from(b"PONG"))
    );
    assert_eq!(
        rx.try_recv().unwrap(),
        Value::Push(vec![
            Value::bulk("invalidate"),
            Value::Array(vec![Value::bulk("cached")])
        ])
    );
    assert_eq!(
        conn.send(&cmd("GET").arg("cached")).await.unwrap(),
        Value::bulk("new")
    );
}

/// D11 against a real server: the original did not percent-decode, re-joined an IPv6 host
/// without brackets (`::1:6379` fails to connect), and a `/` in the password broke its split
/// between host and path. Here the same password, written percent-encoded or with its `/`, `@`
/// and `:` as they are, reaches a server on `[::1]` in database 2, with a percent-encoded client
/// name. (`rediss://`: `client_tls.rs`, `d11_rediss_urls_connect_over_tls_...`.)
#[tokio::test]
async fn d11_urls_with_ipv6_encoded_parts_and_slashes_in_the_password_reach_a_real_server() {
    let server =
        RedisServer::start_with(&["--bind", "127.0.0.1", "::1", "--requirepass", "p/a@ss:w%rd"])
            .unwrap();
    let port = server.addr().port();
    for url in [
        format!("redis://:p%2Fa%40ss%3Aw%25rd@[::1]:{port}/2?client_name=d%2D11"),
        format!("redis://:p/a@ss:w%25rd@[::1]:{port}/2?client_name=d%2D11"),
        format!("redis://default:p/a@ss:w%25rd@[::1]:{port}/2?client_name=d%2D11"),
    ] {
        let client = Client::open(&url).unwrap();
        client.set("where", url.as_str()).await.unwrap();
        let info: String = client.query(&cmd("CLIENT").arg("INFO")).await.unwrap();
        for expected in ["addr=[::1]:", " db=2 ", " name=d-11 "] {
            assert!(info.contains(expected), "{url}: {expected:?} not in {info}");
        }
        let ipv4 =
            Client::open(&format!("redis://:p%2Fa%40ss%3Aw%25rd@127.0.0.1:{port}/2")).unwrap();
        assert_eq!(
            ipv4.get("where").await.unwrap(),
            Some(Blob::from(url.clone()))
        );
    }
}

/// Sends `command` with `limits` on a fresh client for `url`; on an error, checks that the
/// connection was closed and that the next command works. The reply, or the error's kind.
async fn under_limits(
    url: &str,
    limits: Limits,
    command: &pyrsedis_core::Cmd,
) -> Result<Value, ErrorKind> {
    let config = Config::from_url(url).unwrap().pool_size(1).limits(limits);
    let client = Client::new(config).unwrap();
    let result = client.send(command).await;
    if let Err(err) = &result {
        assert!(err.is_connection_dropped(), "{err}");
        assert_eq!(client.pool().idle_count(), 0);
        assert_eq!(client.ping().await.unwrap(), "PONG");
    }
    result.map_err(|e| e.kind())
}

/// D12 on the client path, against a real server: each limit accepts a reply at exactly its
/// value and refuses one more (`LimitExceeded`, the connection closed, the next call fine). The
/// buffer limit is checked with the reply arriving at once and dribbled a byte at a time through
/// a proxy: the same bytes get the same answer however they are split. (Decoder and scanner:
/// `resp::tests::d12_each_limit_holds_at_exactly_its_value_in_the_decoder_and_the_scanner`.)
#[tokio::test]
async fn d12_each_limit_holds_at_exactly_its_value_on_a_real_connection() {
    let server = RedisServer::start_with(&["--enable-debug-command", "yes"]).unwrap();
    let url = server.url();
    let resp3 = format!("{url}?protocol=3");
    let setup = Client::open(&url).unwrap();
    for (key, n) in [("four", 4), ("five", 5)] {
        let items: Vec<String> = (0..n).map(|i| i.to_string()).collect();
        setup
            .send(&cmd("RPUSH").arg(key).arg(&items[..]))
            .await
            .unwrap();
    }
    for (key, n) in [("seven-fields", 7), ("eight-fields", 8)] {
        for i in 0..n {
            setup.hset(key, i, i).await.unwrap();
        }
    }
    for n in [16, 17, 57, 58] {
        setup.set(format!("x{n}"), "x".repeat(n)).await.unwrap();
    }
    let limit = ErrorKind::LimitExceeded;

    let elements = Limits::default().max_elements(4);
    let lrange = |key: &str| cmd("LRANGE").arg(key).arg(0).arg(-1);
    let got = under_limits(&url, elements, &lrange("four")).await.unwrap();
    assert!(matches!(got, Value::Array(items) if items.len() == 4));
    assert_eq!(
        under_limits(&url, elements, &lrange("five")).await,
        Err(limit)
    );
    // A map entry counts twice: seven fields are fourteen values (as many as the `HELLO 3`
    // reply of the handshake has, which the same limits apply to).
    let elements = Limits::default().max_elements(14);
    let hgetall = |key: &str| cmd("HGETALL").arg(key);
    let got = under_limits(&resp3, elements, &hgetall("seven-fields"))
        .await
        .unwrap();
    assert!(matches!(got, Value::Map(pairs) if pairs.len() == 7));
    let got = under_limits(&resp3, elements, &hgetall("eight-fields")).await;
    assert_eq!(got, Err(limit));

    let depth = Limits::default().max_depth(3);
    let eval = |script: &str| cmd("EVAL").arg(script).arg(0);
    let got = under_limits(&url, depth, &eval("return {{{1}}}"))
        .await
        .unwrap();
    assert_eq!(
        got,
        Value::Array(vec![Value::Array(vec![Value::Array(vec![Value::Int(1)])])])
    );
    assert_eq!(
        under_limits(&url, depth, &eval("return {{{{1}}}}")).await,
        Err(limit)
    );

    let bulk = Limits::default().max_bulk_len(16);
    let get = |n: usize| cmd("GET").arg(format!("x{n}"));
    assert_eq!(
        under_limits(&url, bulk, &get(16)).await,
        Ok(Value::bulk("x".repeat(16)))
    );
    assert_eq!(under_limits(&url, bulk, &get(17)).await, Err(limit));

    // `DEBUG PROTOCOL bignum` answers a 37-digit big number.
    let bignum = cmd("DEBUG").arg("PROTOCOL").arg("bignum");
    let got = under_limits(&resp3, Limits::default().max_bignum_len(37), &bignum).await;
    assert_eq!(
        got,
        Ok(Value::BigNumber(bytes::Bytes::from_static(
            b"1234567999999999999999999999999999999"
        )))
    );
    let got = under_limits(&resp3, Limits::default().max_bignum_len(36), &bignum).await;
    assert_eq!(got, Err(limit));

    // 64 bytes of buffer: `$57\r\n` + 57 bytes + CRLF fits exactly; one byte more does not.
    let buffer = Limits::default().max_buffer(64);
    let proxy = support::Proxy::start(server.addr()).await;
    for (via, dribble_ms) in [(url.clone(), 0), (proxy.url(), 1)] {
        proxy.dribble_ms.store(dribble_ms, Ordering::SeqCst);
        let got = under_limits(&via, buffer, &get(57)).await;
        assert_eq!(
            got,
            Ok(Value::bulk("x".repeat(57))),
            "dribbled: {dribble_ms}"
        );
        let got = under_limits(&via, buffer, &get(58)).await;
        assert_eq!(got, Err(limit), "dribbled: {dribble_ms}");
    }
}

/// D13 through the client: frames the original accepted (`#x` as false, a bulk body not followed
/// by CRLF, `_` with text) are protocol errors that close the connection. A real server never
/// sends them, so a scripted one does.
#[tokio::test]
async fn d13_a_lax_frame_from_the_server_is_a_protocol_error_and_closes_the_connection() {
    let replies: [&'static [u8]; 3] = [b"#x\r\n", b"$3\r\nabcXY", b"_x\r\n"];
    for reply in replies {
        let addr = support::fake_server(vec![(&b"PING"[..], reply)]).await;
        let client = Client::open(&format!("redis://{addr}")).unwrap();
        let err = client.ping().await.unwrap_err();
        let shown = String::from_utf8_lossy(reply);
        assert_eq!(err.kind(), ErrorKind::Protocol, "{shown:?}: {err}");
        assert!(err.is_connection_dropped(), "{shown:?}");
        assert_eq!(client.pool().idle_count(), 0, "{shown:?}");
    }
}

//! Server behaviour over real loopback sockets: bodies, streaming, HEAD/204/304,
//! `Expect: 100-continue`, hooks, blocking handlers, hot route changes, listener modes.

// Test bodies run once per backend (plain functions, not `#[test]`s): a panic is a failing
// test with a location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use covet_core::{Backend, ListenMode, Response, handler};
use support::{SENTINEL, TestServer, connect, exchange, read_responses};

fn streaming_response_is_chunked(backend: Backend) {
    let server = TestServer::on(backend);
    let mut s = connect(server.addr());
    s.write_all(b"GET /stream HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let resps = read_responses(&mut s, 1, &[]);
    assert_eq!(resps[0].header("transfer-encoding"), Some("chunked"));
    assert_eq!(resps[0].body, b"one two three");
    assert_eq!(resps[0].header("content-length"), None);
    // The connection stays usable after a streamed body.
    s.write_all(b"GET /users/9 HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let resps = read_responses(&mut s, 1, &[]);
    assert_eq!(resps[0].body, b"user 9");
}

fn streaming_response_to_http10_is_close_delimited(backend: Backend) {
    let server = TestServer::on(backend);
    let resps = exchange(server.addr(), b"GET /stream HTTP/1.0\r\n\r\n", &[]);
    assert_eq!(resps.len(), 1);
    assert_eq!(resps[0].body, b"one two three");
    assert!(resps[0].closes());
}

fn no_body_for_204_304_and_head(backend: Backend) {
    let server = TestServer::on(backend);
    let mut req = Vec::new();
    req.extend_from_slice(b"GET /status/204 HTTP/1.1\r\nHost: a\r\n\r\n");
    req.extend_from_slice(b"GET /status/304 HTTP/1.1\r\nHost: a\r\n\r\n");
    req.extend_from_slice(b"HEAD /json HTTP/1.1\r\nHost: a\r\n\r\n");
    req.extend_from_slice(SENTINEL);
    let resps = exchange(server.addr(), &req, &[false, false, true, false]);
    let statuses: Vec<u16> = resps.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [204, 304, 200, 200]);
    assert!(resps[..3].iter().all(|r| r.body.is_empty()));
    assert_eq!(resps[0].header("content-length"), None);
    assert_eq!(resps[2].header("content-length"), Some("27"));
    assert_eq!(resps[2].header("content-type"), Some("application/json"));
}

fn expect_continue_gets_100_before_the_body_is_sent(backend: Backend) {
    let server = TestServer::on(backend);
    let mut s = connect(server.addr());
    s.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
        .unwrap();
    let mut buf = [0u8; 25];
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"hello").unwrap();
    let resps = read_responses(&mut s, 1, &[]);
    assert_eq!(resps[0].status, 200);
    assert_eq!(resps[0].body, b"hello");
}

fn expect_continue_over_the_limit_gets_413_without_100(backend: Backend) {
    let server = TestServer::on(backend);
    let resps = exchange(
        server.addr(),
        b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 2000000\r\n\r\n",
        &[],
    );
    let statuses: Vec<u16> = resps.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [413]);
}

fn chunked_request_body_across_many_reads(backend: Backend) {
    let server = TestServer::on(backend);
    let mut s = connect(server.addr());
    s.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let mut expect = Vec::new();
    for i in 0..50u8 {
        let chunk = vec![b'a' + i % 26; 1000 + usize::from(i)];
        s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .unwrap();
        s.write_all(&chunk).unwrap();
        s.write_all(b"\r\n").unwrap();
        expect.extend_from_slice(&chunk);
    }
    s.write_all(b"0\r\n\r\n").unwrap();
    let resps = read_responses(&mut s, 1, &[]);
    assert_eq!(resps[0].body.len(), expect.len());
    assert!(resps[0].body == expect);
}

fn date_header_is_present_and_well_formed(backend: Backend) {
    let server = TestServer::on(backend);
    let resps = exchange(server.addr(), SENTINEL, &[]);
    let date = resps[0].header("date").unwrap();
    assert_eq!(date.len(), 29);
    assert!(date.ends_with(" GMT"));
}

fn json_params_catch_all_and_query(backend: Backend) {
    let server = TestServer::on(backend);
    let mut req = Vec::new();
    req.extend_from_slice(b"GET /json HTTP/1.1\r\nHost: a\r\n\r\n");
    req.extend_from_slice(b"GET /files/a/b/c.txt HTTP/1.1\r\nHost: a\r\n\r\n");
    req.extend_from_slice(b"GET /slow?ms=1 HTTP/1.1\r\nHost: a\r\n\r\n");
    req.extend_from_slice(SENTINEL);
    let resps = exchange(server.addr(), &req, &[]);
    assert_eq!(resps[0].body, br#"{"message":"Hello, World!"}"#);
    assert_eq!(resps[1].body, b"file a/b/c.txt");
    assert_eq!(resps[2].body, b"slow done");
}

fn blocking_handler_does_not_block_other_connections(backend: Backend) {
    let server = TestServer::on(backend);
    let addr = server.addr();
    let slow = std::thread::spawn(move || {
        exchange(addr, b"POST /blocking HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 3\r\n\r\nabc", &[])
    });
    // While the blocking handler sleeps, the single worker still serves others.
    for _ in 0..5 {
        let resps = exchange(addr, SENTINEL, &[]);
        assert_eq!(resps[0].status, 200);
    }
    let resps = slow.join().unwrap();
    assert_eq!(resps[0].body, b"abc");
}

fn hooks_run_before_routing_and_after_the_handler(backend: Backend) {
    let seen = Arc::new(AtomicUsize::new(0));
    let seen2 = seen.clone();
    let server = TestServer::start_with(move |b| {
        b.backend(backend)
            .before(|req| (req.path() == "/blocked").then(|| Response::text("blocked").status(403)))
            .after(move |req, resp| {
                seen2.fetch_add(1, Ordering::Relaxed);
                resp.insert_header("X-Path", req.path().to_string());
            })
    });
    let mut req = b"GET /blocked HTTP/1.1\r\nHost: a\r\n\r\n".to_vec();
    req.extend_from_slice(SENTINEL);
    let resps = exchange(server.addr(), &req, &[]);
    assert_eq!(resps[0].status, 403);
    assert_eq!(resps[0].header("x-path"), Some("/blocked"));
    assert_eq!(resps[1].header("x-path"), Some("/"));
    assert_eq!(seen.load(Ordering::Relaxed), 2);
}

fn routes_added_while_running_are_served(backend: Backend) {
    let server = TestServer::on(backend);
    let resps = exchange(
        server.addr(),
        b"GET /late HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        &[],
    );
    assert_eq!(resps[0].status, 404);
    server
        .server()
        .router()
        .get("/late", handler::ready(|_| Response::text("late")))
        .unwrap();
    let resps = exchange(
        server.addr(),
        b"GET /late HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        &[],
    );
    assert_eq!(
        (resps[0].status, resps[0].body.as_slice()),
        (200, &b"late"[..])
    );
}

fn custom_methods_are_routed_by_their_token(backend: Backend) {
    let server = TestServer::on(backend);
    let router = server.server().router();
    router
        .route_method(
            "PURGE",
            "/cache/{*key}",
            handler::ready(|req| {
                Response::text(format!(
                    "{} {}",
                    req.method_str(),
                    req.param("key").as_deref().unwrap_or("")
                ))
            }),
        )
        .unwrap();
    router
        .get("/cache/{*key}", handler::ready(|_| Response::text("hit")))
        .unwrap();
    let resps = exchange(
        server.addr(),
        b"PURGE /cache/a/b HTTP/1.1\r\nHost: a\r\n\r\n\
          purge /cache/a HTTP/1.1\r\nHost: a\r\n\r\n\
          PROPFIND /cache/a HTTP/1.1\r\nHost: a\r\n\r\n\
          PURGE /elsewhere HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        &[],
    );
    assert_eq!(resps.len(), 4);
    assert_eq!(
        (resps[0].status, resps[0].body.as_slice()),
        (200, &b"PURGE a/b"[..])
    );
    // Method tokens are case-sensitive: `purge` is another method, not allowed here.
    for r in &resps[1..3] {
        assert_eq!(r.status, 405);
        assert_eq!(r.header("allow"), Some("GET, HEAD, PURGE"));
    }
    assert_eq!(resps[3].status, 404);
}

fn every_listen_mode_serves_from_several_workers(backend: Backend) {
    for mode in [ListenMode::ReusePort, ListenMode::Shared] {
        let server = TestServer::start_with(|b| b.backend(backend).workers(3).listen_mode(mode));
        let handles: Vec<_> = (0..12)
            .map(|_| {
                let addr = server.addr();
                std::thread::spawn(move || exchange(addr, SENTINEL, &[])[0].status)
            })
            .collect();
        for h in handles {
            assert_eq!(h.join().unwrap(), 200);
        }
    }
}

fn http10_keep_alive_is_honoured(backend: Backend) {
    let server = TestServer::on(backend);
    let mut s = connect(server.addr());
    s.write_all(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        .unwrap();
    let resps = read_responses(&mut s, 1, &[]);
    assert_eq!(resps[0].header("connection"), Some("keep-alive"));
    s.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let rest = support::read_to_close(&mut s);
    assert!(
        rest.ends_with(b"\r\nConnection: close\r\n\r\nOK"),
        "{}",
        String::from_utf8_lossy(&rest)
    );
}

fn metrics_count_requests_errors_and_connections(backend: Backend) {
    let metrics = covet_core::metrics::Metrics::new();
    let m = metrics.clone();
    let server = TestServer::start_with(move |b| b.backend(backend).workers(2).metrics(m));
    let mut req =
        b"GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n\r\n".to_vec();
    req.extend_from_slice(SENTINEL);
    exchange(server.addr(), &req, &[]);
    let resps = exchange(server.addr(), b"GET / HTTP/1.1\r\n\r\n", &[]);
    assert_eq!(resps[0].status, 400);
    // Connections are counted closed once the server side has finished lingering.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(3);
    while metrics.snapshot().connections_open() > 0 {
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let s = metrics.snapshot();
    assert_eq!(s.by_status_class, [0, 2, 0, 2, 0]);
    assert_eq!(s.protocol_errors, 1);
    assert_eq!(s.connections_accepted, 2);
    let text = metrics.render_prometheus();
    assert!(
        text.contains("covet_requests_total{class=\"4xx\"} 2\n"),
        "{text}"
    );
    assert!(
        text.contains("covet_request_duration_seconds_count 4\n"),
        "{text}"
    );
}

fn files_are_streamed_with_their_length(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.json");
    let content: Vec<u8> = (0..300_000u32)
        .map(|i| (i % 251).to_le_bytes()[0])
        .collect();
    std::fs::write(&path, &content).unwrap();
    let server = TestServer::on(backend);
    let p = path;
    server
        .server()
        .router()
        .get("/file", move |_req: covet_core::Request| {
            let p = p.clone();
            async move {
                Response::file(&p)
                    .await
                    .unwrap_or_else(|_| Response::empty(404))
            }
        })
        .unwrap();
    server
        .server()
        .router()
        .get("/missing", |_req: covet_core::Request| async {
            Response::file("/nonexistent/covet")
                .await
                .unwrap_or_else(|_| Response::empty(404))
        })
        .unwrap();
    let mut req = b"GET /file HTTP/1.1\r\nHost: a\r\n\r\n".to_vec();
    req.extend_from_slice(b"HEAD /file HTTP/1.1\r\nHost: a\r\n\r\n");
    req.extend_from_slice(b"GET /missing HTTP/1.1\r\nHost: a\r\n\r\n");
    req.extend_from_slice(SENTINEL);
    let resps = exchange(server.addr(), &req, &[false, true, false, false]);
    let statuses: Vec<u16> = resps.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [200, 200, 404, 200]);
    assert_eq!(resps[0].header("content-length"), Some("300000"));
    assert_eq!(resps[0].header("content-type"), Some("application/json"));
    assert!(resps[0].body == content, "file body differs");
    assert_eq!(resps[1].header("content-length"), Some("300000"));
    assert!(resps[1].body.is_empty());
}

fn files_answer_conditional_and_range_requests(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("page.html");
    let content: Vec<u8> = (0..200_000u32).map(|i| b'a' + (i % 26) as u8).collect();
    std::fs::write(&path, &content).unwrap();
    let server = TestServer::on(backend);
    server
        .server()
        .router()
        .get("/page", move |req: covet_core::Request| {
            let p = path.clone();
            async move {
                Response::file_for(&req, &p)
                    .await
                    .unwrap_or_else(|_| Response::empty(404))
            }
        })
        .unwrap();
    let get = |extra: &str| {
        let req = format!("GET /page HTTP/1.1\r\nHost: a\r\n{extra}Connection: close\r\n\r\n");
        exchange(server.addr(), req.as_bytes(), &[]).remove(0)
    };

    let full = get("");
    assert_eq!(full.status, 200);
    assert!(full.body == content, "file body differs");
    assert_eq!(full.header("accept-ranges"), Some("bytes"));
    assert_eq!(
        full.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let etag = full.header("etag").unwrap().to_owned();
    let modified = full.header("last-modified").unwrap().to_owned();
    assert!(etag.starts_with('"') && etag.ends_with(&format!("-{:x}\"", content.len())));
    assert_eq!(modified.len(), 29);

    for cond in [
        format!("If-None-Match: {etag}\r\n"),
        format!("If-None-Match: \"other\", W/{etag}\r\n"),
        "If-None-Match: *\r\n".to_owned(),
        format!("If-Modified-Since: {modified}\r\n"),
    ] {
        let r = get(&cond);
        assert_eq!(r.status, 304, "{cond}");
        assert!(r.body.is_empty());
        assert_eq!(r.header("etag"), Some(etag.as_str()));
    }
    // A stale tag wins over a current date: If-None-Match is decided alone.
    let r = get(&format!(
        "If-None-Match: \"stale\"\r\nIf-Modified-Since: {modified}\r\n"
    ));
    assert_eq!(r.status, 200);
    assert_eq!(
        get("If-Modified-Since: Thu, 01 Jan 1970 00:00:00 GMT\r\n").status,
        200
    );

    let r = get("Range: bytes=100-199\r\n");
    assert_eq!(r.status, 206);
    assert_eq!(r.header("content-range"), Some("bytes 100-199/200000"));
    assert_eq!(r.header("content-length"), Some("100"));
    assert!(r.body == content[100..200]);
    let r = get("Range: bytes=-70000\r\n");
    assert_eq!(r.status, 206);
    assert_eq!(
        r.header("content-range"),
        Some("bytes 130000-199999/200000")
    );
    assert!(r.body == content[130_000..]);
    let r = get(&format!("Range: bytes=199990-\r\nIf-Range: {etag}\r\n"));
    assert_eq!((r.status, r.body.as_slice()), (206, &content[199_990..]));
    let r = get("Range: bytes=0-9\r\nIf-Range: \"stale\"\r\n");
    assert_eq!(r.status, 200);
    assert_eq!(r.body.len(), content.len());
    let r = get("Range: bytes=0-1,5-9\r\n");
    assert_eq!(r.status, 200);
    let r = get("Range: bytes=200000-\r\n");
    assert_eq!(r.status, 416);
    assert_eq!(r.header("content-range"), Some("bytes */200000"));
    assert!(r.body.is_empty());
}

/// The io_uring rings open in this process, by descriptor, with the completions each has
/// produced so far (`CqTail` in its fdinfo).
fn io_uring_completions() -> std::collections::BTreeMap<String, u64> {
    let mut rings = std::collections::BTreeMap::new();
    for entry in std::fs::read_dir("/proc/self/fd").unwrap() {
        let entry = entry.unwrap();
        let is_ring = std::fs::read_link(entry.path())
            .is_ok_and(|target| target.to_string_lossy() == "anon_inode:[io_uring]");
        if !is_ring {
            continue;
        }
        let name = entry.file_name().to_string_lossy().into_owned();
        let Ok(info) = std::fs::read_to_string(format!("/proc/self/fdinfo/{name}")) else {
            continue;
        };
        let tail = info
            .lines()
            .find_map(|l| l.strip_prefix("CqTail:"))
            .and_then(|v| v.trim().parse().ok())
            .unwrap();
        rings.insert(name, tail);
    }
    rings
}

/// The backend chosen is the one doing the I/O: with io_uring, each worker has a ring and the
/// requests' reads and writes complete on it; with epoll, no ring is opened.
fn the_chosen_backend_does_the_io(backend: Backend) {
    let before = io_uring_completions();
    let server = TestServer::start_with(|b| b.backend(backend).workers(2));
    let mut s = connect(server.addr());
    let after_start = io_uring_completions();
    let new_rings: Vec<&String> = after_start
        .keys()
        .filter(|k| !before.contains_key(*k))
        .collect();
    for _ in 0..50 {
        s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        assert_eq!(read_responses(&mut s, 1, &[])[0].body, b"OK");
    }
    let after_requests = io_uring_completions();
    if backend == Backend::Epoll {
        assert!(new_rings.is_empty(), "epoll opened rings: {new_rings:?}");
        return;
    }
    assert_eq!(new_rings.len(), 2, "one ring per worker: {after_start:?}");
    let completed: u64 = new_rings
        .iter()
        .map(|k| after_requests[*k] - after_start[*k])
        .sum();
    // At least one read and one write per request.
    assert!(completed >= 100, "{completed} completions for 50 requests");
}

/// Without the `io-uring` feature (or off Linux) the io_uring backend is refused at start with
/// a configuration error.
#[cfg(not(all(feature = "io-uring", target_os = "linux")))]
#[test]
fn io_uring_without_the_feature_is_refused_at_start() {
    let err = covet_core::Server::builder(covet_core::Router::new())
        .bind("127.0.0.1:0".parse().unwrap())
        .backend(Backend::IoUring)
        .start()
        .unwrap_err();
    assert!(err.is_config(), "{err:?}");
    assert!(err.to_string().contains("io-uring"), "{err}");
}

support::on_each_backend!(
    the_chosen_backend_does_the_io,
    streaming_response_is_chunked,
    streaming_response_to_http10_is_close_delimited,
    no_body_for_204_304_and_head,
    expect_continue_gets_100_before_the_body_is_sent,
    expect_continue_over_the_limit_gets_413_without_100,
    chunked_request_body_across_many_reads,
    date_header_is_present_and_well_formed,
    json_params_catch_all_and_query,
    blocking_handler_does_not_block_other_connections,
    hooks_run_before_routing_and_after_the_handler,
    routes_added_while_running_are_served,
    custom_methods_are_routed_by_their_token,
    every_listen_mode_serves_from_several_workers,
    http10_keep_alive_is_honoured,
    metrics_count_requests_errors_and_connections,
    files_are_streamed_with_their_length,
    files_answer_conditional_and_range_requests,
);

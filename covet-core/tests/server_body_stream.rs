//! Request bodies streamed to handlers (`handler::streaming`), over real loopback sockets:
//! bounded pieces, backpressure, handlers that stop early followed by pipelined requests,
//! `Expect: 100-continue`, timeouts and framing errors in the middle of a stream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{ErrorKind, Read, Write};
use std::sync::Arc;
use std::time::Duration;

use covet_core::{Backend, Limits, Request, Response, Timeouts, handler};
use support::{SENTINEL, TestServer, connect, read_responses, read_to_close};

/// Adds the streaming routes used below to a test server.
///
/// - `POST /count`: reads the whole body; answers `<total> <largest piece> <pattern ok>`,
///   where the pattern is byte `i` = `i % 251`;
/// - `POST /first`: reads one piece and answers `first <len>`;
/// - `POST /ignore`: never reads and answers `ignored`;
/// - `POST /late`: waits 400 ms, then reads the whole body and answers `late <total>`;
/// - `POST /gated`: reads one piece, waits for `gate`, then reads the rest.
fn streaming_server(
    backend: Backend,
    f: impl FnOnce(covet_core::ServerBuilder) -> covet_core::ServerBuilder,
) -> (TestServer, Arc<tokio::sync::Notify>) {
    let server = TestServer::start_with(|b| f(b.backend(backend)));
    let router = server.server().router();
    router
        .post(
            "/count",
            handler::streaming(|mut req: Request| async move {
                let mut body = req.take_body_stream().unwrap();
                let mut tally = Tally::default();
                loop {
                    match body.chunk().await {
                        Ok(Some(piece)) => tally.add(&piece),
                        Ok(None) => return tally.answer(),
                        Err(e) => return Response::text(format!("handler saw: {e}")),
                    }
                }
            }),
        )
        .unwrap();
    router
        .post(
            "/count-blocking",
            handler::blocking_streaming(|mut req: Request| {
                let mut body = req.take_body_stream().unwrap();
                let mut tally = Tally::default();
                loop {
                    match body.blocking_chunk() {
                        Ok(Some(piece)) => tally.add(&piece),
                        Ok(None) => return tally.answer(),
                        Err(e) => return Response::text(format!("handler saw: {e}")),
                    }
                }
            }),
        )
        .unwrap();
    router
        .post(
            "/collect-blocking",
            handler::blocking_streaming(|mut req: Request| {
                match req.take_body_stream().unwrap().blocking_collect(1000) {
                    Ok(body) => Response::text(format!("collected {}", body.len())),
                    Err(e) => Response::text(e.to_string()).status(e.status().unwrap_or(500)),
                }
            }),
        )
        .unwrap();
    router
        .post(
            "/first",
            handler::streaming(|mut req: Request| async move {
                let mut body = req.take_body_stream().unwrap();
                let first = body.chunk().await.unwrap().unwrap_or_default();
                Response::text(format!("first {}", first.len()))
            }),
        )
        .unwrap();
    router
        .post(
            "/ignore",
            handler::streaming(|_req: Request| async move { Response::text("ignored") }),
        )
        .unwrap();
    router
        .post(
            "/late",
            handler::streaming(|mut req: Request| async move {
                tokio::time::sleep(Duration::from_millis(400)).await;
                let body = req.take_body_stream().unwrap();
                let all = body.collect(1 << 20).await.unwrap();
                Response::text(format!("late {}", all.len()))
            }),
        )
        .unwrap();
    let gate = Arc::new(tokio::sync::Notify::new());
    let g = Arc::clone(&gate);
    router
        .post(
            "/gated",
            handler::streaming(move |mut req: Request| {
                let gate = Arc::clone(&g);
                async move {
                    let mut body = req.take_body_stream().unwrap();
                    let mut total = body.chunk().await.unwrap().unwrap().len();
                    gate.notified().await;
                    while let Some(piece) = body.chunk().await.unwrap() {
                        total += piece.len();
                    }
                    Response::text(format!("gated {total}"))
                }
            }),
        )
        .unwrap();
    (server, gate)
}

/// What the counting routes learn from the pieces of a body: the total, the largest piece,
/// and whether every byte `i` was `i % 251`; answered as `<total> <largest> <pattern ok>`.
struct Tally {
    total: usize,
    largest: usize,
    pattern_ok: bool,
}

impl Default for Tally {
    fn default() -> Self {
        Tally {
            total: 0,
            largest: 0,
            pattern_ok: true,
        }
    }
}

impl Tally {
    fn add(&mut self, piece: &[u8]) {
        let total = self.total;
        self.pattern_ok &= piece
            .iter()
            .enumerate()
            .all(|(i, &b)| usize::from(b) == (total + i) % 251);
        self.total += piece.len();
        self.largest = self.largest.max(piece.len());
    }

    fn answer(&self) -> Response {
        Response::text(format!(
            "{} {} {}",
            self.total, self.largest, self.pattern_ok
        ))
    }
}

fn pattern(from: usize, len: usize) -> Vec<u8> {
    (from..from + len)
        .map(|i| u8::try_from(i % 251).unwrap())
        .collect()
}

fn a_large_chunked_upload_is_streamed_in_bounded_pieces(backend: Backend) {
    // 32 MiB, far over the 1 MiB buffered limit, in client chunks of 100,000 bytes.
    let (server, _) = streaming_server(backend, |b| b);
    let total = 32 << 20;
    let mut s = connect(server.addr());
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        w.write_all(b"POST /count HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
            .unwrap();
        let mut sent = 0;
        while sent < total {
            let n = (total - sent).min(100_000);
            w.write_all(format!("{n:x}\r\n").as_bytes()).unwrap();
            w.write_all(&pattern(sent, n)).unwrap();
            w.write_all(b"\r\n").unwrap();
            sent += n;
        }
        w.write_all(b"0\r\n\r\n").unwrap();
        w.write_all(SENTINEL).unwrap();
    });
    let data = read_to_close(&mut s);
    writer.join().unwrap();
    let (resps, _) = support::parse_responses(&data, &[]);
    assert_eq!(resps.len(), 2, "{:?}", String::from_utf8_lossy(&data));
    let text = String::from_utf8(resps[0].body.clone()).unwrap();
    let parts: Vec<&str> = text.split(' ').collect();
    assert_eq!(parts[0], total.to_string(), "{text}");
    let largest: usize = parts[1].parse().unwrap();
    assert!(largest <= 64 * 1024, "a piece of {largest} bytes: {text}");
    assert_eq!(parts[2], "true", "the body bytes arrived altered: {text}");
    assert_eq!(
        resps[1].status, 200,
        "the request after the upload is served"
    );
}

fn a_large_upload_is_streamed_to_a_blocking_handler(backend: Backend) {
    // 8 MiB in client chunks of 100,000 bytes, behind Expect: 100-continue, read on the
    // blocking pool while the connection keeps its bounded pieces and serves what follows.
    let (server, _) = streaming_server(backend, |b| b);
    let total = 8 << 20;
    let mut s = connect(server.addr());
    s.write_all(
        b"POST /count-blocking HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\n\
          Transfer-Encoding: chunked\r\n\r\n",
    )
    .unwrap();
    let mut interim = [0u8; 25];
    s.read_exact(&mut interim).unwrap();
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let mut sent = 0;
        while sent < total {
            let n = (total - sent).min(100_000);
            w.write_all(format!("{n:x}\r\n").as_bytes()).unwrap();
            w.write_all(&pattern(sent, n)).unwrap();
            w.write_all(b"\r\n").unwrap();
            sent += n;
        }
        w.write_all(b"0\r\n\r\n").unwrap();
        let mut small =
            b"POST /collect-blocking HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n".to_vec();
        small.extend_from_slice(b"0123456789");
        small.extend_from_slice(
            b"POST /collect-blocking HTTP/1.1\r\nHost: a\r\nContent-Length: 1001\r\n\r\n",
        );
        small.extend_from_slice(&[b'x'; 1001]);
        w.write_all(&small).unwrap();
        w.write_all(SENTINEL).unwrap();
    });
    let data = read_to_close(&mut s);
    writer.join().unwrap();
    let (resps, _) = support::parse_responses(&data, &[]);
    let bodies: Vec<String> = resps
        .iter()
        .map(|r| format!("{} {}", r.status, String::from_utf8_lossy(&r.body)))
        .collect();
    assert_eq!(bodies.len(), 4, "{bodies:?}");
    let parts: Vec<&str> = bodies[0].split(' ').collect();
    assert_eq!(parts[0], "200");
    assert_eq!(parts[1], total.to_string(), "{bodies:?}");
    assert!(
        parts[2].parse::<usize>().unwrap() <= 64 * 1024,
        "{bodies:?}"
    );
    assert_eq!(parts[3], "true", "the body bytes arrived altered");
    assert_eq!(bodies[1], "200 collected 10");
    assert!(bodies[2].starts_with("413 "), "{bodies:?}");
    assert!(
        bodies[3].starts_with("200"),
        "the request after the uploads is served"
    );
}

fn the_same_upload_to_a_buffered_route_is_413(backend: Backend) {
    let (server, _) = streaming_server(backend, |b| b);
    let resps = support::exchange(
        server.addr(),
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 33554432\r\n\r\n",
        &[],
    );
    assert_eq!(resps.iter().map(|r| r.status).collect::<Vec<_>>(), [413]);
}

fn the_connection_reads_the_body_only_as_the_handler_asks(backend: Backend) {
    let (server, gate) = streaming_server(backend, |b| b);
    let total: usize = 96 << 20;
    let mut s = connect(server.addr());
    s.write_all(
        format!("POST /gated HTTP/1.1\r\nHost: a\r\nContent-Length: {total}\r\n\r\n").as_bytes(),
    )
    .unwrap();
    // The handler takes one piece and then waits: the server must stop reading, so the
    // socket buffers fill and writes start timing out long before 96 MiB are sent.
    s.set_write_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    let block = vec![7u8; 64 * 1024];
    let mut written = 0;
    while written < total {
        let n = (total - written).min(block.len());
        match s.write(&block[..n]) {
            Ok(k) => written += k,
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => break,
            Err(e) => panic!("write failed: {e}"),
        }
    }
    assert!(
        written < total / 2,
        "the server read {written} of {total} bytes ahead of a handler that asked for one piece"
    );
    gate.notify_one();
    s.set_write_timeout(None).unwrap();
    let rest = total - written;
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        let mut left = rest;
        while left > 0 {
            let n = left.min(block.len());
            w.write_all(&block[..n]).unwrap();
            left -= n;
        }
    });
    let resps = read_responses(&mut s, 1, &[]);
    writer.join().unwrap();
    assert_eq!(resps[0].body, format!("gated {total}").as_bytes());
}

fn a_handler_that_stops_early_leaves_the_next_pipelined_request_intact(backend: Backend) {
    let (server, _) = streaming_server(backend, |b| b);
    // The unread body looks like requests; none of it may be read as one.
    let fake = b"GET /users/666 HTTP/1.1\r\nHost: a\r\n\r\n".repeat(2_000);
    let mut req = Vec::new();
    req.extend_from_slice(
        format!(
            "POST /first HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n",
            fake.len()
        )
        .as_bytes(),
    );
    req.extend_from_slice(&fake);
    // The same with a chunked body.
    req.extend_from_slice(b"POST /first HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n");
    for piece in fake.chunks(7_000) {
        req.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        req.extend_from_slice(piece);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    req.extend_from_slice(b"GET /users/7 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    let mut s = connect(server.addr());
    let mut w = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || w.write_all(&req).unwrap());
    let data = read_to_close(&mut s);
    writer.join().unwrap();
    let (resps, _) = support::parse_responses(&data, &[]);
    let bodies: Vec<String> = resps
        .iter()
        .map(|r| String::from_utf8_lossy(&r.body).into_owned())
        .collect();
    assert_eq!(bodies.len(), 3, "{bodies:?}");
    assert!(bodies[0].starts_with("first "), "{bodies:?}");
    assert!(bodies[1].starts_with("first "), "{bodies:?}");
    assert_eq!(bodies[2], "user 7");
    assert!(!resps[0].closes() && !resps[1].closes());
}

fn a_handler_that_stops_early_on_a_large_body_closes_the_connection(backend: Backend) {
    let (server, _) = streaming_server(backend, |b| b);
    let fake = b"GET /users/666 HTTP/1.1\r\nHost: a\r\n\r\n".repeat(30_000);
    let mut s = connect(server.addr());
    let mut w = s.try_clone().unwrap();
    let head = format!(
        "POST /first HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n",
        fake.len() + 1_000_000
    );
    // The server may close before all of it is sent: write errors are expected.
    let writer = std::thread::spawn(move || {
        let _ = w.write_all(head.as_bytes());
        let _ = w.write_all(&fake);
    });
    let data = read_to_close(&mut s);
    let _ = writer.join();
    let (resps, _) = support::parse_responses(&data, &[]);
    assert_eq!(resps.len(), 1, "{:?}", String::from_utf8_lossy(&data));
    assert!(String::from_utf8_lossy(&resps[0].body).starts_with("first "));
    assert!(
        resps[0].closes(),
        "an undrained body must end the connection"
    );
}

fn expect_continue_waits_until_the_handler_reads(backend: Backend) {
    let (server, _) = streaming_server(backend, |b| b);
    let mut s = connect(server.addr());
    s.write_all(
        b"POST /late HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
    )
    .unwrap();
    // The handler sleeps 400 ms before reading: nothing may arrive before that.
    s.set_read_timeout(Some(Duration::from_millis(250)))
        .unwrap();
    let mut buf = [0u8; 25];
    let early = s.read(&mut buf);
    assert!(
        matches!(&early, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "got {early:?} before the handler read the body"
    );
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.read_exact(&mut buf).unwrap();
    assert_eq!(&buf, b"HTTP/1.1 100 Continue\r\n\r\n");
    s.write_all(b"hello").unwrap();
    let resps = read_responses(&mut s, 1, &[]);
    assert_eq!(resps[0].body, b"late 5");
    assert!(!resps[0].closes());
    // The connection carries the next request.
    s.write_all(SENTINEL).unwrap();
    let resps = read_responses(&mut s, 1, &[]);
    assert_eq!(resps[0].status, 200);
}

fn expect_continue_is_never_sent_when_the_handler_ignores_the_body(backend: Backend) {
    let (server, _) = streaming_server(backend, |b| b);
    let mut s = connect(server.addr());
    s.write_all(
        b"POST /ignore HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n",
    )
    .unwrap();
    let data = read_to_close(&mut s);
    let text = String::from_utf8_lossy(&data);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(!text.contains("100 Continue"), "{text}");
    assert!(text.contains("Connection: close\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\nignored"), "{text}");
}

fn a_stalled_streamed_body_gets_408_and_a_close(backend: Backend) {
    let (server, _) = streaming_server(backend, |b| {
        b.timeouts(Timeouts {
            body_read_idle: Duration::from_millis(300),
            ..Timeouts::default()
        })
    });
    let mut s = connect(server.addr());
    s.write_all(b"POST /count HTTP/1.1\r\nHost: a\r\nContent-Length: 100\r\n\r\n0123456789")
        .unwrap();
    let started = std::time::Instant::now();
    let data = read_to_close(&mut s);
    let (resps, _) = support::parse_responses(&data, &[]);
    assert_eq!(resps.len(), 1, "{:?}", String::from_utf8_lossy(&data));
    assert_eq!(resps[0].status, 408);
    assert!(resps[0].closes());
    assert!(started.elapsed() >= Duration::from_millis(250));
}

fn a_malformed_chunk_in_a_stream_is_answered_400_and_closed(backend: Backend) {
    let (server, _) = streaming_server(backend, |b| b);
    let resps = support::exchange(
        server.addr(),
        b"POST /count HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\
          1\r\n\x00\r\n0x5\r\nhello\r\n0\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n",
        &[],
    );
    assert_eq!(resps.len(), 1, "{resps:?}");
    assert_eq!(resps[0].status, 400);
    assert!(resps[0].closes());
    let body = String::from_utf8_lossy(&resps[0].body);
    assert!(body.contains("invalid chunked body"), "{body}");
}

fn a_streamed_body_over_max_stream_body_is_413(backend: Backend) {
    let (server, _) = streaming_server(backend, |b| {
        b.limits(Limits {
            max_body: 100,
            max_stream_body: 1_000,
            ..Limits::default()
        })
    });
    // Announced: 413 before any body byte and without 100 Continue.
    let resps = support::exchange(
        server.addr(),
        b"POST /count HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1001\r\n\r\n",
        &[],
    );
    assert_eq!(resps.iter().map(|r| r.status).collect::<Vec<_>>(), [413]);
    // Within the stream limit (but over the buffered one): served.
    let mut req = b"POST /count HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\n".to_vec();
    req.extend_from_slice(&pattern(0, 1000));
    req.extend_from_slice(SENTINEL);
    let resps = support::exchange(server.addr(), &req, &[]);
    assert_eq!(resps[0].body, b"1000 1000 true");
    // Chunked, crossing the limit: 413 once it does.
    let mut req = b"POST /count HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..3 {
        req.extend_from_slice(b"190\r\n");
        req.extend_from_slice(&[b'x'; 400]);
        req.extend_from_slice(b"\r\n");
    }
    req.extend_from_slice(b"0\r\n\r\n");
    let resps = support::exchange(server.addr(), &req, &[]);
    assert_eq!(resps.iter().map(|r| r.status).collect::<Vec<_>>(), [413]);
}

fn path_parameters_are_percent_decoded_and_raw_on_request(backend: Backend) {
    let server = TestServer::on(backend);
    server
        .server()
        .router()
        .get(
            "/p/{a}/{*rest}",
            handler::ready(|req| {
                let decoded: Vec<String> = req.params().map(|(n, v)| format!("{n}={v}")).collect();
                let raw: Vec<String> = req.params_raw().map(|(n, v)| format!("{n}={v}")).collect();
                Response::text(format!("{} | {}", decoded.join(","), raw.join(",")))
            }),
        )
        .unwrap();
    let resps = support::exchange(
        server.addr(),
        b"GET /p/caf%C3%A9%20au+lait/x%2Fy/%ZZ HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
        &[],
    );
    assert_eq!(
        String::from_utf8_lossy(&resps[0].body),
        "a=café au+lait,rest=x/y/%ZZ | a=caf%C3%A9%20au+lait,rest=x%2Fy/%ZZ"
    );
}

fn expect_continue_to_a_missing_route_gets_404_without_100_and_a_close(backend: Backend) {
    let (server, _) = streaming_server(backend, |b| b);
    for (target, status) in [("/nowhere", 404), ("/users/1", 405)] {
        let mut s = connect(server.addr());
        s.write_all(
            format!("POST {target} HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n")
                .as_bytes(),
        )
        .unwrap();
        let data = read_to_close(&mut s);
        let text = String::from_utf8_lossy(&data);
        assert!(
            text.starts_with(&format!("HTTP/1.1 {status} ")),
            "{target}: {text}"
        );
        assert!(!text.contains("100 Continue"), "{text}");
        assert!(text.contains("Connection: close\r\n"), "{text}");
    }
}

fn a_stream_read_after_the_handler_returned_reports_an_error_not_an_end(backend: Backend) {
    let server = TestServer::on(backend);
    let (report, outcome) = std::sync::mpsc::channel::<String>();
    let report = std::sync::Mutex::new(report);
    server
        .server()
        .router()
        .post(
            "/spawned",
            handler::streaming(move |mut req: Request| {
                let report = report.lock().unwrap().clone();
                async move {
                    let mut body = req.take_body_stream().unwrap();
                    tokio::spawn(async move {
                        tokio::time::sleep(Duration::from_millis(100)).await;
                        let mut got = 0;
                        let end = loop {
                            match body.chunk().await {
                                Ok(Some(piece)) => got += piece.len(),
                                Ok(None) => break format!("end after {got}"),
                                Err(e) => break format!("error after {got}: {e}"),
                            }
                        };
                        report.send(end).unwrap();
                    });
                    Response::text("spawned")
                }
            }),
        )
        .unwrap();
    let mut s = connect(server.addr());
    s.write_all(b"POST /spawned HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\n01234")
        .unwrap();
    std::thread::sleep(Duration::from_millis(50));
    s.write_all(b"56789").unwrap();
    let resps = read_responses(&mut s, 1, &[]);
    assert_eq!(resps[0].body, b"spawned");
    let end = outcome.recv_timeout(Duration::from_secs(5)).unwrap();
    assert!(end.starts_with("error after 0: "), "{end}");
}

fn a_malformed_rest_after_the_handler_answered_is_still_answered_400(backend: Backend) {
    // Whether the handler stopped before the bad chunk or met it, the answer is the same.
    let (server, _) = streaming_server(backend, |b| b);
    let mut s = connect(server.addr());
    s.write_all(
        b"POST /first HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
    )
    .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    s.write_all(b"ZZ\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let data = read_to_close(&mut s);
    let (resps, _) = support::parse_responses(&data, &[]);
    assert_eq!(resps.len(), 1, "{:?}", String::from_utf8_lossy(&data));
    assert_eq!(resps[0].status, 400);
    assert!(resps[0].closes());
}

support::on_each_backend!(
    a_large_upload_is_streamed_to_a_blocking_handler,
    a_large_chunked_upload_is_streamed_in_bounded_pieces,
    the_same_upload_to_a_buffered_route_is_413,
    the_connection_reads_the_body_only_as_the_handler_asks,
    a_handler_that_stops_early_leaves_the_next_pipelined_request_intact,
    a_handler_that_stops_early_on_a_large_body_closes_the_connection,
    expect_continue_waits_until_the_handler_reads,
    expect_continue_is_never_sent_when_the_handler_ignores_the_body,
    a_stalled_streamed_body_gets_408_and_a_close,
    a_malformed_chunk_in_a_stream_is_answered_400_and_closed,
    a_streamed_body_over_max_stream_body_is_413,
    path_parameters_are_percent_decoded_and_raw_on_request,
    expect_continue_to_a_missing_route_gets_404_without_100_and_a_close,
    a_stream_read_after_the_handler_returned_reports_an_error_not_an_end,
    a_malformed_rest_after_the_handler_answered_is_still_answered_400,
);

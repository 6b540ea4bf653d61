//! Timeouts, connection limits and graceful shutdown, on real sockets with short timeouts.

// Test bodies run once per backend (plain functions, not `#[test]`s): a panic is a failing
// test with a location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use covet_core::{Backend, Response, Timeouts, handler};
use support::{TestServer, connect, parse_responses, read_responses, read_to_close};

const SHORT: Duration = Duration::from_millis(300);

fn short_timeouts() -> Timeouts {
    Timeouts {
        header_read: SHORT,
        body_read_idle: SHORT,
        keep_alive_idle: SHORT,
        write: SHORT,
        ..Timeouts::default()
    }
}

fn assert_about(elapsed: Duration, expected: Duration) {
    assert!(
        elapsed >= expected - Duration::from_millis(50)
            && elapsed < expected + Duration::from_secs(1),
        "took {elapsed:?}, expected about {expected:?}"
    );
}

fn slowloris_head_gets_408_at_the_header_timeout(backend: Backend) {
    let server = TestServer::start_with(|b| b.backend(backend).timeouts(short_timeouts()));
    let mut s = connect(server.addr());
    let mut writer = s.try_clone().unwrap();
    let start = Instant::now();
    let trickle = std::thread::spawn(move || {
        for b in b"GET / HTTP/1.1\r\nHost: aaaaaaaaaaaaaaaaaaaaaaaaa" {
            if writer.write_all(std::slice::from_ref(b)).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let data = read_to_close(&mut s);
    assert_about(start.elapsed(), SHORT);
    let (resps, _) = parse_responses(&data, &[]);
    assert_eq!(resps.len(), 1);
    assert_eq!(resps[0].status, 408);
    assert!(resps[0].closes());
    trickle.join().unwrap();
}

fn stalled_body_gets_408_at_the_body_idle_timeout(backend: Backend) {
    let server = TestServer::start_with(|b| b.backend(backend).timeouts(short_timeouts()));
    let mut s = connect(server.addr());
    s.write_all(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 10\r\n\r\nabc")
        .unwrap();
    let start = Instant::now();
    let data = read_to_close(&mut s);
    assert_about(start.elapsed(), SHORT);
    let (resps, _) = parse_responses(&data, &[]);
    assert_eq!(resps.iter().map(|r| r.status).collect::<Vec<_>>(), [408]);
}

fn idle_keep_alive_connection_is_closed_silently(backend: Backend) {
    let server = TestServer::start_with(|b| b.backend(backend).timeouts(short_timeouts()));
    let mut s = connect(server.addr());
    s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(read_responses(&mut s, 1, &[])[0].status, 200);
    let start = Instant::now();
    let rest = read_to_close(&mut s);
    assert_about(start.elapsed(), SHORT);
    assert!(rest.is_empty());
}

fn a_busy_connection_outlives_the_idle_timeout(backend: Backend) {
    let server = TestServer::start_with(|b| b.backend(backend).timeouts(short_timeouts()));
    let mut s = connect(server.addr());
    for _ in 0..6 {
        s.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
        assert_eq!(read_responses(&mut s, 1, &[])[0].status, 200);
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn a_client_that_never_reads_is_dropped_at_the_write_timeout(backend: Backend) {
    let server = TestServer::start_with(|b| b.backend(backend).timeouts(short_timeouts()));
    let big = vec![b'x'; 64 << 20];
    let big = bytes::Bytes::from(big);
    server
        .server()
        .router()
        .get(
            "/big",
            handler::ready(move |_| Response::bytes(big.clone())),
        )
        .unwrap();
    let mut s = connect(server.addr());
    s.write_all(b"GET /big HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(5);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(server.server().connections(), 1);
    while server.server().connections() > 0 {
        assert!(Instant::now() < deadline, "connection was not dropped");
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(s);
}

fn connections_over_the_limit_wait_in_the_backlog(backend: Backend) {
    let server = TestServer::start_with(|b| b.backend(backend).max_connections(2));
    let mut a = connect(server.addr());
    let b = connect(server.addr());
    a.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n").unwrap();
    assert_eq!(read_responses(&mut a, 1, &[])[0].status, 200);
    std::thread::sleep(Duration::from_millis(50));
    assert_eq!(server.server().connections(), 2);

    let mut c = connect(server.addr());
    c.write_all(support::SENTINEL).unwrap();
    c.set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    let mut buf = [0u8; 64];
    let err = c.read(&mut buf).unwrap_err();
    assert!(matches!(
        err.kind(),
        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
    ));

    drop(a);
    c.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let data = read_to_close(&mut c);
    let (resps, _) = parse_responses(&data, &[]);
    assert_eq!(resps[0].status, 200);
    drop(b);
}

fn graceful_shutdown_finishes_in_flight_and_closes_idle(backend: Backend) {
    let server = TestServer::on(backend);
    let addr = server.addr();
    let mut idle = connect(addr);
    idle.write_all(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    read_responses(&mut idle, 1, &[]);
    let mut busy = connect(addr);
    busy.write_all(b"GET /slow?ms=600 HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));

    let start = Instant::now();
    let stopper = std::thread::spawn(move || server.shutdown(Duration::from_secs(3)));

    // Idle connections are closed at once, with nothing written.
    assert!(read_to_close(&mut idle).is_empty());
    assert!(
        start.elapsed() < Duration::from_millis(400),
        "idle close took {:?}",
        start.elapsed()
    );
    // New connections are refused.
    std::thread::sleep(Duration::from_millis(100));
    assert!(
        TcpStream::connect(addr).is_err(),
        "still accepting after shutdown"
    );
    // The in-flight request completes, announcing the close.
    let data = read_to_close(&mut busy);
    let (resps, left) = parse_responses(&data, &[]);
    assert_eq!(left, 0);
    assert_eq!(resps.len(), 1);
    assert_eq!(resps[0].body, b"slow done");
    assert!(resps[0].closes());
    assert!(
        stopper.join().unwrap(),
        "shutdown should finish within the grace period"
    );
    assert!(start.elapsed() < Duration::from_secs(2));
}

fn shutdown_gives_up_after_the_grace_period(backend: Backend) {
    let server = TestServer::on(backend);
    let mut busy = connect(server.addr());
    busy.write_all(b"GET /slow?ms=5000 HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    std::thread::sleep(Duration::from_millis(100));
    let start = Instant::now();
    assert!(!server.shutdown(Duration::from_millis(200)));
    assert_about(start.elapsed(), Duration::from_millis(200));
    assert!(read_to_close(&mut busy).is_empty());
}

fn shutdown_under_load_never_truncates_a_response(backend: Backend) {
    let server = TestServer::start_with(|b| b.backend(backend).workers(2));
    let addr = server.addr();
    // Every client must be running before the shutdown starts.
    #[allow(clippy::needless_collect)]
    let clients: Vec<_> = (0..8)
        .map(|_| {
            std::thread::spawn(move || {
                let mut complete = 0;
                let Ok(mut s) = TcpStream::connect(addr) else {
                    return complete;
                };
                s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
                loop {
                    if s.write_all(b"GET /slow?ms=5 HTTP/1.1\r\nHost: a\r\n\r\n")
                        .is_err()
                    {
                        return complete;
                    }
                    let mut data = Vec::new();
                    let mut buf = [0u8; 4096];
                    loop {
                        let n = s.read(&mut buf).unwrap_or_default();
                        data.extend_from_slice(&buf[..n]);
                        let (resps, left) = parse_responses(&data, &[]);
                        if n == 0 {
                            assert_eq!(
                                left,
                                0,
                                "truncated response {:?}",
                                String::from_utf8_lossy(&data)
                            );
                            assert!(resps.len() <= 1);
                            return complete + resps.len();
                        }
                        if let Some(r) = resps.first() {
                            assert_eq!(r.body, b"slow done");
                            complete += 1;
                            if r.closes() {
                                return complete;
                            }
                            break;
                        }
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(300));
    assert!(server.shutdown(Duration::from_secs(2)));
    let total: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert!(total > 8, "clients completed only {total} requests");
}

support::on_each_backend!(
    slowloris_head_gets_408_at_the_header_timeout,
    stalled_body_gets_408_at_the_body_idle_timeout,
    idle_keep_alive_connection_is_closed_silently,
    a_busy_connection_outlives_the_idle_timeout,
    a_client_that_never_reads_is_dropped_at_the_write_timeout,
    connections_over_the_limit_wait_in_the_backlog,
    graceful_shutdown_finishes_in_flight_and_closes_idle,
    shutdown_gives_up_after_the_grace_period,
    shutdown_under_load_never_truncates_a_response,
);

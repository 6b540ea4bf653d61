//! WebSocket over real sockets with a hand-rolled client: handshake, echo, fragmentation,
//! ping/pong, UTF-8 checks, masking, the close handshake, keep-alive pings and the idle
//! timeout, the write timeout, and close 1001 on a graceful shutdown.

// Test helpers may unwrap: a panic is a failing test with a location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use covet_core::{Backend, Router, Server, ServerBuilder, Timeouts, ws};

fn echo_server(backend: Backend) -> Server {
    echo_server_with(backend, |b| b)
}

fn echo_server_with(backend: Backend, f: impl FnOnce(ServerBuilder) -> ServerBuilder) -> Server {
    let router = Router::new();
    router
        .get(
            "/echo",
            ws::upgrade(|mut socket| async move {
                while let Some(msg) = socket.recv().await {
                    if socket.send(msg).await.is_err() {
                        break;
                    }
                }
            }),
        )
        .unwrap();
    router
        .get(
            "/hello-and-bye",
            ws::upgrade(|socket| async move {
                let _ = socket.send(ws::Message::Text("hello".into())).await;
            }),
        )
        .unwrap();
    f(Server::builder(router)
        .bind("127.0.0.1:0".parse().unwrap())
        .workers(1)
        .backend(backend))
    .start()
    .unwrap()
}

/// Default timeouts with the WebSocket keep-alive set to `ping` and `idle`.
fn keep_alive(ping: Duration, idle: Duration) -> Timeouts {
    Timeouts {
        ws_ping_interval: Some(ping),
        ws_idle: Some(idle),
        ..Timeouts::default()
    }
}

const HANDSHAKE: &[u8] = b"GET /echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n";

fn open(server: &Server, path: &str) -> TcpStream {
    let mut s = support::connect(server.local_addr());
    let req = String::from_utf8(HANDSHAKE.to_vec())
        .unwrap()
        .replace("/echo", path);
    s.write_all(req.as_bytes()).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        s.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    assert!(
        head.starts_with("HTTP/1.1 101 Switching Protocols\r\n")
            || head.starts_with("HTTP/1.1 101 \r\n"),
        "{head}"
    );
    assert!(
        head.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
        "{head}"
    );
    assert!(head.contains("Connection: Upgrade\r\n"));
    s
}

fn frame(b0: u8, payload: &[u8]) -> Vec<u8> {
    let mask = [0x37u8, 0xfa, 0x21, 0x3d];
    let mut out = vec![b0];
    match payload.len() {
        n if n <= 125 => out.push(0x80 | u8::try_from(n).unwrap()),
        n if n <= 0xFFFF => {
            out.push(0x80 | 126);
            out.extend_from_slice(&u16::try_from(n).unwrap().to_be_bytes());
        }
        n => {
            out.push(0x80 | 127);
            out.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
    out
}

/// Reads one server frame: (first byte, payload).
fn read_frame(s: &mut TcpStream) -> (u8, Vec<u8>) {
    let mut h = [0u8; 2];
    s.read_exact(&mut h).unwrap();
    assert_eq!(h[1] & 0x80, 0, "server frames are unmasked");
    let len = match h[1] & 0x7F {
        126 => {
            let mut b = [0u8; 2];
            s.read_exact(&mut b).unwrap();
            usize::from(u16::from_be_bytes(b))
        }
        127 => {
            let mut b = [0u8; 8];
            s.read_exact(&mut b).unwrap();
            usize::try_from(u64::from_be_bytes(b)).unwrap()
        }
        n => usize::from(n),
    };
    let mut payload = vec![0u8; len];
    s.read_exact(&mut payload).unwrap();
    (h[0], payload)
}

fn expect_close(s: &mut TcpStream, code: u16) {
    let (b0, payload) = read_frame(s);
    assert_eq!(b0, 0x88);
    assert_eq!(&payload[..2], &code.to_be_bytes());
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}

fn echoes_text_and_binary_of_every_length_form(backend: Backend) {
    let server = echo_server(backend);
    let mut s = open(&server, "/echo");
    s.write_all(&frame(0x81, b"hello")).unwrap();
    assert_eq!(read_frame(&mut s), (0x81, b"hello".to_vec()));
    for len in [126usize, 70_000] {
        let data: Vec<u8> = (0..len).map(|i| i.to_le_bytes()[0]).collect();
        s.write_all(&frame(0x82, &data)).unwrap();
        assert_eq!(read_frame(&mut s), (0x82, data));
    }
    s.write_all(&frame(0x88, &1000u16.to_be_bytes())).unwrap();
    expect_close(&mut s, 1000);
}

fn assembles_fragments_with_interleaved_ping(backend: Backend) {
    let server = echo_server(backend);
    let mut s = open(&server, "/echo");
    s.write_all(&frame(0x01, b"frag")).unwrap();
    s.write_all(&frame(0x89, b"ping!")).unwrap();
    s.write_all(&frame(0x00, b"ment")).unwrap();
    s.write_all(&frame(0x80, b"ed")).unwrap();
    assert_eq!(read_frame(&mut s), (0x8A, b"ping!".to_vec()));
    assert_eq!(read_frame(&mut s), (0x81, b"fragmented".to_vec()));
}

fn invalid_utf8_fails_fast_with_1007(backend: Backend) {
    let server = echo_server(backend);
    let mut s = open(&server, "/echo");
    // The first fragment is already invalid: the close comes before the message ends.
    s.write_all(&frame(0x01, b"ok \xff")).unwrap();
    expect_close(&mut s, 1007);
}

fn protocol_errors_close_with_1002(backend: Backend) {
    let server = echo_server(backend);
    for bad in [
        vec![0x81u8, 0x01, b'x'],            // unmasked
        frame(0xC1, b"x"),                   // RSV1 without an extension
        frame(0x83, b"x"),                   // reserved opcode
        frame(0x80, b"x"),                   // continuation with nothing to continue
        frame(0x88, &[0x03]),                // one-byte close payload
        frame(0x88, &1005u16.to_be_bytes()), // reserved close code
    ] {
        let mut s = open(&server, "/echo");
        s.write_all(&bad).unwrap();
        expect_close(&mut s, 1002);
    }
}

fn handler_that_returns_closes_with_1000(backend: Backend) {
    let server = echo_server(backend);
    let mut s = open(&server, "/hello-and-bye");
    assert_eq!(read_frame(&mut s), (0x81, b"hello".to_vec()));
    let (b0, payload) = read_frame(&mut s);
    assert_eq!((b0, payload), (0x88, 1000u16.to_be_bytes().to_vec()));
    s.write_all(&frame(0x88, &1000u16.to_be_bytes())).unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
}

fn bad_handshakes_are_refused(backend: Backend) {
    let server = echo_server(backend);
    let no_key = b"GET /echo HTTP/1.1\r\nHost: a\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nConnection: close\r\n\r\n";
    let resps = support::exchange(server.local_addr(), no_key, &[]);
    assert_eq!(resps[0].status, 400);
    let old = String::from_utf8(HANDSHAKE.to_vec())
        .unwrap()
        .replace("Version: 13", "Version: 8")
        .replace("\r\n\r\n", "\r\nConnection: close\r\n\r\n");
    let resps = support::exchange(server.local_addr(), old.as_bytes(), &[]);
    assert_eq!(resps[0].status, 426);
    assert_eq!(resps[0].header("sec-websocket-version"), Some("13"));
}

fn a_silent_peer_is_pinged_then_closed_with_1001(backend: Backend) {
    let timeouts = keep_alive(Duration::from_millis(300), Duration::from_millis(800));
    let server = echo_server_with(backend, |b| b.timeouts(timeouts));
    // Taken before the session starts, so the server's clocks run no earlier.
    let start = Instant::now();
    let mut s = open(&server, "/echo");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    // Pings (empty, one per interval of silence) until the idle timeout closes with 1001.
    let mut pings = 0;
    let close = loop {
        match read_frame(&mut s) {
            (0x89, payload) => {
                assert!(payload.is_empty(), "{payload:?}");
                if pings == 0 {
                    assert!(start.elapsed() >= Duration::from_millis(300));
                }
                pings += 1;
            }
            other => break other,
        }
    };
    assert!(pings >= 1, "no ping before the idle close");
    assert_eq!(close, (0x88, 1001u16.to_be_bytes().to_vec()));
    let closed_at = start.elapsed();
    assert!(closed_at >= Duration::from_millis(800), "{closed_at:?}");
    // The close goes unanswered too: the server drops the connection (after 2 s).
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    let dropped_at = start.elapsed();
    assert!(
        dropped_at >= closed_at + Duration::from_millis(1500),
        "{closed_at:?} {dropped_at:?}"
    );
}

fn a_peer_that_answers_pings_stays_open_past_the_idle_timeout(backend: Backend) {
    let timeouts = keep_alive(Duration::from_millis(100), Duration::from_millis(400));
    let server = echo_server_with(backend, |b| b.timeouts(timeouts));
    let mut s = open(&server, "/echo");
    s.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let start = Instant::now();
    let mut pongs = 0;
    while start.elapsed() < Duration::from_millis(1200) {
        let (b0, payload) = read_frame(&mut s);
        assert_eq!((b0, payload.len()), (0x89, 0), "only pings while silent");
        s.write_all(&frame(0x8A, &payload)).unwrap();
        pongs += 1;
    }
    assert!(pongs >= 3, "{pongs} pongs in 1.2 s");
    // Three idle timeouts later, the session still echoes.
    s.write_all(&frame(0x81, b"still here")).unwrap();
    let echoed = loop {
        match read_frame(&mut s) {
            (0x89, payload) => s.write_all(&frame(0x8A, &payload)).unwrap(),
            other => break other,
        }
    };
    assert_eq!(echoed, (0x81, b"still here".to_vec()));
    s.write_all(&frame(0x88, &1000u16.to_be_bytes())).unwrap();
    let (b0, payload) = read_frame(&mut s);
    assert_eq!((b0, payload), (0x88, 1000u16.to_be_bytes().to_vec()));
}

fn a_peer_that_never_reads_hits_the_write_timeout(backend: Backend) {
    let timeouts = Timeouts {
        write: Duration::from_millis(300),
        ..Timeouts::default()
    };
    let server = echo_server_with(backend, |b| b.timeouts(timeouts));
    let (ended_tx, ended) = mpsc::channel();
    server
        .router()
        .get(
            "/flood",
            ws::upgrade(move |socket| {
                // Signals when the session function ends, returned or dropped.
                let guard = Signal(ended_tx.clone());
                async move {
                    let _guard = guard;
                    let chunk = bytes::Bytes::from(vec![7u8; 256 * 1024]);
                    // Sends until the session is gone.
                    loop {
                        let msg = ws::Message::Binary(chunk.clone());
                        if socket.send(msg).await.is_err() {
                            break;
                        }
                    }
                }
            }),
        )
        .unwrap();
    let start = Instant::now();
    let s = open(&server, "/flood");
    // The client keeps the connection open and reads nothing.
    ended.recv_timeout(Duration::from_secs(10)).unwrap();
    while server.connections() > 0 && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(10));
    }
    let elapsed = start.elapsed();
    assert_eq!(server.connections(), 0, "still open after {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
    drop(s);
}

/// Sends `()` when dropped.
struct Signal(mpsc::Sender<()>);

impl Drop for Signal {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

fn graceful_shutdown_closes_sessions_with_1001(backend: Backend) {
    let server = echo_server(backend);
    let (observed_tx, observed) = mpsc::channel();
    server
        .router()
        .get(
            "/observe",
            ws::upgrade(move |mut socket| {
                let observed = observed_tx.clone();
                async move {
                    while let Some(msg) = socket.recv().await {
                        let _ = socket.send(msg).await;
                    }
                    // The handler sees the close like any other: `recv` ends.
                    let _ = observed.send(());
                }
            }),
        )
        .unwrap();
    let mut s = open(&server, "/observe");
    s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    s.write_all(&frame(0x81, b"before")).unwrap();
    assert_eq!(read_frame(&mut s), (0x81, b"before".to_vec()));
    let grace = Duration::from_secs(10);
    let stopper = std::thread::spawn(move || {
        let start = Instant::now();
        let clean = server.shutdown(grace);
        (clean, start.elapsed())
    });
    assert_eq!(read_frame(&mut s), (0x88, 1001u16.to_be_bytes().to_vec()));
    observed.recv_timeout(Duration::from_secs(5)).unwrap();
    // The client completes the close handshake; the server then ends the stream.
    s.write_all(&frame(0x88, &1001u16.to_be_bytes())).unwrap();
    let mut rest = Vec::new();
    s.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty());
    let (clean, took) = stopper.join().unwrap();
    assert!(clean, "shutdown was not clean");
    assert!(
        took < Duration::from_secs(3),
        "shutdown took {took:?} of {grace:?}"
    );
}

support::on_each_backend!(
    echoes_text_and_binary_of_every_length_form,
    assembles_fragments_with_interleaved_ping,
    invalid_utf8_fails_fast_with_1007,
    protocol_errors_close_with_1002,
    handler_that_returns_closes_with_1000,
    bad_handshakes_are_refused,
    a_silent_peer_is_pinged_then_closed_with_1001,
    a_peer_that_answers_pings_stays_open_past_the_idle_timeout,
    a_peer_that_never_reads_hits_the_write_timeout,
    graceful_shutdown_closes_sessions_with_1001,
);

//! WebSocket over real sockets with a hand-rolled client: handshake, echo, fragmentation,
//! ping/pong, UTF-8 checks, masking, and the close handshake.

// Test helpers may unwrap: a panic is a failing test with a location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;

use covet_core::{Backend, Router, Server, ws};

fn echo_server(backend: Backend) -> Server {
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
    Server::builder(router)
        .bind("127.0.0.1:0".parse().unwrap())
        .workers(1)
        .backend(backend)
        .start()
        .unwrap()
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

support::on_each_backend!(
    echoes_text_and_binary_of_every_length_form,
    assembles_fragments_with_interleaved_ping,
    invalid_utf8_fails_fast_with_1007,
    protocol_errors_close_with_1002,
    handler_that_returns_closes_with_1000,
    bad_handshakes_are_refused,
);

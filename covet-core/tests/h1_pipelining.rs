//! Pipelining: every complete request in a read is answered, in order, whatever the
//! segmentation of the byte stream.

// Test bodies run once per backend (plain functions, not `#[test]`s): a panic is a failing
// test with a location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::Write;
use std::time::Duration;

use covet_core::Backend;

use support::{SENTINEL, TestServer, connect, parse_responses, read_to_close};

/// 16 GETs, a POST with a body, a chunked POST, a GET with a parameter, then the sentinel.
fn burst() -> Vec<u8> {
    let mut v = b"GET / HTTP/1.1\r\nHost: a\r\n\r\n".repeat(16);
    v.extend_from_slice(b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello");
    v.extend_from_slice(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x\r\nde\r\n0\r\n\r\n",
    );
    v.extend_from_slice(b"GET /users/42 HTTP/1.1\r\nHost: a\r\n\r\n");
    v.extend_from_slice(SENTINEL);
    v
}

fn check(data: &[u8]) {
    let (resps, left) = parse_responses(data, &[]);
    assert_eq!(left, 0);
    assert_eq!(resps.len(), 20, "{resps:#?}");
    assert!(resps.iter().all(|r| r.status == 200));
    assert!(resps[..16].iter().all(|r| r.body == b"OK"));
    assert_eq!(resps[16].body, b"hello");
    assert_eq!(resps[17].body, b"abcde");
    assert_eq!(resps[18].body, b"user 42");
    assert!(resps[19].closes());
}

fn one_write_gets_every_response_in_order(backend: Backend) {
    let server = TestServer::on(backend);
    let mut s = connect(server.addr());
    s.write_all(&burst()).unwrap();
    check(&read_to_close(&mut s));
}

fn split_at_every_byte_boundary_gives_the_same_responses(backend: Backend) {
    let server = TestServer::on(backend);
    let payload = burst();
    for cut in 1..payload.len() {
        let mut s = connect(server.addr());
        s.write_all(&payload[..cut]).unwrap();
        // Give the server a chance to see the first part alone.
        if cut % 64 == 0 {
            std::thread::sleep(Duration::from_millis(1));
        }
        s.write_all(&payload[cut..]).unwrap();
        check(&read_to_close(&mut s));
    }
}

fn one_byte_writes_give_the_same_responses(backend: Backend) {
    let server = TestServer::on(backend);
    let payload = burst();
    let mut s = connect(server.addr());
    for b in &payload {
        s.write_all(std::slice::from_ref(b)).unwrap();
    }
    check(&read_to_close(&mut s));
}

support::on_each_backend!(
    one_write_gets_every_response_in_order,
    split_at_every_byte_boundary_gives_the_same_responses,
    one_byte_writes_give_the_same_responses,
);

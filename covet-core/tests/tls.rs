//! TLS termination (feature `tls-rustls`): HTTP/1.1 over rustls with a self-signed
//! certificate made by rcgen, spoken to by a blocking rustls client.

// Test helpers may unwrap: a panic is a failing test with a location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use covet_core::Timeouts;
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer, ServerName};
use support::{SENTINEL, TestServer, parse_responses};

struct Pki {
    server: Arc<rustls::ServerConfig>,
    client: Arc<rustls::ClientConfig>,
}

fn pki() -> Pki {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let cert = certified.cert.der().clone();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let mut server = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert.clone()], key)
        .unwrap();
    server.alpn_protocols = vec![b"http/1.1".to_vec()];
    let mut roots = rustls::RootCertStore::empty();
    roots.add(cert).unwrap();
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    Pki {
        server: Arc::new(server),
        client: Arc::new(client),
    }
}

/// Sends `payload` over TLS and reads until the server closes.
fn tls_exchange(
    server: &TestServer,
    client: &Arc<rustls::ClientConfig>,
    payload: &[u8],
) -> Vec<u8> {
    let conn =
        rustls::ClientConnection::new(client.clone(), ServerName::try_from("localhost").unwrap())
            .unwrap();
    let sock = TcpStream::connect(server.addr()).unwrap();
    sock.set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let mut tls = rustls::StreamOwned::new(conn, sock);
    tls.write_all(payload).unwrap();
    let mut out = Vec::new();
    match tls.read_to_end(&mut out) {
        Ok(_) => {}
        // A peer that closes without close_notify would show up here; covet sends it.
        Err(e) => panic!(
            "TLS read failed after {:?}: {e}",
            String::from_utf8_lossy(&out)
        ),
    }
    out
}

#[test]
fn pipelined_requests_over_tls() {
    let pki = pki();
    let config = pki.server.clone();
    let server = TestServer::start_with(move |b| b.tls(config));
    let mut payload = b"GET /users/5 HTTP/1.1\r\nHost: a\r\n\r\n".to_vec();
    payload.extend_from_slice(
        b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
    );
    payload.extend_from_slice(SENTINEL);
    let data = tls_exchange(&server, &pki.client, &payload);
    let (resps, left) = parse_responses(&data, &[]);
    assert_eq!(left, 0);
    let bodies: Vec<&[u8]> = resps.iter().map(|r| r.body.as_slice()).collect();
    assert_eq!(bodies, [&b"user 5"[..], b"abc", b"OK"]);
}

#[test]
fn framing_errors_close_tls_connections_too() {
    let pki = pki();
    let config = pki.server.clone();
    let server = TestServer::start_with(move |b| b.tls(config));
    let mut payload =
        b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
            .to_vec();
    payload.extend_from_slice(SENTINEL);
    let data = tls_exchange(&server, &pki.client, &payload);
    let (resps, _) = parse_responses(&data, &[]);
    assert_eq!(resps.iter().map(|r| r.status).collect::<Vec<_>>(), [400]);
    assert!(resps[0].closes());
}

#[test]
fn plain_http_to_a_tls_port_gets_no_http_answer() {
    let pki = pki();
    let config = pki.server;
    let server = TestServer::start_with(move |b| b.tls(config));
    let mut s = support::connect(server.addr());
    s.write_all(SENTINEL).unwrap();
    let data = support::read_to_close(&mut s);
    assert!(
        !data.starts_with(b"HTTP/1.1"),
        "{:?}",
        String::from_utf8_lossy(&data)
    );
}

#[test]
fn a_stalled_handshake_is_dropped_at_the_header_timeout() {
    let pki = pki();
    let config = pki.server;
    let timeouts = Timeouts {
        header_read: Duration::from_millis(300),
        ..Timeouts::default()
    };
    let server = TestServer::start_with(move |b| b.tls(config).timeouts(timeouts));
    let mut s = support::connect(server.addr());
    let start = Instant::now();
    let data = support::read_to_close(&mut s);
    assert!(data.is_empty());
    let took = start.elapsed();
    assert!(
        took >= Duration::from_millis(250) && took < Duration::from_secs(2),
        "{took:?}"
    );
}

/// TLS is served on the epoll backend only: asking for it on io_uring fails at start with a
/// configuration error, and nothing is left listening.
#[cfg(all(feature = "io-uring", target_os = "linux"))]
#[test]
fn tls_on_the_io_uring_backend_is_refused_at_start() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], port).into();
    let err = covet_core::Server::builder(covet_core::Router::new())
        .bind(addr)
        .backend(covet_core::Backend::IoUring)
        .tls(pki().server)
        .start()
        .unwrap_err();
    assert!(err.is_config(), "{err:?}");
    assert!(err.to_string().contains("TLS"), "{err}");
    assert!(
        TcpStream::connect(addr).is_err(),
        "a listener was left open"
    );
}

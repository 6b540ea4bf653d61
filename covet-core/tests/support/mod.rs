//! Shared helpers for the integration tests: an in-process server on a free loopback port,
//! and a raw-socket client that splits responses apart.
#![allow(dead_code)]
// Test helpers: a panic is a failing test with a location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use covet_core::{Backend, Request, Response, Router, Server, ServerBuilder, handler, probe};

/// A server running the probe contract plus a few test routes; shut down on drop.
pub(crate) struct TestServer {
    server: Option<Server>,
}

impl TestServer {
    /// The probe server with default settings and one worker.
    pub(crate) fn start() -> Self {
        Self::start_with(|b| b)
    }

    /// The probe server with default settings and one worker, on `backend`.
    pub(crate) fn on(backend: Backend) -> Self {
        Self::start_with(|b| b.backend(backend))
    }

    /// The probe server, configured by `f`.
    pub(crate) fn start_with(f: impl FnOnce(ServerBuilder) -> ServerBuilder) -> Self {
        let router = test_router();
        let builder = Server::builder(router)
            .bind("127.0.0.1:0".parse().unwrap())
            .workers(1);
        Self {
            server: Some(f(builder).start().unwrap()),
        }
    }

    pub(crate) fn addr(&self) -> SocketAddr {
        self.server.as_ref().unwrap().local_addr()
    }

    pub(crate) fn server(&self) -> &Server {
        self.server.as_ref().unwrap()
    }

    pub(crate) fn shutdown(mut self, grace: Duration) -> bool {
        self.server.take().unwrap().shutdown(grace)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown(Duration::ZERO);
        }
    }
}

/// For each `fn NAME(backend: Backend)` named, a module `NAME` with one test per backend:
/// `NAME::epoll`, and `NAME::io_uring` when the suite is built with the `io-uring` feature (on
/// Linux), so the same test body runs against both backends.
#[allow(unused_macros)]
macro_rules! on_each_backend {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[test]
            fn epoll() {
                super::$name(covet_core::Backend::Epoll);
            }

            #[cfg(all(feature = "io-uring", target_os = "linux"))]
            #[test]
            fn io_uring() {
                super::$name(covet_core::Backend::IoUring);
            }
        }
    )*};
}
#[allow(unused_imports)]
pub(crate) use on_each_backend;

/// The probe routes plus `/stream`, `/slow?ms=N`, `/json`, `/users/{id}`, `/files/{*path}`,
/// `/blocking` and `/status/{code}`.
pub(crate) fn test_router() -> Router {
    let router = probe::router().unwrap();
    router
        .get("/stream", |_req: Request| async move {
            let (resp, tx) = Response::stream(4);
            tokio::spawn(async move {
                for part in ["one ", "two ", "three"] {
                    if tx.send(part).await.is_err() {
                        return;
                    }
                }
            });
            resp
        })
        .unwrap();
    router
        .get("/slow", |req: Request| async move {
            let ms: u64 = req
                .query_param("ms")
                .and_then(|v| v.parse().ok())
                .unwrap_or(100);
            tokio::time::sleep(Duration::from_millis(ms)).await;
            Response::text("slow done")
        })
        .unwrap();
    router
        .get(
            "/json",
            handler::ready(|_| Response::json(&serde_json::json!({"message": "Hello, World!"}))),
        )
        .unwrap();
    router
        .get(
            "/users/{id}",
            handler::ready(|req| Response::text(format!("user {}", req.param("id").unwrap()))),
        )
        .unwrap();
    router
        .get(
            "/files/{*path}",
            handler::ready(|req| Response::text(format!("file {}", req.param("path").unwrap()))),
        )
        .unwrap();
    router
        .post(
            "/blocking",
            handler::blocking(|req| {
                std::thread::sleep(Duration::from_millis(20));
                Response::bytes(req.into_body())
            }),
        )
        .unwrap();
    router
        .get(
            "/status/{code}",
            handler::ready(|req| {
                let code = req.param("code").unwrap().parse().unwrap_or(500);
                Response::text("body that must not be sent").status(code)
            }),
        )
        .unwrap();
    router
}

/// One parsed response.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Resp {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Resp {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub(crate) fn closes(&self) -> bool {
        self.header("connection")
            .is_some_and(|v| v.eq_ignore_ascii_case("close"))
    }
}

/// Splits a byte stream into responses. `head_requests[i]` says whether the i-th final
/// response answers a HEAD request (no body). Interim 1xx responses are returned too.
/// Returns the responses and whether trailing bytes were left unparsed.
pub(crate) fn parse_responses(mut data: &[u8], head_requests: &[bool]) -> (Vec<Resp>, usize) {
    let mut out = Vec::new();
    let mut finals = 0;
    while let Some(end) = find(data, b"\r\n\r\n") {
        let head = std::str::from_utf8(&data[..end]).expect("response head is UTF-8");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        assert!(
            status_line.starts_with("HTTP/1.1 "),
            "bad status line {status_line:?}"
        );
        let status: u16 = status_line[9..12].parse().unwrap();
        let headers: Vec<(String, String)> = lines
            .map(|l| {
                let (n, v) = l.split_once(':').expect("header has a colon");
                (n.to_string(), v.trim().to_string())
            })
            .collect();
        let mut resp = Resp {
            status,
            headers,
            body: Vec::new(),
        };
        let mut rest = &data[end + 4..];
        let is_head = status >= 200 && head_requests.get(finals).copied().unwrap_or(false);
        if status >= 200 {
            finals += 1;
        }
        if !(is_head || status < 200 || status == 204 || status == 304) {
            if let Some(len) = resp.header("content-length") {
                let len: usize = len.parse().unwrap();
                if rest.len() < len {
                    break;
                }
                resp.body = rest[..len].to_vec();
                rest = &rest[len..];
            } else if resp.header("transfer-encoding").is_some() {
                loop {
                    let Some(line_end) = find(rest, b"\r\n") else {
                        return (out, data.len());
                    };
                    let size =
                        usize::from_str_radix(std::str::from_utf8(&rest[..line_end]).unwrap(), 16)
                            .unwrap();
                    rest = &rest[line_end + 2..];
                    if size == 0 {
                        assert!(rest.starts_with(b"\r\n"));
                        rest = &rest[2..];
                        break;
                    }
                    resp.body.extend_from_slice(&rest[..size]);
                    rest = &rest[size + 2..];
                }
            } else {
                resp.body = rest.to_vec();
                rest = &[];
            }
        }
        out.push(resp);
        data = rest;
    }
    (out, data.len())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// Connects, with a read timeout so a hung test fails instead of hanging.
pub(crate) fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Reads until the server closes; panics if it does not within the read timeout.
pub(crate) fn read_to_close(s: &mut TcpStream) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return out,
            Err(e) => panic!(
                "server did not close: {e}; read so far {:?}",
                String::from_utf8_lossy(&out)
            ),
        }
    }
}

/// Reads until `n` complete final responses have arrived (the connection stays open).
pub(crate) fn read_responses(s: &mut TcpStream, n: usize, head_requests: &[bool]) -> Vec<Resp> {
    let mut data = Vec::new();
    let mut buf = [0u8; 65536];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (resps, _) = parse_responses(&data, head_requests);
        if resps.iter().filter(|r| r.status >= 200).count() >= n {
            return resps;
        }
        assert!(
            Instant::now() < deadline,
            "timed out waiting for {n} responses"
        );
        let k = s.read(&mut buf).unwrap();
        assert!(k > 0, "closed after {:?}", String::from_utf8_lossy(&data));
        data.extend_from_slice(&buf[..k]);
    }
}

/// Sends `payload` then reads until close; returns the parsed responses.
pub(crate) fn exchange(addr: SocketAddr, payload: &[u8], head_requests: &[bool]) -> Vec<Resp> {
    let mut s = connect(addr);
    s.write_all(payload).unwrap();
    let data = read_to_close(&mut s);
    let (resps, left) = parse_responses(&data, head_requests);
    assert_eq!(
        left,
        0,
        "unparsed bytes after {resps:?}: {:?}",
        String::from_utf8_lossy(&data)
    );
    resps
}

/// A final request that makes the server close after answering it.
pub(crate) const SENTINEL: &[u8] = b"GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";

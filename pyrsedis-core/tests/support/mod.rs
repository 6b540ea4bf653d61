//! Shared helpers for the integration tests: a fault-injecting TCP proxy and a scripted fake
//! server, both on loopback.
#![allow(dead_code)]
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// A TCP proxy in front of a real server. Replies (server to client) can be dribbled one byte
/// at a time with a delay, to make a reply arrive slower than the client's timeout.
#[derive(Debug)]
pub(crate) struct Proxy {
    pub(crate) addr: SocketAddr,
    /// Delay before each byte of the server's replies, in milliseconds (0 = pass through).
    pub(crate) dribble_ms: Arc<AtomicU64>,
}

impl Proxy {
    pub(crate) async fn start(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let dribble_ms = Arc::new(AtomicU64::new(0));
        let delay = Arc::clone(&dribble_ms);
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = TcpStream::connect(upstream).await else {
                    continue;
                };
                let (mut cr, mut cw) = client.into_split();
                let (mut sr, mut sw) = server.into_split();
                tokio::spawn(async move {
                    let _ = tokio::io::copy(&mut cr, &mut sw).await;
                });
                let delay = Arc::clone(&delay);
                tokio::spawn(async move {
                    let mut buf = vec![0u8; 64 * 1024];
                    loop {
                        let n = match sr.read(&mut buf).await {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let ms = delay.load(Ordering::SeqCst);
                        if ms == 0 {
                            if cw.write_all(&buf[..n]).await.is_err() {
                                break;
                            }
                            continue;
                        }
                        for byte in &buf[..n] {
                            tokio::time::sleep(Duration::from_millis(ms)).await;
                            if cw.write_all(std::slice::from_ref(byte)).await.is_err() {
                                return;
                            }
                        }
                    }
                });
            }
        });
        Proxy { addr, dribble_ms }
    }

    pub(crate) fn url(&self) -> String {
        format!("redis://{}", self.addr)
    }
}

/// A fake server: for each accepted connection, for each step, reads until the request
/// contains `expect` (if any), then writes `reply`. Returns its address.
pub(crate) async fn fake_server(steps: Vec<(&'static [u8], &'static [u8])>) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            let steps = steps.clone();
            tokio::spawn(async move {
                let mut seen = Vec::new();
                for (expect, reply) in steps {
                    while !contains(&seen, expect) {
                        let mut buf = [0u8; 4096];
                        match sock.read(&mut buf).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => seen.extend_from_slice(&buf[..n]),
                        }
                    }
                    let at = find(&seen, expect).unwrap_or(0) + expect.len();
                    seen.drain(..at);
                    if sock.write_all(reply).await.is_err() {
                        return;
                    }
                }
                // Keep the socket open until the client goes away.
                let mut buf = [0u8; 1024];
                while matches!(sock.read(&mut buf).await, Ok(n) if n > 0) {}
            });
        }
    });
    addr
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    find(hay, needle).is_some()
}

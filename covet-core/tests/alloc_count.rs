//! No heap allocation per request on the keep-alive GET path: a counting global allocator
//! around a real server and client in this process, after warm-up, on each backend (io_uring
//! when the suite is built with the `io-uring` feature).

// Test helpers may unwrap: a panic is a failing test with a location.
#![allow(clippy::unwrap_used)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use covet_core::{Backend, Response, Router, Server, handler};

struct Counting;

static ALLOCS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so the
// `GlobalAlloc` contract holds exactly as it does for `System`.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged; the caller upholds `alloc`'s contract.
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through `alloc`/`realloc` above.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: forwarded unchanged; `ptr` came from `System`.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Sends `req` and reads exactly one response of `len` bytes, without allocating.
fn round_trip(conn: &mut std::net::TcpStream, req: &[u8], buf: &mut [u8], len: usize) {
    conn.write_all(req).unwrap();
    let mut got = 0;
    while got < len {
        let n = conn.read(&mut buf[got..]).unwrap();
        assert!(n > 0, "server closed");
        got += n;
    }
    assert_eq!(got, len);
}

fn allocations_per_request(backend: Backend, path: &str) -> f64 {
    let router = Router::new();
    router
        .get(
            "/plaintext",
            handler::ready(|_| Response::text("Hello, World!")),
        )
        .unwrap();
    router
        .get(
            "/users/{id}",
            handler::ready(|req| {
                Response::text(if req.param("id").as_deref() == Some("42") {
                    "user 42"
                } else {
                    "other"
                })
            }),
        )
        .unwrap();
    // An async handler boxes its future: this path must show up in the count.
    router
        .get("/boxed", |_req: covet_core::Request| async {
            Response::text("boxed")
        })
        .unwrap();
    let server = Server::builder(router)
        .bind("127.0.0.1:0".parse().unwrap())
        .workers(1)
        .backend(backend)
        .start()
        .unwrap();
    let mut conn = std::net::TcpStream::connect(server.local_addr()).unwrap();
    conn.set_nodelay(true).unwrap();
    let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nAccept: */*\r\n\r\n").into_bytes();
    let mut buf = vec![0u8; 4096];
    // Learn the response length, then warm up (buffers, thread-locals, epoch handles).
    conn.write_all(&req).unwrap();
    let len = conn.read(&mut buf).unwrap();
    assert!(buf[..len].starts_with(b"HTTP/1.1 200 OK\r\n"));
    for _ in 0..200 {
        round_trip(&mut conn, &req, &mut buf, len);
    }
    const N: usize = 2000;
    let before = ALLOCS.load(Ordering::Relaxed);
    for _ in 0..N {
        round_trip(&mut conn, &req, &mut buf, len);
    }
    let after = ALLOCS.load(Ordering::Relaxed);
    drop(conn);
    server.shutdown(std::time::Duration::from_secs(1));
    (after - before) as f64 / N as f64
}

/// One test, so no other test thread allocates while the counter is read (the counter is
/// process-wide).
#[test]
fn keep_alive_get_allocates_nothing_per_request() {
    let mut backends = vec![Backend::Epoll];
    if cfg!(all(feature = "io-uring", target_os = "linux")) {
        backends.push(Backend::IoUring);
    }
    for backend in backends {
        let plaintext = allocations_per_request(backend, "/plaintext");
        let param = allocations_per_request(backend, "/users/42");
        assert!(
            plaintext == 0.0 && param == 0.0,
            "{backend:?}: allocations per request: /plaintext {plaintext}, /users/42 {param}"
        );
        // The counter does see allocations: an async handler boxes its future per request.
        let boxed = allocations_per_request(backend, "/boxed");
        assert!(
            boxed >= 1.0,
            "{backend:?}: a boxed future per request should count, got {boxed}"
        );
    }
}

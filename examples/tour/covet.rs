//! covet-core: start an HTTP/1.1 server on a free loopback port, send a few raw requests
//! (including a pipelined burst and a request-smuggling attempt), print what comes back, and
//! shut down gracefully.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use covet_core::{Request, Response, Router, Server, handler};

/// Sends `raw` on a fresh connection and returns everything the server answers until it
/// closes.
fn exchange(addr: std::net::SocketAddr, raw: &[u8]) -> std::io::Result<String> {
    let mut conn = TcpStream::connect(addr)?;
    conn.set_read_timeout(Some(Duration::from_secs(5)))?;
    conn.write_all(raw)?;
    let mut out = Vec::new();
    conn.read_to_end(&mut out)?;
    Ok(String::from_utf8_lossy(&out).into_owned())
}

/// Status lines and bodies, without the Date header (which changes every second).
fn summary(raw: &str) -> String {
    raw.replace("HTTP/1.1 ", "\nHTTP/1.1 ")
        .trim_start()
        .lines()
        .filter(|l| !l.starts_with("Date:"))
        .map(|l| format!("    {l}\n"))
        .collect()
}

pub(crate) fn run() -> Result<(), Box<dyn std::error::Error>> {
    let router = Router::new();
    router.get(
        "/plaintext",
        handler::ready(|_| Response::text("Hello, World!")),
    )?;
    router.get("/users/{id}", |req: Request| async move {
        Response::json(&serde_json::json!({ "id": req.param("id") }))
    })?;
    router.post(
        "/echo",
        handler::ready(|req| Response::bytes(req.into_body())),
    )?;
    let server = Server::builder(router)
        .bind("127.0.0.1:0".parse()?)
        .workers(2)
        .start()?;
    let addr = server.local_addr();
    println!("covet: listening on {addr} (2 workers, SO_REUSEPORT)");

    let pipelined = [
        &b"GET /plaintext HTTP/1.1\r\nHost: tour\r\n\r\n"[..],
        b"GET /users/42 HTTP/1.1\r\nHost: tour\r\n\r\n",
        b"POST /echo HTTP/1.1\r\nHost: tour\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        b"GET /nope HTTP/1.1\r\nHost: tour\r\nConnection: close\r\n\r\n",
    ]
    .concat();
    let reply = exchange(addr, &pipelined)?;
    let count = reply.matches("HTTP/1.1 ").count();
    println!(
        "covet: 4 pipelined requests in one write -> {count} responses:\n{}",
        summary(&reply)
    );
    if count != 4 || !reply.contains("Hello, World!") || !reply.contains(r#"{"id":"42"}"#) {
        return Err("unexpected answer to the pipelined burst".into());
    }

    let smuggle = b"POST /echo HTTP/1.1\r\nHost: tour\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /plaintext HTTP/1.1\r\nHost: tour\r\n\r\n";
    let reply = exchange(addr, smuggle)?;
    println!("covet: CL.TE smuggling attempt ->\n{}", summary(&reply));
    if !reply.starts_with("HTTP/1.1 400 ") || reply.matches("HTTP/1.1 ").count() != 1 {
        return Err("the smuggling attempt was not rejected with exactly one 400".into());
    }

    let clean = server.shutdown(Duration::from_secs(1));
    println!(
        "covet: graceful shutdown {}",
        if clean {
            "finished in time"
        } else {
            "timed out"
        }
    );
    if !clean {
        return Err("shutdown did not finish within its grace period".into());
    }
    Ok(())
}

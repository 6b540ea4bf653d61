//! A WebSocket echo server on covet-core (every text and binary message is sent back), for
//! Autobahn-style conformance runs such as kosoku.
//!
//! ```text
//! cargo run --release -p examples --example ws_echo -- --port 9001
//! kosoku -x '12.*' -x '13.*' 127.0.0.1:9001
//! ```

use std::net::SocketAddr;

use covet_core::{Router, Server, ws};

fn port_arg() -> Result<u16, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--port") {
        Some(i) => Ok(args.get(i + 1).ok_or("--port needs a value")?.parse()?),
        None => Ok(9001),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let router = Router::new();
    let echo = ws::upgrade(|mut socket| async move {
        while let Some(msg) = socket.recv().await {
            if socket.send(msg).await.is_err() {
                break;
            }
        }
    });
    // Autobahn clients connect to `/` (and kosoku to `/runCase?...`); serve the echo anywhere.
    router.get("/", echo.clone())?;
    router.get("/{*path}", echo)?;
    let addr = SocketAddr::from(([127, 0, 0, 1], port_arg()?));
    let server = Server::builder(router).bind(addr).start()?;
    println!("ws_echo listening on ws://{}", server.local_addr());
    server.wait();
    Ok(())
}

//! The Http11Probe server contract on covet-core: `GET /`, `HEAD /`, `POST /` (echoes the
//! body), `OPTIONS /`, and `POST /echo` (echoes the request headers as `Name: Value` lines).
//!
//! ```text
//! cargo run --release -p examples --example covet_probe_server -- --port 8080
//! ```
//!
//! Point Http11Probe (or `curl`, or the corpus in `covet-core/tests/h1_conformance.rs`) at it.

use std::net::SocketAddr;

fn port_arg() -> Result<u16, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--port") {
        Some(i) => Ok(args.get(i + 1).ok_or("--port needs a value")?.parse()?),
        None => Ok(8080),
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port_arg()?));
    let server = covet_core::Server::builder(covet_core::probe::router()?)
        .bind(addr)
        .start()?;
    println!(
        "covet_probe_server listening on http://{}",
        server.local_addr()
    );
    server.wait();
    Ok(())
}

//! A benchmark-style server: `/plaintext`, `/json` and `/users/{id}` among the 130 routes of
//! the GitHub API, on one thread per core with `SO_REUSEPORT`.
//!
//! ```text
//! cargo run --release -p examples --example hello_server -- --port 8080
//! curl http://127.0.0.1:8080/users/42
//! ```

use std::net::SocketAddr;

use covet_core::{Response, Router, Server, handler};

#[path = "../covet-core/benches/github_routes.rs"]
#[allow(dead_code)]
mod github_routes;

fn port_arg() -> Result<u16, Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == "--port") {
        Some(i) => Ok(args.get(i + 1).ok_or("--port needs a value")?.parse()?),
        None => Ok(8080),
    }
}

#[derive(serde::Serialize)]
struct Message {
    message: &'static str,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let router = Router::new();
    router.get(
        "/plaintext",
        handler::ready(|_| Response::text("Hello, World!")),
    )?;
    router.get(
        "/json",
        handler::ready(|_| {
            Response::json(&Message {
                message: "Hello, World!",
            })
        }),
    )?;
    for route in github_routes::ROUTES {
        if *route == "/users/{p1}" {
            router.get(
                "/users/{id}",
                handler::ready(|req| {
                    Response::text(format!("user {}", req.param("id").as_deref().unwrap_or("")))
                }),
            )?;
        } else {
            router.get(
                route,
                handler::ready(|req| Response::text(req.path().to_owned())),
            )?;
        }
    }
    let addr = SocketAddr::from(([127, 0, 0, 1], port_arg()?));
    let server = Server::builder(router).bind(addr).start()?;
    println!("hello_server listening on http://{}", server.local_addr());
    server.wait();
    Ok(())
}

//! A strict, fast HTTP/1.1 server engine on tokio.
//!
//! `covet-core` is the engine behind CovetPy: a server that runs one current-thread tokio
//! runtime per core with `SO_REUSEPORT`, parses requests with httparse plus the strictness
//! of RFC 9112 and RFC 9110 (so request smuggling payloads get a 4xx and a closed
//! connection, never two interpretations), routes them through a lock-free trie, and answers
//! pipelined requests with one write per batch. WebSocket ([`ws`]), metrics ([`metrics`]) and
//! TLS (feature `tls-rustls`) come with it.
//!
//! # Example
//!
//! ```
//! use std::io::{Read, Write};
//! use covet_core::{handler, Response, Router, Server};
//!
//! let router = Router::new();
//! router.get("/plaintext", handler::ready(|_req| Response::text("Hello, World!")))?;
//! router.get("/users/{id}", |req: covet_core::Request| async move {
//!     Response::text(format!("user {}", req.param("id").as_deref().unwrap_or("?")))
//! })?;
//!
//! let server = Server::builder(router).bind("127.0.0.1:0".parse()?).workers(1).start()?;
//! let mut conn = std::net::TcpStream::connect(server.local_addr())?;
//! conn.write_all(b"GET /users/7 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
//! let mut reply = String::new();
//! conn.read_to_string(&mut reply)?;
//! assert!(reply.starts_with("HTTP/1.1 200 OK\r\n"));
//! assert!(reply.ends_with("\r\n\r\nuser 7"));
//! assert!(server.shutdown(std::time::Duration::from_secs(1)));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: configured
//!
//! ```
//! use std::time::Duration;
//! use covet_core::{ListenMode, Limits, Response, Router, Server, Timeouts};
//!
//! let server = Server::builder(Router::new())
//!     .bind("127.0.0.1:0".parse()?)
//!     .workers(2)
//!     .listen_mode(ListenMode::Shared)
//!     .limits(Limits { max_body: 64 * 1024, ..Limits::default() })
//!     .timeouts(Timeouts { keep_alive_idle: Duration::from_secs(2), ..Timeouts::default() })
//!     .max_connections(1_000)
//!     .after(|_req, resp| resp.insert_header("X-Content-Type-Options", "nosniff"))
//!     .start()?;
//! // Routes can be added while the server runs.
//! server.router().get("/late", covet_core::handler::ready(|_| Response::text("here")))?;
//! server.shutdown(Duration::from_millis(100));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Limits and defaults
//!
//! | Setting | Default | Over the limit |
//! |---|---|---|
//! | request line ([`Limits::max_request_line`]) | 8 KiB | 414, close |
//! | request head ([`Limits::max_head`]) | 16 KiB (at most 64 KiB) | 431, close |
//! | header fields ([`Limits::max_headers`]) | 64 (at most 100) | 431, close |
//! | buffered body ([`Limits::max_body`]) | 1 MiB | 413, close (before reading it when `Content-Length` says so) |
//! | streamed body ([`Limits::max_stream_body`]) | 1 GiB | 413, close |
//! | chunk extension / trailers | 1 KiB / 8 KiB | 400 / 431, close |
//! | header read ([`Timeouts::header_read`]) | 10 s | 408, close |
//! | body read idle ([`Timeouts::body_read_idle`]) | 10 s | 408, close |
//! | keep-alive idle ([`Timeouts::keep_alive_idle`]) | 5 s | close |
//! | one write ([`Timeouts::write`]) | 10 s | close |
//! | connections ([`ServerBuilder::max_connections`]) | 10,000 | stop accepting until one closes |
//!
//! Request bodies are buffered for the handler by default; a route registered with
//! [`handler::streaming`] reads its body as it arrives instead ([`BodyStream`]), with TCP
//! backpressure, and whatever it leaves unread is discarded (up to 256 KiB) or the connection
//! closed, so the next pipelined request is never misread. `100 Continue` goes out only when
//! the body is needed. Path parameters are percent-decoded ([`Request::param`]; the raw form
//! is [`Request::param_raw`]).
//!
//! Bare LF line endings are rejected (RFC 9112 allows accepting them; this engine does not).
//! Trailer fields of chunked bodies are checked and discarded.
//!
//! # Feature flags
//!
//! - `tls-rustls` (off by default): TLS termination with rustls and its ring provider,
//!   through `ServerBuilder::tls`.
//! - `io-uring` (off by default, Linux only): a second I/O backend on io_uring (tokio-uring),
//!   chosen with [`ServerBuilder::backend`]`(`[`Backend::IoUring`]`)`; plain TCP and
//!   WebSocket, no TLS. The default stays [`Backend::Epoll`] (see the README's measurements).
//!
//! # Errors
//!
//! One [`Error`] type; protocol errors carry the status they are answered with
//! ([`Error::status`]), and the `is_*` predicates say what kind an error is. Messages are for
//! people and may change.
#![deny(unsafe_code)]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[doc(hidden)]
pub mod __fuzz;
mod body;
mod config;
mod error;
mod file;
pub mod h1;
pub mod handler;
mod method;
pub mod metrics;
mod middleware;
pub mod probe;
mod request;
mod response;
pub mod router;
mod server;
#[cfg(feature = "tls-rustls")]
mod tls;
mod transport;
pub mod ws;

pub use body::BodyStream;
pub use config::{Limits, MAX_HEAD, MAX_HEADERS, Timeouts};
pub use error::{Error, Result};
pub use handler::{BoxHandler, Handler};
pub use method::{Method, Version};
pub use middleware::{AfterHook, BeforeHook};
pub use request::Request;
pub use response::{BodySender, Response};
pub use router::Router;
pub use server::{Backend, ListenMode, Server, ServerBuilder};

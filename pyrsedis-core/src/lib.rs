//! A Redis client core: an incremental RESP2/RESP3 decoder with a sink interface, binary-safe
//! commands, pipelines, and an async client on tokio with a bounded pool (plus a blocking one).
//!
//! It is the Rust core of pyrsedis, usable on its own; it also serves Redis Cluster
//! ([`ClusterClient`]), Sentinel ([`SentinelClient`]), TLS (`rediss://`), pub/sub ([`pubsub`])
//! and FalkorDB's compact graph results ([`graph`]). Replies are decoded as they arrive:
//! the decoder keeps its nesting stack across reads, so a large reply costs one pass over its
//! bytes; short strings are stored inline in their [`Blob`] and long ones shared with the read
//! buffer rather than copied. A caller that wants
//! its own objects (the Python binding builds Python objects) implements [`resp::Sink`] and gets
//! them in that same pass, with no intermediate tree; [`Value`] is built through the same path.
//!
//! # Example
//!
//! ```
//! use pyrsedis_core::{BlockingClient, Pipeline, cmd};
//!
//! # let server = test_support::RedisServer::start();
//! # let url = server.url();
//! // url = "redis://127.0.0.1:6379"
//! let client = BlockingClient::open(&url)?;
//! client.set("greeting", "hello")?;
//! assert_eq!(client.get("greeting")?.as_deref(), Some(&b"hello"[..]));
//!
//! // A pipeline goes out in one write; each command gets its own result.
//! let mut pipe = Pipeline::new();
//! pipe.incr("visits", 1).add(cmd("LPUSH").arg("greeting").arg("x")).incr("visits", 1);
//! let replies = client.pipeline(&pipe)?;
//! assert_eq!(replies[2], Ok(pyrsedis_core::Value::Int(2)));
//! assert_eq!(replies[1].as_ref().unwrap_err().code(), "WRONGTYPE");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # Example: async, configured
//!
//! ```
//! use std::time::Duration;
//! use pyrsedis_core::{Client, Config, cmd, config::Protocol};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let server = test_support::RedisServer::start();
//! # let url = server.url();
//! let config = Config::from_url(&format!("{url}/2?client_name=docs"))?
//!     .protocol(Protocol::Resp3)
//!     .pool_size(4)
//!     .response_timeout(Some(Duration::from_secs(2)));
//! let client = Client::new(config)?;
//! client.hset("user:1", "name", "Ada").await?;
//! // RESP3 replies keep their types: HGETALL is a map.
//! let reply = client.send(&cmd("HGETALL").arg("user:1")).await?;
//! assert!(matches!(reply, pyrsedis_core::Value::Map(_)));
//! # Ok(())
//! # }
//! ```
//!
//! # Limits and defaults
//!
//! | setting | default | where |
//! |---|---|---|
//! | elements per aggregate | 16 Mi | [`resp::Limits`] |
//! | nesting depth | 512 (explicit stack, never recursion) | [`resp::Limits`] |
//! | bulk string length | 512 MiB, and it must fit the buffer | [`resp::Limits`] |
//! | buffered bytes for one token | 64 MiB | [`resp::Limits`] |
//! | big number digits | 10 000 | [`resp::Limits`] |
//! | connect timeout (connect + handshake) | 5 s | [`Config::connect_timeout`] |
//! | response timeout (whole reply, or whole pipeline) | 30 s | [`Config::response_timeout`] |
//! | pool size / idle eviction | 8 / 300 s | [`Config::pool_size`], [`Config::idle_timeout`] |
//! | protocol | RESP2; RESP3 via `HELLO 3` (falls back to RESP2) | [`Config::protocol`] |
//!
//! Every limit applies in every path, the frame scanner included; a reply that breaks one gives
//! [`ErrorKind::LimitExceeded`] and closes the connection. A connection is also closed on any
//! I/O error, timeout, protocol error or cancelled call, so a late reply can never be read as
//! the answer to another command.
//!
//! # Feature flags
//!
//! None yet: the tokio client and rustls (ring) are always built.
//!
//! # Errors
//!
//! One opaque [`Error`] with a [`ErrorKind`] and a [`RetryMethod`]. A server error reply to a
//! single command is `Err` with [`ErrorKind::Server`] (its text in [`Error::server_error`]); in
//! a pipeline each command's error reply stays in place as [`ServerError`]. Message wording is
//! not stable; match on the kind.
#![forbid(unsafe_code)]

pub mod blocking;
mod client;
pub mod cluster;
pub mod cmd;
pub mod commands;
pub mod config;
pub mod conn;
mod convert;
mod error;
mod fuzz_support;
pub mod graph;
pub mod pubsub;
pub mod resp;
pub mod script;
pub mod sentinel;
pub mod url;

pub use blocking::BlockingClient;
pub use client::{Client, Pipeline};
pub use cluster::ClusterClient;
pub use cmd::{Cmd, ToArgs, cmd};
pub use config::Config;
pub use convert::{FromValue, Pairs};
pub use error::{Error, ErrorKind, Result, RetryMethod};
pub use resp::{Blob, ServerError, Value};
pub use sentinel::SentinelClient;

/// Invariant checks for the fuzz targets; not part of the API.
#[doc(hidden)]
pub mod __fuzz {
    pub use crate::fuzz_support::{
        decode_chunked, encode_command, graph_compact, parse_redirect, parse_url, value_roundtrip,
    };
}

//! Real servers for the workspace's tests.
//!
//! A test that needs a server talks to a real one: this crate starts a server binary on a free
//! loopback port inside its own temporary directory, waits until it answers, and stops it when the
//! handle is dropped. No test depends on a server started by hand or on a fixed port.
//!
//! ```no_run
//! use std::io::{Read, Write};
//!
//! let redis = test_support::RedisServer::start();
//! let mut conn = std::net::TcpStream::connect(redis.addr())?;
//! conn.write_all(b"PING\r\n")?;
//! let mut reply = [0u8; 7];
//! conn.read_exact(&mut reply)?;
//! assert_eq!(&reply, b"+PONG\r\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! Binaries are found on `PATH`, or at the path named by an environment variable
//! (`REDIS_SERVER_BIN` for `redis-server`: the program name upper-cased, `-` turned into `_`,
//! with `_BIN` appended). `scripts/test.sh` installs the ones the suite needs. FalkorDB
//! ([`FalkorDbServer`]) is built by `scripts/falkordb.sh` and found through `FALKORDB_*` variables.

mod falkordb;
mod port;
mod process;
mod redis;

pub use falkordb::{FalkorDbInstall, FalkorDbServer};
pub use port::free_port;
pub use process::{Error, Ready, ServerBuilder, ServerProcess, find_program};
pub use redis::{RedisServer, resp_roundtrip};

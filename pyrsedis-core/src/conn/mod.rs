//! Connections and the pool: one socket, its read buffer and decoder, and the bounded pool that
//! hands connections out and takes back only the clean ones.

mod connection;
mod pool;
mod state;
mod stream;

pub use connection::Connection;
pub use pool::{Pool, PooledConnection};

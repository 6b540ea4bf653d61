//! Listening sockets: one per worker with `SO_REUSEPORT`, or one shared by all.

use std::io;
use std::net::{SocketAddr, TcpListener};

use socket2::{Domain, Protocol, Socket, Type};

/// How workers get their connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum ListenMode {
    /// Each worker has its own socket bound with `SO_REUSEPORT`; the kernel spreads new
    /// connections across them. The default.
    #[default]
    ReusePort,
    /// One socket, accepted from by every worker (for systems or containers where
    /// `SO_REUSEPORT` is unavailable or unwanted).
    Shared,
}

fn bind_one(addr: SocketAddr, reuse_port: bool, backlog: i32) -> io::Result<TcpListener> {
    let socket = Socket::new(Domain::for_address(addr), Type::STREAM, Some(Protocol::TCP))?;
    socket.set_reuse_address(true)?;
    if reuse_port {
        socket.set_reuse_port(true)?;
    }
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    socket.listen(backlog)?;
    Ok(socket.into())
}

/// Binds `workers` listeners for `addr` (a port of 0 is resolved once, then shared).
pub(crate) fn bind(
    addr: SocketAddr,
    mode: ListenMode,
    workers: usize,
    backlog: i32,
) -> io::Result<(SocketAddr, Vec<TcpListener>)> {
    let reuse_port = mode == ListenMode::ReusePort;
    let first = bind_one(addr, reuse_port, backlog)?;
    let local = first.local_addr()?;
    let mut listeners = vec![first];
    for _ in 1..workers {
        let next = match mode {
            ListenMode::ReusePort => bind_one(local, true, backlog)?,
            ListenMode::Shared => listeners[0].try_clone()?,
        };
        listeners.push(next);
    }
    Ok((local, listeners))
}

//! WebSocket (RFC 6455) on upgraded HTTP/1.1 connections.
//!
//! A route made with [`upgrade`] answers a valid opening handshake with `101 Switching
//! Protocols` and runs its session function with a [`WebSocket`]; anything else gets 400 (or
//! 426 for another protocol version). The engine answers pings, enforces masking, reserved
//! bits and opcodes, assembles fragmented messages (failing fast on invalid UTF-8 in text),
//! bounds messages at 64 MiB (close code 1009) and runs the close handshake. No extension
//! (permessage-deflate) is negotiated.
//!
//! Timeouts come from the server's [`Timeouts`](crate::Timeouts): a silent peer is pinged
//! after [`ws_ping_interval`](crate::Timeouts::ws_ping_interval) and closed with code 1001
//! (going away) after [`ws_idle`](crate::Timeouts::ws_idle) without a frame or pong; a frame
//! write that takes longer than [`write`](crate::Timeouts::write) drops the connection. When
//! the server shuts down gracefully, every session is sent close code 1001 and has the rest
//! of the grace period to answer it. However a session ends, [`WebSocket::recv`] returns
//! `None` and [`WebSocket::send`] fails from then on.
//!
//! ```
//! use covet_core::{ws, Router};
//!
//! let router = Router::new();
//! router.get("/echo", ws::upgrade(|mut socket| async move {
//!     while let Some(msg) = socket.recv().await {
//!         if socket.send(msg).await.is_err() {
//!             break;
//!         }
//!     }
//! }))?;
//! # Ok::<(), covet_core::Error>(())
//! ```

pub(crate) mod frame;
mod handshake;
pub(crate) mod session;

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::mpsc;

use crate::handler::{self, BoxHandler};
use crate::response::Response;

/// A complete message.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Message {
    /// A text message (valid UTF-8).
    Text(String),
    /// A binary message.
    Binary(Bytes),
}

/// One side of a WebSocket session, handed to the session function.
#[derive(Debug)]
pub struct WebSocket {
    incoming: mpsc::Receiver<Message>,
    outgoing: mpsc::Sender<Message>,
}

impl WebSocket {
    /// The next message from the peer, or `None` once the connection is closing or gone.
    pub async fn recv(&mut self) -> Option<Message> {
        self.incoming.recv().await
    }

    /// Sends a message; errors once the connection is closing or gone.
    pub async fn send(&self, msg: Message) -> crate::Result<()> {
        self.outgoing.send(msg).await.map_err(|_| {
            crate::Error::new_io(
                "send WebSocket message",
                std::io::ErrorKind::BrokenPipe.into(),
            )
        })
    }
}

/// The boxed session future.
pub(crate) type Session =
    Box<dyn FnOnce(WebSocket) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// A handler that upgrades to WebSocket and runs `session` on each connection.
pub fn upgrade<F, Fut>(session: F) -> BoxHandler
where
    F: Fn(WebSocket) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let session = Arc::new(session);
    handler::ready(move |req| match handshake::accept_key(&req) {
        Ok(accept) => {
            let session = Arc::clone(&session);
            let start: Session = Box::new(move |ws| Box::pin(session(ws)));
            Response::empty(101)
                .header("Upgrade", "websocket")
                .header("Sec-WebSocket-Accept", accept)
                .with_upgrade(start)
        }
        Err(refusal) => {
            let resp = Response::text(refusal.reason).status(refusal.status);
            if refusal.status == 426 {
                resp.header("Sec-WebSocket-Version", "13")
            } else {
                resp
            }
        }
    })
}

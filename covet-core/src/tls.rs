//! TLS termination with rustls (feature `tls-rustls`).
//!
//! The handshake runs on the worker that accepted the connection and is bounded by
//! [`Timeouts::header_read`](crate::Timeouts::header_read); then the decrypted stream goes
//! through the same HTTP/1.1 state machine as plain TCP.

use std::sync::Arc;

use tokio::net::TcpStream;
use tokio_rustls::TlsAcceptor;

use crate::metrics::Shard;
use crate::server::Shared;

/// A TLS acceptor built from a rustls server configuration.
pub(crate) struct Acceptor(TlsAcceptor);

impl std::fmt::Debug for Acceptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Acceptor")
    }
}

/// An acceptor for `config`.
pub(crate) fn acceptor(config: Arc<rustls::ServerConfig>) -> Acceptor {
    Acceptor(TlsAcceptor::from(config))
}

/// Completes the handshake (or gives up at the header-read timeout) and serves HTTP/1.1.
pub(crate) async fn serve(
    acceptor: &Acceptor,
    stream: TcpStream,
    shared: &Shared,
    metrics: Option<&Shard>,
) {
    let handshake = tokio::time::timeout(shared.timeouts.header_read, acceptor.0.accept(stream));
    if let Ok(Ok(tls)) = handshake.await {
        crate::h1::conn::serve(tls, shared, metrics).await;
    }
}

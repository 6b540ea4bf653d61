//! The byte stream under a connection: TCP or a unix socket.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use std::sync::Arc;

use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpStream, UnixStream};
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use crate::config::{Addr, Config, TlsIdentity, TlsRoots};

/// A connected socket.
#[derive(Debug)]
pub(crate) enum Stream {
    Tcp(TcpStream),
    Unix(UnixStream),
    Tls(Box<TlsStream<TcpStream>>),
}

impl Stream {
    /// Connects to the configured address, with TLS when asked (no timeout here; the caller
    /// wraps it).
    pub(crate) async fn connect(config: &Config) -> io::Result<Stream> {
        match (&config.addr, config.tls) {
            (Addr::Tcp { host, port }, tls) => {
                let stream = TcpStream::connect((host.as_str(), *port)).await?;
                stream.set_nodelay(true)?;
                if !tls {
                    return Ok(Stream::Tcp(stream));
                }
                let name = ServerName::try_from(host.clone()).map_err(|_| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        format!("{host:?} is not a valid TLS server name"),
                    )
                })?;
                let connector = TlsConnector::from(Arc::new(client_config(
                    &config.tls_roots,
                    config.tls_identity.as_ref(),
                )?));
                let tls = connector.connect(name, stream).await?;
                Ok(Stream::Tls(Box::new(tls)))
            }
            (Addr::Unix(_), true) => Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "TLS over a unix socket is not supported",
            )),
            (Addr::Unix(path), false) => Ok(Stream::Unix(UnixStream::connect(path).await?)),
        }
    }
}

impl Stream {
    /// Whether the peer has closed the connection (or sent bytes nobody asked for), checked
    /// without blocking and without consuming anything: an idle pooled connection that fails
    /// this is dead, and a command written to it would be lost.
    pub(crate) fn is_stale(&self) -> bool {
        let mut byte = [std::mem::MaybeUninit::<u8>::uninit()];
        let peeked = match self {
            Stream::Tcp(s) => socket2::SockRef::from(s).peek(&mut byte),
            Stream::Unix(s) => socket2::SockRef::from(s).peek(&mut byte),
            Stream::Tls(s) => socket2::SockRef::from(s.get_ref().0).peek(&mut byte),
        };
        // Ok(0): closed by the peer; Ok(n): unsolicited bytes; WouldBlock: healthy and idle.
        !matches!(peeked, Err(ref e) if e.kind() == io::ErrorKind::WouldBlock)
    }
}

/// Reads a PEM file named in the configuration, saying which one failed.
fn read_pem(path: &std::path::Path, what: &str) -> io::Result<Vec<u8>> {
    std::fs::read(path).map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("could not read the {what} file {}: {e}", path.display()),
        )
    })
}

/// The client certificate chain and key of `identity`, checked to be usable.
fn client_identity(
    identity: &TlsIdentity,
) -> io::Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let (cert, key) = match identity {
        TlsIdentity::Pem { cert, key } => (cert.clone(), key.clone()),
        TlsIdentity::File { cert, key } => (
            read_pem(cert, "client certificate")?,
            read_pem(key, "client key")?,
        ),
    };
    let chain = CertificateDer::pem_slice_iter(&cert)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(format!("bad PEM in the client certificate: {e}")))?;
    if chain.is_empty() {
        return Err(invalid(
            "the client certificate PEM holds no certificate".into(),
        ));
    }
    // The error names no key material: the parser's message is about the PEM framing.
    let key = PrivateKeyDer::from_pem_slice(&key)
        .map_err(|e| invalid(format!("no usable private key in the client key PEM: {e}")))?;
    Ok((chain, key))
}

/// A rustls client configuration (ring provider) trusting `roots`, presenting `identity` when
/// the server asks for a client certificate.
fn client_config(
    roots: &TlsRoots,
    identity: Option<&TlsIdentity>,
) -> io::Result<rustls::ClientConfig> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let mut store = rustls::RootCertStore::empty();
    let pem = match roots {
        TlsRoots::WebPki => {
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            None
        }
        TlsRoots::Pem(pem) => Some(pem.clone()),
        TlsRoots::File(path) => Some(read_pem(path, "CA")?),
    };
    if let Some(pem) = pem {
        for cert in CertificateDer::pem_slice_iter(&pem) {
            let cert = cert.map_err(|e| invalid(format!("bad PEM in the CA certificates: {e}")))?;
            store
                .add(cert)
                .map_err(|e| invalid(format!("unusable CA certificate: {e}")))?;
        }
        if store.is_empty() {
            return Err(invalid("the CA certificates hold no certificate".into()));
        }
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| invalid(e.to_string()))?
        .with_root_certificates(store);
    match identity {
        None => Ok(builder.with_no_client_auth()),
        Some(identity) => {
            let (chain, key) = client_identity(identity)?;
            builder.with_client_auth_cert(chain, key).map_err(|e| {
                invalid(format!(
                    "the client certificate and key do not form a usable pair: {e}"
                ))
            })
        }
    }
}

impl AsyncRead for Stream {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_read(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Stream {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Unix(s) => Pin::new(s).poll_write(cx, buf),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_flush(cx),
            Stream::Unix(s) => Pin::new(s).poll_flush(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Stream::Tcp(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Unix(s) => Pin::new(s).poll_shutdown(cx),
            Stream::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }
}

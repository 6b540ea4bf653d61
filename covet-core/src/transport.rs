//! The byte stream under a connection, in the owned-buffer shape io_uring needs: reads append
//! to a `BytesMut` and writes send a whole `BytesMut`, so one HTTP/1.1 state machine (and one
//! WebSocket session) runs over tokio's readiness-based streams (plain TCP, TLS) and over
//! io_uring's completion-based sockets alike.

use std::io;

use bytes::BytesMut;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// A connection's byte stream.
///
/// Every method is cancel-safe in the way the connection needs: when a call's future is
/// dropped before it finishes, no byte is lost or sent twice. A read either has not happened
/// or (io_uring) stays in flight and is delivered by the next `recv_into`; a write leaves its
/// unsent bytes either in `buf` (tokio) or in flight (io_uring, see [`write_pending`]), and the
/// next `send_all` sends them before anything new.
///
/// [`write_pending`]: Transport::write_pending
pub(crate) trait Transport {
    /// Reads at least one byte into the spare capacity of `buf`, after its contents (making
    /// room when it has none); `Ok(0)` is the end of the stream.
    async fn recv_into(&mut self, buf: &mut BytesMut) -> io::Result<usize>;

    /// Writes all of `buf` and flushes it; `buf` is left empty with its capacity kept.
    async fn send_all(&mut self, buf: &mut BytesMut) -> io::Result<()>;

    /// Sends whatever is pending, then ends the sending direction (the peer reads the end of
    /// the stream; reading goes on).
    async fn shutdown_write(&mut self) -> io::Result<()>;

    /// Whether bytes of an earlier, cancelled `send_all` are still in flight (they are sent by
    /// the next `send_all` or `shutdown_write` before anything else).
    fn write_pending(&self) -> bool {
        false
    }
}

/// Any tokio stream: plain TCP, TLS, or an in-memory duplex in unit tests and fuzzing.
impl<S: AsyncRead + AsyncWrite + Unpin> Transport for S {
    async fn recv_into(&mut self, buf: &mut BytesMut) -> io::Result<usize> {
        self.read_buf(buf).await
    }

    async fn send_all(&mut self, buf: &mut BytesMut) -> io::Result<()> {
        // `write_all_buf` advances `buf` as bytes leave, so a call cancelled between writes
        // leaves exactly the unsent rest.
        self.write_all_buf(buf).await?;
        self.flush().await?;
        buf.clear();
        Ok(())
    }

    async fn shutdown_write(&mut self) -> io::Result<()> {
        AsyncWriteExt::shutdown(self).await
    }
}

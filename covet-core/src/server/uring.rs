//! The io_uring backend (feature `io-uring`, Linux): each worker runs a tokio-uring runtime (a
//! current-thread tokio runtime plus an io_uring driver, so `tokio::time`, `tokio::spawn` and
//! `tokio::sync` work as on the epoll backend), accepts with io_uring and serves each
//! connection through the same HTTP/1.1 state machine, over [`UringStream`].
//!
//! io_uring operations own their buffers and cannot be taken back once submitted: a future
//! dropped while its operation is in flight does not stop the kernel from reading into (or
//! writing from) the buffer. The connection does drop reads (a timeout, a streaming handler
//! that returns while the next piece is being read, a WebSocket session that sends while it
//! reads), so every operation here is kept in a [`Resumable`] slot: a dropped call leaves the
//! operation in its slot, and the next call picks it up with the bytes it moved.

use std::future::{Future, poll_fn};
use std::io;
use std::net::Shutdown;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::Poll;
use std::thread::JoinHandle;
use std::time::Duration;

use bytes::BytesMut;
use tokio_uring::buf::{BoundedBuf, Slice};
use tokio_uring::net::{TcpListener, TcpStream};
use tokio_uring::{BufResult, InFlightOneshot, WriteData, WriteTransform};

use super::{Accepted, Listener, Shared, worker};
use crate::error::{Error, Result};
use crate::transport::Transport;

/// Submission queue entries per worker ring (the completion queue gets twice as many; the
/// kernel keeps completions that overflow it, so this bounds batching, not connections).
const RING_ENTRIES: u32 = 1024;

/// Room made for a read when the caller's buffer has none.
const MIN_READ: usize = 8 * 1024;

/// How long a stopping worker waits for its accept in flight to complete.
const STOP_WAIT: Duration = Duration::from_millis(100);

/// Starts worker `index` on its own thread with a tokio-uring runtime serving `listener`;
/// returns once the ring is set up, or the error that prevented it.
pub(super) fn start_worker(
    index: usize,
    listener: std::net::TcpListener,
    shared: Arc<Shared>,
) -> Result<JoinHandle<bool>> {
    // A duplicate of the listening socket, kept to stop it: an accept in flight holds the
    // socket open until it completes.
    let stopper = listener
        .try_clone()
        .map_err(|e| Error::new_io("cannot duplicate a listening socket", e))?;
    // io_uring waits for readiness itself; on a non-blocking socket it would return EAGAIN.
    listener
        .set_nonblocking(false)
        .map_err(|e| Error::new_io("cannot configure a listening socket", e))?;
    let (ready, started) = std::sync::mpsc::sync_channel(1);
    let thread = std::thread::Builder::new()
        .name(format!("covet-worker-{index}"))
        .spawn(move || {
            let runtime = match runtime() {
                Ok(runtime) => runtime,
                Err(e) => {
                    let _ = ready.send(Err(e));
                    return false;
                }
            };
            let _ = ready.send(Ok(()));
            runtime.block_on(worker(uring_listener(listener, stopper), shared))
        })
        .map_err(|e| Error::new_io("cannot start a worker thread", e))?;
    match started.recv() {
        Ok(Ok(())) => Ok(thread),
        Ok(Err(e)) => Err(Error::new_io("cannot set up io_uring", e)),
        Err(_) => Err(Error::new_io(
            "cannot set up io_uring",
            io::Error::other("the worker thread ended before its ring was set up"),
        )),
    }
}

/// A tokio-uring runtime whose ring completes operations without interrupting the worker
/// while it runs (`COOP_TASKRUN`) and knows it is driven from one thread (`SINGLE_ISSUER`);
/// on kernels older than 6.0, which refuse those flags, a plain ring.
fn runtime() -> io::Result<tokio_uring::Runtime> {
    let mut ring = tokio_uring::uring_builder();
    ring.setup_coop_taskrun().setup_single_issuer();
    let mut builder = tokio_uring::builder();
    builder.entries(RING_ENTRIES).uring_builder(&ring);
    tokio_uring::Runtime::new(&builder).or_else(|_| {
        let mut plain = tokio_uring::builder();
        plain.entries(RING_ENTRIES);
        tokio_uring::Runtime::new(&plain)
    })
}

/// An operation that survives the cancellation of the call awaiting it: the call's future
/// may be dropped, the operation stays here, and the next [`Resumable::finish`] completes it.
/// Allocated once per socket; starting an operation reuses the allocation.
struct Resumable<F>(Pin<Box<Option<F>>>);

impl<F> Resumable<F> {
    fn new() -> Self {
        Self(Box::pin(None))
    }

    fn is_idle(&self) -> bool {
        self.0.is_none()
    }
}

impl<F: Future> Resumable<F> {
    /// Puts `op` in the slot (after the previous one finished).
    fn start(&mut self, op: F) {
        self.0.set(Some(op));
    }

    /// Completes the operation in the slot; `None` when there is none.
    async fn finish(&mut self) -> Option<F::Output> {
        let out = poll_fn(|cx| match self.0.as_mut().as_pin_mut() {
            Some(op) => op.poll(cx).map(Some),
            None => Poll::Ready(None),
        })
        .await;
        // No await between the operation's completion and emptying the slot.
        self.0.set(None);
        out
    }
}

/// A write in flight: the buffer and the range of it being written.
type WriteOp = InFlightOneshot<WriteData<Slice<BytesMut>>, WriteTransform<Slice<BytesMut>>>;

/// A read of a stream into a buffer's spare capacity.
async fn read_op(stream: Rc<TcpStream>, spare: BytesMut) -> BufResult<usize, BytesMut> {
    stream.read(spare).await
}

/// An accepted io_uring socket, with its read and write kept across cancellation.
pub(crate) struct UringStream<R> {
    stream: Rc<TcpStream>,
    /// Starts a read (the type of [`read_op`]'s future cannot be named, so it is a parameter).
    start_read: fn(Rc<TcpStream>, BytesMut) -> R,
    reading: Resumable<R>,
    /// The write in flight, if a `send_all` was cancelled during it or is awaiting it.
    writing: Option<WriteOp>,
}

/// Wraps an accepted socket.
fn uring_stream(
    stream: TcpStream,
) -> UringStream<impl Future<Output = BufResult<usize, BytesMut>>> {
    UringStream {
        stream: Rc::new(stream),
        start_read: read_op,
        reading: Resumable::new(),
        writing: None,
    }
}

impl<R> UringStream<R> {
    /// Completes the write in flight, resubmitting the rest after a short write; returns its
    /// buffer (empty when no write was in flight).
    async fn finish_write(&mut self) -> io::Result<BytesMut> {
        while let Some(op) = self.writing.as_mut() {
            let (res, slice) = op.await;
            self.writing = None;
            let written = res?;
            if written == 0 {
                return Err(io::ErrorKind::WriteZero.into());
            }
            let (from, end) = (slice.begin() + written, slice.end());
            let buf = slice.into_inner();
            if from >= end {
                return Ok(buf);
            }
            self.writing = Some(self.stream.write(buf.slice(from..end)).submit());
        }
        Ok(BytesMut::new())
    }
}

impl<R: Future<Output = BufResult<usize, BytesMut>>> Transport for UringStream<R> {
    async fn recv_into(&mut self, buf: &mut BytesMut) -> io::Result<usize> {
        if self.reading.is_idle() {
            if buf.capacity() == buf.len() {
                buf.reserve(MIN_READ);
            }
            // The spare capacity moves into the operation and comes back filled: no copy, and
            // `unsplit` rejoins it in place.
            let spare = buf.split_off(buf.len());
            self.reading
                .start((self.start_read)(Rc::clone(&self.stream), spare));
        }
        match self.reading.finish().await {
            Some((res, filled)) => {
                buf.unsplit(filled);
                res
            }
            None => Ok(0),
        }
    }

    async fn send_all(&mut self, buf: &mut BytesMut) -> io::Result<()> {
        // Bytes of a cancelled call go first.
        self.finish_write().await?;
        if buf.is_empty() {
            return Ok(());
        }
        let data = std::mem::take(buf);
        let end = data.len();
        self.writing = Some(self.stream.write(data.slice(..end)).submit());
        let mut data = self.finish_write().await?;
        // The caller gets its allocation back for the next batch.
        data.clear();
        *buf = data;
        Ok(())
    }

    async fn shutdown_write(&mut self) -> io::Result<()> {
        self.finish_write().await?;
        self.stream.shutdown(Shutdown::Write)
    }

    fn write_pending(&self) -> bool {
        self.writing.is_some()
    }
}

impl<R> Drop for UringStream<R> {
    fn drop(&mut self) {
        if !self.reading.is_idle() || self.writing.is_some() {
            // An operation in flight keeps the socket open until it completes, which for a
            // silent peer (read) or one that never reads (write) is never: ending both
            // directions completes it now, and the socket closes.
            let _ = self.stream.shutdown(Shutdown::Both);
        }
    }
}

/// Accepts the next connection.
async fn accept_op(listener: Rc<TcpListener>) -> io::Result<(TcpStream, std::net::SocketAddr)> {
    listener.accept().await
}

/// A worker's io_uring listening socket.
struct UringListener<A> {
    listener: Rc<TcpListener>,
    /// The same socket, to stop it listening (see [`start_worker`]).
    stopper: std::net::TcpListener,
    start_accept: fn(Rc<TcpListener>) -> A,
    accepting: Resumable<A>,
}

/// Wraps a worker's listening socket (`stopper` is a duplicate of it).
fn uring_listener(
    listener: std::net::TcpListener,
    stopper: std::net::TcpListener,
) -> UringListener<impl Future<Output = io::Result<(TcpStream, std::net::SocketAddr)>>> {
    UringListener {
        listener: Rc::new(TcpListener::from_std(listener)),
        stopper,
        start_accept: accept_op,
        accepting: Resumable::new(),
    }
}

impl<A> Listener for UringListener<A>
where
    A: Future<Output = io::Result<(TcpStream, std::net::SocketAddr)>>,
{
    type Stream = TcpStream;

    async fn accept_conn(&mut self) -> io::Result<TcpStream> {
        if self.accepting.is_idle() {
            self.accepting
                .start((self.start_accept)(Rc::clone(&self.listener)));
        }
        let (stream, _) = self
            .accepting
            .finish()
            .await
            .unwrap_or_else(|| Err(io::ErrorKind::NotConnected.into()))?;
        let _ = stream.set_nodelay(true);
        Ok(stream)
    }

    fn spawn(stream: TcpStream, conn: Accepted) {
        tokio::task::spawn_local(async move {
            crate::h1::conn::serve(uring_stream(stream), &conn.shared, conn.shard()).await;
        });
    }

    async fn stop(mut self) {
        // Stop listening: new connections are refused, and an accept in flight completes
        // (with an error, or a connection that arrived first, which is dropped and closed).
        let _ = socket2::SockRef::from(&self.stopper).shutdown(Shutdown::Read);
        let _ = tokio::time::timeout(STOP_WAIT, self.accepting.finish()).await;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::io::{Read, Write};
    use std::time::Duration;

    use super::*;

    /// A connected pair: a blocking std client and the server side as a [`UringStream`].
    fn pair() -> (
        std::net::TcpStream,
        UringStream<impl Future<Output = BufResult<usize, BytesMut>>>,
    ) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let client = std::net::TcpStream::connect(listener.local_addr().unwrap()).unwrap();
        let (server, _) = listener.accept().unwrap();
        client
            .set_read_timeout(Some(Duration::from_secs(10)))
            .unwrap();
        (client, uring_stream(TcpStream::from_std(server)))
    }

    #[test]
    fn a_cancelled_read_delivers_its_bytes_to_the_next_call() {
        tokio_uring::start(async {
            let (mut client, mut stream) = pair();
            let mut buf = BytesMut::with_capacity(64);
            buf.extend_from_slice(b"abc");
            let wait = Duration::from_millis(50);
            assert!(
                tokio::time::timeout(wait, stream.recv_into(&mut buf))
                    .await
                    .is_err()
            );
            assert!(!stream.reading.is_idle(), "the read stays in flight");
            assert_eq!(&buf[..], b"abc");
            client.write_all(b"hello").unwrap();
            let n = stream.recv_into(&mut buf).await.unwrap();
            assert_eq!(n, 5);
            assert_eq!(&buf[..], b"abchello");
            assert!(stream.reading.is_idle());
        });
    }

    #[test]
    fn a_cancelled_write_is_completed_before_the_next_one() {
        tokio_uring::start(async {
            let (mut client, mut stream) = pair();
            // More than the socket buffers hold while the client does not read.
            let big: Vec<u8> = (0..16u32 << 20).map(|i| (i % 251) as u8).collect();
            let mut buf = BytesMut::from(&big[..]);
            let wait = Duration::from_millis(100);
            assert!(
                tokio::time::timeout(wait, stream.send_all(&mut buf))
                    .await
                    .is_err()
            );
            assert!(stream.write_pending());
            let reader = std::thread::spawn(move || {
                let mut got = Vec::new();
                client.read_to_end(&mut got).unwrap();
                got
            });
            let mut tail = BytesMut::from(&b"tail"[..]);
            stream.send_all(&mut tail).await.unwrap();
            assert!(tail.is_empty() && !stream.write_pending());
            stream.shutdown_write().await.unwrap();
            let got = reader.join().unwrap();
            assert_eq!(got.len(), big.len() + 4);
            assert!(
                got[..big.len()] == big[..],
                "the first write's bytes differ"
            );
            assert_eq!(&got[big.len()..], b"tail");
        });
    }

    #[test]
    fn dropping_a_stream_with_a_read_in_flight_closes_the_socket() {
        tokio_uring::start(async {
            let (mut client, mut stream) = pair();
            let mut buf = BytesMut::with_capacity(64);
            let wait = Duration::from_millis(20);
            let _ = tokio::time::timeout(wait, stream.recv_into(&mut buf)).await;
            drop(stream);
            let mut byte = [0u8; 1];
            let n = tokio::task::spawn_blocking(move || client.read(&mut byte))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(n, 0, "the client sees the end of the stream");
        });
    }
}

//! A WebSocket session on an upgraded connection: frames in and out, control frames answered,
//! fragmented messages assembled and UTF-8 checked, the close handshake; keep-alive pings, the
//! idle and write timeouts, and close 1001 when the server shuts down.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::sync::mpsc;
use tokio::time::{Instant, timeout};

use super::frame::{self, Frame};
use super::{Message, Session, WebSocket};
use crate::server::Shared;
use crate::transport::Transport;

/// Largest message (and frame) accepted; larger gets close code 1009.
pub(crate) const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// How long to wait for the peer's close frame after sending ours (outside a shutdown).
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// A message being assembled from fragments.
struct Partial {
    text: bool,
    data: BytesMut,
    /// Prefix of `data` known to be valid UTF-8 (text messages fail fast on bad bytes).
    checked: usize,
}

/// How a session ends.
enum End {
    /// Fail with this close code, then close the connection.
    Fail(u16),
    /// The peer sent a close frame with this payload; echo its code and close.
    PeerClosed(Option<u16>),
    /// Send close with this code (1000 when the handler finished, 1001 when idle or shutting
    /// down) and wait until the instant for the peer's close frame.
    Close(u16, Instant),
    /// The peer's side of the stream ended (end of stream or a read error).
    Gone,
    /// A write failed or timed out: drop the connection without another byte.
    Abort,
}

/// Runs `session` over `io`, starting with the bytes already read (`rbuf`), under the server's
/// WebSocket timeouts and shutdown.
pub(crate) async fn run<S: Transport>(
    io: &mut S,
    rbuf: &mut BytesMut,
    session: Session,
    shared: &Shared,
) {
    let timeouts = shared.timeouts;
    let latch = &shared.shutdown.latch;
    let (to_handler, incoming) = mpsc::channel(16);
    let (outgoing, mut from_handler) = mpsc::channel(16);
    let handler = tokio::spawn(session(WebSocket { incoming, outgoing }));
    let mut wbuf = BytesMut::new();
    let mut partial: Option<Partial> = None;
    // When the peer last sent anything, and when we last pinged it.
    let mut heard = Instant::now();
    let mut pinged: Option<Instant> = None;
    let end = 'session: loop {
        // Everything already buffered first.
        loop {
            match frame::decode(rbuf, MAX_MESSAGE) {
                Ok(Some(f)) => match on_frame(f, &mut partial, &mut wbuf) {
                    Ok(Some(msg)) => {
                        // A handler that stopped listening just misses messages.
                        let _ = to_handler.send(msg).await;
                    }
                    Ok(None) => {}
                    Err(end) => break 'session end,
                },
                Ok(None) => break,
                Err(code) => break 'session End::Fail(code),
            }
        }
        if !wbuf.is_empty() && !write(io, &mut wbuf, timeouts.write).await {
            break End::Abort;
        }
        let ping_at = timeouts
            .ws_ping_interval
            .and_then(|every| pinged.map_or(heard, |p| p.max(heard)).checked_add(every));
        let idle_at = timeouts.ws_idle.and_then(|idle| heard.checked_add(idle));
        rbuf.reserve(8192);
        tokio::select! {
            read = io.recv_into(rbuf) => match read {
                Ok(0) | Err(_) => break End::Gone,
                Ok(_) => heard = Instant::now(),
            },
            msg = from_handler.recv() => match msg {
                Some(Message::Text(t)) => frame::encode(frame::TEXT, t.as_bytes(), &mut wbuf),
                Some(Message::Binary(b)) => frame::encode(frame::BINARY, &b, &mut wbuf),
                None => break End::Close(frame::NORMAL, Instant::now() + CLOSE_WAIT),
            },
            () = sleep_until(earliest(ping_at, idle_at)) => {
                let now = Instant::now();
                if idle_at.is_some_and(|t| now >= t) {
                    break End::Close(frame::GOING_AWAY, now + CLOSE_WAIT);
                }
                if ping_at.is_some_and(|t| now >= t) {
                    frame::encode(frame::PING, &[], &mut wbuf);
                    pinged = Some(now);
                }
            },
            () = latch.wait() => {
                // The rest of the grace period is the peer's to answer the close.
                let deadline = Instant::from_std(shared.shutdown.deadline());
                break End::Close(frame::GOING_AWAY, deadline);
            },
        }
    };
    // The handler's `recv` ends now, like on any close.
    drop(to_handler);
    let wait_until = match end {
        End::Fail(code) => {
            frame::encode_close(code, &mut wbuf);
            None
        }
        End::PeerClosed(code) => {
            match code {
                Some(code) => frame::encode_close(code, &mut wbuf),
                None => frame::encode(frame::CLOSE, &[], &mut wbuf),
            }
            None
        }
        End::Close(code, until) => {
            frame::encode_close(code, &mut wbuf);
            Some(until)
        }
        End::Gone => None,
        End::Abort => {
            handler.abort();
            return;
        }
    };
    if !write(io, &mut wbuf, timeouts.write).await {
        handler.abort();
        return;
    }
    if let Some(until) = wait_until {
        // Wait for the peer's close frame (or anything ending the stream).
        let _ = tokio::time::timeout_at(until, async {
            loop {
                match frame::decode(rbuf, MAX_MESSAGE) {
                    Ok(Some(f)) if f.opcode == frame::CLOSE => return,
                    Ok(Some(_)) => continue,
                    Err(_) => return,
                    Ok(None) => {}
                }
                rbuf.reserve(8192);
                if !matches!(io.recv_into(rbuf).await, Ok(n) if n > 0) {
                    return;
                }
            }
        })
        .await;
    }
    let _ = timeout(timeouts.write, io.shutdown_write()).await;
    handler.abort();
}

/// Writes all of `buf` within `limit`; `false` when the write failed or timed out.
async fn write<S: Transport>(io: &mut S, buf: &mut BytesMut, limit: Duration) -> bool {
    matches!(timeout(limit, io.send_all(buf)).await, Ok(Ok(())))
}

/// The earlier of two optional instants.
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// Sleeps until `at`, or forever without one.
async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Handles one frame: a finished message to deliver, nothing, or the end of the session.
fn on_frame(
    f: Frame,
    partial: &mut Option<Partial>,
    wbuf: &mut BytesMut,
) -> Result<Option<Message>, End> {
    match f.opcode {
        frame::PING => {
            frame::encode(frame::PONG, &f.payload, wbuf);
            Ok(None)
        }
        frame::PONG => Ok(None),
        frame::CLOSE => Err(close_reply(&f.payload)),
        frame::TEXT | frame::BINARY => {
            if partial.is_some() {
                return Err(End::Fail(frame::PROTOCOL_ERROR));
            }
            let mut p = Partial {
                text: f.opcode == frame::TEXT,
                data: f.payload,
                checked: 0,
            };
            if f.fin {
                finish(p).map(Some)
            } else {
                check_prefix(&mut p)?;
                *partial = Some(p);
                Ok(None)
            }
        }
        _ => {
            let Some(p) = partial.as_mut() else {
                return Err(End::Fail(frame::PROTOCOL_ERROR));
            };
            if p.data.len() + f.payload.len() > MAX_MESSAGE {
                return Err(End::Fail(frame::TOO_BIG));
            }
            p.data.extend_from_slice(&f.payload);
            check_prefix(p)?;
            if f.fin {
                let p = partial.take().ok_or(End::Fail(frame::PROTOCOL_ERROR))?;
                finish(p).map(Some)
            } else {
                Ok(None)
            }
        }
    }
}

/// Fails fast when a text message's bytes so far cannot become valid UTF-8.
fn check_prefix(p: &mut Partial) -> Result<(), End> {
    if !p.text {
        return Ok(());
    }
    match std::str::from_utf8(&p.data[p.checked..]) {
        Ok(_) => {
            p.checked = p.data.len();
            Ok(())
        }
        Err(e) if e.error_len().is_none() => {
            p.checked += e.valid_up_to();
            Ok(())
        }
        Err(_) => Err(End::Fail(frame::INVALID_DATA)),
    }
}

fn finish(p: Partial) -> Result<Message, End> {
    if p.text {
        match String::from_utf8(p.data.to_vec()) {
            Ok(s) => Ok(Message::Text(s)),
            Err(_) => Err(End::Fail(frame::INVALID_DATA)),
        }
    } else {
        Ok(Message::Binary(Bytes::from(p.data)))
    }
}

/// The reply to a close frame: its code echoed, or a failure for a bad payload.
fn close_reply(payload: &[u8]) -> End {
    match payload {
        [] => End::PeerClosed(None),
        [_] => End::Fail(frame::PROTOCOL_ERROR),
        [hi, lo, reason @ ..] => {
            let code = u16::from_be_bytes([*hi, *lo]);
            let valid = matches!(code, 1000..=1003 | 1007..=1011 | 3000..=4999);
            if !valid {
                End::Fail(frame::PROTOCOL_ERROR)
            } else if std::str::from_utf8(reason).is_err() {
                End::Fail(frame::INVALID_DATA)
            } else {
                End::PeerClosed(Some(code))
            }
        }
    }
}

//! A WebSocket session on an upgraded connection: frames in and out, control frames answered,
//! fragmented messages assembled and UTF-8 checked, the close handshake.

use std::time::Duration;

use bytes::{Bytes, BytesMut};
use tokio::sync::mpsc;

use super::frame::{self, Frame};
use super::{Message, Session, WebSocket};
use crate::transport::Transport;

/// Largest message (and frame) accepted; larger gets close code 1009.
pub(crate) const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// How long to wait for the peer's close frame after sending ours.
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
    /// The handler finished: send close 1000 and wait for the peer's.
    HandlerDone,
    /// The socket is gone.
    Gone,
}

/// Runs `session` over `io`, starting with the bytes already read (`rbuf`).
pub(crate) async fn run<S: Transport>(io: &mut S, rbuf: &mut BytesMut, session: Session) {
    let (to_handler, incoming) = mpsc::channel(16);
    let (outgoing, mut from_handler) = mpsc::channel(16);
    let handler = tokio::spawn(session(WebSocket { incoming, outgoing }));
    let mut wbuf = BytesMut::new();
    let mut partial: Option<Partial> = None;
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
        if !wbuf.is_empty() && io.send_all(&mut wbuf).await.is_err() {
            break End::Gone;
        }
        rbuf.reserve(8192);
        tokio::select! {
            read = io.recv_into(rbuf) => match read {
                Ok(0) | Err(_) => break End::Gone,
                Ok(_) => {}
            },
            msg = from_handler.recv() => match msg {
                Some(Message::Text(t)) => frame::encode(frame::TEXT, t.as_bytes(), &mut wbuf),
                Some(Message::Binary(b)) => frame::encode(frame::BINARY, &b, &mut wbuf),
                None => break End::HandlerDone,
            },
        }
    };
    drop(to_handler);
    match end {
        End::Fail(code) => {
            frame::encode_close(code, &mut wbuf);
            let _ = io.send_all(&mut wbuf).await;
        }
        End::PeerClosed(code) => {
            match code {
                Some(code) => frame::encode_close(code, &mut wbuf),
                None => frame::encode(frame::CLOSE, &[], &mut wbuf),
            }
            let _ = io.send_all(&mut wbuf).await;
        }
        End::HandlerDone => {
            frame::encode_close(1000, &mut wbuf);
            if io.send_all(&mut wbuf).await.is_ok() {
                // Wait for the peer's close frame (or anything ending the stream).
                let _ = tokio::time::timeout(CLOSE_WAIT, async {
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
        }
        End::Gone => {}
    }
    let _ = io.shutdown_write().await;
    handler.abort();
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

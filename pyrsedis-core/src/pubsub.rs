//! Publish/subscribe: a dedicated connection delivering messages as a stream, resubscribed
//! after a reconnect.

use std::collections::{BTreeSet, VecDeque};
use std::time::Duration;

use bytes::Bytes;

use crate::cmd::cmd;
use crate::config::Config;
use crate::conn::Connection;
use crate::resp::Blob;
use crate::{Error, ErrorKind, Result, Value};

/// Attempts to reconnect (with doubling delays from 50 ms) before a reconnect error is returned.
const RECONNECT_ATTEMPTS: u32 = 8;

/// A message received on a subscribed channel or pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The channel it was published on.
    pub channel: Blob,
    /// The pattern that matched, for `PSUBSCRIBE` subscriptions.
    pub pattern: Option<Blob>,
    /// The payload.
    pub payload: Blob,
}

/// A subscriber: its own connection (never pooled), the channels and patterns it listens to,
/// and messages in arrival order. Works in RESP2 and RESP3.
///
/// If the connection breaks, [`PubSub::next_message`] reconnects with backoff and subscribes
/// again to everything before waiting for more; messages published while it was disconnected
/// are lost, as with any Redis pub/sub.
#[derive(Debug)]
pub struct PubSub {
    config: Config,
    conn: Option<Connection>,
    channels: BTreeSet<Bytes>,
    patterns: BTreeSet<Bytes>,
    pending: VecDeque<Message>,
    reconnects: u64,
}

impl PubSub {
    /// A subscriber for `config` (it connects on the first subscription).
    pub fn new(config: Config) -> PubSub {
        PubSub {
            config,
            conn: None,
            channels: BTreeSet::new(),
            patterns: BTreeSet::new(),
            pending: VecDeque::new(),
            reconnects: 0,
        }
    }

    /// How many times the connection was re-established.
    pub fn reconnects(&self) -> u64 {
        self.reconnects
    }

    /// Subscribes to channels; returns once the server confirmed each.
    pub async fn subscribe(&mut self, channels: &[&[u8]]) -> Result<()> {
        self.channels
            .extend(channels.iter().map(|c| Bytes::copy_from_slice(c)));
        self.send("SUBSCRIBE", "subscribe", channels).await
    }

    /// Subscribes to glob patterns; returns once the server confirmed each.
    pub async fn psubscribe(&mut self, patterns: &[&[u8]]) -> Result<()> {
        self.patterns
            .extend(patterns.iter().map(|c| Bytes::copy_from_slice(c)));
        self.send("PSUBSCRIBE", "psubscribe", patterns).await
    }

    /// Unsubscribes from channels.
    pub async fn unsubscribe(&mut self, channels: &[&[u8]]) -> Result<()> {
        for c in channels {
            self.channels.remove(*c);
        }
        self.send("UNSUBSCRIBE", "unsubscribe", channels).await
    }

    /// Unsubscribes from patterns.
    pub async fn punsubscribe(&mut self, patterns: &[&[u8]]) -> Result<()> {
        for p in patterns {
            self.patterns.remove(*p);
        }
        self.send("PUNSUBSCRIBE", "punsubscribe", patterns).await
    }

    /// Waits for the next message, reconnecting and resubscribing if the connection breaks.
    pub async fn next_message(&mut self) -> Result<Message> {
        loop {
            if let Some(m) = self.pending.pop_front() {
                return Ok(m);
            }
            let frame = match self.conn.as_mut() {
                Some(conn) => conn.read_frame().await,
                None => Err(Error::closed()),
            };
            match frame {
                Ok(frame) => {
                    if let Some(m) = parse(frame)?.message() {
                        return Ok(m);
                    }
                }
                Err(err) if err.is_connection_dropped() => self.reconnect(err).await?,
                Err(err) => return Err(err),
            }
        }
    }

    async fn connection(&mut self) -> Result<&mut Connection> {
        if self.conn.is_none() {
            self.conn = Some(Connection::connect(&self.config).await?);
        }
        self.conn.as_mut().ok_or_else(Error::closed)
    }

    /// Sends a (un)subscribe command and waits for one confirmation per name, keeping any
    /// messages that arrive meanwhile.
    async fn send(&mut self, command: &str, confirm: &str, names: &[&[u8]]) -> Result<()> {
        let mut c = cmd(command);
        for n in names {
            c.push_bytes(n);
        }
        let conn = self.connection().await?;
        conn.write_command(&c).await?;
        let mut confirmed = 0;
        let wanted = names.len().max(1);
        while confirmed < wanted {
            let frame = self
                .conn
                .as_mut()
                .ok_or_else(Error::closed)?
                .read_frame()
                .await?;
            match parse(frame)? {
                Event::Confirm(kind) if kind == confirm.as_bytes() => confirmed += 1,
                Event::Message(m) => self.pending.push_back(m),
                Event::Confirm(_) | Event::Other => {}
            }
        }
        Ok(())
    }

    async fn reconnect(&mut self, cause: Error) -> Result<()> {
        self.conn = None;
        let mut delay = Duration::from_millis(50);
        let mut last = cause;
        for _ in 0..RECONNECT_ATTEMPTS {
            tokio::time::sleep(delay).await;
            match self.resubscribe().await {
                Ok(()) => {
                    self.reconnects += 1;
                    return Ok(());
                }
                Err(err) if err.is_connection_dropped() => last = err,
                Err(err) => return Err(err),
            }
            self.conn = None;
            delay = (delay * 2).min(Duration::from_secs(2));
        }
        Err(Error::new(
            ErrorKind::Io,
            format!("the subscriber lost its connection and could not reconnect: {last}"),
        ))
    }

    async fn resubscribe(&mut self) -> Result<()> {
        let channels: Vec<Bytes> = self.channels.iter().cloned().collect();
        let patterns: Vec<Bytes> = self.patterns.iter().cloned().collect();
        self.connection().await?;
        if !channels.is_empty() {
            let names: Vec<&[u8]> = channels.iter().map(|c| &c[..]).collect();
            self.send("SUBSCRIBE", "subscribe", &names).await?;
        }
        if !patterns.is_empty() {
            let names: Vec<&[u8]> = patterns.iter().map(|c| &c[..]).collect();
            self.send("PSUBSCRIBE", "psubscribe", &names).await?;
        }
        Ok(())
    }
}

/// What a frame on a subscribed connection means.
enum Event {
    Message(Message),
    Confirm(Blob),
    Other,
}

impl Event {
    fn message(self) -> Option<Message> {
        match self {
            Event::Message(m) => Some(m),
            _ => None,
        }
    }
}

fn parse(frame: Value) -> Result<Event> {
    let items = match frame {
        Value::Push(items) | Value::Array(items) => items,
        Value::Error(err) => return Err(err.into()),
        _ => return Ok(Event::Other),
    };
    let kind = items
        .first()
        .and_then(Value::as_bytes)
        .map(Blob::copy_from_slice)
        .unwrap_or_default();
    let arity = items.len();
    let mut fields = items.into_iter().skip(1).map(|v| match v {
        Value::Bulk(b) | Value::Simple(b) => Some(b),
        Value::Verbatim { text, .. } => Some(Blob::from(text)),
        _ => None,
    });
    let mut next = || fields.next().flatten();
    Ok(match (&kind[..], arity) {
        (b"message", 3) => Event::Message(Message {
            channel: next().unwrap_or_default(),
            pattern: None,
            payload: next().unwrap_or_default(),
        }),
        (b"pmessage", 4) => {
            let pattern = next();
            Event::Message(Message {
                channel: next().unwrap_or_default(),
                pattern,
                payload: next().unwrap_or_default(),
            })
        }
        (b"subscribe" | b"psubscribe" | b"unsubscribe" | b"punsubscribe", _) => {
            Event::Confirm(kind)
        }
        _ => Event::Other,
    })
}

impl crate::Client {
    /// A subscriber with this client's configuration, on its own connection.
    pub fn pubsub(&self) -> PubSub {
        PubSub::new(self.pool().config().clone())
    }
}

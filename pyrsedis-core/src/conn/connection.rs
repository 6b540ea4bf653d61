//! One connection: handshake, request/reply exchange, pipelines, push frames.

use std::time::Duration;

use bytes::BytesMut;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc::UnboundedSender;

use super::state::SessionState;
use super::stream::Stream;
use crate::cmd::{Cmd, cmd};
use crate::config::{Config, Protocol, Topology};
use crate::resp::{Decoder, ServerError, ServerErrorKind, Sink, Value, ValueSink};
use crate::{Error, ErrorKind, Result};

/// Bytes asked of the socket per read when the decoder does not know how many it needs.
const READ_CHUNK: usize = 64 * 1024;

/// A single connection to a server.
///
/// A connection is *dirty* from the moment a request is written until every reply to it has
/// been read. If that exchange fails, times out, or its future is dropped, the connection stays
/// dirty and [`crate::conn::Pool`] discards it instead of reusing it, so a late reply can never
/// be read as the answer to someone else's command.
#[derive(Debug)]
pub struct Connection {
    stream: Stream,
    buf: BytesMut,
    decoder: Decoder,
    out: Vec<u8>,
    protocol: Protocol,
    dirty: bool,
    state: SessionState,
    response_timeout: Option<Duration>,
    push_sink: ValueSink,
    pushes: Option<UnboundedSender<Value>>,
}

impl Connection {
    /// Connects to the configured server and runs the handshake (`HELLO`/`AUTH`, `CLIENT
    /// SETNAME`, `SELECT`), all within the connect timeout.
    pub async fn connect(config: &Config) -> Result<Connection> {
        check_supported(config)?;
        let timeout = config.connect_timeout;
        let open = async {
            let stream = Stream::connect(config)
                .await
                .map_err(|e| Error::io(&format!("could not connect to {}", config.addr), e))?;
            let mut conn = Connection {
                stream,
                buf: BytesMut::with_capacity(READ_CHUNK),
                decoder: Decoder::with_limits(config.limits),
                out: Vec::new(),
                protocol: Protocol::Resp2,
                dirty: false,
                state: SessionState::default(),
                response_timeout: Some(timeout),
                push_sink: ValueSink::new(),
                pushes: None,
            };
            conn.handshake(config).await?;
            Ok::<_, Error>(conn)
        };
        let mut conn = match tokio::time::timeout(timeout, open).await {
            Ok(conn) => conn?,
            Err(_) => {
                return Err(Error::timeout(
                    &format!("connecting to {}", config.addr),
                    timeout,
                ));
            }
        };
        conn.response_timeout = config.response_timeout;
        Ok(conn)
    }

    async fn handshake(&mut self, config: &Config) -> Result<()> {
        let mut name_sent = false;
        let mut auth_sent = false;
        if config.protocol == Protocol::Resp3 {
            let mut hello = cmd("HELLO").arg("3");
            if let Some(password) = &config.password {
                let user = config.username.as_deref().unwrap_or("default");
                hello = hello.arg("AUTH").arg(user).arg(password);
            }
            if let Some(name) = &config.client_name {
                hello = hello.arg("SETNAME").arg(name);
            }
            match self.send(&hello).await {
                Ok(_) => {
                    self.protocol = Protocol::Resp3;
                    name_sent = true;
                    auth_sent = true;
                }
                Err(err) if is_hello_unsupported(&err) => {}
                Err(err) => return Err(err),
            }
        }
        let mut setup = Vec::new();
        if let (Some(password), false) = (&config.password, auth_sent) {
            setup.push(cmd("AUTH").arg(config.username.as_deref()).arg(password));
        }
        if let (Some(name), false) = (&config.client_name, name_sent) {
            setup.push(cmd("CLIENT").arg("SETNAME").arg(name));
        }
        if config.db != 0 {
            setup.push(cmd("SELECT").arg(config.db));
        }
        if config.readonly {
            setup.push(cmd("READONLY"));
        }
        if !setup.is_empty() {
            for reply in self.send_pipeline(&setup).await? {
                reply?;
            }
        }
        // The handshake's SELECT and SETNAME are the state every pooled connection starts in.
        self.state = SessionState::default();
        Ok(())
    }

    /// Whether an idle connection was closed by the server (restart, `timeout`, `CLIENT
    /// KILL`) or holds unexpected bytes; checked without blocking or reading.
    pub fn is_stale(&self) -> bool {
        !self.buf.is_empty() || self.stream.is_stale()
    }

    /// The protocol the server agreed to.
    pub fn protocol(&self) -> Protocol {
        self.protocol
    }

    /// Whether the connection can go back to a pool: the last exchange completed and no
    /// command changed the session (`SELECT`, an unfinished `MULTI` or `WATCH`, ...).
    pub fn is_reusable(&self) -> bool {
        !self.dirty && self.state.is_clean()
    }

    /// Sets the whole-reply timeout for later requests; `None` waits forever (blocking commands
    /// with their own server-side timeout).
    pub fn set_response_timeout(&mut self, timeout: Option<Duration>) {
        self.response_timeout = timeout;
    }

    /// Delivers RESP3 push frames (pub/sub messages, invalidations) to `sender` instead of
    /// discarding them. Pushes are never taken as replies either way.
    pub fn set_push_sender(&mut self, sender: UnboundedSender<Value>) {
        self.pushes = Some(sender);
    }

    /// Sends one command and returns its reply; an error reply becomes `Err` with
    /// [`ErrorKind::Server`].
    pub async fn send(&mut self, command: &Cmd) -> Result<Value> {
        let value = self.send_into(command, &mut ValueSink::new()).await?;
        Ok(value.into_result()?)
    }

    /// Sends one command and feeds its reply to `sink`; an error reply reaches the sink as an
    /// event like any other.
    pub async fn send_into<S: Sink>(&mut self, command: &Cmd, sink: &mut S) -> Result<S::Output> {
        self.out.clear();
        command.write_to(&mut self.out);
        self.state.apply(command);
        let mut replies = self.exchange(1, sink).await?;
        replies.pop().ok_or_else(Error::closed)
    }

    /// Sends every command in one write and reads one reply per command. Error replies stay in
    /// place as `Err`; a transport failure fails the whole batch.
    pub async fn send_pipeline(
        &mut self,
        commands: &[Cmd],
    ) -> Result<Vec<Result<Value, ServerError>>> {
        self.out.clear();
        for c in commands {
            c.write_to(&mut self.out);
            self.state.apply(c);
        }
        let replies = self.exchange(commands.len(), &mut ValueSink::new()).await?;
        Ok(replies.into_iter().map(Value::into_result).collect())
    }

    /// Runs the commands atomically: `MULTI`, the commands, `EXEC`, in one write. Returns
    /// `Ok(None)` when a `WATCH`ed key changed (the transaction did not run), else one result per
    /// command. A command the server refused to queue fails the whole transaction with its error.
    pub async fn transaction(
        &mut self,
        commands: &[Cmd],
    ) -> Result<Option<Vec<Result<Value, ServerError>>>> {
        let (multi, exec) = (cmd("MULTI"), cmd("EXEC"));
        self.out.clear();
        multi.write_to(&mut self.out);
        for c in commands {
            c.write_to(&mut self.out);
        }
        exec.write_to(&mut self.out);
        self.state.apply(&multi);
        self.state.apply(&exec);
        let mut replies = self
            .exchange(commands.len() + 2, &mut ValueSink::new())
            .await?
            .into_iter();
        replies.next().unwrap_or(Value::Nil).into_result()?;
        let exec_reply = replies.next_back().unwrap_or(Value::Nil);
        for queued in replies {
            queued.into_result()?;
        }
        match exec_reply.into_result()? {
            Value::Nil => Ok(None),
            Value::Array(items) => Ok(Some(items.into_iter().map(Value::into_result).collect())),
            other => Err(Error::type_mismatch("the array EXEC returns", &other)),
        }
    }

    /// Sends a blocking command (`BLPOP`, `XREAD BLOCK`, ...) whose server-side timeout is
    /// `server_timeout` (zero: forever): the reply deadline is extended by it, so the command
    /// can outlive the normal response timeout.
    pub async fn send_blocking(
        &mut self,
        command: &Cmd,
        server_timeout: Duration,
    ) -> Result<Value> {
        let normal = self.response_timeout;
        self.response_timeout = match (normal, server_timeout.is_zero()) {
            (_, true) | (None, _) => None,
            (Some(t), false) => Some(t + server_timeout),
        };
        let result = self.send(command).await;
        self.response_timeout = normal;
        result
    }

    /// Writes `self.out` and reads `n` replies into `sink`, under the response timeout.
    async fn exchange<S: Sink>(&mut self, n: usize, sink: &mut S) -> Result<Vec<S::Output>> {
        self.dirty = true;
        let timeout = self.response_timeout;
        let work = async {
            self.stream
                .write_all(&self.out)
                .await
                .map_err(|e| Error::io("could not send the command", e))?;
            let mut replies = Vec::with_capacity(n);
            for _ in 0..n {
                replies.push(self.read_reply(sink).await?);
            }
            Ok::<_, Error>(replies)
        };
        let replies = match timeout {
            Some(t) => tokio::time::timeout(t, work)
                .await
                .map_err(|_| Error::timeout("waiting for the reply", t))??,
            None => work.await?,
        };
        self.dirty = false;
        Ok(replies)
    }

    /// Writes one command without reading anything (pub/sub: the confirmations arrive as
    /// frames read with [`Connection::read_frame`]). The connection stays dirty.
    pub(crate) async fn write_command(&mut self, command: &Cmd) -> Result<()> {
        self.dirty = true;
        self.state.apply(command);
        self.out.clear();
        command.write_to(&mut self.out);
        self.stream
            .write_all(&self.out)
            .await
            .map_err(|e| Error::io("could not send the command", e))
    }

    /// Reads the next top-level frame, push frames included, with no deadline.
    pub(crate) async fn read_frame(&mut self) -> Result<Value> {
        let mut sink = ValueSink::new();
        loop {
            if let Some(v) = self.decoder.decode(&mut self.buf, &mut sink)? {
                return Ok(v);
            }
            self.read_more().await?;
        }
    }

    /// Reads one reply, routing any push frames that come before it.
    async fn read_reply<S: Sink>(&mut self, sink: &mut S) -> Result<S::Output> {
        loop {
            if self.decoder.is_idle() && self.buf.first() == Some(&b'>') {
                let push = loop {
                    if let Some(v) = self.decoder.decode(&mut self.buf, &mut self.push_sink)? {
                        break v;
                    }
                    self.read_more().await?;
                };
                if let Some(tx) = &self.pushes {
                    // A closed receiver means nobody listens any more: drop the message.
                    let _ = tx.send(push);
                }
                continue;
            }
            if let Some(out) = self.decoder.decode(&mut self.buf, sink)? {
                return Ok(out);
            }
            self.read_more().await?;
        }
    }

    async fn read_more(&mut self) -> Result<()> {
        let needed = self.decoder.bytes_needed().unwrap_or(0);
        let additional = needed.saturating_sub(self.buf.len()).max(READ_CHUNK);
        self.buf.reserve(additional);
        let n = self
            .stream
            .read_buf(&mut self.buf)
            .await
            .map_err(|e| Error::io("could not read the reply", e))?;
        if n == 0 {
            return Err(Error::closed());
        }
        Ok(())
    }
}

/// Refuses configurations this version cannot serve, before any socket is opened.
pub(crate) fn check_supported(config: &Config) -> Result<()> {
    match config.topology {
        Topology::Standalone => Ok(()),
        Topology::Sentinel { .. } => Err(Error::new(
            ErrorKind::Unsupported,
            "redis+sentinel:// URLs need pyrsedis_core::SentinelClient, not Client",
        )),
        Topology::Cluster { .. } => Err(Error::new(
            ErrorKind::Unsupported,
            "redis+cluster:// URLs need pyrsedis_core::cluster::ClusterClient, not Client",
        )),
    }
}

/// Whether a `HELLO 3` error means "no RESP3 here" (fall back to RESP2) rather than a real
/// failure such as a wrong password.
fn is_hello_unsupported(err: &Error) -> bool {
    let Some(server) = err.server_error() else {
        return false;
    };
    match server.code() {
        "NOPROTO" => true,
        _ => {
            server.kind() == ServerErrorKind::Err
                && server
                    .detail()
                    .to_ascii_lowercase()
                    .contains("unknown command")
        }
    }
}

//! Cursor iteration with `SCAN`, `HSCAN`, `SSCAN` and `ZSCAN`.

use std::collections::VecDeque;

use bytes::Bytes;

use crate::cmd::{Cmd, ToArgs};
use crate::convert::FromValue;
use crate::{Client, Error, ErrorKind, Result, Value};

/// An iterator over a `SCAN`-family cursor; each step is one round trip.
///
/// As with every `SCAN`, an element may be returned more than once if the keyspace changes
/// during the iteration.
#[derive(Debug)]
pub struct Scan {
    client: Client,
    prefix: Cmd,
    pattern: Cmd,
    count: Option<usize>,
    cursor: Bytes,
    started: bool,
    pending: VecDeque<Bytes>,
}

impl Scan {
    pub(crate) fn new(client: Client, prefix: Cmd, pattern: impl ToArgs) -> Scan {
        Scan {
            client,
            prefix,
            pattern: Cmd::new().arg(pattern),
            count: None,
            cursor: Bytes::from_static(b"0"),
            started: false,
            pending: VecDeque::new(),
        }
    }

    /// Asks the server for about `n` elements per round trip (`COUNT`). Default is the
    /// server's (10).
    pub fn count(mut self, n: usize) -> Scan {
        self.count = Some(n);
        self
    }

    /// The next element, or `None` when the cursor is exhausted.
    pub async fn next(&mut self) -> Result<Option<Bytes>> {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Ok(Some(item));
            }
            if self.started && &self.cursor[..] == b"0" {
                return Ok(None);
            }
            self.fetch().await?;
        }
    }

    /// Every remaining element.
    pub async fn collect(mut self) -> Result<Vec<Bytes>> {
        let mut out = Vec::new();
        while let Some(item) = self.next().await? {
            out.push(item);
        }
        Ok(out)
    }

    async fn fetch(&mut self) -> Result<()> {
        let mut command = self.prefix.clone();
        command.push_arg(&self.cursor);
        command.push_arg("MATCH");
        command.extend(&self.pattern);
        if let Some(n) = self.count {
            command.push_arg("COUNT").push_arg(n);
        }
        let reply = self.client.send(&command).await?;
        let shape = || {
            Error::new(
                ErrorKind::TypeMismatch,
                "a SCAN reply is not [cursor, [items]]",
            )
        };
        let Value::Array(mut parts) = reply else {
            return Err(shape());
        };
        if parts.len() != 2 {
            return Err(shape());
        }
        let items = Vec::<Bytes>::from_value(parts.pop().unwrap_or(Value::Nil))?;
        self.cursor = Bytes::from_value(parts.pop().unwrap_or(Value::Nil))?;
        self.started = true;
        self.pending.extend(items);
        Ok(())
    }
}

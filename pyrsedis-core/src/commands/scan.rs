//! Cursor iteration with `SCAN`, `HSCAN`, `SSCAN` and `ZSCAN`.

use std::collections::VecDeque;
use std::future::Future;

use crate::resp::Blob;

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
    cursor: Cursor,
}

impl Scan {
    pub(crate) fn new(client: Client, prefix: Cmd, pattern: impl ToArgs) -> Scan {
        Scan {
            client,
            cursor: Cursor::new(prefix, pattern),
        }
    }

    /// Asks the server for about `n` elements per round trip (`COUNT`). Default is the
    /// server's (10).
    pub fn count(mut self, n: usize) -> Scan {
        self.cursor.count = Some(n);
        self
    }

    /// The next element, or `None` when the cursor is exhausted.
    pub async fn next(&mut self) -> Result<Option<Blob>> {
        let client = &self.client;
        self.cursor
            .next(|page| async move { client.send(&page).await })
            .await
    }

    /// Every remaining element.
    pub async fn collect(mut self) -> Result<Vec<Blob>> {
        let mut out = Vec::new();
        while let Some(item) = self.next().await? {
            out.push(item);
        }
        Ok(out)
    }
}

/// One `SCAN`-family cursor on one server: the command, where the cursor is, and the elements
/// of the last page not yet returned. How a page is fetched is the caller's (one client, or one
/// node of a cluster).
#[derive(Debug, Clone)]
pub(crate) struct Cursor {
    prefix: Cmd,
    pattern: Cmd,
    count: Option<usize>,
    cursor: Blob,
    started: bool,
    pending: VecDeque<Blob>,
}

impl Cursor {
    /// A cursor at its start: `prefix` (`SCAN`, or `HSCAN key`, ...) then the cursor, then
    /// `MATCH pattern`.
    pub(crate) fn new(prefix: Cmd, pattern: impl ToArgs) -> Cursor {
        Cursor {
            prefix,
            pattern: Cmd::new().arg(pattern),
            count: None,
            cursor: Blob::from("0"),
            started: false,
            pending: VecDeque::new(),
        }
    }

    /// Sets the `COUNT` sent with every page.
    pub(crate) fn set_count(&mut self, n: usize) {
        self.count = Some(n);
    }

    /// Back to cursor 0, for another server; elements not yet returned are dropped.
    pub(crate) fn restart(&mut self) {
        self.cursor = Blob::from("0");
        self.started = false;
        self.pending.clear();
    }

    /// The next element, or `None` when the server's cursor came back to 0; `fetch` sends one
    /// page's command and returns its reply. After an error, the next call asks for the same
    /// page again.
    pub(crate) async fn next<F, Fut>(&mut self, mut fetch: F) -> Result<Option<Blob>>
    where
        F: FnMut(Cmd) -> Fut,
        Fut: Future<Output = Result<Value>>,
    {
        loop {
            if let Some(item) = self.pending.pop_front() {
                return Ok(Some(item));
            }
            if self.started && &self.cursor[..] == b"0" {
                return Ok(None);
            }
            let reply = fetch(self.page()).await?;
            self.accept(reply)?;
        }
    }

    /// The command for the next page.
    fn page(&self) -> Cmd {
        let mut command = self.prefix.clone();
        command.push_arg(&self.cursor);
        command.push_arg("MATCH");
        command.extend(&self.pattern);
        if let Some(n) = self.count {
            command.push_arg("COUNT").push_arg(n);
        }
        command
    }

    /// Takes in one page's reply: `[cursor, [items]]`.
    fn accept(&mut self, reply: Value) -> Result<()> {
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
        let items = Vec::<Blob>::from_value(parts.pop().unwrap_or(Value::Nil))?;
        self.cursor = Blob::from_value(parts.pop().unwrap_or(Value::Nil))?;
        self.started = true;
        self.pending.extend(items);
        Ok(())
    }
}

//! The owned reply tree, [`Value`], and [`ValueSink`], the [`Sink`] that builds it.

use std::fmt;

use bytes::Bytes;

use super::{Aggregate, Blob, Chunk, Header, Sink};

/// A decoded reply: every RESP2 and RESP3 type.
///
/// Bulk and simple strings are [`Blob`]s: up to 23 bytes are stored inline, longer ones share
/// the connection's read buffer without a copy.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// Null (`_`, `$-1`, `*-1`).
    Nil,
    /// A simple string (`+OK`).
    Simple(Blob),
    /// A bulk string.
    Bulk(Blob),
    /// An integer.
    Int(i64),
    /// A double (RESP3).
    Double(f64),
    /// A boolean (RESP3).
    Boolean(bool),
    /// A big number, as its decimal text (RESP3).
    BigNumber(Bytes),
    /// A verbatim string with its three-byte format, such as `txt` (RESP3).
    Verbatim {
        /// The format (`txt`, `mkd`).
        format: [u8; 3],
        /// The text.
        text: Bytes,
    },
    /// An error reply nested inside another reply (a top-level error is returned as `Err`).
    Error(ServerError),
    /// An array.
    Array(Vec<Value>),
    /// A map, in wire order (RESP3).
    Map(Vec<(Value, Value)>),
    /// A set, in wire order (RESP3).
    Set(Vec<Value>),
    /// A push message (RESP3).
    Push(Vec<Value>),
    /// A value with the attributes the server sent before it (RESP3).
    Attribute {
        /// The attributes.
        attributes: Vec<(Value, Value)>,
        /// The value they describe.
        value: Box<Value>,
    },
}

impl Value {
    /// A bulk string value (a convenience for tests and examples).
    pub fn bulk(data: impl Into<Blob>) -> Value {
        Value::Bulk(data.into())
    }

    /// The bytes of a simple, bulk or verbatim string.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Value::Simple(b) | Value::Bulk(b) => Some(b),
            Value::Verbatim { text, .. } => Some(text),
            _ => None,
        }
    }

    /// Whether this is [`Value::Nil`].
    pub fn is_nil(&self) -> bool {
        matches!(self, Value::Nil)
    }

    /// Turns a top-level error value into `Err`, anything else into `Ok`.
    pub fn into_result(self) -> Result<Value, ServerError> {
        match self {
            Value::Error(err) => Err(err),
            other => Ok(other),
        }
    }
}

/// The broad class of a server error reply, from its first word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ServerErrorKind {
    /// `ERR`: a generic error.
    Err,
    /// `WRONGTYPE`: the key holds another type.
    WrongType,
    /// `NOSCRIPT`: the script is not cached.
    NoScript,
    /// `MOVED`: cluster redirection.
    Moved,
    /// `ASK`: cluster redirection for one command.
    Ask,
    /// `TRYAGAIN`: retry later (cluster resharding).
    TryAgain,
    /// `CLUSTERDOWN`.
    ClusterDown,
    /// `LOADING`: the server is loading its dataset.
    Loading,
    /// `READONLY`: a write sent to a replica.
    ReadOnly,
    /// `NOAUTH`: authentication required.
    NoAuth,
    /// `WRONGPASS`: bad user name or password.
    WrongPass,
    /// `NOPERM`: the ACL user may not do this.
    NoPerm,
    /// `BUSY`: a script is running.
    Busy,
    /// `EXECABORT`: the transaction was discarded.
    ExecAbort,
    /// Any other code.
    Other,
}

/// An error reply from the server (`-ERR ...` or a RESP3 blob error), kept as sent.
///
/// Two errors are equal when their texts are; the wire form (simple or blob) is not compared.
/// The text is a copy (errors are rare and short), which keeps a [`Value`] at 40 bytes and
/// leaves the read buffer free.
#[derive(Clone, Eq)]
pub struct ServerError {
    text: Box<[u8]>,
    blob: bool,
}

impl ServerError {
    /// An error with the given full text (`"ERR unknown command"`).
    pub fn new(text: impl Into<Bytes>) -> ServerError {
        ServerError {
            text: Vec::from(text.into()).into_boxed_slice(),
            blob: false,
        }
    }

    pub(crate) fn from_wire(text: &[u8], blob: bool) -> ServerError {
        ServerError {
            text: text.into(),
            blob,
        }
    }

    /// Whether it came as a RESP3 blob error (`!`) rather than a simple error (`-`).
    pub fn is_blob(&self) -> bool {
        self.blob
    }

    /// The whole text as sent, code included.
    pub fn as_bytes(&self) -> &[u8] {
        &self.text
    }

    /// The code: the first word (`ERR`, `WRONGTYPE`, `MOVED`).
    pub fn code(&self) -> &str {
        let first = self.text.split(|&b| b == b' ').next().unwrap_or_default();
        std::str::from_utf8(first).unwrap_or("")
    }

    /// The text after the code.
    pub fn detail(&self) -> String {
        let text = String::from_utf8_lossy(&self.text);
        match text.split_once(' ') {
            Some((_, rest)) => rest.to_owned(),
            None => String::new(),
        }
    }

    /// The class of the error, from its code.
    pub fn kind(&self) -> ServerErrorKind {
        match self.code() {
            "ERR" => ServerErrorKind::Err,
            "WRONGTYPE" => ServerErrorKind::WrongType,
            "NOSCRIPT" => ServerErrorKind::NoScript,
            "MOVED" => ServerErrorKind::Moved,
            "ASK" => ServerErrorKind::Ask,
            "TRYAGAIN" => ServerErrorKind::TryAgain,
            "CLUSTERDOWN" => ServerErrorKind::ClusterDown,
            "LOADING" => ServerErrorKind::Loading,
            "READONLY" => ServerErrorKind::ReadOnly,
            "NOAUTH" => ServerErrorKind::NoAuth,
            "WRONGPASS" => ServerErrorKind::WrongPass,
            "NOPERM" => ServerErrorKind::NoPerm,
            "BUSY" => ServerErrorKind::Busy,
            "EXECABORT" => ServerErrorKind::ExecAbort,
            _ => ServerErrorKind::Other,
        }
    }
}

impl PartialEq for ServerError {
    fn eq(&self, other: &Self) -> bool {
        self.text == other.text
    }
}

impl fmt::Display for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.text))
    }
}

impl fmt::Debug for ServerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ServerError({:?})", String::from_utf8_lossy(&self.text))
    }
}

impl std::error::Error for ServerError {}

/// One aggregate being built.
#[derive(Debug)]
enum Building {
    List {
        kind: Aggregate,
        items: Vec<Value>,
        attributes: Option<Vec<(Value, Value)>>,
    },
    Pairs {
        kind: Aggregate,
        pairs: Vec<(Value, Value)>,
        key: Option<Value>,
        attributes: Option<Vec<(Value, Value)>>,
    },
}

/// The [`Sink`] that builds a [`Value`]; reusable across replies.
#[derive(Debug, Default)]
pub struct ValueSink {
    stack: Vec<Building>,
    pending_attributes: Option<Vec<(Value, Value)>>,
    done: Option<Value>,
}

impl ValueSink {
    /// An empty sink.
    pub fn new() -> Self {
        ValueSink::default()
    }

    fn push(&mut self, value: Value) {
        let value = match self.pending_attributes.take() {
            Some(attributes) => Value::Attribute {
                attributes,
                value: Box::new(value),
            },
            None => value,
        };
        self.place(value);
    }

    fn place(&mut self, value: Value) {
        match self.stack.last_mut() {
            None => self.done = Some(value),
            Some(Building::List { items, .. }) => items.push(value),
            Some(Building::Pairs { pairs, key, .. }) => match key.take() {
                None => *key = Some(value),
                Some(k) => pairs.push((k, value)),
            },
        }
    }
}

impl Sink for ValueSink {
    type Output = Value;

    fn simple(&mut self, text: Chunk<'_>) {
        self.push(Value::Simple(text.into_blob()));
    }
    fn error(&mut self, text: Chunk<'_>, blob: bool) {
        self.push(Value::Error(ServerError::from_wire(text.as_bytes(), blob)));
    }
    #[inline]
    fn bulk(&mut self, data: Chunk<'_>) {
        // The common case (an element of an array, no attribute pending) goes straight in.
        if let (None, Some(Building::List { items, .. })) =
            (&self.pending_attributes, self.stack.last_mut())
        {
            items.push(Value::Bulk(data.into_blob()));
            return;
        }
        self.push(Value::Bulk(data.into_blob()));
    }
    fn verbatim(&mut self, format: [u8; 3], text: Chunk<'_>) {
        self.push(Value::Verbatim {
            format,
            text: text.into_bytes(),
        });
    }
    fn integer(&mut self, value: i64) {
        self.push(Value::Int(value));
    }
    fn double(&mut self, value: f64, _text: &[u8]) {
        self.push(Value::Double(value));
    }
    fn boolean(&mut self, value: bool) {
        self.push(Value::Boolean(value));
    }
    fn big_number(&mut self, digits: Chunk<'_>) {
        self.push(Value::BigNumber(digits.into_bytes()));
    }
    fn null(&mut self) {
        self.push(Value::Nil);
    }
    fn begin(&mut self, header: Header) {
        // Attributes seen just before this aggregate describe it, not its first child.
        let attributes = if header.kind() == Aggregate::Attribute {
            None
        } else {
            self.pending_attributes.take()
        };
        let building = match header.kind() {
            kind @ (Aggregate::Map | Aggregate::Attribute) => Building::Pairs {
                kind,
                pairs: Vec::with_capacity(header.capacity()),
                key: None,
                attributes,
            },
            kind => Building::List {
                kind,
                items: Vec::with_capacity(header.capacity()),
                attributes,
            },
        };
        self.stack.push(building);
    }
    fn end(&mut self) {
        let (value, attributes) = match self.stack.pop() {
            Some(Building::List {
                kind,
                items,
                attributes,
            }) => {
                let value = match kind {
                    Aggregate::Set => Value::Set(items),
                    Aggregate::Push => Value::Push(items),
                    _ => Value::Array(items),
                };
                (value, attributes)
            }
            Some(Building::Pairs {
                kind: Aggregate::Attribute,
                pairs,
                ..
            }) => {
                self.pending_attributes = Some(pairs);
                return;
            }
            Some(Building::Pairs {
                pairs, attributes, ..
            }) => (Value::Map(pairs), attributes),
            None => return,
        };
        let value = match attributes {
            Some(attributes) => Value::Attribute {
                attributes,
                value: Box::new(value),
            },
            None => value,
        };
        self.place(value);
    }
    fn finish(&mut self) -> Value {
        self.stack.clear();
        self.pending_attributes = None;
        self.done.take().unwrap_or(Value::Nil)
    }
}

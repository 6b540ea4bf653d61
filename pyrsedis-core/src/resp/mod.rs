//! The RESP2 and RESP3 wire protocol: an incremental decoder that drives a [`Sink`], the owned
//! [`Value`] built through it, and the encoders for commands and values.
//!
//! The decoder is resumable: fed a buffer that ends mid-reply it consumes every whole token,
//! keeps its nesting stack, and returns `Ok(None)`; fed more bytes it carries on from there. It
//! never rescans consumed bytes and never copies them back. Bulk data reaches the sink as a
//! [`Chunk`] that can be taken as a zero-copy [`bytes::Bytes`].
//!
//! ```
//! use bytes::BytesMut;
//! use pyrsedis_core::resp::{Decoder, Value, ValueSink};
//!
//! let mut decoder = Decoder::new();
//! let mut sink = ValueSink::new();
//! let mut buf = BytesMut::from(&b"*2\r\n$5\r\nhel"[..]);
//! assert_eq!(decoder.decode(&mut buf, &mut sink)?, None); // short read: state is kept
//! buf.extend_from_slice(b"lo\r\n:42\r\n");
//! let value = decoder.decode(&mut buf, &mut sink)?.unwrap();
//! assert_eq!(value, Value::Array(vec![Value::bulk("hello"), Value::Int(42)]));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod blob;
mod decode;
mod encode;
pub(crate) mod token;
mod value;

use bytes::{Bytes, BytesMut};

pub use blob::Blob;
pub use decode::{Decoder, FrameScanner, frame_len};
pub use encode::encode_value;
pub(crate) use encode::format_double;
pub(crate) use token::parse_i64 as parse_integer;
pub use value::{ServerError, ServerErrorKind, Value, ValueSink};

/// The kinds of RESP aggregate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Aggregate {
    /// `*`: an ordered list.
    Array,
    /// `%`: key/value pairs (RESP3).
    Map,
    /// `~`: an unordered collection (RESP3).
    Set,
    /// `|`: key/value pairs describing the value that follows it (RESP3).
    Attribute,
    /// `>`: an out-of-band message such as a pub/sub message (RESP3).
    Push,
}

impl Aggregate {
    /// How many values each counted entry holds: 2 for maps and attributes, 1 otherwise.
    pub fn width(self) -> usize {
        match self {
            Aggregate::Map | Aggregate::Attribute => 2,
            _ => 1,
        }
    }
}

/// The header of an aggregate, as a [`Sink`] sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    kind: Aggregate,
    len: usize,
    capacity: usize,
}

impl Header {
    /// The kind of aggregate.
    pub fn kind(&self) -> Aggregate {
        self.kind
    }

    /// Entries announced (pairs for maps and attributes), already checked against
    /// [`Limits::max_elements`]. Not yet checked against the bytes that will arrive: do not
    /// reserve this many, reserve [`Header::capacity`].
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the aggregate is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// A safe number of entries to reserve: `len` capped by what the bytes already received
    /// could hold (every value is at least three bytes).
    pub fn capacity(&self) -> usize {
        self.capacity
    }
}

/// Bulk data inside the decoder's buffer, lent to a [`Sink`].
///
/// Read it with [`Chunk::as_bytes`], take it without copying with [`Chunk::into_bytes`], or as a
/// [`Blob`] with [`Chunk::into_blob`] (copied inline when short, shared when long).
#[derive(Debug)]
pub struct Chunk<'a> {
    buf: &'a mut BytesMut,
    len: usize,
}

impl Chunk<'_> {
    /// The bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }

    /// Takes the bytes out of the buffer as a shared [`Bytes`] handle: no copy.
    pub fn into_bytes(self) -> Bytes {
        self.buf.split_to(self.len).freeze()
    }

    /// The bytes as a [`Blob`]: up to [`Blob::INLINE_CAPACITY`] bytes are copied inline (no
    /// allocation, no reference count, and the read buffer stays free for reuse), longer ones
    /// are taken without copying as with [`Chunk::into_bytes`].
    #[inline]
    pub fn into_blob(self) -> Blob {
        if let Ok(len) = u8::try_from(self.len)
            && usize::from(len) <= blob::INLINE
        {
            // The common case of a short string inside a reply: the buffer holds at least the
            // CRLF after it and usually more, so a fixed-size window copies it in one move.
            if let Some(window) = self.buf.first_chunk::<{ blob::INLINE + 1 }>() {
                return Blob::from_window(window, len);
            }
            return Blob::copy_from_slice(self.as_bytes());
        }
        Blob::from(self.into_bytes())
    }

    /// Length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether there are no bytes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Receives a reply as a stream of events, in wire order, and builds whatever the caller wants
/// from it in one pass.
///
/// For a reply the decoder calls the scalar methods for leaves, and [`Sink::begin`] /
/// [`Sink::end`] around the children of each aggregate (for maps and attributes the children
/// alternate key, value). An attribute is reported before the value it describes, as its own
/// `begin(Attribute)` ... `end()`. When the top-level reply is complete the decoder calls
/// [`Sink::finish`] and returns what it gives. Events of one reply may arrive over several
/// `decode` calls; the sink keeps its own state in between.
pub trait Sink {
    /// What a complete reply turns into.
    type Output;
    /// `+text`: a simple string (status reply).
    fn simple(&mut self, text: Chunk<'_>);
    /// `-text` (`blob == false`) or `!len text` (`blob == true`): an error reply.
    fn error(&mut self, text: Chunk<'_>, blob: bool);
    /// `$len data`: a bulk string.
    fn bulk(&mut self, data: Chunk<'_>);
    /// `=len fmt:text`: a verbatim string with its three-byte format (`txt`, `mkd`).
    fn verbatim(&mut self, format: [u8; 3], text: Chunk<'_>);
    /// `:n`: an integer.
    fn integer(&mut self, value: i64);
    /// `,x`: a double, with the text the server wrote.
    fn double(&mut self, value: f64, text: &[u8]);
    /// `#t` / `#f`: a boolean.
    fn boolean(&mut self, value: bool);
    /// `(digits`: a big number, as its decimal text.
    fn big_number(&mut self, digits: Chunk<'_>);
    /// `_`, `$-1` or `*-1`: null.
    fn null(&mut self);
    /// The start of an aggregate; its children follow, then [`Sink::end`].
    fn begin(&mut self, header: Header);
    /// The end of the innermost open aggregate.
    fn end(&mut self);
    /// The top-level reply is complete: return it and get ready for the next one.
    fn finish(&mut self) -> Self::Output;
}

/// Hard limits applied to every reply, in every decoding path (the frame scanner included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Most values one aggregate may announce (a map entry counts twice). Default is 16 Mi.
    pub max_elements: usize,
    /// Deepest nesting of aggregates. Default is 512.
    pub max_depth: usize,
    /// Longest bulk string, blob error or verbatim string, and longest simple line.
    /// Default is 512 MiB (Redis's own `proto-max-bulk-len`).
    pub max_bulk_len: usize,
    /// Most digits in a big number. Default is 10 000.
    pub max_bignum_len: usize,
    /// Most bytes of one token (a line, or a bulk string with its header and CRLF), so most
    /// bytes buffered for an unfinished one; the same whether it arrives in one read or in many.
    /// Default is 64 MiB.
    pub max_buffer: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_elements: 16 * 1024 * 1024,
            max_depth: 512,
            max_bulk_len: 512 * 1024 * 1024,
            max_bignum_len: 10_000,
            max_buffer: 64 * 1024 * 1024,
        }
    }
}

impl Limits {
    /// Sets [`Limits::max_elements`].
    pub fn max_elements(mut self, n: usize) -> Self {
        self.max_elements = n;
        self
    }
    /// Sets [`Limits::max_depth`].
    pub fn max_depth(mut self, n: usize) -> Self {
        self.max_depth = n;
        self
    }
    /// Sets [`Limits::max_bulk_len`].
    pub fn max_bulk_len(mut self, n: usize) -> Self {
        self.max_bulk_len = n;
        self
    }
    /// Sets [`Limits::max_bignum_len`].
    pub fn max_bignum_len(mut self, n: usize) -> Self {
        self.max_bignum_len = n;
        self
    }
    /// Sets [`Limits::max_buffer`].
    pub fn max_buffer(mut self, n: usize) -> Self {
        self.max_buffer = n;
        self
    }
}

/// Why bytes could not be decoded as RESP. After an error the decoder's state is undefined:
/// drop the connection (or call [`Decoder::reset`] and discard the buffer).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecodeError {
    /// The bytes break the RESP grammar.
    #[error("protocol error: the server sent {what}")]
    Protocol {
        /// What was wrong.
        what: &'static str,
    },
    /// A reply starts with a byte that is no RESP2 or RESP3 type.
    #[error("protocol error: {byte:#04x} ({shown:?}) is not a RESP type byte", shown = char::from(*byte))]
    UnknownType {
        /// The offending byte.
        byte: u8,
    },
    /// A reply is larger or deeper than a configured limit.
    #[error(
        "reply refused: {what} {value} over the limit of {limit} (raise it in Limits if the reply is legitimate)"
    )]
    LimitExceeded {
        /// Which limit.
        what: &'static str,
        /// The value seen (or the first value over the limit).
        value: u64,
        /// The limit.
        limit: u64,
    },
}

#[cfg(test)]
mod tests;

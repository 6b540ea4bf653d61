//! The incremental decoder and the frame scanner, which share one nesting machine.

use bytes::{Buf, BytesMut};

use super::token::{self, Step, Token};
use super::{Aggregate, Chunk, DecodeError, Header, Limits, Sink};

/// The smallest encoding of any value (`_\r\n`), used to bound reservations.
const MIN_VALUE_BYTES: usize = 3;

/// One open aggregate: how many values it still waits for.
#[derive(Debug, Clone, Copy)]
struct Level {
    kind: Aggregate,
    remaining: usize,
}

/// The nesting stack shared by [`Decoder`] and [`FrameScanner`]: an explicit stack, so no reply
/// can overflow the thread's stack, bounded by [`Limits::max_depth`].
#[derive(Debug, Clone, Default)]
struct Nesting {
    stack: Vec<Level>,
}

impl Nesting {
    /// Opens an aggregate of `len` entries, refusing to nest deeper than the limit.
    fn open(&mut self, kind: Aggregate, len: usize, limits: &Limits) -> Result<(), DecodeError> {
        if self.stack.len() >= limits.max_depth {
            return Err(DecodeError::LimitExceeded {
                what: "nesting depth",
                value: self.stack.len() as u64 + 1,
                limit: limits.max_depth as u64,
            });
        }
        self.stack.push(Level {
            kind,
            remaining: len * kind.width(),
        });
        Ok(())
    }

    /// Records that a value (scalar or just-closed aggregate) completed; closes every aggregate
    /// this fills, calling `on_end` for each. Returns true when the top-level reply is complete.
    fn value_done(&mut self, mut on_end: impl FnMut()) -> bool {
        loop {
            let Some(top) = self.stack.last_mut() else {
                return true;
            };
            if top.remaining > 0 {
                top.remaining -= 1;
                if top.remaining > 0 {
                    return false;
                }
            }
            let kind = top.kind;
            self.stack.pop();
            on_end();
            if kind == Aggregate::Attribute {
                // An attribute describes the value that follows; it is not a value itself.
                return false;
            }
        }
    }

    fn is_empty(&self) -> bool {
        self.stack.is_empty()
    }
}

/// The incremental RESP2/RESP3 decoder.
///
/// Call [`Decoder::decode`] with the connection's read buffer whenever bytes arrive; it removes
/// the bytes of every whole token from the front of the buffer, sends the events to the sink,
/// and returns `Ok(Some(output))` when a top-level reply is complete or `Ok(None)` when it needs
/// more bytes. A partial token stays in the buffer, and its scan position is remembered, so a
/// large reply arriving in many reads is decoded in linear time.
#[derive(Debug, Clone, Default)]
pub struct Decoder {
    limits: Limits,
    nesting: Nesting,
    scan_from: usize,
    needed: Option<usize>,
    in_reply: bool,
}

impl Decoder {
    /// A decoder with the default [`Limits`].
    pub fn new() -> Self {
        Decoder::default()
    }

    /// A decoder with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        Decoder {
            limits,
            ..Decoder::default()
        }
    }

    /// The limits in force.
    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    /// Whether no reply is in progress (the next byte starts a new top-level reply).
    pub fn is_idle(&self) -> bool {
        !self.in_reply
    }

    /// When the unfinished token's total size is known (a bulk string whose header arrived),
    /// how many bytes the buffer must hold for it; lets a reader reserve once.
    pub fn bytes_needed(&self) -> Option<usize> {
        self.needed
    }

    /// Forgets any reply in progress.
    pub fn reset(&mut self) {
        self.nesting.stack.clear();
        self.scan_from = 0;
        self.needed = None;
        self.in_reply = false;
    }

    /// Decodes as much of the reply at the front of `buf` as has arrived, feeding `sink`.
    ///
    /// Consumed bytes are removed from `buf` (without copying the rest). Returns the sink's
    /// output when the reply is complete, `Ok(None)` when more bytes are needed.
    pub fn decode<S: Sink>(
        &mut self,
        buf: &mut BytesMut,
        sink: &mut S,
    ) -> Result<Option<S::Output>, DecodeError> {
        loop {
            let (token, consumed) = match token::parse(buf, &self.limits, self.scan_from)? {
                Step::Ready(token, consumed) => (token, consumed),
                Step::Incomplete { scanned, needed } => {
                    if buf.len() >= self.limits.max_buffer {
                        return Err(DecodeError::LimitExceeded {
                            what: "buffered bytes of one token",
                            value: buf.len() as u64,
                            limit: self.limits.max_buffer as u64,
                        });
                    }
                    self.scan_from = scanned;
                    self.needed = needed;
                    return Ok(None);
                }
            };
            self.scan_from = 0;
            self.needed = None;
            self.in_reply = true;
            match token {
                Token::Simple { start, end } => {
                    emit(buf, start, end - start, consumed, |c| sink.simple(c))
                }
                Token::Error { start, end } => {
                    emit(buf, start, end - start, consumed, |c| sink.error(c, false))
                }
                Token::BlobError { start, len } => {
                    emit(buf, start, len, consumed, |c| sink.error(c, true))
                }
                Token::Bulk { start, len } => emit(buf, start, len, consumed, |c| sink.bulk(c)),
                Token::Verbatim { format, start, len } => {
                    emit(buf, start, len, consumed, |c| sink.verbatim(format, c))
                }
                Token::BigNumber { start, end } => {
                    emit(buf, start, end - start, consumed, |c| sink.big_number(c))
                }
                Token::Integer(n) => {
                    buf.advance(consumed);
                    sink.integer(n);
                }
                Token::Double { value, start, end } => {
                    sink.double(value, &buf[start..end]);
                    buf.advance(consumed);
                }
                Token::Boolean(b) => {
                    buf.advance(consumed);
                    sink.boolean(b);
                }
                Token::Null => {
                    buf.advance(consumed);
                    sink.null();
                }
                Token::Aggregate { kind, len } => {
                    buf.advance(consumed);
                    self.nesting.open(kind, len, &self.limits)?;
                    let values = len * kind.width();
                    let capacity = len.min(buf.len() / (MIN_VALUE_BYTES * kind.width()));
                    sink.begin(Header {
                        kind,
                        len,
                        capacity,
                    });
                    if values > 0 {
                        continue;
                    }
                    // An empty aggregate closes at once: count it as a value of its parent.
                    // `value_done` below pops it (remaining is already zero).
                }
            }
            if self.nesting.value_done(|| sink.end()) {
                self.in_reply = false;
                return Ok(Some(sink.finish()));
            }
        }
    }
}

/// Lends `len` bytes at `start` to the sink, then drops the rest of the token's `consumed` bytes.
fn emit(buf: &mut BytesMut, start: usize, len: usize, consumed: usize, f: impl FnOnce(Chunk<'_>)) {
    buf.advance(start);
    let before = buf.len();
    f(Chunk { buf, len });
    let taken = before - buf.len();
    buf.advance(consumed - start - taken);
}

/// Finds where complete replies end without building anything: the limits and grammar checks of
/// the decoder, resumable across reads.
///
/// ```
/// use pyrsedis_core::resp::FrameScanner;
///
/// let mut scanner = FrameScanner::default();
/// assert_eq!(scanner.scan(b"*2\r\n$3\r\nfoo")?, None);
/// assert_eq!(scanner.scan(b"*2\r\n$3\r\nfoo\r\n:1\r\n+OK\r\n")?, Some(17));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct FrameScanner {
    limits: Limits,
    nesting: Nesting,
    offset: usize,
    scan_from: usize,
}

impl FrameScanner {
    /// A scanner with the given limits.
    pub fn with_limits(limits: Limits) -> Self {
        FrameScanner {
            limits,
            ..FrameScanner::default()
        }
    }

    /// Scans `buf`, which must start where the previous call's `buf` started and extend it.
    /// Returns the length of the first complete reply, or `Ok(None)` when it is not complete
    /// yet. After `Some`, the scanner is ready for the next reply (at offset 0 of the caller's
    /// next buffer).
    pub fn scan(&mut self, buf: &[u8]) -> Result<Option<usize>, DecodeError> {
        loop {
            let rest = buf.get(self.offset..).unwrap_or_default();
            match token::parse(rest, &self.limits, self.scan_from)? {
                Step::Incomplete { scanned, .. } => {
                    if rest.len() >= self.limits.max_buffer {
                        return Err(DecodeError::LimitExceeded {
                            what: "buffered bytes of one token",
                            value: rest.len() as u64,
                            limit: self.limits.max_buffer as u64,
                        });
                    }
                    self.scan_from = scanned;
                    return Ok(None);
                }
                Step::Ready(token, consumed) => {
                    self.scan_from = 0;
                    self.offset += consumed;
                    if let Token::Aggregate { kind, len } = token {
                        self.nesting.open(kind, len, &self.limits)?;
                        if len > 0 {
                            continue;
                        }
                    }
                    if self.nesting.value_done(|| ()) {
                        let end = self.offset;
                        self.offset = 0;
                        debug_assert!(self.nesting.is_empty());
                        return Ok(Some(end));
                    }
                }
            }
        }
    }
}

/// The length of the complete reply at the start of `buf`, or `Ok(None)` if it is incomplete.
pub fn frame_len(buf: &[u8], limits: &Limits) -> Result<Option<usize>, DecodeError> {
    FrameScanner::with_limits(*limits).scan(buf)
}

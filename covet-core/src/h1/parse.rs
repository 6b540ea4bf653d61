//! Request heads: httparse for the syntax, then the strictness RFC 9112 and RFC 9110 require.
//!
//! [`parse_head`] is a push parser: give it the bytes read so far; it answers `Ok(None)` while
//! the head is incomplete (never an error for a valid prefix), a [`Head`] once it is complete, or
//! a protocol [`Error`] whose [`status`](Error::status) is the response to send before closing.
//!
//! On top of httparse (token methods and header names, versions 1.0 and 1.1 only, no NUL or
//! other controls in values, obs-fold rejected) this module enforces:
//!
//! - every line ends in CRLF: a bare LF or a bare CR anywhere in the head is 400 (httparse
//!   refuses bare CRs; this module finds bare LFs at the line ends);
//! - the request line is at most `max_request_line` bytes (414), the head at most `max_head`
//!   bytes and `max_headers` fields (431);
//! - a version token `HTTP/<digit>` whose major version is not 1 is 505;
//! - the request target is ASCII origin-form, absolute-form (`http://`/`https://`), or `*` with
//!   OPTIONS; CONNECT (authority-form) is 501; a fragment (`#`) is 400;
//! - HTTP/1.1 needs exactly one `Host` field, HTTP/1.0 at most one, with a valid
//!   `uri-host[:port]` value;
//! - `Content-Length` is one field of 1*DIGIT that fits a `u64` (no signs, lists or spaces), and
//!   larger than `max_body` is 413 before any body byte is read;
//! - `Transfer-Encoding` is one field ending in `chunked`, not in HTTP/1.0, not together with
//!   `Content-Length`; `chunked` applied twice or not last is 400, any other coding is 501;
//! - `Expect` is `100-continue` or 417.

use std::mem::MaybeUninit;

use crate::config::{Limits, MAX_HEADERS};
use crate::error::{Error, Result};
use crate::method::{Method, Version};

/// How the body of a request is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Framing {
    /// No body.
    Empty,
    /// Exactly this many bytes follow the head.
    Length(u64),
    /// A chunked body follows the head.
    Chunked,
}

/// A byte range inside the head, stored compactly (heads are at most 64 KiB).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Span {
    pub(crate) start: u16,
    pub(crate) end: u16,
}

impl Span {
    fn new(start: usize, len: usize) -> Result<Self> {
        let conv = |n: usize| {
            u16::try_from(n).map_err(|_| Error::new_protocol(431, "request head too large"))
        };
        Ok(Span {
            start: conv(start)?,
            end: conv(start + len)?,
        })
    }

    pub(crate) fn get(self, buf: &[u8]) -> &[u8] {
        buf.get(usize::from(self.start)..usize::from(self.end))
            .unwrap_or(&[])
    }

    pub(crate) fn get_str(self, buf: &[u8]) -> &str {
        std::str::from_utf8(self.get(buf)).unwrap_or("")
    }
}

/// A parsed request head: positions into the bytes it was parsed from, plus what the strict
/// checks decided (framing, keep-alive, `Expect: 100-continue`).
///
/// A `Head` does not borrow the buffer; read its parts by handing the same bytes back (the
/// server wraps both in a [`Request`](crate::Request)).
#[derive(Clone)]
pub struct Head {
    len: usize,
    method: Method,
    method_span: Span,
    target: Span,
    path: Span,
    query: Option<Span>,
    version: Version,
    header_count: usize,
    /// The header lines, from the first field name to the CRLF before the empty line.
    fields: Span,
    framing: Framing,
    keep_alive: bool,
    expect_continue: bool,
}

impl std::fmt::Debug for Head {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Head")
            .field("len", &self.len)
            .field("method", &self.method)
            .field("version", &self.version)
            .field("headers", &self.header_count)
            .field("framing", &self.framing)
            .field("keep_alive", &self.keep_alive)
            .finish()
    }
}

impl Head {
    /// Bytes the head took, including leading empty lines and the final empty line.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Always false: a head holds at least a request line. Present for clippy's `len` rule.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.method
    }

    /// The method token as sent.
    pub fn method_str<'a>(&self, buf: &'a [u8]) -> &'a str {
        self.method_span.get_str(buf)
    }

    /// The request target as sent (path and query, or the absolute URI, or `*`).
    pub fn target<'a>(&self, buf: &'a [u8]) -> &'a str {
        self.target.get_str(buf)
    }

    /// The path of the target, without the query; `"/"` for an absolute URI with no path.
    pub fn path<'a>(&self, buf: &'a [u8]) -> &'a str {
        let p = self.path.get_str(buf);
        if p.is_empty() { "/" } else { p }
    }

    /// The query string without its `?`, if the target has one.
    pub fn query<'a>(&self, buf: &'a [u8]) -> Option<&'a str> {
        self.query.map(|q| q.get_str(buf))
    }

    /// The version.
    pub fn version(&self) -> Version {
        self.version
    }

    /// How the body is delimited.
    pub fn framing(&self) -> Framing {
        self.framing
    }

    /// Whether the connection may serve another request after this one.
    pub fn keep_alive(&self) -> bool {
        self.keep_alive
    }

    /// Whether the client sent `Expect: 100-continue`.
    pub fn expect_continue(&self) -> bool {
        self.expect_continue
    }

    /// Number of header fields.
    pub fn header_count(&self) -> usize {
        self.header_count
    }

    /// The header fields, in order, as `(name, value)`; values are trimmed of surrounding
    /// whitespace.
    ///
    /// Fields are read back from the validated head bytes on demand, which keeps a `Head`
    /// small and parsing free of per-field bookkeeping.
    pub fn headers<'a>(&self, buf: &'a [u8]) -> Fields<'a> {
        Fields {
            rest: self.fields.get(buf),
        }
    }

    /// The value of the first field named `name` (ASCII case-insensitive).
    pub fn header<'a>(&self, buf: &'a [u8], name: &str) -> Option<&'a [u8]> {
        self.headers(buf)
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v)
    }

    pub(crate) fn path_span(&self) -> Span {
        self.path
    }
}

/// The header fields of a [`Head`], as `(name, value)` pairs.
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    rest: &'a [u8],
}

impl<'a> Iterator for Fields<'a> {
    type Item = (&'a str, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        // The head was validated: every line ends in CRLF and holds `name:value`.
        let end = memchr::memchr(b'\n', self.rest).unwrap_or(self.rest.len());
        let line = &self.rest[..end.saturating_sub(1)];
        self.rest = self.rest.get(end + 1..).unwrap_or(&[]);
        let colon = memchr::memchr(b':', line).unwrap_or(line.len());
        let name = std::str::from_utf8(&line[..colon]).unwrap_or("");
        let value = line.get(colon + 1..).unwrap_or(&[]).trim_ascii();
        Some((name, value))
    }
}

/// Parses a request head from the start of `buf`.
///
/// Returns `Ok(None)` when `buf` holds a valid but incomplete head, `Ok(Some(head))` once the
/// head is complete (`head.len()` bytes of `buf`), or a protocol error carrying the status to
/// answer with; the connection must be closed after any error.
///
/// ```
/// use covet_core::h1::{parse_head, Framing};
/// use covet_core::Limits;
///
/// let buf = b"POST /echo?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhello";
/// let head = parse_head(buf, &Limits::default())?.expect("complete");
/// assert_eq!(head.path(buf), "/echo");
/// assert_eq!(head.query(buf), Some("x=1"));
/// assert_eq!(head.framing(), Framing::Length(5));
/// assert_eq!(&buf[head.len()..], b"hello");
///
/// assert_eq!(parse_head(b"GET / HTTP/1.1\r\nHo", &Limits::default())?.is_none(), true);
/// let err = parse_head(b"GET / HTTP/1.1\r\n\r\n", &Limits::default()).unwrap_err();
/// assert_eq!(err.status(), Some(400)); // no Host
/// # Ok::<(), covet_core::Error>(())
/// ```
pub fn parse_head(buf: &[u8], limits: &Limits) -> Result<Option<Head>> {
    let limits = limits.clamped();
    let mut storage = [const { MaybeUninit::<httparse::Header<'_>>::uninit() }; MAX_HEADERS];
    let mut req = httparse::Request::new(&mut []);
    match req.parse_with_uninit_headers(buf, &mut storage[..limits.max_headers]) {
        Ok(httparse::Status::Partial) => {
            check_partial(buf, &limits)?;
            Ok(None)
        }
        Ok(httparse::Status::Complete(len)) => {
            if len > limits.max_head {
                return Err(Error::new_protocol(
                    431,
                    format!(
                        "request head of {len} bytes exceeds the limit of {}",
                        limits.max_head
                    ),
                ));
            }
            build(buf, len, &req, &limits).map(Some)
        }
        Err(httparse::Error::TooManyHeaders) => Err(Error::new_protocol(
            431,
            format!("more than {} header fields", limits.max_headers),
        )),
        Err(httparse::Error::Version) => Err(version_error(buf)),
        Err(e) => {
            // A head that only fails because it is too long is reported as such first.
            check_partial(&buf[..buf.len().min(limits.max_head + 1)], &limits)?;
            Err(Error::new_protocol(
                400,
                format!("malformed request head: {e}"),
            ))
        }
    }
}

/// Limits on a head that is still incomplete.
fn check_partial(buf: &[u8], limits: &Limits) -> Result<()> {
    let line = &buf[skip_empty_lines(buf)..];
    let window = &line[..line.len().min(limits.max_request_line + 2)];
    if line.len() > limits.max_request_line + 1 && memchr::memchr(b'\n', window).is_none() {
        return Err(Error::new_protocol(
            414,
            format!(
                "request line exceeds the limit of {} bytes",
                limits.max_request_line
            ),
        ));
    }
    if buf.len() > limits.max_head {
        return Err(Error::new_protocol(
            431,
            format!(
                "request head exceeds the limit of {} bytes",
                limits.max_head
            ),
        ));
    }
    Ok(())
}

/// Offset of the request line: RFC 9112 §2.2 says to ignore empty lines before it.
fn skip_empty_lines(buf: &[u8]) -> usize {
    let mut i = 0;
    while buf.get(i) == Some(&b'\r') && buf.get(i + 1) == Some(&b'\n') {
        i += 2;
    }
    i
}

/// 505 for a version `HTTP/<digit>...` whose major number is not 1, 400 for anything else.
///
/// The message names only the major digit: it is known as soon as httparse fails, so the answer
/// does not depend on how much of the line has arrived.
fn version_error(buf: &[u8]) -> Error {
    let line = &buf[skip_empty_lines(buf)..];
    let line = &line[..memchr::memchr(b'\n', line).unwrap_or(line.len())];
    // Method and target hold no spaces, so the version starts after the second one; only
    // bytes up to the major digit are looked at, and httparse has seen them all by now.
    let version = line.splitn(3, |&b| b == b' ').nth(2).unwrap_or(&[]);
    match version.strip_prefix(b"HTTP/") {
        Some([major, ..]) if major.is_ascii_digit() && *major != b'1' => Error::new_protocol(
            505,
            format!(
                "HTTP major version {} is not supported; use HTTP/1.1",
                char::from(*major)
            ),
        ),
        _ => Error::new_protocol(
            400,
            "invalid HTTP version in the request line; expected HTTP/1.1",
        ),
    }
}

fn bare_lf() -> Error {
    Error::new_protocol(400, "bare LF in the request head; lines must end in CRLF")
}

/// Byte offset of `part` inside `buf` (both from the same allocation).
fn offset(buf: &[u8], part: &[u8]) -> usize {
    (part.as_ptr() as usize).saturating_sub(buf.as_ptr() as usize)
}

fn ascii(bytes: &[u8]) -> String {
    String::from_utf8_lossy(&bytes[..bytes.len().min(64)]).into_owned()
}

fn build(buf: &[u8], len: usize, req: &httparse::Request<'_, '_>, limits: &Limits) -> Result<Head> {
    let method_str = req.method.unwrap_or("");
    let method = Method::from_bytes(method_str.as_bytes());
    let method_off = offset(buf, method_str.as_bytes());
    let method_span = Span::new(method_off, method_str.len())?;
    // Line endings (RFC 9112 §2.2): httparse refuses a CR not followed by LF but accepts a bare
    // LF as a line end, which this parser does not. A line end sits before every field name
    // and at the end of the head, so checking those few places finds every bare LF.
    if skip_empty_lines(buf) != method_off || !buf[..len].ends_with(b"\r\n\r\n") {
        return Err(bare_lf());
    }
    let target_str = req.path.unwrap_or("");
    let target_off = offset(buf, target_str.as_bytes());
    let target = Span::new(target_off, target_str.len())?;
    if target_str.len() > limits.max_request_line {
        return Err(Error::new_protocol(
            414,
            format!(
                "request target exceeds the limit of {} bytes",
                limits.max_request_line
            ),
        ));
    }
    let (path_rel, query_rel) = split_target(method, target_str.as_bytes())?;
    let path = Span::new(target_off + path_rel.0, path_rel.1 - path_rel.0)?;
    let query = match query_rel {
        Some((s, e)) => Some(Span::new(target_off + s, e - s)?),
        None => None,
    };
    let version = match req.version {
        Some(0) => Version::Http10,
        _ => Version::Http11,
    };

    let mut head = Head {
        len,
        method,
        method_span,
        target,
        path,
        query,
        version,
        header_count: req.headers.len(),
        fields: match req.headers.first() {
            Some(first) => {
                let start = offset(buf, first.name.as_bytes());
                Span::new(start, len.saturating_sub(2).saturating_sub(start))?
            }
            None => Span::default(),
        },
        framing: Framing::Empty,
        keep_alive: version == Version::Http11,
        expect_continue: false,
    };

    let mut hosts = 0usize;
    let mut content_length: Option<u64> = None;
    let mut chunked = false;
    let mut close = false;
    let mut keep_alive_token = false;
    for h in req.headers.iter() {
        let name = h.name.as_bytes();
        let name_off = offset(buf, name);
        if name_off < 2 || buf[name_off - 2] != b'\r' {
            return Err(bare_lf());
        }
        match name.len() {
            4 if token_is(name, b"host") => {
                hosts += 1;
                check_host(h.value)?;
            }
            6 if token_is(name, b"expect") => {
                if h.value.eq_ignore_ascii_case(b"100-continue") {
                    head.expect_continue = true;
                } else {
                    return Err(Error::new_protocol(
                        417,
                        format!("unsupported expectation {:?}", ascii(h.value)),
                    ));
                }
            }
            10 if token_is(name, b"connection") => {
                // One token is the common case; a list takes the general path.
                if h.value.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive_token = true;
                } else if h.value.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else {
                    for token in list_items(h.value) {
                        close |= token.eq_ignore_ascii_case(b"close");
                        keep_alive_token |= token.eq_ignore_ascii_case(b"keep-alive");
                    }
                }
            }
            14 if token_is(name, b"content-length") => {
                if content_length.is_some() {
                    return Err(Error::new_protocol(
                        400,
                        "more than one Content-Length field",
                    ));
                }
                content_length = Some(parse_content_length(h.value)?);
            }
            17 if token_is(name, b"transfer-encoding") => {
                if chunked {
                    return Err(Error::new_protocol(
                        400,
                        "more than one Transfer-Encoding field",
                    ));
                }
                check_transfer_encoding(h.value)?;
                chunked = true;
            }
            _ => {}
        }
    }

    match (version, hosts) {
        (_, 0) if version == Version::Http11 => {
            return Err(Error::new_protocol(
                400,
                "HTTP/1.1 request without a Host field",
            ));
        }
        (_, 2..) => return Err(Error::new_protocol(400, "more than one Host field")),
        _ => {}
    }
    head.framing = match (chunked, content_length) {
        (true, Some(_)) => {
            return Err(Error::new_protocol(
                400,
                "both Transfer-Encoding and Content-Length; the body length is ambiguous",
            ));
        }
        (true, None) if version == Version::Http10 => {
            return Err(Error::new_protocol(
                400,
                "Transfer-Encoding in an HTTP/1.0 request",
            ));
        }
        (true, None) => Framing::Chunked,
        (false, Some(0)) | (false, None) => Framing::Empty,
        (false, Some(n)) if n > limits.max_body => return Err(too_large(n, limits.max_body)),
        (false, Some(n)) => Framing::Length(n),
    };
    head.keep_alive = !close && (version == Version::Http11 || keep_alive_token);
    Ok(head)
}

/// Whether the token `name` (a header name httparse validated: tchars only) equals `lower`, a
/// lowercase name of letters and `-`, ignoring ASCII case.
///
/// Setting bit 5 folds `A-Z` onto `a-z` and leaves `-` alone; among tchars only those bytes
/// fold onto a letter or `-`, so the test is exact for tokens. Branch-free over a fixed
/// length, so the compiler compares whole words instead of byte by byte with early exits.
#[inline(always)]
fn token_is<const N: usize>(name: &[u8], lower: &[u8; N]) -> bool {
    let Ok(head) = <&[u8; N]>::try_from(name) else {
        return false;
    };
    let word = |bytes: &[u8; N], at: usize| {
        let mut w = [0; 8];
        w.copy_from_slice(&bytes[at..at + 8]);
        u64::from_le_bytes(w)
    };
    let mut diff = 0u64;
    let mut at = 0;
    while at + 8 <= N {
        diff |= (word(head, at) | 0x2020_2020_2020_2020) ^ word(lower, at);
        at += 8;
    }
    while at < N {
        diff |= u64::from((head[at] | 0x20) ^ lower[at]);
        at += 1;
    }
    diff == 0
}

/// The 413 for a `Content-Length` over `max_body`.
pub(crate) fn too_large(len: u64, max_body: u64) -> Error {
    Error::new_protocol(
        413,
        format!("Content-Length {len} exceeds the body limit of {max_body} bytes"),
    )
}

/// Splits a request target into the path and query ranges (relative to the target).
#[allow(clippy::type_complexity)]
fn split_target(method: Method, target: &[u8]) -> Result<((usize, usize), Option<(usize, usize)>)> {
    let (query_at, refused) = scan_target(target);
    if refused {
        let b = target
            .iter()
            .copied()
            .find(|&b| !b.is_ascii() || b == b'#')
            .unwrap_or(b'#');
        return Err(Error::new_protocol(
            400,
            format!(
                "invalid byte 0x{b:02x} in the request target {:?}",
                ascii(target)
            ),
        ));
    }
    if method == Method::Connect {
        return Err(Error::new_protocol(501, "CONNECT is not supported"));
    }
    let path_start = if target.first() == Some(&b'/') {
        0
    } else if target == b"*" {
        if method != Method::Options {
            return Err(Error::new_protocol(
                400,
                "the target \"*\" is only valid with OPTIONS",
            ));
        }
        return Ok(((0, 1), None));
    } else {
        let lower = |prefix: &[u8]| {
            target.len() >= prefix.len() && target[..prefix.len()].eq_ignore_ascii_case(prefix)
        };
        let scheme_len = if lower(b"http://") {
            7
        } else if lower(b"https://") {
            8
        } else {
            return Err(Error::new_protocol(
                400,
                format!(
                    "request target {:?} is not origin-form or absolute-form",
                    ascii(target)
                ),
            ));
        };
        let rest = &target[scheme_len..];
        let auth_end = rest
            .iter()
            .position(|&b| b == b'/' || b == b'?')
            .unwrap_or(rest.len());
        if auth_end == 0 {
            return Err(Error::new_protocol(
                400,
                "absolute-form target without a host",
            ));
        }
        check_host(&rest[..auth_end])?;
        scheme_len + auth_end
    };
    Ok(match query_at {
        Some(q) if q >= path_start => ((path_start, q), Some((q + 1, target.len()))),
        _ => ((path_start, target.len()), None),
    })
}

/// RFC 9110 §7.2 / RFC 3986: `uri-host [ ":" port ]`, possibly empty.
fn check_host(value: &[u8]) -> Result<()> {
    let bad = || Error::new_protocol(400, format!("invalid Host {:?}", ascii(value)));
    let port = if value.first() == Some(&b'[') {
        let close = memchr::memchr(b']', value).ok_or_else(bad)?;
        let literal = &value[1..close];
        if literal.is_empty()
            || !literal
                .iter()
                .all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.')
        {
            return Err(bad());
        }
        match &value[close + 1..] {
            [] => None,
            [b':', port @ ..] => Some(port),
            _ => return Err(bad()),
        }
    } else {
        // The reg-name runs up to the first byte outside it; the value ends there, or a colon
        // does and the port follows (a second colon is not a digit and fails the port).
        let end = value
            .iter()
            .position(|&b| !HOST_CHARS[usize::from(b)])
            .unwrap_or(value.len());
        match value.get(end..) {
            None | Some([]) => None,
            Some([b':', port @ ..]) => Some(port),
            Some(_) => return Err(bad()),
        }
    };
    match port {
        Some(p) if p.len() > 5 || !p.iter().all(u8::is_ascii_digit) => Err(bad()),
        _ => Ok(()),
    }
}

/// Where the query's `?` is in a request target, and whether the target holds a byte that is
/// refused (`#` or non-ASCII; httparse already refused controls, spaces and DEL).
///
/// `?` cannot occur in a scheme or a valid authority, so the first one starts the query.
#[inline]
fn scan_target(target: &[u8]) -> (Option<usize>, bool) {
    match first_special(target, true) {
        None => (None, false),
        Some(i) if target[i] == b'?' => (Some(i), first_special(&target[i + 1..], false).is_some()),
        Some(_) => (None, true),
    }
}

/// The index of the first `#` or non-ASCII byte in `bytes` (or `?`, when `query` is set).
///
/// Eight bytes at a time: a word with none of them (almost every word of a target) costs a
/// few arithmetic operations, with no per-byte branch and no vector-search setup, which
/// dominates on targets of tens of bytes. Only a word that has one is looked at byte by byte.
#[inline]
fn first_special(bytes: &[u8], query: bool) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // The high bit of a byte of the result is set if that byte of `word` is `byte`; it is
    // never set for a word without one, which is all the word loop relies on.
    let has = |word: u64, byte: u8| {
        let x = word ^ (LOW * u64::from(byte));
        x.wrapping_sub(LOW) & !x & HIGH
    };
    let is_special = |b: u8| b == b'#' || !b.is_ascii() || (query && b == b'?');
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for chunk in &mut words {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let query_mask = if query { has(word, b'?') } else { 0 };
        if (has(word, b'#') | query_mask | (word & HIGH)) != 0 {
            return chunk.iter().position(|&b| is_special(b)).map(|i| at + i);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| is_special(b))
        .map(|i| at + i)
}

/// Bytes allowed in a `uri-host` reg-name.
static HOST_CHARS: [bool; 256] = {
    let mut table = [false; 256];
    let mut c: u8 = 0;
    loop {
        table[c as usize] = is_reg_name_byte(c);
        if c == u8::MAX {
            break;
        }
        c += 1;
    }
    table
};

/// RFC 3986 reg-name bytes: unreserved, sub-delims, and `%` (of a percent-encoding).
const fn is_reg_name_byte(c: u8) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(
            c,
            b'-' | b'.'
                | b'_'
                | b'~'
                | b'!'
                | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b'%'
        )
}

/// `Content-Length = 1*DIGIT`, fitting a `u64`.
fn parse_content_length(value: &[u8]) -> Result<u64> {
    let bad = || Error::new_protocol(400, format!("invalid Content-Length {:?}", ascii(value)));
    if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
        return Err(bad());
    }
    let mut n: u64 = 0;
    for &d in value {
        n = n
            .checked_mul(10)
            .and_then(|n| n.checked_add(u64::from(d - b'0')))
            .ok_or_else(bad)?;
    }
    Ok(n)
}

/// Items of a comma-separated list, trimmed of optional whitespace.
fn list_items(value: &[u8]) -> impl Iterator<Item = &[u8]> {
    value.split(|&b| b == b',').map(|item| item.trim_ascii())
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

/// One `Transfer-Encoding` field whose only and final coding is `chunked`.
fn check_transfer_encoding(value: &[u8]) -> Result<()> {
    let mut items = list_items(value).peekable();
    let mut seen_chunked = false;
    while let Some(item) = items.next() {
        if item.is_empty() || !item.iter().all(|&b| is_tchar(b)) {
            return Err(Error::new_protocol(
                400,
                format!("invalid Transfer-Encoding {:?}", ascii(value)),
            ));
        }
        if item.eq_ignore_ascii_case(b"chunked") {
            if seen_chunked || items.peek().is_some() {
                return Err(Error::new_protocol(
                    400,
                    format!("chunked must be the final coding, once: {:?}", ascii(value)),
                ));
            }
            seen_chunked = true;
        } else {
            return Err(Error::new_protocol(
                501,
                format!(
                    "unsupported transfer coding {:?}; only chunked is",
                    ascii(item)
                ),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;

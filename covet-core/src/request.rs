//! The request a handler receives: it owns its bytes and can be kept past the handler.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;

use crate::body::BodyStream;
use crate::h1::{Head, Span};
use crate::method::{Method, Version};
use crate::router::MAX_PARAMS;

/// An HTTP request: method, target, headers, path parameters and the buffered body.
///
/// A `Request` owns reference-counted slices of the bytes read from the connection (no
/// copies, no borrowed pointers), so it is `Send + 'static` and may be moved to another
/// thread or kept after the response is sent.
///
/// For a route registered with [`handler::streaming`](crate::handler::streaming) the body is
/// not buffered: [`body`](Request::body) is empty and [`take_body_stream`](Request::take_body_stream)
/// gives the body as it arrives. A clone never carries the stream.
pub struct Request {
    bytes: Bytes,
    head: Head,
    names: Option<Arc<[Box<str>]>>,
    params: [Span; MAX_PARAMS],
    body: Bytes,
    stream: Option<BodyStream>,
}

impl Clone for Request {
    fn clone(&self) -> Self {
        Request {
            body: self.body.clone(),
            ..self.head_only()
        }
    }
}

impl std::fmt::Debug for Request {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method_str())
            .field("target", &self.target())
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Request {
    /// A request from a parsed head (`bytes` are the bytes it was parsed from) and its body.
    pub fn from_parts(bytes: Bytes, head: Head, body: Bytes) -> Self {
        Self {
            bytes,
            head,
            names: None,
            params: [Span::default(); MAX_PARAMS],
            body,
            stream: None,
        }
    }

    /// Gives the request a streamed body (for streaming handlers).
    pub(crate) fn set_body_stream(&mut self, stream: BodyStream) {
        self.stream = Some(stream);
    }

    /// Attaches path parameters found by the router (positions relative to the path).
    pub(crate) fn set_params(&mut self, names: Arc<[Box<str>]>, spans: &[(u16, u16)]) {
        let base = self.head.path_span().start;
        for (slot, &(s, e)) in self.params.iter_mut().zip(spans) {
            *slot = Span {
                start: base.saturating_add(s),
                end: base.saturating_add(e),
            };
        }
        self.names = Some(names);
    }

    /// The request head.
    pub fn head(&self) -> &Head {
        &self.head
    }

    /// The method.
    pub fn method(&self) -> Method {
        self.head.method()
    }

    /// The method token as sent (useful for [`Method::Other`]).
    pub fn method_str(&self) -> &str {
        self.head.method_str(&self.bytes)
    }

    /// The request target as sent.
    pub fn target(&self) -> &str {
        self.head.target(&self.bytes)
    }

    /// The path, without the query; not percent-decoded.
    pub fn path(&self) -> &str {
        self.head.path(&self.bytes)
    }

    /// The raw query string (after `?`), if any.
    pub fn query(&self) -> Option<&str> {
        self.head.query(&self.bytes)
    }

    /// The first query parameter named `name`, percent-decoded (`+` is a space).
    ///
    /// ```
    /// # use covet_core::{h1::parse_head, Limits, Request};
    /// # let raw = bytes::Bytes::from_static(b"GET /s?q=a+b%21&n=1 HTTP/1.1\r\nHost: x\r\n\r\n");
    /// # let head = parse_head(&raw, &Limits::default())?.unwrap();
    /// # let req = Request::from_parts(raw, head, bytes::Bytes::new());
    /// assert_eq!(req.query_param("q").as_deref(), Some("a b!"));
    /// assert_eq!(req.query_param("missing"), None);
    /// # Ok::<(), covet_core::Error>(())
    /// ```
    pub fn query_param(&self, name: &str) -> Option<Cow<'_, str>> {
        self.query()?.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (percent_decode(k) == name).then(|| percent_decode(v))
        })
    }

    /// The version.
    pub fn version(&self) -> Version {
        self.head.version()
    }

    /// The value of the first header field named `name` (ASCII case-insensitive).
    pub fn header(&self, name: &str) -> Option<&[u8]> {
        self.head.header(&self.bytes, name)
    }

    /// The header fields in order, as `(name, value)`.
    pub fn headers(&self) -> impl Iterator<Item = (&str, &[u8])> {
        self.head.headers(&self.bytes)
    }

    /// The path parameter `name` captured by the route (`{name}` or `{*name}`),
    /// percent-decoded.
    ///
    /// `%XX` escapes become the bytes they stand for (`+` stays a `+`: that rule belongs to
    /// query strings); an invalid escape is kept as written, and decoded bytes that are not
    /// UTF-8 become U+FFFD. Routing sees the raw path, so `%2F` never splits a segment: it
    /// becomes a `/` inside the parameter. Without escapes no copy is made.
    /// [`param_raw`](Request::param_raw) gives the value as sent.
    ///
    /// ```
    /// use std::io::{Read, Write};
    /// use covet_core::{handler, Response, Router, Server};
    ///
    /// let router = Router::new();
    /// router.get("/files/{name}", handler::ready(|req| {
    ///     let decoded = req.param("name").unwrap_or_default();
    ///     Response::text(format!("{decoded} | {}", req.param_raw("name").unwrap_or("")))
    /// }))?;
    /// let server = Server::builder(router).bind("127.0.0.1:0".parse()?).workers(1).start()?;
    /// let mut conn = std::net::TcpStream::connect(server.local_addr())?;
    /// conn.write_all(b"GET /files/a%20b%2Fc.txt HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
    /// let mut reply = String::new();
    /// conn.read_to_string(&mut reply)?;
    /// assert!(reply.ends_with("\r\n\r\na b/c.txt | a%20b%2Fc.txt"));
    /// server.shutdown(std::time::Duration::from_secs(1));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn param(&self, name: &str) -> Option<Cow<'_, str>> {
        self.param_raw(name).map(percent_decode_path)
    }

    /// The path parameter `name` as sent, without percent-decoding.
    pub fn param_raw(&self, name: &str) -> Option<&str> {
        let names = self.names.as_ref()?;
        let i = names.iter().position(|n| &**n == name)?;
        Some(self.params.get(i)?.get_str(&self.bytes))
    }

    /// All path parameters, in route order, percent-decoded as [`param`](Request::param) does.
    pub fn params(&self) -> impl Iterator<Item = (&str, Cow<'_, str>)> {
        self.params_raw().map(|(n, v)| (n, percent_decode_path(v)))
    }

    /// All path parameters, in route order, as sent.
    pub fn params_raw(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names
            .iter()
            .flat_map(|n| n.iter())
            .zip(self.params.iter())
            .map(|(n, s)| (&**n, s.get_str(&self.bytes)))
    }

    /// The streamed body, for a route registered with
    /// [`handler::streaming`](crate::handler::streaming); `None` for buffered routes and
    /// after the first call.
    ///
    /// The connection reads body bytes only as the stream is read. A handler that stops
    /// early may simply drop it: the server then discards up to 256 KiB of what is left (so
    /// the connection can carry the next request) or, when more is left or
    /// `Expect: 100-continue` was never answered, closes the connection after the response.
    pub fn take_body_stream(&mut self) -> Option<BodyStream> {
        self.stream.take()
    }

    /// The body (empty when there is none, and for streaming handlers).
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// Takes the body out of the request.
    pub fn into_body(self) -> Bytes {
        self.body
    }

    /// The body parsed as JSON.
    pub fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// A copy sharing the head bytes, without the body (for hooks that run after the handler).
    pub(crate) fn head_only(&self) -> Request {
        Request {
            bytes: self.bytes.clone(),
            head: self.head.clone(),
            names: self.names.clone(),
            params: self.params,
            body: Bytes::new(),
            stream: None,
        }
    }
}

/// Decodes `%XX` escapes in a path segment (`+` is literal); invalid escapes are kept.
fn percent_decode_path(s: &str) -> Cow<'_, str> {
    if !s.contains('%') {
        return Cow::Borrowed(s);
    }
    decode_escapes(s.as_bytes(), false)
}

/// Decodes `%XX` escapes and `+`; invalid escapes are kept as they are.
fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains(['%', '+']) {
        return Cow::Borrowed(s);
    }
    decode_escapes(s.as_bytes(), true)
}

/// Decodes `%XX` escapes, and `+` as a space when `plus` is set; lossy on invalid UTF-8.
fn decode_escapes(b: &[u8], plus: bool) -> Cow<'static, str> {
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'+' if plus => out.push(b' '),
            b'%' => match (
                b.get(i + 1).and_then(|&c| hex(c)),
                b.get(i + 2).and_then(|&c| hex(c)),
            ) {
                (Some(h), Some(l)) => {
                    out.push(u8::try_from(h * 16 + l).unwrap_or(b'?'));
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            c => out.push(c),
        }
        i += 1;
    }
    Cow::Owned(String::from_utf8_lossy(&out).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_decoding_keeps_plus_and_invalid_escapes() {
        assert_eq!(percent_decode_path("a+b"), "a+b");
        assert_eq!(percent_decode_path("a%20b%2fc"), "a b/c");
        assert_eq!(percent_decode_path("100%"), "100%");
        assert_eq!(percent_decode_path("%zz%4"), "%zz%4");
        assert_eq!(percent_decode_path("caf%C3%A9"), "café");
        assert_eq!(percent_decode_path("%FF"), "\u{fffd}");
        assert!(matches!(
            percent_decode_path("plain"),
            Cow::Borrowed("plain")
        ));
    }

    #[test]
    fn query_decoding_turns_plus_into_a_space() {
        assert_eq!(percent_decode("a+b%2B"), "a b+");
    }
}

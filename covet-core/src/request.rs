//! The request a handler receives: it owns its bytes and can be kept past the handler.

use std::borrow::Cow;
use std::sync::Arc;

use bytes::Bytes;

use crate::h1::{Head, Span};
use crate::method::{Method, Version};
use crate::router::MAX_PARAMS;

/// An HTTP request: method, target, headers, path parameters and the buffered body.
///
/// A `Request` owns reference-counted slices of the bytes read from the connection (no
/// copies, no borrowed pointers), so it is `Send + 'static` and may be moved to another
/// thread or kept after the response is sent.
#[derive(Clone)]
pub struct Request {
    bytes: Bytes,
    head: Head,
    names: Option<Arc<[Box<str>]>>,
    params: [Span; MAX_PARAMS],
    body: Bytes,
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
        }
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

    /// The path parameter `name` captured by the route (`{name}` or `{*name}`).
    pub fn param(&self, name: &str) -> Option<&str> {
        let names = self.names.as_ref()?;
        let i = names.iter().position(|n| &**n == name)?;
        Some(self.params.get(i)?.get_str(&self.bytes))
    }

    /// All path parameters, in route order.
    pub fn params(&self) -> impl Iterator<Item = (&str, &str)> {
        self.names
            .iter()
            .flat_map(|n| n.iter())
            .zip(self.params.iter())
            .map(|(n, s)| (&**n, s.get_str(&self.bytes)))
    }

    /// The body (empty when there is none).
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
        }
    }
}

/// Decodes `%XX` escapes and `+`; invalid escapes are kept as they are.
fn percent_decode(s: &str) -> Cow<'_, str> {
    if !s.contains(['%', '+']) {
        return Cow::Borrowed(s);
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        match b[i] {
            b'+' => out.push(b' '),
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

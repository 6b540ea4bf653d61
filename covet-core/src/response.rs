//! Responses: a status, a few headers and a body that is static, owned bytes or a stream.

use std::borrow::Cow;
use std::cell::RefCell;

use bytes::Bytes;
use tokio::sync::mpsc;

/// A header field a handler set.
pub(crate) type Field = (Cow<'static, str>, Cow<'static, str>);

/// A response body.
#[derive(Debug)]
pub(crate) enum Body {
    Empty,
    Static(&'static [u8]),
    Bytes(Bytes),
    Stream(mpsc::Receiver<Bytes>),
    /// A stream of known total length (a file): sent with `Content-Length`, not chunked.
    Sized(mpsc::Receiver<Bytes>, u64),
}

/// An HTTP response.
///
/// Build one with [`Response::text`], [`Response::bytes`], [`Response::json`],
/// [`Response::empty`] or [`Response::stream`], then adjust it with [`Response::status`] and
/// [`Response::header`]. The server adds `Date`, `Content-Length` (or chunked framing for
/// streams) and `Connection`; a handler's own fields with those names are dropped.
///
/// ```
/// use covet_core::Response;
///
/// let resp = Response::text("created").status(201).header("Location", "/items/7");
/// assert_eq!(resp.status_code(), 201);
/// ```
pub struct Response {
    status: u16,
    content_type: Option<&'static str>,
    headers: Vec<Field>,
    body: Body,
    upgrade: Option<crate::ws::Session>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("content_type", &self.content_type)
            .field("headers", &self.headers)
            .field("body", &self.body)
            .field("upgrade", &self.upgrade.is_some())
            .finish()
    }
}

/// The sending half of a streaming response body: each [`Bytes`] sent is one chunk.
///
/// Dropping it ends the body.
#[derive(Debug, Clone)]
pub struct BodySender(mpsc::Sender<Bytes>);

impl BodySender {
    /// Sends one chunk, waiting while the connection is behind; errors when the client is gone.
    pub async fn send(&self, chunk: impl Into<Bytes>) -> Result<(), crate::Error> {
        self.0.send(chunk.into()).await.map_err(|_| {
            crate::Error::new_io("send body chunk", std::io::ErrorKind::BrokenPipe.into())
        })
    }
}

thread_local! {
    static JSON_BUF: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl Response {
    fn with_body(status: u16, content_type: Option<&'static str>, body: Body) -> Self {
        Self {
            status,
            content_type,
            headers: Vec::new(),
            body,
            upgrade: None,
        }
    }

    /// A response with no body.
    pub fn empty(status: u16) -> Self {
        Self::with_body(status, None, Body::Empty)
    }

    /// A `200 text/plain; charset=utf-8` response. A `&'static str` is sent without copying.
    pub fn text(body: impl Into<Cow<'static, str>>) -> Self {
        let body = match body.into() {
            Cow::Borrowed(s) => Body::Static(s.as_bytes()),
            Cow::Owned(s) => Body::Bytes(Bytes::from(s)),
        };
        Self::with_body(200, Some("text/plain; charset=utf-8"), body)
    }

    /// A `200 application/octet-stream` response.
    pub fn bytes(body: impl Into<Bytes>) -> Self {
        Self::with_body(
            200,
            Some("application/octet-stream"),
            Body::Bytes(body.into()),
        )
    }

    /// A `200 application/json` response, serialized through a reused per-thread buffer.
    ///
    /// A value that fails to serialize (a map with non-string keys, say) gives a 500.
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Self {
        let body = JSON_BUF.with(|buf| {
            let mut buf = buf.borrow_mut();
            buf.clear();
            serde_json::to_writer(&mut *buf, value)
                .ok()
                .map(|()| Bytes::copy_from_slice(&buf))
        });
        match body {
            Some(b) => Self::with_body(200, Some("application/json"), Body::Bytes(b)),
            None => Self::empty(500),
        }
    }

    /// A `200` response whose body is sent in chunks as they come, and the sender for them.
    ///
    /// HTTP/1.1 clients get `Transfer-Encoding: chunked`; HTTP/1.0 clients get the body
    /// delimited by closing the connection. `buffer` chunks may wait in memory.
    pub fn stream(buffer: usize) -> (Self, BodySender) {
        let (tx, rx) = mpsc::channel(buffer.max(1));
        (Self::with_body(200, None, Body::Stream(rx)), BodySender(tx))
    }

    /// A `200` response streaming the file at `path`, with `Content-Length` and a
    /// `Content-Type` guessed from the extension (`application/octet-stream` otherwise).
    ///
    /// The file is read in 64 KiB chunks as the connection sends them. If it shrinks while
    /// being sent, the connection is closed after the bytes there are (the client sees a short
    /// body rather than a misframed one). [`Response::file_for`] also answers conditional and
    /// range requests.
    pub async fn file(path: impl AsRef<std::path::Path>) -> crate::Result<Response> {
        let path = path.as_ref();
        let (file, meta) = open_file(path).await?;
        let len = meta.len();
        Ok(Self::with_body(
            200,
            Some(content_type_for(path)),
            Body::Sized(read_file(file, len), len),
        ))
    }

    /// The file at `path` as the answer to `req`, as a static file server answers: with
    /// `ETag` (from the modification time and length), `Last-Modified` and
    /// `Accept-Ranges: bytes`; `304` when `If-None-Match` or `If-Modified-Since` says the
    /// client's copy is current (GET and HEAD); `206` with `Content-Range` for one
    /// `Range: bytes=...` on a GET (honouring `If-Range`), `416` for a range past the end.
    /// Several ranges in one request are answered with the whole file.
    pub async fn file_for(
        req: &crate::Request,
        path: impl AsRef<std::path::Path>,
    ) -> crate::Result<Response> {
        use crate::file::{Answer, Validators, answer};
        use tokio::io::AsyncSeekExt;
        let path = path.as_ref();
        let (mut file, meta) = open_file(path).await?;
        let len = meta.len();
        let validators = Validators::new(len, meta.modified().ok());
        let content_type = Some(content_type_for(path));
        let resp = match answer(req, len, &validators) {
            Answer::Full => {
                Self::with_body(200, content_type, Body::Sized(read_file(file, len), len))
            }
            Answer::NotModified => Response::empty(304),
            Answer::Part { start, len: part } => {
                file.seek(std::io::SeekFrom::Start(start))
                    .await
                    .map_err(|e| {
                        crate::Error::new_io(&format!("cannot read {}", path.display()), e)
                    })?;
                let last = start + part - 1;
                Self::with_body(206, content_type, Body::Sized(read_file(file, part), part))
                    .header("Content-Range", format!("bytes {start}-{last}/{len}"))
            }
            Answer::Unsatisfiable => {
                Response::empty(416).header("Content-Range", format!("bytes */{len}"))
            }
        };
        let modified = crate::h1::date::render(validators.modified);
        Ok(resp
            .header("ETag", validators.etag)
            .header(
                "Last-Modified",
                String::from_utf8_lossy(&modified).into_owned(),
            )
            .header("Accept-Ranges", "bytes"))
    }

    /// Sets the status code (100..=999; anything else is sent as 500).
    pub fn status(mut self, status: u16) -> Self {
        self.status = status;
        self
    }

    /// Sets the `Content-Type`.
    pub fn content_type(mut self, content_type: &'static str) -> Self {
        self.content_type = Some(content_type);
        self
    }

    /// Adds a header field. Fields whose name is not a token or whose value holds CR, LF or
    /// NUL are dropped when the response is written (no header injection).
    pub fn header(
        mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Adds a header field through a reference, for hooks that adjust responses.
    pub fn insert_header(
        &mut self,
        name: impl Into<Cow<'static, str>>,
        value: impl Into<Cow<'static, str>>,
    ) {
        self.headers.push((name.into(), value.into()));
    }

    /// The status code.
    pub fn status_code(&self) -> u16 {
        self.status
    }

    /// The body length, when known (not for streams).
    pub fn body_len(&self) -> Option<usize> {
        match &self.body {
            Body::Empty => Some(0),
            Body::Static(b) => Some(b.len()),
            Body::Bytes(b) => Some(b.len()),
            Body::Stream(_) => None,
            Body::Sized(_, len) => usize::try_from(*len).ok(),
        }
    }

    pub(crate) fn parts(&self) -> (Option<&'static str>, &[Field]) {
        (self.content_type, &self.headers)
    }

    pub(crate) fn body(&self) -> &Body {
        &self.body
    }

    /// Attaches a WebSocket session to run once this (101) response is written.
    pub(crate) fn with_upgrade(mut self, session: crate::ws::Session) -> Self {
        self.upgrade = Some(session);
        self
    }

    pub(crate) fn take_upgrade(&mut self) -> Option<crate::ws::Session> {
        self.upgrade.take()
    }

    pub(crate) fn take_stream(&mut self) -> Option<mpsc::Receiver<Bytes>> {
        match std::mem::replace(&mut self.body, Body::Empty) {
            Body::Stream(rx) | Body::Sized(rx, _) => Some(rx),
            other => {
                self.body = other;
                None
            }
        }
    }
}

/// Opens the file at `path` and reads its metadata.
async fn open_file(path: &std::path::Path) -> crate::Result<(tokio::fs::File, std::fs::Metadata)> {
    let context = format!("cannot open {}", path.display());
    let file = tokio::fs::File::open(path)
        .await
        .map_err(|e| crate::Error::new_io(&context, e))?;
    let meta = file
        .metadata()
        .await
        .map_err(|e| crate::Error::new_io(&context, e))?;
    Ok((file, meta))
}

/// Reads `len` bytes of `file` from its current position in 64 KiB chunks, as the receiver
/// takes them; stops early at the end of the file or on an error.
fn read_file(mut file: tokio::fs::File, len: u64) -> mpsc::Receiver<Bytes> {
    use tokio::io::AsyncReadExt;
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        let mut left = len;
        while left > 0 {
            let want = usize::try_from(left).map_or(64 * 1024, |l| l.min(64 * 1024));
            let mut buf = bytes::BytesMut::with_capacity(want);
            match (&mut file).take(want as u64).read_buf(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => left = left.saturating_sub(n as u64),
            }
            if tx.send(buf.freeze()).await.is_err() {
                return;
            }
        }
    });
    rx
}

/// A `Content-Type` for common file extensions.
fn content_type_for(path: &std::path::Path) -> &'static str {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_serializes_compactly() {
        let r = Response::json(&serde_json::json!({"message": "Hello, World!"}));
        match r.body() {
            Body::Bytes(b) => assert_eq!(&b[..], br#"{"message":"Hello, World!"}"#),
            other => panic!("{other:?}"),
        }
        assert_eq!(r.parts().0, Some("application/json"));
    }

    #[test]
    fn static_text_is_not_copied() {
        assert!(matches!(Response::text("hi").body(), Body::Static(b"hi")));
        assert!(matches!(
            Response::text(String::from("hi")).body(),
            Body::Bytes(_)
        ));
    }
}

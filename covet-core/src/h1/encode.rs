//! Response heads and bodies onto the write buffer.

use bytes::{BufMut, BytesMut};

use super::date::with_date;
use crate::method::Version;
use crate::response::{Body, Response};

/// How the caller must finish the response after [`encode`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Finish {
    /// The whole response is in the buffer.
    Done,
    /// Pump the stream body as chunks.
    StreamChunked,
    /// Pump the stream body raw, then close (HTTP/1.0).
    StreamUntilClose,
    /// Pump exactly this many bytes of the stream body raw (`Content-Length` was sent).
    StreamSized(u64),
}

/// Whether a response to this request carries no body.
fn bodiless(status: u16, is_head: bool) -> bool {
    is_head || status < 200 || status == 204 || status == 304
}

/// Writes `resp` into `dst`. `keep_alive` may be turned off (a streamed body to HTTP/1.0 is
/// delimited by closing). Returns how to finish and whether the connection stays open.
pub(crate) fn encode(
    resp: &Response,
    is_head: bool,
    version: Version,
    mut keep_alive: bool,
    dst: &mut BytesMut,
) -> (Finish, bool) {
    let status = if (100..=999).contains(&resp.status_code()) {
        resp.status_code()
    } else {
        500
    };
    let no_body = bodiless(status, is_head);
    dst.reserve(128 + resp.body_len().unwrap_or(0));
    put_status_line(status, dst);
    with_date(|d| {
        dst.put_slice(b"Date: ");
        dst.put_slice(d);
        dst.put_slice(b"\r\n");
    });
    let (content_type, headers) = resp.parts();
    if let Some(ct) = content_type {
        dst.put_slice(b"Content-Type: ");
        dst.put_slice(ct.as_bytes());
        dst.put_slice(b"\r\n");
    }
    for (name, value) in headers {
        if is_allowed_field(name, value) {
            dst.put_slice(name.as_bytes());
            dst.put_slice(b": ");
            dst.put_slice(value.as_bytes());
            dst.put_slice(b"\r\n");
        }
    }
    let mut finish = Finish::Done;
    match resp.body() {
        Body::Stream(_) if no_body => {}
        Body::Stream(_) if version == Version::Http11 => {
            dst.put_slice(b"Transfer-Encoding: chunked\r\n");
            finish = Finish::StreamChunked;
        }
        Body::Stream(_) => {
            keep_alive = false;
            finish = Finish::StreamUntilClose;
        }
        Body::Sized(_, len) if status < 200 || status == 204 || status == 304 => {
            let _ = len;
        }
        Body::Sized(_, len) => {
            dst.put_slice(b"Content-Length: ");
            put_decimal_u64(*len, dst);
            dst.put_slice(b"\r\n");
            if !no_body {
                finish = Finish::StreamSized(*len);
            }
        }
        _ if status < 200 || status == 204 || status == 304 => {}
        _ => {
            dst.put_slice(b"Content-Length: ");
            put_decimal(resp.body_len().unwrap_or(0), dst);
            dst.put_slice(b"\r\n");
        }
    }
    if status == 101 {
        dst.put_slice(b"Connection: Upgrade\r\n");
    } else if !keep_alive {
        dst.put_slice(b"Connection: close\r\n");
    } else if version == Version::Http10 {
        dst.put_slice(b"Connection: keep-alive\r\n");
    }
    dst.put_slice(b"\r\n");
    if !no_body {
        match resp.body() {
            Body::Static(b) => dst.put_slice(b),
            Body::Bytes(b) => dst.put_slice(b),
            Body::Empty | Body::Stream(_) | Body::Sized(..) => {}
        }
    }
    (finish, keep_alive)
}

/// Writes one chunk of a chunked body.
pub(crate) fn put_chunk(chunk: &[u8], dst: &mut BytesMut) {
    if chunk.is_empty() {
        return;
    }
    let mut hex = [0u8; 16];
    let mut n = chunk.len();
    let mut i = hex.len();
    loop {
        i -= 1;
        hex[i] = b"0123456789abcdef"[n % 16];
        n /= 16;
        if n == 0 {
            break;
        }
    }
    dst.put_slice(&hex[i..]);
    dst.put_slice(b"\r\n");
    dst.put_slice(chunk);
    dst.put_slice(b"\r\n");
}

/// The last chunk of a chunked body, with no trailers.
pub(crate) const LAST_CHUNK: &[u8] = b"0\r\n\r\n";

/// The interim response to `Expect: 100-continue`.
pub(crate) const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";

/// Fields a handler may set: tokens with clean values, and none the server owns.
fn is_allowed_field(name: &str, value: &str) -> bool {
    let owned = ["content-length", "transfer-encoding", "connection", "date"];
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
        && !value.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0)
        && !owned.iter().any(|o| name.eq_ignore_ascii_case(o))
}

fn put_decimal_u64(n: u64, dst: &mut BytesMut) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10).to_le_bytes()[0];
        n /= 10;
        if n == 0 {
            break;
        }
    }
    dst.put_slice(&buf[i..]);
}

fn put_decimal(mut n: usize, dst: &mut BytesMut) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b"0123456789"[n % 10];
        n /= 10;
        if n == 0 {
            break;
        }
    }
    dst.put_slice(&buf[i..]);
}

fn put_status_line(status: u16, dst: &mut BytesMut) {
    let line: &[u8] = match status {
        200 => b"HTTP/1.1 200 OK\r\n",
        201 => b"HTTP/1.1 201 Created\r\n",
        204 => b"HTTP/1.1 204 No Content\r\n",
        301 => b"HTTP/1.1 301 Moved Permanently\r\n",
        302 => b"HTTP/1.1 302 Found\r\n",
        304 => b"HTTP/1.1 304 Not Modified\r\n",
        400 => b"HTTP/1.1 400 Bad Request\r\n",
        401 => b"HTTP/1.1 401 Unauthorized\r\n",
        403 => b"HTTP/1.1 403 Forbidden\r\n",
        404 => b"HTTP/1.1 404 Not Found\r\n",
        405 => b"HTTP/1.1 405 Method Not Allowed\r\n",
        408 => b"HTTP/1.1 408 Request Timeout\r\n",
        413 => b"HTTP/1.1 413 Content Too Large\r\n",
        414 => b"HTTP/1.1 414 URI Too Long\r\n",
        417 => b"HTTP/1.1 417 Expectation Failed\r\n",
        431 => b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
        500 => b"HTTP/1.1 500 Internal Server Error\r\n",
        501 => b"HTTP/1.1 501 Not Implemented\r\n",
        503 => b"HTTP/1.1 503 Service Unavailable\r\n",
        505 => b"HTTP/1.1 505 HTTP Version Not Supported\r\n",
        _ => {
            dst.put_slice(b"HTTP/1.1 ");
            put_decimal(usize::from(status), dst);
            dst.put_slice(b" \r\n");
            return;
        }
    };
    dst.put_slice(line);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(resp: &Response, is_head: bool, version: Version, keep_alive: bool) -> String {
        let mut dst = BytesMut::new();
        encode(resp, is_head, version, keep_alive, &mut dst);
        let s = String::from_utf8(dst.to_vec()).unwrap();
        // Mask the date.
        let i = s.find("Date: ").unwrap();
        format!("{}Date: X{}", &s[..i], &s[i + 35..])
    }

    #[test]
    fn text_response_has_length_and_body() {
        let r = Response::text("hi");
        assert_eq!(
            render(&r, false, Version::Http11, true),
            "HTTP/1.1 200 OK\r\nDate: X\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: 2\r\n\r\nhi"
        );
    }

    #[test]
    fn head_keeps_length_but_drops_body() {
        let r = Response::text("hello");
        let s = render(&r, true, Version::Http11, true);
        assert!(s.ends_with("Content-Length: 5\r\n\r\n"), "{s}");
    }

    #[test]
    fn no_body_or_length_for_204_and_304() {
        for status in [204, 304] {
            let s = render(
                &Response::text("x").status(status),
                false,
                Version::Http11,
                true,
            );
            assert!(
                !s.contains("Content-Length") && s.ends_with("\r\n\r\n"),
                "{s}"
            );
        }
    }

    #[test]
    fn close_and_http10_keep_alive_are_announced() {
        let s = render(&Response::empty(200), false, Version::Http11, false);
        assert!(s.contains("Connection: close\r\n"));
        let s = render(&Response::empty(200), false, Version::Http10, true);
        assert!(s.contains("Connection: keep-alive\r\n"));
    }

    #[test]
    fn injected_and_owned_headers_are_dropped() {
        let r = Response::empty(200)
            .header("X-Ok", "1")
            .header("X-Bad", "a\r\nSet-Cookie: x")
            .header("Content-Length", "99")
            .header("Bad Name", "1");
        let s = render(&r, false, Version::Http11, true);
        assert!(s.contains("X-Ok: 1\r\n"));
        assert!(
            !s.contains("Set-Cookie") && !s.contains("99") && !s.contains("Bad Name"),
            "{s}"
        );
    }

    #[test]
    fn stream_is_chunked_for_11_and_close_delimited_for_10() {
        let (r, _tx) = Response::stream(1);
        let mut dst = BytesMut::new();
        assert_eq!(
            encode(&r, false, Version::Http11, true, &mut dst),
            (Finish::StreamChunked, true)
        );
        assert_eq!(
            encode(&r, false, Version::Http10, true, &mut dst),
            (Finish::StreamUntilClose, false)
        );
        assert_eq!(
            encode(&r, true, Version::Http11, true, &mut dst),
            (Finish::Done, true)
        );
    }

    #[test]
    fn chunks_are_hex_framed() {
        let mut dst = BytesMut::new();
        put_chunk(&[b'a'; 26], &mut dst);
        put_chunk(b"", &mut dst);
        assert_eq!(&dst[..4], b"1a\r\n");
        assert_eq!(dst.len(), 4 + 26 + 2);
    }
}

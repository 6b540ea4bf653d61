//! Entry points for the cargo-fuzz targets in `fuzz/` (not a stable API).

use bytes::BytesMut;

use crate::config::Limits;
use crate::h1::{ChunkedDecoder, parse_head};
use crate::router::Trie;

/// Parses `data` as a request head; where covet accepts, httparse must accept the same head
/// with the same method, target and header fields (covet is httparse plus strictness).
pub fn parse_head_differential(data: &[u8]) {
    let limits = Limits::default();
    let Ok(Some(head)) = parse_head(data, &limits) else {
        return;
    };
    let mut headers = [httparse::EMPTY_HEADER; crate::config::MAX_HEADERS];
    let mut req = httparse::Request::new(&mut headers);
    let status = req.parse(data);
    assert_eq!(
        status.ok(),
        Some(httparse::Status::Complete(head.len())),
        "httparse disagrees"
    );
    assert_eq!(req.method, Some(head.method_str(data)));
    assert_eq!(req.path, Some(head.target(data)));
    let ours: Vec<(&str, &[u8])> = head.headers(data).collect();
    let theirs: Vec<(&str, &[u8])> = req.headers.iter().map(|h| (h.name, h.value)).collect();
    assert_eq!(ours, theirs);
    // The same head must come out of any longer buffer, and no shorter one.
    assert!(matches!(
        parse_head(&data[..head.len() - 1], &limits),
        Ok(None) | Err(_)
    ));
}

/// Decodes `data[1..]` as a chunked body in one piece and in pieces split every `data[0]`
/// bytes; both must agree on the body, the bytes consumed, and the error status.
pub fn chunked_splits(data: &[u8]) {
    let Some((&step, input)) = data.split_first() else {
        return;
    };
    let step = usize::from(step.max(1));
    let limits = Limits {
        max_body: 4096,
        max_chunk_ext: 16,
        max_trailers: 64,
        ..Limits::default()
    };
    let whole = decode(&limits, input, input.len());
    let split = decode(&limits, input, step);
    assert_eq!(whole, split);
}

fn decode(
    limits: &Limits,
    input: &[u8],
    step: usize,
) -> Result<(Vec<u8>, usize, bool), Option<u16>> {
    let mut decoder = ChunkedDecoder::new(limits);
    let mut out = BytesMut::new();
    let mut pos = 0;
    let mut pending = 0;
    while pos < input.len() {
        pending = (pending + step).min(input.len());
        let d = decoder
            .decode(&input[pos..pending], &mut out)
            .map_err(|e| e.status())?;
        pos += d.consumed;
        if d.done {
            return Ok((out.to_vec(), pos, true));
        }
        if pending == input.len() {
            break;
        }
    }
    Ok((out.to_vec(), pos, false))
}

/// Builds routes from `data` (a line per route, then lines of paths after an empty line),
/// looks the paths up, and checks each match: substituting the captured values into the
/// matched route gives back the path.
pub fn trie_insert_at(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    let (routes, paths) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut trie = Trie::new();
    let mut inserted = Vec::new();
    for route in routes.lines().take(64) {
        if trie.insert(route, inserted.len()).is_ok() {
            inserted.push(route.to_owned());
        }
    }
    for path in paths.lines().take(64) {
        let Some(m) = trie.at(path) else { continue };
        let route = &inserted[*m.value];
        let mut rebuilt = String::new();
        let mut values = m.captures.spans().iter();
        for (i, seg) in route.split('/').enumerate() {
            if i > 0 {
                rebuilt.push('/');
            }
            if seg.starts_with('{') {
                let (s, e) = values.next().copied().unwrap_or_default();
                rebuilt.push_str(&path[usize::from(s)..usize::from(e)]);
            } else {
                rebuilt.push_str(seg);
            }
        }
        assert_eq!(rebuilt, path, "route {route:?}");
    }
}

/// Decodes WebSocket frames from `data[1..]` whole and fed in pieces of `data[0]` bytes; both
/// must give the same frames and the same close code.
pub fn ws_frame_splits(data: &[u8]) {
    let Some((&step, input)) = data.split_first() else {
        return;
    };
    let whole = ws_frames(input, input.len());
    let split = ws_frames(input, usize::from(step.max(1)));
    assert_eq!(whole, split);
}

type WsFrames = (Vec<(bool, u8, Vec<u8>)>, Option<u16>);

fn ws_frames(input: &[u8], step: usize) -> WsFrames {
    let mut buf = BytesMut::new();
    let mut frames = Vec::new();
    for piece in input.chunks(step.max(1)) {
        buf.extend_from_slice(piece);
        loop {
            match crate::ws::frame::decode(&mut buf, 1 << 16) {
                Ok(Some(f)) => frames.push((f.fin, f.opcode, f.payload.to_vec())),
                Ok(None) => break,
                Err(code) => return (frames, Some(code)),
            }
        }
    }
    (frames, None)
}

/// Serves `data[1..]` through the connection state machine (probe routes, plus streaming
/// `POST /stream` echoing the body and `POST /stop` reading one piece) twice: in one
/// piece, and in segments of `data[0]` bytes. Both must produce the same responses (Date
/// masked): segmentation never changes how a byte stream is read.
pub fn conn_segments(data: &[u8]) {
    let Some((&step, input)) = data.split_first() else {
        return;
    };
    let whole = serve_segments(input, input.len().max(1));
    let split = serve_segments(input, usize::from(step.max(1)));
    assert_eq!(whole, split);
}

fn serve_segments(input: &[u8], step: usize) -> Vec<u8> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let Ok(rt) = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    else {
        return Vec::new();
    };
    let Ok(router) = crate::probe::router() else {
        return Vec::new();
    };
    // Two streaming routes: one reads the whole body, one stops after the first piece.
    let echo = crate::handler::streaming(|mut req: crate::Request| async move {
        let Some(body) = req.take_body_stream() else {
            return crate::Response::empty(500);
        };
        match body.collect(4096).await {
            Ok(bytes) => crate::Response::bytes(bytes),
            Err(e) => crate::Response::text(e.to_string()).status(e.status().unwrap_or(400)),
        }
    });
    let stop = crate::handler::streaming(|mut req: crate::Request| async move {
        if let Some(mut body) = req.take_body_stream() {
            let _ = body.chunk().await;
        }
        crate::Response::text("stopped")
    });
    if router.post("/stream", echo).is_err() || router.post("/stop", stop).is_err() {
        return Vec::new();
    }
    let limits = Limits {
        max_body: 4096,
        max_stream_body: 8192,
        ..Limits::default()
    };
    let shared = crate::server::Shared::standalone(router, limits, crate::Timeouts::default());
    rt.block_on(async {
        let (client, server) = tokio::io::duplex(1 << 16);
        let (mut rd, mut wr) = tokio::io::split(client);
        let write = async move {
            for piece in input.chunks(step) {
                if wr.write_all(piece).await.is_err() {
                    break;
                }
                tokio::task::yield_now().await;
            }
            let _ = wr.shutdown().await;
        };
        let read = async move {
            let mut out = Vec::new();
            let _ = rd.read_to_end(&mut out).await;
            out
        };
        let ((), (), out) =
            tokio::join!(crate::h1::conn::serve(server, &shared, None), write, read);
        mask_dates(out)
    })
}

/// Masks Date values and drops interim `100 Continue` responses (sent only when the body was
/// not already buffered, so they legitimately depend on segmentation).
fn mask_dates(out: Vec<u8>) -> Vec<u8> {
    const CONTINUE: &[u8] = b"HTTP/1.1 100 Continue\r\n\r\n";
    let mut kept = Vec::with_capacity(out.len());
    let mut rest = &out[..];
    while let Some(p) = memchr::memmem::find(rest, CONTINUE) {
        kept.extend_from_slice(&rest[..p]);
        rest = &rest[p + CONTINUE.len()..];
    }
    kept.extend_from_slice(rest);
    let mut out = kept;
    let mut i = 0;
    while let Some(p) = memchr::memmem::find(&out[i..], b"\r\nDate: ") {
        let start = i + p + 8;
        let end = (start + crate::h1::date::DATE_LEN).min(out.len());
        out[start..end].fill(b'X');
        i = end;
    }
    out
}

/// The conditional and range headers of file responses: a parsed HTTP date renders back to
/// the same text (weekday aside), and a byte range always lies inside the file.
pub fn file_conditions(data: &[u8]) {
    if let Some(secs) = crate::file::parse_http_date(data) {
        let text = data.trim_ascii();
        if &text[23..25] == b"60" {
            // A leap second is the first second of the next minute.
            let mut before = text.to_vec();
            before[23..25].copy_from_slice(b"59");
            assert_eq!(crate::file::parse_http_date(&before), Some(secs - 1));
        } else {
            let rendered = crate::h1::date::render(secs);
            assert_eq!(&rendered[3..], &text[3..], "date does not round-trip");
        }
    }
    let Some((len_bytes, range)) = data.split_first_chunk::<2>() else {
        return;
    };
    let len = u64::from(u16::from_le_bytes(*len_bytes));
    match crate::file::byte_range(range, len) {
        crate::file::Answer::Part { start, len: n } => {
            assert!(n >= 1 && start.checked_add(n).is_some_and(|end| end <= len));
        }
        crate::file::Answer::Unsatisfiable | crate::file::Answer::Full => {}
        crate::file::Answer::NotModified => panic!("a range never answers 304"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fuzz_entry_points_accept_their_seeds() {
        parse_head_differential(b"GET /a?b HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n");
        chunked_splits(b"\x03\x35\r\nhello\r\n0\r\nT: 1\r\n\r\n");
        chunked_splits(b"\x01\x35\r\nhel");
        trie_insert_at(b"/a/{b}\n/{*r}\n\n/a/x\n/z/y/w\n/");
        conn_segments(b"\x05GET / HTTP/1.1\r\nHost: a\r\n\r\nPOST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /x HTTP/1.1\r\n\r\n");
        conn_segments(b"\x01POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc");
        // Found by the fuzzer: a 505 message that quoted a partly received version.
        conn_segments(b"\x07GET / HTTP/1.1\x0d\x0aHost: a\x0d\x0a\x0d\x0aPOST / HTTP/2.1\x0d\x0aHost: a\x0d\x0aTransfer-Encoding: chunked\x0d\x0a\x0d\x0a3\x0d\x0aabc\x0d\x0a0\x0d\x0a\x0d\x0a");
        // Found by the fuzzer: 400 or 505 depending on bytes after the bad version.
        conn_segments(b"\x01GET /e#cho HTTP/2.1\x03POST \x0aContent-Length: 3\x0d\x0a\x0d\x0a");
        // Streamed bodies: whole, stopped early (drained), cut short, malformed.
        conn_segments(b"\x03POST /stream HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nPOST /stop HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n123456789GET / HTTP/1.1\r\nHost: a\r\n\r\n");
        conn_segments(b"\x02POST /stop HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\nZ\r\n");
        conn_segments(b"\x04POST /stream HTTP/1.1\r\nHost: a\r\nContent-Length: 20\r\n\r\nshort");
        // Found by the fuzzer: a step byte and no input at all.
        ws_frame_splits(b"\x93");
        ws_frame_splits(b"\x03\x81\x85\x01\x02\x03\x04iggmn\x89\x80\x00\x00\x00\x00");
    }

    #[test]
    fn streaming_routes_answer_the_same_for_every_segmentation() {
        let input = b"POST /stream HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\nPOST /stop HTTP/1.1\r\nHost: a\r\nContent-Length: 9\r\n\r\n123456789GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n";
        let whole = serve_segments(input, input.len());
        let text = String::from_utf8_lossy(&whole);
        assert_eq!(text.matches("HTTP/1.1 200 OK").count(), 3, "{text}");
        assert!(text.contains("\r\n\r\nabcdeHTTP/1.1"), "{text}");
        assert!(text.contains("\r\n\r\nstoppedHTTP/1.1"), "{text}");
        for step in [1, 2, 7, 40] {
            assert_eq!(serve_segments(input, step), whole, "step {step}");
        }
    }
}

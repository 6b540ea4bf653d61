//! Checks driven by the fuzz targets in `fuzz/fuzz_targets/` (not a public API).
//!
//! Each function panics when an invariant breaks, which is what a fuzzer reports.

use bytes::BytesMut;

use crate::resp::{Decoder, FrameScanner, Limits, Value, ValueSink, encode_value};

/// Limits small enough that a fuzzer reaches them.
fn fuzz_limits() -> Limits {
    Limits::default()
        .max_elements(1000)
        .max_depth(64)
        .max_bulk_len(4096)
        .max_bignum_len(64)
        .max_buffer(8192)
}

/// Decodes every reply in `data` at once; the values, the bytes each consumed, and the error.
fn decode_whole(data: &[u8]) -> (Vec<(Value, usize)>, Option<String>) {
    let mut decoder = Decoder::with_limits(fuzz_limits());
    let mut sink = ValueSink::new();
    let mut buf = BytesMut::from(data);
    let mut out = Vec::new();
    loop {
        let before = buf.len();
        match decoder.decode(&mut buf, &mut sink) {
            Ok(Some(v)) => out.push((v, before - buf.len())),
            Ok(None) => return (out, None),
            Err(e) => return (out, Some(e.to_string())),
        }
    }
}

/// The decoder on the whole buffer, the decoder fed in chunks (sizes taken from the first
/// byte), and the frame scanner must agree on every reply, its length, and the error.
pub fn decode_chunked(data: &[u8]) {
    let Some((&seed, data)) = data.split_first() else {
        return;
    };
    // The bulk-string short path of the token parser answers exactly as the general one.
    assert_eq!(
        crate::resp::token::parse(data, &fuzz_limits(), 0),
        crate::resp::token::parse_general(data, &fuzz_limits(), 0)
    );
    let (whole, whole_err) = decode_whole(data);
    // Chunked: a fresh decoder, bytes arriving `step` at a time.
    let step = usize::from(seed % 17) + 1;
    let mut decoder = Decoder::with_limits(fuzz_limits());
    let mut sink = ValueSink::new();
    let mut buf = BytesMut::new();
    let mut chunked = Vec::new();
    let mut chunked_err = None;
    'feed: for piece in data.chunks(step) {
        buf.extend_from_slice(piece);
        loop {
            match decoder.decode(&mut buf, &mut sink) {
                Ok(Some(v)) => chunked.push(v),
                Ok(None) => break,
                Err(e) => {
                    chunked_err = Some(e.to_string());
                    break 'feed;
                }
            }
        }
    }
    let whole_values: Vec<&Value> = whole.iter().map(|(v, _)| v).collect();
    let chunked_values: Vec<&Value> = chunked.iter().collect();
    // NaN != NaN: compare through Debug, which prints NaN the same way each time.
    assert_eq!(format!("{whole_values:?}"), format!("{chunked_values:?}"));
    // Errors may differ only in how far a too-long line got before it was refused.
    assert_eq!(
        whole_err.is_some(),
        chunked_err.is_some(),
        "{whole_err:?} vs {chunked_err:?}"
    );
    // The scanner finds the same reply boundaries.
    let mut offset = 0;
    for (_, len) in &whole {
        let mut scanner = FrameScanner::with_limits(fuzz_limits());
        assert_eq!(scanner.scan(&data[offset..]), Ok(Some(*len)));
        offset += len;
    }
    let mut scanner = FrameScanner::with_limits(fuzz_limits());
    let tail = scanner.scan(&data[offset..]);
    assert_eq!(
        tail.is_err(),
        whole_err.is_some(),
        "{tail:?} vs {whole_err:?}"
    );
}

/// Every decoded reply encodes back to RESP3 that decodes to the same value (compared through
/// its re-encoding, so NaN payloads do not matter).
pub fn value_roundtrip(data: &[u8]) {
    let (values, _) = decode_whole(data);
    for (value, _) in values {
        let mut first = Vec::new();
        encode_value(&value, &mut first);
        let (again, err) = decode_whole(&first);
        assert_eq!(err, None, "{value:?} encoded as {first:?}");
        assert_eq!(again.len(), 1);
        let mut second = Vec::new();
        encode_value(&again[0].0, &mut second);
        assert_eq!(first, second);
    }
}

/// Arguments (split at 0xFF bytes) encode into a command that decodes back to exactly them.
pub fn encode_command(data: &[u8]) {
    let args: Vec<&[u8]> = data.split(|&b| b == 0xff).collect();
    let mut command = crate::Cmd::new();
    for arg in &args {
        command.push_bytes(arg);
    }
    assert_eq!(command.args(), args);
    let bytes = command.to_bytes();
    assert_eq!(bytes.len(), command.encoded_len());
    let mut buf = BytesMut::from(&bytes[..]);
    let decoded = Decoder::new()
        .decode(&mut buf, &mut ValueSink::new())
        .ok()
        .flatten();
    let expected = Value::Array(args.iter().map(|a| Value::bulk(a.to_vec())).collect());
    assert_eq!(decoded, Some(expected));
    assert!(buf.is_empty());
}

/// The FalkorDB compact decoder never panics on any decodable reply, with or without names.
pub fn graph_compact(data: &[u8]) {
    let (values, _) = decode_whole(data);
    let mut schema = crate::graph::Schema::default();
    let names = crate::graph::QueryResult {
        columns: Vec::new(),
        rows: vec![vec![crate::graph::GraphValue::String("n".into())]; 4],
        stats: Vec::new(),
    };
    for (value, _) in values {
        let _ = crate::graph::compact::decode(&value, &schema);
        for table in [
            crate::graph::NameTable::Labels,
            crate::graph::NameTable::RelationshipTypes,
            crate::graph::NameTable::PropertyKeys,
        ] {
            let _ = schema.set(table, &names);
        }
        if let Ok(crate::graph::Decoded::Missing { id, .. }) =
            crate::graph::compact::decode(&value, &schema)
        {
            assert!(
                !(0..4).contains(&id),
                "id {id} is known but reported missing"
            );
        }
    }
}

/// `MOVED`/`ASK` parsing never panics, and what it accepts names a valid slot and port and
/// reads back the same when written out again.
pub fn parse_redirect(data: &[u8]) {
    let err = crate::resp::ServerError::new(bytes::Bytes::copy_from_slice(data));
    if let Some(r) = crate::cluster::Redirect::parse(&err) {
        assert!(r.slot < crate::cluster::SLOTS);
        let crate::config::Addr::Tcp { host, port } = &r.addr else {
            panic!("a redirect to a unix socket");
        };
        assert_ne!(*port, 0);
        let word = match r.kind {
            crate::cluster::RedirectKind::Moved => "MOVED",
            crate::cluster::RedirectKind::Ask => "ASK",
        };
        let again = crate::resp::ServerError::new(format!("{word} {} {host}:{port}", r.slot));
        assert_eq!(crate::cluster::Redirect::parse(&again), Some(r));
    }
}

/// URL parsing never panics, fails only with `InvalidConfig`, and is deterministic.
pub fn parse_url(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match crate::Config::from_url(text) {
        Ok(config) => assert_eq!(crate::Config::from_url(text).ok(), Some(config)),
        Err(err) => assert_eq!(err.kind(), crate::ErrorKind::InvalidConfig, "{err}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fuzz_checks_hold_on_the_seed_inputs() {
        let stream = b"\x05*2\r\n$3\r\nfoo\r\n%1\r\n+k\r\n,nan\r\n|1\r\n+a\r\n+b\r\n(12\r\n=5\r\ntxt:x\r\n:1\r\n";
        decode_chunked(stream);
        value_roundtrip(&stream[1..]);
        encode_command(b"SET\xffk\xff\r\n\x00");
        encode_command(b"");
        parse_url(b"redis://u:p@[::1]:6380/2?protocol=3");
        parse_url(b"redis://[");
        parse_redirect(b"MOVED 12182 127.0.0.1:17003");
        parse_redirect(b"ASK 1 [::1]:1");
        graph_compact(b"*3\r\n*1\r\n*2\r\n:1\r\n$1\r\nn\r\n*1\r\n*1\r\n*2\r\n:8\r\n*3\r\n:0\r\n*1\r\n:9\r\n*0\r\n*0\r\n");
    }

    #[test]
    fn chunked_and_whole_decoding_agree_on_errors_too() {
        decode_chunked(b"\x02*1\r\n#x\r\n");
        decode_chunked(
            b"\x00:99999999999999999999999999999999999999999999999999999999999999999999999",
        );
    }
}

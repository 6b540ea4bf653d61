//! Encoding values back to RESP3 (for round-trip tests, proxies and fixtures).
//!
//! Commands are encoded by [`crate::Cmd`]; this module writes replies.

use super::Value;

/// Appends the RESP3 encoding of `value` to `out`. Decoding the result gives `value` back
/// (doubles bit for bit, NaN as some NaN).
pub fn encode_value(value: &Value, out: &mut Vec<u8>) {
    // An explicit stack of values still to write, so deep values cannot overflow the stack.
    enum Item<'a> {
        Value(&'a Value),
    }
    let mut todo = vec![Item::Value(value)];
    while let Some(Item::Value(value)) = todo.pop() {
        match value {
            Value::Nil => out.extend_from_slice(b"_\r\n"),
            Value::Simple(s) => line(out, b'+', s),
            Value::Bulk(b) => blob(out, b'$', &[b]),
            Value::Int(n) => {
                out.push(b':');
                out.extend_from_slice(itoa::Buffer::new().format(*n).as_bytes());
                out.extend_from_slice(b"\r\n");
            }
            Value::Double(d) => line(out, b',', format_double(*d).as_bytes()),
            Value::Boolean(b) => out.extend_from_slice(if *b { b"#t\r\n" } else { b"#f\r\n" }),
            Value::BigNumber(n) => line(out, b'(', n),
            Value::Verbatim { format, text } => blob(out, b'=', &[format, b":", text]),
            Value::Error(err) => {
                if err.is_blob() || err.as_bytes().iter().any(|&b| b == b'\r' || b == b'\n') {
                    blob(out, b'!', &[err.as_bytes()]);
                } else {
                    line(out, b'-', err.as_bytes());
                }
            }
            Value::Array(items) | Value::Set(items) | Value::Push(items) => {
                let tag = match value {
                    Value::Set(_) => b'~',
                    Value::Push(_) => b'>',
                    _ => b'*',
                };
                header(out, tag, items.len());
                todo.extend(items.iter().rev().map(Item::Value));
            }
            Value::Map(pairs) => {
                header(out, b'%', pairs.len());
                push_pairs(&mut todo, pairs);
            }
            Value::Attribute { attributes, value } => {
                header(out, b'|', attributes.len());
                todo.push(Item::Value(value));
                push_pairs(&mut todo, attributes);
            }
        }
    }

    fn push_pairs<'a>(todo: &mut Vec<Item<'a>>, pairs: &'a [(Value, Value)]) {
        for (k, v) in pairs.iter().rev() {
            todo.push(Item::Value(v));
            todo.push(Item::Value(k));
        }
    }
}

/// The RESP3 spelling of a double that parses back to the same value.
pub(crate) fn format_double(d: f64) -> String {
    if d.is_nan() {
        "nan".to_owned()
    } else if d.is_infinite() {
        if d > 0.0 { "inf" } else { "-inf" }.to_owned()
    } else {
        // `{:?}` is the shortest text that round-trips, with an exponent when that is shorter.
        format!("{d:?}")
    }
}

fn line(out: &mut Vec<u8>, tag: u8, text: &[u8]) {
    out.push(tag);
    out.extend_from_slice(text);
    out.extend_from_slice(b"\r\n");
}

fn header(out: &mut Vec<u8>, tag: u8, len: usize) {
    out.push(tag);
    out.extend_from_slice(itoa::Buffer::new().format(len).as_bytes());
    out.extend_from_slice(b"\r\n");
}

fn blob(out: &mut Vec<u8>, tag: u8, parts: &[&[u8]]) {
    header(out, tag, parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.extend_from_slice(part);
    }
    out.extend_from_slice(b"\r\n");
}

//! One RESP token at a time: the type byte, its line, and for blobs the body.
//!
//! Parsing a token is pure: it looks at a byte slice and either returns the token and how many
//! bytes it spans, or says how far it scanned so the caller can resume without rescanning.
//! Aggregates are only headers here; [`super::decode`] keeps the nesting stack.

use memchr::memchr;

use super::{Aggregate, DecodeError, Limits};

/// A number line (`:`, `*`, `$`, ...) longer than this without its CRLF is refused at once, so a
/// hostile peer cannot make us buffer an endless "number".
const MAX_NUMBER_LINE: usize = 64;

/// One parsed token; offsets are relative to the start of the slice handed to [`parse`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Token {
    /// `+text` (text at `start..end`).
    Simple { start: usize, end: usize },
    /// `-text`.
    Error { start: usize, end: usize },
    /// `:n`.
    Integer(i64),
    /// `,x` with the text it was written as.
    Double {
        value: f64,
        start: usize,
        end: usize,
    },
    /// `#t` / `#f`.
    Boolean(bool),
    /// `_`, `$-1` or `*-1`.
    Null,
    /// `(digits`.
    BigNumber { start: usize, end: usize },
    /// `$len` + body.
    Bulk { start: usize, len: usize },
    /// `!len` + body.
    BlobError { start: usize, len: usize },
    /// `=len` + `fmt:` + text; `start` is where the text begins (after the colon).
    Verbatim {
        format: [u8; 3],
        start: usize,
        len: usize,
    },
    /// An aggregate header; `len` counts entries (pairs for maps and attributes).
    Aggregate { kind: Aggregate, len: usize },
}

/// The result of looking at the bytes for one token.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Step {
    /// A whole token spanning `consumed` bytes.
    Ready(Token, usize),
    /// More bytes are needed. `scanned` bytes were searched for a line end without finding one
    /// (resume from there); `needed` is the total the token needs, when known.
    Incomplete {
        scanned: usize,
        needed: Option<usize>,
    },
}

/// Parses the token at the start of `input`. `scan_from` is a previous `Incomplete::scanned`
/// for the same token (0 the first time).
///
/// A whole bulk string with a plain length (the bulk of every large reply) takes a short path
/// that reads the length digits directly instead of searching for the line end; it returns
/// exactly what the general path would, and anything else goes the general way.
#[inline]
pub(crate) fn parse(input: &[u8], limits: &Limits, scan_from: usize) -> Result<Step, DecodeError> {
    if let (Some(b'$'), 0) = (input.first(), scan_from)
        && let Some((len, after)) = digits_line(input)
        && len <= limits.max_bulk_len.min(limits.max_buffer)
        && after.saturating_add(len).saturating_add(2) <= limits.max_buffer
        && input.get(after + len..after + len + 2) == Some(b"\r\n")
    {
        return Ok(Step::Ready(
            Token::Bulk { start: after, len },
            after + len + 2,
        ));
    }
    parse_general(input, limits, scan_from)
}

/// For a line of 1 to 19 decimal digits after the type byte, ended by CRLF, the number and
/// where the line's CRLF ends; `None` for anything else (the general path decides).
#[inline]
fn digits_line(input: &[u8]) -> Option<(usize, usize)> {
    let mut n: usize = 0;
    for (i, &b) in input.iter().enumerate().skip(1).take(20) {
        if b.is_ascii_digit() {
            n = n.checked_mul(10)?.checked_add(usize::from(b - b'0'))?;
        } else if b == b'\r' && i > 1 && input.get(i + 1) == Some(&b'\n') {
            return Some((n, i + 2));
        } else {
            return None;
        }
    }
    None
}

/// The general token parser (see [`parse`]).
pub(crate) fn parse_general(
    input: &[u8],
    limits: &Limits,
    scan_from: usize,
) -> Result<Step, DecodeError> {
    let Some(&tag) = input.first() else {
        return Ok(Step::Incomplete {
            scanned: 0,
            needed: None,
        });
    };
    let line_end = match find_crlf(input, scan_from.max(1))? {
        Some(end) => end,
        None => {
            let scanned = input.len().saturating_sub(1).max(1);
            // Room beyond the line's limit for the type byte and a trailing CR, and for a big
            // number's minus sign (the limit counts digits).
            let (cap, room) = match tag {
                b'(' => (
                    limits.max_bignum_len,
                    2 + usize::from(input.get(1) == Some(&b'-')),
                ),
                b'+' | b'-' | b',' => (limits.max_bulk_len, 2),
                _ => (MAX_NUMBER_LINE, 2),
            };
            if input.len() > cap.saturating_add(room) {
                return Err(line_too_long(tag, cap, input.len() - 1));
            }
            if !is_known_tag(tag) {
                return Err(DecodeError::UnknownType { byte: tag });
            }
            return Ok(Step::Incomplete {
                scanned,
                needed: None,
            });
        }
    };
    let line = &input[1..line_end];
    let after = line_end + 2;
    if after > limits.max_buffer {
        // A whole token must fit the buffer, whether it arrived in one read or in many.
        return Err(token_too_long(after, limits));
    }
    let token = match tag {
        b'+' | b'-' => {
            if line.len() > limits.max_bulk_len {
                return Err(line_too_long(tag, limits.max_bulk_len, line.len()));
            }
            if memchr(b'\n', line).is_some() {
                return Err(DecodeError::Protocol {
                    what: "a bare LF inside a simple string or error line",
                });
            }
            if tag == b'+' {
                Token::Simple {
                    start: 1,
                    end: line_end,
                }
            } else {
                Token::Error {
                    start: 1,
                    end: line_end,
                }
            }
        }
        b':' => Token::Integer(parse_i64(line).ok_or(DecodeError::Protocol {
            what: "an integer reply that is not a 64-bit decimal integer",
        })?),
        b',' => {
            let value = parse_double(line).ok_or(DecodeError::Protocol {
                what: "a double reply that is not a decimal number, inf, -inf or nan",
            })?;
            Token::Double {
                value,
                start: 1,
                end: line_end,
            }
        }
        b'#' => match line {
            b"t" => Token::Boolean(true),
            b"f" => Token::Boolean(false),
            _ => {
                return Err(DecodeError::Protocol {
                    what: "a boolean reply other than #t or #f",
                });
            }
        },
        b'_' => {
            if !line.is_empty() {
                return Err(DecodeError::Protocol {
                    what: "a null reply with text after the underscore",
                });
            }
            Token::Null
        }
        b'(' => {
            let digits = line.strip_prefix(b"-").unwrap_or(line);
            if digits.len() > limits.max_bignum_len {
                return Err(DecodeError::LimitExceeded {
                    what: "big number digits",
                    value: digits.len() as u64,
                    limit: limits.max_bignum_len as u64,
                });
            }
            if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
                return Err(DecodeError::Protocol {
                    what: "a big number that is not an optional minus and decimal digits",
                });
            }
            Token::BigNumber {
                start: 1,
                end: line_end,
            }
        }
        b'$' | b'!' | b'=' => {
            let Some(len) = parse_len(line, tag == b'$')? else {
                return Ok(Step::Ready(Token::Null, after));
            };
            let limit = limits.max_bulk_len.min(limits.max_buffer);
            if len > limit {
                return Err(DecodeError::LimitExceeded {
                    what: "bulk string bytes",
                    value: len as u64,
                    limit: limit as u64,
                });
            }
            let total = after.saturating_add(len).saturating_add(2);
            if total > limits.max_buffer {
                return Err(token_too_long(total, limits));
            }
            if input.len() < total {
                return Ok(Step::Incomplete {
                    scanned: 0,
                    needed: Some(total),
                });
            }
            if &input[after + len..total] != b"\r\n" {
                return Err(DecodeError::Protocol {
                    what: "a bulk string body not followed by CRLF",
                });
            }
            let token = match tag {
                b'$' => Token::Bulk { start: after, len },
                b'!' => Token::BlobError { start: after, len },
                _ => {
                    if len < 4 || input[after + 3] != b':' {
                        return Err(DecodeError::Protocol {
                            what: "a verbatim string without its three-letter format and colon",
                        });
                    }
                    let format = [input[after], input[after + 1], input[after + 2]];
                    Token::Verbatim {
                        format,
                        start: after + 4,
                        len: len - 4,
                    }
                }
            };
            return Ok(Step::Ready(token, total));
        }
        b'*' | b'%' | b'~' | b'|' | b'>' => {
            let Some(len) = parse_len(line, tag == b'*')? else {
                return Ok(Step::Ready(Token::Null, after));
            };
            let kind = match tag {
                b'*' => Aggregate::Array,
                b'%' => Aggregate::Map,
                b'~' => Aggregate::Set,
                b'|' => Aggregate::Attribute,
                _ => Aggregate::Push,
            };
            let elements = len.saturating_mul(kind.width());
            if elements > limits.max_elements {
                return Err(DecodeError::LimitExceeded {
                    what: "aggregate elements",
                    value: elements as u64,
                    limit: limits.max_elements as u64,
                });
            }
            Token::Aggregate { kind, len }
        }
        other => return Err(DecodeError::UnknownType { byte: other }),
    };
    Ok(Step::Ready(token, after))
}

/// Finds the CRLF ending the first line, searching from `from`. A CR must be followed by LF.
fn find_crlf(input: &[u8], from: usize) -> Result<Option<usize>, DecodeError> {
    if from >= input.len() {
        return Ok(None);
    }
    match memchr(b'\r', &input[from..]) {
        None => Ok(None),
        Some(i) => {
            let at = from + i;
            match input.get(at + 1) {
                None => Ok(None),
                Some(b'\n') => Ok(Some(at)),
                Some(_) => Err(DecodeError::Protocol {
                    what: "a CR not followed by LF",
                }),
            }
        }
    }
}

fn is_known_tag(tag: u8) -> bool {
    matches!(
        tag,
        b'+' | b'-'
            | b':'
            | b','
            | b'#'
            | b'_'
            | b'('
            | b'$'
            | b'!'
            | b'='
            | b'*'
            | b'%'
            | b'~'
            | b'|'
            | b'>'
    )
}

/// The error for a line that grew past `limit` (`seen` bytes so far, type byte excluded).
fn line_too_long(tag: u8, limit: usize, seen: usize) -> DecodeError {
    let what = match tag {
        b'(' => "big number digits",
        b'+' | b'-' | b',' => "line bytes",
        _ if is_known_tag(tag) => "number line bytes",
        _ => return DecodeError::UnknownType { byte: tag },
    };
    DecodeError::LimitExceeded {
        what,
        value: seen as u64,
        limit: limit as u64,
    }
}

/// The error for a whole token of `len` bytes that cannot fit [`Limits::max_buffer`]; the same
/// limit the decoder applies to the bytes buffered for an unfinished token.
fn token_too_long(len: usize, limits: &Limits) -> DecodeError {
    DecodeError::LimitExceeded {
        what: "buffered bytes of one token",
        value: len as u64,
        limit: limits.max_buffer as u64,
    }
}

/// Parses a length: decimal digits, or `-1` (null) when `null_ok`.
fn parse_len(line: &[u8], null_ok: bool) -> Result<Option<usize>, DecodeError> {
    if line == b"-1" {
        return if null_ok {
            Ok(None)
        } else {
            Err(DecodeError::Protocol {
                what: "a -1 length on a type that has no null form",
            })
        };
    }
    if line.is_empty() || line.len() > 19 || !line.iter().all(u8::is_ascii_digit) {
        return Err(DecodeError::Protocol {
            what: "a length that is not -1 or a non-negative decimal number",
        });
    }
    let mut n: u64 = 0;
    for &d in line {
        n = n * 10 + u64::from(d - b'0');
    }
    usize::try_from(n)
        .map(Some)
        .map_err(|_| DecodeError::Protocol {
            what: "a length too large for this platform",
        })
}

/// Parses a signed 64-bit decimal integer (optional `-` or `+`), refusing overflow.
pub(crate) fn parse_i64(line: &[u8]) -> Option<i64> {
    let (neg, digits) = match line.first()? {
        b'-' => (true, &line[1..]),
        b'+' => (false, &line[1..]),
        _ => (false, line),
    };
    if digits.is_empty() || digits.len() > 19 {
        return None;
    }
    let mut n: i64 = 0;
    for &d in digits {
        if !d.is_ascii_digit() {
            return None;
        }
        let d = i64::from(d - b'0');
        n = if neg {
            n.checked_mul(10)?.checked_sub(d)?
        } else {
            n.checked_mul(10)?.checked_add(d)?
        };
    }
    Some(n)
}

/// Parses a RESP3 double: a decimal number (exponent allowed), `inf`, `-inf`, `nan`, `-nan`.
fn parse_double(line: &[u8]) -> Option<f64> {
    let text = std::str::from_utf8(line).ok()?;
    let body = text.strip_prefix(['-', '+']).unwrap_or(text);
    match body {
        "inf" | "nan" => {}
        _ => {
            let ok = !body.is_empty()
                && body
                    .bytes()
                    .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
                && body.as_bytes()[0] != b'e'
                && body.as_bytes()[0] != b'E';
            if !ok {
                return None;
            }
        }
    }
    text.parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(input: &[u8]) -> Result<Step, DecodeError> {
        parse(input, &Limits::default(), 0)
    }

    #[test]
    fn integers_refuse_overflow_and_junk() {
        assert_eq!(parse_i64(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(parse_i64(b"9223372036854775807"), Some(i64::MAX));
        assert_eq!(parse_i64(b"9223372036854775808"), None);
        assert_eq!(parse_i64(b"99999999999999999999"), None);
        assert_eq!(parse_i64(b"1x"), None);
        assert_eq!(parse_i64(b"-"), None);
        assert_eq!(parse_i64(b""), None);
    }

    #[test]
    fn doubles_accept_resp3_spellings_only() {
        assert_eq!(parse_double(b"inf"), Some(f64::INFINITY));
        assert_eq!(parse_double(b"-inf"), Some(f64::NEG_INFINITY));
        assert!(parse_double(b"nan").unwrap().is_nan());
        assert!(parse_double(b"-nan").unwrap().is_nan());
        assert_eq!(parse_double(b"1.5e+300"), Some(1.5e300));
        assert_eq!(parse_double(b"abc"), None);
        assert_eq!(parse_double(b"infinity"), None);
        assert_eq!(parse_double(b""), None);
    }

    #[test]
    fn a_long_number_line_without_crlf_is_refused_early() {
        let mut line = b":".to_vec();
        line.extend(std::iter::repeat_n(b'1', 100));
        assert!(matches!(tok(&line), Err(DecodeError::LimitExceeded { .. })));
    }

    #[test]
    fn the_bulk_short_path_agrees_with_the_general_parser() {
        let limits = Limits::default().max_bulk_len(100);
        let mut inputs: Vec<Vec<u8>> = [
            &b"$0\r\n\r\n"[..],
            b"$-1\r\n",
            b"$01\r\nx\r\n",
            b"$3\r\nabc\r\n:1\r\n",
            b"$3\r\nab",
            b"$3\r\nabc\rx",
            b"$3\r\nabc\n\r",
            b"$\r\n",
            b"$1\n",
            b"$1\r",
            b"$1\rx",
            b"$ 1\r\nx\r\n",
            b"$+1\r\nx\r\n",
            b"$101\r\n",
            b"$100\r\n",
            b"$9999999999999999999\r\n",
            b"$99999999999999999999\r\n",
            b"$18446744073709551616\r\n",
        ]
        .iter()
        .map(|i| i.to_vec())
        .collect();
        // Every prefix of a few valid frames, and every single-byte corruption of one.
        let valid = b"$10\r\n0123456789\r\n".to_vec();
        for end in 0..=valid.len() {
            inputs.push(valid[..end].to_vec());
        }
        for at in 0..valid.len() {
            for b in [b'\r', b'\n', b'0', b'-', b'x', 0, 0xff] {
                let mut v = valid.clone();
                v[at] = b;
                inputs.push(v);
            }
        }
        for input in &inputs {
            for scan_from in [0, 1, 3] {
                assert_eq!(
                    parse(input, &limits, scan_from),
                    parse_general(input, &limits, scan_from),
                    "input {:?}, scan_from {scan_from}",
                    String::from_utf8_lossy(input)
                );
            }
        }
    }

    #[test]
    fn an_unknown_type_byte_is_refused_before_its_line_ends() {
        assert_eq!(tok(b"?abc"), Err(DecodeError::UnknownType { byte: b'?' }));
    }
}

//! What a file response decides from the request: validators (`ETag`, `Last-Modified`),
//! conditional requests (RFC 9110 §13) and single byte ranges (RFC 9110 §14).

use std::time::{SystemTime, UNIX_EPOCH};

use crate::method::Method;
use crate::request::Request;

/// How to answer a request for a file of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// `200` with the whole file.
    Full,
    /// `304 Not Modified`.
    NotModified,
    /// `206` with the bytes `start..start + len`.
    Part { start: u64, len: u64 },
    /// `416 Range Not Satisfiable`.
    Unsatisfiable,
}

/// A file's validators.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Validators {
    /// A strong entity tag from the modification time and the length, quoted.
    pub(crate) etag: String,
    /// The modification time in Unix seconds.
    pub(crate) modified: u64,
}

impl Validators {
    /// The validators of a file of `len` bytes last modified at `modified`.
    pub(crate) fn new(len: u64, modified: Option<SystemTime>) -> Self {
        let modified = modified
            .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
            .map_or(0, |d| d.as_secs());
        Validators {
            etag: format!("\"{modified:x}-{len:x}\""),
            modified,
        }
    }
}

/// Decides the answer for `req` on a file of `len` bytes with `validators`.
pub(crate) fn answer(req: &Request, len: u64, validators: &Validators) -> Answer {
    let method = req.method();
    let safe = matches!(method, Method::Get | Method::Head);
    // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2).
    if let Some(tags) = req.header("if-none-match") {
        if safe && matches_any(tags, &validators.etag, false) {
            return Answer::NotModified;
        }
    } else if let Some(since) = req.header("if-modified-since").and_then(parse_http_date)
        && safe
        && validators.modified <= since
    {
        return Answer::NotModified;
    }
    if method != Method::Get {
        return Answer::Full;
    }
    let Some(range) = req.header("range") else {
        return Answer::Full;
    };
    // A Range under an If-Range that no longer matches is ignored: the client gets it all.
    if let Some(cond) = req.header("if-range") {
        let fresh = if cond.starts_with(b"\"") {
            cond == validators.etag.as_bytes()
        } else {
            parse_http_date(cond) == Some(validators.modified)
        };
        if !fresh {
            return Answer::Full;
        }
    }
    byte_range(range, len)
}

/// Whether the `If-None-Match` list holds `*` or a tag matching `etag` (weak comparison
/// unless `strong`).
fn matches_any(list: &[u8], etag: &str, strong: bool) -> bool {
    let list = String::from_utf8_lossy(list);
    list.split(',').map(str::trim).any(|tag| {
        tag == "*"
            || match tag.strip_prefix("W/") {
                Some(weak) => !strong && weak == etag,
                None => tag == etag,
            }
    })
}

/// One `bytes=` range of a file of `len` bytes. Several ranges, other units and syntax
/// errors give [`Answer::Full`] (a server may ignore `Range`); a range starting past the end
/// gives [`Answer::Unsatisfiable`].
pub(crate) fn byte_range(value: &[u8], len: u64) -> Answer {
    let Some(spec) = value.trim_ascii().strip_prefix(b"bytes=") else {
        return Answer::Full;
    };
    let spec = spec.trim_ascii();
    if spec.contains(&b',') {
        return Answer::Full;
    }
    let Some(dash) = spec.iter().position(|&b| b == b'-') else {
        return Answer::Full;
    };
    let (first, last) = (&spec[..dash], &spec[dash + 1..]);
    let (start, end) = match (digits(first), digits(last)) {
        // `bytes=-N`: the last N bytes.
        (None, Some(n)) if first.is_empty() => {
            if n == 0 || len == 0 {
                return Answer::Unsatisfiable;
            }
            (len.saturating_sub(n), len - 1)
        }
        // `bytes=A-`: from A to the end.
        (Some(a), None) if last.is_empty() => (a, len.saturating_sub(1)),
        // `bytes=A-B`, B capped at the end.
        (Some(a), Some(b)) if a <= b => (a, b.min(len.saturating_sub(1))),
        _ => return Answer::Full,
    };
    if start >= len {
        return Answer::Unsatisfiable;
    }
    Answer::Part {
        start,
        len: end - start + 1,
    }
}

/// A non-empty run of decimal digits that fits a `u64`.
fn digits(s: &[u8]) -> Option<u64> {
    if s.is_empty() || s.len() > 19 || !s.iter().all(u8::is_ascii_digit) {
        return None;
    }
    s.iter().try_fold(0u64, |n, &d| {
        n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
    })
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to Unix seconds; the obsolete
/// RFC 850 and asctime forms, and anything else, give `None` (the condition is then ignored,
/// which RFC 9110 allows for an invalid date).
pub(crate) fn parse_http_date(value: &[u8]) -> Option<u64> {
    const MONTHS: [&[u8; 3]; 12] = [
        b"Jan", b"Feb", b"Mar", b"Apr", b"May", b"Jun", b"Jul", b"Aug", b"Sep", b"Oct", b"Nov",
        b"Dec",
    ];
    let v = value.trim_ascii();
    if v.len() != 29 || &v[3..5] != b", " || &v[25..] != b" GMT" {
        return None;
    }
    let num = |r: std::ops::Range<usize>| digits(&v[r]);
    let day = num(5..7)?;
    let month = MONTHS.iter().position(|m| &v[8..11] == *m)? as u64 + 1;
    let year = num(12..16)?;
    let (hour, min, sec) = (num(17..19)?, num(20..22)?, num(23..25)?);
    if v[7] != b' ' || v[11] != b' ' || v[16] != b' ' || v[19] != b':' || v[22] != b':' {
        return None;
    }
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if !(1..=month_days).contains(&day) || year < 1970 || hour > 23 || min > 59 || sec > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some(days * 86_400 + hour * 3600 + min * 60 + sec)
}

/// Days from 1970-01-01 to a date (year >= 1970), after Howard Hinnant's `days_from_civil`.
fn days_from_civil(year: u64, month: u64, day: u64) -> u64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe).saturating_sub(719_468)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::h1::date::render;

    #[test]
    fn http_dates_round_trip_with_the_renderer() {
        for secs in [0, 784_111_777, 951_782_400, 1_700_000_000, 4_102_444_799] {
            let text = render(secs);
            assert_eq!(
                parse_http_date(&text),
                Some(secs),
                "{}",
                String::from_utf8_lossy(&text)
            );
        }
        assert_eq!(
            parse_http_date(b"Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784_111_777)
        );
        assert_eq!(
            parse_http_date(b"Thu, 29 Feb 2024 00:00:00 GMT"),
            Some(1_709_164_800)
        );
        assert_eq!(
            parse_http_date(b"Tue, 29 Feb 2000 00:00:00 GMT"),
            Some(951_782_400)
        );
        // A leap second (found by the fuzz target) counts as the next minute's first second.
        assert_eq!(
            parse_http_date(b"\tSun, 29 Nov 1994 08:49:60 GMT"),
            parse_http_date(b"Sun, 29 Nov 1994 08:50:00 GMT")
        );
        for bad in [
            &b"Sunday, 06-Nov-94 08:49:37 GMT"[..],
            b"Sun Nov  6 08:49:37 1994",
            b"Sun, 06 Foo 1994 08:49:37 GMT",
            b"Sun, 32 Nov 1994 08:49:37 GMT",
            b"Sun, 06 Nov 1994 24:49:37 GMT",
            b"Sun, 06 Nov 1994 08:49:37 UTC",
            b"",
            // Found by the file_conditions fuzz target: a day past the month's end.
            b"\r\r\r\r\x0c\x0c\x0c\r\r\r\x0c\x0c\x0c\x0c\x0c\x0c\x0c\x0c      \t\tSun, 31 Nov 1994 08:49:37 GMT\t         \x0c",
            b"Wed, 29 Feb 2023 00:00:00 GMT",
            b"Fri, 29 Feb 2100 00:00:00 GMT",
        ] {
            assert_eq!(
                parse_http_date(bad),
                None,
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
    }

    #[test]
    fn byte_ranges_follow_rfc_9110() {
        let part = |start, len| Answer::Part { start, len };
        assert_eq!(byte_range(b"bytes=0-99", 1000), part(0, 100));
        assert_eq!(byte_range(b"bytes=900-", 1000), part(900, 100));
        assert_eq!(byte_range(b"bytes=-100", 1000), part(900, 100));
        assert_eq!(byte_range(b"bytes=-5000", 1000), part(0, 1000));
        assert_eq!(byte_range(b"bytes=990-2000", 1000), part(990, 10));
        assert_eq!(byte_range(b"bytes=999-999", 1000), part(999, 1));
        assert_eq!(byte_range(b"bytes=1000-", 1000), Answer::Unsatisfiable);
        assert_eq!(byte_range(b"bytes=-0", 1000), Answer::Unsatisfiable);
        assert_eq!(byte_range(b"bytes=0-0", 0), Answer::Unsatisfiable);
        for ignored in [
            &b"bytes=5-1"[..],
            b"bytes=0-1,5-9",
            b"items=0-1",
            b"bytes=a-b",
            b"bytes=-",
            b"bytes=1",
            b"bytes=99999999999999999999-",
        ] {
            assert_eq!(byte_range(ignored, 1000), Answer::Full, "{ignored:?}");
        }
    }

    #[test]
    fn if_none_match_lists_compare_weakly() {
        let etag = "\"5f-10\"";
        assert!(matches_any(b"\"5f-10\"", etag, false));
        assert!(matches_any(b"\"x\", W/\"5f-10\"", etag, false));
        assert!(!matches_any(b"W/\"5f-10\"", etag, true));
        assert!(matches_any(b"*", etag, false));
        assert!(!matches_any(b"\"5f-11\"", etag, false));
    }
}

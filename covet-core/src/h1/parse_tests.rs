use super::*;

fn parse(buf: &[u8]) -> Result<Option<Head>> {
    parse_head(buf, &Limits::default())
}

fn complete(buf: &[u8]) -> Head {
    match parse(buf) {
        Ok(Some(h)) => h,
        other => panic!(
            "expected a complete head for {:?}, got {other:?}",
            ascii(buf)
        ),
    }
}

/// Requests that must be rejected, with the status they are answered with.
macro_rules! rejects {
    ($($name:ident: $input:expr => $status:expr;)*) => {$(
        #[test]
        fn $name() {
            let input: &[u8] = $input;
            match parse(input) {
                Err(e) => assert_eq!(e.status(), Some($status), "{e}"),
                Ok(h) => panic!("accepted {:?}: {h:?}", ascii(input)),
            }
        }
    )*};
}

/// Requests that must be accepted, with their path and framing.
macro_rules! accepts {
    ($($name:ident: $input:expr => ($path:expr, $framing:expr, $keep_alive:expr);)*) => {$(
        #[test]
        fn $name() {
            let input: &[u8] = $input;
            let head = complete(input);
            assert_eq!(head.path(input), $path);
            assert_eq!(head.framing(), $framing);
            assert_eq!(head.keep_alive(), $keep_alive);
            assert_eq!(head.len(), input.len());
        }
    )*};
}

accepts! {
    simple_get: b"GET / HTTP/1.1\r\nHost: a\r\n\r\n" => ("/", Framing::Empty, true);
    get_with_query: b"GET /a/b?x=1&y HTTP/1.1\r\nHost: a\r\n\r\n" => ("/a/b", Framing::Empty, true);
    post_with_length: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n" => ("/", Framing::Length(5), true);
    zero_length_is_empty: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n" => ("/", Framing::Empty, true);
    chunked_post: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n" => ("/", Framing::Chunked, true);
    chunked_is_case_insensitive: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n" => ("/", Framing::Chunked, true);
    http10_without_host_closes: b"GET / HTTP/1.0\r\n\r\n" => ("/", Framing::Empty, false);
    http10_keep_alive: b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" => ("/", Framing::Empty, true);
    connection_close: b"GET / HTTP/1.1\r\nHost: a\r\nConnection: foo, close\r\n\r\n" => ("/", Framing::Empty, false);
    connection_close_alone_any_case: b"GET / HTTP/1.1\r\nHost: a\r\nConnection: CLOSE\r\n\r\n" => ("/", Framing::Empty, false);
    connection_keep_alive_then_close: b"GET / HTTP/1.0\r\nConnection: Keep-Alive, close\r\n\r\n" => ("/", Framing::Empty, false);
    http10_keep_alive_any_case: b"GET / HTTP/1.0\r\nConnection: KEEP-alive\r\n\r\n" => ("/", Framing::Empty, true);
    http10_keep_alive_in_a_list: b"GET / HTTP/1.0\r\nConnection: te , keep-alive\r\n\r\n" => ("/", Framing::Empty, true);
    host_empty_with_port: b"GET / HTTP/1.1\r\nHost: :80\r\n\r\n" => ("/", Framing::Empty, true);
    leading_empty_lines: b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" => ("/", Framing::Empty, true);
    absolute_form: b"GET http://a/x/y?z HTTP/1.1\r\nHost: a\r\n\r\n" => ("/x/y", Framing::Empty, true);
    absolute_form_without_path: b"GET http://a:80 HTTP/1.1\r\nHost: a\r\n\r\n" => ("/", Framing::Empty, true);
    options_star: b"OPTIONS * HTTP/1.1\r\nHost: a\r\n\r\n" => ("*", Framing::Empty, true);
    host_with_port: b"GET / HTTP/1.1\r\nHost: example.com:8080\r\n\r\n" => ("/", Framing::Empty, true);
    host_ipv6: b"GET / HTTP/1.1\r\nHost: [::1]:80\r\n\r\n" => ("/", Framing::Empty, true);
    empty_host: b"GET / HTTP/1.1\r\nHost:\r\n\r\n" => ("/", Framing::Empty, true);
    expect_continue: b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n" => ("/", Framing::Length(1), true);
    custom_method: b"PURGE /x HTTP/1.1\r\nHost: a\r\n\r\n" => ("/x", Framing::Empty, true);
    tab_in_value: b"GET / HTTP/1.1\r\nHost: a\r\nX: a\tb\r\n\r\n" => ("/", Framing::Empty, true);
}

rejects! {
    // Host (RFC 9112 §3.2).
    missing_host: b"GET / HTTP/1.1\r\n\r\n" => 400;
    two_hosts: b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" => 400;
    two_hosts_http10: b"GET / HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n" => 400;
    host_with_slash: b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n" => 400;
    host_with_userinfo: b"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n" => 400;
    host_with_space: b"GET / HTTP/1.1\r\nHost: a b\r\n\r\n" => 400;
    host_with_bad_port: b"GET / HTTP/1.1\r\nHost: a:8x\r\n\r\n" => 400;
    host_with_two_colons: b"GET / HTTP/1.1\r\nHost: a:b:80\r\n\r\n" => 400;
    host_with_long_port: b"GET / HTTP/1.1\r\nHost: a:123456\r\n\r\n" => 400;
    host_with_bad_byte_after_port: b"GET / HTTP/1.1\r\nHost: a:80/\r\n\r\n" => 400;
    // Header syntax (RFC 9112 §5, RFC 9110 §5.5, HTTP Garden 2, 8, 13, 14, 18, 28, 30, 34, 35).
    space_before_colon: b"GET / HTTP/1.1\r\nHost : a\r\n\r\n" => 400;
    te_space_before_colon: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n" => 400;
    empty_header_name: b"GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n" => 400;
    header_without_colon: b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length 10\r\n\r\n" => 400;
    non_token_header_name: b"GET / HTTP/1.1\r\nHost: a\r\n\xefoo: bar\r\n\r\n" => 400;
    nul_in_value: b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n" => 400;
    bare_cr_in_value: b"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n" => 400;
    bare_cr_splitting_headers: b"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n" => 400;
    obs_fold: b"GET / HTTP/1.1\r\nHost: a\r\nX: a\r\n b\r\n\r\n" => 400;
    obs_fold_te: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n" => 400;
    obs_fold_first_line: b"GET / HTTP/1.1\r\n Host: a\r\n\r\n" => 400;
    bare_lf_everywhere: b"GET / HTTP/1.1\nHost: a\n\n" => 400;
    bare_lf_final: b"GET / HTTP/1.1\r\nHost: a\r\n\n" => 400;
    bare_lf_leading: b"\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" => 400;
    // Transfer-Encoding and Content-Length (RFC 9112 §6, HTTP Garden 10-33).
    te_and_cl: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 23\r\nTransfer-Encoding: chunked\r\n\r\n" => 400;
    cl_and_te: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n" => 400;
    chunked_not_final: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n" => 400;
    chunked_twice: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, chunked\r\n\r\n" => 400;
    two_te_fields: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n" => 400;
    unknown_coding: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n" => 501;
    identity_coding: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n" => 501;
    gzip_then_chunked: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n" => 501;
    nbsp_chunked: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \xa0chunked\r\n\r\n" => 400;
    leading_comma_chunked: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,chunked\r\n\r\n" => 400;
    empty_te: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n" => 400;
    te_in_http10: b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n" => 400;
    two_cl_differ: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 0\r\n\r\n" => 400;
    two_cl_same: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n" => 400;
    cl_list: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n" => 400;
    cl_plus: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\n" => 400;
    cl_minus: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n" => 400;
    cl_hex: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n" => 400;
    cl_underscore: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1_0\r\n\r\n" => 400;
    cl_empty: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n" => 400;
    cl_inner_space: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 0\r\n\r\n" => 400;
    cl_trailing_junk: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1Z\r\n\r\n" => 400;
    cl_overflow: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n" => 400;
    cl_over_body_limit: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n" => 413;
    // Request line and version (HTTP Garden 5, 6, 7, 15, 24, 40).
    version_132: b"GET / HTTP/1.32\r\nHost: a\r\n\r\n" => 400;
    version_111: b"GET / HTTP/1.1.1\r\nHost: a\r\n\r\n" => 400;
    version_cr: b"GET / HTTP/\r\r1.1\r\nHost: a\r\n\r\n" => 400;
    version_huge: b"GET / HTTP/4294967295.255\r\nHost: a\r\n\r\n" => 505;
    version_2: b"GET / HTTP/2.0\r\nHost: a\r\n\r\n" => 505;
    h2_preface: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" => 505;
    version_lowercase: b"GET / http/1.1\r\nHost: a\r\n\r\n" => 400;
    method_not_token: b"G=\":<>(e),[T];? / HTTP/1.1\r\nHost: a\r\n\r\n" => 400;
    method_nul: b"\x00 / HTTP/1.1\r\nHost: a\r\n\r\n" => 400;
    target_bang: b"GET ! HTTP/1.1\r\nHost: a\r\n\r\n" => 400;
    target_fragment: b"GET /a#b HTTP/1.1\r\nHost: a\r\n\r\n" => 400;
    target_non_ascii: b"GET /\xc3\xa9 HTTP/1.1\r\nHost: a\r\n\r\n" => 400;
    star_with_get: b"GET * HTTP/1.1\r\nHost: a\r\n\r\n" => 400;
    connect: b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n" => 501;
    two_spaces: b"GET  / HTTP/1.1\r\nHost: a\r\n\r\n" => 400;
    no_version: b"GET /\r\nHost: a\r\n\r\n" => 400;
    expect_other: b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\n\r\n" => 417;
}

#[test]
fn limits_map_to_431_and_414() {
    let mut many = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
    for i in 0..100 {
        many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"\r\n");
    assert_eq!(parse(&many).unwrap_err().status(), Some(431));

    let mut big = b"GET / HTTP/1.1\r\nHost: a\r\nX: ".to_vec();
    big.extend(std::iter::repeat_n(b'v', 16 * 1024));
    assert_eq!(
        parse(&big).unwrap_err().status(),
        Some(431),
        "partial head over the limit"
    );
    big.extend_from_slice(b"\r\n\r\n");
    assert_eq!(
        parse(&big).unwrap_err().status(),
        Some(431),
        "complete head over the limit"
    );

    let mut uri = b"GET /".to_vec();
    uri.extend(std::iter::repeat_n(b'a', 9 * 1024));
    assert_eq!(
        parse(&uri).unwrap_err().status(),
        Some(414),
        "partial long URI"
    );
    uri.extend_from_slice(b" HTTP/1.1\r\nHost: a\r\n\r\n");
    assert_eq!(
        parse(&uri).unwrap_err().status(),
        Some(414),
        "complete long URI"
    );
}

#[test]
fn header_count_limit_is_configurable() {
    let limits = Limits {
        max_headers: 2,
        ..Limits::default()
    };
    let ok = b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n\r\n";
    assert!(parse_head(ok, &limits).unwrap().is_some());
    let over = b"GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\nY: 2\r\n\r\n";
    assert_eq!(parse_head(over, &limits).unwrap_err().status(), Some(431));
}

#[test]
fn body_limit_is_configurable() {
    let limits = Limits {
        max_body: 4,
        ..Limits::default()
    };
    let req = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\n";
    assert_eq!(parse_head(req, &limits).unwrap_err().status(), Some(413));
}

const VALID: &[&[u8]] = &[
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n",
    b"\r\nPOST /echo?x=1 HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nX-Y: z\r\n\r\n",
    b"GET http://a/b HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
    b"GET / HTTP/1.0\r\n\r\n",
];

#[test]
fn every_prefix_of_a_valid_head_is_partial() {
    for req in VALID {
        for cut in 0..req.len() {
            match parse(&req[..cut]) {
                Ok(None) => {}
                other => panic!("prefix {:?} gave {other:?}", ascii(&req[..cut])),
            }
        }
        assert_eq!(complete(req).len(), req.len());
    }
}

#[test]
fn headers_and_parts_are_read_back() {
    let buf = b"POST /a/b?q=1 HTTP/1.1\r\nHost: example.com\r\nX-Empty:\r\nX-Two:  a b  \r\n\r\n";
    let head = complete(buf);
    assert_eq!(head.method(), Method::Post);
    assert_eq!(head.method_str(buf), "POST");
    assert_eq!(head.target(buf), "/a/b?q=1");
    assert_eq!(head.query(buf), Some("q=1"));
    assert_eq!(head.version(), Version::Http11);
    assert_eq!(head.header(buf, "host"), Some(&b"example.com"[..]));
    assert_eq!(head.header(buf, "x-empty"), Some(&b""[..]));
    assert_eq!(head.header(buf, "X-TWO"), Some(&b"a b"[..]));
    let names: Vec<_> = head.headers(buf).map(|(n, _)| n).collect();
    assert_eq!(names, ["Host", "X-Empty", "X-Two"]);
}

#[test]
fn agrees_with_httparse_on_accepted_heads() {
    for req in VALID {
        let head = complete(req);
        let mut headers = [httparse::EMPTY_HEADER; 16];
        let mut r = httparse::Request::new(&mut headers);
        assert_eq!(
            r.parse(req).unwrap(),
            httparse::Status::Complete(head.len())
        );
        assert_eq!(r.method.unwrap(), head.method_str(req));
        assert_eq!(r.path.unwrap(), head.target(req));
        let ours: Vec<_> = head.headers(req).collect();
        let theirs: Vec<_> = r.headers.iter().map(|h| (h.name, h.value)).collect();
        assert_eq!(ours, theirs);
    }
}

/// Bytes httparse accepts in a header name (RFC 9110 tchar).
fn tchars() -> impl Iterator<Item = u8> {
    (0..=255u8).filter(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[test]
fn token_is_agrees_with_a_case_insensitive_compare_for_every_tchar() {
    fn check<const N: usize>(lower: &[u8; N]) {
        let mut name = *lower;
        assert!(token_is(&name, lower));
        assert!(token_is(&name.to_ascii_uppercase(), lower));
        // Every single-byte change, at every position, to every byte a header name may hold.
        for at in 0..N {
            for b in tchars() {
                name[at] = b;
                assert_eq!(
                    token_is(&name, lower),
                    name.eq_ignore_ascii_case(lower),
                    "{:?} vs {:?}",
                    String::from_utf8_lossy(&name),
                    String::from_utf8_lossy(lower)
                );
            }
            name[at] = lower[at];
        }
        assert!(!token_is(&lower[..N - 1], lower));
        assert!(!token_is(&[lower.as_slice(), b"x"].concat(), lower));
    }
    check(b"host");
    check(b"expect");
    check(b"connection");
    check(b"content-length");
    check(b"transfer-encoding");
}

#[test]
fn the_word_at_a_time_target_scan_agrees_with_a_plain_one() {
    // A small LCG over the bytes that matter: ordinary, `?`, `#`, `/`, `=`, bytes one bit
    // away from `?` and `#` (where a word trick could go wrong), and non-ASCII.
    // Mostly ordinary bytes (`a`), so that the specials land at every offset of a word.
    let mut alphabet = vec![
        b'/', b'?', b'#', b'=', b'>', b'"', b'\x7f', 0x80, 0xbf, 0xc3, 0xff,
    ];
    alphabet.resize(alphabet.len() * 4, b'a');
    for_random_strings(&alphabet, 80, 300, 0x2545_f491_4f6c_dd1d, |target| {
        let query = target.iter().position(|&b| b == b'?');
        let refused = target.iter().any(|&b| b == b'#' || !b.is_ascii());
        let (got_query, got_refused) = scan_target(target);
        assert_eq!(got_refused, refused, "{target:?}");
        if !refused {
            assert_eq!(got_query, query, "{target:?}");
        }
    });
}

/// Calls `check` with `per_len` strings of every length below `max_len`, drawn from
/// `alphabet` by a fixed LCG (the same strings every run).
fn for_random_strings(
    alphabet: &[u8],
    max_len: usize,
    per_len: usize,
    seed: u64,
    mut check: impl FnMut(&[u8]),
) {
    let mut state = seed;
    for len in 0..max_len {
        for _ in 0..per_len {
            let value: Vec<u8> = (0..len)
                .map(|_| {
                    state = state.wrapping_mul(6364136223846793005).wrapping_add(1);
                    alphabet[(state >> 33) as usize % alphabet.len()]
                })
                .collect();
            check(&value);
        }
    }
}

#[test]
fn check_host_agrees_with_a_plain_reading_of_the_grammar() {
    // uri-host [ ":" port ]: a reg-name (or an IPv6 literal in brackets) and at most five
    // digits after the last colon; written the obvious way, without the one-pass tricks.
    fn reference(value: &[u8]) -> bool {
        let reg_name = |b: &u8| b.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=%".contains(b);
        let port_ok = |p: &[u8]| p.len() <= 5 && p.iter().all(u8::is_ascii_digit);
        if let Some(rest) = value.strip_prefix(b"[") {
            let Some(close) = rest.iter().position(|&b| b == b']') else {
                return false;
            };
            let literal = &rest[..close];
            let literal_ok = !literal.is_empty()
                && literal
                    .iter()
                    .all(|&b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
            return literal_ok
                && match &rest[close + 1..] {
                    [] => true,
                    [b':', port @ ..] => port_ok(port),
                    _ => false,
                };
        }
        match value.iter().rposition(|&b| b == b':') {
            Some(i) => value[..i].iter().all(reg_name) && port_ok(&value[i + 1..]),
            None => value.iter().all(reg_name),
        }
    }
    for_random_strings(b"a1:[].-% @\x80", 24, 500, 0x9e37_79b9_7f4a_7c15, |value| {
        assert_eq!(
            check_host(value).is_ok(),
            reference(value),
            "{:?}",
            String::from_utf8_lossy(value)
        );
    });
    for ok in [
        "localhost:8080",
        "[::1]:80",
        "a",
        "",
        "x:",
        "www.example.com",
    ] {
        assert!(check_host(ok.as_bytes()).is_ok(), "{ok}");
    }
    for bad in ["a:b:1", "a:123456", "a b", "[::1", "[]", "[::1]x", "h@st"] {
        assert!(check_host(bad.as_bytes()).is_err(), "{bad}");
    }
}

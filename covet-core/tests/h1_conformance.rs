//! The raw-socket conformance corpus: Http11Probe ids (`SMUG-*`, `RFC9112-*`, `MAL-*`), HTTP
//! Garden trophies (`HG n`) and llhttp fixtures, sent to the probe server.
//!
//! Every case sends its payload followed by a sentinel `GET /` with `Connection: close` on the
//! same connection and reads until the server closes. The expected list is every response the
//! server sends: an error case expects exactly one response (the error, with
//! `Connection: close`), which proves the sentinel was never parsed, so the stream got one
//! interpretation only.

// Test helpers may unwrap: a panic is a failing test with a location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use covet_core::Backend;
use support::{SENTINEL, TestServer, exchange};

fn run(
    backend: Backend,
    payload: &[u8],
    expected: &[u16],
    head_requests: &[bool],
) -> Vec<support::Resp> {
    let server = TestServer::on(backend);
    let mut bytes = payload.to_vec();
    bytes.extend_from_slice(SENTINEL);
    let resps = exchange(server.addr(), &bytes, head_requests);
    let statuses: Vec<u16> = resps.iter().map(|r| r.status).collect();
    assert_eq!(statuses, expected, "responses: {resps:#?}");
    let last = resps.last().expect("at least one response");
    if last.status >= 400 {
        assert!(
            last.closes(),
            "an error response must announce the close: {last:?}"
        );
    }
    resps
}

macro_rules! corpus {
    ($($name:ident: $payload:expr => $expected:expr;)*) => {
        $(
            fn $name(backend: Backend) {
                run(backend, $payload, &$expected, &[]);
            }
        )*
        support::on_each_backend!($($name),*);
    };
}

corpus! {
    // Transfer-Encoding / Content-Length conflicts (SMUG-CL-TE-BOTH, HG 11, 12, 21).
    smug_cl_te_both: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 23\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n" => [400];
    smug_te_cl_both: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n5c\r\nGPOST / HTTP/1.1\r\n\r\n0\r\n\r\n" => [400];
    smug_cl_te_classic: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 6\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nG" => [400];
    smug_te_chunked_not_final: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n0\r\n\r\n" => [400];
    smug_te_xchunked: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n0\r\n\r\n" => [501];
    smug_te_identity: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n" => [501];
    hg12_te_nbsp_chunked: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: \xa0chunked\r\n\r\n0\r\n\r\n" => [400];
    hg21_te_leading_comma: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,chunked\r\n\r\n0\r\n\r\n" => [400];
    hg11_two_te_fields: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" => [400];
    smug_te_http10: b"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n" => [400];
    smug_te_obs_fold: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n" => [400];
    hg3_te_space_before_colon: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n" => [400];
    // Content-Length values (HG 10, 16, 23, 26, 29, 32, 33).
    hg23_two_cl_differ: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 0\r\n\r\nX" => [400];
    cl_list: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\nXY" => [400];
    cl_same_list: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5, 5\r\n\r\nhello" => [400];
    cl_plus: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +5\r\n\r\nhello" => [400];
    cl_minus: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n" => [400];
    cl_hex: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n" => [400];
    cl_underscore: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1_0\r\n\r\n" => [400];
    cl_empty: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length:\r\n\r\n" => [400];
    cl_inner_space: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1 0\r\n\r\n" => [400];
    cl_junk: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1Z\r\n\r\n" => [400];
    cl_overflow: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n" => [400];
    cl_leading_zeros_ok: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 005\r\n\r\nhello" => [200, 200];
    // Chunk sizes and lines (HG 17, 22, 25, 31, 39).
    chunk_size_0x: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n" => [400];
    chunk_size_plus: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n+5\r\nhello\r\n0\r\n\r\n" => [400];
    chunk_size_underscore: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5_\r\nhello\r\n0\r\n\r\n" => [400];
    chunk_size_empty: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\nhello\r\n0\r\n\r\n" => [400];
    chunk_size_17_digits: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n00000000000000001\r\nh\r\n0\r\n\r\n" => [400];
    chunk_line_bare_lf: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n" => [400];
    chunk_size_bare_cr: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r;a\r\nhello\r\n0\r\n\r\n" => [400];
    chunk_data_no_crlf: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n" => [400];
    chunk_data_too_long: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n" => [400];
    chunk_over_body_limit: b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n" => [413];
    // Host (RFC9112-3.2-*).
    host_missing: b"GET / HTTP/1.1\r\n\r\n" => [400];
    host_twice: b"GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n" => [400];
    host_with_slash: b"GET / HTTP/1.1\r\nHost: a/b\r\n\r\n" => [400];
    host_with_userinfo: b"GET / HTTP/1.1\r\nHost: u@a\r\n\r\n" => [400];
    http10_no_host_then_close: b"GET / HTTP/1.0\r\n\r\n" => [200];
    // Header syntax (RFC9112-5.1-OBS-FOLD, HG 2, 8, 13, 18, 28, 30, 34, 35).
    obs_fold: b"GET / HTTP/1.1\r\nHost: a\r\nX-A: 1\r\n 2\r\n\r\n" => [400];
    space_before_colon: b"GET / HTTP/1.1\r\nHost : a\r\n\r\n" => [400];
    hg18_empty_name: b"GET / HTTP/1.1\r\nHost: a\r\n: x\r\n\r\n" => [400];
    hg28_no_colon: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length 10\r\n\r\n" => [400];
    hg8_non_token_name: b"GET / HTTP/1.1\r\nHost: a\r\n\xefoo: bar\r\n\r\n" => [400];
    nul_in_value: b"GET / HTTP/1.1\r\nHost: a\r\nX: a\x00b\r\n\r\n" => [400];
    bare_cr_in_value: b"GET / HTTP/1.1\r\nHost: a\r\nX: a\rb\r\n\r\n" => [400];
    hg13_bare_cr_split: b"GET / HTTP/1.1\r\nHost: a\rX: b\r\n\r\n" => [400];
    bare_lf_lines: b"GET / HTTP/1.1\nHost: a\n\n" => [400];
    obs_text_value_ok: b"GET / HTTP/1.1\r\nHost: a\r\nX: caf\xe9\r\n\r\n" => [200, 200];
    // Request line and version (HG 5, 6, 7, 15, 24, 40; MAL-H2-PREFACE).
    version_132: b"GET / HTTP/1.32\r\nHost: a\r\n\r\n" => [400];
    version_111: b"GET / HTTP/1.1.1\r\nHost: a\r\n\r\n" => [400];
    version_cr: b"GET / HTTP/\r\r1.1\r\nHost: a\r\n\r\n" => [400];
    version_huge: b"GET / HTTP/4294967295.255\r\nHost: a\r\n\r\n" => [505];
    mal_h2_preface: b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" => [505];
    method_not_token: b"G=\":<>(e),[T];? / HTTP/1.1\r\nHost: a\r\n\r\n" => [400];
    method_nul: b"\x00 / HTTP/1.1\r\nHost: a\r\n\r\n" => [400];
    uri_bang: b"GET ! HTTP/1.1\r\nHost: a\r\n\r\n" => [400];
    tab_separators: b"GET\t/\tHTTP/1.1\r\nHost: a\r\n\r\n" => [400];
    connect_unsupported: b"CONNECT a:443 HTTP/1.1\r\nHost: a:443\r\n\r\n" => [501];
    expect_unknown: b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\nX" => [417];
    leading_empty_lines_ok: b"\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n" => [200, 200];
    absolute_form_ok: b"GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n" => [200, 200];
    // Limits.
    head_over_16k: &big_head() => [431];
    headers_101: &many_headers(101) => [431];
    uri_9k: &long_uri() => [414];
    cl_over_body_limit: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1048577\r\n\r\n" => [413];
    // Routing.
    unknown_path_404: b"GET /nope HTTP/1.1\r\nHost: a\r\n\r\n" => [404, 200];
    lowercase_method_405: b"get / HTTP/1.1\r\nHost: a\r\n\r\n" => [405, 200];
    // Pipelining (SMUG-PIPELINE-SAFE) and bodies that are never parsed as requests.
    pipeline_16: &pipelined_gets(16) => [200; 17];
    get_with_body_then_get: b"GET / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n" => [200, 200, 200];
    body_looks_like_request: b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 29\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n" => [200, 200];
}

fn big_head() -> Vec<u8> {
    let mut v = b"GET / HTTP/1.1\r\nHost: a\r\nX-Big: ".to_vec();
    v.extend(std::iter::repeat_n(b'a', 16 * 1024 + 1));
    v.extend_from_slice(b"\r\n\r\n");
    v
}

fn many_headers(n: usize) -> Vec<u8> {
    let mut v = b"GET / HTTP/1.1\r\nHost: a\r\n".to_vec();
    for i in 1..n {
        v.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    v.extend_from_slice(b"\r\n");
    v
}

fn long_uri() -> Vec<u8> {
    let mut v = b"GET /".to_vec();
    v.extend(std::iter::repeat_n(b'a', 9 * 1024));
    v.extend_from_slice(b" HTTP/1.1\r\nHost: a\r\n\r\n");
    v
}

fn pipelined_gets(n: usize) -> Vec<u8> {
    b"GET / HTTP/1.1\r\nHost: a\r\n\r\n".repeat(n)
}

fn valid_chunk_extension_and_trailer_echo_the_body(backend: Backend) {
    let payload = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;foo=bar\r\nhello\r\n0\r\nX-T: 1\r\n\r\n";
    let resps = run(backend, payload, &[200, 200], &[]);
    assert_eq!(resps[0].body, b"hello");
}

fn trailer_content_length_never_reframes(backend: Backend) {
    let payload = b"POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nContent-Length: 50\r\nTransfer-Encoding: chunked\r\n\r\n";
    let resps = run(backend, payload, &[200, 200], &[]);
    assert_eq!(resps[0].body, b"hello");
}

fn get_body_is_consumed_not_parsed(backend: Backend) {
    let payload = b"POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 29\r\n\r\nGET /nope HTTP/1.1\r\nHost: a\r\n";
    let resps = run(backend, payload, &[200, 200], &[]);
    assert_eq!(resps[0].body, b"GET /nope HTTP/1.1\r\nHost: a\r\n");
}

fn expect_continue_with_body_already_sent_gives_no_desync(backend: Backend) {
    let payload = b"POST / HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhelloGET / HTTP/1.1\r\nHost: a\r\n\r\n";
    let resps = run(backend, payload, &[200, 200, 200], &[]);
    assert_eq!(resps[0].body, b"hello");
}

fn head_has_length_but_no_body(backend: Backend) {
    let payload = b"HEAD / HTTP/1.1\r\nHost: a\r\n\r\n";
    let resps = run(backend, payload, &[200, 200], &[true, false]);
    assert_eq!(resps[0].header("content-length"), Some("2"));
    assert!(resps[0].body.is_empty());
    assert_eq!(resps[1].body, b"OK");
}

fn options_and_405_list_allowed_methods(backend: Backend) {
    let resps = run(
        backend,
        b"OPTIONS / HTTP/1.1\r\nHost: a\r\n\r\nPUT / HTTP/1.1\r\nHost: a\r\n\r\n",
        &[204, 405, 200],
        &[],
    );
    assert_eq!(resps[0].header("allow"), Some("GET, HEAD, POST, OPTIONS"));
    assert_eq!(resps[1].header("allow"), Some("GET, HEAD, POST, OPTIONS"));
}

fn echo_returns_request_headers_as_lines(backend: Backend) {
    let resps = run(
        backend,
        b"POST /echo HTTP/1.1\r\nHost: a\r\nX-Foo:  bar \r\nContent-Length: 0\r\n\r\n",
        &[200, 200],
        &[],
    );
    assert_eq!(resps[0].body, b"Host: a\nX-Foo: bar\nContent-Length: 0\n");
}

fn random_bytes_get_400_and_close(backend: Backend) {
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let noise: Vec<u8> = (0..4096)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[3]
        })
        .collect();
    run(backend, &noise, &[400], &[]);
}

fn empty_connection_closed_at_once_does_not_hurt_the_server(backend: Backend) {
    let server = TestServer::on(backend);
    drop(std::net::TcpStream::connect(server.addr()).unwrap());
    let resps = exchange(server.addr(), SENTINEL, &[]);
    assert_eq!(resps.len(), 1);
    assert_eq!(resps[0].status, 200);
}

support::on_each_backend!(
    valid_chunk_extension_and_trailer_echo_the_body,
    trailer_content_length_never_reframes,
    get_body_is_consumed_not_parsed,
    expect_continue_with_body_already_sent_gives_no_desync,
    head_has_length_but_no_body,
    options_and_405_list_allowed_methods,
    echo_returns_request_headers_as_lines,
    random_bytes_get_400_and_close,
    empty_connection_closed_at_once_does_not_hurt_the_server,
);

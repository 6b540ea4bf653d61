//! Request head parsing: covet's strict `parse_head` against httparse alone, on a browser-like
//! request (~700 bytes, 13 fields) and a short one.
// Benchmarks: a panic is a failed run with a location.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use covet_core::{Limits, h1::parse_head};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

const REQ: &[u8] = b"GET /wp-content/uploads/2010/03/hello-kitty-darth-vader-pink.jpg HTTP/1.1\r\n\
Host: www.kittyhell.com\r\n\
User-Agent: Mozilla/5.0 (Macintosh; U; Intel Mac OS X 10.6; ja-JP-mac; rv:1.9.2.3) Gecko/20100401 Firefox/3.6.3 Pathtraq/0.9\r\n\
Accept: text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8\r\n\
Accept-Language: ja,en-us;q=0.7,en;q=0.3\r\n\
Accept-Encoding: gzip,deflate\r\n\
Accept-Charset: Shift_JIS,utf-8;q=0.7,*;q=0.7\r\n\
Keep-Alive: 115\r\n\
Connection: keep-alive\r\n\
Cookie: wp_ozh_wsa_visits=2; wp_ozh_wsa_visit_lasttime=xxxxxxxxxx; __utma=xxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.xxxxxxxxxx.x; __utmz=xxxxxxxxx.xxxxxxxxxx.x.x.utmccn=(referral)|utmcsr=reader.livedoor.com|utmcct=/reader/|utmcmd=referral\r\n\
Cache-Control: max-age=0\r\n\
If-Modified-Since: Sat, 20 Nov 2010 10:12:34 GMT\r\n\
Referer: http://www.kittyhell.com/\r\n\r\n";

const REQ_SHORT: &[u8] = b"GET /plaintext HTTP/1.1\r\nHost: localhost:8080\r\nAccept: */*\r\n\r\n";

fn parse(c: &mut Criterion) {
    let limits = Limits::default();
    for (name, req) in [("req", REQ), ("req_short", REQ_SHORT)] {
        let mut group = c.benchmark_group("parse_head");
        group.throughput(Throughput::Bytes(req.len() as u64));
        group.bench_function(format!("{name}/httparse"), |b| {
            b.iter(|| {
                let mut headers = [httparse::EMPTY_HEADER; 64];
                let mut r = httparse::Request::new(&mut headers);
                black_box(r.parse(black_box(req)).unwrap());
            })
        });
        group.bench_function(format!("{name}/covet"), |b| {
            b.iter(|| black_box(parse_head(black_box(req), &limits).unwrap().unwrap()))
        });
        group.finish();
    }
}

criterion_group!(benches, parse);
criterion_main!(benches);

//! Request head parsing: covet's strict `parse_head` against httparse alone, on a browser-like
//! request (~700 bytes, 13 fields) and a short one.
// Benchmarks: a panic is a failed run with a location.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use covet_core::{Limits, h1::parse_head};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};

mod requests;
use requests::{REQ, REQ_SHORT};

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

//! Decoder benchmarks: the same byte buffers decoded to `Value`, and scanned for frame length.
//!
//! `cargo bench -p pyrsedis-core --bench decode`
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark on fixed inputs; a panic is a bug report"
)]

use std::hint::black_box;

#[path = "support/replies.rs"]
mod replies;

use bytes::BytesMut;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use pyrsedis_core::resp::{Decoder, FrameScanner, Value, ValueSink};
use replies::array_of_bulks;

/// Rows shaped like a FalkorDB compact result: `[[3, int], [2, str], [5, "double"], [1, nil]]`.
fn nested_rows(rows: usize) -> Vec<u8> {
    let mut out = format!("*{rows}\r\n").into_bytes();
    for i in 0..rows {
        out.extend_from_slice(b"*4\r\n");
        out.extend_from_slice(format!("*2\r\n:3\r\n:{i}\r\n").as_bytes());
        let name = format!("name-{i}");
        out.extend_from_slice(format!("*2\r\n:2\r\n${}\r\n{name}\r\n", name.len()).as_bytes());
        out.extend_from_slice(b"*2\r\n:5\r\n$4\r\n0.25\r\n");
        out.extend_from_slice(b"*2\r\n:1\r\n$-1\r\n");
    }
    out
}

/// One bulk string of `len` bytes.
fn one_bulk(len: usize) -> Vec<u8> {
    let mut out = format!("${len}\r\n").into_bytes();
    out.resize(out.len() + len, b'x');
    out.extend_from_slice(b"\r\n");
    out
}

/// A RESP3 map of `n` field/value pairs.
fn map_of(n: usize) -> Vec<u8> {
    let mut out = format!("%{n}\r\n").into_bytes();
    for i in 0..n {
        out.extend_from_slice(format!("+field{i}\r\n:{i}\r\n").as_bytes());
    }
    out
}

fn decode(bytes: &[u8]) -> Value {
    let mut buf = BytesMut::from(bytes);
    let value = Decoder::new()
        .decode(&mut buf, &mut ValueSink::new())
        .unwrap()
        .unwrap();
    assert!(buf.is_empty());
    value
}

fn bench_decode(c: &mut Criterion) {
    let inputs = [
        ("array_1m", array_of_bulks(1_000_000)),
        ("rows_100k", nested_rows(100_000)),
        ("bulk_60m", one_bulk(60 * 1024 * 1024)),
        ("map_100k", map_of(100_000)),
    ];
    let mut group = c.benchmark_group("decode");
    group.sample_size(10);
    for (name, bytes) in &inputs {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(*name, |b| b.iter(|| black_box(decode(black_box(bytes)))));
    }
    group.finish();

    let mut group = c.benchmark_group("frame_len");
    group.sample_size(10);
    for (name, bytes) in &inputs {
        group.throughput(Throughput::Bytes(bytes.len() as u64));
        group.bench_function(*name, |b| {
            b.iter(|| {
                FrameScanner::default()
                    .scan(black_box(bytes))
                    .unwrap()
                    .unwrap()
            })
        });
    }
    group.finish();

    // The same 1M-element reply arriving in 64 KiB reads: the incremental path a socket takes.
    let bytes = &inputs[0].1;
    let mut group = c.benchmark_group("decode_chunked");
    group.sample_size(10);
    group.throughput(Throughput::Bytes(bytes.len() as u64));
    group.bench_function("array_1m_64k_reads", |b| {
        b.iter(|| {
            let mut decoder = Decoder::new();
            let mut sink = ValueSink::new();
            let mut buf = BytesMut::with_capacity(64 * 1024);
            for piece in bytes.chunks(64 * 1024) {
                buf.extend_from_slice(piece);
                if let Some(v) = decoder.decode(&mut buf, &mut sink).unwrap() {
                    return black_box(v);
                }
            }
            unreachable!("the reply is complete")
        })
    });
    group.finish();
}

criterion_group!(benches, bench_decode);
criterion_main!(benches);

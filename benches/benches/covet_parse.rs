//! covet-core's strict request-head parser against httparse alone, in interleaved rounds.
//!
//! ```text
//! cargo bench -p benches --bench covet_parse
//! ```
//!
//! The criterion bench `cargo bench -p covet-core --bench parse` measures the same two
//! functions on the same requests one after the other; on a shared machine whose speed drifts
//! between those runs, this one alternates them ([`benches::Contest`]: 31 rounds of 200,000
//! parses each, rotating which goes first) and reports each one's median and fastest round,
//! so both see the same machine. `COVET_PARSE_ROUNDS` sets the rounds.
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark on fixed inputs; a panic is a bug report"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use benches::Contest;
use covet_core::{Limits, h1::parse_head};

#[path = "../../covet-core/benches/requests.rs"]
mod requests;

const PARSES: u32 = 200_000;

fn main() {
    let rounds = std::env::var("COVET_PARSE_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(31);
    let limits = Limits::default();
    for (name, req) in [
        ("req (~700 B, 13 fields)", requests::REQ),
        ("req_short (60 B, 2 fields)", requests::REQ_SHORT),
    ] {
        let mut contest = Contest::new(format!("parse_head/{name}, ns per parse"), rounds);
        contest.contender("httparse 1.10.1 alone", || {
            per_parse(|| {
                let mut headers = [httparse::EMPTY_HEADER; 64];
                let mut r = httparse::Request::new(&mut headers);
                black_box(r.parse(black_box(req)).unwrap());
            })
        });
        contest.contender("covet-core parse_head (strict)", || {
            per_parse(|| {
                black_box(parse_head(black_box(req), &limits).unwrap().unwrap());
            })
        });
        println!("{}", contest.run().to_markdown());
    }
}

/// Runs `parse` [`PARSES`] times and returns the time of one (in the `Duration`'s nanoseconds,
/// scaled so that the report's units read as nanoseconds per parse).
fn per_parse(mut parse: impl FnMut()) -> Duration {
    let start = Instant::now();
    for _ in 0..PARSES {
        parse();
    }
    start.elapsed() / PARSES
}

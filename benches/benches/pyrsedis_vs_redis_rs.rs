//! pyrsedis-core against redis-rs 1.2.1, same process, same redis-server, interleaved rounds.
//!
//! ```text
//! cargo bench -p benches --bench pyrsedis_vs_redis_rs
//! PYRSEDIS_BENCH=lrange PYRSEDIS_BENCH_ROUNDS=5 cargo bench -p benches --bench pyrsedis_vs_redis_rs
//! ```
//!
//! `PYRSEDIS_BENCH` runs only the groups whose name contains one of its comma-separated words
//! (`decode`, `falkordb`, `get`, `set`, `pipeline`, `mget`, `lrange`); `PYRSEDIS_BENCH_ROUNDS`
//! sets the rounds (default 11).
//!
//! Decoding: identical byte buffers, each client's own decoder to its own owned value type.
//! Round trips: one connection each to one redis-server on loopback, sequential commands.
//! redis-rs runs its synchronous `Connection` and its async `MultiplexedConnection`;
//! pyrsedis-core runs its async `Client` on the same current-thread tokio runtime (and its
//! `BlockingClient`, which hops to a shared runtime).
#![allow(
    clippy::unwrap_used,
    reason = "a benchmark on fixed inputs; a panic is a bug report"
)]

use std::hint::black_box;
use std::io::{Read, Write};
use std::time::{Duration, Instant};

#[path = "../../pyrsedis-core/benches/support/replies.rs"]
mod replies;

use benches::Contest;
use bytes::BytesMut;
use pyrsedis_core::resp::{Chunk, Decoder, Header, Sink, ValueSink};
use pyrsedis_core::{BlockingClient, Client, Pipeline, cmd};
use replies::array_of_bulks;

/// Rounds per contest: `PYRSEDIS_BENCH_ROUNDS`, default 11.
fn rounds() -> usize {
    std::env::var("PYRSEDIS_BENCH_ROUNDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(11)
}

/// The groups that need a redis-server, by the names `PYRSEDIS_BENCH` is matched against.
const GET_ROUND_TRIPS: &str = "GET round trips";
const SET_ROUND_TRIPS: &str = "SET round trips";
const PIPELINE: &str = "pipeline of 1000 SET";
const MGET: &str = "MGET of 10k keys";
const LRANGE: [(&str, usize); 2] = [("LRANGE of 1M", 1_000_000), ("LRANGE of 3M", 3_000_000)];

/// Whether the group `name` runs: `PYRSEDIS_BENCH` unset, or one of its words in `name`.
fn selected(name: &str) -> bool {
    match std::env::var("PYRSEDIS_BENCH") {
        Err(_) => true,
        Ok(words) => words
            .split(',')
            .any(|w| !w.is_empty() && name.to_ascii_lowercase().contains(&w.to_ascii_lowercase())),
    }
}

/// Rows shaped like a FalkorDB compact result of 4 scalar columns.
fn compact_rows(rows: usize) -> Vec<u8> {
    let mut out = format!("*3\r\n*1\r\n*2\r\n:1\r\n$1\r\nx\r\n*{rows}\r\n").into_bytes();
    for i in 0..rows {
        let name = format!("person-{i}");
        out.extend_from_slice(b"*4\r\n");
        out.extend_from_slice(format!("*2\r\n:3\r\n:{i}\r\n").as_bytes());
        out.extend_from_slice(format!("*2\r\n:2\r\n${}\r\n{name}\r\n", name.len()).as_bytes());
        out.extend_from_slice(format!("*2\r\n:3\r\n:{}\r\n", i % 90).as_bytes());
        out.extend_from_slice(b"*2\r\n:5\r\n$4\r\n0.25\r\n");
    }
    let stats = "Query internal execution time: 1.0 milliseconds";
    out.extend_from_slice(format!("*1\r\n${}\r\n{stats}\r\n", stats.len()).as_bytes());
    out
}

fn timed(f: impl FnOnce()) -> Duration {
    let start = Instant::now();
    f();
    start.elapsed()
}

fn decode_contest(name: &str, bytes: &[u8], typed_graph: bool) {
    let name = format!("{name} ({:.1} MB)", bytes.len() as f64 / 1e6);
    let mut contest = Contest::new(name, rounds());
    contest.contender("redis-rs 1.2.1", || {
        timed(|| {
            black_box(redis::parse_redis_value(black_box(bytes)).unwrap());
        })
    });
    contest.contender("pyrsedis-core", || {
        timed(|| {
            let mut buf = BytesMut::from(black_box(bytes));
            let value = Decoder::new()
                .decode(&mut buf, &mut ValueSink::new())
                .unwrap();
            black_box(value.unwrap());
        })
    });
    if typed_graph {
        contest.contender("pyrsedis-core, then typed graph values", || {
            timed(|| {
                let mut buf = BytesMut::from(black_box(bytes));
                let value = Decoder::new()
                    .decode(&mut buf, &mut ValueSink::new())
                    .unwrap()
                    .unwrap();
                let schema = pyrsedis_core::graph::Schema::default();
                black_box(pyrsedis_core::graph::compact::decode(&value, &schema).unwrap());
            })
        });
    }
    println!("{}", contest.run().to_markdown());
}

/// A fixture file of pyrsedis-core's captured FalkorDB replies, gunzipped when needed.
fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../pyrsedis-core/tests/fixtures/falkordb/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    if name.ends_with(".gz") {
        let out = std::process::Command::new("gzip")
            .args(["-dc", &path])
            .output()
            .unwrap();
        assert!(out.status.success());
        out.stdout
    } else {
        std::fs::read(path).unwrap()
    }
}

fn decode_value(bytes: &[u8]) -> pyrsedis_core::Value {
    let mut buf = BytesMut::from(bytes);
    Decoder::new()
        .decode(&mut buf, &mut ValueSink::new())
        .unwrap()
        .unwrap()
}

/// A real reply: 10,000 whole nodes from FalkorDB 4.22.1 (`MATCH (n:Item) RETURN n`).
fn falkordb_capture_contest() {
    use pyrsedis_core::graph::compact::{self, Decoded, NameTable, Schema};
    let bytes = fixture("large_10k_nodes.resp2.bin.gz");
    let mut schema = Schema::default();
    for (table, file) in [
        (NameTable::Labels, "large_db_labels.resp2.bin"),
        (NameTable::PropertyKeys, "large_db_property_keys.resp2.bin"),
    ] {
        let Decoded::Result(names) =
            compact::decode(&decode_value(&fixture(file)), &Schema::default()).unwrap()
        else {
            panic!("{file}");
        };
        schema.set(table, &names).unwrap();
    }
    let name = format!(
        "decode: captured FalkorDB reply, 10k nodes ({:.2} MB)",
        bytes.len() as f64 / 1e6
    );
    let mut contest = Contest::new(name, rounds());
    contest.contender("redis-rs 1.2.1 (to its Value)", || {
        timed(|| {
            black_box(redis::parse_redis_value(black_box(&bytes)).unwrap());
        })
    });
    contest.contender("pyrsedis-core (to Value)", || {
        timed(|| {
            black_box(decode_value(black_box(&bytes)));
        })
    });
    contest.contender("pyrsedis-core (to typed nodes, names resolved)", || {
        timed(|| {
            let value = decode_value(black_box(&bytes));
            let Decoded::Result(result) = compact::decode(&value, &schema).unwrap() else {
                panic!("a name is missing");
            };
            assert_eq!(result.rows.len(), 10_000);
            black_box(result);
        })
    });
    println!("{}", contest.run().to_markdown());
}

fn main() {
    if selected("decode: array") {
        decode_contest(
            "decode: array of 1M bulk strings",
            &array_of_bulks(1_000_000),
            false,
        );
    }
    if selected("decode: compact rows") {
        decode_contest(
            "decode: 100k compact rows x 4 columns",
            &compact_rows(100_000),
            true,
        );
    }
    if selected("decode: falkordb") {
        falkordb_capture_contest();
    }
    let server_groups = [
        GET_ROUND_TRIPS,
        SET_ROUND_TRIPS,
        PIPELINE,
        MGET,
        LRANGE[0].0,
        LRANGE[1].0,
    ];
    if !server_groups.iter().any(|group| selected(group)) {
        return;
    }

    let server = test_support::RedisServer::start();
    let url = server.url();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ours = Client::open(&url).unwrap();
    let ours_blocking = BlockingClient::open(&url).unwrap();
    let mut theirs = redis::Client::open(url.as_str())
        .unwrap()
        .get_connection()
        .unwrap();
    let mut theirs_async = rt
        .block_on(
            redis::Client::open(url.as_str())
                .unwrap()
                .get_multiplexed_async_connection(),
        )
        .unwrap();
    ours_blocking.set("key", "0123456789abcdef").unwrap();

    const N: usize = 2000;
    for (group, label, get) in [
        (GET_ROUND_TRIPS, "GET", true),
        (SET_ROUND_TRIPS, "SET", false),
    ] {
        if !selected(group) {
            continue;
        }
        let mut contest = Contest::new(
            format!("{N} sequential {label} round trips (16-byte value)"),
            rounds(),
        );
        contest.contender("redis-rs 1.2.1 (sync Connection)", || {
            timed(|| {
                for _ in 0..N {
                    if get {
                        black_box(
                            redis::cmd("GET")
                                .arg("key")
                                .query::<Vec<u8>>(&mut theirs)
                                .unwrap(),
                        );
                    } else {
                        redis::cmd("SET")
                            .arg("key")
                            .arg("0123456789abcdef")
                            .query::<()>(&mut theirs)
                            .unwrap();
                    }
                }
            })
        });
        contest.contender("pyrsedis-core Client (current-thread runtime)", || {
            timed(|| {
                rt.block_on(async {
                    for _ in 0..N {
                        if get {
                            black_box(ours.get("key").await.unwrap());
                        } else {
                            ours.set("key", "0123456789abcdef").await.unwrap();
                        }
                    }
                })
            })
        });
        contest.contender("redis-rs 1.2.1 (async MultiplexedConnection)", || {
            timed(|| {
                rt.block_on(async {
                    for _ in 0..N {
                        if get {
                            let v: Vec<u8> = redis::cmd("GET")
                                .arg("key")
                                .query_async(&mut theirs_async)
                                .await
                                .unwrap();
                            black_box(v);
                        } else {
                            let () = redis::cmd("SET")
                                .arg("key")
                                .arg("0123456789abcdef")
                                .query_async(&mut theirs_async)
                                .await
                                .unwrap();
                        }
                    }
                })
            })
        });
        contest.contender("pyrsedis-core BlockingClient", || {
            timed(|| {
                for _ in 0..N {
                    if get {
                        black_box(ours_blocking.get("key").unwrap());
                    } else {
                        ours_blocking.set("key", "0123456789abcdef").unwrap();
                    }
                }
            })
        });
        println!("{}", contest.run().to_markdown());
    }

    if selected(PIPELINE) {
        pipeline_contest(&ours, &mut theirs, &rt);
    }
    if selected(MGET) {
        mget_contest(&ours, &ours_blocking, &mut theirs, &rt);
    }
    for (group, n) in LRANGE {
        if selected(group) {
            lrange_contest(&server, &ours, &ours_blocking, &mut theirs, &rt, n);
        }
    }
}

/// A pipeline of 1000 SET, one write and one read each.
fn pipeline_contest(ours: &Client, theirs: &mut redis::Connection, rt: &tokio::runtime::Runtime) {
    let mut contest = Contest::new(PIPELINE, rounds());
    contest.contender("redis-rs 1.2.1", || {
        timed(|| {
            let mut pipe = redis::pipe();
            for i in 0..1000 {
                pipe.cmd("SET").arg(format!("p:{i}")).arg(i).ignore();
            }
            pipe.query::<()>(theirs).unwrap();
        })
    });
    contest.contender("pyrsedis-core", || {
        timed(|| {
            let mut pipe = Pipeline::new();
            for i in 0..1000 {
                pipe.set(format!("p:{i}"), i);
            }
            black_box(rt.block_on(ours.pipeline(&pipe)).unwrap());
        })
    });
    println!("{}", contest.run().to_markdown());
}

/// MGET of 10k keys holding 16-byte values.
fn mget_contest(
    ours: &Client,
    ours_blocking: &BlockingClient,
    theirs: &mut redis::Connection,
    rt: &tokio::runtime::Runtime,
) {
    let keys: Vec<String> = (0..10_000).map(|i| format!("m:{i}")).collect();
    let pairs: Vec<(String, String)> = keys
        .iter()
        .map(|k| (k.clone(), "0123456789abcdef".into()))
        .collect();
    ours_blocking.mset(&pairs).unwrap();
    let mut contest = Contest::new(MGET, rounds());
    contest.contender("redis-rs 1.2.1", || {
        timed(|| {
            black_box(
                redis::cmd("MGET")
                    .arg(&keys)
                    .query::<Vec<Option<Vec<u8>>>>(theirs)
                    .unwrap(),
            );
        })
    });
    contest.contender("pyrsedis-core", || {
        timed(|| {
            black_box(rt.block_on(ours.mget(&keys)).unwrap());
        })
    });
    println!("{}", contest.run().to_markdown());
}

/// A [`Sink`] that keeps only the total length of the bulk strings: the cheapest object a
/// caller could build in one pass, so its row shows the cost of reading and decoding alone.
struct TotalLength(usize);

impl Sink for TotalLength {
    type Output = usize;
    fn simple(&mut self, _: Chunk<'_>) {}
    fn error(&mut self, _: Chunk<'_>, _: bool) {}
    fn bulk(&mut self, data: Chunk<'_>) {
        self.0 += data.len();
    }
    fn verbatim(&mut self, _: [u8; 3], _: Chunk<'_>) {}
    fn integer(&mut self, _: i64) {}
    fn double(&mut self, _: f64, _: &[u8]) {}
    fn boolean(&mut self, _: bool) {}
    fn big_number(&mut self, _: Chunk<'_>) {}
    fn null(&mut self) {}
    fn begin(&mut self, _: Header) {}
    fn end(&mut self) {}
    fn finish(&mut self) -> usize {
        std::mem::take(&mut self.0)
    }
}

/// LRANGE of `n` elements end to end, against a raw socket that only reads the reply's bytes.
fn lrange_contest(
    server: &test_support::RedisServer,
    ours: &Client,
    ours_blocking: &BlockingClient,
    theirs: &mut redis::Connection,
    rt: &tokio::runtime::Runtime,
    n: usize,
) {
    let key = format!("big:{n}");
    let items: Vec<String> = (0..n).map(|i| format!("element:{i}")).collect();
    ours_blocking.del(&key).unwrap();
    for chunk in items.chunks(100_000) {
        ours_blocking.rpush(&key, chunk).unwrap();
    }
    drop(items);
    let reply = array_of_bulks(n);
    let expected_len = reply.len();
    let payload: usize = (0..n).map(|i| format!("element:{i}").len()).sum();
    let mut raw = std::net::TcpStream::connect(server.addr()).unwrap();
    raw.set_nodelay(true).unwrap();
    let lrange = cmd("LRANGE").arg(&key).arg(0).arg(-1);
    let request = lrange.to_bytes();
    let mut scratch = vec![0u8; 1 << 20];
    let name = format!(
        "LRANGE of {}M elements, end to end ({:.1} MB)",
        n / 1_000_000,
        expected_len as f64 / 1e6
    );
    let mut contest = Contest::new(name, rounds());
    contest.contender("raw socket (read the bytes only)", || {
        timed(|| {
            raw.write_all(&request).unwrap();
            let mut got = 0;
            while got < expected_len {
                got += raw.read(&mut scratch).unwrap();
            }
        })
    });
    contest.contender("redis-rs 1.2.1", || {
        timed(|| {
            black_box(
                redis::cmd("LRANGE")
                    .arg(&key)
                    .arg(0)
                    .arg(-1)
                    .query::<redis::Value>(theirs)
                    .unwrap(),
            );
        })
    });
    contest.contender("pyrsedis-core, to Value", || {
        timed(|| {
            black_box(rt.block_on(ours.send(&lrange)).unwrap());
        })
    });
    contest.contender("pyrsedis-core, through a Sink (no tree)", || {
        timed(|| {
            let total = rt
                .block_on(ours.send_into(&lrange, &mut TotalLength(0)))
                .unwrap();
            assert_eq!(total, payload);
        })
    });
    println!("{}", contest.run().to_markdown());
    ours_blocking.del(&key).unwrap();
}

//! Metrics: per-worker counters and a latency histogram, summed on demand and rendered in the
//! Prometheus text format.
//!
//! Each worker thread records into its own shard with relaxed atomic adds, so recording never
//! contends across cores; reading sums the shards. A server without metrics pays nothing (the
//! connection holds `None`).
//!
//! ```
//! use covet_core::{metrics::Metrics, Response, Router, Server};
//!
//! let metrics = Metrics::new();
//! let router = Router::new();
//! let m = metrics.clone();
//! router.get("/metrics", covet_core::handler::ready(move |_| {
//!     Response::text(m.render_prometheus()).content_type("text/plain; version=0.0.4")
//! }))?;
//! let server = Server::builder(router).bind("127.0.0.1:0".parse()?).workers(1).metrics(metrics.clone()).start()?;
//! assert_eq!(metrics.snapshot().requests(), 0);
//! server.shutdown(std::time::Duration::from_millis(100));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Upper bounds of the latency histogram buckets, in seconds (plus `+Inf`).
pub const LATENCY_BUCKETS: [f64; 14] = [
    0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 5.0,
];

/// The same bounds in nanoseconds, for recording without floating point.
const BUCKET_NANOS: [u64; 14] = [
    100_000,
    250_000,
    500_000,
    1_000_000,
    2_500_000,
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    5_000_000_000,
];

/// One worker's counters.
#[derive(Debug, Default)]
pub(crate) struct Shard {
    by_class: [AtomicU64; 5],
    protocol_errors: AtomicU64,
    accepted: AtomicU64,
    closed: AtomicU64,
    buckets: [AtomicU64; LATENCY_BUCKETS.len() + 1],
    latency_nanos: AtomicU64,
}

impl Shard {
    /// Records one answered request: its status and the time from complete head to encoded
    /// response.
    pub(crate) fn record(&self, status: u16, elapsed: Duration) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Relaxed);
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let bucket = BUCKET_NANOS
            .iter()
            .position(|&b| nanos <= b)
            .unwrap_or(BUCKET_NANOS.len());
        self.buckets[bucket].fetch_add(1, Relaxed);
        self.latency_nanos.fetch_add(nanos, Relaxed);
    }

    pub(crate) fn protocol_error(&self) {
        self.protocol_errors.fetch_add(1, Relaxed);
    }

    pub(crate) fn accepted(&self) {
        self.accepted.fetch_add(1, Relaxed);
    }

    pub(crate) fn closed(&self) {
        self.closed.fetch_add(1, Relaxed);
    }
}

/// A handle to a server's metrics; clones share the same counters.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    shards: Arc<Mutex<Vec<Arc<Shard>>>>,
}

/// Counter values summed over all workers at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// Requests answered, by status class: `[1xx, 2xx, 3xx, 4xx, 5xx]`.
    pub by_status_class: [u64; 5],
    /// Requests refused for breaking HTTP/1.1 framing or limits (each also counts in 4xx/5xx).
    pub protocol_errors: u64,
    /// Connections accepted.
    pub connections_accepted: u64,
    /// Connections closed.
    pub connections_closed: u64,
    /// Cumulative latency histogram counts, one per bound of [`LATENCY_BUCKETS`] then `+Inf`.
    pub latency_buckets: Vec<u64>,
    /// Sum of request latencies in nanoseconds.
    pub latency_nanos: u64,
}

impl Snapshot {
    /// All requests answered.
    pub fn requests(&self) -> u64 {
        self.by_status_class.iter().sum()
    }

    /// Connections open now.
    pub fn connections_open(&self) -> u64 {
        self.connections_accepted
            .saturating_sub(self.connections_closed)
    }
}

impl Metrics {
    /// Empty metrics, to pass to [`ServerBuilder::metrics`](crate::ServerBuilder::metrics).
    pub fn new() -> Self {
        Self::default()
    }

    /// A new shard for one worker.
    pub(crate) fn shard(&self) -> Arc<Shard> {
        let shard = Arc::new(Shard::default());
        self.shards
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(Arc::clone(&shard));
        shard
    }

    /// Sums every worker's counters.
    pub fn snapshot(&self) -> Snapshot {
        let shards = self.shards.lock().unwrap_or_else(|e| e.into_inner());
        let mut s = Snapshot {
            latency_buckets: vec![0; LATENCY_BUCKETS.len() + 1],
            ..Snapshot::default()
        };
        for shard in shards.iter() {
            for (total, c) in s.by_status_class.iter_mut().zip(&shard.by_class) {
                *total += c.load(Relaxed);
            }
            s.protocol_errors += shard.protocol_errors.load(Relaxed);
            s.connections_accepted += shard.accepted.load(Relaxed);
            s.connections_closed += shard.closed.load(Relaxed);
            for (total, b) in s.latency_buckets.iter_mut().zip(&shard.buckets) {
                *total += b.load(Relaxed);
            }
            s.latency_nanos += shard.latency_nanos.load(Relaxed);
        }
        // Prometheus buckets are cumulative.
        let mut running = 0;
        for b in &mut s.latency_buckets {
            running += *b;
            *b = running;
        }
        s
    }

    /// The metrics in the Prometheus text exposition format (version 0.0.4).
    pub fn render_prometheus(&self) -> String {
        let s = self.snapshot();
        let mut out = String::with_capacity(2048);
        let _ = writeln!(
            out,
            "# HELP covet_requests_total Requests answered, by status class."
        );
        let _ = writeln!(out, "# TYPE covet_requests_total counter");
        for (i, n) in s.by_status_class.iter().enumerate() {
            let _ = writeln!(out, "covet_requests_total{{class=\"{}xx\"}} {n}", i + 1);
        }
        let _ = writeln!(
            out,
            "# HELP covet_protocol_errors_total Requests refused for bad framing or limits."
        );
        let _ = writeln!(out, "# TYPE covet_protocol_errors_total counter");
        let _ = writeln!(out, "covet_protocol_errors_total {}", s.protocol_errors);
        let _ = writeln!(
            out,
            "# HELP covet_connections_accepted_total Connections accepted."
        );
        let _ = writeln!(out, "# TYPE covet_connections_accepted_total counter");
        let _ = writeln!(
            out,
            "covet_connections_accepted_total {}",
            s.connections_accepted
        );
        let _ = writeln!(out, "# HELP covet_connections_open Connections open now.");
        let _ = writeln!(out, "# TYPE covet_connections_open gauge");
        let _ = writeln!(out, "covet_connections_open {}", s.connections_open());
        let _ = writeln!(
            out,
            "# HELP covet_request_duration_seconds Time from a complete request head to its encoded response."
        );
        let _ = writeln!(out, "# TYPE covet_request_duration_seconds histogram");
        for (bound, n) in LATENCY_BUCKETS.iter().zip(&s.latency_buckets) {
            let _ = writeln!(
                out,
                "covet_request_duration_seconds_bucket{{le=\"{bound}\"}} {n}"
            );
        }
        let count = s.latency_buckets.last().copied().unwrap_or(0);
        let _ = writeln!(
            out,
            "covet_request_duration_seconds_bucket{{le=\"+Inf\"}} {count}"
        );
        let _ = writeln!(
            out,
            "covet_request_duration_seconds_sum {}",
            s.latency_nanos as f64 / 1e9
        );
        let _ = writeln!(out, "covet_request_duration_seconds_count {count}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_are_summed_and_buckets_cumulative() {
        let m = Metrics::new();
        let a = m.shard();
        let b = m.shard();
        a.record(200, Duration::from_micros(50));
        b.record(404, Duration::from_millis(3));
        b.record(503, Duration::from_secs(60));
        a.protocol_error();
        a.accepted();
        b.accepted();
        b.closed();
        let s = m.snapshot();
        assert_eq!(s.by_status_class, [0, 1, 0, 1, 1]);
        assert_eq!(s.requests(), 3);
        assert_eq!(s.protocol_errors, 1);
        assert_eq!(s.connections_open(), 1);
        assert_eq!(s.latency_buckets[0], 1); // <= 100 µs
        assert_eq!(s.latency_buckets[4], 1); // <= 2.5 ms
        assert_eq!(s.latency_buckets[5], 2); // <= 5 ms
        assert_eq!(s.latency_buckets[13], 2); // <= 5 s
        assert_eq!(s.latency_buckets[14], 3); // +Inf
    }

    #[test]
    fn prometheus_text_has_every_family() {
        let m = Metrics::new();
        m.shard().record(200, Duration::from_millis(1));
        let text = m.render_prometheus();
        assert!(text.contains("covet_requests_total{class=\"2xx\"} 1\n"));
        assert!(text.contains("covet_request_duration_seconds_bucket{le=\"0.001\"} 1\n"));
        assert!(text.contains("covet_request_duration_seconds_bucket{le=\"0.0005\"} 0\n"));
        assert!(text.contains("covet_request_duration_seconds_bucket{le=\"+Inf\"} 1\n"));
        assert!(text.contains("covet_request_duration_seconds_count 1\n"));
        assert!(text.contains("covet_request_duration_seconds_sum 0.001\n"));
        for line in text.lines().filter(|l| !l.starts_with('#')) {
            let (_, value) = line.rsplit_once(' ').unwrap();
            assert!(value.parse::<f64>().is_ok(), "{line}");
        }
    }
}

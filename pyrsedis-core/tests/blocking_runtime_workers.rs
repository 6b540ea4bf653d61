//! The blocking client's shared runtime with two worker threads
//! (`blocking::set_runtime_threads(2)`), used from many threads at once, against a real
//! redis-server.
//!
//! Its own test binary, so the thread count is set before the runtime starts.
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

#[path = "support/blocking_workload.rs"]
mod blocking_workload;

#[test]
fn worker_thread_runtime_serves_many_threads_while_one_call_blocks() {
    blocking_workload::run(Some(2));
}

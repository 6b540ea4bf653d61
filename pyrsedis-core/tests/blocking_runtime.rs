//! The blocking client's shared runtime in its default mode (no worker threads: the calling
//! threads drive it), used from many threads at once, against a real redis-server.
//!
//! Its own test binary, so the runtime's mode is the default whatever else runs.
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

#[path = "support/blocking_workload.rs"]
mod blocking_workload;

#[test]
fn caller_driven_runtime_serves_many_threads_while_one_call_blocks() {
    blocking_workload::run(None);
}

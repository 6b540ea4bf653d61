//! pyrsedis-core: see `pyrsedis_core::__fuzz::graph_compact` for the invariants checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pyrsedis_core::__fuzz::graph_compact(data);
});

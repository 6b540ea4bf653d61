//! pyrsedis-core: see `pyrsedis_core::__fuzz::decode_chunked` for the invariants checked.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pyrsedis_core::__fuzz::decode_chunked(data);
});

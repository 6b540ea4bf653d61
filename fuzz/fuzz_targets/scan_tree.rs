//! `scan` over a tree built from the input: the same for 1 and 3 threads, and equal to the
//! recursive model of pathvein's `matches` for every directory.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pathvein_core::__fuzz::scan_matches_model(data);
});

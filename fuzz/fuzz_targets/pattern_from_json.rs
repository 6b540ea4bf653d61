//! `FileStructurePattern::from_json` never panics; what it accepts round-trips through `to_json`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pathvein_core::__fuzz::json_round_trip(data);
});

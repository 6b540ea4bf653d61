//! covet-core: HTTP dates and byte ranges of file responses parse without panics, dates
//! round-trip, ranges stay inside the file.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    covet_core::__fuzz::file_conditions(data);
});

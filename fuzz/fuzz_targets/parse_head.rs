//! covet-core: request heads never panic, and where covet accepts, httparse agrees.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    covet_core::__fuzz::parse_head_differential(data);
});

//! covet-core: WebSocket frames decode the same whole and split, and never panic.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    covet_core::__fuzz::ws_frame_splits(data);
});

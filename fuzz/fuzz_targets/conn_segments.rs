//! covet-core: the connection state machine answers the same bytes the same way, whatever
//! their segmentation.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    covet_core::__fuzz::conn_segments(data);
});

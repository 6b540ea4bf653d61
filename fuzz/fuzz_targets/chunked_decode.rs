//! covet-core: the chunked decoder gives the same result whatever the input segmentation.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    covet_core::__fuzz::chunked_splits(data);
});

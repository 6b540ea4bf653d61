//! covet-core: route inserts and lookups never panic; every match rebuilds its path.
#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    covet_core::__fuzz::trie_insert_at(data);
});

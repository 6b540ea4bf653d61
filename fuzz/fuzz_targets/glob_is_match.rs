//! `Glob::new` (fnmatch) accepts every glob and `is_match` agrees with the reference model.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    pathvein_core::__fuzz::glob_agrees_with_reference(data);
});

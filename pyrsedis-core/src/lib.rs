//! `pyrsedis-core` (work in progress).
#![forbid(unsafe_code)]

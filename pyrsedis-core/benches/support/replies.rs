//! Reply bytes shared by pyrsedis-core's own benches and the side-by-side bench against redis-rs
//! (`benches/benches/pyrsedis_vs_redis_rs.rs` includes this file with `#[path]`), so both measure
//! the same input.

/// `*N` of N bulk strings like an LRANGE reply (`"element:12345"`).
pub(crate) fn array_of_bulks(n: usize) -> Vec<u8> {
    let mut out = format!("*{n}\r\n").into_bytes();
    for i in 0..n {
        let item = format!("element:{i}");
        out.extend_from_slice(format!("${}\r\n{item}\r\n", item.len()).as_bytes());
    }
    out
}

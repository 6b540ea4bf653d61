//! CRC16 (XMODEM) and the hash-tag rule that map a key to one of the 16384 slots.

/// How many hash slots a cluster has.
pub const SLOTS: u16 = 16384;

/// CRC16-XMODEM (polynomial 0x1021, initial value 0), as Redis Cluster uses it.
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc: u16 = 0;
    for &byte in data {
        crc ^= u16::from(byte) << 8;
        for _ in 0..8 {
            crc = if crc & 0x8000 != 0 {
                (crc << 1) ^ 0x1021
            } else {
                crc << 1
            };
        }
    }
    crc
}

/// The slot of `key`: CRC16 of the key, or of its hash tag (the bytes between the first `{`
/// and the first `}` after it, when not empty), modulo 16384.
pub fn hash_slot(key: &[u8]) -> u16 {
    let tagged = key.iter().position(|&b| b == b'{').and_then(|open| {
        let rest = &key[open + 1..];
        let close = rest.iter().position(|&b| b == b'}')?;
        (close > 0).then(|| &rest[..close])
    });
    crc16(tagged.unwrap_or(key)) % SLOTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc16_matches_the_reference_vector() {
        // The test vector from the Redis Cluster specification.
        assert_eq!(crc16(b"123456789"), 0x31C3);
    }

    #[test]
    fn slots_match_redis_for_known_keys() {
        // Values from a real cluster (`CLUSTER KEYSLOT`).
        assert_eq!(hash_slot(b"foo"), 12182);
        assert_eq!(hash_slot(b"bar"), 5061);
        assert_eq!(hash_slot(b""), 0);
    }

    #[test]
    fn hash_tags_follow_the_first_brace_pair_only_when_not_empty() {
        assert_eq!(hash_slot(b"{user1000}.following"), hash_slot(b"user1000"));
        assert_eq!(hash_slot(b"foo{}{bar}"), hash_slot(b"foo{}{bar}"));
        assert_ne!(
            hash_slot(b"foo{}{bar}"),
            hash_slot(b"bar"),
            "an empty tag means no tag"
        );
        assert_eq!(hash_slot(b"foo{{bar}}zap"), hash_slot(b"{bar"));
        assert_eq!(hash_slot(b"foo{bar}{zap}"), hash_slot(b"bar"));
        assert_eq!(hash_slot(b"no-close{tag"), hash_slot(b"no-close{tag"));
        assert!(hash_slot(b"\xff\x00{\xfe}") < SLOTS);
    }
}

//! Frames (RFC 6455 §5): an incremental decoder for client frames and an encoder for server
//! frames.

use bytes::{Buf, BufMut, BytesMut};

/// Opcodes.
pub(crate) const CONTINUATION: u8 = 0x0;
pub(crate) const TEXT: u8 = 0x1;
pub(crate) const BINARY: u8 = 0x2;
pub(crate) const CLOSE: u8 = 0x8;
pub(crate) const PING: u8 = 0x9;
pub(crate) const PONG: u8 = 0xA;

/// Close codes this implementation sends.
pub(crate) const NORMAL: u16 = 1000;
pub(crate) const GOING_AWAY: u16 = 1001;
pub(crate) const PROTOCOL_ERROR: u16 = 1002;
pub(crate) const INVALID_DATA: u16 = 1007;
pub(crate) const TOO_BIG: u16 = 1009;

/// One decoded client frame, unmasked.
#[derive(Debug)]
pub(crate) struct Frame {
    pub(crate) fin: bool,
    pub(crate) opcode: u8,
    pub(crate) payload: BytesMut,
}

/// Takes one complete frame off the front of `buf`; `Ok(None)` while it is incomplete, or the
/// close code to fail the connection with.
pub(crate) fn decode(buf: &mut BytesMut, max_payload: usize) -> Result<Option<Frame>, u16> {
    let [b0, b1, ..] = buf[..] else {
        return Ok(None);
    };
    let fin = b0 & 0x80 != 0;
    let opcode = b0 & 0x0F;
    if b0 & 0x70 != 0 {
        return Err(PROTOCOL_ERROR); // no extension negotiated, so RSV bits must be clear
    }
    if !matches!(opcode, CONTINUATION | TEXT | BINARY | CLOSE | PING | PONG) {
        return Err(PROTOCOL_ERROR);
    }
    if b1 & 0x80 == 0 {
        return Err(PROTOCOL_ERROR); // client frames must be masked
    }
    let (len, header) = match b1 & 0x7F {
        126 => match buf.get(2..4) {
            Some(b) => (u64::from(u16::from_be_bytes([b[0], b[1]])), 4),
            None => return Ok(None),
        },
        127 => match buf.get(2..10) {
            Some(b) => {
                let mut a = [0u8; 8];
                a.copy_from_slice(b);
                (u64::from_be_bytes(a), 10)
            }
            None => return Ok(None),
        },
        n => (u64::from(n), 2),
    };
    if opcode >= CLOSE && (!fin || len > 125) {
        return Err(PROTOCOL_ERROR); // control frames are short and never fragmented
    }
    let len = match usize::try_from(len) {
        Ok(len) if len <= max_payload => len,
        _ => return Err(TOO_BIG),
    };
    if buf.len() < header + 4 + len {
        buf.reserve(header + 4 + len - buf.len());
        return Ok(None);
    }
    let mut mask = [0u8; 4];
    mask.copy_from_slice(&buf[header..header + 4]);
    buf.advance(header + 4);
    let mut payload = buf.split_to(len);
    unmask(&mut payload, mask);
    Ok(Some(Frame {
        fin,
        opcode,
        payload,
    }))
}

/// XORs `data` with the repeating 4-byte `mask`, eight bytes at a time.
fn unmask(data: &mut [u8], mask: [u8; 4]) {
    let wide = u64::from_ne_bytes([
        mask[0], mask[1], mask[2], mask[3], mask[0], mask[1], mask[2], mask[3],
    ]);
    let mut chunks = data.chunks_exact_mut(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        chunk.copy_from_slice(&(u64::from_ne_bytes(word) ^ wide).to_ne_bytes());
    }
    for (i, b) in chunks.into_remainder().iter_mut().enumerate() {
        *b ^= mask[i % 4];
    }
}

/// Appends one unmasked server frame.
pub(crate) fn encode(opcode: u8, payload: &[u8], dst: &mut BytesMut) {
    dst.reserve(payload.len() + 10);
    dst.put_u8(0x80 | opcode);
    put_len(payload.len(), 0, dst);
    dst.put_slice(payload);
}

/// Appends the 7-bit, 16-bit or 64-bit payload length, with `mask_bit` (0 or 0x80).
fn put_len(len: usize, mask_bit: u8, dst: &mut BytesMut) {
    match (u8::try_from(len), u16::try_from(len)) {
        (Ok(n), _) if n <= 125 => dst.put_u8(mask_bit | n),
        (_, Ok(n)) => {
            dst.put_u8(mask_bit | 126);
            dst.put_u16(n);
        }
        _ => {
            dst.put_u8(mask_bit | 127);
            dst.put_u64(len as u64);
        }
    }
}

/// Appends a close frame with `code` (and no reason).
pub(crate) fn encode_close(code: u16, dst: &mut BytesMut) {
    encode(CLOSE, &code.to_be_bytes(), dst);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn masked(b0: u8, payload: &[u8]) -> BytesMut {
        let mask = [1u8, 2, 3, 4];
        let mut out = BytesMut::new();
        out.put_u8(b0);
        put_len(payload.len(), 0x80, &mut out);
        out.put_slice(&mask);
        out.extend(payload.iter().enumerate().map(|(i, b)| b ^ mask[i % 4]));
        out
    }

    #[test]
    fn decodes_masked_frames_of_every_length_form() {
        for len in [0usize, 5, 125, 126, 1000, 70_000] {
            let payload: Vec<u8> = (0..len).map(|i| i.to_le_bytes()[0]).collect();
            let mut buf = masked(0x82, &payload);
            let f = decode(&mut buf, 1 << 20).unwrap().unwrap();
            assert!(f.fin);
            assert_eq!(f.opcode, BINARY);
            assert_eq!(&f.payload[..], &payload[..]);
            assert!(buf.is_empty());
        }
    }

    #[test]
    fn every_prefix_is_incomplete() {
        let full = masked(0x81, b"hello world, this is a frame");
        for cut in 0..full.len() {
            let mut buf = BytesMut::from(&full[..cut]);
            assert!(decode(&mut buf, 1 << 20).unwrap().is_none(), "cut {cut}");
        }
    }

    #[test]
    fn protocol_violations_give_close_codes() {
        let cases: &[(u8, &[u8], u16)] = &[
            (0xC1, b"x", PROTOCOL_ERROR),        // RSV1
            (0x83, b"x", PROTOCOL_ERROR),        // reserved opcode
            (0x09, b"x", PROTOCOL_ERROR),        // fragmented ping
            (0x89, &[0u8; 126], PROTOCOL_ERROR), // long ping
        ];
        for (b0, payload, code) in cases {
            let mut buf = masked(*b0, payload);
            assert_eq!(decode(&mut buf, 1 << 20).unwrap_err(), *code, "b0 {b0:#x}");
        }
        let mut unmasked = BytesMut::from(&[0x81u8, 0x01, b'x'][..]);
        assert_eq!(decode(&mut unmasked, 10).unwrap_err(), PROTOCOL_ERROR);
        let mut big = masked(0x82, &[0u8; 11]);
        assert_eq!(decode(&mut big, 10).unwrap_err(), TOO_BIG);
    }

    #[test]
    fn encodes_length_forms() {
        let mut dst = BytesMut::new();
        encode(TEXT, b"hi", &mut dst);
        assert_eq!(&dst[..], b"\x81\x02hi");
        dst.clear();
        encode(BINARY, &[0u8; 300], &mut dst);
        assert_eq!(&dst[..4], &[0x82, 126, 0x01, 0x2C]);
        dst.clear();
        encode_close(1000, &mut dst);
        assert_eq!(&dst[..], &[0x88, 2, 0x03, 0xE8]);
    }
}

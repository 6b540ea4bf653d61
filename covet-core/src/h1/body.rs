//! Request body decoders: `Content-Length` and chunked, fed any split of the input.
//!
//! Both decoders take the bytes read so far, append body bytes to a buffer, and say how many
//! input bytes they consumed and whether the body is complete. They keep their own state, so
//! a body split at any byte boundary decodes the same as one that arrives whole.
//!
//! The chunked decoder is strict (RFC 9112 §7.1): a chunk size is 1 to 16 hex digits with no
//! sign, prefix or padding; every line ends in CRLF, including the one after chunk data;
//! extensions are bounded; the trailer section is checked for syntax, bounded, and discarded
//! (a trailer never changes framing).

use bytes::BytesMut;

use crate::config::Limits;
use crate::error::{Error, Result};

/// What one call to a decoder did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decoded {
    /// Input bytes consumed (drop them from the read buffer).
    pub consumed: usize,
    /// Whether the body is complete.
    pub done: bool,
}

/// Decodes a body of known length.
#[derive(Debug, Clone)]
pub struct LengthDecoder {
    remaining: u64,
}

impl LengthDecoder {
    /// A decoder for a body of `len` bytes.
    pub fn new(len: u64) -> Self {
        Self { remaining: len }
    }

    /// Takes body bytes from `src` into `dst`.
    pub fn decode(&mut self, src: &[u8], dst: &mut BytesMut) -> Decoded {
        let take = usize::try_from(self.remaining).map_or(src.len(), |r| r.min(src.len()));
        dst.extend_from_slice(&src[..take]);
        self.remaining -= take as u64;
        Decoded {
            consumed: take,
            done: self.remaining == 0,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Size,
    Ext,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    TrailerStart,
    TrailerName,
    TrailerValue,
    TrailerLf,
    EndLf,
    Done,
}

/// Decodes a chunked body.
#[derive(Debug, Clone)]
pub struct ChunkedDecoder {
    state: State,
    size: u64,
    digits: u8,
    ext_len: usize,
    trailer_len: usize,
    total: u64,
    max_body: u64,
    max_ext: usize,
    max_trailers: usize,
}

fn bad(what: &str) -> Error {
    Error::new_protocol(400, format!("invalid chunked body: {what}"))
}

impl ChunkedDecoder {
    /// A decoder enforcing `limits` (body size, extension length, trailer size).
    pub fn new(limits: &Limits) -> Self {
        Self {
            state: State::Size,
            size: 0,
            digits: 0,
            ext_len: 0,
            trailer_len: 0,
            total: 0,
            max_body: limits.max_body,
            max_ext: limits.max_chunk_ext,
            max_trailers: limits.max_trailers,
        }
    }

    /// Whether the final chunk and trailers have been read.
    pub fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Takes as much of `src` as possible, appending chunk data to `dst`.
    ///
    /// Errors are protocol errors: 400 for bad syntax, 413 when the body exceeds
    /// `max_body`, 431 for an oversized trailer section.
    pub fn decode(&mut self, src: &[u8], dst: &mut BytesMut) -> Result<Decoded> {
        let mut i = 0;
        while i < src.len() {
            let b = src[i];
            match self.state {
                State::Size => match b {
                    b'0'..=b'9' | b'a'..=b'f' | b'A'..=b'F' => {
                        if self.digits == 16 {
                            return Err(bad("chunk size longer than 16 hex digits"));
                        }
                        let v = match b {
                            b'0'..=b'9' => b - b'0',
                            b'a'..=b'f' => b - b'a' + 10,
                            _ => b - b'A' + 10,
                        };
                        self.size = (self.size << 4) | u64::from(v);
                        self.digits += 1;
                    }
                    b';' if self.digits > 0 => self.state = State::Ext,
                    b'\r' if self.digits > 0 => self.state = State::SizeLf,
                    _ => return Err(bad(&format!("unexpected byte 0x{b:02x} in a chunk size"))),
                },
                State::Ext => match b {
                    b'\r' => self.state = State::SizeLf,
                    b'\t' | b' '..=b'~' | 0x80..=0xff => {
                        self.ext_len += 1;
                        if self.ext_len > self.max_ext {
                            return Err(bad("chunk extension too long"));
                        }
                    }
                    _ => return Err(bad(&format!("control byte 0x{b:02x} in a chunk extension"))),
                },
                State::SizeLf => {
                    if b != b'\n' {
                        return Err(bad("chunk size line not ended by CRLF"));
                    }
                    if self.size == 0 {
                        self.state = State::TrailerStart;
                    } else {
                        self.total = self.total.saturating_add(self.size);
                        if self.total > self.max_body {
                            return Err(Error::new_protocol(
                                413,
                                format!(
                                    "chunked body exceeds the limit of {} bytes",
                                    self.max_body
                                ),
                            ));
                        }
                        self.state = State::Data;
                    }
                }
                State::Data => {
                    let avail = src.len() - i;
                    let take = usize::try_from(self.size).map_or(avail, |s| s.min(avail));
                    dst.extend_from_slice(&src[i..i + take]);
                    self.size -= take as u64;
                    i += take;
                    if self.size == 0 {
                        self.state = State::DataCr;
                    }
                    continue;
                }
                State::DataCr => {
                    if b != b'\r' {
                        return Err(bad("chunk data not followed by CRLF"));
                    }
                    self.state = State::DataLf;
                }
                State::DataLf => {
                    if b != b'\n' {
                        return Err(bad("chunk data not followed by CRLF"));
                    }
                    self.state = State::Size;
                    self.size = 0;
                    self.digits = 0;
                    self.ext_len = 0;
                }
                State::TrailerStart => {
                    self.count_trailer()?;
                    match b {
                        b'\r' => self.state = State::EndLf,
                        _ if is_tchar(b) => self.state = State::TrailerName,
                        _ => return Err(bad(&format!("invalid trailer field start 0x{b:02x}"))),
                    }
                }
                State::TrailerName => {
                    self.count_trailer()?;
                    match b {
                        b':' => self.state = State::TrailerValue,
                        _ if is_tchar(b) => {}
                        _ => return Err(bad(&format!("invalid byte 0x{b:02x} in a trailer name"))),
                    }
                }
                State::TrailerValue => {
                    self.count_trailer()?;
                    match b {
                        b'\r' => self.state = State::TrailerLf,
                        b'\t' | b' '..=b'~' | 0x80..=0xff => {}
                        _ => return Err(bad(&format!("control byte 0x{b:02x} in a trailer"))),
                    }
                }
                State::TrailerLf => {
                    if b != b'\n' {
                        return Err(bad("trailer line not ended by CRLF"));
                    }
                    self.state = State::TrailerStart;
                }
                State::EndLf => {
                    if b != b'\n' {
                        return Err(bad("chunked body not ended by CRLF"));
                    }
                    self.state = State::Done;
                    return Ok(Decoded {
                        consumed: i + 1,
                        done: true,
                    });
                }
                State::Done => {
                    return Ok(Decoded {
                        consumed: i,
                        done: true,
                    });
                }
            }
            i += 1;
        }
        Ok(Decoded {
            consumed: i,
            done: self.state == State::Done,
        })
    }

    fn count_trailer(&mut self) -> Result<()> {
        self.trailer_len += 1;
        if self.trailer_len > self.max_trailers {
            return Err(Error::new_protocol(
                431,
                "chunked trailer section too large",
            ));
        }
        Ok(())
    }
}

fn is_tchar(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode_all(input: &[u8]) -> Result<(Vec<u8>, usize)> {
        let mut d = ChunkedDecoder::new(&Limits::default());
        let mut out = BytesMut::new();
        let r = d.decode(input, &mut out)?;
        assert!(r.done, "not done for {:?}", String::from_utf8_lossy(input));
        Ok((out.to_vec(), r.consumed))
    }

    macro_rules! chunked_ok {
        ($($name:ident: $input:expr => $body:expr;)*) => {$(
            #[test]
            fn $name() {
                let input: &[u8] = $input;
                let (body, consumed) = decode_all(input).unwrap();
                assert_eq!(body, $body.to_vec());
                assert_eq!(consumed, input.len());
            }
        )*};
    }

    macro_rules! chunked_err {
        ($($name:ident: $input:expr => $status:expr;)*) => {$(
            #[test]
            fn $name() {
                let mut d = ChunkedDecoder::new(&Limits { max_body: 64, ..Limits::default() });
                let mut out = BytesMut::new();
                let err = d.decode($input, &mut out).unwrap_err();
                assert_eq!(err.status(), Some($status), "{err}");
            }
        )*};
    }

    chunked_ok! {
        decodes_one_chunk: b"5\r\nhello\r\n0\r\n\r\n" => b"hello";
        decodes_two_chunks: b"5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n" => b"hello world";
        accepts_upper_and_lower_hex: b"A\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n" => b"01234567890123456789";
        accepts_an_extension: b"5;foo=bar\r\nhello\r\n0\r\n\r\n" => b"hello";
        accepts_a_quoted_extension: b"5;foo=\"a b\"\r\nhello\r\n0;x\r\n\r\n" => b"hello";
        discards_trailers: b"5\r\nhello\r\n0\r\nX-T: 1\r\nContent-Length: 50\r\n\r\n" => b"hello";
        accepts_sixteen_digit_zero_padded_size: b"0000000000000005\r\nhello\r\n0\r\n\r\n" => b"hello";
        decodes_an_empty_body: b"0\r\n\r\n" => b"";
    }

    chunked_err! {
        rejects_hex_prefix: b"0x5\r\nhello\r\n0\r\n\r\n" => 400;
        rejects_plus_sign: b"+5\r\nhello\r\n0\r\n\r\n" => 400;
        rejects_underscore: b"5_\r\nhello\r\n0\r\n\r\n" => 400;
        rejects_empty_size: b"\r\nhello\r\n0\r\n\r\n" => 400;
        rejects_seventeen_digits: b"00000000000000001\r\nh\r\n0\r\n\r\n" => 400;
        rejects_bare_lf_after_size: b"5\nhello\r\n0\r\n\r\n" => 400;
        rejects_bare_cr_in_size_line: b"5\r;a\r\nhello\r\n0\r\n\r\n" => 400;
        rejects_data_without_crlf: b"5\r\nhelloX0\r\n\r\n" => 400;
        rejects_data_longer_than_size: b"3\r\nhello\r\n0\r\n\r\n" => 400;
        rejects_lf_only_after_data: b"5\r\nhello\n0\r\n\r\n" => 400;
        rejects_space_before_size: b" 5\r\nhello\r\n0\r\n\r\n" => 400;
        rejects_space_after_size: b"5 \r\nhello\r\n0\r\n\r\n" => 400;
        rejects_nul_in_extension: b"5;a\x00\r\nhello\r\n0\r\n\r\n" => 400;
        rejects_obs_fold_in_trailer: b"0\r\n X: 1\r\n\r\n" => 400;
        rejects_trailer_without_crlf: b"0\r\nX: 1\n\r\n" => 400;
        rejects_trailer_name_with_space: b"0\r\nX Y: 1\r\n\r\n" => 400;
        rejects_body_over_the_limit: b"41\r\n" => 413;
        rejects_sum_of_chunks_over_the_limit: b"20\r\n0123456789abcdef0123456789abcdef\r\n21\r\n" => 413;
        rejects_huge_size_as_too_large: b"ffffffffffffffff\r\n" => 413;
    }

    #[test]
    fn every_split_decodes_the_same() {
        let input = b"5;e=1\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nT: v\r\n\r\nNEXT";
        let body_end = input.len() - 4;
        for split in 0..=input.len() {
            let mut d = ChunkedDecoder::new(&Limits::default());
            let mut out = BytesMut::new();
            let a = d.decode(&input[..split], &mut out).unwrap();
            assert_eq!(a.consumed, split.min(body_end));
            let b = d.decode(&input[a.consumed..], &mut out).unwrap();
            assert!(b.done);
            assert_eq!(a.consumed + b.consumed, body_end, "split {split}");
            assert_eq!(&out[..], b"helloabcdefghijklmnopqrstuvwxyz");
        }
    }

    #[test]
    fn byte_at_a_time_decodes_the_same() {
        let input = b"3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        let mut d = ChunkedDecoder::new(&Limits::default());
        let mut out = BytesMut::new();
        for (i, b) in input.iter().enumerate() {
            let r = d.decode(std::slice::from_ref(b), &mut out).unwrap();
            assert_eq!(r.consumed, 1);
            assert_eq!(r.done, i == input.len() - 1);
        }
        assert_eq!(&out[..], b"abcde");
    }

    #[test]
    fn extension_limit_is_enforced() {
        let limits = Limits {
            max_chunk_ext: 4,
            ..Limits::default()
        };
        let mut out = BytesMut::new();
        assert!(
            ChunkedDecoder::new(&limits)
                .decode(b"1;abcd\r\n", &mut out)
                .is_ok()
        );
        let err = ChunkedDecoder::new(&limits)
            .decode(b"1;abcde\r\n", &mut out)
            .unwrap_err();
        assert_eq!(err.status(), Some(400));
    }

    #[test]
    fn trailer_limit_is_enforced() {
        let limits = Limits {
            max_trailers: 8,
            ..Limits::default()
        };
        let mut out = BytesMut::new();
        assert!(
            ChunkedDecoder::new(&limits)
                .decode(b"0\r\nA: 1\r\n\r\n", &mut out)
                .unwrap()
                .done
        );
        let err = ChunkedDecoder::new(&limits)
            .decode(b"0\r\nAB: 12345\r\n\r\n", &mut out)
            .unwrap_err();
        assert_eq!(err.status(), Some(431));
    }

    #[test]
    fn length_decoder_stops_at_the_length() {
        let mut d = LengthDecoder::new(5);
        let mut out = BytesMut::new();
        assert_eq!(
            d.decode(b"he", &mut out),
            Decoded {
                consumed: 2,
                done: false
            }
        );
        assert_eq!(
            d.decode(b"lloGET", &mut out),
            Decoded {
                consumed: 3,
                done: true
            }
        );
        assert_eq!(&out[..], b"hello");
    }
}

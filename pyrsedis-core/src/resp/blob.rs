//! [`Blob`]: the string type of replies, small ones inline and long ones shared with the read
//! buffer.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use bytes::Bytes;

/// Longest string a [`Blob`] stores inline.
pub(crate) const INLINE: usize = 23;

/// The bytes of a bulk or simple string from a reply.
///
/// Strings of up to [`Blob::INLINE_CAPACITY`] (23) bytes are copied into the `Blob` itself:
/// no allocation, no reference count, and nothing of the connection's read buffer stays
/// pinned by a small value kept for a long time. Longer strings share the read buffer as a
/// [`Bytes`] handle, without copying. A `Blob` is 32 bytes either way; it dereferences to
/// `[u8]`, and compares and hashes by content, whichever way it is stored.
///
/// ```
/// use pyrsedis_core::Blob;
///
/// let short = Blob::from("hello");
/// assert!(short.is_inline());
/// assert_eq!(short, "hello");
/// assert_eq!(&short[..2], b"he");
///
/// let long = Blob::from(vec![b'x'; 100]);
/// assert!(!long.is_inline());
/// assert_eq!(long.len(), 100);
/// let shared: bytes::Bytes = long.into_bytes(); // no copy for a shared blob
/// assert_eq!(shared.len(), 100);
/// ```
#[derive(Clone)]
pub struct Blob(Repr);

/// How a [`Blob`] holds its bytes: short strings inline, longer ones shared.
#[derive(Clone)]
enum Repr {
    Inline(Inline),
    Shared(Bytes),
}

/// Inline storage: up to [`INLINE`] bytes, then the length in the last byte. Bytes between the
/// string's end and the length are unspecified (they may be whatever followed the string in
/// the read buffer) and are never read. Word-aligned, so a value moves as whole words.
#[derive(Clone, Copy)]
#[repr(C, align(8))]
struct Inline([u8; INLINE + 1]);

impl Inline {
    #[inline]
    fn as_bytes(&self) -> &[u8] {
        &self.0[..usize::from(self.0[INLINE])]
    }
}

impl Blob {
    /// The most bytes stored inline, without an allocation or a reference count.
    pub const INLINE_CAPACITY: usize = INLINE;

    /// An empty blob.
    pub const fn new() -> Blob {
        Blob(Repr::Inline(Inline([0; INLINE + 1])))
    }

    /// A blob holding a copy of `bytes` (inline when short, else one allocation).
    pub fn copy_from_slice(bytes: &[u8]) -> Blob {
        Blob::inline(bytes).unwrap_or_else(|| Blob(Repr::Shared(Bytes::copy_from_slice(bytes))))
    }

    /// The first `len` bytes of `window` stored inline, for the decoder's hot path (the window
    /// is the read buffer from the string's first byte on). Built in whole words: a byte-wise
    /// copy followed by word-sized moves of the value stalls store forwarding.
    #[inline]
    pub(crate) fn from_window(window: &[u8; INLINE + 1], len: u8) -> Blob {
        debug_assert!(usize::from(len) <= INLINE);
        let (head, tail) = window.split_at(16);
        let mut last = [0; 8];
        last.copy_from_slice(tail);
        let last = (u64::from_le_bytes(last) & !(0xff << 56)) | (u64::from(len) << 56);
        let mut data = [0; INLINE + 1];
        data[..16].copy_from_slice(head);
        data[16..].copy_from_slice(&last.to_le_bytes());
        Blob(Repr::Inline(Inline(data)))
    }

    /// `bytes` stored inline, or `None` when they are longer than [`Blob::INLINE_CAPACITY`].
    #[inline]
    pub(crate) fn inline(bytes: &[u8]) -> Option<Blob> {
        let len = u8::try_from(bytes.len())
            .ok()
            .filter(|&n| usize::from(n) <= INLINE)?;
        let mut data = [0; INLINE + 1];
        data[..bytes.len()].copy_from_slice(bytes);
        data[INLINE] = len;
        Some(Blob(Repr::Inline(Inline(data))))
    }

    /// The bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Repr::Inline(inline) => inline.as_bytes(),
            Repr::Shared(bytes) => bytes,
        }
    }

    /// Whether the bytes are stored inline (short) rather than shared.
    pub fn is_inline(&self) -> bool {
        matches!(self.0, Repr::Inline(_))
    }

    /// The bytes as a [`Bytes`] handle: no copy for a shared blob, one allocation for an inline
    /// one.
    pub fn into_bytes(self) -> Bytes {
        match self.0 {
            Repr::Inline(inline) => Bytes::copy_from_slice(inline.as_bytes()),
            Repr::Shared(bytes) => bytes,
        }
    }

    /// The bytes as a vector (always a copy).
    pub fn into_vec(self) -> Vec<u8> {
        match self.0 {
            Repr::Inline(inline) => inline.as_bytes().to_vec(),
            Repr::Shared(bytes) => Vec::from(bytes),
        }
    }
}

impl Default for Blob {
    fn default() -> Self {
        Blob::new()
    }
}

impl Deref for Blob {
    type Target = [u8];
    #[inline]
    fn deref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl AsRef<[u8]> for Blob {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl Borrow<[u8]> for Blob {
    fn borrow(&self) -> &[u8] {
        self.as_bytes()
    }
}

impl From<Bytes> for Blob {
    /// Short input is copied inline (so it pins nothing); longer input is kept as it is.
    fn from(bytes: Bytes) -> Blob {
        Blob::inline(&bytes).unwrap_or(Blob(Repr::Shared(bytes)))
    }
}

impl From<Vec<u8>> for Blob {
    fn from(bytes: Vec<u8>) -> Blob {
        Blob::inline(&bytes).unwrap_or_else(|| Blob(Repr::Shared(Bytes::from(bytes))))
    }
}

impl From<String> for Blob {
    fn from(text: String) -> Blob {
        Blob::from(text.into_bytes())
    }
}

impl From<&[u8]> for Blob {
    fn from(bytes: &[u8]) -> Blob {
        Blob::copy_from_slice(bytes)
    }
}

impl<const N: usize> From<&[u8; N]> for Blob {
    fn from(bytes: &[u8; N]) -> Blob {
        Blob::copy_from_slice(bytes)
    }
}

impl From<&str> for Blob {
    fn from(text: &str) -> Blob {
        Blob::copy_from_slice(text.as_bytes())
    }
}

impl From<Blob> for Bytes {
    fn from(blob: Blob) -> Bytes {
        blob.into_bytes()
    }
}

impl From<Blob> for Vec<u8> {
    fn from(blob: Blob) -> Vec<u8> {
        blob.into_vec()
    }
}

impl PartialEq for Blob {
    fn eq(&self, other: &Blob) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Blob {}

impl PartialOrd for Blob {
    fn partial_cmp(&self, other: &Blob) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Blob {
    fn cmp(&self, other: &Blob) -> Ordering {
        self.as_bytes().cmp(other.as_bytes())
    }
}

impl Hash for Blob {
    /// Hashes like `[u8]`, so a `HashMap<Blob, _>` can be searched with a `&[u8]` key.
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}

/// Equality with the usual byte-string types, by content.
macro_rules! eq_by_content {
    ($($t:ty),*) => {$(
        impl PartialEq<$t> for Blob {
            fn eq(&self, other: &$t) -> bool {
                self.as_bytes() == AsRef::<[u8]>::as_ref(other)
            }
        }
        impl PartialEq<Blob> for $t {
            fn eq(&self, other: &Blob) -> bool {
                AsRef::<[u8]>::as_ref(self) == other.as_bytes()
            }
        }
    )*};
}

eq_by_content!([u8], &[u8], str, &str, Vec<u8>, String, Bytes);

impl<const N: usize> PartialEq<[u8; N]> for Blob {
    fn eq(&self, other: &[u8; N]) -> bool {
        self.as_bytes() == other
    }
}

impl<const N: usize> PartialEq<&[u8; N]> for Blob {
    fn eq(&self, other: &&[u8; N]) -> bool {
        self.as_bytes() == *other
    }
}

impl fmt::Debug for Blob {
    /// Like [`Bytes`]: `b"text\r\n"`, with non-printable bytes escaped.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("b\"")?;
        for &b in self.as_bytes() {
            match b {
                b'\n' => f.write_str("\\n")?,
                b'\r' => f.write_str("\\r")?,
                b'\t' => f.write_str("\\t")?,
                b'\\' | b'"' => write!(f, "\\{}", char::from(b))?,
                b'\0' => f.write_str("\\0")?,
                0x20..=0x7e => write!(f, "{}", char::from(b))?,
                _ => write!(f, "\\x{b:02x}")?,
            }
        }
        f.write_str("\"")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::hash::BuildHasher;

    #[test]
    fn a_blob_is_as_small_as_bytes_and_a_value_did_not_grow() {
        // The inline form lives beside the niche of `Bytes`; if a compiler change ever makes
        // the blob bigger, every `Value` and every reply tree grows with it.
        assert_eq!(size_of::<Blob>(), size_of::<Bytes>());
        assert_eq!(size_of::<crate::Value>(), 40);
    }

    #[test]
    fn short_strings_are_inline_and_long_ones_shared_at_exactly_the_capacity() {
        for n in [0, 1, 22, 23] {
            let blob = Blob::copy_from_slice(&vec![b'a'; n]);
            assert!(blob.is_inline(), "{n}");
            assert_eq!(blob.len(), n);
            assert_eq!(Blob::from(Bytes::from(vec![b'a'; n])), blob);
        }
        for n in [24, 25, 1000] {
            let blob = Blob::copy_from_slice(&vec![b'b'; n]);
            assert!(!blob.is_inline(), "{n}");
            assert_eq!(blob.as_bytes(), &vec![b'b'; n][..]);
        }
    }

    #[test]
    fn a_blob_built_from_a_window_of_the_read_buffer_ignores_what_follows_the_string() {
        let wire = b"hello\r\n$3\r\nfoo\r\n:12345678901234\r\n";
        let window: &[u8; 24] = wire.first_chunk().unwrap();
        for len in [0u8, 1, 5, 23] {
            let blob = Blob::from_window(window, len);
            assert!(blob.is_inline());
            assert_eq!(blob.as_bytes(), &wire[..usize::from(len)]);
            let same = Blob::copy_from_slice(&wire[..usize::from(len)]);
            assert_eq!(blob, same);
            let state = std::collections::hash_map::RandomState::new();
            assert_eq!(state.hash_one(&blob), state.hash_one(&same));
            assert_eq!(format!("{blob:?}"), format!("{same:?}"));
            assert_eq!(blob.clone().into_vec(), same.into_vec());
        }
    }

    #[test]
    fn a_shared_blob_gives_back_its_bytes_without_copying() {
        let bytes = Bytes::from(vec![7u8; 64]);
        let ptr = bytes.as_ptr();
        let blob = Blob::from(bytes);
        assert_eq!(blob.as_ptr(), ptr);
        assert_eq!(blob.into_bytes().as_ptr(), ptr);
    }

    #[test]
    fn equality_ordering_and_hashing_follow_the_content_not_the_storage() {
        let inline = Blob::from("abc");
        let shared = Blob(Repr::Shared(Bytes::from_static(b"abc")));
        assert_eq!(inline, shared);
        assert_eq!(inline.cmp(&shared), Ordering::Equal);
        assert_eq!(Blob::from("abc").cmp(&Blob::from("abd")), Ordering::Less);
        assert_eq!(Blob::from("ab").cmp(&Blob::from("abc")), Ordering::Less);
        let mut map = HashMap::new();
        map.insert(shared, 1);
        assert_eq!(map.get(&b"abc"[..]), Some(&1));
        assert_eq!(map.get(&inline), Some(&1));
        assert_eq!(inline, "abc");
        assert_eq!(inline, b"abc");
        assert_eq!(inline, Bytes::from_static(b"abc"));
        assert_eq!(inline, b"abc".to_vec());
        assert_eq!("abc", inline);
        assert_ne!(inline, "abcd");
    }

    #[test]
    fn debug_escapes_like_bytes() {
        let all: Vec<u8> = (0..=255).collect();
        for text in [&b"a\r\n\x00\"z\t'\\"[..], &all] {
            let blob = Blob::copy_from_slice(text);
            assert_eq!(
                format!("{blob:?}"),
                format!("{:?}", Bytes::copy_from_slice(text))
            );
        }
        let long = Blob::from(vec![b'q'; 30]);
        assert_eq!(format!("{long:?}"), format!("b\"{}\"", "q".repeat(30)));
    }

    #[test]
    fn conversions_keep_every_byte() {
        let data: Vec<u8> = (0..=255).collect();
        for n in [0, 5, 23, 24, 256] {
            let blob = Blob::from(data[..n].to_vec());
            assert_eq!(blob.clone().into_vec(), data[..n]);
            assert_eq!(blob.clone().into_bytes(), data[..n]);
            assert_eq!(Vec::<u8>::from(blob.clone()), data[..n]);
            assert_eq!(Bytes::from(blob), data[..n]);
        }
        assert_eq!(Blob::from(String::from("héllo")), "héllo");
        assert!(Blob::new().is_empty());
        assert_eq!(Blob::default(), Blob::from(""));
    }
}

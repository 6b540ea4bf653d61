//! Building commands: binary-safe arguments encoded straight into one contiguous buffer.

use bytes::Bytes;

/// A value that becomes one or more command arguments.
///
/// Strings and byte slices are one argument each, taken byte for byte; integers and floats
/// are written in decimal; slices, vectors and `Option` expand to zero or more arguments.
pub trait ToArgs {
    /// Appends this value's arguments to `out`.
    fn write_args(&self, out: &mut Cmd);
}

/// One Redis command, already encoded: `*N` is added when it is written out.
///
/// ```
/// use pyrsedis_core::cmd;
///
/// let set = cmd("SET").arg("key").arg(&b"\x00binary\r\n"[..]).arg("EX").arg(60);
/// assert_eq!(set.arg_count(), 5);
/// assert_eq!(
///     set.to_bytes(),
///     b"*5\r\n$3\r\nSET\r\n$3\r\nkey\r\n$9\r\n\x00binary\r\n\r\n$2\r\nEX\r\n$2\r\n60\r\n"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cmd {
    body: Vec<u8>,
    args: usize,
}

/// Starts a command with its name, e.g. `cmd("SET").arg(key).arg(value)`: the raw escape hatch
/// for any command, including ones this crate has no typed method for.
pub fn cmd(name: impl ToArgs) -> Cmd {
    Cmd::new().arg(name)
}

impl Cmd {
    /// An empty command (no arguments yet).
    pub fn new() -> Cmd {
        Cmd::default()
    }

    /// Adds arguments (one for a string or number, several for a slice).
    pub fn arg(mut self, arg: impl ToArgs) -> Cmd {
        arg.write_args(&mut self);
        self
    }

    /// Adds arguments in place.
    pub fn push_arg(&mut self, arg: impl ToArgs) -> &mut Cmd {
        arg.write_args(self);
        self
    }

    /// Appends one argument, byte for byte.
    pub fn push_bytes(&mut self, arg: &[u8]) {
        self.body.push(b'$');
        self.body
            .extend_from_slice(itoa::Buffer::new().format(arg.len()).as_bytes());
        self.body.extend_from_slice(b"\r\n");
        self.body.extend_from_slice(arg);
        self.body.extend_from_slice(b"\r\n");
        self.args += 1;
    }

    /// Appends every argument of `other`.
    pub fn extend(&mut self, other: &Cmd) -> &mut Cmd {
        self.body.extend_from_slice(&other.body);
        self.args += other.args;
        self
    }

    /// How many arguments, the command name included.
    pub fn arg_count(&self) -> usize {
        self.args
    }

    /// The encoded size in bytes.
    pub fn encoded_len(&self) -> usize {
        1 + itoa::Buffer::new().format(self.args).len() + 2 + self.body.len()
    }

    /// Appends the RESP encoding to `out`.
    pub fn write_to(&self, out: &mut Vec<u8>) {
        out.push(b'*');
        out.extend_from_slice(itoa::Buffer::new().format(self.args).as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&self.body);
    }

    /// The RESP encoding as a new vector.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.encoded_len());
        self.write_to(&mut out);
        out
    }

    /// The arguments, decoded back from the encoding (for logs and tests).
    pub fn args(&self) -> Vec<&[u8]> {
        let mut out = Vec::with_capacity(self.args);
        let mut rest = &self.body[..];
        while let Some((arg, after)) = split_first_arg(rest) {
            out.push(arg);
            rest = after;
        }
        out
    }

    /// The `i`-th argument (0 is the command name), without allocating.
    pub fn arg_at(&self, i: usize) -> Option<&[u8]> {
        let mut rest = &self.body[..];
        for _ in 0..i {
            let (_, after) = split_first_arg(rest)?;
            rest = after;
        }
        split_first_arg(rest).map(|(arg, _)| arg)
    }

    /// The command name, upper-cased, for error messages and routing.
    pub fn name(&self) -> String {
        self.args()
            .first()
            .map(|n| String::from_utf8_lossy(n).to_ascii_uppercase())
            .unwrap_or_default()
    }
}

/// Splits `$len\r\narg\r\n...` into the first argument and the rest.
fn split_first_arg(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let cr = body.iter().position(|&b| b == b'\r')?;
    let len: usize = std::str::from_utf8(body.get(1..cr)?).ok()?.parse().ok()?;
    let start = cr + 2;
    let arg = body.get(start..start + len)?;
    Some((arg, body.get(start + len + 2..)?))
}

/// Encodes several commands into one buffer, for a single write.
pub fn encode_pipeline<'a>(cmds: impl IntoIterator<Item = &'a Cmd>) -> Vec<u8> {
    let cmds: Vec<&Cmd> = cmds.into_iter().collect();
    let mut out = Vec::with_capacity(cmds.iter().map(|c| c.encoded_len()).sum());
    for c in cmds {
        c.write_to(&mut out);
    }
    out
}

impl ToArgs for [u8] {
    fn write_args(&self, out: &mut Cmd) {
        out.push_bytes(self);
    }
}

impl<const N: usize> ToArgs for [u8; N] {
    fn write_args(&self, out: &mut Cmd) {
        out.push_bytes(self);
    }
}

impl ToArgs for str {
    fn write_args(&self, out: &mut Cmd) {
        out.push_bytes(self.as_bytes());
    }
}

impl ToArgs for String {
    fn write_args(&self, out: &mut Cmd) {
        out.push_bytes(self.as_bytes());
    }
}

impl ToArgs for Vec<u8> {
    fn write_args(&self, out: &mut Cmd) {
        out.push_bytes(self);
    }
}

impl ToArgs for Bytes {
    fn write_args(&self, out: &mut Cmd) {
        out.push_bytes(self);
    }
}

impl ToArgs for crate::resp::Blob {
    fn write_args(&self, out: &mut Cmd) {
        out.push_bytes(self);
    }
}

impl ToArgs for std::ffi::OsStr {
    fn write_args(&self, out: &mut Cmd) {
        use std::os::unix::ffi::OsStrExt;
        out.push_bytes(self.as_bytes());
    }
}

impl ToArgs for std::ffi::OsString {
    fn write_args(&self, out: &mut Cmd) {
        self.as_os_str().write_args(out);
    }
}

macro_rules! integer_args {
    ($($t:ty),*) => {$(
        impl ToArgs for $t {
            fn write_args(&self, out: &mut Cmd) {
                out.push_bytes(itoa::Buffer::new().format(*self).as_bytes());
            }
        }
    )*};
}

// `u8` is left out on purpose: `[u8]` and `Vec<u8>` are one binary argument, not a list of numbers.
integer_args!(i8, i16, i32, i64, i128, isize, u16, u32, u64, u128, usize);

impl ToArgs for f64 {
    fn write_args(&self, out: &mut Cmd) {
        out.push_bytes(crate::resp::format_double(*self).as_bytes());
    }
}

impl ToArgs for f32 {
    fn write_args(&self, out: &mut Cmd) {
        f64::from(*self).write_args(out);
    }
}

impl<T: ToArgs + ?Sized> ToArgs for &T {
    fn write_args(&self, out: &mut Cmd) {
        (**self).write_args(out);
    }
}

impl<T: ToArgs> ToArgs for [T] {
    fn write_args(&self, out: &mut Cmd) {
        for item in self {
            item.write_args(out);
        }
    }
}

impl<T: ToArgs, const N: usize> ToArgs for [T; N] {
    fn write_args(&self, out: &mut Cmd) {
        self.as_slice().write_args(out);
    }
}

impl<T: ToArgs> ToArgs for Vec<T> {
    fn write_args(&self, out: &mut Cmd) {
        self.as_slice().write_args(out);
    }
}

impl<T: ToArgs> ToArgs for Option<T> {
    fn write_args(&self, out: &mut Cmd) {
        if let Some(v) = self {
            v.write_args(out);
        }
    }
}

impl<A: ToArgs, B: ToArgs> ToArgs for (A, B) {
    fn write_args(&self, out: &mut Cmd) {
        self.0.write_args(out);
        self.1.write_args(out);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_binary_safe_and_counted() {
        let c = cmd("SET").arg(&b"k\r\n"[..]).arg(vec![0u8, 255]).arg("");
        assert_eq!(c.arg_count(), 4);
        assert_eq!(
            c.args(),
            vec![&b"SET"[..], &b"k\r\n"[..], &[0u8, 255][..], &b""[..]]
        );
        assert_eq!(c.to_bytes().len(), c.encoded_len());
        assert_eq!(c.name(), "SET");
    }

    #[test]
    fn numbers_and_collections_expand_to_arguments() {
        let c = cmd("ZADD")
            .arg("z")
            .arg(-1.5f64)
            .arg("a")
            .arg(vec![(2i64, "b"), (3, "c")])
            .arg(None::<&str>)
            .arg(Some(u64::MAX));
        assert_eq!(
            c.args(),
            vec![
                &b"ZADD"[..],
                b"z",
                b"-1.5",
                b"a",
                b"2",
                b"b",
                b"3",
                b"c",
                b"18446744073709551615"
            ]
        );
    }

    #[test]
    fn a_pipeline_is_one_contiguous_buffer() {
        let a = cmd("PING");
        let b = cmd("ECHO").arg("x");
        let out = encode_pipeline([&a, &b]);
        assert_eq!(out, b"*1\r\n$4\r\nPING\r\n*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n");
        assert_eq!(out.capacity(), out.len());
    }

    #[test]
    fn the_encoding_decodes_back_to_the_arguments() {
        use crate::resp::{Decoder, Value, ValueSink};
        let c = cmd("HSET").arg("h").arg(&b"\xff\xfe"[..]).arg(12);
        let mut buf = bytes::BytesMut::from(&c.to_bytes()[..]);
        let v = Decoder::new()
            .decode(&mut buf, &mut ValueSink::new())
            .unwrap()
            .unwrap();
        assert_eq!(
            v,
            Value::Array(vec![
                Value::bulk("HSET"),
                Value::bulk("h"),
                Value::bulk(&b"\xff\xfe"[..]),
                Value::bulk("12")
            ])
        );
    }
}

//! The replies captured from FalkorDB 4.22.1 in `tests/fixtures/falkordb`, read and decoded;
//! shared by the fixture tests and the live replay (each includes this file with `#[path]`).

use std::io::Read;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use bytes::BytesMut;
use pyrsedis_core::Value;
use pyrsedis_core::resp::{Decoder, ValueSink};

/// The fixture directory.
pub(crate) fn dir() -> PathBuf {
    PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/falkordb"
    ))
}

/// The bytes of one fixture (`.gz` ones through `gzip -dc`).
pub(crate) fn bytes_of(file: &str) -> Vec<u8> {
    let path = dir().join(file);
    if file.ends_with(".gz") {
        let mut child = Command::new("gzip")
            .arg("-dc")
            .arg(&path)
            .stdout(Stdio::piped())
            .spawn()
            .expect("gzip is needed to read the .gz fixtures");
        let mut out = Vec::new();
        child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
        assert!(child.wait().unwrap().success());
        out
    } else {
        std::fs::read(path).unwrap()
    }
}

/// Decodes one whole fixture as a RESP reply; it must be exactly one frame.
pub(crate) fn reply(file: &str) -> Value {
    let bytes = bytes_of(file);
    let mut buf = BytesMut::from(&bytes[..]);
    let value = Decoder::new()
        .decode(&mut buf, &mut ValueSink::new())
        .unwrap()
        .unwrap();
    assert!(buf.is_empty(), "{file}: trailing bytes");
    value
}

//! HTTP/1.1 on the wire: request heads, body framing, response encoding and the connection
//! state machine.
//!
//! Parsing, framing and dispatch never mix: [`parse_head`] turns bytes into a [`Head`], the
//! body decoders ([`ChunkedDecoder`], [`LengthDecoder`]) turn the following bytes into a
//! body, `encode` writes responses, and `conn` drives a socket through them.

mod body;
pub(crate) mod conn;
pub(crate) mod date;
pub(crate) mod encode;
mod parse;

pub use body::{ChunkedDecoder, Decoded, LengthDecoder};
pub(crate) use parse::Span;
pub use parse::{Fields, Framing, Head, parse_head};

//! `redis_cli`: run one command and print the reply exactly as `redis-cli` (7.0) prints it when
//! its output is not a terminal (a pipe or a file).
//!
//! ```text
//! cargo run -p examples --example redis_cli -- [-u URL] [-h HOST] [-p PORT] [-n DB] [-a PASSWORD] [-3] CMD [ARG...]
//! ```
//!
//! Options come only before the command name; every later argument is sent unchanged, non-UTF-8
//! bytes included. RESP2 is spoken by default, RESP3 with `-3`. The reply is rendered in one
//! pass by a `pyrsedis_core::resp::Sink` (no intermediate tree): strings raw, integers in
//! decimal, doubles as the server wrote them, booleans as `(true)`/`(false)`, nil as nothing,
//! aggregates one element per line and map entries as `key value`, errors followed by a blank
//! line, all ending in a newline. An error reply exits 0, as `redis-cli` does. A connection or
//! protocol failure, or a reply that breaks a limit, prints one line `error: ...` to stderr,
//! nothing to stdout, and exits 1; so do the two reply types `redis-cli` 7.0 cannot print (RESP3
//! big numbers and attributes), where it too prints nothing to stdout and exits 1.

use std::ffi::OsString;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::process::ExitCode;

use pyrsedis_core::config::{Addr, Protocol};
use pyrsedis_core::resp::{Aggregate, Chunk, Header, Sink};
use pyrsedis_core::{BlockingClient, Cmd, Config};

fn main() -> ExitCode {
    match run(std::env::args_os().skip(1).collect()) {
        Ok(out) => {
            let mut stdout = std::io::stdout().lock();
            if stdout
                .write_all(&out)
                .and_then(|()| stdout.flush())
                .is_err()
            {
                return ExitCode::FAILURE;
            }
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

/// Parses the options, sends the command, and renders the reply.
fn run(args: Vec<OsString>) -> Result<Vec<u8>, String> {
    let mut url = None;
    let (mut host, mut port, mut db, mut password) = (None, None, None, None);
    let mut resp3 = false;
    let mut rest = args.into_iter().peekable();
    while let Some(arg) = rest.peek() {
        let flag = match arg.to_str() {
            Some(f @ ("-u" | "-h" | "-p" | "-n" | "-a")) => f.to_owned(),
            Some("-3") => {
                resp3 = true;
                rest.next();
                continue;
            }
            Some("-2") => {
                resp3 = false;
                rest.next();
                continue;
            }
            _ => break,
        };
        rest.next();
        let value = rest
            .next()
            .and_then(|v| v.into_string().ok())
            .ok_or_else(|| format!("option {flag} needs a UTF-8 value"))?;
        match flag.as_str() {
            "-u" => url = Some(value),
            "-h" => host = Some(value),
            "-p" => {
                port = Some(
                    value
                        .parse::<u16>()
                        .map_err(|_| format!("bad port {value:?}"))?,
                )
            }
            "-n" => {
                db = Some(
                    value
                        .parse::<i64>()
                        .map_err(|_| format!("bad db {value:?}"))?,
                )
            }
            _ => password = Some(value),
        }
    }
    let words: Vec<OsString> = rest.collect();
    if words.is_empty() {
        return Err("no command given (usage: redis_cli [-u URL] [-3] CMD [ARG...])".into());
    }
    let mut config = match url {
        Some(url) => Config::from_url(&url).map_err(|e| e.to_string())?,
        None => Config::new(Addr::Tcp {
            host: "127.0.0.1".into(),
            port: 6379,
        }),
    };
    if host.is_some() || port.is_some() {
        let (old_host, old_port) = match config.addr() {
            Addr::Tcp { host, port } => (host.clone(), *port),
            _ => ("127.0.0.1".to_owned(), 6379),
        };
        config = Config::new(Addr::Tcp {
            host: host.unwrap_or(old_host),
            port: port.unwrap_or(old_port),
        })
        .db(config.get_db());
    }
    if let Some(db) = db {
        config = config.db(db);
    }
    if let Some(password) = password {
        config = config.password(password);
    }
    if resp3 {
        config = config.protocol(Protocol::Resp3);
    }
    // One command, one connection: no pool beyond it, and no response deadline (like redis-cli).
    let client = BlockingClient::new(config.pool_size(1).response_timeout(None))
        .map_err(|e| e.to_string())?;
    let mut command = Cmd::new();
    for word in &words {
        command.push_bytes(word.as_bytes());
    }
    let mut sink = RawFormat::default();
    client
        .send_into(&command, &mut sink)
        .map_err(|e| e.to_string())?
}

/// Renders a reply as `redis-cli`'s raw output mode, in one pass over the decoder's events.
#[derive(Debug, Default)]
struct RawFormat {
    out: Vec<u8>,
    /// Open aggregates: whether each is a map, and how many children it has had.
    open: Vec<(bool, usize)>,
    /// Set when the reply holds something redis-cli 7.0 refuses to print.
    refused: Option<&'static str>,
}

impl RawFormat {
    /// Writes the separator `redis-cli` puts before a child: a newline between elements, a
    /// space between a map key and its value.
    fn before_value(&mut self) {
        if let Some((is_map, seen)) = self.open.last_mut() {
            if *seen > 0 {
                let between_key_and_value = *is_map && *seen % 2 == 1;
                self.out
                    .push(if between_key_and_value { b' ' } else { b'\n' });
            }
            *seen += 1;
        }
    }

    fn text(&mut self, bytes: &[u8]) {
        self.before_value();
        self.out.extend_from_slice(bytes);
    }
}

impl Sink for RawFormat {
    type Output = Result<Vec<u8>, String>;

    fn simple(&mut self, text: Chunk<'_>) {
        self.text(text.as_bytes());
    }
    fn error(&mut self, text: Chunk<'_>, _blob: bool) {
        self.text(text.as_bytes());
        self.out.push(b'\n');
    }
    fn bulk(&mut self, data: Chunk<'_>) {
        self.text(data.as_bytes());
    }
    fn verbatim(&mut self, _format: [u8; 3], text: Chunk<'_>) {
        self.text(text.as_bytes());
    }
    fn integer(&mut self, value: i64) {
        self.text(value.to_string().as_bytes());
    }
    fn double(&mut self, _value: f64, text: &[u8]) {
        self.text(text);
    }
    fn boolean(&mut self, value: bool) {
        self.text(if value { b"(true)" } else { b"(false)" });
    }
    fn big_number(&mut self, _digits: Chunk<'_>) {
        self.refused
            .get_or_insert("redis-cli 7.0 cannot print a RESP3 big number reply");
    }
    fn null(&mut self) {
        self.before_value();
    }
    fn begin(&mut self, header: Header) {
        if header.kind() == Aggregate::Attribute {
            self.refused
                .get_or_insert("redis-cli 7.0 cannot print a RESP3 attribute reply");
        }
        self.before_value();
        self.open.push((header.kind() == Aggregate::Map, 0));
    }
    fn end(&mut self) {
        self.open.pop();
    }
    fn finish(&mut self) -> Self::Output {
        self.open.clear();
        let mut out = std::mem::take(&mut self.out);
        if let Some(why) = self.refused.take() {
            return Err(why.to_owned());
        }
        out.push(b'\n');
        Ok(out)
    }
}

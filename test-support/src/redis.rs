use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use crate::{Error, Ready, ServerBuilder, ServerProcess};

/// A real `redis-server` on a free loopback port, with persistence off; killed on drop.
#[derive(Debug)]
pub struct RedisServer {
    process: ServerProcess,
}

impl RedisServer {
    /// Starts a plain standalone server, panicking with the reason (and the fix) if it cannot.
    pub fn start() -> RedisServer {
        match RedisServer::start_with(&[]) {
            Ok(server) => server,
            Err(err) => panic!("{err}"),
        }
    }

    /// Starts a server with extra configuration arguments (`["--requirepass", "secret"]`).
    pub fn start_with(extra: &[&str]) -> Result<RedisServer, Error> {
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        let process = RedisServer::builder(move |_, _| extra.clone()).start()?;
        Ok(RedisServer { process })
    }

    /// A [`ServerBuilder`] for `redis-server` on loopback with persistence off, plus the arguments
    /// `extra` computes from the port and directory (cluster or replica settings, say).
    ///
    /// The readiness probe sends a raw `PING`; a server that answers `-NOAUTH` counts as ready.
    pub fn builder<F>(extra: F) -> ServerBuilder
    where
        F: Fn(u16, &Path) -> Vec<String> + Send + Sync + 'static,
    {
        ServerBuilder::new("redis-server")
            .args(move |port, dir| {
                let mut args: Vec<String> = [
                    "--port",
                    &port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--dir",
                    &dir.to_string_lossy(),
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                ]
                .iter()
                .map(|s| (*s).to_owned())
                .collect();
                args.extend(extra(port, dir));
                args
            })
            .ready(Ready::Probe(Arc::new(|addr| {
                resp_roundtrip(addr, b"PING\r\n")
                    .is_ok_and(|reply| reply.starts_with(b"+PONG") || reply.starts_with(b"-NOAUTH"))
            })))
    }

    /// The server's loopback address.
    pub fn addr(&self) -> SocketAddr {
        self.process.addr()
    }

    /// A `redis://127.0.0.1:PORT` URL for the server.
    pub fn url(&self) -> String {
        format!("redis://{}", self.addr())
    }

    /// The underlying process, for tests that kill or inspect it.
    pub fn process(&mut self) -> &mut ServerProcess {
        &mut self.process
    }
}

/// Sends raw bytes to a server and returns whatever arrives in the first read (up to 64 KiB),
/// with one-second timeouts. Meant for probes and quick checks, not as a client.
pub fn resp_roundtrip(addr: SocketAddr, request: &[u8]) -> std::io::Result<Vec<u8>> {
    let timeout = Duration::from_secs(1);
    let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
    stream.set_read_timeout(Some(timeout))?;
    stream.set_write_timeout(Some(timeout))?;
    stream.write_all(request)?;
    let mut buf = vec![0u8; 64 * 1024];
    let n = stream.read(&mut buf)?;
    buf.truncate(n);
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redis_server_answers_and_dies_with_its_handle() {
        let server = RedisServer::start();
        let addr = server.addr();
        assert_eq!(resp_roundtrip(addr, b"PING\r\n").unwrap(), b"+PONG\r\n");
        assert_eq!(
            resp_roundtrip(addr, b"*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n").unwrap(),
            b"+OK\r\n"
        );
        let dir = server.process.dir().to_owned();
        assert!(dir.is_dir());
        drop(server);
        assert!(resp_roundtrip(addr, b"PING\r\n").is_err());
        assert!(!dir.exists());
    }

    #[test]
    fn two_servers_get_distinct_ports_and_separate_data() {
        let a = RedisServer::start();
        let b = RedisServer::start();
        assert_ne!(a.addr(), b.addr());
        resp_roundtrip(a.addr(), b"SET only-a 1\r\n").unwrap();
        assert_eq!(
            resp_roundtrip(b.addr(), b"EXISTS only-a\r\n").unwrap(),
            b":0\r\n"
        );
    }

    #[test]
    fn extra_arguments_reach_the_server() {
        let server = RedisServer::start_with(&["--requirepass", "sesame"]).unwrap();
        let reply = resp_roundtrip(server.addr(), b"GET x\r\n").unwrap();
        assert!(reply.starts_with(b"-NOAUTH"), "{reply:?}");
        assert_eq!(
            resp_roundtrip(server.addr(), b"AUTH sesame\r\n").unwrap(),
            b"+OK\r\n"
        );
    }
}

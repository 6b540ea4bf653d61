//! Connection settings: where the server is, how to greet it, and the limits and timeouts.

use std::path::PathBuf;
use std::time::Duration;

use crate::resp::Limits;

/// Where a server listens.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Addr {
    /// A TCP host (name, IPv4 or IPv6 without brackets) and port.
    Tcp {
        /// Host name or address.
        host: String,
        /// Port.
        port: u16,
    },
    /// A unix domain socket.
    Unix(PathBuf),
}

impl std::fmt::Display for Addr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Addr::Tcp { host, port } if host.contains(':') => write!(f, "[{host}]:{port}"),
            Addr::Tcp { host, port } => write!(f, "{host}:{port}"),
            Addr::Unix(path) => write!(f, "unix:{}", path.display()),
        }
    }
}

/// How the servers are deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Topology {
    /// One server (possibly behind a proxy).
    Standalone,
    /// Servers found through sentinels: the master's name and the sentinels' addresses.
    Sentinel {
        /// The monitored master's name.
        master: String,
        /// The sentinels.
        sentinels: Vec<Addr>,
    },
    /// A Redis Cluster, found through these seed nodes.
    Cluster {
        /// Seed nodes.
        seeds: Vec<Addr>,
    },
}

/// Where the certificate authorities that TLS connections trust come from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsRoots {
    /// Mozilla's root store (the `webpki-roots` crate).
    WebPki,
    /// PEM certificates in memory.
    Pem(Vec<u8>),
    /// A PEM file, read when a connection is opened (`?tls_ca_file=` in a URL).
    File(PathBuf),
}

/// A client certificate chain and its private key, presented to servers that ask for one
/// (mutual TLS, `tls-auth-clients yes`).
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TlsIdentity {
    /// PEM in memory: the certificate chain (leaf first) and the private key (PKCS#8, PKCS#1 or
    /// SEC1).
    Pem {
        /// The certificate chain, leaf first.
        cert: Vec<u8>,
        /// The private key.
        key: Vec<u8>,
    },
    /// PEM files, read when a connection is opened (`?tls_cert_file=&tls_key_file=` in a URL).
    File {
        /// The certificate chain file, leaf first.
        cert: PathBuf,
        /// The private key file.
        key: PathBuf,
    },
}

impl std::fmt::Debug for TlsIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The private key is never shown.
        match self {
            TlsIdentity::Pem { cert, .. } => f
                .debug_struct("Pem")
                .field("cert", &format_args!("{} bytes", cert.len()))
                .field("key", &format_args!("***"))
                .finish(),
            TlsIdentity::File { cert, key } => f
                .debug_struct("File")
                .field("cert", cert)
                .field("key", key)
                .finish(),
        }
    }
}

/// The RESP version to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Protocol {
    /// RESP2 (every Redis version).
    Resp2,
    /// RESP3 via `HELLO 3`, falling back to RESP2 on servers without `HELLO`.
    Resp3,
}

/// Everything a client needs to connect; build it with [`Config::from_url`] or
/// [`Config::new`] and the setters.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub(crate) addr: Addr,
    pub(crate) tls: bool,
    pub(crate) tls_roots: TlsRoots,
    pub(crate) tls_identity: Option<TlsIdentity>,
    pub(crate) topology: Topology,
    pub(crate) db: i64,
    pub(crate) username: Option<String>,
    pub(crate) password: Option<String>,
    pub(crate) sentinel_username: Option<String>,
    pub(crate) sentinel_password: Option<String>,
    pub(crate) protocol: Protocol,
    pub(crate) client_name: Option<String>,
    pub(crate) connect_timeout: Duration,
    pub(crate) response_timeout: Option<Duration>,
    pub(crate) pool_size: usize,
    pub(crate) idle_timeout: Duration,
    pub(crate) connect_retries: u32,
    pub(crate) limits: Limits,
    /// Send `READONLY` in the handshake (a cluster client's connections to replicas).
    pub(crate) readonly: bool,
    pub(crate) read_from_replicas: bool,
}

impl Config {
    /// A configuration for a standalone server at `addr`, with every default.
    pub fn new(addr: Addr) -> Config {
        Config {
            addr,
            tls: false,
            tls_roots: TlsRoots::WebPki,
            tls_identity: None,
            topology: Topology::Standalone,
            db: 0,
            username: None,
            password: None,
            sentinel_username: None,
            sentinel_password: None,
            protocol: Protocol::Resp2,
            client_name: None,
            connect_timeout: Duration::from_secs(5),
            response_timeout: Some(Duration::from_secs(30)),
            pool_size: 8,
            idle_timeout: Duration::from_secs(300),
            connect_retries: 3,
            limits: Limits::default(),
            readonly: false,
            read_from_replicas: false,
        }
    }

    /// Cluster only: send read-only commands to replicas (see
    /// [`crate::ClusterClient::read_from_replicas`]; `?read_from_replicas=true` in a URL).
    pub fn read_from_replicas(mut self, on: bool) -> Self {
        self.read_from_replicas = on;
        self
    }

    /// Whether a cluster client built from this configuration reads from replicas.
    pub fn get_read_from_replicas(&self) -> bool {
        self.read_from_replicas
    }

    /// Parses a URL; see [`crate::url`] for the accepted forms.
    pub fn from_url(url: &str) -> crate::Result<Config> {
        crate::url::parse(url)
    }

    /// Turns TLS on or off (`rediss://` turns it on). Default is off.
    pub fn tls(mut self, on: bool) -> Self {
        self.tls = on;
        self
    }
    /// Sets the certificate authorities TLS connections trust. Default is
    /// [`TlsRoots::WebPki`].
    pub fn tls_roots(mut self, roots: TlsRoots) -> Self {
        self.tls_roots = roots;
        self
    }
    /// Sets the client certificate and key TLS connections present when the server asks for
    /// one (mutual TLS). Default is none.
    pub fn tls_identity(mut self, identity: TlsIdentity) -> Self {
        self.tls_identity = Some(identity);
        self
    }
    /// Sets the database selected on every connection. Default is 0.
    pub fn db(mut self, db: i64) -> Self {
        self.db = db;
        self
    }
    /// Sets the ACL user name sent with the password. Default is none (the `default` user).
    pub fn username(mut self, user: impl Into<String>) -> Self {
        self.username = Some(user.into());
        self
    }
    /// Sets the password. Default is none.
    pub fn password(mut self, password: impl Into<String>) -> Self {
        self.password = Some(password.into());
        self
    }
    /// Sentinel only: sets the ACL user name sent to the sentinels (not to the master; that is
    /// [`Config::username`]). Default is none (the `default` user).
    pub fn sentinel_username(mut self, user: impl Into<String>) -> Self {
        self.sentinel_username = Some(user.into());
        self
    }
    /// Sentinel only: sets the password sent to the sentinels (their `requirepass`; the
    /// master's is [`Config::password`]). Default is none: sentinels are not authenticated.
    pub fn sentinel_password(mut self, password: impl Into<String>) -> Self {
        self.sentinel_password = Some(password.into());
        self
    }
    /// Sets the protocol. Default is [`Protocol::Resp2`].
    pub fn protocol(mut self, protocol: Protocol) -> Self {
        self.protocol = protocol;
        self
    }
    /// Sets the name every connection gives itself with `CLIENT SETNAME`. Default is none.
    pub fn client_name(mut self, name: impl Into<String>) -> Self {
        self.client_name = Some(name.into());
        self
    }
    /// Sets how long connecting and the handshake may take. Default is 5 seconds.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }
    /// Sets how long a whole reply (or a whole pipeline of replies) may take, counted from the
    /// write; `None` waits forever. Default is 30 seconds.
    pub fn response_timeout(mut self, timeout: Option<Duration>) -> Self {
        self.response_timeout = timeout;
        self
    }
    /// Sets the most connections the pool opens at once (at least 1). Default is 8.
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size.max(1);
        self
    }
    /// Sets how long an unused pooled connection is kept. Default is 300 seconds.
    pub fn idle_timeout(mut self, timeout: Duration) -> Self {
        self.idle_timeout = timeout;
        self
    }
    /// Sets how many times a refused connect is retried, with doubling delays from 50 ms.
    /// Only connecting is retried, never a command. Default is 3.
    pub fn connect_retries(mut self, retries: u32) -> Self {
        self.connect_retries = retries;
        self
    }
    /// Sets the decoder's limits. Default is [`Limits::default`].
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// The server address (the first seed or sentinel for those topologies).
    pub fn addr(&self) -> &Addr {
        &self.addr
    }
    /// Whether connections use TLS (`rediss://`).
    pub fn is_tls(&self) -> bool {
        self.tls
    }
    /// The trusted certificate authorities for TLS.
    pub fn get_tls_roots(&self) -> &TlsRoots {
        &self.tls_roots
    }
    /// The client certificate and key for mutual TLS.
    pub fn get_tls_identity(&self) -> Option<&TlsIdentity> {
        self.tls_identity.as_ref()
    }
    /// The topology.
    pub fn topology(&self) -> &Topology {
        &self.topology
    }
    /// The database.
    pub fn get_db(&self) -> i64 {
        self.db
    }
    /// The ACL user name.
    pub fn get_username(&self) -> Option<&str> {
        self.username.as_deref()
    }
    /// The password.
    pub fn get_password(&self) -> Option<&str> {
        self.password.as_deref()
    }
    /// The ACL user name sent to sentinels.
    pub fn get_sentinel_username(&self) -> Option<&str> {
        self.sentinel_username.as_deref()
    }
    /// The password sent to sentinels.
    pub fn get_sentinel_password(&self) -> Option<&str> {
        self.sentinel_password.as_deref()
    }
    /// The protocol.
    pub fn get_protocol(&self) -> Protocol {
        self.protocol
    }
    /// The client name.
    pub fn get_client_name(&self) -> Option<&str> {
        self.client_name.as_deref()
    }
    /// The connect timeout.
    pub fn get_connect_timeout(&self) -> Duration {
        self.connect_timeout
    }
    /// The response timeout.
    pub fn get_response_timeout(&self) -> Option<Duration> {
        self.response_timeout
    }
    /// The pool size.
    pub fn get_pool_size(&self) -> usize {
        self.pool_size
    }
    /// The decoder limits.
    pub fn get_limits(&self) -> &Limits {
        &self.limits
    }
}

//! Connection URLs.
//!
//! | form | meaning |
//! |---|---|
//! | `redis://[[user]:password@]host[:port][/db][?params]` | TCP, port 6379 by default |
//! | `rediss://...` | the same over TLS (rustls) |
//! | `unix://[[user]:password@]/path/to.sock[?db=N&...]` (also `redis+unix://`) | unix socket |
//! | `redis+sentinel://[[user]:password@]host[:port][,host[:port]...]/master[/db]` | sentinels, port 26379 by default (parsed only) |
//! | `redis+cluster://[[user]:password@]host[:port][,host[:port]...][/db]` | cluster seeds (parsed only) |
//!
//! Hosts may be IPv6 in brackets (`[::1]:6380`). User, password, path and parameter values are
//! percent-decoded. Parameters: `db`, `protocol` (`2`, `3`, `resp2`, `resp3`), `client_name`
//! (or `name`), `connect_timeout` and `response_timeout` (or `timeout`; seconds, or with an
//! `ms`/`s` suffix), `user`/`username`, `password`, `pool_size`, `idle_timeout`, `tls_ca_file`
//! (a PEM file of the CAs `rediss://` trusts; Mozilla's roots otherwise), `tls_cert_file` and
//! `tls_key_file` (together: the PEM client certificate chain and key for mutual TLS), for
//! clusters `read_from_replicas` (`true`/`false`, `yes`/`no`, `1`/`0`), and for sentinels
//! `sentinel_username` and `sentinel_password` (the sentinels' own credentials, sent only to
//! them; the user and password before the `@` are the master's). An unknown
//! parameter is an error, so a typo does not silently change nothing.
//!
//! ```
//! use pyrsedis_core::{Config, config::{Addr, Protocol}};
//!
//! let config = Config::from_url("redis://app:p%40ss@[::1]:6380/2?protocol=3&client_name=web")?;
//! assert_eq!(config.addr(), &Addr::Tcp { host: "::1".into(), port: 6380 });
//! assert_eq!(config.get_password(), Some("p@ss"));
//! assert_eq!(config.get_db(), 2);
//! assert_eq!(config.get_protocol(), Protocol::Resp3);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::path::PathBuf;
use std::time::Duration;

use crate::config::{Addr, Config, Protocol, Topology};
use crate::{Error, Result};

/// Parses a connection URL into a [`Config`].
pub fn parse(url: &str) -> Result<Config> {
    let (scheme, rest) = url
        .split_once("://")
        .ok_or_else(|| bad(url, "it has no scheme (expected redis://, rediss://, unix://, redis+sentinel:// or redis+cluster://)"))?;
    let scheme = scheme.to_ascii_lowercase();
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    // A unix socket path may itself contain '@': credentials come only before a leading '/'.
    let at = if rest.starts_with('/') {
        None
    } else {
        rest.rfind('@')
    };
    let (userinfo, rest) = match at {
        Some(at) => (Some(&rest[..at]), &rest[at + 1..]),
        None => (None, rest),
    };
    let (username, password) = match userinfo {
        None => (None, None),
        Some(info) => match info.split_once(':') {
            Some((u, p)) => (non_empty(decode(u, url)?), Some(decode(p, url)?)),
            // `redis://secret@host` is a password (redis-py and redis-rs agree).
            None => (None, Some(decode(info, url)?)),
        },
    };
    let mut config = match scheme.as_str() {
        "redis" | "rediss" => {
            let (hostport, path) = split_path(rest);
            let addr = parse_host(hostport, 6379, url)?;
            let mut config = Config::new(addr);
            config.tls = scheme == "rediss";
            if let Some(db) = path.filter(|p| !p.is_empty()) {
                config.db = parse_db(db, url)?;
            }
            config
        }
        "unix" | "redis+unix" => {
            let path = decode(rest, url)?;
            if path.is_empty() {
                return Err(bad(url, "the unix socket path is empty"));
            }
            Config::new(Addr::Unix(PathBuf::from(path)))
        }
        "redis+sentinel" | "rediss+sentinel" | "redis+sentinels" => {
            let (hosts, path) = split_path(rest);
            let sentinels = parse_hosts(hosts, 26379, url)?;
            let mut parts = path
                .unwrap_or_default()
                .split('/')
                .filter(|p| !p.is_empty());
            let master = parts.next().ok_or_else(|| {
                bad(
                    url,
                    "the master name is missing (redis+sentinel://host:26379/mymaster/0)",
                )
            })?;
            let master = decode(master, url)?;
            let mut config = Config::new(sentinels[0].clone());
            if let Some(db) = parts.next() {
                config.db = parse_db(db, url)?;
            }
            config.tls = scheme != "redis+sentinel";
            config.topology = Topology::Sentinel { master, sentinels };
            config
        }
        "redis+cluster" | "rediss+cluster" => {
            let (hosts, path) = split_path(rest);
            let seeds = parse_hosts(hosts, 6379, url)?;
            let mut config = Config::new(seeds[0].clone());
            if let Some(db) = path.filter(|p| !p.is_empty()) {
                config.db = parse_db(db, url)?;
            }
            config.tls = scheme == "rediss+cluster";
            config.topology = Topology::Cluster { seeds };
            config
        }
        other => {
            return Err(bad(
                url,
                &format!(
                    "the scheme {other:?} is unknown (expected redis, rediss, unix, redis+sentinel or redis+cluster)"
                ),
            ));
        }
    };
    config.username = username;
    config.password = password;
    if let Some(query) = query {
        apply_query(&mut config, query, url)?;
    }
    Ok(config)
}

fn bad(url: &str, why: &str) -> Error {
    Error::config(format!("invalid URL {:?}: {why}", redact(url)))
}

/// The URL with any password (before the `@` or in a `password`, `pass` or
/// `sentinel_password` parameter) replaced by `***`, for messages.
fn redact(url: &str) -> String {
    let (url, query) = match url.split_once('?') {
        Some((u, q)) => (u, Some(q)),
        None => (url, None),
    };
    let mut out = match url.split_once("://") {
        Some((scheme, rest)) => match rest.rfind('@') {
            Some(at) => {
                let info = &rest[..at];
                let user = info.split_once(':').map_or("", |(u, _)| u);
                format!("{scheme}://{user}:***@{}", &rest[at + 1..])
            }
            None => url.to_owned(),
        },
        None => url.to_owned(),
    };
    if let Some(query) = query {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((key, _)) if matches!(key, "password" | "pass" | "sentinel_password") => {
                    format!("{key}=***")
                }
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    out
}

fn non_empty(s: String) -> Option<String> {
    (!s.is_empty()).then_some(s)
}

fn split_path(rest: &str) -> (&str, Option<&str>) {
    match rest.split_once('/') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    }
}

fn parse_hosts(list: &str, default_port: u16, url: &str) -> Result<Vec<Addr>> {
    let hosts = list
        .split(',')
        .map(|h| parse_host(h, default_port, url))
        .collect::<Result<Vec<_>>>()?;
    if hosts.is_empty() {
        return Err(bad(url, "no host is given"));
    }
    Ok(hosts)
}

fn parse_host(hostport: &str, default_port: u16, url: &str) -> Result<Addr> {
    let (host, port) = if let Some(inner) = hostport.strip_prefix('[') {
        let (host, after) = inner
            .split_once(']')
            .ok_or_else(|| bad(url, "an IPv6 address lacks its closing bracket"))?;
        let port = match after {
            "" => None,
            p => Some(
                p.strip_prefix(':')
                    .ok_or_else(|| bad(url, "expected ':port' after the IPv6 address"))?,
            ),
        };
        (host.to_owned(), port)
    } else {
        match hostport.rsplit_once(':') {
            Some((h, p)) => (decode(h, url)?, Some(p)),
            None => (decode(hostport, url)?, None),
        }
    };
    if host.is_empty() {
        return Err(bad(url, "the host is empty"));
    }
    let port = match port {
        None | Some("") => default_port,
        Some(p) => p.parse::<u16>().ok().filter(|&p| p != 0).ok_or_else(|| {
            bad(
                url,
                &format!("the port {p:?} is not a number from 1 to 65535"),
            )
        })?,
    };
    Ok(Addr::Tcp { host, port })
}

fn parse_db(db: &str, url: &str) -> Result<i64> {
    db.parse::<i64>().ok().filter(|&d| d >= 0).ok_or_else(|| {
        bad(
            url,
            &format!("the database {db:?} is not a non-negative number"),
        )
    })
}

fn apply_query(config: &mut Config, query: &str, url: &str) -> Result<()> {
    let mut cert_file = None;
    let mut key_file = None;
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode(key, url)?;
        let value = decode(value, url)?;
        match key.as_str() {
            "db" => config.db = parse_db(&value, url)?,
            "protocol" => {
                config.protocol = match value.to_ascii_lowercase().as_str() {
                    "2" | "resp2" => Protocol::Resp2,
                    "3" | "resp3" => Protocol::Resp3,
                    _ => return Err(bad(url, &format!("protocol={value:?} is not 2 or 3"))),
                }
            }
            "client_name" | "name" => config.client_name = Some(value),
            "user" | "username" => config.username = non_empty(value),
            "password" | "pass" => config.password = Some(value),
            "connect_timeout" => config.connect_timeout = parse_duration(&value, &key, url)?,
            "response_timeout" | "timeout" | "socket_timeout" => {
                let d = parse_duration(&value, &key, url)?;
                config.response_timeout = (!d.is_zero()).then_some(d);
            }
            "idle_timeout" => config.idle_timeout = parse_duration(&value, &key, url)?,
            "tls_ca_file" => {
                config.tls_roots = crate::config::TlsRoots::File(PathBuf::from(value));
            }
            "tls_cert_file" => cert_file = Some(PathBuf::from(value)),
            "tls_key_file" => key_file = Some(PathBuf::from(value)),
            "sentinel_username" => config.sentinel_username = non_empty(value),
            "sentinel_password" => config.sentinel_password = Some(value),
            "read_from_replicas" => {
                config.read_from_replicas = match value.to_ascii_lowercase().as_str() {
                    "true" | "yes" | "1" | "on" => true,
                    "false" | "no" | "0" | "off" => false,
                    _ => {
                        return Err(bad(
                            url,
                            &format!("read_from_replicas={value:?} is not true or false"),
                        ));
                    }
                }
            }
            "pool_size" => {
                config.pool_size =
                    value
                        .parse::<usize>()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| {
                            bad(
                                url,
                                &format!("pool_size={value:?} is not a positive number"),
                            )
                        })?
            }
            other => {
                return Err(bad(
                    url,
                    &format!(
                        "the parameter {other:?} is unknown (known: db, protocol, client_name, user, password, connect_timeout, response_timeout, idle_timeout, pool_size, tls_ca_file, tls_cert_file, tls_key_file, read_from_replicas, sentinel_username, sentinel_password)"
                    ),
                ));
            }
        }
    }
    match (cert_file, key_file) {
        (Some(cert), Some(key)) => {
            config.tls_identity = Some(crate::config::TlsIdentity::File { cert, key });
        }
        (None, None) => {}
        _ => {
            return Err(bad(
                url,
                "tls_cert_file and tls_key_file must be given together (the client certificate and its key)",
            ));
        }
    }
    Ok(())
}

/// `1.5` (seconds), `1500ms`, `2s`.
fn parse_duration(value: &str, key: &str, url: &str) -> Result<Duration> {
    let (number, scale) = if let Some(n) = value.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = value.strip_suffix('s') {
        (n, 1.0)
    } else {
        (value, 1.0)
    };
    number
        .trim()
        .parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0 && *s * scale < 1e9)
        .map(|s| Duration::from_secs_f64(s * scale))
        .ok_or_else(|| {
            bad(
                url,
                &format!("{key}={value:?} is not a duration (seconds, or with ms/s)"),
            )
        })
}

/// Percent-decodes `s`; the result must be UTF-8.
fn decode(s: &str, url: &str) -> Result<String> {
    if !s.contains('%') {
        return Ok(s.to_owned());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| bad(url, "a '%' is not followed by two hex digits"))?;
            out.push(hex);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| bad(url, "a percent-encoded part is not UTF-8"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn tcp(host: &str, port: u16) -> Addr {
        Addr::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn plain_redis_urls_take_defaults() {
        let c = parse("redis://localhost").unwrap();
        assert_eq!(c.addr(), &tcp("localhost", 6379));
        assert_eq!(
            (c.get_db(), c.is_tls(), c.get_protocol()),
            (0, false, Protocol::Resp2)
        );
        assert_eq!(c.topology(), &Topology::Standalone);
        assert_eq!(c.get_password(), None);
        let c = parse("redis://h:7000/").unwrap();
        assert_eq!((c.addr(), c.get_db()), (&tcp("h", 7000), 0));
    }

    /// D11: the original did not percent-decode credentials.
    #[test]
    fn d11_credentials_are_percent_decoded_and_a_lone_secret_is_a_password() {
        let c = parse("redis://us%3Aer:p%2Fa%40ss%3A@127.0.0.1:6380/3").unwrap();
        assert_eq!(c.get_username(), Some("us:er"));
        assert_eq!(c.get_password(), Some("p/a@ss:"));
        assert_eq!(c.get_db(), 3);
        let c = parse("redis://secret@host").unwrap();
        assert_eq!((c.get_username(), c.get_password()), (None, Some("secret")));
        let c = parse("redis://:secret@host").unwrap();
        assert_eq!((c.get_username(), c.get_password()), (None, Some("secret")));
    }

    /// D11: in the original a `/` in the password broke the split between host and path.
    #[test]
    fn d11_a_password_may_contain_at_signs_and_slashes_when_encoded_or_not() {
        let c = parse("redis://u:a@b@host:1/2").unwrap();
        assert_eq!(c.get_password(), Some("a@b"));
        assert_eq!(c.addr(), &tcp("host", 1));
        for url in [
            "redis://u:a/b@c/d@host:1/2",
            "redis://u:a%2Fb%40c%2Fd@host:1/2",
        ] {
            let c = parse(url).unwrap();
            assert_eq!(c.get_password(), Some("a/b@c/d"), "{url}");
            assert_eq!((c.addr(), c.get_db()), (&tcp("host", 1), 2), "{url}");
        }
        let c = parse("redis://:p/w@[::1]:7/3").unwrap();
        assert_eq!(c.get_password(), Some("p/w"));
        assert_eq!((c.addr(), c.get_db()), (&tcp("::1", 7), 3));
    }

    /// D11: the original re-joined an IPv6 host without brackets (`::1:6379`, which fails to
    /// connect).
    #[test]
    fn d11_ipv6_hosts_in_brackets() {
        assert_eq!(parse("redis://[::1]").unwrap().addr(), &tcp("::1", 6379));
        assert_eq!(
            parse("redis://[fe80::1]:7/1").unwrap().addr(),
            &tcp("fe80::1", 7)
        );
        assert_eq!(tcp("::1", 7).to_string(), "[::1]:7");
        assert!(parse("redis://[::1").is_err());
        assert!(parse("redis://[::1]x").is_err());
    }

    /// D11: the original ignored query parameters.
    #[test]
    fn d11_query_parameters_set_protocol_timeouts_and_name() {
        let c = parse("redis://h/1?protocol=resp3&client_name=my%20app&connect_timeout=250ms&response_timeout=1.5&db=4&pool_size=2").unwrap();
        assert_eq!(c.get_protocol(), Protocol::Resp3);
        assert_eq!(c.get_client_name(), Some("my app"));
        assert_eq!(c.get_connect_timeout(), Duration::from_millis(250));
        assert_eq!(c.get_response_timeout(), Some(Duration::from_millis(1500)));
        assert_eq!(c.get_db(), 4);
        assert_eq!(c.get_pool_size(), 2);
        let c = parse("redis://h?timeout=0").unwrap();
        assert_eq!(c.get_response_timeout(), None);
    }

    #[test]
    fn unknown_or_malformed_parameters_are_errors_naming_the_problem() {
        let err = parse("redis://h?protcol=3").unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidConfig);
        assert!(err.to_string().contains("\"protcol\" is unknown"), "{err}");
        assert!(parse("redis://h?protocol=4").is_err());
        assert!(parse("redis://h?connect_timeout=soon").is_err());
        assert!(parse("redis://h:0").is_err());
        assert!(parse("redis://h:99999").is_err());
        assert!(parse("redis://h/x").is_err());
        assert!(parse("redis://h/%zz").is_err());
        assert!(parse("redis://").is_err());
        assert!(parse("localhost:6379").is_err());
        assert!(parse("http://h").is_err());
    }

    #[test]
    fn errors_never_show_the_password() {
        let err = parse("redis://u:hunter2@h:bad").unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        assert!(err.to_string().contains("u:***@h:bad"), "{err}");
        let err =
            parse("redis+sentinel://s:x/m?password=hunter2&sentinel_password=hunter3&pass=hunter4")
                .unwrap_err();
        let shown = err.to_string();
        assert!(!shown.contains("hunter"), "{err}");
        assert!(
            shown.contains("?password=***&sentinel_password=***&pass=***"),
            "{err}"
        );
    }

    #[test]
    fn rediss_is_parsed_as_tls() {
        let c = parse("rediss://h:6390").unwrap();
        assert!(c.is_tls());
        assert_eq!(c.addr(), &tcp("h", 6390));
    }

    #[test]
    fn unix_sockets_with_parameters() {
        let c = parse("unix:///tmp/redis%20x.sock?db=2&password=pw").unwrap();
        assert_eq!(c.addr(), &Addr::Unix(PathBuf::from("/tmp/redis x.sock")));
        assert_eq!((c.get_db(), c.get_password()), (2, Some("pw")));
        let c = parse("redis+unix://u:pw@/run/r.sock").unwrap();
        assert_eq!(c.addr(), &Addr::Unix(PathBuf::from("/run/r.sock")));
        assert_eq!(c.get_username(), Some("u"));
        assert!(parse("unix://").is_err());
        let c = parse("unix:///tmp/a@b.sock").unwrap();
        assert_eq!(c.addr(), &Addr::Unix(PathBuf::from("/tmp/a@b.sock")));
    }

    #[test]
    fn sentinel_urls_list_sentinels_master_and_db() {
        let c = parse("redis+sentinel://:pw@s1,s2:26380,[::1]:5/mymaster/3").unwrap();
        assert_eq!(
            c.topology(),
            &Topology::Sentinel {
                master: "mymaster".into(),
                sentinels: vec![tcp("s1", 26379), tcp("s2", 26380), tcp("::1", 5)],
            }
        );
        assert_eq!((c.get_db(), c.get_password()), (3, Some("pw")));
        assert!(parse("redis+sentinel://s1").is_err());
    }

    #[test]
    fn sentinel_credentials_are_separate_from_the_masters_and_percent_decoded() {
        let c = parse(
            "redis+sentinel://app:mpw@s1/mymaster?sentinel_username=sent%20u&sentinel_password=s%40pw%26x",
        )
        .unwrap();
        assert_eq!(
            (c.get_username(), c.get_password()),
            (Some("app"), Some("mpw"))
        );
        assert_eq!(c.get_sentinel_username(), Some("sent u"));
        assert_eq!(c.get_sentinel_password(), Some("s@pw&x"));
        let c = parse("redis+sentinel://:mpw@s1/mymaster").unwrap();
        assert_eq!(
            (c.get_sentinel_username(), c.get_sentinel_password()),
            (None, None)
        );
        let c = parse("redis+sentinel://s1/m?sentinel_username=&sentinel_password=").unwrap();
        assert_eq!(
            (c.get_sentinel_username(), c.get_sentinel_password()),
            (None, Some(""))
        );
    }

    #[test]
    fn tls_client_certificate_files_come_as_a_pair() {
        use crate::config::TlsIdentity;
        let c = parse("rediss://h?tls_cert_file=%2Fc%20x.pem&tls_key_file=/k.pem").unwrap();
        assert_eq!(
            c.get_tls_identity(),
            Some(&TlsIdentity::File {
                cert: PathBuf::from("/c x.pem"),
                key: PathBuf::from("/k.pem")
            })
        );
        assert_eq!(parse("rediss://h").unwrap().get_tls_identity(), None);
        for url in [
            "rediss://h?tls_cert_file=/c.pem",
            "rediss://h?tls_key_file=/k.pem",
        ] {
            let err = parse(url).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig);
            assert!(err.to_string().contains("together"), "{err}");
        }
    }

    #[test]
    fn cluster_urls_list_seeds() {
        let c = parse("redis+cluster://a:7001,b:7002").unwrap();
        assert_eq!(
            c.topology(),
            &Topology::Cluster {
                seeds: vec![tcp("a", 7001), tcp("b", 7002)]
            }
        );
        assert!(parse("rediss+cluster://a").unwrap().is_tls());
        assert!(parse("redis+cluster://a,,b").is_err());
        assert!(!c.get_read_from_replicas());
        let r = parse("redis+cluster://a:7001?read_from_replicas=yes").unwrap();
        assert!(r.get_read_from_replicas());
        let err = parse("redis+cluster://a?read_from_replicas=maybe").unwrap_err();
        assert!(err.to_string().contains("maybe"), "{err}");
    }
}

//! The sentinel client against a real master, replica and three sentinels, through real
//! failovers: the master is found, writes go to it, and after a failover the client finds the
//! promoted replica (on a failed call, on a `READONLY` reply from the demoted master, or at
//! once on `+switch-master`) without re-sending any command.
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use pyrsedis_core::config::Addr;
use pyrsedis_core::resp::ServerErrorKind;
use pyrsedis_core::{Client, ErrorKind, SentinelClient, cmd};
use test_support::{Ready, RedisServer, ServerBuilder, ServerProcess, resp_roundtrip};

fn sentinel(master_port: u16) -> ServerProcess {
    sentinel_with(master_port, "")
}

/// A sentinel monitoring `mymaster`, with more lines for its sentinel.conf.
fn sentinel_with(master_port: u16, extra_conf: &str) -> ServerProcess {
    let extra_conf = extra_conf.to_owned();
    ServerBuilder::new("redis-server")
        .args(move |port, dir| {
            let conf = dir.join("sentinel.conf");
            let text = format!(
                "port {port}\nbind 127.0.0.1\ndir {}\n\
                 sentinel monitor mymaster 127.0.0.1 {master_port} 2\n\
                 sentinel down-after-milliseconds mymaster 1000\n\
                 sentinel failover-timeout mymaster 5000\n{extra_conf}",
                dir.display()
            );
            std::fs::write(&conf, text).unwrap();
            vec![conf.to_string_lossy().into_owned(), "--sentinel".to_owned()]
        })
        .ready(Ready::Probe(Arc::new(|addr| {
            // A sentinel with `requirepass` answers NOAUTH: it is up all the same.
            resp_roundtrip(addr, b"PING\r\n")
                .is_ok_and(|r| r.starts_with(b"+PONG") || r.starts_with(b"-NOAUTH"))
        })))
        .start()
        .unwrap()
}

#[tokio::test]
async fn the_client_follows_the_master_through_a_failover() {
    let (mut master, replica, _sentinels, url) = deployment().await;
    let master_port = master.addr().port();
    // Without the +switch-master watcher: the failed calls are what re-resolves.
    let client = SentinelClient::open(&url).unwrap().watch_failovers(false);
    let first = client.incr("counter", 1).await.unwrap();
    assert_eq!(first, 1);
    assert_eq!(
        client.master_addr(),
        Some(Addr::Tcp {
            host: "127.0.0.1".into(),
            port: master_port
        })
    );
    // Let the replica catch up, so the counter survives the failover.
    let synced: i64 = client.query(&cmd("WAIT").arg(1).arg(5000)).await.unwrap();
    assert_eq!(synced, 1);

    master.process().kill();
    let mut ok = 1;
    let mut failed = 0;
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match client.incr("counter", 1).await {
            Ok(n) => {
                ok += 1;
                assert_eq!(n, ok, "no increment was lost or applied twice");
                if client.master_addr()
                    != Some(Addr::Tcp {
                        host: "127.0.0.1".into(),
                        port: master_port,
                    })
                {
                    break;
                }
            }
            Err(_) => failed += 1,
        }
        assert!(
            Instant::now() < deadline,
            "no failover after 30 s ({failed} failed calls)"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(failed > 0, "calls failed while the master was down");
    assert_eq!(
        client.master_addr(),
        Some(Addr::Tcp {
            host: "127.0.0.1".into(),
            port: replica.addr().port()
        })
    );
    let direct = Client::open(&replica.url()).unwrap();
    assert_eq!(
        direct.get("counter").await.unwrap().as_deref(),
        Some(ok.to_string().as_bytes())
    );
}

#[tokio::test]
async fn an_unknown_master_name_is_a_clear_error() {
    let master = RedisServer::start();
    let s = sentinel(master.addr().port());
    let client =
        SentinelClient::open(&format!("redis+sentinel://{}/othermaster", s.addr())).unwrap();
    let err = client.ping().await.unwrap_err();
    assert!(err.to_string().contains("othermaster"), "{err}");
}

/// A master, its replica (synced) and three sentinels that know both.
async fn deployment() -> (RedisServer, RedisServer, Vec<ServerProcess>, String) {
    deployment_with(None).await
}

/// The passwords of a deployment whose master and sentinels require authentication.
struct Passwords {
    master: &'static str,
    sentinel: &'static str,
}

/// [`deployment`], with a master (and replica) password and a different password on every
/// sentinel when `auth` is given; the URL then carries only the master's password.
async fn deployment_with(
    auth: Option<&Passwords>,
) -> (RedisServer, RedisServer, Vec<ServerProcess>, String) {
    let mut master_args: Vec<String> = Vec::new();
    let mut sentinel_conf = String::new();
    let mut master_userinfo = String::new();
    let mut sentinel_query = String::new();
    if let Some(auth) = auth {
        // The replica authenticates to the master, and is promoted with the same password.
        master_args = ["--requirepass", auth.master, "--masterauth", auth.master]
            .map(str::to_owned)
            .to_vec();
        // `requirepass` guards the sentinel from clients and from the other sentinels alike.
        sentinel_conf = format!(
            "sentinel auth-pass mymaster {}\nrequirepass {}\n",
            auth.master, auth.sentinel
        );
        master_userinfo = format!(":{}@", auth.master);
        sentinel_query = format!("?sentinel_password={}", auth.sentinel);
    }
    let args: Vec<&str> = master_args.iter().map(String::as_str).collect();
    let master = RedisServer::start_with(&args).unwrap();
    let master_port = master.addr().port();
    let port = master_port.to_string();
    let mut replica_args = args.clone();
    replica_args.extend(["--replicaof", "127.0.0.1", &port]);
    let replica = RedisServer::start_with(&replica_args).unwrap();
    let direct = Client::open(&with_userinfo(&replica.url(), &master_userinfo)).unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let info: String = direct.info_section("replication").await.unwrap();
        if info.contains("master_link_status:up") {
            break;
        }
        assert!(Instant::now() < deadline, "the replica did not sync");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let sentinels: Vec<ServerProcess> = (0..3)
        .map(|_| sentinel_with(master_port, &sentinel_conf))
        .collect();
    // Every sentinel must know the replica before it can promote it.
    for s in &sentinels {
        let c = Client::open(&format!(
            "redis://{}{}",
            s.addr(),
            sentinel_query.replace("sentinel_", "")
        ))
        .unwrap();
        loop {
            let replicas = c
                .send(&cmd("SENTINEL").arg("REPLICAS").arg("mymaster"))
                .await
                .unwrap();
            if matches!(&replicas, pyrsedis_core::Value::Array(r) if !r.is_empty()) {
                break;
            }
            assert!(Instant::now() < deadline, "sentinel never saw the replica");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let url = format!(
        "redis+sentinel://{master_userinfo}{},{},{}/mymaster{sentinel_query}",
        sentinels[0].addr(),
        sentinels[1].addr(),
        sentinels[2].addr()
    );
    (master, replica, sentinels, url)
}

/// `redis://host:port` with `userinfo` (`:password@`, or empty) put before the host.
fn with_userinfo(url: &str, userinfo: &str) -> String {
    url.replacen("://", &format!("://{userinfo}"), 1)
}

fn tcp(port: u16) -> Option<Addr> {
    Some(Addr::Tcp {
        host: "127.0.0.1".into(),
        port,
    })
}

#[tokio::test]
async fn a_switch_master_announcement_moves_the_client_before_any_call_fails() {
    let (mut master, replica, _sentinels, url) = deployment().await;
    let client = SentinelClient::open(&url).unwrap();
    assert_eq!(client.incr("counter", 1).await.unwrap(), 1);
    assert_eq!(client.master_addr(), tcp(master.addr().port()));
    follows_a_failover_with_no_call(&client, &mut master, &replica).await;
}

/// Waits for the replica to sync, kills the master, and checks that the client's watcher
/// moves it to the replica with no call made, and that the next call (the second `INCR` of
/// `counter`) goes there.
async fn follows_a_failover_with_no_call(
    client: &SentinelClient,
    master: &mut RedisServer,
    replica: &RedisServer,
) {
    let synced: i64 = client.query(&cmd("WAIT").arg(1).arg(5000)).await.unwrap();
    assert_eq!(synced, 1);
    // Give the watcher a moment to subscribe, then kill the master and make no call at all.
    tokio::time::sleep(Duration::from_millis(300)).await;
    master.process().kill();
    let deadline = Instant::now() + Duration::from_secs(30);
    while client.master_addr() != tcp(replica.addr().port()) {
        assert!(
            Instant::now() < deadline,
            "no +switch-master acted on after 30 s (master: {:?})",
            client.master_addr()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(client.switch_events(), 1);
    // The first call after the failover already goes to the new master.
    assert_eq!(client.incr("counter", 1).await.unwrap(), 2);
}

#[tokio::test]
async fn a_readonly_reply_from_a_demoted_master_triggers_re_resolution() {
    let (master, replica, sentinels, url) = deployment().await;
    // No watcher: only the READONLY reply can tell the client.
    let client = SentinelClient::open(&url).unwrap().watch_failovers(false);
    assert_eq!(client.incr("counter", 1).await.unwrap(), 1);
    let synced: i64 = client.query(&cmd("WAIT").arg(1).arg(5000)).await.unwrap();
    assert_eq!(synced, 1);
    // A manual failover: the old master stays up and becomes a replica of the new one.
    let s0 = Client::open(&format!("redis://{}", sentinels[0].addr())).unwrap();
    let old = Client::open(&master.url()).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let failover = s0
            .send(&cmd("SENTINEL").arg("FAILOVER").arg("mymaster"))
            .await;
        if failover.is_ok() {
            break;
        }
        assert!(Instant::now() < deadline, "no failover: {failover:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    loop {
        let role = old.send(&cmd("ROLE")).await.unwrap();
        let demoted = matches!(&role, pyrsedis_core::Value::Array(items)
            if items.first().and_then(pyrsedis_core::Value::as_bytes) == Some(&b"slave"[..]));
        if demoted {
            break;
        }
        assert!(Instant::now() < deadline, "the old master was not demoted");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(client.master_addr(), tcp(master.addr().port()));
    // The write reaches the demoted master, which refuses it; the client gives the error back
    // (the command is not re-sent) and forgets that master.
    let err = client.incr("counter", 1).await.unwrap_err();
    assert_eq!(err.server_error().unwrap().code(), "READONLY", "{err}");
    assert_eq!(client.master_addr(), None);
    // The next call resolves the promoted replica; the refused increment never ran.
    assert_eq!(client.incr("counter", 1).await.unwrap(), 2);
    assert_eq!(client.master_addr(), tcp(replica.addr().port()));
    assert_eq!(client.switch_events(), 0);
}

/// Sentinels with `requirepass` need their own password, different from the master's: with it
/// the master is found (and checked with `ROLE` using the master's password) and a failover is
/// followed through the authenticated `+switch-master` watcher; without it, or with a wrong
/// one, the error is an authentication error that names the sentinel credentials.
#[tokio::test]
async fn password_protected_sentinels_are_reached_with_their_own_password() {
    let auth = Passwords {
        master: "master-pw",
        sentinel: "sentinel-pw",
    };
    let (mut master, replica, sentinels, url) = deployment_with(Some(&auth)).await;
    let hosts = format!(
        "{},{},{}",
        sentinels[0].addr(),
        sentinels[1].addr(),
        sentinels[2].addr()
    );

    // No sentinel password: every sentinel answers NOAUTH.
    let missing = SentinelClient::open(&format!("redis+sentinel://:master-pw@{hosts}/mymaster"))
        .unwrap()
        .watch_failovers(false);
    let err = missing.ping().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err}");
    assert_eq!(
        err.server_error().unwrap().kind(),
        ServerErrorKind::NoAuth,
        "{err}"
    );
    assert!(err.to_string().contains("sentinel_password"), "{err}");
    assert!(err.to_string().contains("no sentinel password"), "{err}");
    assert_eq!(missing.master_addr(), None);

    // The master's password is not the sentinels' (nor is any other wrong one).
    for wrong in ["master-pw", "nope"] {
        let client = SentinelClient::open(&format!(
            "redis+sentinel://:master-pw@{hosts}/mymaster?sentinel_password={wrong}"
        ))
        .unwrap()
        .watch_failovers(false);
        let err = client.ping().await.unwrap_err();
        assert_eq!(
            err.server_error().map(|e| e.kind()),
            Some(ServerErrorKind::WrongPass),
            "{err}"
        );
        assert!(
            !err.to_string().contains(wrong),
            "the password is not shown: {err}"
        );
    }

    // The right sentinel password but no master password: the sentinels answer, the master's
    // ROLE check does not, and that is not reported as a sentinel authentication failure.
    let no_master_pw = SentinelClient::open(&format!(
        "redis+sentinel://{hosts}/mymaster?sentinel_password=sentinel-pw"
    ))
    .unwrap()
    .watch_failovers(false);
    let err = no_master_pw.ping().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Io, "{err}");
    assert!(err.to_string().contains("NOAUTH"), "{err}");
    assert!(!err.to_string().contains("sentinel_password"), "{err}");

    // The right credentials for both.
    let client = SentinelClient::open(&url).unwrap();
    assert_eq!(client.incr("counter", 1).await.unwrap(), 1);
    assert_eq!(client.master_addr(), tcp(master.addr().port()));
    // The watcher subscribes with the sentinel password too: it sees the failover with no call.
    follows_a_failover_with_no_call(&client, &mut master, &replica).await;
}

/// A sentinel ACL user: `sentinel_username` and `sentinel_password` log in as that user, the
/// default user's password does not belong to it.
#[tokio::test]
async fn a_sentinel_acl_user_logs_in_with_sentinel_username() {
    let master = RedisServer::start();
    let s = sentinel_with(
        master.addr().port(),
        "requirepass default-pw\nuser watcher on >watcher-pw allcommands allchannels\n",
    );
    let base = format!("redis+sentinel://{}/mymaster", s.addr());
    let client = SentinelClient::open(&format!(
        "{base}?sentinel_username=watcher&sentinel_password=watcher-pw"
    ))
    .unwrap()
    .watch_failovers(false);
    assert_eq!(client.ping().await.unwrap(), "PONG");
    assert_eq!(client.master_addr(), tcp(master.addr().port()));

    let wrong = SentinelClient::open(&format!(
        "{base}?sentinel_username=watcher&sentinel_password=default-pw"
    ))
    .unwrap()
    .watch_failovers(false);
    let err = wrong.ping().await.unwrap_err();
    assert_eq!(
        err.server_error().map(|e| e.kind()),
        Some(ServerErrorKind::WrongPass),
        "{err}"
    );
    assert!(err.to_string().contains("user name and password"), "{err}");

    // The same credentials set through Config rather than the URL.
    let config = pyrsedis_core::Config::from_url(&base)
        .unwrap()
        .sentinel_username("watcher")
        .sentinel_password("watcher-pw");
    let client = SentinelClient::new(config).unwrap().watch_failovers(false);
    assert_eq!(client.ping().await.unwrap(), "PONG");
}

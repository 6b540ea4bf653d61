//! The `redis_cli` example against the real `redis-cli` (Debian's 7.0, from redis-tools): same
//! command, same server, same stdout bytes and exit status, in RESP2 and RESP3.
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;
use std::process::Command;

use pyrsedis_core::{BlockingClient, cmd};
use test_support::RedisServer;

/// The example binary: `cargo test` and nextest build a package's examples before running its
/// integration tests, next to the test executable's directory.
fn example_binary() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let profile_dir = exe.parent().unwrap().parent().unwrap();
    let binary = profile_dir.join("examples").join("redis_cli");
    assert!(
        binary.exists(),
        "{} is missing: run `cargo build -p examples --example redis_cli`",
        binary.display()
    );
    binary
}

fn redis_cli() -> PathBuf {
    test_support::find_program("redis-cli").unwrap_or_else(|err| {
        panic!("{err} (redis-cli comes with Debian's redis-tools; scripts/test.sh installs it)")
    })
}

struct Run {
    stdout: Vec<u8>,
    status: Option<i32>,
}

fn run(program: &PathBuf, url: &str, resp3: bool, words: &[OsString]) -> Run {
    let mut command = Command::new(program);
    command.arg("-u").arg(url);
    if resp3 {
        command.arg("-3");
    }
    let out = command.args(words).output().unwrap();
    Run {
        stdout: out.stdout,
        status: out.status.code(),
    }
}

fn os(words: &[&[u8]]) -> Vec<OsString> {
    words
        .iter()
        .map(|w| OsString::from_vec(w.to_vec()))
        .collect()
}

/// Puts the server in a known state before each run, so state-changing commands give the same
/// reply to both programs.
fn reset(client: &BlockingClient) {
    client.flushall().unwrap();
    client.set("s", "hello").unwrap();
    client.set("bin", &b"\xff\xfe\r\n\x01"[..]).unwrap();
    client.set("n", 41).unwrap();
    client.rpush("list", ["a", "b", "c"]).unwrap();
    client.hset("h", "field", "value").unwrap();
    client.sadd("set1", "only").unwrap();
    client
        .zadd_multiple("z", &[(1.5, "a"), (2e300, "b"), (-0.25, "c")])
        .unwrap();
}

const CORPUS: &[&[&[u8]]] = &[
    &[b"PING"],
    &[b"ECHO", b"caf\xc3\xa9 \xff\xfe raw"],
    &[b"SET", b"new", b"value"],
    &[b"GET", b"s"],
    &[b"GET", b"bin"],
    &[b"GET", b"missing"],
    &[b"MGET", b"s", b"missing", b"n"],
    &[b"INCR", b"n"],
    &[b"INCRBYFLOAT", b"n", b"0.5"],
    &[b"LRANGE", b"list", b"0", b"-1"],
    &[b"LRANGE", b"missing", b"0", b"-1"],
    &[b"HGETALL", b"h"],
    &[b"HGETALL", b"missing"],
    &[b"SMEMBERS", b"set1"],
    &[b"ZSCORE", b"z", b"b"],
    &[b"ZRANGE", b"z", b"0", b"-1", b"WITHSCORES"],
    &[b"ZINCRBY", b"z", b"inf", b"c"],
    &[b"CONFIG", b"GET", b"maxmemory-policy"],
    &[b"NOSUCHCOMMAND", b"x"],
    &[b"LPUSH", b"s", b"x"],
    &[
        b"EVAL",
        b"return {1,{2,{3,'x'}},redis.error_reply('MY err'),false,true,{}}",
        b"0",
    ],
    &[
        b"EVAL",
        b"redis.setresp(3); return {map={a=1,b={1,2}}}",
        b"0",
    ],
    &[b"EVAL", b"redis.setresp(3); return {double=3.5}", b"0"],
    &[b"EVAL", b"redis.setresp(3); return {set={x=true}}", b"0"],
    &[b"EVAL", b"return redis.status_reply('FINE')", b"0"],
    &[b"XADD", b"st", b"1-1", b"f", b"v", b"g", b"w"],
    &[b"DEBUG", b"PROTOCOL", b"string"],
    &[b"DEBUG", b"PROTOCOL", b"integer"],
    &[b"DEBUG", b"PROTOCOL", b"double"],
    &[b"DEBUG", b"PROTOCOL", b"bignum"],
    &[b"DEBUG", b"PROTOCOL", b"null"],
    &[b"DEBUG", b"PROTOCOL", b"array"],
    &[b"DEBUG", b"PROTOCOL", b"set"],
    &[b"DEBUG", b"PROTOCOL", b"map"],
    &[b"DEBUG", b"PROTOCOL", b"attrib"],
    &[b"DEBUG", b"PROTOCOL", b"push"],
    &[b"DEBUG", b"PROTOCOL", b"verbatim"],
    &[b"DEBUG", b"PROTOCOL", b"true"],
    &[b"DEBUG", b"PROTOCOL", b"false"],
];

#[test]
fn the_example_prints_every_reply_byte_for_byte_like_redis_cli() {
    let ours = example_binary();
    let theirs = redis_cli();
    let server = RedisServer::start_with(&["--enable-debug-command", "yes"]).unwrap();
    let url = server.url();
    let client = BlockingClient::open(&url).unwrap();
    let mut mismatches = Vec::new();
    let mut compared = 0;
    for resp3 in [false, true] {
        for words in CORPUS {
            let words = os(words);
            reset(&client);
            let expected = run(&theirs, &url, resp3, &words);
            reset(&client);
            let got = run(&ours, &url, resp3, &words);
            compared += 1;
            if got.stdout != expected.stdout || got.status != expected.status {
                mismatches.push(format!(
                    "resp3={resp3} {words:?}:\n  redis-cli: {:?} exit {:?}\n  ours:      {:?} exit {:?}",
                    String::from_utf8_lossy(&expected.stdout),
                    expected.status,
                    String::from_utf8_lossy(&got.stdout),
                    got.status
                ));
            }
        }
    }
    assert_eq!(compared, 2 * CORPUS.len());
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
    // The corpus reaches the interesting cases: one error reply exits 0 in both.
    reset(&client);
    let err = run(&ours, &url, false, &os(&[b"NOSUCHCOMMAND"]));
    assert!(
        err.stdout.starts_with(b"ERR unknown command"),
        "{:?}",
        err.stdout
    );
    assert_eq!(err.status, Some(0));
    let _ = client.send(&cmd("FLUSHALL"));
}

#[test]
fn connection_failures_print_nothing_on_stdout_and_exit_1_in_both() {
    let ours = example_binary();
    let theirs = redis_cli();
    let port = test_support::free_port().unwrap();
    let url = format!("redis://127.0.0.1:{port}");
    for program in [&theirs, &ours] {
        let out = run(program, &url, false, &os(&[b"PING"]));
        assert_eq!(
            (out.stdout, out.status),
            (Vec::new(), Some(1)),
            "{}",
            program.display()
        );
    }
    let out = Command::new(&ours)
        .args(["-u", &url, "PING"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("error: ") && stderr.lines().count() == 1,
        "{stderr}"
    );
}

/// A one-shot fake server that answers the first request with `reply`.
fn fake_server(reply: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        if let Ok((mut sock, _)) = listener.accept() {
            let mut buf = [0u8; 1024];
            let _ = sock.read(&mut buf);
            let _ = sock.write_all(&reply);
        }
    });
    format!("redis://{addr}")
}

#[test]
fn a_reply_over_a_limit_is_one_error_line_and_exit_1() {
    let ours = example_binary();
    let deep = b"*1\r\n".repeat(1000);
    let out = Command::new(&ours)
        .args(["-u", &fake_server(deep), "PING"])
        .output()
        .unwrap();
    assert_eq!(
        (out.stdout.as_slice(), out.status.code()),
        (&b""[..], Some(1))
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("error: reply refused: nesting depth"),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1);
    let garbage = b"?what\r\n".to_vec();
    let out = Command::new(&ours)
        .args(["-u", &fake_server(garbage), "PING"])
        .output()
        .unwrap();
    assert_eq!(
        (out.stdout.as_slice(), out.status.code()),
        (&b""[..], Some(1))
    );
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: protocol error"));
}

#[test]
fn resp3_replies_redis_cli_cannot_print_exit_1_with_an_error_line() {
    let ours = example_binary();
    let server = RedisServer::start();
    let out = Command::new(&ours)
        .args([
            "-u",
            &server.url(),
            "-3",
            "EVAL",
            "redis.setresp(3); return {big_number='123'}",
            "0",
        ])
        .output()
        .unwrap();
    assert_eq!(
        (out.stdout.as_slice(), out.status.code()),
        (&b""[..], Some(1))
    );
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("error: redis-cli 7.0 cannot print"));
}

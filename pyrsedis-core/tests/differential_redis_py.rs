//! Differential test against redis-py 8.1.0 (the Python oracle, `scripts/requirements-test.txt`):
//! the same commands on the same server, from the same starting state, must give the same
//! replies, in RESP2 and RESP3. redis-py's response callbacks are removed so both sides show the
//! raw reply; `tests/oracle/redis_py.py` prints it as typed JSON.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test helper that fails panics, with its location"
)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use pyrsedis_core::resp::ValueSink;
use pyrsedis_core::{BlockingClient, Value, cmd};
use serde_json::{Value as Json, json};
use test_support::RedisServer;

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("PYTHON_ORACLE") {
        return PathBuf::from(p);
    }
    let venv = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python"));
    assert!(
        venv.exists(),
        "no Python oracle: set PYTHON_ORACLE or run scripts/test.sh, which builds .venv with redis==8.1.0"
    );
    venv
}

const CORPUS: &[&[&str]] = &[
    &["PING"],
    &["ECHO", "hello"],
    &["SET", "s", "hello"],
    &["GET", "s"],
    &["GET", "missing"],
    &["MGET", "s", "missing", "n"],
    &["INCR", "n"],
    &["INCRBYFLOAT", "n", "0.25"],
    &["APPEND", "s", " world"],
    &["GETRANGE", "s", "0", "4"],
    &["SETRANGE", "s", "6", "there"],
    &["STRLEN", "s"],
    &["GETDEL", "s"],
    &["EXISTS", "n", "missing", "list"],
    &["TYPE", "h"],
    &["EXPIRE", "n", "100"],
    &["TTL", "n"],
    &["PERSIST", "n"],
    &["RENAME", "n", "n2"],
    &["HSET", "h", "a", "1", "b", "2"],
    &["HGET", "h", "a"],
    &["HGETALL", "h"],
    &["HMGET", "h", "a", "zz", "b"],
    &["HINCRBYFLOAT", "h", "a", "1.5"],
    &["HKEYS", "h"],
    &["HLEN", "h"],
    &["HEXISTS", "h", "b"],
    &["RPUSH", "list", "a", "b", "c", "a"],
    &["LRANGE", "list", "0", "-1"],
    &["LPOP", "list"],
    &["LINDEX", "list", "-1"],
    &["LPOS", "list", "a"],
    &["LREM", "list", "0", "a"],
    &["LLEN", "list"],
    &["SADD", "set", "x", "y", "z"],
    &["SMEMBERS", "set"],
    &["SISMEMBER", "set", "x"],
    &["SMISMEMBER", "set", "x", "q"],
    &["SCARD", "set"],
    &["ZADD", "z", "1.5", "a", "2e300", "b", "-inf", "c"],
    &["ZSCORE", "z", "b"],
    &["ZRANGE", "z", "0", "-1", "WITHSCORES"],
    &["ZRANK", "z", "a"],
    &["ZINCRBY", "z", "0.25", "a"],
    &["ZMSCORE", "z", "a", "nope"],
    &["ZPOPMIN", "z", "2"],
    &["XADD", "st", "1-1", "f", "v"],
    &["XRANGE", "st", "-", "+"],
    &["SCAN", "0", "MATCH", "*", "COUNT", "1000"],
    &["CONFIG", "GET", "maxmemory-policy"],
    &["OBJECT", "ENCODING", "list"],
    &["NOSUCHCOMMAND", "x"],
    &["LPUSH", "h", "x"],
    &[
        "EVAL",
        "return {1, {2, {3, 'x'}}, redis.error_reply('MY err'), false, true, {}}",
        "0",
    ],
    &["EVAL", "return redis.status_reply('FINE')", "0"],
    &["EVAL", "redis.setresp(3); return {map={a=1}}", "0"],
    &["EVAL", "redis.setresp(3); return {double=3.5}", "0"],
    &[
        "EVAL",
        "redis.setresp(3); return {big_number='123456789012345678901234567890'}",
        "0",
    ],
    &["DEBUG", "PROTOCOL", "string"],
    &["DEBUG", "PROTOCOL", "integer"],
    &["DEBUG", "PROTOCOL", "double"],
    &["DEBUG", "PROTOCOL", "bignum"],
    &["DEBUG", "PROTOCOL", "null"],
    &["DEBUG", "PROTOCOL", "array"],
    &["DEBUG", "PROTOCOL", "set"],
    &["DEBUG", "PROTOCOL", "map"],
    &["DEBUG", "PROTOCOL", "verbatim"],
    &["DEBUG", "PROTOCOL", "true"],
    &["DEBUG", "PROTOCOL", "false"],
];

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn reset(client: &BlockingClient) {
    client.flushall().unwrap();
    client.set("n", 41).unwrap();
}

fn redis_py(url: &str, protocol: u8) -> Vec<Json> {
    let commands: Vec<Vec<String>> = CORPUS
        .iter()
        .map(|c| c.iter().map(|a| hex(a)).collect())
        .collect();
    let request = json!({"url": url, "protocol": protocol, "commands": commands});
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/oracle/redis_py.py");
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the Python oracle could not start");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "redis-py oracle failed (is redis==8.1.0 installed? run scripts/test.sh): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<Json>>(&out.stdout).unwrap()
}

fn same_double(ours: f64, theirs: &str) -> bool {
    let t: f64 = theirs.parse().unwrap();
    (ours.is_nan() && t.is_nan()) || ours == t
}

/// Whether our raw reply is the one redis-py printed.
fn same(ours: &Value, theirs: &Json) -> bool {
    let Some(obj) = theirs.as_object() else {
        return theirs.is_null() && ours.is_nil();
    };
    let (kind, t) = obj.iter().next().unwrap();
    match (kind.as_str(), ours) {
        ("bytes", v) => v.as_bytes() == Some(&unhex(t.as_str().unwrap())[..]),
        ("int", Value::Int(n)) => n.to_string() == t.as_str().unwrap(),
        ("int", Value::BigNumber(d)) => &d[..] == t.as_str().unwrap().as_bytes(),
        ("bool", Value::Boolean(b)) => Some(*b) == t.as_bool(),
        ("double", Value::Double(d)) => same_double(*d, t.as_str().unwrap()),
        ("array", Value::Array(xs) | Value::Set(xs) | Value::Push(xs)) => {
            let ts = t.as_array().unwrap();
            ts.len() == xs.len() && xs.iter().zip(ts).all(|(x, y)| same(x, y))
        }
        ("set", Value::Set(xs) | Value::Array(xs)) => {
            let ts = t.as_array().unwrap();
            ts.len() == xs.len() && xs.iter().all(|x| ts.iter().any(|y| same(x, y)))
        }
        ("map", Value::Map(pairs)) => {
            let ts = t.as_array().unwrap();
            ts.len() == pairs.len()
                && pairs
                    .iter()
                    .zip(ts)
                    .all(|((k, v), kv)| same(k, &kv[0]) && same(v, &kv[1]))
        }
        ("error", Value::Error(e)) => e.to_string().ends_with(t.as_str().unwrap()),
        _ => false,
    }
}

#[test]
fn replies_match_redis_py_in_resp2_and_resp3() {
    let server = RedisServer::start_with(&["--enable-debug-command", "yes"]).unwrap();
    let admin = BlockingClient::open(&server.url()).unwrap();
    let mut mismatches = Vec::new();
    for protocol in [2u8, 3] {
        let url = format!("{}?protocol={protocol}", server.url());
        reset(&admin);
        let theirs = redis_py(&server.url(), protocol);
        assert_eq!(theirs.len(), CORPUS.len());
        reset(&admin);
        let ours = BlockingClient::open(&url).unwrap();
        for (words, t) in CORPUS.iter().zip(&theirs) {
            let mut c = cmd(words[0]);
            for w in &words[1..] {
                c.push_arg(*w);
            }
            let v = ours.send_into(&c, &mut ValueSink::new()).unwrap();
            if !same(&v, t) {
                mismatches.push(format!(
                    "RESP{protocol} {words:?}: ours {v:?}, redis-py {t}"
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[test]
fn the_comparison_tells_replies_apart() {
    assert!(same(&Value::Int(1), &json!({"int": "1"})));
    assert!(!same(&Value::Int(1), &json!({"int": "2"})));
    assert!(!same(&Value::bulk("a"), &json!({"bytes": "62"})));
    assert!(!same(&Value::Nil, &json!({"array": []})));
    assert!(!same(
        &Value::Array(vec![Value::Int(1)]),
        &json!({"array": []})
    ));
    assert!(same(&Value::Double(f64::NAN), &json!({"double": "nan"})));
    assert!(!same(&Value::Double(1.0), &json!({"double": "1.5"})));
}

//! Session state on pooled connections, transactions, blocking commands and scripts, against a
//! real redis-server.
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

use std::time::{Duration, Instant};

use pyrsedis_core::Blob;
use pyrsedis_core::script::Script;
use pyrsedis_core::{Client, Config, ErrorKind, Pipeline, Value, cmd};
use test_support::RedisServer;

fn pool_of_one(url: &str) -> Client {
    Client::new(Config::from_url(url).unwrap().pool_size(1)).unwrap()
}

/// D9: the original returned a connection to the pool after a raw `SELECT`, so the next
/// caller silently ran in another database.
#[tokio::test]
async fn d9_a_raw_select_does_not_leak_into_the_next_call() {
    let server = RedisServer::start();
    let client = pool_of_one(&server.url());
    client.set("where", "db0").await.unwrap();
    client.send(&cmd("SELECT").arg(3)).await.unwrap();
    assert_eq!(
        client.pool().idle_count(),
        0,
        "the SELECTed connection was closed"
    );
    assert_eq!(client.get("where").await.unwrap(), Some(Blob::from(b"db0")));
}

/// D9: a raw `MULTI` left on a pooled connection would queue the next caller's commands.
#[tokio::test]
async fn d9_an_abandoned_multi_does_not_queue_the_next_callers_commands() {
    let server = RedisServer::start();
    let client = pool_of_one(&server.url());
    client.send(&cmd("MULTI")).await.unwrap();
    assert_eq!(client.pool().idle_count(), 0);
    // With the connection reused, this would answer QUEUED.
    assert_eq!(client.ping().await.unwrap(), "PONG");
    // A finished MULTI/EXEC on one borrowed connection keeps it poolable.
    let mut conn = client.connection().await.unwrap();
    conn.send(&cmd("MULTI")).await.unwrap();
    conn.send(&cmd("INCR").arg("n")).await.unwrap();
    assert_eq!(
        conn.send(&cmd("EXEC")).await.unwrap(),
        Value::Array(vec![Value::Int(1)])
    );
    assert!(conn.is_reusable());
}

/// D9: a raw `WATCH` left on a pooled connection would make the next caller's transaction
/// abort because of a key that caller never watched.
#[tokio::test]
async fn d9_a_raw_watch_does_not_leak_into_the_next_callers_transaction() {
    let server = RedisServer::start();
    let client = pool_of_one(&server.url());
    let other = Client::open(&server.url()).unwrap();
    client.set("balance", 10).await.unwrap();
    client.send(&cmd("WATCH").arg("balance")).await.unwrap();
    assert_eq!(
        client.pool().idle_count(),
        0,
        "the watching connection was closed"
    );
    other.set("balance", 11).await.unwrap();
    // On the watching connection this EXEC would abort (a nil reply, `Ok(None)`).
    let mut pipe = Pipeline::new();
    pipe.incr("balance", 1);
    assert_eq!(
        client.transaction(&pipe).await.unwrap(),
        Some(vec![Ok(Value::Int(12))])
    );
    // A WATCH undone on the same borrowed connection keeps it poolable.
    let mut conn = client.connection().await.unwrap();
    conn.send(&cmd("WATCH").arg("balance")).await.unwrap();
    assert!(!conn.is_reusable());
    conn.send(&cmd("UNWATCH")).await.unwrap();
    assert!(conn.is_reusable());
}

#[tokio::test]
async fn transactions_run_atomically_and_report_each_result() {
    let server = RedisServer::start();
    let client = Client::open(&server.url()).unwrap();
    let mut pipe = Pipeline::new();
    pipe.set("k", "v")
        .incr("n", 5)
        .add(cmd("LPUSH").arg("k").arg("x"))
        .get("k");
    let results = client.transaction(&pipe).await.unwrap().unwrap();
    assert_eq!(results.len(), 4);
    assert_eq!(results[1], Ok(Value::Int(5)));
    assert_eq!(results[2].as_ref().unwrap_err().code(), "WRONGTYPE");
    assert_eq!(results[3], Ok(Value::bulk("v")));
    // A command the server refuses to queue fails the whole transaction; nothing ran.
    let mut bad = Pipeline::new();
    bad.incr("n", 1).add(cmd("NOSUCHCOMMAND"));
    let err = client.transaction(&bad).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server);
    assert_eq!(client.get("n").await.unwrap(), Some(Blob::from(b"5")));
    assert_eq!(client.pool().idle_count(), 1, "the connection stayed clean");
}

#[tokio::test]
async fn a_watched_key_changed_by_another_client_aborts_the_transaction() {
    let server = RedisServer::start();
    let client = Client::open(&server.url()).unwrap();
    client.set("balance", 10).await.unwrap();
    let mut conn = client.connection().await.unwrap();
    conn.send(&cmd("WATCH").arg("balance")).await.unwrap();
    client.set("balance", 99).await.unwrap(); // another connection from the pool
    let mut pipe = Pipeline::new();
    pipe.incr("balance", 1);
    assert_eq!(conn.transaction(pipe.commands()).await.unwrap(), None);
    assert!(conn.is_reusable(), "EXEC ends the WATCH");
    drop(conn);
    assert_eq!(
        client.get("balance").await.unwrap(),
        Some(Blob::from(b"99"))
    );
}

#[tokio::test]
async fn blocking_commands_outlive_the_normal_response_timeout() {
    let server = RedisServer::start();
    let config = Config::from_url(&server.url())
        .unwrap()
        .response_timeout(Some(Duration::from_millis(300)));
    let client = Client::new(config).unwrap();
    let start = Instant::now();
    assert_eq!(
        client.blpop("empty", Duration::from_secs(1)).await.unwrap(),
        None
    );
    assert!(
        start.elapsed() >= Duration::from_millis(900),
        "{:?}",
        start.elapsed()
    );
    let pusher = client.clone();
    let push = async {
        tokio::time::sleep(Duration::from_millis(500)).await;
        pusher.rpush("jobs", "job-1").await.unwrap()
    };
    let (popped, _) = tokio::join!(
        client.brpop(["other", "jobs"], Duration::from_secs(5)),
        push
    );
    assert_eq!(
        popped.unwrap(),
        Some((Blob::from(b"jobs"), Blob::from(b"job-1")))
    );
    // The normal timeout still applies to everything else afterwards.
    let err = client
        .send(&cmd("BLPOP").arg("empty").arg(1))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn scripts_run_by_digest_and_survive_a_script_flush() {
    let server = RedisServer::start();
    let client = Client::open(&server.url()).unwrap();
    let script = Script::new("return {KEYS[1], ARGV[1], redis.call('INCRBY', KEYS[1], ARGV[1])}");
    let first = script.invoke(&client, ["counter"], [3]).await.unwrap();
    assert_eq!(
        first,
        Value::Array(vec![
            Value::bulk("counter"),
            Value::bulk("3"),
            Value::Int(3)
        ])
    );
    client.send(&cmd("SCRIPT").arg("FLUSH")).await.unwrap();
    let second = script.invoke(&client, ["counter"], [4]).await.unwrap();
    assert_eq!(
        second,
        Value::Array(vec![
            Value::bulk("counter"),
            Value::bulk("4"),
            Value::Int(7)
        ])
    );
    let failing = Script::new("return redis.error_reply('NOPE bad')");
    let err = failing
        .invoke(&client, Vec::<String>::new(), Vec::<String>::new())
        .await
        .unwrap_err();
    assert_eq!(err.server_error().unwrap().code(), "NOPE");
}

//! Typed commands against a real redis-server, in RESP2 and RESP3.
#![allow(
    clippy::unwrap_used,
    reason = "a test helper that fails panics, with its location"
)]

use std::collections::HashMap;

use pyrsedis_core::Blob;
use pyrsedis_core::{BlockingClient, Client, Config, ErrorKind, Pairs, Pipeline};
use test_support::RedisServer;

fn b(s: &str) -> Blob {
    Blob::from(s)
}

fn clients(server: &RedisServer) -> Vec<Client> {
    ["2", "3"]
        .iter()
        .map(|p| {
            Client::new(Config::from_url(&format!("{}?protocol={p}", server.url())).unwrap())
                .unwrap()
        })
        .collect()
}

#[tokio::test]
async fn strings() {
    let server = RedisServer::start();
    for c in clients(&server) {
        c.flushdb().await.unwrap();
        c.set("s", "hello").await.unwrap();
        assert_eq!(c.append("s", " world").await.unwrap(), 11);
        assert_eq!(c.strlen("s").await.unwrap(), 11);
        assert_eq!(c.getrange("s", 0, 4).await.unwrap(), b("hello"));
        assert_eq!(c.setrange("s", 6, "there").await.unwrap(), 11);
        assert_eq!(c.getset("s", "new").await.unwrap(), Some(b("hello there")));
        assert!(!c.set_nx("s", "x").await.unwrap());
        assert!(c.set_nx("fresh", "x").await.unwrap());
        assert!(c.set_xx("fresh", "y").await.unwrap());
        assert!(!c.set_xx("absent", "y").await.unwrap());
        assert_eq!(c.getdel("fresh").await.unwrap(), Some(b("y")));
        assert_eq!(c.incr("n", 5).await.unwrap(), 5);
        assert_eq!(c.decr("n", 2).await.unwrap(), 3);
        assert_eq!(c.incr_by_float("f", 1.5).await.unwrap(), 1.5);
        c.mset(&[("a", "1"), ("b", "2")]).await.unwrap();
        assert_eq!(
            c.mget(&["a", "nope", "b"]).await.unwrap(),
            vec![Some(b("1")), None, Some(b("2"))]
        );
        assert!(!c.mset_nx(&[("a", "9"), ("c", "3")]).await.unwrap());
        c.set_ex("ex", "v", 100).await.unwrap();
        assert!((1..=100).contains(&c.ttl("ex").await.unwrap()));
        c.set_px("px", "v", 100_000).await.unwrap();
        assert!(c.pttl("px").await.unwrap() > 1000);
        let err = c.incr("s", 1).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Server);
    }
}

#[tokio::test]
async fn keys() {
    let server = RedisServer::start();
    for c in clients(&server) {
        c.flushdb().await.unwrap();
        c.mset(&[("k1", "1"), ("k2", "2"), ("other", "3")])
            .await
            .unwrap();
        assert_eq!(c.exists(["k1", "k2", "zz"]).await.unwrap(), 2);
        let mut keys = c.keys("k*").await.unwrap();
        keys.sort();
        assert_eq!(keys, vec![b("k1"), b("k2")]);
        assert_eq!(c.key_type("k1").await.unwrap(), "string");
        assert_eq!(c.key_type("zz").await.unwrap(), "none");
        assert!(c.expire("k1", 50).await.unwrap());
        assert!(c.persist("k1").await.unwrap());
        assert_eq!(c.ttl("k1").await.unwrap(), -1);
        assert_eq!(c.ttl("zz").await.unwrap(), -2);
        assert!(c.pexpire("k2", 50_000).await.unwrap());
        assert!(c.expire_at("other", 4_000_000_000).await.unwrap());
        c.rename("k1", "k3").await.unwrap();
        assert!(!c.rename_nx("k3", "k2").await.unwrap());
        assert_eq!(c.touch(["k2", "k3"]).await.unwrap(), 2);
        assert!(c.dump("k3").await.unwrap().is_some());
        assert!(c.randomkey().await.unwrap().is_some());
        assert_eq!(c.dbsize().await.unwrap(), 3);
        assert_eq!(c.del(["k2", "k3"]).await.unwrap(), 2);
        assert_eq!(c.unlink("other").await.unwrap(), 1);
        assert_eq!(c.randomkey().await.unwrap(), None);
    }
}

#[tokio::test]
async fn hashes() {
    let server = RedisServer::start();
    for c in clients(&server) {
        c.flushdb().await.unwrap();
        assert_eq!(c.hset("h", "a", "1").await.unwrap(), 1);
        assert_eq!(
            c.hset_multiple("h", &[("b", "2"), ("c", "3")])
                .await
                .unwrap(),
            2
        );
        assert!(!c.hsetnx("h", "a", "9").await.unwrap());
        assert_eq!(c.hget("h", "a").await.unwrap(), Some(b("1")));
        assert_eq!(
            c.hmget("h", &["a", "x"]).await.unwrap(),
            vec![Some(b("1")), None]
        );
        let all = c.hgetall("h").await.unwrap();
        assert_eq!(
            all,
            HashMap::from([(b("a"), b("1")), (b("b"), b("2")), (b("c"), b("3"))])
        );
        assert!(c.hexists("h", "b").await.unwrap());
        assert_eq!(c.hlen("h").await.unwrap(), 3);
        let mut k = c.hkeys("h").await.unwrap();
        k.sort();
        assert_eq!(k, vec![b("a"), b("b"), b("c")]);
        assert_eq!(c.hvals("h").await.unwrap().len(), 3);
        assert_eq!(c.hincr("h", "a", 10).await.unwrap(), 11);
        assert_eq!(c.hincr_by_float("h", "b", 0.5).await.unwrap(), 2.5);
        assert_eq!(c.hstrlen("h", "c").await.unwrap(), 1);
        assert_eq!(c.hdel("h", ["a", "zz"]).await.unwrap(), 1);
    }
}

#[tokio::test]
async fn lists() {
    let server = RedisServer::start();
    for c in clients(&server) {
        c.flushdb().await.unwrap();
        assert_eq!(c.rpush("l", ["a", "b", "c"]).await.unwrap(), 3);
        assert_eq!(c.lpush("l", "z").await.unwrap(), 4);
        assert_eq!(c.lpushx("none", "x").await.unwrap(), 0);
        assert_eq!(c.rpushx("l", "d").await.unwrap(), 5);
        assert_eq!(
            c.lrange("l", 0, -1).await.unwrap(),
            vec![b("z"), b("a"), b("b"), b("c"), b("d")]
        );
        assert_eq!(c.llen("l").await.unwrap(), 5);
        assert_eq!(c.lindex("l", -1).await.unwrap(), Some(b("d")));
        c.lset("l", 0, "y").await.unwrap();
        assert_eq!(c.lpop("l").await.unwrap(), Some(b("y")));
        assert_eq!(c.rpop("l").await.unwrap(), Some(b("d")));
        assert_eq!(c.lrem("l", 0, "b").await.unwrap(), 1);
        c.ltrim("l", 0, 0).await.unwrap();
        assert_eq!(c.lpop_count("l", 5).await.unwrap(), vec![b("a")]);
        assert_eq!(c.lpop("l").await.unwrap(), None);
    }
}

#[tokio::test]
async fn sets() {
    let server = RedisServer::start();
    for c in clients(&server) {
        c.flushdb().await.unwrap();
        assert_eq!(c.sadd("s1", ["a", "b", "c"]).await.unwrap(), 3);
        assert_eq!(c.sadd("s2", ["b", "c", "d"]).await.unwrap(), 3);
        assert!(c.sismember("s1", "a").await.unwrap());
        assert_eq!(
            c.smismember("s1", &["a", "d"]).await.unwrap(),
            vec![true, false]
        );
        assert_eq!(c.scard("s1").await.unwrap(), 3);
        let mut inter = c.sinter(["s1", "s2"]).await.unwrap();
        inter.sort();
        assert_eq!(inter, vec![b("b"), b("c")]);
        assert_eq!(c.sunion(["s1", "s2"]).await.unwrap().len(), 4);
        assert_eq!(c.sdiff(["s1", "s2"]).await.unwrap(), vec![b("a")]);
        assert_eq!(c.sinterstore("dst", ["s1", "s2"]).await.unwrap(), 2);
        assert_eq!(c.sunionstore("dst", ["s1", "s2"]).await.unwrap(), 4);
        assert!(c.smove("s1", "s2", "a").await.unwrap());
        assert_eq!(c.srem("s2", ["a", "zz"]).await.unwrap(), 1);
        assert!(c.srandmember("s1").await.unwrap().is_some());
        assert!(c.spop("s1").await.unwrap().is_some());
        let mut m = c.smembers("s2").await.unwrap();
        m.sort();
        assert_eq!(m, vec![b("b"), b("c"), b("d")]);
    }
}

#[tokio::test]
async fn sorted_sets() {
    let server = RedisServer::start();
    for c in clients(&server) {
        c.flushdb().await.unwrap();
        assert_eq!(c.zadd("z", "a", 1.0).await.unwrap(), 1);
        assert_eq!(
            c.zadd_multiple("z", &[(2.5, "b"), (1e300, "c")])
                .await
                .unwrap(),
            2
        );
        assert_eq!(c.zscore("z", "c").await.unwrap(), Some(1e300));
        assert_eq!(c.zscore("z", "zz").await.unwrap(), None);
        assert_eq!(
            c.zmscore("z", &["a", "zz"]).await.unwrap(),
            vec![Some(1.0), None]
        );
        assert_eq!(c.zincr("z", "a", 0.25).await.unwrap(), 1.25);
        assert_eq!(c.zrank("z", "b").await.unwrap(), Some(1));
        assert_eq!(c.zrevrank("z", "b").await.unwrap(), Some(1));
        assert_eq!(c.zcard("z").await.unwrap(), 3);
        assert_eq!(c.zcount("z", "-inf", "(2.5").await.unwrap(), 1);
        assert_eq!(
            c.zrange("z", 0, -1).await.unwrap(),
            vec![b("a"), b("b"), b("c")]
        );
        assert_eq!(
            c.zrange_withscores("z", 0, 1).await.unwrap(),
            Pairs(vec![(b("a"), 1.25), (b("b"), 2.5)])
        );
        assert_eq!(c.zrevrange("z", 0, 0).await.unwrap(), vec![b("c")]);
        assert_eq!(
            c.zrangebyscore("z", 2, "+inf").await.unwrap(),
            vec![b("b"), b("c")]
        );
        assert_eq!(c.zremrangebyscore("z", 2, 3).await.unwrap(), 1);
        assert_eq!(c.zremrangebyrank("z", -1, -1).await.unwrap(), 1);
        assert_eq!(c.zrem("z", "a").await.unwrap(), 1);
    }
}

#[tokio::test]
async fn server_commands() {
    let server = RedisServer::start();
    for c in clients(&server) {
        assert_eq!(c.ping().await.unwrap(), "PONG");
        assert_eq!(
            c.echo(&b"\x00\xff"[..]).await.unwrap(),
            Blob::from(b"\x00\xff")
        );
        assert!(c.info().await.unwrap().contains("redis_version:"));
        assert!(
            c.info_section("server")
                .await
                .unwrap()
                .contains("tcp_port:")
        );
        let (secs, micros) = c.time().await.unwrap();
        assert!(secs > 1_700_000_000 && (0..1_000_000).contains(&micros));
        assert!(c.lastsave().await.unwrap() > 0);
        assert_eq!(c.publish("chan", "msg").await.unwrap(), 0);
        c.config_set("maxmemory-samples", "7").await.unwrap();
        let got = c.config_get("maxmemory-samples").await.unwrap();
        assert_eq!(got.get("maxmemory-samples").map(String::as_str), Some("7"));
        c.flushall().await.unwrap();
        assert_eq!(c.dbsize().await.unwrap(), 0);
    }
}

#[tokio::test]
async fn scan_iterators_visit_everything() {
    let server = RedisServer::start();
    let c = Client::open(&server.url()).unwrap();
    let keys: Vec<(String, String)> = (0..250)
        .map(|i| (format!("key:{i}"), i.to_string()))
        .collect();
    c.mset(&keys).await.unwrap();
    c.set("skip-me", "x").await.unwrap();
    let mut found = c.scan_match("key:*").count(50).collect().await.unwrap();
    found.sort();
    found.dedup();
    assert_eq!(found.len(), 250);
    let fields: Vec<(String, i64)> = (0..100).map(|i| (format!("f{i}"), i)).collect();
    c.hset_multiple("h", &fields).await.unwrap();
    assert_eq!(
        c.hscan("h").collect().await.unwrap().len(),
        200,
        "fields and values alternate"
    );
    c.sadd("s", (0..300).collect::<Vec<i64>>()).await.unwrap();
    let mut members = c.sscan("s").count(100).collect().await.unwrap();
    members.sort();
    members.dedup();
    assert_eq!(members.len(), 300);
    c.zadd_multiple("z", &[(1.0, "a"), (2.0, "b")])
        .await
        .unwrap();
    assert_eq!(
        c.zscan("z").collect().await.unwrap(),
        vec![b("a"), b("1"), b("b"), b("2")]
    );
    let mut empty = c.scan_match("nothing:*");
    assert_eq!(empty.next().await.unwrap(), None);
}

#[test]
fn the_blocking_client_runs_typed_commands_and_pipelines() {
    let server = RedisServer::start();
    let c = BlockingClient::open(&server.url()).unwrap();
    c.set("k", 41).unwrap();
    assert_eq!(c.incr("k", 1).unwrap(), 42);
    let mut pipe = Pipeline::new();
    pipe.get("k").hset("k", "f", "v");
    let results = c.pipeline(&pipe).unwrap();
    assert_eq!(results[0], Ok(pyrsedis_core::Value::bulk("42")));
    assert_eq!(results[1].as_ref().unwrap_err().code(), "WRONGTYPE");
    // Shared runtime: a second client works from another thread.
    let url = server.url();
    let other = std::thread::spawn(move || BlockingClient::open(&url).unwrap().get("k").unwrap());
    assert_eq!(other.join().unwrap(), Some(b("42")));
}

#[tokio::test]
async fn the_blocking_client_refuses_to_block_inside_a_runtime() {
    let server = RedisServer::start();
    let c = BlockingClient::open(&server.url()).unwrap();
    let err = c.ping().unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidState, "{err}");
}

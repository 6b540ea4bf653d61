//! Typed commands.
//!
//! Each entry of the list below becomes four things: a function here that builds the [`Cmd`]
//! (`commands::get("k")`), an async method on [`Client`], a method on [`Pipeline`] that queues
//! it, and a blocking method on [`BlockingClient`]. Anything missing is one [`cmd()`](crate::cmd()) away.
//!
//! The database is chosen per connection by the configuration (`/db` in the URL), so `SELECT`
//! is deliberately not here: on a pooled client it would change one random connection.

mod scan;

use std::collections::HashMap;

use crate::resp::Blob;

use crate::Result;
use crate::blocking::BlockingClient;
use crate::client::{Client, Pipeline};
use crate::cmd::{Cmd, ToArgs, cmd};
use crate::convert::Pairs;

pub(crate) use scan::Cursor;
pub use scan::Scan;

macro_rules! commands {
    ($(
        $(#[$doc:meta])*
        fn $name:ident<$($g:ident: $bound:ident),*>($($arg:ident: $t:ty),*) -> $ret:ty $body:block
    )*) => {
        $(
            $(#[$doc])*
            pub fn $name<$($g: $bound),*>($($arg: $t),*) -> Cmd $body
        )*

        /// Typed commands (see [`crate::commands`]).
        impl Client {$(
            $(#[$doc])*
            pub fn $name<$($g: $bound),*>(&self, $($arg: $t),*)
                -> impl std::future::Future<Output = Result<$ret>> + Send + '_ {
                let command = $crate::commands::$name($($arg),*);
                async move { self.query::<$ret>(&command).await }
            }
        )*}

        /// Typed commands, queued (see [`crate::commands`]).
        impl Pipeline {$(
            $(#[$doc])*
            pub fn $name<$($g: $bound),*>(&mut self, $($arg: $t),*) -> &mut Pipeline {
                self.add($crate::commands::$name($($arg),*))
            }
        )*}

        /// Typed commands, routed by key (see [`crate::commands`]).
        impl crate::cluster::ClusterClient {$(
            $(#[$doc])*
            pub fn $name<$($g: $bound),*>(&self, $($arg: $t),*)
                -> impl std::future::Future<Output = Result<$ret>> + Send + '_ {
                let command = $crate::commands::$name($($arg),*);
                async move { self.query::<$ret>(&command).await }
            }
        )*}

        /// Typed commands, sent to the current master (see [`crate::commands`]).
        impl crate::sentinel::SentinelClient {$(
            $(#[$doc])*
            pub fn $name<$($g: $bound),*>(&self, $($arg: $t),*)
                -> impl std::future::Future<Output = Result<$ret>> + Send + '_ {
                let command = $crate::commands::$name($($arg),*);
                async move { self.query::<$ret>(&command).await }
            }
        )*}

        /// Typed commands, blocking (see [`crate::commands`]).
        impl BlockingClient {$(
            $(#[$doc])*
            pub fn $name<$($g: $bound),*>(&self, $($arg: $t),*) -> Result<$ret> {
                self.query::<$ret>(&$crate::commands::$name($($arg),*))
            }
        )*}
    };
}

commands! {
    // ------------------------------------------------------------------ strings
    /// Gets the value of a key; `None` if it does not exist. [Redis Docs](https://redis.io/commands/get)
    fn get<K: ToArgs>(key: K) -> Option<Blob> { cmd("GET").arg(key) }
    /// Sets a key to a value. [Redis Docs](https://redis.io/commands/set)
    fn set<K: ToArgs, V: ToArgs>(key: K, value: V) -> () { cmd("SET").arg(key).arg(value) }
    /// Sets a key with an expiry in seconds (`SET key value EX seconds`). [Redis Docs](https://redis.io/commands/set)
    fn set_ex<K: ToArgs, V: ToArgs>(key: K, value: V, seconds: u64) -> () { cmd("SET").arg(key).arg(value).arg("EX").arg(seconds) }
    /// Sets a key with an expiry in milliseconds (`SET key value PX ms`). [Redis Docs](https://redis.io/commands/set)
    fn set_px<K: ToArgs, V: ToArgs>(key: K, value: V, millis: u64) -> () { cmd("SET").arg(key).arg(value).arg("PX").arg(millis) }
    /// Sets a key only if it does not exist; true if it was set. [Redis Docs](https://redis.io/commands/set)
    fn set_nx<K: ToArgs, V: ToArgs>(key: K, value: V) -> bool { cmd("SET").arg(key).arg(value).arg("NX") }
    /// Sets a key only if it exists; true if it was set. [Redis Docs](https://redis.io/commands/set)
    fn set_xx<K: ToArgs, V: ToArgs>(key: K, value: V) -> bool { cmd("SET").arg(key).arg(value).arg("XX") }
    /// Sets a key and returns its old value. [Redis Docs](https://redis.io/commands/getset)
    fn getset<K: ToArgs, V: ToArgs>(key: K, value: V) -> Option<Blob> { cmd("GETSET").arg(key).arg(value) }
    /// Gets a key's value and deletes the key. [Redis Docs](https://redis.io/commands/getdel)
    fn getdel<K: ToArgs>(key: K) -> Option<Blob> { cmd("GETDEL").arg(key) }
    /// A substring of a value (inclusive offsets, negative from the end). [Redis Docs](https://redis.io/commands/getrange)
    fn getrange<K: ToArgs>(key: K, start: i64, end: i64) -> Blob { cmd("GETRANGE").arg(key).arg(start).arg(end) }
    /// Overwrites part of a value from an offset; returns the new length. [Redis Docs](https://redis.io/commands/setrange)
    fn setrange<K: ToArgs, V: ToArgs>(key: K, offset: u64, value: V) -> i64 { cmd("SETRANGE").arg(key).arg(offset).arg(value) }
    /// Gets several keys at once. [Redis Docs](https://redis.io/commands/mget)
    fn mget<K: ToArgs>(keys: &[K]) -> Vec<Option<Blob>> { cmd("MGET").arg(keys) }
    /// Sets several keys at once. [Redis Docs](https://redis.io/commands/mset)
    fn mset<K: ToArgs, V: ToArgs>(pairs: &[(K, V)]) -> () { cmd("MSET").arg(pairs) }
    /// Sets several keys only if none exists; true if they were set. [Redis Docs](https://redis.io/commands/msetnx)
    fn mset_nx<K: ToArgs, V: ToArgs>(pairs: &[(K, V)]) -> bool { cmd("MSETNX").arg(pairs) }
    /// Adds `delta` to an integer value; returns the result. [Redis Docs](https://redis.io/commands/incrby)
    fn incr<K: ToArgs>(key: K, delta: i64) -> i64 { cmd("INCRBY").arg(key).arg(delta) }
    /// Subtracts `delta` from an integer value; returns the result. [Redis Docs](https://redis.io/commands/decrby)
    fn decr<K: ToArgs>(key: K, delta: i64) -> i64 { cmd("DECRBY").arg(key).arg(delta) }
    /// Adds a float to a value; returns the result. [Redis Docs](https://redis.io/commands/incrbyfloat)
    fn incr_by_float<K: ToArgs>(key: K, delta: f64) -> f64 { cmd("INCRBYFLOAT").arg(key).arg(delta) }
    /// Appends to a value; returns the new length. [Redis Docs](https://redis.io/commands/append)
    fn append<K: ToArgs, V: ToArgs>(key: K, value: V) -> i64 { cmd("APPEND").arg(key).arg(value) }
    /// The length of a value. [Redis Docs](https://redis.io/commands/strlen)
    fn strlen<K: ToArgs>(key: K) -> i64 { cmd("STRLEN").arg(key) }

    // ------------------------------------------------------------------ keys
    /// Deletes keys; returns how many existed. [Redis Docs](https://redis.io/commands/del)
    fn del<K: ToArgs>(keys: K) -> i64 { cmd("DEL").arg(keys) }
    /// Deletes keys in the background; returns how many existed. [Redis Docs](https://redis.io/commands/unlink)
    fn unlink<K: ToArgs>(keys: K) -> i64 { cmd("UNLINK").arg(keys) }
    /// Counts how many of the keys exist. [Redis Docs](https://redis.io/commands/exists)
    fn exists<K: ToArgs>(keys: K) -> i64 { cmd("EXISTS").arg(keys) }
    /// Sets a timeout in seconds; true if the key exists. [Redis Docs](https://redis.io/commands/expire)
    fn expire<K: ToArgs>(key: K, seconds: i64) -> bool { cmd("EXPIRE").arg(key).arg(seconds) }
    /// Sets a timeout in milliseconds; true if the key exists. [Redis Docs](https://redis.io/commands/pexpire)
    fn pexpire<K: ToArgs>(key: K, millis: i64) -> bool { cmd("PEXPIRE").arg(key).arg(millis) }
    /// Sets an expiry as a Unix time in seconds. [Redis Docs](https://redis.io/commands/expireat)
    fn expire_at<K: ToArgs>(key: K, unix_seconds: i64) -> bool { cmd("EXPIREAT").arg(key).arg(unix_seconds) }
    /// Seconds to live: -1 without expiry, -2 if the key does not exist. [Redis Docs](https://redis.io/commands/ttl)
    fn ttl<K: ToArgs>(key: K) -> i64 { cmd("TTL").arg(key) }
    /// Milliseconds to live: -1 without expiry, -2 if the key does not exist. [Redis Docs](https://redis.io/commands/pttl)
    fn pttl<K: ToArgs>(key: K) -> i64 { cmd("PTTL").arg(key) }
    /// Removes the expiry; true if there was one. [Redis Docs](https://redis.io/commands/persist)
    fn persist<K: ToArgs>(key: K) -> bool { cmd("PERSIST").arg(key) }
    /// Renames a key. [Redis Docs](https://redis.io/commands/rename)
    fn rename<K: ToArgs, N: ToArgs>(key: K, new_key: N) -> () { cmd("RENAME").arg(key).arg(new_key) }
    /// Renames a key if the new name is free; true if renamed. [Redis Docs](https://redis.io/commands/renamenx)
    fn rename_nx<K: ToArgs, N: ToArgs>(key: K, new_key: N) -> bool { cmd("RENAMENX").arg(key).arg(new_key) }
    /// The type of the value at a key (`string`, `list`, ..., `none`). [Redis Docs](https://redis.io/commands/type)
    fn key_type<K: ToArgs>(key: K) -> String { cmd("TYPE").arg(key) }
    /// Every key matching a pattern (prefer [`Client::scan_match`] on large databases). [Redis Docs](https://redis.io/commands/keys)
    fn keys<P: ToArgs>(pattern: P) -> Vec<Blob> { cmd("KEYS").arg(pattern) }
    /// A random key, `None` when the database is empty. [Redis Docs](https://redis.io/commands/randomkey)
    fn randomkey<>() -> Option<Blob> { cmd("RANDOMKEY") }
    /// The serialized value of a key. [Redis Docs](https://redis.io/commands/dump)
    fn dump<K: ToArgs>(key: K) -> Option<Blob> { cmd("DUMP").arg(key) }
    /// Updates last access times; returns how many keys exist. [Redis Docs](https://redis.io/commands/touch)
    fn touch<K: ToArgs>(keys: K) -> i64 { cmd("TOUCH").arg(keys) }

    // ------------------------------------------------------------------ hashes
    /// Sets one field of a hash; returns 1 if the field is new. [Redis Docs](https://redis.io/commands/hset)
    fn hset<K: ToArgs, F: ToArgs, V: ToArgs>(key: K, field: F, value: V) -> i64 { cmd("HSET").arg(key).arg(field).arg(value) }
    /// Sets several fields; returns how many are new. [Redis Docs](https://redis.io/commands/hset)
    fn hset_multiple<K: ToArgs, F: ToArgs, V: ToArgs>(key: K, pairs: &[(F, V)]) -> i64 { cmd("HSET").arg(key).arg(pairs) }
    /// Sets a field only if it does not exist; true if set. [Redis Docs](https://redis.io/commands/hsetnx)
    fn hsetnx<K: ToArgs, F: ToArgs, V: ToArgs>(key: K, field: F, value: V) -> bool { cmd("HSETNX").arg(key).arg(field).arg(value) }
    /// Gets one field. [Redis Docs](https://redis.io/commands/hget)
    fn hget<K: ToArgs, F: ToArgs>(key: K, field: F) -> Option<Blob> { cmd("HGET").arg(key).arg(field) }
    /// Gets several fields. [Redis Docs](https://redis.io/commands/hmget)
    fn hmget<K: ToArgs, F: ToArgs>(key: K, fields: &[F]) -> Vec<Option<Blob>> { cmd("HMGET").arg(key).arg(fields) }
    /// Every field and value. [Redis Docs](https://redis.io/commands/hgetall)
    fn hgetall<K: ToArgs>(key: K) -> HashMap<Blob, Blob> { cmd("HGETALL").arg(key) }
    /// Deletes fields; returns how many existed. [Redis Docs](https://redis.io/commands/hdel)
    fn hdel<K: ToArgs, F: ToArgs>(key: K, fields: F) -> i64 { cmd("HDEL").arg(key).arg(fields) }
    /// Whether a field exists. [Redis Docs](https://redis.io/commands/hexists)
    fn hexists<K: ToArgs, F: ToArgs>(key: K, field: F) -> bool { cmd("HEXISTS").arg(key).arg(field) }
    /// Every field name. [Redis Docs](https://redis.io/commands/hkeys)
    fn hkeys<K: ToArgs>(key: K) -> Vec<Blob> { cmd("HKEYS").arg(key) }
    /// Every value. [Redis Docs](https://redis.io/commands/hvals)
    fn hvals<K: ToArgs>(key: K) -> Vec<Blob> { cmd("HVALS").arg(key) }
    /// The number of fields. [Redis Docs](https://redis.io/commands/hlen)
    fn hlen<K: ToArgs>(key: K) -> i64 { cmd("HLEN").arg(key) }
    /// Adds to an integer field; returns the result. [Redis Docs](https://redis.io/commands/hincrby)
    fn hincr<K: ToArgs, F: ToArgs>(key: K, field: F, delta: i64) -> i64 { cmd("HINCRBY").arg(key).arg(field).arg(delta) }
    /// Adds a float to a field; returns the result. [Redis Docs](https://redis.io/commands/hincrbyfloat)
    fn hincr_by_float<K: ToArgs, F: ToArgs>(key: K, field: F, delta: f64) -> f64 { cmd("HINCRBYFLOAT").arg(key).arg(field).arg(delta) }
    /// The length of a field's value. [Redis Docs](https://redis.io/commands/hstrlen)
    fn hstrlen<K: ToArgs, F: ToArgs>(key: K, field: F) -> i64 { cmd("HSTRLEN").arg(key).arg(field) }

    // ------------------------------------------------------------------ lists
    /// Prepends values; returns the new length. [Redis Docs](https://redis.io/commands/lpush)
    fn lpush<K: ToArgs, V: ToArgs>(key: K, values: V) -> i64 { cmd("LPUSH").arg(key).arg(values) }
    /// Appends values; returns the new length. [Redis Docs](https://redis.io/commands/rpush)
    fn rpush<K: ToArgs, V: ToArgs>(key: K, values: V) -> i64 { cmd("RPUSH").arg(key).arg(values) }
    /// Prepends values only if the list exists. [Redis Docs](https://redis.io/commands/lpushx)
    fn lpushx<K: ToArgs, V: ToArgs>(key: K, values: V) -> i64 { cmd("LPUSHX").arg(key).arg(values) }
    /// Appends values only if the list exists. [Redis Docs](https://redis.io/commands/rpushx)
    fn rpushx<K: ToArgs, V: ToArgs>(key: K, values: V) -> i64 { cmd("RPUSHX").arg(key).arg(values) }
    /// Removes and returns the first element. [Redis Docs](https://redis.io/commands/lpop)
    fn lpop<K: ToArgs>(key: K) -> Option<Blob> { cmd("LPOP").arg(key) }
    /// Removes and returns the last element. [Redis Docs](https://redis.io/commands/rpop)
    fn rpop<K: ToArgs>(key: K) -> Option<Blob> { cmd("RPOP").arg(key) }
    /// Removes and returns up to `count` first elements. [Redis Docs](https://redis.io/commands/lpop)
    fn lpop_count<K: ToArgs>(key: K, count: usize) -> Vec<Blob> { cmd("LPOP").arg(key).arg(count) }
    /// Elements from `start` to `stop` (inclusive, negative from the end). [Redis Docs](https://redis.io/commands/lrange)
    fn lrange<K: ToArgs>(key: K, start: i64, stop: i64) -> Vec<Blob> { cmd("LRANGE").arg(key).arg(start).arg(stop) }
    /// The length of a list. [Redis Docs](https://redis.io/commands/llen)
    fn llen<K: ToArgs>(key: K) -> i64 { cmd("LLEN").arg(key) }
    /// The element at an index. [Redis Docs](https://redis.io/commands/lindex)
    fn lindex<K: ToArgs>(key: K, index: i64) -> Option<Blob> { cmd("LINDEX").arg(key).arg(index) }
    /// Sets the element at an index. [Redis Docs](https://redis.io/commands/lset)
    fn lset<K: ToArgs, V: ToArgs>(key: K, index: i64, value: V) -> () { cmd("LSET").arg(key).arg(index).arg(value) }
    /// Removes `count` occurrences of a value (0: all; negative: from the tail). [Redis Docs](https://redis.io/commands/lrem)
    fn lrem<K: ToArgs, V: ToArgs>(key: K, count: i64, value: V) -> i64 { cmd("LREM").arg(key).arg(count).arg(value) }
    /// Trims a list to a range. [Redis Docs](https://redis.io/commands/ltrim)
    fn ltrim<K: ToArgs>(key: K, start: i64, stop: i64) -> () { cmd("LTRIM").arg(key).arg(start).arg(stop) }

    // ------------------------------------------------------------------ sets
    /// Adds members; returns how many are new. [Redis Docs](https://redis.io/commands/sadd)
    fn sadd<K: ToArgs, M: ToArgs>(key: K, members: M) -> i64 { cmd("SADD").arg(key).arg(members) }
    /// Removes members; returns how many existed. [Redis Docs](https://redis.io/commands/srem)
    fn srem<K: ToArgs, M: ToArgs>(key: K, members: M) -> i64 { cmd("SREM").arg(key).arg(members) }
    /// Every member. [Redis Docs](https://redis.io/commands/smembers)
    fn smembers<K: ToArgs>(key: K) -> Vec<Blob> { cmd("SMEMBERS").arg(key) }
    /// Whether a value is a member. [Redis Docs](https://redis.io/commands/sismember)
    fn sismember<K: ToArgs, M: ToArgs>(key: K, member: M) -> bool { cmd("SISMEMBER").arg(key).arg(member) }
    /// Whether each value is a member. [Redis Docs](https://redis.io/commands/smismember)
    fn smismember<K: ToArgs, M: ToArgs>(key: K, members: &[M]) -> Vec<bool> { cmd("SMISMEMBER").arg(key).arg(members) }
    /// The number of members. [Redis Docs](https://redis.io/commands/scard)
    fn scard<K: ToArgs>(key: K) -> i64 { cmd("SCARD").arg(key) }
    /// Removes and returns a random member. [Redis Docs](https://redis.io/commands/spop)
    fn spop<K: ToArgs>(key: K) -> Option<Blob> { cmd("SPOP").arg(key) }
    /// A random member. [Redis Docs](https://redis.io/commands/srandmember)
    fn srandmember<K: ToArgs>(key: K) -> Option<Blob> { cmd("SRANDMEMBER").arg(key) }
    /// Moves a member between sets; true if moved. [Redis Docs](https://redis.io/commands/smove)
    fn smove<S: ToArgs, D: ToArgs, M: ToArgs>(source: S, destination: D, member: M) -> bool { cmd("SMOVE").arg(source).arg(destination).arg(member) }
    /// The intersection of sets. [Redis Docs](https://redis.io/commands/sinter)
    fn sinter<K: ToArgs>(keys: K) -> Vec<Blob> { cmd("SINTER").arg(keys) }
    /// The union of sets. [Redis Docs](https://redis.io/commands/sunion)
    fn sunion<K: ToArgs>(keys: K) -> Vec<Blob> { cmd("SUNION").arg(keys) }
    /// The first set minus the others. [Redis Docs](https://redis.io/commands/sdiff)
    fn sdiff<K: ToArgs>(keys: K) -> Vec<Blob> { cmd("SDIFF").arg(keys) }
    /// Stores the intersection; returns its size. [Redis Docs](https://redis.io/commands/sinterstore)
    fn sinterstore<D: ToArgs, K: ToArgs>(destination: D, keys: K) -> i64 { cmd("SINTERSTORE").arg(destination).arg(keys) }
    /// Stores the union; returns its size. [Redis Docs](https://redis.io/commands/sunionstore)
    fn sunionstore<D: ToArgs, K: ToArgs>(destination: D, keys: K) -> i64 { cmd("SUNIONSTORE").arg(destination).arg(keys) }

    // ------------------------------------------------------------------ sorted sets
    /// Adds a member with a score; returns 1 if it is new. [Redis Docs](https://redis.io/commands/zadd)
    fn zadd<K: ToArgs, M: ToArgs>(key: K, member: M, score: f64) -> i64 { cmd("ZADD").arg(key).arg(score).arg(member) }
    /// Adds members with scores, given as `(score, member)`; returns how many are new. [Redis Docs](https://redis.io/commands/zadd)
    fn zadd_multiple<K: ToArgs, M: ToArgs>(key: K, items: &[(f64, M)]) -> i64 { cmd("ZADD").arg(key).arg(items) }
    /// Removes members; returns how many existed. [Redis Docs](https://redis.io/commands/zrem)
    fn zrem<K: ToArgs, M: ToArgs>(key: K, members: M) -> i64 { cmd("ZREM").arg(key).arg(members) }
    /// The score of a member. [Redis Docs](https://redis.io/commands/zscore)
    fn zscore<K: ToArgs, M: ToArgs>(key: K, member: M) -> Option<f64> { cmd("ZSCORE").arg(key).arg(member) }
    /// The scores of several members. [Redis Docs](https://redis.io/commands/zmscore)
    fn zmscore<K: ToArgs, M: ToArgs>(key: K, members: &[M]) -> Vec<Option<f64>> { cmd("ZMSCORE").arg(key).arg(members) }
    /// Adds to a member's score; returns the new score. [Redis Docs](https://redis.io/commands/zincrby)
    fn zincr<K: ToArgs, M: ToArgs>(key: K, member: M, delta: f64) -> f64 { cmd("ZINCRBY").arg(key).arg(delta).arg(member) }
    /// A member's rank, lowest score first. [Redis Docs](https://redis.io/commands/zrank)
    fn zrank<K: ToArgs, M: ToArgs>(key: K, member: M) -> Option<i64> { cmd("ZRANK").arg(key).arg(member) }
    /// A member's rank, highest score first. [Redis Docs](https://redis.io/commands/zrevrank)
    fn zrevrank<K: ToArgs, M: ToArgs>(key: K, member: M) -> Option<i64> { cmd("ZREVRANK").arg(key).arg(member) }
    /// The number of members. [Redis Docs](https://redis.io/commands/zcard)
    fn zcard<K: ToArgs>(key: K) -> i64 { cmd("ZCARD").arg(key) }
    /// Members with a score in `[min, max]` (`"-inf"`, `"(1"` accepted). [Redis Docs](https://redis.io/commands/zcount)
    fn zcount<K: ToArgs, A: ToArgs, B: ToArgs>(key: K, min: A, max: B) -> i64 { cmd("ZCOUNT").arg(key).arg(min).arg(max) }
    /// Members by rank, lowest score first. [Redis Docs](https://redis.io/commands/zrange)
    fn zrange<K: ToArgs>(key: K, start: i64, stop: i64) -> Vec<Blob> { cmd("ZRANGE").arg(key).arg(start).arg(stop) }
    /// Members and scores by rank, lowest score first. [Redis Docs](https://redis.io/commands/zrange)
    fn zrange_withscores<K: ToArgs>(key: K, start: i64, stop: i64) -> Pairs<Blob, f64> { cmd("ZRANGE").arg(key).arg(start).arg(stop).arg("WITHSCORES") }
    /// Members by rank, highest score first. [Redis Docs](https://redis.io/commands/zrevrange)
    fn zrevrange<K: ToArgs>(key: K, start: i64, stop: i64) -> Vec<Blob> { cmd("ZREVRANGE").arg(key).arg(start).arg(stop) }
    /// Members with a score in `[min, max]`. [Redis Docs](https://redis.io/commands/zrangebyscore)
    fn zrangebyscore<K: ToArgs, A: ToArgs, B: ToArgs>(key: K, min: A, max: B) -> Vec<Blob> { cmd("ZRANGEBYSCORE").arg(key).arg(min).arg(max) }
    /// Removes members with a score in `[min, max]`. [Redis Docs](https://redis.io/commands/zremrangebyscore)
    fn zremrangebyscore<K: ToArgs, A: ToArgs, B: ToArgs>(key: K, min: A, max: B) -> i64 { cmd("ZREMRANGEBYSCORE").arg(key).arg(min).arg(max) }
    /// Removes members by rank. [Redis Docs](https://redis.io/commands/zremrangebyrank)
    fn zremrangebyrank<K: ToArgs>(key: K, start: i64, stop: i64) -> i64 { cmd("ZREMRANGEBYRANK").arg(key).arg(start).arg(stop) }

    // ------------------------------------------------------------------ server
    /// Checks the connection; the server answers `PONG`. [Redis Docs](https://redis.io/commands/ping)
    fn ping<>() -> String { cmd("PING") }
    /// Returns the message. [Redis Docs](https://redis.io/commands/echo)
    fn echo<M: ToArgs>(message: M) -> Blob { cmd("ECHO").arg(message) }
    /// The number of keys in the database. [Redis Docs](https://redis.io/commands/dbsize)
    fn dbsize<>() -> i64 { cmd("DBSIZE") }
    /// Deletes every key of the database. [Redis Docs](https://redis.io/commands/flushdb)
    fn flushdb<>() -> () { cmd("FLUSHDB") }
    /// Deletes every key of every database. [Redis Docs](https://redis.io/commands/flushall)
    fn flushall<>() -> () { cmd("FLUSHALL") }
    /// Server information, all default sections. [Redis Docs](https://redis.io/commands/info)
    fn info<>() -> String { cmd("INFO") }
    /// Server information for one section (`server`, `memory`, ...). [Redis Docs](https://redis.io/commands/info)
    fn info_section<S: ToArgs>(section: S) -> String { cmd("INFO").arg(section) }
    /// The server time as (Unix seconds, microseconds). [Redis Docs](https://redis.io/commands/time)
    fn time<>() -> (i64, i64) { cmd("TIME") }
    /// The Unix time of the last successful save. [Redis Docs](https://redis.io/commands/lastsave)
    fn lastsave<>() -> i64 { cmd("LASTSAVE") }
    /// Publishes a message; returns how many subscribers got it. [Redis Docs](https://redis.io/commands/publish)
    fn publish<C: ToArgs, M: ToArgs>(channel: C, message: M) -> i64 { cmd("PUBLISH").arg(channel).arg(message) }
    /// Configuration parameters matching a pattern. [Redis Docs](https://redis.io/commands/config-get)
    fn config_get<P: ToArgs>(pattern: P) -> HashMap<String, String> { cmd("CONFIG").arg("GET").arg(pattern) }
    /// Sets a configuration parameter. [Redis Docs](https://redis.io/commands/config-set)
    fn config_set<P: ToArgs, V: ToArgs>(parameter: P, value: V) -> () { cmd("CONFIG").arg("SET").arg(parameter).arg(value) }
}

impl Client {
    /// Iterates over keys matching a pattern with `SCAN` (`"*"` for all).
    pub fn scan_match(&self, pattern: impl ToArgs) -> Scan {
        Scan::new(self.clone(), cmd("SCAN"), pattern)
    }
    /// Iterates over a hash's fields and values with `HSCAN` (items alternate field, value).
    pub fn hscan(&self, key: impl ToArgs) -> Scan {
        Scan::new(self.clone(), cmd("HSCAN").arg(key), "*")
    }
    /// Iterates over a set's members with `SSCAN`.
    pub fn sscan(&self, key: impl ToArgs) -> Scan {
        Scan::new(self.clone(), cmd("SSCAN").arg(key), "*")
    }
    /// Iterates over a sorted set with `ZSCAN` (items alternate member, score).
    pub fn zscan(&self, key: impl ToArgs) -> Scan {
        Scan::new(self.clone(), cmd("ZSCAN").arg(key), "*")
    }
}

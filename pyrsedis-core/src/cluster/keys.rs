//! Where a command's keys are: the position of every key argument, for routing by slot, for
//! splitting the multi-key commands that can be split, and for refusing the others when their
//! keys span slots.

/// Commands that carry no key: they go to any node.
const KEYLESS: &[&str] = &[
    "PING",
    "ECHO",
    "INFO",
    "DBSIZE",
    "FLUSHDB",
    "FLUSHALL",
    "TIME",
    "CONFIG",
    "CLIENT",
    "CLUSTER",
    "COMMAND",
    "SCRIPT",
    "PUBLISH",
    "LASTSAVE",
    "RANDOMKEY",
    "KEYS",
    "SCAN",
    "FUNCTION",
    "MEMORY",
    "SLOWLOG",
    "LATENCY",
    "ACL",
    "READONLY",
    "READWRITE",
    "WAIT",
    "DEBUG",
    "OBJECT",
];

/// Commands that a cluster client splits per slot when their keys span slots, and how the
/// partial replies are put back together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Split {
    /// `MGET`: one value per key, in input order.
    Values,
    /// `DEL`, `UNLINK`, `EXISTS`, `TOUCH`: the sum of the counts.
    Count,
    /// `MSET`: key-value pairs; `OK` when every part said `OK` (not atomic across slots).
    Pairs,
}

/// How a command splits, if it is one of the splittable multi-key commands.
pub(crate) fn split_kind(name: &str) -> Option<Split> {
    match name {
        "MGET" => Some(Split::Values),
        "DEL" | "UNLINK" | "EXISTS" | "TOUCH" => Some(Split::Count),
        "MSET" => Some(Split::Pairs),
        _ => None,
    }
}

/// How the replies of a command sent to every master are put together into one reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aggregate {
    /// Every master gave the same reply, which is returned (`OK`, `PONG`, a script's SHA);
    /// replies that differ are an error.
    Same,
    /// The sum of the integer replies.
    Sum,
    /// The smallest integer reply.
    Min,
    /// The array replies concatenated, in node order.
    Concat,
    /// Arrays of 0/1 of one length: 1 at a position only when every master said 1 there.
    And,
    /// The first reply that is not nil (nil when all are).
    AnyNonNil,
    /// The first success; an error only when every master failed.
    OneOk,
}

/// What a cluster client does with a keyless command whose answer involves every master.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FanOut {
    /// Send it to every master concurrently and aggregate the replies.
    Masters(Aggregate),
    /// Send it to every master and every replica concurrently and aggregate the replies.
    AllNodes(Aggregate),
    /// Refuse it before sending: no aggregation of per-node replies answers it.
    Refuse(&'static str),
}

/// The commands sent to every master, with how their replies combine: the commands redis-rs
/// routes to all primaries, less those whose replies need a per-node answer (`INFO`, `MEMORY
/// STATS`, `FUNCTION STATS`); `SCRIPT LOAD`/`SCRIPT FLUSH` go to all nodes, as in redis-rs.
/// The first column is the command, the second its subcommand (`""`: none). Keyless commands
/// not listed (`INFO`, `CONFIG`, `TIME`, `CLIENT`, ...) go to one node.
const FAN_OUT: &[(&str, &str, FanOut)] = &[
    ("PING", "", FanOut::Masters(Aggregate::Same)),
    ("DBSIZE", "", FanOut::Masters(Aggregate::Sum)),
    ("KEYS", "", FanOut::Masters(Aggregate::Concat)),
    ("FLUSHALL", "", FanOut::Masters(Aggregate::Same)),
    ("FLUSHDB", "", FanOut::Masters(Aggregate::Same)),
    ("RANDOMKEY", "", FanOut::Masters(Aggregate::AnyNonNil)),
    ("WAIT", "", FanOut::Masters(Aggregate::Min)),
    // Replicas too: Redis 7 does not replicate the script cache, and replicas may serve
    // `EVALSHA_RO` (with replica reads) or become masters.
    ("SCRIPT", "LOAD", FanOut::AllNodes(Aggregate::Same)),
    ("SCRIPT", "FLUSH", FanOut::AllNodes(Aggregate::Same)),
    ("SCRIPT", "EXISTS", FanOut::Masters(Aggregate::And)),
    ("SCRIPT", "KILL", FanOut::Masters(Aggregate::OneOk)),
    ("FUNCTION", "LOAD", FanOut::Masters(Aggregate::Same)),
    ("FUNCTION", "DELETE", FanOut::Masters(Aggregate::Same)),
    ("FUNCTION", "FLUSH", FanOut::Masters(Aggregate::Same)),
    ("FUNCTION", "RESTORE", FanOut::Masters(Aggregate::Same)),
    ("FUNCTION", "KILL", FanOut::Masters(Aggregate::OneOk)),
    (
        "SCAN",
        "",
        FanOut::Refuse(
            "SCAN on a cluster needs one cursor per master, which one reply cannot carry; \
             use ClusterClient::scan_match, which scans every master in turn",
        ),
    ),
];

/// Whether a keyless command goes to every master (and how its replies combine) or is
/// refused; `None` for every other command.
pub(crate) fn fan_out(name: &str, args: &[&[u8]]) -> Option<FanOut> {
    FAN_OUT
        .iter()
        .find(|(command, sub, _)| {
            *command == name
                && (sub.is_empty()
                    || args
                        .get(1)
                        .is_some_and(|a| a.eq_ignore_ascii_case(sub.as_bytes())))
        })
        .map(|&(_, _, fan)| fan)
}

/// The positions (0 is the command name) of every key argument of a command, in order; empty
/// for commands without keys. Unknown commands are taken to have one key, their first argument.
pub(crate) fn key_positions(name: &str, args: &[&[u8]]) -> Vec<usize> {
    let n = args.len();
    let numkeys_at = |at: usize| -> Vec<usize> {
        let count = args
            .get(at)
            .and_then(|a| std::str::from_utf8(a).ok())
            .and_then(|s| s.parse::<usize>().ok())
            .unwrap_or(0);
        (at + 1..n).take(count).collect()
    };
    if KEYLESS.contains(&name) {
        return Vec::new();
    }
    match name {
        "MGET" | "DEL" | "UNLINK" | "EXISTS" | "TOUCH" | "WATCH" | "SINTER" | "SUNION"
        | "SDIFF" | "SINTERSTORE" | "SUNIONSTORE" | "SDIFFSTORE" | "PFCOUNT" | "PFMERGE" => {
            (1..n).collect()
        }
        "MSET" | "MSETNX" => (1..n).step_by(2).collect(),
        "RENAME" | "RENAMENX" | "SMOVE" | "RPOPLPUSH" | "BRPOPLPUSH" | "LMOVE" | "BLMOVE"
        | "COPY" | "ZRANGESTORE" | "GEOSEARCHSTORE" | "LCS" => (1..n.min(3)).collect(),
        "BLPOP" | "BRPOP" | "BZPOPMIN" | "BZPOPMAX" => (1..n.saturating_sub(1)).collect(),
        "BITOP" => (2..n).collect(),
        "ZUNION" | "ZINTER" | "ZDIFF" | "ZINTERCARD" | "SINTERCARD" | "LMPOP" | "ZMPOP" => {
            numkeys_at(1)
        }
        "BLMPOP" | "BZMPOP" | "EVAL" | "EVALSHA" | "EVAL_RO" | "EVALSHA_RO" | "FCALL"
        | "FCALL_RO" => numkeys_at(2),
        "ZUNIONSTORE" | "ZINTERSTORE" | "ZDIFFSTORE" => {
            let mut keys = vec![1];
            keys.extend(numkeys_at(2));
            keys.retain(|&k| k < n);
            keys
        }
        "XREAD" | "XREADGROUP" => {
            let Some(streams) = args.iter().position(|a| a.eq_ignore_ascii_case(b"STREAMS")) else {
                return Vec::new();
            };
            let rest = n - streams - 1;
            (streams + 1..streams + 1 + rest / 2).collect()
        }
        _ if n > 1 => vec![1],
        _ => Vec::new(),
    }
}

/// Commands that only read: with replica reads on, they may go to a replica.
const READ_ONLY: &[&str] = &[
    "GET",
    "MGET",
    "STRLEN",
    "GETRANGE",
    "SUBSTR",
    "GETBIT",
    "BITCOUNT",
    "BITPOS",
    "LCS",
    "EXISTS",
    "TTL",
    "PTTL",
    "EXPIRETIME",
    "PEXPIRETIME",
    "TYPE",
    "DUMP",
    "HGET",
    "HMGET",
    "HGETALL",
    "HKEYS",
    "HVALS",
    "HLEN",
    "HEXISTS",
    "HSTRLEN",
    "HRANDFIELD",
    "HSCAN",
    "LRANGE",
    "LLEN",
    "LINDEX",
    "LPOS",
    "SMEMBERS",
    "SISMEMBER",
    "SMISMEMBER",
    "SCARD",
    "SRANDMEMBER",
    "SINTER",
    "SUNION",
    "SDIFF",
    "SINTERCARD",
    "SSCAN",
    "ZSCORE",
    "ZMSCORE",
    "ZRANK",
    "ZREVRANK",
    "ZCARD",
    "ZCOUNT",
    "ZLEXCOUNT",
    "ZRANGE",
    "ZREVRANGE",
    "ZRANGEBYSCORE",
    "ZREVRANGEBYSCORE",
    "ZRANGEBYLEX",
    "ZREVRANGEBYLEX",
    "ZRANDMEMBER",
    "ZUNION",
    "ZINTER",
    "ZDIFF",
    "ZINTERCARD",
    "ZSCAN",
    "XRANGE",
    "XREVRANGE",
    "XLEN",
    "GEOPOS",
    "GEODIST",
    "GEOHASH",
    "GEOSEARCH",
    "EVAL_RO",
    "EVALSHA_RO",
    "FCALL_RO",
    "GRAPH.RO_QUERY",
];

/// Whether a command only reads (and so may be served by a replica after `READONLY`).
pub(crate) fn is_read_only(name: &str) -> bool {
    READ_ONLY.contains(&name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn positions(args: &[&str]) -> Vec<usize> {
        let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
        key_positions(&args_upper(args[0]), &args)
    }

    fn args_upper(name: &[u8]) -> String {
        String::from_utf8_lossy(name).to_ascii_uppercase()
    }

    #[test]
    fn key_positions_follow_each_command_family() {
        assert_eq!(positions(&["GET", "k"]), vec![1]);
        assert_eq!(positions(&["PING"]), Vec::<usize>::new());
        assert_eq!(positions(&["INFO", "server"]), Vec::<usize>::new());
        assert_eq!(positions(&["MGET", "a", "b", "c"]), vec![1, 2, 3]);
        assert_eq!(positions(&["MSET", "a", "1", "b", "2"]), vec![1, 3]);
        assert_eq!(positions(&["RENAME", "a", "b"]), vec![1, 2]);
        assert_eq!(positions(&["LMOVE", "a", "b", "LEFT", "RIGHT"]), vec![1, 2]);
        assert_eq!(positions(&["BLPOP", "a", "b", "0"]), vec![1, 2]);
        assert_eq!(positions(&["BITOP", "AND", "d", "a", "b"]), vec![2, 3, 4]);
        assert_eq!(positions(&["ZUNION", "2", "a", "b", "WEIGHTS"]), vec![2, 3]);
        assert_eq!(
            positions(&["ZUNIONSTORE", "d", "2", "a", "b", "AGGREGATE", "SUM"]),
            vec![1, 3, 4]
        );
        assert_eq!(positions(&["EVAL", "s", "2", "a", "b", "arg"]), vec![3, 4]);
        assert_eq!(positions(&["EVAL", "s", "0", "arg"]), Vec::<usize>::new());
        assert_eq!(
            positions(&["EVAL", "s", "9", "a"]),
            vec![3],
            "numkeys larger than the arguments is capped"
        );
        assert_eq!(
            positions(&["XREAD", "COUNT", "1", "STREAMS", "a", "b", "0", "0"]),
            vec![4, 5]
        );
    }

    #[test]
    fn only_the_listed_commands_split() {
        assert_eq!(split_kind("MGET"), Some(Split::Values));
        assert_eq!(split_kind("UNLINK"), Some(Split::Count));
        assert_eq!(split_kind("MSET"), Some(Split::Pairs));
        assert_eq!(split_kind("MSETNX"), None, "all-or-nothing cannot be split");
        assert!(is_read_only("GET"));
        assert!(!is_read_only("SET"));
    }

    #[test]
    fn keyless_commands_fan_out_by_command_and_subcommand() {
        let fan = |args: &[&str]| {
            let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
            fan_out(&args_upper(args[0]), &args)
        };
        assert_eq!(fan(&["DBSIZE"]), Some(FanOut::Masters(Aggregate::Sum)));
        assert_eq!(
            fan(&["keys", "*"]),
            Some(FanOut::Masters(Aggregate::Concat))
        );
        assert_eq!(
            fan(&["script", "load", "return 1"]),
            Some(FanOut::AllNodes(Aggregate::Same))
        );
        assert_eq!(
            fan(&["SCRIPT", "exists", "a", "b"]),
            Some(FanOut::Masters(Aggregate::And))
        );
        assert_eq!(fan(&["SCRIPT"]), None, "no subcommand: one node refuses it");
        assert_eq!(fan(&["SCRIPT", "DEBUG", "NO"]), None);
        assert_eq!(fan(&["INFO"]), None);
        assert_eq!(fan(&["GET", "k"]), None);
        assert!(matches!(fan(&["SCAN", "0"]), Some(FanOut::Refuse(_))));
    }
}

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
}

//! `MOVED` and `ASK` error replies: where a cluster sends a command instead.

use crate::config::Addr;
use crate::resp::ServerError;

/// Whether the slot moved for good or only this command goes elsewhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RedirectKind {
    /// `MOVED`: the slot lives on another node now; refresh the slot map.
    Moved,
    /// `ASK`: during a migration, send this one command to the other node after `ASKING`.
    Ask,
}

/// A parsed `MOVED slot host:port` or `ASK slot host:port` error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redirect {
    /// Moved or ask.
    pub kind: RedirectKind,
    /// The slot.
    pub slot: u16,
    /// The node to go to. An empty host (`MOVED 1 :6380`, sent when the node's endpoint is
    /// unknown) means the host of the connection that got the error.
    pub addr: Addr,
}

impl Redirect {
    /// Parses a redirection from an error reply; `None` for any other error.
    ///
    /// IPv6 nodes are written without brackets (`MOVED 1 ::1:6380`): the port is what follows
    /// the last colon.
    pub fn parse(error: &ServerError) -> Option<Redirect> {
        let text = std::str::from_utf8(error.as_bytes()).ok()?;
        let mut words = text.split(' ');
        let kind = match words.next()? {
            "MOVED" => RedirectKind::Moved,
            "ASK" => RedirectKind::Ask,
            _ => return None,
        };
        let slot: u16 = words.next()?.parse().ok()?;
        if slot >= super::SLOTS {
            return None;
        }
        let endpoint = words.next()?;
        if words.next().is_some() {
            return None;
        }
        let (host, port) = endpoint.rsplit_once(':')?;
        let host = host.trim_start_matches('[').trim_end_matches(']');
        let port: u16 = port.parse().ok().filter(|&p| p != 0)?;
        Some(Redirect {
            kind,
            slot,
            addr: Addr::Tcp {
                host: host.to_owned(),
                port,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Option<Redirect> {
        Redirect::parse(&ServerError::new(text.to_owned()))
    }

    fn tcp(host: &str, port: u16) -> Addr {
        Addr::Tcp {
            host: host.into(),
            port,
        }
    }

    #[test]
    fn moved_and_ask_with_ipv4_ipv6_names_and_unknown_endpoints() {
        let r = parse("MOVED 12182 127.0.0.1:17003").unwrap();
        assert_eq!(
            (r.kind, r.slot, r.addr),
            (RedirectKind::Moved, 12182, tcp("127.0.0.1", 17003))
        );
        let r = parse("ASK 1 ::1:6380").unwrap();
        assert_eq!((r.kind, r.addr), (RedirectKind::Ask, tcp("::1", 6380)));
        assert_eq!(
            parse("MOVED 2 [fe80::1]:7000").unwrap().addr,
            tcp("fe80::1", 7000)
        );
        assert_eq!(
            parse("MOVED 3 redis-2.example:6379").unwrap().addr,
            tcp("redis-2.example", 6379)
        );
        assert_eq!(parse("MOVED 4 :6380").unwrap().addr, tcp("", 6380));
    }

    #[test]
    fn anything_else_is_not_a_redirect() {
        for text in [
            "ERR unknown command",
            "MOVED",
            "MOVED 16384 a:1",
            "MOVED -1 a:1",
            "MOVED 1 a",
            "MOVED 1 a:0",
            "MOVED 1 a:99999",
            "MOVED 1 a:1 extra",
            "moved 1 a:1",
            "ASK x a:1",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}

//! Which commands change a connection's session state, so that a pooled connection is only
//! handed to the next caller in the state it was opened in.
//!
//! The original client returned connections to the pool after `SELECT`, `MULTI` or `WATCH`
//! sent through its raw-command method, so the next caller silently ran in another database or
//! inside someone else's transaction. Here such a connection is closed instead of pooled,
//! unless the state was undone (`EXEC`, `DISCARD`, `UNWATCH`).

use crate::cmd::Cmd;

/// Session state changes seen on one connection.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct SessionState {
    /// A command changed the session for good (`SELECT`, `SUBSCRIBE`, `CLIENT SETNAME`, ...).
    tainted: bool,
    /// Inside `MULTI`.
    in_multi: bool,
    /// Keys are being watched.
    watching: bool,
}

impl SessionState {
    /// Records the effect of sending `command`.
    pub(crate) fn apply(&mut self, command: &Cmd) {
        let Some(name) = command.arg_at(0) else {
            return;
        };
        let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
        if is("MULTI") {
            self.in_multi = true;
        } else if is("WATCH") {
            self.watching = true;
        } else if is("EXEC") || is("DISCARD") {
            self.in_multi = false;
            self.watching = false;
        } else if is("UNWATCH") {
            self.watching = false;
        } else if [
            "SELECT",
            "HELLO",
            "AUTH",
            "SUBSCRIBE",
            "PSUBSCRIBE",
            "SSUBSCRIBE",
            "MONITOR",
            "RESET",
            "READONLY",
            "READWRITE",
            "SYNC",
            "PSYNC",
            "QUIT",
            "SWAPDB",
        ]
        .iter()
        .any(|n| is(n))
        {
            self.tainted = true;
        } else if is("CLIENT") {
            let sub = command.arg_at(1).unwrap_or_default();
            let changes = [
                "SETNAME", "SETINFO", "TRACKING", "REPLY", "CACHING", "NO-EVICT", "NO-TOUCH",
            ]
            .iter()
            .any(|n| sub.eq_ignore_ascii_case(n.as_bytes()));
            self.tainted |= changes;
        }
    }

    /// Whether the session is as it was after the handshake.
    pub(crate) fn is_clean(&self) -> bool {
        !self.tainted && !self.in_multi && !self.watching
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cmd::cmd;

    fn after(cmds: &[Cmd]) -> SessionState {
        let mut s = SessionState::default();
        for c in cmds {
            s.apply(c);
        }
        s
    }

    #[test]
    fn plain_commands_leave_the_session_clean() {
        assert!(after(&[cmd("GET").arg("k"), cmd("client").arg("id"), cmd("SELECTX")]).is_clean());
    }

    #[test]
    fn select_and_client_setname_taint_for_good() {
        assert!(!after(&[cmd("select").arg(2)]).is_clean());
        assert!(!after(&[cmd("CLIENT").arg("setname").arg("x"), cmd("EXEC")]).is_clean());
    }

    #[test]
    fn transactions_and_watches_are_clean_once_finished() {
        assert!(!after(&[cmd("MULTI")]).is_clean());
        assert!(after(&[cmd("WATCH").arg("k"), cmd("MULTI"), cmd("EXEC")]).is_clean());
        assert!(after(&[cmd("MULTI"), cmd("DISCARD")]).is_clean());
        assert!(!after(&[cmd("WATCH").arg("k")]).is_clean());
        assert!(after(&[cmd("WATCH").arg("k"), cmd("UNWATCH")]).is_clean());
    }
}

//! [`ClusterScan`]: `SCAN` over every master of a cluster, one after another.

use crate::resp::Blob;

use super::ClusterClient;
use crate::cmd::{ToArgs, cmd};
use crate::commands::Cursor;
use crate::config::Addr;
use crate::{Error, ErrorKind, Result};

/// An iterator over the keys of a whole cluster, from [`ClusterClient::scan_match`]; each
/// step is one round trip.
///
/// At the first call to [`ClusterScan::next`] the masters are listed from a fresh
/// `CLUSTER SLOTS`; then each master, in slot order, is scanned with `SCAN` until its cursor
/// comes back to 0 (replicas hold copies and are not scanned). Keys are returned as the nodes
/// return them, without deduplication: as with every `SCAN`, a key may come more than once
/// if keys are added or removed meanwhile.
///
/// When the slot map changes during the scan (resharding, failover), keys move between
/// masters and one could be missed or seen twice, so the scan fails rather than silently
/// skipping keys: a master that cannot be reached fails the call with its connection error
/// (its own [`ErrorKind`], with the master named), and after each master is done
/// `CLUSTER SLOTS` is read again and, if any slot range now has another master (or the
/// ranges differ), the call fails with [`ErrorKind::Server`]. Start a new scan then. A slot
/// migration still in progress when the scan ends (its keys split between two nodes, the new
/// owner not yet recorded) is not seen: only a finished one is. After an error, calling
/// `next` again retries the same step.
#[derive(Debug)]
pub struct ClusterScan {
    client: ClusterClient,
    cursor: Cursor,
    /// Each slot range and its master when the scan started; `None` before the first call.
    owners: Option<Vec<(u16, u16, Addr)>>,
    /// The masters to scan, in slot order.
    masters: Vec<Addr>,
    /// The master being scanned; `masters.len()` when all are done.
    at: usize,
    /// The master at `at` is done; the slot map is still to be checked again.
    finished_node: bool,
}

impl ClusterScan {
    pub(super) fn new(client: ClusterClient, pattern: impl ToArgs) -> ClusterScan {
        ClusterScan {
            client,
            cursor: Cursor::new(cmd("SCAN"), pattern),
            owners: None,
            masters: Vec::new(),
            at: 0,
            finished_node: false,
        }
    }

    /// Asks each master for about `n` keys per round trip (`COUNT`). Default is the server's
    /// (10).
    pub fn count(mut self, n: usize) -> ClusterScan {
        self.cursor.set_count(n);
        self
    }

    /// The next key, or `None` when every master has been scanned.
    pub async fn next(&mut self) -> Result<Option<Blob>> {
        if self.owners.is_none() {
            let owners = self.client.slot_owners().await?;
            for (_, _, master) in &owners {
                if !self.masters.contains(master) {
                    self.masters.push(master.clone());
                }
            }
            self.owners = Some(owners);
        }
        loop {
            if self.finished_node {
                let now = self.client.slot_owners().await?;
                if self.owners.as_ref() != Some(&now) {
                    return Err(Error::new(
                        ErrorKind::Server,
                        format!(
                            "the cluster's slot map changed during the SCAN (after {} of {} \
                             masters): keys may have moved between masters and been missed; \
                             start the scan again",
                            self.at + 1,
                            self.masters.len()
                        ),
                    ));
                }
                self.finished_node = false;
                self.at += 1;
                self.cursor.restart();
            }
            let Some(addr) = self.masters.get(self.at) else {
                return Ok(None);
            };
            let client = &self.client;
            let step = self
                .cursor
                .next(|page| async move { client.send_to_master(addr, &page).await })
                .await;
            match step {
                Ok(Some(key)) => return Ok(Some(key)),
                Ok(None) => self.finished_node = true,
                Err(err) if err.server_error().is_some() => return Err(err),
                Err(err) => {
                    return Err(Error::new(
                        err.kind(),
                        format!(
                            "SCAN of master {addr} ({} of {}) failed, so the cluster scan cannot \
                             go on without missing keys: {err}",
                            self.at + 1,
                            self.masters.len()
                        ),
                    )
                    .with_source(err));
                }
            }
        }
    }

    /// Every remaining key.
    pub async fn collect(mut self) -> Result<Vec<Blob>> {
        let mut out = Vec::new();
        while let Some(key) = self.next().await? {
            out.push(key);
        }
        Ok(out)
    }
}

//! Redis Cluster: [`ClusterClient`] routes each command to the node serving its key's slot and
//! follows `MOVED`/`ASK`, and [`ClusterScan`] scans the keys of every master; the slot and
//! redirection helpers are usable on their own.

mod client;
mod keys;
mod redirect;
mod scan;
mod slot;

pub use client::ClusterClient;
pub use redirect::{Redirect, RedirectKind};
pub use scan::ClusterScan;
pub use slot::{SLOTS, crc16, hash_slot};

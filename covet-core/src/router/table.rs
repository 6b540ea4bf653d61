//! The live route table: lookups read the current trie without a lock; adding a route
//! publishes a new trie and retires the old one through crossbeam-epoch.
#![allow(unsafe_code)]

use std::sync::{Arc, Mutex};

use crossbeam_epoch::{self as epoch, Atomic, Owned};

use super::trie::Trie;

/// An epoch-protected pointer to an immutable value, replaced wholesale by writers.
pub(crate) struct Published<T> {
    current: Atomic<T>,
    writers: Mutex<()>,
}

impl<T> Published<T> {
    pub(crate) fn new(value: T) -> Self {
        Self {
            current: Atomic::new(value),
            writers: Mutex::new(()),
        }
    }

    /// Runs `f` on the current value; never blocks on writers.
    pub(crate) fn read<R>(&self, f: impl FnOnce(&T) -> R) -> Option<R> {
        let guard = epoch::pin();
        let shared = self
            .current
            .load(std::sync::atomic::Ordering::Acquire, &guard);
        // SAFETY: `current` always holds a pointer from `Owned::new` that is only freed through
        // `defer_destroy` after being unlinked, so it stays valid while `guard` pins the epoch.
        let value = unsafe { shared.as_ref() }?;
        Some(f(value))
    }

    /// Replaces the value with `f(current)` (writers are serialised by a mutex).
    pub(crate) fn update<E>(&self, f: impl FnOnce(&T) -> Result<T, E>) -> Result<(), E> {
        let _writer = self.writers.lock().unwrap_or_else(|e| e.into_inner());
        let guard = epoch::pin();
        let order = std::sync::atomic::Ordering::Acquire;
        let shared = self.current.load(order, &guard);
        // SAFETY: as in `read`; the writer lock also keeps other writers from retiring it.
        let Some(current) = (unsafe { shared.as_ref() }) else {
            return Ok(());
        };
        let next = f(current)?;
        let old = self.current.swap(
            Owned::new(next),
            std::sync::atomic::Ordering::AcqRel,
            &guard,
        );
        // SAFETY: `old` is unlinked (swapped out) and no new reader can reach it; readers that
        // loaded it before the swap hold guards, and destruction waits for them.
        unsafe { guard.defer_destroy(old) };
        Ok(())
    }
}

impl<T> Drop for Published<T> {
    fn drop(&mut self) {
        // SAFETY: `&mut self` means no reader or writer is left; the pointer came from
        // `Owned::new` and is freed exactly once here.
        unsafe {
            let shared = self
                .current
                .load(std::sync::atomic::Ordering::Relaxed, epoch::unprotected());
            if !shared.is_null() {
                drop(shared.into_owned());
            }
        }
    }
}

impl<T> std::fmt::Debug for Published<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Published")
    }
}

/// The shared state behind a [`Router`](super::Router).
pub(crate) type Table<E> = Arc<Published<Trie<E>>>;

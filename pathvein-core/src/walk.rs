//! A parallel directory walk that reads every directory once and folds results bottom-up.
//!
//! The unit of work is a directory: one `read_dir`, each entry classified from the listing's
//! `d_type` (a `stat` only for symbolic links, and an `lstat` inside `std` when the file system
//! reports an unknown type). Workers share a LIFO stack (depth-first, which bounds memory) and each
//! keeps one child for itself to avoid the lock on the common path. A directory is *finished*
//! once its own listing and all of its child directories are finished; [`Visitor::finish`] then
//! turns its accumulator into the value handed to its parent. Nothing depends on the order in
//! which workers run, so the fold is the same for any number of threads.
//!
//! Symbolic links to directories are descended when following links, with loop detection: a link
//! whose target is the directory itself or one of its ancestors (same device and inode) is not
//! entered and is reported.

use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, PoisonError};

/// Identity of a directory for loop detection: (device, inode) on Unix.
pub(crate) type DirId = (u64, u64);

/// How a directory listing was obtained.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DirStatus {
    /// Listed.
    Read,
    /// `read_dir` failed; treated as empty.
    Unreadable,
    /// A link back to an ancestor; not entered, treated as empty.
    Loop,
}

/// A classified directory entry.
#[derive(Clone, Copy, Debug)]
pub(crate) enum EntryKind {
    /// A regular file, or a link to one when following links.
    File,
    /// A directory, or a link to one when following links.
    Dir(ChildDir),
}

/// What the walk knows about a child directory without another system call.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ChildDir {
    id: Option<DirId>,
    via_link: bool,
}

/// What went wrong at one path during a walk.
#[derive(Debug)]
pub(crate) enum WalkIssue {
    Unreadable(io::Error),
    Entry(io::Error),
    Loop(PathBuf),
}

/// Lists `path`, classifying each entry as pathvein does (`is_file()` / `is_dir()`, which follow
/// links when `follow_links`); other entries (FIFOs, sockets, devices, broken links) are skipped.
/// Returns the errors met on single entries.
pub(crate) fn list_dir(
    path: &Path,
    follow_links: bool,
    dev: Option<u64>,
    mut on_entry: impl FnMut(EntryKind, &OsStr),
) -> io::Result<Vec<(PathBuf, io::Error)>> {
    let mut errors = Vec::new();
    for entry in fs::read_dir(path)? {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                errors.push((path.to_owned(), e));
                continue;
            }
        };
        let Ok(ft) = entry.file_type() else { continue };
        let name = entry.file_name();
        if ft.is_dir() {
            let id = dev.and_then(|d| entry_ino(&entry).map(|i| (d, i)));
            on_entry(
                EntryKind::Dir(ChildDir {
                    id,
                    via_link: false,
                }),
                &name,
            );
        } else if ft.is_file() {
            on_entry(EntryKind::File, &name);
        } else if ft.is_symlink() && follow_links {
            match fs::metadata(entry.path()) {
                Ok(m) if m.is_dir() => {
                    on_entry(
                        EntryKind::Dir(ChildDir {
                            id: Some(meta_id(&m)),
                            via_link: true,
                        }),
                        &name,
                    );
                }
                Ok(m) if m.is_file() => on_entry(EntryKind::File, &name),
                _ => {}
            }
        }
    }
    Ok(errors)
}

#[cfg(unix)]
fn entry_ino(entry: &fs::DirEntry) -> Option<u64> {
    use std::os::unix::fs::DirEntryExt;
    Some(entry.ino())
}

#[cfg(not(unix))]
fn entry_ino(_: &fs::DirEntry) -> Option<u64> {
    None
}

#[cfg(unix)]
pub(crate) fn meta_id(m: &fs::Metadata) -> DirId {
    use std::os::unix::fs::MetadataExt;
    (m.dev(), m.ino())
}

#[cfg(not(unix))]
pub(crate) fn meta_id(_: &fs::Metadata) -> DirId {
    (0, 0)
}

/// What a walk computes, per directory, bottom-up.
pub(crate) trait Visitor: Sync {
    /// Built from a directory's own files.
    type Acc: Send;
    /// Handed from a finished directory to its parent.
    type Up: Send;
    /// Per-worker output, merged by the caller.
    type Local: Default + Send;
    /// A fresh accumulator for a directory.
    fn start(&self) -> Self::Acc;
    /// A file in the directory.
    fn file(&self, acc: &mut Self::Acc, name: &OsStr, local: &mut Self::Local);
    /// A child directory finished.
    fn child(&self, acc: &mut Self::Acc, up: Self::Up);
    /// The directory and all its children are done.
    fn finish(
        &self,
        path: &Path,
        status: DirStatus,
        acc: Self::Acc,
        local: &mut Self::Local,
    ) -> Self::Up;
}

struct DirNode<A> {
    path: PathBuf,
    id: Option<DirId>,
    looped: Option<PathBuf>,
    parent: Option<Arc<DirNode<A>>>,
    /// Unfinished children, plus one while the directory's own listing is in progress.
    pending: AtomicUsize,
    acc: Mutex<Option<(DirStatus, A)>>,
}

struct Queue<A> {
    tasks: Mutex<Vec<Arc<DirNode<A>>>>,
    ready: Condvar,
    /// Directories queued, kept by a worker, or being listed.
    active: AtomicUsize,
    /// Set when a worker panicked: the others stop instead of waiting for its directories.
    abort: AtomicBool,
}

/// Wakes and stops the other workers if this one unwinds.
struct AbortOnPanic<'q, A>(&'q Queue<A>);

impl<A> Drop for AbortOnPanic<'_, A> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.0.abort.store(true, Ordering::Release);
            let _guard = lock(&self.0.tasks);
            self.0.ready.notify_all();
        }
    }
}

/// Walk options.
#[derive(Clone, Copy, Debug)]
pub(crate) struct WalkOptions {
    pub(crate) threads: usize,
    pub(crate) follow_links: bool,
}

/// Walks the tree at `root` (a directory with identity `root_id`), returning each worker's
/// output and every issue met, by path.
pub(crate) fn walk<V: Visitor>(
    root: PathBuf,
    root_id: Option<DirId>,
    visitor: &V,
    options: WalkOptions,
) -> (Vec<V::Local>, Vec<(PathBuf, WalkIssue)>) {
    let queue = Queue {
        tasks: Mutex::new(vec![Arc::new(DirNode {
            path: root,
            id: root_id,
            looped: None,
            parent: None,
            pending: AtomicUsize::new(1),
            acc: Mutex::new(None),
        })]),
        ready: Condvar::new(),
        active: AtomicUsize::new(1),
        abort: AtomicBool::new(false),
    };
    let threads = options.threads.max(1);
    if threads == 1 {
        let out = worker(&queue, visitor, options);
        return (vec![out.0], out.1);
    }
    let mut locals = Vec::with_capacity(threads);
    let mut issues = Vec::new();
    std::thread::scope(|s| {
        let handles: Vec<_> = (1..threads)
            .map(|_| s.spawn(|| worker(&queue, visitor, options)))
            .collect();
        let (local, mut own) = worker(&queue, visitor, options);
        locals.push(local);
        issues.append(&mut own);
        for h in handles {
            // A panicking visitor is a bug in this crate; re-raise it on the caller's thread.
            match h.join() {
                Ok((local, mut own)) => {
                    locals.push(local);
                    issues.append(&mut own);
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    (locals, issues)
}

fn worker<V: Visitor>(
    queue: &Queue<V::Acc>,
    visitor: &V,
    options: WalkOptions,
) -> (V::Local, Vec<(PathBuf, WalkIssue)>) {
    let _abort = AbortOnPanic(queue);
    let mut local = V::Local::default();
    let mut issues = Vec::new();
    let mut next: Option<Arc<DirNode<V::Acc>>> = None;
    loop {
        let task = match next.take() {
            Some(t) => t,
            None => match pop(queue) {
                Some(t) => t,
                None => break,
            },
        };
        let mut children = process(&task, visitor, options, &mut local, &mut issues);
        queue.active.fetch_add(children.len(), Ordering::AcqRel);
        next = children.pop();
        if !children.is_empty() {
            let n = children.len();
            lock(&queue.tasks).append(&mut children);
            if n == 1 {
                queue.ready.notify_one();
            } else {
                queue.ready.notify_all();
            }
        }
        release(task, visitor, &mut local);
        if queue.active.fetch_sub(1, Ordering::AcqRel) == 1 {
            let _guard = lock(&queue.tasks);
            queue.ready.notify_all();
        }
    }
    (local, issues)
}

fn pop<A>(queue: &Queue<A>) -> Option<Arc<DirNode<A>>> {
    let mut tasks = lock(&queue.tasks);
    loop {
        if let Some(t) = tasks.pop() {
            return Some(t);
        }
        if queue.active.load(Ordering::Acquire) == 0 || queue.abort.load(Ordering::Acquire) {
            return None;
        }
        tasks = queue
            .ready
            .wait(tasks)
            .unwrap_or_else(PoisonError::into_inner);
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Lists one directory, feeds its files to the visitor and returns its child directories.
fn process<V: Visitor>(
    task: &Arc<DirNode<V::Acc>>,
    visitor: &V,
    options: WalkOptions,
    local: &mut V::Local,
    issues: &mut Vec<(PathBuf, WalkIssue)>,
) -> Vec<Arc<DirNode<V::Acc>>> {
    let mut acc = visitor.start();
    let mut found: Vec<(OsString, ChildDir)> = Vec::new();
    let status = if let Some(ancestor) = &task.looped {
        issues.push((task.path.clone(), WalkIssue::Loop(ancestor.clone())));
        DirStatus::Loop
    } else {
        let dev = task.id.map(|(d, _)| d);
        let listed = list_dir(
            &task.path,
            options.follow_links,
            dev,
            |kind, name| match kind {
                EntryKind::File => visitor.file(&mut acc, name, local),
                EntryKind::Dir(child) => found.push((name.to_owned(), child)),
            },
        );
        match listed {
            Ok(errors) => {
                issues.extend(errors.into_iter().map(|(p, e)| (p, WalkIssue::Entry(e))));
                DirStatus::Read
            }
            Err(e) => {
                issues.push((task.path.clone(), WalkIssue::Unreadable(e)));
                DirStatus::Unreadable
            }
        }
    };
    task.pending.store(found.len() + 1, Ordering::Release);
    *lock(&task.acc) = Some((status, acc));
    found
        .into_iter()
        .map(|(name, child)| {
            let looped = if child.via_link {
                ancestor_with(task, child.id)
            } else {
                None
            };
            Arc::new(DirNode {
                path: task.path.join(name),
                id: child.id,
                looped,
                parent: Some(Arc::clone(task)),
                pending: AtomicUsize::new(1),
                acc: Mutex::new(None),
            })
        })
        .collect()
}

/// The path of `node` or an ancestor with identity `id`, if any.
fn ancestor_with<A>(node: &Arc<DirNode<A>>, id: Option<DirId>) -> Option<PathBuf> {
    let id = id?;
    let mut cur = Some(node);
    while let Some(n) = cur {
        if n.id == Some(id) {
            return Some(n.path.clone());
        }
        cur = n.parent.as_ref();
    }
    None
}

/// Drops one pending count of `node`; finishes it, and then its ancestors, when none remain.
fn release<V: Visitor>(node: Arc<DirNode<V::Acc>>, visitor: &V, local: &mut V::Local) {
    let mut node = node;
    loop {
        if node.pending.fetch_sub(1, Ordering::AcqRel) != 1 {
            return;
        }
        let Some((status, acc)) = lock(&node.acc).take() else {
            return;
        };
        let up = visitor.finish(&node.path, status, acc, local);
        let Some(parent) = node.parent.clone() else {
            return;
        };
        if let Some((_, parent_acc)) = lock(&parent.acc).as_mut() {
            visitor.child(parent_acc, up);
        }
        node = parent;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Counts files per directory bottom-up; panics in the directory named `boom`.
    struct Counter;

    impl Visitor for Counter {
        type Acc = usize;
        type Up = usize;
        type Local = Vec<(PathBuf, usize)>;
        fn start(&self) -> usize {
            0
        }
        fn file(&self, acc: &mut usize, _: &OsStr, _: &mut Self::Local) {
            *acc += 1;
        }
        fn child(&self, acc: &mut usize, up: usize) {
            *acc += up;
        }
        fn finish(&self, path: &Path, _: DirStatus, acc: usize, local: &mut Self::Local) -> usize {
            assert!(!path.ends_with("boom"), "visitor panic");
            local.push((path.to_owned(), acc));
            acc
        }
    }

    fn tree(with_boom: bool) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for d in ["a/b/c", "a/d", "e"] {
            fs::create_dir_all(dir.path().join(d)).unwrap();
            fs::write(dir.path().join(d).join("f"), "").unwrap();
        }
        if with_boom {
            fs::create_dir_all(dir.path().join("e/boom")).unwrap();
        }
        dir
    }

    fn totals(root: &Path, threads: usize) -> Vec<(PathBuf, usize)> {
        let options = WalkOptions {
            threads,
            follow_links: true,
        };
        let (locals, issues) = walk(root.to_owned(), None, &Counter, options);
        assert!(issues.is_empty());
        let mut all: Vec<_> = locals.into_iter().flatten().collect();
        all.sort();
        all
    }

    #[test]
    fn subtree_totals_fold_bottom_up_for_any_thread_count() {
        let dir = tree(false);
        let one = totals(dir.path(), 1);
        assert_eq!(one.len(), 6);
        assert_eq!(one[0], (dir.path().to_owned(), 3));
        assert_eq!(
            one.iter().find(|(p, _)| p.ends_with("a")).map(|x| x.1),
            Some(2)
        );
        assert_eq!(totals(dir.path(), 4), one);
    }

    #[test]
    fn a_panicking_visitor_propagates_instead_of_hanging() {
        let dir = tree(true);
        for threads in [1, 3] {
            let result = std::panic::catch_unwind(|| totals(dir.path(), threads));
            assert!(result.is_err(), "threads {threads}");
        }
    }
}

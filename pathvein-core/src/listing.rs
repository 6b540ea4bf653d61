//! Scanning a tree described by a flat list of object keys, the way one recursive, paginated
//! object-store listing describes a bucket prefix.
//!
//! Object stores have no directories: a key `exp_1/raw/r.parquet` implies the directories
//! `exp_1` and `exp_1/raw`, and a key ending in `/` (`empty/`) is a directory marker, which is how
//! empty directories exist there (fsspec and pathvein treat it as a directory too). Building the
//! tree from one listing costs one request per 1,000 keys, where pathvein (through fsspec) lists
//! every directory separately. [`Scanner::scan_keys`] then evaluates the patterns bottom-up over
//! the tree with the same matcher as [`Scanner::scan`].

use std::collections::HashMap;
use std::ffi::OsStr;

use crate::compile::{Bits, Compiled};
use crate::scan::Scanner;

/// A directory tree built from object keys (paths relative to the scanned prefix).
#[derive(Clone, Debug, Default)]
pub struct KeyTree {
    dirs: Vec<KeyDir>,
    index: HashMap<String, usize>,
}

#[derive(Clone, Debug, Default)]
struct KeyDir {
    path: String,
    name: String,
    files: Vec<String>,
    children: Vec<usize>,
}

/// A (directory, pattern) match in a [`KeyTree`].
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct KeyMatch {
    /// The directory's path relative to the root, `/`-separated; `""` for the root itself.
    pub path: String,
    /// Index of the matching pattern.
    pub pattern: usize,
}

impl KeyTree {
    /// Builds the tree from `keys`, relative to the root and `/`-separated. Empty segments are
    /// ignored; a key ending in `/` is a directory marker.
    ///
    /// ```
    /// use pathvein_core::KeyTree;
    /// let tree = KeyTree::from_keys(["exp_1/a.csv", "exp_1/raw/r.parquet", "empty/"]);
    /// assert_eq!(tree.dir_count(), 4); // the root, exp_1, exp_1/raw, empty
    /// assert_eq!(tree.file_count(), 2);
    /// ```
    pub fn from_keys<I, S>(keys: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let mut tree = Self::default();
        tree.dirs.push(KeyDir::default());
        tree.index.insert(String::new(), 0);
        for key in keys {
            let key = key.as_ref();
            let marker = key.ends_with('/');
            let parts: Vec<&str> = key.split('/').filter(|p| !p.is_empty()).collect();
            let Some((last, parents)) = parts.split_last() else {
                continue;
            };
            let mut dir = 0;
            for part in parents {
                dir = tree.child(dir, part);
            }
            if marker {
                tree.child(dir, last);
            } else if let Some(d) = tree.dirs.get_mut(dir) {
                d.files.push((*last).to_owned());
            }
        }
        tree
    }

    /// The index of directory `name` under `parent`, created when missing.
    fn child(&mut self, parent: usize, name: &str) -> usize {
        let parent_path = self
            .dirs
            .get(parent)
            .map(|d| d.path.clone())
            .unwrap_or_default();
        let path = if parent_path.is_empty() {
            name.to_owned()
        } else {
            format!("{parent_path}/{name}")
        };
        if let Some(&i) = self.index.get(&path) {
            return i;
        }
        let i = self.dirs.len();
        self.dirs.push(KeyDir {
            path: path.clone(),
            name: name.to_owned(),
            ..KeyDir::default()
        });
        self.index.insert(path, i);
        if let Some(p) = self.dirs.get_mut(parent) {
            p.children.push(i);
        }
        i
    }

    /// Directories, the root included.
    pub fn dir_count(&self) -> usize {
        self.dirs.len()
    }

    /// Files.
    pub fn file_count(&self) -> usize {
        self.dirs.iter().map(|d| d.files.len()).sum()
    }
}

impl Scanner {
    /// Scans a [`KeyTree`] whose root directory is called `root_name` (the last segment of the
    /// listed prefix, which `directory_name` globs see). Matches are sorted by (path, pattern).
    ///
    /// ```
    /// use pathvein_core::{FileStructurePattern, KeyTree, ScanOptions, Scanner};
    /// let tree = KeyTree::from_keys(["exp_1/a.csv", "exp_2/notes.txt"]);
    /// let p = FileStructurePattern::builder().directory_name("exp_*").file("*.csv").build();
    /// let found = Scanner::new(&[p], ScanOptions::new())?.scan_keys(&tree, "bench");
    /// assert_eq!(found.len(), 1);
    /// assert_eq!(found[0].path, "exp_1");
    /// # Ok::<(), pathvein_core::Error>(())
    /// ```
    pub fn scan_keys(&self, tree: &KeyTree, root_name: &str) -> Vec<KeyMatch> {
        let compiled = self.compiled();
        let satisfied = evaluate_tree(compiled, tree, root_name);
        let mut out = Vec::new();
        for (dir, bits) in tree.dirs.iter().zip(&satisfied) {
            for (index, &node) in compiled.roots.iter().enumerate() {
                if bits.get(node) {
                    out.push(KeyMatch {
                        path: dir.path.clone(),
                        pattern: index,
                    });
                }
            }
        }
        out.sort();
        out
    }
}

/// The pattern nodes each directory of `tree` satisfies, by directory index, evaluated bottom-up.
pub(crate) fn evaluate_tree(compiled: &Compiled, tree: &KeyTree, root_name: &str) -> Vec<Bits> {
    let mut units = Vec::new();
    let mut satisfied: Vec<Option<Bits>> = vec![None; tree.dirs.len()];
    // Children always have larger indices than their parent: evaluate from the end.
    for (i, dir) in tree.dirs.iter().enumerate().rev() {
        let mut files = compiled.file_bits();
        for f in &dir.files {
            compiled.add_file(OsStr::new(f), &mut files, &mut units);
        }
        let mut children = compiled.node_bits();
        for &c in &dir.children {
            if let Some(Some(bits)) = satisfied.get(c) {
                children.union(bits);
            }
        }
        let name = if i == 0 { root_name } else { dir.name.as_str() };
        satisfied[i] = Some(compiled.evaluate(OsStr::new(name), &files, &children, &mut units));
    }
    satisfied
        .into_iter()
        .map(|b| b.unwrap_or_else(|| compiled.node_bits()))
        .collect()
}

#[cfg(feature = "object-store")]
impl KeyTree {
    /// The directory at `path` (relative to the root, `/`-separated; `""` is the root).
    pub(crate) fn find(&self, path: &str) -> Option<usize> {
        self.index.get(path).copied()
    }

    /// Directory `i`: its path, its files' names, and its child directories' indices and names.
    pub(crate) fn dir(
        &self,
        i: usize,
    ) -> Option<(&str, &[String], impl Iterator<Item = (usize, &str)>)> {
        let d = self.dirs.get(i)?;
        let children = d
            .children
            .iter()
            .filter_map(|&c| Some((c, self.dirs.get(c)?.name.as_str())));
        Some((d.path.as_str(), d.files.as_slice(), children))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_become_directories_and_markers_empty_ones() {
        let tree = KeyTree::from_keys(["a/b/c.txt", "a/x.txt", "e/", "//f//g.txt", ""]);
        let mut paths: Vec<&str> = tree.dirs.iter().map(|d| d.path.as_str()).collect();
        paths.sort_unstable();
        assert_eq!(paths, vec!["", "a", "a/b", "e", "f"]);
        assert_eq!(tree.file_count(), 3);
    }
}

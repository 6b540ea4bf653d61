//! [`assess`]: which directories around one file match a pattern (pathvein's `assess`).
//!
//! For each pattern, every file glob (required or optional, at any depth of the pattern, prefixed
//! by the sub-pattern names leading to it) is tried against the end of the file's path as
//! Python's `PurePath.match("**/<names>/<glob>")` does. Each hit names a candidate root, that many
//! levels up; a candidate that matches the pattern is reported.
//!
//! Differences from pathvein 0.9.0, which crashes in these cases: a sub-pattern whose name is
//! `None` or `""` stands for any one directory (pathvein raises `TypeError`, or is off by one
//! level); a candidate root that does not exist or is not a directory is skipped (pathvein raises
//! `FileNotFoundError`); an unreadable directory counts as empty.

use std::collections::BTreeSet;
use std::ffi::{OsStr, OsString};
use std::path::{Component, Path, PathBuf};

use crate::error::Result;
use crate::glob::Glob;
use crate::pattern::FileStructurePattern;
use crate::scan::{ScanMatch, ScanOptions, Scanner};

/// The directories around `file` that match one of `patterns`, sorted by (path, pattern), with
/// pathvein's behaviour ([`ScanOptions::default`]).
///
/// ```
/// use pathvein_core::{assess, FileStructurePattern};
/// let dir = tempfile::tempdir()?;
/// std::fs::create_dir_all(dir.path().join("exp_1/raw"))?;
/// std::fs::write(dir.path().join("exp_1/raw/r.parquet"), "x")?;
/// let raw = FileStructurePattern::builder().directory_name("raw").file("*.parquet").build();
/// let exp = FileStructurePattern::builder().directory_name("exp_*").directory(raw).build();
/// let found = assess(dir.path().join("exp_1/raw/r.parquet"), &[exp])?;
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].path, dir.path().join("exp_1"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
///
/// [`crate::Error::Glob`] only, for a glob the dialect rejects.
pub fn assess(file: impl AsRef<Path>, patterns: &[FileStructurePattern]) -> Result<Vec<ScanMatch>> {
    Scanner::new(patterns, ScanOptions::default())?.assess(file.as_ref())
}

impl Scanner {
    /// [`assess`] with this scanner's compiled patterns and options.
    ///
    /// # Errors
    ///
    /// [`crate::Error::Glob`] for a path glob the dialect rejects.
    pub fn assess(&self, file: &Path) -> Result<Vec<ScanMatch>> {
        let parts = parts(file);
        let parents = parents(&parts);
        let mut units = Vec::new();
        let mut out = Vec::new();
        for (index, pattern) in self.patterns().iter().enumerate() {
            let mut candidates = BTreeSet::new();
            self.parents_of(pattern, &parts, &parents, &[], &mut candidates)?;
            let Some(&node) = self.compiled().roots.get(index) else {
                continue;
            };
            for root in candidates {
                let is_dir = std::fs::metadata(&root).is_ok_and(|m| m.is_dir());
                if is_dir
                    && self.compiled().matches_dir(
                        node,
                        &root,
                        self.options().follows_links(),
                        &mut units,
                    )
                {
                    out.push(ScanMatch {
                        path: root,
                        pattern: index,
                    });
                }
            }
        }
        out.sort();
        Ok(out)
    }

    fn parents_of(
        &self,
        pattern: &FileStructurePattern,
        parts: &[OsString],
        parents: &[PathBuf],
        prefix: &[String],
        out: &mut BTreeSet<PathBuf>,
    ) -> Result<()> {
        for glob in pattern.all_files() {
            let mut pat = vec!["**".to_owned()];
            pat.extend(join(prefix, glob));
            if self.path_match(parts, &pat)? {
                // `file.parents[len(pattern.parts) - 2]`, with Python's negative indexing.
                let depth = pat.len() as isize - 2;
                let index = if depth < 0 {
                    parents.len() as isize + depth
                } else {
                    depth
                };
                if let Some(root) = usize::try_from(index).ok().and_then(|i| parents.get(i)) {
                    out.insert(root.clone());
                }
            }
        }
        for sub in pattern.all_directories() {
            let name = sub
                .directory_name
                .as_deref()
                .filter(|n| !n.is_empty())
                .unwrap_or("*");
            self.parents_of(sub, parts, parents, &join(prefix, name), out)?;
        }
        Ok(())
    }

    /// `PurePosixPath(file).match(pattern)` for a relative pattern: compare from the right.
    fn path_match(&self, parts: &[OsString], pattern: &[String]) -> Result<bool> {
        if pattern.len() > parts.len() {
            return Ok(false);
        }
        for (part, pat) in parts.iter().rev().zip(pattern.iter().rev()) {
            if !Glob::new(pat, self.dialect())?.is_match(part) {
                return Ok(false);
            }
        }
        Ok(true)
    }
}

/// The components of `prefix / text` as `PurePosixPath` keeps them (no empty or `.` parts; an
/// absolute `text` starts over).
fn join(prefix: &[String], text: &str) -> Vec<String> {
    let mut out = if text.starts_with('/') {
        Vec::new()
    } else {
        prefix.to_vec()
    };
    out.extend(
        text.split('/')
            .filter(|c| !c.is_empty() && *c != ".")
            .map(str::to_owned),
    );
    out
}

/// `PurePath(file).parts`.
fn parts(file: &Path) -> Vec<OsString> {
    file.components()
        .filter_map(|c| match c {
            Component::RootDir => Some(OsString::from("/")),
            Component::Normal(n) => Some(n.to_owned()),
            Component::ParentDir => Some(OsString::from("..")),
            Component::CurDir => None,
            Component::Prefix(p) => Some(p.as_os_str().to_owned()),
        })
        .collect()
}

/// `PurePath(file).parents`: nearest first, ending at `/` (absolute) or `.` (relative).
fn parents(parts: &[OsString]) -> Vec<PathBuf> {
    let absolute = parts.first().is_some_and(|p| p == OsStr::new("/"));
    let stop = usize::from(absolute);
    (stop..parts.len())
        .rev()
        .map(|end| {
            let p: PathBuf = parts[..end].iter().collect();
            if p.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                p
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parents_follow_python() {
        let abs = parents(&parts(Path::new("/a/b/c.txt")));
        assert_eq!(
            abs,
            vec![
                PathBuf::from("/a/b"),
                PathBuf::from("/a"),
                PathBuf::from("/")
            ]
        );
        let rel = parents(&parts(Path::new("a/c.txt")));
        assert_eq!(rel, vec![PathBuf::from("a"), PathBuf::from(".")]);
    }

    #[test]
    fn join_drops_empty_and_dot_and_restarts_on_absolute() {
        let prefix = vec!["raw".to_owned()];
        assert_eq!(join(&prefix, "./x//*.csv"), vec!["raw", "x", "*.csv"]);
        assert_eq!(join(&prefix, "/x"), vec!["x"]);
        assert!(join(&[], "").is_empty());
    }
}

//! [`FileStructurePattern`]: the shape of a directory to look for, and its builder.

use std::path::Path;

use crate::error::{Error, Result};

/// A directory shape: a name glob, required and optional files, required and optional
/// sub-directories (themselves patterns).
///
/// A directory matches when its name matches [`directory_name`](Self::directory_name) (`None` or
/// `""` means any name), every glob in [`files`](Self::files) matches at least one of its direct
/// child files, and every pattern in [`directories`](Self::directories) is matched, recursively, by
/// at least one of its direct child directories. The optional lists never affect matching; they
/// widen what [`shuffle`](crate::shuffle) copies.
///
/// Equality and hashing are by value, order and duplicates included, as in pathvein.
/// [`Default`] is pathvein's `FileStructurePattern()`: `directory_name` `"*"`, everything else
/// empty.
///
/// ```
/// use pathvein_core::FileStructurePattern;
/// let raw = FileStructurePattern::builder().directory_name("raw").file("*.parquet").build();
/// let exp = FileStructurePattern::builder()
///     .directory_name("exp_*")
///     .file("*.csv")
///     .optional_file("notes.txt")
///     .directory(raw)
///     .build();
/// assert_eq!(FileStructurePattern::from_json(&exp.to_json())?, exp);
/// # Ok::<(), pathvein_core::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FileStructurePattern {
    /// Glob for the directory's own name; `None` or `""` match any name.
    pub directory_name: Option<String>,
    /// Globs that must each match at least one direct child file.
    pub files: Vec<String>,
    /// Patterns that must each be matched by at least one direct child directory.
    pub directories: Vec<FileStructurePattern>,
    /// Globs of files copied by `shuffle` when present; never required.
    pub optional_files: Vec<String>,
    /// Sub-directory patterns copied by `shuffle` when matched; never required.
    pub optional_directories: Vec<FileStructurePattern>,
}

impl Default for FileStructurePattern {
    fn default() -> Self {
        Self {
            directory_name: Some("*".to_owned()),
            files: Vec::new(),
            directories: Vec::new(),
            optional_files: Vec::new(),
            optional_directories: Vec::new(),
        }
    }
}

impl FileStructurePattern {
    /// A builder starting from [`Default`] (any name, nothing required).
    pub fn builder() -> PatternBuilder {
        PatternBuilder {
            pattern: Self::default(),
        }
    }

    /// Whether [`directory_name`](Self::directory_name) accepts every name (`None` or `""`).
    pub fn any_name(&self) -> bool {
        self.directory_name.as_deref().is_none_or(str::is_empty)
    }

    /// Required then optional file globs, each once, in first-seen order (pathvein's `all_files`,
    /// which is unordered there).
    pub fn all_files(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for f in self.files.iter().chain(&self.optional_files) {
            if !out.contains(&f.as_str()) {
                out.push(f);
            }
        }
        out
    }

    /// Required then optional sub-patterns, each once, in first-seen order (pathvein's
    /// `all_directories`).
    pub fn all_directories(&self) -> Vec<&FileStructurePattern> {
        let mut out: Vec<&FileStructurePattern> = Vec::new();
        for d in self.directories.iter().chain(&self.optional_directories) {
            if !out.contains(&d) {
                out.push(d);
            }
        }
        out
    }

    /// Reads a pattern file in either JSON form (see [`from_json`](Self::from_json)).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] when the file cannot be read, and the errors of `from_json`.
    pub fn load_json(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref();
        let meta =
            std::fs::metadata(path).map_err(|e| Error::io("reading pattern file", path, e))?;
        if meta.len() > crate::json::MAX_JSON_BYTES as u64 {
            return Err(Error::Limit {
                what: "pattern file size in bytes",
                limit: crate::json::MAX_JSON_BYTES,
            });
        }
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::io("reading pattern file", path, e))?;
        Self::from_json(&text)
    }

    /// Number of patterns in this tree, itself included.
    #[cfg(test)]
    pub(crate) fn node_count(&self) -> usize {
        1 + self
            .directories
            .iter()
            .chain(&self.optional_directories)
            .map(Self::node_count)
            .sum::<usize>()
    }
}

/// Builds a [`FileStructurePattern`] step by step; every method takes and returns the builder.
#[derive(Clone, Debug)]
#[must_use]
pub struct PatternBuilder {
    pattern: FileStructurePattern,
}

impl PatternBuilder {
    /// Sets the directory-name glob. Default is `"*"`.
    pub fn directory_name(mut self, glob: impl Into<String>) -> Self {
        self.pattern.directory_name = Some(glob.into());
        self
    }

    /// Accepts any directory name (`directory_name = None`, as pathvein's `from_json` leaves it).
    pub fn any_directory_name(mut self) -> Self {
        self.pattern.directory_name = None;
        self
    }

    /// Adds a required file glob.
    pub fn file(mut self, glob: impl Into<String>) -> Self {
        self.pattern.files.push(glob.into());
        self
    }

    /// Adds required file globs.
    pub fn files<I: IntoIterator<Item = S>, S: Into<String>>(mut self, globs: I) -> Self {
        self.pattern.files.extend(globs.into_iter().map(Into::into));
        self
    }

    /// Adds an optional file glob.
    pub fn optional_file(mut self, glob: impl Into<String>) -> Self {
        self.pattern.optional_files.push(glob.into());
        self
    }

    /// Adds optional file globs.
    pub fn optional_files<I: IntoIterator<Item = S>, S: Into<String>>(mut self, globs: I) -> Self {
        self.pattern
            .optional_files
            .extend(globs.into_iter().map(Into::into));
        self
    }

    /// Adds a required sub-directory pattern.
    pub fn directory(mut self, pattern: FileStructurePattern) -> Self {
        self.pattern.directories.push(pattern);
        self
    }

    /// Adds required sub-directory patterns.
    pub fn directories(mut self, patterns: impl IntoIterator<Item = FileStructurePattern>) -> Self {
        self.pattern.directories.extend(patterns);
        self
    }

    /// Adds an optional sub-directory pattern.
    pub fn optional_directory(mut self, pattern: FileStructurePattern) -> Self {
        self.pattern.optional_directories.push(pattern);
        self
    }

    /// Adds optional sub-directory patterns.
    pub fn optional_directories(
        mut self,
        patterns: impl IntoIterator<Item = FileStructurePattern>,
    ) -> Self {
        self.pattern.optional_directories.extend(patterns);
        self
    }

    /// The finished pattern.
    pub fn build(self) -> FileStructurePattern {
        self.pattern
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn default_is_pathvein_constructor() {
        let p = FileStructurePattern::default();
        assert_eq!(p.directory_name.as_deref(), Some("*"));
        assert!(p.files.is_empty() && p.directories.is_empty());
    }

    #[test]
    fn equality_is_by_value_and_order_sensitive() {
        let a = FileStructurePattern::builder().files(["a", "b"]).build();
        let b = FileStructurePattern::builder().files(["b", "a"]).build();
        assert_ne!(a, b);
        let set: HashSet<_> = [a.clone(), a, b].into_iter().collect();
        assert_eq!(set.len(), 2);
    }

    #[test]
    fn self_nesting_copies_by_value() {
        let p = FileStructurePattern::builder().file("x").build();
        let q = FileStructurePattern::builder()
            .file("x")
            .directory(p.clone())
            .build();
        assert_eq!(q.directories[0], p);
        assert_eq!(q.node_count(), 2);
    }

    #[test]
    fn all_files_dedups_in_first_seen_order() {
        let p = FileStructurePattern::builder()
            .files(["b", "a"])
            .optional_files(["a", "c"])
            .build();
        assert_eq!(p.all_files(), vec!["b", "a", "c"]);
    }

    #[test]
    fn any_name_for_none_and_empty() {
        assert!(
            FileStructurePattern::builder()
                .any_directory_name()
                .build()
                .any_name()
        );
        assert!(
            FileStructurePattern::builder()
                .directory_name("")
                .build()
                .any_name()
        );
        assert!(!FileStructurePattern::default().any_name());
    }
}

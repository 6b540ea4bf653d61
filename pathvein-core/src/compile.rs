//! Pattern trees compiled once: every distinct (sub-)pattern becomes a node, every distinct glob
//! is compiled once, and a directory is evaluated from bit sets of what its files and child
//! directories satisfy.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::Path;

use crate::error::Result;
use crate::glob::{Dialect, Glob};
use crate::pattern::FileStructurePattern;
use crate::walk::{self, EntryKind};

/// A fixed-size bit set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Bits(Box<[u64]>);

impl Bits {
    pub(crate) fn new(len: usize) -> Self {
        Self(vec![0; len.div_ceil(64)].into_boxed_slice())
    }
    pub(crate) fn get(&self, i: usize) -> bool {
        self.0.get(i / 64).is_some_and(|w| w >> (i % 64) & 1 == 1)
    }
    pub(crate) fn set(&mut self, i: usize) {
        if let Some(w) = self.0.get_mut(i / 64) {
            *w |= 1 << (i % 64);
        }
    }
    pub(crate) fn union(&mut self, other: &Bits) {
        for (a, b) in self.0.iter_mut().zip(other.0.iter()) {
            *a |= b;
        }
    }
}

/// One distinct (sub-)pattern.
#[derive(Debug)]
pub(crate) struct Node {
    /// Index into `name_globs`; `None` accepts any name.
    name: Option<usize>,
    /// Required file globs, as indices into `file_globs`.
    files: Vec<usize>,
    /// Required sub-patterns.
    dirs: Vec<usize>,
    /// Required and optional file globs (what shuffle copies), indices into `file_globs`.
    pub(crate) copy_files: Vec<usize>,
    /// Required and optional sub-patterns (what shuffle descends into).
    pub(crate) copy_dirs: Vec<usize>,
}

/// A set of patterns compiled for matching.
#[derive(Debug)]
pub(crate) struct Compiled {
    name_globs: Vec<Glob>,
    file_globs: Vec<Glob>,
    /// How many leading `file_globs` are required somewhere (scan only needs those).
    required_file_globs: usize,
    pub(crate) nodes: Vec<Node>,
    /// The node of each input pattern.
    pub(crate) roots: Vec<usize>,
}

struct Builder<'p> {
    dialect: Dialect,
    name_globs: Vec<Glob>,
    name_index: HashMap<&'p str, usize>,
    file_globs: Vec<Glob>,
    file_index: HashMap<&'p str, usize>,
    nodes: Vec<Node>,
    node_index: HashMap<&'p FileStructurePattern, usize>,
}

impl<'p> Builder<'p> {
    fn glob(&mut self, file: bool, text: &'p str) -> Result<usize> {
        let (globs, index) = if file {
            (&mut self.file_globs, &mut self.file_index)
        } else {
            (&mut self.name_globs, &mut self.name_index)
        };
        if let Some(&i) = index.get(text) {
            return Ok(i);
        }
        globs.push(Glob::new(text, self.dialect)?);
        index.insert(text, globs.len() - 1);
        Ok(globs.len() - 1)
    }

    fn node(&mut self, p: &'p FileStructurePattern) -> Result<usize> {
        if let Some(&i) = self.node_index.get(p) {
            return Ok(i);
        }
        let name = match p.directory_name.as_deref() {
            Some(n) if !n.is_empty() => Some(self.glob(false, n)?),
            _ => None,
        };
        let files = p
            .files
            .iter()
            .map(|g| self.glob(true, g))
            .collect::<Result<Vec<_>>>()?;
        let dirs = p
            .directories
            .iter()
            .map(|d| self.node(d))
            .collect::<Result<Vec<_>>>()?;
        let copy_files = p
            .all_files()
            .into_iter()
            .map(|g| self.glob(true, g))
            .collect::<Result<Vec<_>>>()?;
        let copy_dirs = p
            .all_directories()
            .into_iter()
            .map(|d| self.node(d))
            .collect::<Result<Vec<_>>>()?;
        self.nodes.push(Node {
            name,
            files,
            dirs,
            copy_files,
            copy_dirs,
        });
        self.node_index.insert(p, self.nodes.len() - 1);
        Ok(self.nodes.len() - 1)
    }
}

impl Compiled {
    /// Compiles `patterns`, deduplicating equal sub-patterns and globs.
    pub(crate) fn new(patterns: &[FileStructurePattern], dialect: Dialect) -> Result<Self> {
        let mut b = Builder {
            dialect,
            name_globs: Vec::new(),
            name_index: HashMap::new(),
            file_globs: Vec::new(),
            file_index: HashMap::new(),
            nodes: Vec::new(),
            node_index: HashMap::new(),
        };
        // Register required file globs first so that scan can stop at `required_file_globs`.
        fn required<'p>(b: &mut Builder<'p>, p: &'p FileStructurePattern) -> Result<()> {
            for g in &p.files {
                b.glob(true, g)?;
            }
            for d in p.directories.iter().chain(&p.optional_directories) {
                required(b, d)?;
            }
            Ok(())
        }
        for p in patterns {
            required(&mut b, p)?;
        }
        let required_file_globs = b.file_globs.len();
        let roots = patterns
            .iter()
            .map(|p| b.node(p))
            .collect::<Result<Vec<_>>>()?;
        Ok(Self {
            name_globs: b.name_globs,
            file_globs: b.file_globs,
            required_file_globs,
            nodes: b.nodes,
            roots,
        })
    }

    pub(crate) fn file_bits(&self) -> Bits {
        Bits::new(self.file_globs.len())
    }

    pub(crate) fn node_bits(&self) -> Bits {
        Bits::new(self.nodes.len())
    }

    /// Records in `bits` the required file globs that `name` matches.
    pub(crate) fn add_file(&self, name: &OsStr, bits: &mut Bits, units: &mut Vec<u32>) {
        for (i, glob) in self.file_globs[..self.required_file_globs]
            .iter()
            .enumerate()
        {
            if !bits.get(i) && glob.is_match_with(name, units) {
                bits.set(i);
            }
        }
    }

    /// Whether file glob `i` matches `name` (any glob, required or optional).
    pub(crate) fn file_glob_matches(&self, i: usize, name: &OsStr, units: &mut Vec<u32>) -> bool {
        self.file_globs
            .get(i)
            .is_some_and(|g| g.is_match_with(name, units))
    }

    /// The nodes satisfied by a directory called `name` whose files satisfy `files` and whose
    /// child directories, together, satisfy `children`.
    pub(crate) fn evaluate(
        &self,
        name: &OsStr,
        files: &Bits,
        children: &Bits,
        units: &mut Vec<u32>,
    ) -> Bits {
        let mut name_ok = Bits::new(self.name_globs.len());
        for (i, glob) in self.name_globs.iter().enumerate() {
            if glob.is_match_with(name, units) {
                name_ok.set(i);
            }
        }
        let mut out = self.node_bits();
        for (i, node) in self.nodes.iter().enumerate() {
            if node.name.is_none_or(|n| name_ok.get(n))
                && node.files.iter().all(|&f| files.get(f))
                && node.dirs.iter().all(|&d| children.get(d))
            {
                out.set(i);
            }
        }
        out
    }

    /// Whether the directory at `path` matches `node`, reading what it needs (pathvein's
    /// `matches`, for one directory rather than a whole tree). Unreadable directories are empty.
    pub(crate) fn matches_dir(
        &self,
        node: usize,
        path: &Path,
        follow_links: bool,
        units: &mut Vec<u32>,
    ) -> bool {
        let Some(n) = self.nodes.get(node) else {
            return false;
        };
        let name = path.file_name().unwrap_or_default();
        if let Some(g) = n.name
            && !self.name_globs[g].is_match_with(name, units)
        {
            return false;
        }
        if n.files.is_empty() && n.dirs.is_empty() {
            return true;
        }
        let mut files = Vec::new();
        let mut dirs = Vec::new();
        let _ = walk::list_dir(path, follow_links, None, |kind, entry| match kind {
            EntryKind::File => files.push(entry.to_owned()),
            EntryKind::Dir(_) => dirs.push(entry.to_owned()),
        });
        n.files.iter().all(|&g| {
            files
                .iter()
                .any(|f| self.file_globs[g].is_match_with(f, units))
        }) && n.dirs.iter().all(|&d| {
            dirs.iter()
                .any(|c| self.matches_dir(d, &path.join(c), follow_links, units))
        })
    }
}

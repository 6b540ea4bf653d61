//! Scanning and shuffling over any [`object_store::ObjectStore`] (S3, GCS, Azure, local, in
//! memory): one recursive, paginated listing of the prefix builds a [`KeyTree`], which the same
//! matcher as a local scan evaluates. [`shuffle_store_to`] copies or moves matches out of a
//! store (to a local directory or a prefix), [`shuffle_to_store`] from a local tree into one.
//!
//! Paths in results are store locations: the `/`-separated key of the directory, prefix included,
//! without a leading `/` (`bench/g00/exp_000`); [`StoreRoot::url_of`] renders them as
//! `s3://bucket/bench/g00/exp_000` when the root was given a URL base.

mod copy;
mod runtime;
mod upload;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::sync::Arc;

use futures_util::{StreamExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectMeta, ObjectStore, ObjectStoreExt};
use tokio::runtime::Handle;

pub use copy::{StoreDestination, shuffle_store_to, shuffle_store_to_async};
pub use upload::{shuffle_to_store, shuffle_to_store_async};

use crate::error::{Error, Result};
use crate::listing::KeyTree;
use crate::pattern::FileStructurePattern;
use crate::scan::{ScanMatch, ScanOptions, ScanOutput, Scanner};

/// Default limit on the objects one listing may return (about 1 GB of memory at the limit).
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub const DEFAULT_MAX_OBJECTS: usize = 10_000_000;

/// Zero-byte objects checked at once when telling directory markers from empty files.
const HEAD_CONCURRENCY: usize = 16;

/// A prefix in an object store, to scan or to copy from or to.
#[derive(Clone, Debug)]
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub struct StoreRoot {
    store: Arc<dyn ObjectStore>,
    prefix: ObjectPath,
    url: Option<String>,
    root_name: Option<String>,
    max_objects: usize,
    resolve_markers: bool,
    runtime: Option<Handle>,
}

impl StoreRoot {
    /// The prefix `prefix` (`/`-separated, `""` for the whole store) of `store`.
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when `prefix` is not a valid object_store path (empty segments, `.`,
    /// `..`, control characters).
    pub fn new(store: Arc<dyn ObjectStore>, prefix: &str) -> Result<Self> {
        let prefix = ObjectPath::parse(prefix).map_err(|e| Error::Store {
            action: "parsing prefix",
            location: prefix.to_owned(),
            source: e.into(),
        })?;
        Ok(Self {
            store,
            prefix,
            url: None,
            root_name: None,
            max_objects: DEFAULT_MAX_OBJECTS,
            resolve_markers: true,
            runtime: None,
        })
    }

    /// The URL of the store's root, such as `s3://bucket`, used by [`StoreRoot::url_of`].
    #[must_use]
    pub fn url(mut self, base: &str) -> Self {
        self.url = Some(base.trim_end_matches('/').to_owned());
        self
    }

    /// The name `directory_name` globs see for the prefix itself. Default: its last segment
    /// (`""` for the whole store), as pathvein sees `UPath("s3://bucket/prefix").name`.
    #[must_use]
    pub fn root_name(mut self, name: &str) -> Self {
        self.root_name = Some(name.to_owned());
        self
    }

    /// Fail with [`Error::Limit`] rather than hold more than `max` objects from one listing.
    /// Default is [`DEFAULT_MAX_OBJECTS`].
    #[must_use]
    pub fn max_objects(mut self, max: usize) -> Self {
        self.max_objects = max;
        self
    }

    /// Tell directory markers (`empty/` keys, which object_store lists as zero-byte objects
    /// named `empty`) from empty files with one `HEAD` per zero-byte object that is not
    /// already known to be a directory. Default is `true`; with `false`, such objects are files.
    #[must_use]
    pub fn resolve_markers(mut self, resolve: bool) -> Self {
        self.resolve_markers = resolve;
        self
    }

    /// Run the blocking calls on this runtime (a multi-thread one, or one being driven
    /// elsewhere) instead of the shared runtime the crate starts on first use.
    #[must_use]
    pub fn runtime(mut self, handle: Handle) -> Self {
        self.runtime = Some(handle);
        self
    }

    /// The store.
    pub fn store(&self) -> &Arc<dyn ObjectStore> {
        &self.store
    }

    /// The prefix, `/`-separated, without leading or trailing `/`.
    pub fn prefix(&self) -> &str {
        self.prefix.as_ref()
    }

    /// `location` (a path from a store scan) under the URL base: `s3://bucket/a/b`; without a
    /// base, `location` itself.
    pub fn url_of(&self, location: &std::path::Path) -> String {
        let location = location.to_string_lossy();
        match &self.url {
            Some(base) if location.is_empty() => base.clone(),
            Some(base) => format!("{base}/{location}"),
            None => location.into_owned(),
        }
    }

    fn name(&self) -> &str {
        match &self.root_name {
            Some(n) => n,
            None => self.prefix.filename().unwrap_or(""),
        }
    }

    /// `rel` (relative to the prefix) as a store location.
    fn location(&self, rel: &str) -> String {
        match (self.prefix.as_ref(), rel) {
            (p, "") => p.to_owned(),
            ("", r) => r.to_owned(),
            (p, r) => format!("{p}/{r}"),
        }
    }

    /// `location` relative to the prefix, when it is inside it.
    fn relative<'a>(&self, location: &'a str) -> Option<&'a str> {
        let prefix = self.prefix.as_ref();
        if prefix.is_empty() {
            return Some(location);
        }
        let rest = location.strip_prefix(prefix)?;
        if rest.is_empty() {
            Some(rest)
        } else {
            rest.strip_prefix('/')
        }
    }

    fn block_on<F: std::future::Future>(&self, future: F) -> Result<F::Output> {
        runtime::block_on(self.runtime.as_ref(), future)
    }
}

/// One listing of a prefix: the tree, and each file's metadata by key relative to the prefix.
#[derive(Debug)]
pub(crate) struct Listing {
    pub(crate) tree: KeyTree,
    pub(crate) files: HashMap<String, ObjectMeta>,
}

/// Lists `root`'s prefix once (recursive and paginated: one request per 1,000 keys on S3).
pub(crate) async fn list(root: &StoreRoot) -> Result<Listing> {
    let prefix = (!root.prefix.as_ref().is_empty()).then_some(&root.prefix);
    let fail = |source| Error::Store {
        action: "listing",
        location: root.prefix.to_string(),
        source,
    };
    let mut stream = root.store.list(prefix);
    let mut objects: Vec<(String, ObjectMeta)> = Vec::new();
    while let Some(meta) = stream.try_next().await.map_err(fail)? {
        if objects.len() >= root.max_objects {
            return Err(Error::Limit {
                what: "objects listed under one prefix",
                limit: root.max_objects,
            });
        }
        let Some(rel) = root.relative(meta.location.as_ref()) else {
            continue;
        };
        if !rel.is_empty() {
            objects.push((rel.to_owned(), meta));
        }
    }
    // Every proper prefix of a key is a directory; an object at such a path is its marker.
    let mut dirs: HashSet<&str> = HashSet::new();
    for (rel, _) in &objects {
        let mut end = rel.len();
        while let Some(i) = rel[..end].rfind('/') {
            if !dirs.insert(&rel[..i]) {
                break;
            }
            end = i;
        }
    }
    let mut markers: HashSet<String> = objects
        .iter()
        .filter(|(rel, _)| dirs.contains(rel.as_str()))
        .map(|(rel, _)| rel.clone())
        .collect();
    if root.resolve_markers {
        // Owned items: closures over borrowed stream items make the future lose `Send`
        // (rust-lang/rust#110338).
        let candidates: Vec<ObjectPath> = objects
            .iter()
            .filter(|(rel, meta)| meta.size == 0 && !markers.contains(rel))
            .map(|(_, meta)| meta.location.clone())
            .collect();
        let found: Vec<Option<String>> = futures_util::stream::iter(candidates)
            .map(|location| async move {
                // The listing strips a marker's trailing `/`; the same key without it is absent.
                match root.store.head(&location).await {
                    Err(object_store::Error::NotFound { .. }) => Ok(Some(location.to_string())),
                    Err(e) => Err(fail(e)),
                    Ok(_) => Ok(None),
                }
            })
            .buffer_unordered(HEAD_CONCURRENCY)
            .try_collect()
            .await?;
        markers.extend(
            found
                .into_iter()
                .flatten()
                .filter_map(|loc| root.relative(&loc).map(str::to_owned)),
        );
    }
    let keys = objects.iter().map(|(rel, _)| {
        if markers.contains(rel) {
            format!("{rel}/")
        } else {
            rel.clone()
        }
    });
    let tree = KeyTree::from_keys(keys);
    let files = objects
        .into_iter()
        .filter(|(rel, _)| !markers.contains(rel))
        .collect();
    Ok(Listing { tree, files })
}

impl Scanner {
    /// Scans the prefix of an object store from one recursive listing, blocking the calling
    /// thread on the root's runtime (or the shared one). Matches are sorted by (path, pattern);
    /// their paths are store locations (see [`StoreRoot::url_of`]). [`ScanOutput::errors`] is
    /// always empty: a failed request fails the scan.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use object_store::{memory::InMemory, path::Path, ObjectStoreExt};
    /// use pathvein_core::{FileStructurePattern, ScanOptions, Scanner, StoreRoot};
    ///
    /// let store = Arc::new(InMemory::new());
    /// let runtime = tokio::runtime::Runtime::new()?;
    /// runtime.block_on(async {
    ///     for key in ["lab/exp_1/a.csv", "lab/exp_2/notes.txt"] {
    ///         store.put(&Path::from(key), "x".into()).await?;
    ///     }
    ///     Ok::<(), object_store::Error>(())
    /// })?;
    /// let root = StoreRoot::new(store, "lab")?.url("memory://bucket");
    /// let p = FileStructurePattern::builder().directory_name("exp_*").file("*.csv").build();
    /// let found = Scanner::new(&[p], ScanOptions::new())?.scan_store(&root)?;
    /// assert_eq!(found.matches.len(), 1);
    /// assert_eq!(root.url_of(&found.matches[0].path), "memory://bucket/lab/exp_1");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Store`] when a request fails, [`Error::Limit`] past
    /// [`StoreRoot::max_objects`], [`Error::Runtime`] when called from inside an async runtime.
    #[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
    pub fn scan_store(&self, root: &StoreRoot) -> Result<ScanOutput> {
        root.block_on(self.scan_store_async(root))?
    }

    /// The async form of [`Scanner::scan_store`].
    ///
    /// # Errors
    ///
    /// As [`Scanner::scan_store`], without [`Error::Runtime`].
    #[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
    pub async fn scan_store_async(&self, root: &StoreRoot) -> Result<ScanOutput> {
        let listing = list(root).await?;
        let matches = self
            .scan_keys(&listing.tree, root.name())
            .into_iter()
            .map(|m| ScanMatch {
                path: PathBuf::from(root.location(&m.path)),
                pattern: m.pattern,
            })
            .collect();
        Ok(ScanOutput {
            matches,
            errors: Vec::new(),
        })
    }
}

/// Scans the prefix of an object store with pathvein's behaviour ([`ScanOptions::default`]);
/// see [`Scanner::scan_store`].
///
/// # Errors
///
/// As [`Scanner::scan_store`].
#[cfg_attr(docsrs, doc(cfg(feature = "object-store")))]
pub fn scan_store(root: &StoreRoot, patterns: &[FileStructurePattern]) -> Result<ScanOutput> {
    Scanner::new(patterns, ScanOptions::default())?.scan_store(root)
}

/// Installs rustls' ring crypto provider as the process default, unless one is installed
/// already. object_store's S3 client (reqwest on rustls, built here without aws-lc) needs a
/// default provider before the first `AmazonS3Builder::build`, even for plain-HTTP endpoints;
/// call this first, or install another provider yourself.
#[cfg(feature = "s3")]
#[cfg_attr(docsrs, doc(cfg(feature = "s3")))]
pub fn install_ring_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

//! Object-store scans and shuffles against a real S3 server: moto (`moto_server`, PyPI
//! `moto[server]`, pinned in scripts/requirements-test.txt) started on a free 127.0.0.1 port.
//! The requests each operation makes are counted from moto's request log.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a panic is a failing test"
)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use pathvein_core::object_store::aws::AmazonS3Builder;
use pathvein_core::object_store::path::Path as ObjectPath;
use pathvein_core::object_store::{ObjectStore, ObjectStoreExt};
use pathvein_core::{
    FileStructurePattern, ScanOptions, Scanner, ShuffleOptions, StoreDestination, StoreRoot,
    Transfer, shuffle_store_to, shuffle_to, shuffle_to_store,
};
use support::snapshot;
use test_support::{ServerBuilder, ServerProcess};

const BUCKET: &str = "pv-test";

/// `moto_server` next to the oracle interpreter (`$PYTHON_ORACLE`), else in the workspace .venv.
fn moto_server() -> PathBuf {
    let candidates = [
        std::env::var_os("PYTHON_ORACLE")
            .map(PathBuf::from)
            .and_then(|p| Some(p.parent()?.join("moto_server"))),
        Some(PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../.venv/bin/moto_server"
        ))),
    ];
    candidates
        .into_iter()
        .flatten()
        .find(|p| p.is_file())
        .expect(
            "no moto_server: run scripts/test.sh (it installs moto[server] from \
             scripts/requirements-test.txt into .venv), or set PYTHON_ORACLE to a venv's python \
             that has moto[server] installed",
        )
}

struct Moto {
    server: ServerProcess,
    store: Arc<dyn ObjectStore>,
}

impl Moto {
    fn start() -> Self {
        let bin = moto_server();
        // `env` execs the script, so the process the handle kills is moto itself.
        let server = ServerBuilder::new("env")
            .args(move |port, _| {
                vec![
                    "PYTHONUNBUFFERED=1".to_owned(),
                    bin.to_str().unwrap().to_owned(),
                    "-H".to_owned(),
                    "127.0.0.1".to_owned(),
                    "-p".to_owned(),
                    port.to_string(),
                ]
            })
            .ready_timeout(Duration::from_secs(90))
            .start()
            .unwrap_or_else(|e| panic!("starting moto_server: {e}"));
        raw_request(server.addr(), "PUT", &format!("/{BUCKET}"));
        pathvein_core::install_ring_provider();
        let store = AmazonS3Builder::new()
            .with_endpoint(format!("http://{}", server.addr()))
            .with_allow_http(true)
            .with_bucket_name(BUCKET)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .build()
            .unwrap();
        Self {
            server,
            store: Arc::new(store),
        }
    }

    fn log(&self) -> Vec<String> {
        let text = std::fs::read_to_string(self.server.dir().join("server.log")).unwrap();
        // Werkzeug colours the lines of non-200 answers: drop the escape sequences.
        text.lines()
            .map(strip_ansi)
            .filter(|l| l.contains(" HTTP/1.1\" "))
            .collect()
    }

    /// The request lines moto logged while `f` ran.
    fn requests_during<T>(&self, f: impl FnOnce() -> T) -> (T, Vec<String>) {
        let before = self.settled_log().len();
        let out = f();
        let after = self.settled_log();
        (out, after[before..].to_vec())
    }

    /// The log once it has stopped growing (moto writes a line after answering).
    fn settled_log(&self) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(5);
        let mut last = self.log();
        loop {
            std::thread::sleep(Duration::from_millis(120));
            let now = self.log();
            if now.len() == last.len() || Instant::now() > deadline {
                return now;
            }
            last = now;
        }
    }

    fn root(&self, prefix: &str) -> StoreRoot {
        StoreRoot::new(self.store.clone(), prefix)
            .unwrap()
            .url(&format!("s3://{BUCKET}"))
    }

    /// Uploads `files` (key, body) with 16 requests in flight.
    fn upload(&self, files: &[(String, Vec<u8>)]) {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            futures_util::stream::iter(files)
                .map(|(key, body)| {
                    let store = self.store.clone();
                    async move {
                        store
                            .put(&ObjectPath::parse(key).unwrap(), body.clone().into())
                            .await
                            .unwrap();
                    }
                })
                .buffer_unordered(16)
                .collect::<Vec<()>>()
                .await;
        });
    }
}

/// One unauthenticated request (moto accepts them): creating buckets and `dir/` markers, which
/// object_store cannot write.
fn raw_request(addr: std::net::SocketAddr, method: &str, target: &str) {
    let mut conn = TcpStream::connect(addr).unwrap();
    write!(
        conn,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).unwrap();
    assert!(
        reply.starts_with("HTTP/1.1 200"),
        "{method} {target}: {reply}"
    );
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: ESC [ parameters final-byte.
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

fn count(lines: &[String], needle: &str) -> usize {
    lines.iter().filter(|l| l.contains(needle)).count()
}

fn list_requests(lines: &[String]) -> usize {
    count(lines, "list-type=2")
}

/// The research note's cloud tree: `<top>/g{00..G}/{exp,run}_{000..009}/{data.csv (exp only),
/// meta.json, part_{0..2}.txt, raw/r{0..4}.parquet}`; 10 files per exp leaf, 9 per run leaf.
fn bench_tree(top: &str, groups: usize) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for g in 0..groups {
        for kind in ["exp", "run"] {
            for i in 0..10 {
                let leaf = format!("{top}/g{g:02}/{kind}_{i:03}");
                let mut names: Vec<String> = vec!["meta.json".into()];
                if kind == "exp" {
                    names.push("data.csv".into());
                }
                names.extend((0..3).map(|p| format!("part_{p}.txt")));
                names.extend((0..5).map(|r| format!("raw/r{r}.parquet")));
                for n in names {
                    let key = format!("{leaf}/{n}");
                    files.push((key.clone(), key.into_bytes()));
                }
            }
        }
    }
    files
}

fn write_local(base: &Path, files: &[(String, Vec<u8>)]) {
    for (key, body) in files {
        let path = base.join(key);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
}

fn patterns() -> Vec<FileStructurePattern> {
    let raw = FileStructurePattern::builder()
        .directory_name("raw")
        .file("*.parquet")
        .build();
    vec![
        FileStructurePattern::builder()
            .directory_name("exp_*")
            .file("*.csv")
            .optional_file("meta.json")
            .directory(raw)
            .build(),
        // Only an empty directory (a `dir/` marker in the bucket) matches this one.
        FileStructurePattern::builder()
            .directory_name("empty*")
            .build(),
    ]
}

fn relative(root: &Path, matches: &[pathvein_core::ScanMatch]) -> Vec<(String, usize)> {
    matches
        .iter()
        .map(|m| {
            let rel = m.path.strip_prefix(root).unwrap();
            (rel.to_str().unwrap().to_owned(), m.pattern)
        })
        .collect()
}

#[test]
fn s3_scans_list_once_per_thousand_keys_and_match_local_scans() {
    let moto = Moto::start();
    let local = tempfile::tempdir().unwrap();
    let local = std::fs::canonicalize(local.path()).unwrap();
    let scanner = Scanner::new(&patterns(), ScanOptions::new()).unwrap();

    // 2,150 objects, one of them an empty directory's marker: 3 pages of listing.
    let mut files = bench_tree("bench", 12);
    files.truncate(2149);
    moto.upload(&files);
    raw_request(
        moto.server.addr(),
        "PUT",
        &format!("/{BUCKET}/bench/empty_dir/"),
    );
    write_local(&local, &files);
    std::fs::create_dir(local.join("bench/empty_dir")).unwrap();
    // A neighbouring prefix that must not be listed.
    moto.upload(&bench_tree("benchmark", 1));

    let root = moto.root("bench");
    let (found, requests) = moto.requests_during(|| scanner.scan_store(&root).unwrap());
    let want = scanner.scan(local.join("bench")).unwrap();
    assert_eq!(
        relative(Path::new("bench"), &found.matches),
        relative(&local.join("bench"), &want.matches)
    );
    // 120 exp leaves less the 4 cut off by the truncation, and the empty directory.
    assert_eq!(found.matches.len(), 117);
    assert_eq!(
        root.url_of(&found.matches[0].path),
        "s3://pv-test/bench/empty_dir"
    );
    // ⌈2,150 / 1,000⌉ pages, and one HEAD for the only zero-byte object, the marker.
    assert_eq!(list_requests(&requests), 3, "{requests:#?}");
    assert_eq!(count(&requests, "\"HEAD "), 1, "{requests:#?}");
    assert_eq!(requests.len(), 4, "{requests:#?}");

    // A small prefix: one request.
    let small = moto.root("bench/g03");
    let (found, requests) = moto.requests_during(|| scanner.scan_store(&small).unwrap());
    let want = scanner.scan(local.join("bench/g03")).unwrap();
    assert_eq!(
        relative(Path::new("bench/g03"), &found.matches),
        relative(&local.join("bench/g03"), &want.matches)
    );
    assert_eq!(found.matches.len(), 10);
    assert_eq!(requests.len(), 1, "{requests:#?}");
    assert_eq!(list_requests(&requests), 1);
}

#[test]
fn s3_shuffles_copy_what_the_local_shuffle_copies_with_one_listing() {
    let moto = Moto::start();
    let local = tempfile::tempdir().unwrap();
    let local = std::fs::canonicalize(local.path()).unwrap();
    let patterns = patterns();
    let files = bench_tree("src", 2);
    moto.upload(&files);
    write_local(&local, &files);
    let root = moto.root("src");
    let scanner = Scanner::new(&patterns, ScanOptions::new()).unwrap();
    let found = scanner.scan_store(&root).unwrap();
    assert_eq!(found.matches.len(), 20);

    let options = ShuffleOptions::new();
    let local_found = scanner.scan(local.join("src")).unwrap();
    let want_dir = local.join("want");
    let want = shuffle_to(&local_found.matches, &patterns, &want_dir, &options).unwrap();
    assert_eq!(want.done.len(), 10, "{:?}", want.failed);

    // S3 -> local: one listing of the source, one GET per copied file.
    let got_dir = local.join("got");
    let to = StoreDestination::Local(got_dir.clone());
    let (report, requests) = moto.requests_during(|| {
        shuffle_store_to(&root, &found.matches, &patterns, &to, &options).unwrap()
    });
    assert_eq!(report.done.len(), 10, "{:?}", report.failed);
    assert_eq!(snapshot(&got_dir), snapshot(&want_dir));
    assert_eq!(list_requests(&requests), 1, "{requests:#?}");
    assert_eq!(count(&requests, "\"GET "), 1 + 10 * 7);
    assert_eq!(requests.len(), 1 + 10 * 7);

    // S3 -> S3 in the same bucket: server-side copies, and one existence check per item.
    let to = StoreDestination::Store(moto.root("archive"));
    let (report, requests) = moto.requests_during(|| {
        shuffle_store_to(&root, &found.matches, &patterns, &to, &options).unwrap()
    });
    assert_eq!(report.done.len(), 10, "{:?}", report.failed);
    assert_eq!(list_requests(&requests), 1 + 10, "{requests:#?}");
    assert_eq!(count(&requests, "\"PUT "), 10 * 7, "{requests:#?}");
    let archive = moto.root("archive");
    let copied = archive.store().list(Some(&ObjectPath::from("archive")));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut keys: Vec<String> = rt.block_on(async {
        copied
            .map(|m| m.unwrap().location.to_string())
            .collect::<Vec<_>>()
            .await
    });
    keys.sort();
    let mut want_keys: Vec<String> = snapshot(&want_dir)
        .into_iter()
        .filter(|(_, body)| body.is_some())
        .map(|(p, _)| format!("archive/{}", p.to_str().unwrap()))
        .collect();
    want_keys.sort();
    assert_eq!(keys, want_keys);

    // Again without overwrite: every destination exists, nothing is copied.
    let (report, requests) = moto.requests_during(|| {
        shuffle_store_to(&root, &found.matches, &patterns, &to, &options).unwrap()
    });
    assert!(report.done.is_empty());
    assert_eq!(report.failed.len(), 20);
    assert_eq!(requests.len(), 1 + 20, "{requests:#?}");
}

/// Every directory of a local tree with neither files nor sub-directories, relative.
fn empty_dirs(root: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_owned()];
    while let Some(d) = stack.pop() {
        let entries: Vec<PathBuf> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        if entries.is_empty() && d != root {
            out.push(d.strip_prefix(root).unwrap().to_str().unwrap().to_owned());
        }
        stack.extend(entries.into_iter().filter(|p| p.is_dir()));
    }
    out.sort();
    out
}

/// pathvein 0.9.0 scanning the bucket through `UPath` + s3fs, as `[[relpath, index]]` per
/// (prefix, patterns), all in one oracle process.
fn pathvein_scans(
    moto: &Moto,
    scans: &[(String, &[FileStructurePattern])],
) -> Vec<serde_json::Value> {
    let requests: Vec<serde_json::Value> = scans
        .iter()
        .map(|(prefix, patterns)| {
            serde_json::json!({
                "op": "scan_s3", "bucket": BUCKET, "prefix": prefix,
                "endpoint": format!("http://{}", moto.server.addr()),
                "patterns": patterns.iter().map(|p| p.to_json()).collect::<Vec<_>>(),
            })
        })
        .collect();
    support::oracle(&requests)
        .into_iter()
        .zip(scans)
        .map(|(answer, (prefix, _))| {
            answer.unwrap_or_else(|e| panic!("pathvein could not scan s3://{BUCKET}/{prefix}: {e}"))
        })
        .collect()
}

#[test]
fn s3_scans_equal_pathvein_with_upath_on_the_same_bucket_in_fewer_requests() {
    let moto = Moto::start();
    let base = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(base.path()).unwrap();

    // Seeded random trees (empty directories as `dir/` markers), uploaded under diff/k<seed>.
    let mut cases = Vec::new();
    let mut uploads = Vec::new();
    let mut markers = 0;
    for seed in 0..16u64 {
        let mut rng = support::Rng::new(9500 + seed);
        let root = base.join(format!("k{seed}"));
        support::make_tree(&root, &mut rng, 3);
        let patterns = vec![
            support::planted_pattern(&mut rng, &root),
            support::random_pattern(&mut rng, 0),
        ];
        for file in support::all_files(&root) {
            let rel = file.strip_prefix(&base).unwrap().to_str().unwrap();
            uploads.push((format!("diff/{rel}"), std::fs::read(&file).unwrap()));
        }
        if std::fs::read_dir(&root).unwrap().next().is_none() {
            // An empty tree: its root is a marker too (the listing returns it as the prefix
            // itself, which needs no HEAD).
            raw_request(
                moto.server.addr(),
                "PUT",
                &format!("/{BUCKET}/diff/k{seed}/"),
            );
        }
        for dir in empty_dirs(&root) {
            raw_request(
                moto.server.addr(),
                "PUT",
                &format!("/{BUCKET}/diff/k{seed}/{dir}/"),
            );
            markers += 1;
        }
        cases.push((seed, root, patterns));
    }
    moto.upload(&uploads);
    assert!(markers >= 3, "only {markers} empty directories");

    let scans: Vec<(String, &[FileStructurePattern])> = cases
        .iter()
        .map(|(seed, _, patterns)| (format!("diff/k{seed}"), patterns.as_slice()))
        .collect();
    let (wants, their_requests) = moto.requests_during(|| pathvein_scans(&moto, &scans));
    let theirs = their_requests.len();
    let mut with_matches = 0;
    let mut ours = 0;
    for ((seed, root, patterns), want) in cases.iter().zip(wants) {
        let prefix = format!("diff/k{seed}");
        let scanner = Scanner::new(patterns, ScanOptions::new()).unwrap();
        let (found, our_requests) =
            moto.requests_during(|| scanner.scan_store(&moto.root(&prefix)).unwrap());
        let got = relative(Path::new(&prefix), &found.matches);
        assert_eq!(
            serde_json::json!(got),
            want,
            "differs from pathvein on {prefix}"
        );
        let local = scanner.scan(root).unwrap();
        assert_eq!(
            got,
            relative(root, &local.matches),
            "differs from the local scan of {prefix}"
        );
        assert_eq!(list_requests(&our_requests), 1, "{our_requests:#?}");
        ours += our_requests.len();
        with_matches += usize::from(!got.is_empty());
    }
    assert!(with_matches >= 13, "only {with_matches} cases had matches");
    // One listing per tree, plus one HEAD per marker (to tell it from an empty file).
    assert_eq!(ours, cases.len() + markers);
    assert!(
        theirs > 3 * ours,
        "pathvein made {theirs} requests, this crate {ours}"
    );

    // The research note's bench tree: 1,900 objects in 411 directories, the nested pattern.
    moto.upload(&bench_tree("bench", 10));
    let patterns = patterns();
    let scans = [("bench".to_owned(), patterns.as_slice())];
    let (mut wants, their_requests) = moto.requests_during(|| pathvein_scans(&moto, &scans));
    let want = wants.pop().unwrap();
    let scanner = Scanner::new(&patterns, ScanOptions::new()).unwrap();
    let ((found, our_time), our_requests) = moto.requests_during(|| {
        let start = Instant::now();
        (
            scanner.scan_store(&moto.root("bench")).unwrap(),
            start.elapsed(),
        )
    });
    assert_eq!(
        serde_json::json!(relative(Path::new("bench"), &found.matches)),
        want
    );
    assert_eq!(found.matches.len(), 100);
    assert_eq!(our_requests.len(), 2, "{our_requests:#?}");
    assert_eq!(
        list_requests(&their_requests),
        411,
        "pathvein lists each directory once"
    );
    // Not asserted (timing): printed for the README.
    eprintln!(
        "bench tree: pathvein+UPath {} requests, pathvein-core {} in {our_time:?}",
        their_requests.len(),
        our_requests.len()
    );
}

/// Every key under `prefix`, sorted.
fn keys(moto: &Moto, prefix: &str) -> Vec<String> {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listed = moto.store.list(Some(&ObjectPath::from(prefix)));
    let mut keys: Vec<String> = rt.block_on(async {
        listed
            .map(|m| m.unwrap().location.to_string())
            .collect::<Vec<_>>()
            .await
    });
    keys.sort();
    keys
}

#[test]
fn s3_moves_copy_verify_and_delete_only_the_copied_sources() {
    let moto = Moto::start();
    let patterns = patterns();
    let files = bench_tree("mv", 1);
    moto.upload(&files);
    let all: Vec<String> = keys(&moto, "mv");
    let root = moto.root("mv");
    let scanner = Scanner::new(&patterns, ScanOptions::new()).unwrap();
    let found = scanner.scan_store(&root).unwrap();
    assert_eq!(found.matches.len(), 10);
    let moving = ShuffleOptions::new().transfer(Transfer::Move);

    // Within the bucket: per item one LIST of the destination, a server-side copy, a HEAD of
    // the copy (size and MD5 e-tag) and of the source (unchanged) per file, one bulk DELETE.
    let to = StoreDestination::Store(moto.root("moved"));
    let (report, requests) = moto.requests_during(|| {
        shuffle_store_to(&root, &found.matches[..5], &patterns, &to, &moving).unwrap()
    });
    assert_eq!(report.done.len(), 5, "{:?}", report.failed);
    assert_eq!(list_requests(&requests), 1 + 5, "{requests:#?}");
    assert_eq!(count(&requests, "\"PUT "), 5 * 7, "{requests:#?}");
    assert_eq!(count(&requests, "\"HEAD "), 2 * 5 * 7, "{requests:#?}");
    assert_eq!(count(&requests, "\"POST "), 5, "{requests:#?}");
    assert_eq!(requests.len(), 6 + 35 + 70 + 5, "{requests:#?}");

    // To a local directory: each object read only in the version listed (If-Match).
    let local = tempfile::tempdir().unwrap();
    let to = StoreDestination::Local(local.path().to_owned());
    let report = shuffle_store_to(&root, &found.matches[5..], &patterns, &to, &moving).unwrap();
    assert_eq!(report.done.len(), 5, "{:?}", report.failed);

    // What moved is what a copy copies: the exp leaves' csv, meta.json and raw/*.parquet.
    let moved = |k: &str| {
        k.contains("/exp_") && !k.contains("part_") && (k.contains("/raw/") || !k.ends_with(".txt"))
    };
    let (gone, kept): (Vec<String>, Vec<String>) = all.iter().cloned().partition(|k| moved(k));
    assert_eq!(gone.len(), 70);
    assert_eq!(keys(&moto, "mv"), kept);
    let mut want: Vec<String> = gone
        .iter()
        .filter(|k| (0..5).any(|i| k.contains(&format!("/exp_{i:03}/"))))
        .map(|k| k.replacen("mv/g00/", "moved/", 1))
        .collect();
    want.sort();
    assert_eq!(keys(&moto, "moved"), want);
    for k in gone
        .iter()
        .filter(|k| (5..10).any(|i| k.contains(&format!("/exp_{i:03}/"))))
    {
        let rel = k.strip_prefix("mv/g00/").unwrap();
        assert_eq!(
            std::fs::read(local.path().join(rel)).unwrap(),
            k.as_bytes(),
            "{k}"
        );
    }
}

#[test]
fn s3_local_to_store_copies_and_moves_what_the_local_shuffle_copies() {
    let moto = Moto::start();
    let base = tempfile::tempdir().unwrap();
    let base = std::fs::canonicalize(base.path()).unwrap();
    let patterns = patterns();
    write_local(&base, &bench_tree("up", 1));
    let found = pathvein_core::scan(base.join("up/g00"), &patterns).unwrap();
    assert_eq!(found.matches.len(), 10);
    let want_dir = base.join("want");
    let want = shuffle_to(&found.matches, &patterns, &want_dir, &ShuffleOptions::new()).unwrap();
    assert_eq!(want.done.len(), 10);
    let want_keys = |prefix: &str| -> Vec<String> {
        let mut v: Vec<String> = snapshot(&want_dir)
            .into_iter()
            .filter(|(_, body)| body.is_some())
            .map(|(p, _)| format!("{prefix}/{}", p.to_str().unwrap()))
            .collect();
        v.sort();
        v
    };

    // Copy: one LIST (does the destination exist?) per item and one PUT per file.
    let to = moto.root("copied");
    let (report, requests) = moto.requests_during(|| {
        shuffle_to_store(&found.matches, &patterns, &to, &ShuffleOptions::new()).unwrap()
    });
    assert_eq!(report.done.len(), 10, "{:?}", report.failed);
    assert_eq!(list_requests(&requests), 10, "{requests:#?}");
    assert_eq!(count(&requests, "\"PUT "), 70, "{requests:#?}");
    assert_eq!(requests.len(), 80, "{requests:#?}");
    assert_eq!(keys(&moto, "copied"), want_keys("copied"));
    let (report, _) = moto.requests_during(|| {
        shuffle_to_store(&found.matches, &patterns, &to, &ShuffleOptions::new()).unwrap()
    });
    assert_eq!(report.failed.len(), 10, "every destination exists now");

    // Move: and a HEAD per object (size, MD5 e-tag) before the files are deleted.
    let to = moto.root("moved");
    let moving = ShuffleOptions::new().transfer(Transfer::Move);
    let (report, requests) =
        moto.requests_during(|| shuffle_to_store(&found.matches, &patterns, &to, &moving).unwrap());
    assert_eq!(report.done.len(), 10, "{:?}", report.failed);
    assert_eq!(count(&requests, "\"HEAD "), 70, "{requests:#?}");
    assert_eq!(keys(&moto, "moved"), want_keys("moved"));
    let left: Vec<String> = snapshot(&base.join("up"))
        .into_iter()
        .filter(|(_, body)| body.is_some())
        .map(|(p, _)| p.to_str().unwrap().to_owned())
        .collect();
    // 190 files, 70 moved: the run leaves and the exp leaves' part_*.txt stay.
    assert_eq!(left.len(), 190 - 70, "{left:#?}");
    assert!(
        left.iter()
            .all(|p| p.contains("/run_") || p.contains("/part_"))
    );
}

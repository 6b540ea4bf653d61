//! The Autobahn WebSocket cases of sections 1 to 10, run by kosoku (PyPI, pinned in
//! `scripts/requirements-test.txt`) against an in-process echo server, on each backend. Every
//! case must be OK, NON-STRICT or INFORMATIONAL; none FAILED or UNCLEAN.

// Test helpers may unwrap: a panic is a failing test with a location.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::path::PathBuf;
use std::process::Command;

use covet_core::{Backend, Router, Server, ws};

/// `kosoku` from the oracle venv: next to `$PYTHON_ORACLE`, or in `<workspace>/.venv`.
fn kosoku() -> PathBuf {
    let python = std::env::var_os("PYTHON_ORACLE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.venv/bin/python"))
        });
    let kosoku = python.with_file_name("kosoku");
    assert!(
        python.exists() && kosoku.exists(),
        "kosoku not found next to {}; run scripts/test.sh (it installs scripts/requirements-test.txt \
         into .venv) or point PYTHON_ORACLE at a venv with kosoku==0.1.0",
        python.display()
    );
    kosoku
}

fn autobahn_sections_1_to_10_pass(backend: Backend) {
    let kosoku = kosoku();
    let router = Router::new();
    let echo = ws::upgrade(|mut socket| async move {
        while let Some(msg) = socket.recv().await {
            if socket.send(msg).await.is_err() {
                break;
            }
        }
    });
    router.get("/", echo.clone()).unwrap();
    router.get("/{*path}", echo).unwrap();
    let server = Server::builder(router)
        .bind("127.0.0.1:0".parse().unwrap())
        .workers(2)
        .backend(backend)
        .start()
        .unwrap();
    let out = tempfile::tempdir().unwrap();
    let status = Command::new(&kosoku)
        .args(["-x", "12.*", "-x", "13.*", "-p", "2", "-o"])
        .arg(out.path())
        .arg(server.local_addr().to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kosoku exited with {status}");
    let index: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.path().join("index.json")).unwrap()).unwrap();
    let mut cases = 0;
    let mut bad = Vec::new();
    for agent in index.as_object().unwrap().values() {
        for (id, case) in agent.as_object().unwrap() {
            cases += 1;
            let behavior = case["behavior"].as_str().unwrap_or("?");
            let close = case["behaviorClose"].as_str().unwrap_or("?");
            let ok = |b: &str| matches!(b, "OK" | "NON-STRICT" | "INFORMATIONAL");
            if !ok(behavior) || !ok(close) {
                bad.push(format!("{id}: {behavior}/{close}"));
            }
        }
    }
    assert!(cases >= 300, "only {cases} cases ran");
    assert!(bad.is_empty(), "failing cases: {bad:?}");
    server.shutdown(std::time::Duration::from_secs(1));
}

support::on_each_backend!(autobahn_sections_1_to_10_pass);

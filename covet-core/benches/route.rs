//! Route lookup: all 130 GitHub API paths through covet's trie (plain, and through the
//! epoch-protected `Router` with method dispatch) and through matchit.
// Benchmarks: a panic is a failed run with a location.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use covet_core::{Method, Response, Router, handler, router::Lookup, router::Trie};
use criterion::{Criterion, criterion_group, criterion_main};

mod github_routes;
use github_routes::{ROUTES, path_for};

fn route(c: &mut Criterion) {
    let paths: Vec<String> = ROUTES.iter().map(|r| path_for(r)).collect();
    let mut group = c.benchmark_group("route_lookup");

    let mut matchit = matchit::Router::new();
    for r in ROUTES {
        matchit.insert(*r, true).unwrap();
    }
    group.bench_function("github_130/matchit", |b| {
        b.iter(|| {
            for p in black_box(&paths) {
                assert!(*black_box(matchit.at(p).unwrap()).value);
            }
        })
    });

    let mut trie = Trie::new();
    for r in ROUTES {
        trie.insert(r, true).unwrap();
    }
    group.bench_function("github_130/covet_trie", |b| {
        b.iter(|| {
            for p in black_box(&paths) {
                assert!(*black_box(trie.at(p).unwrap()).value);
            }
        })
    });

    let router = Router::new();
    for r in ROUTES {
        router
            .get(r, handler::ready(|_| Response::empty(200)))
            .unwrap();
    }
    group.bench_function("github_130/covet_router", |b| {
        b.iter(|| {
            for p in black_box(&paths) {
                let found = router.lookup(Method::Get, p);
                assert!(matches!(black_box(found), Lookup::Found { .. }));
            }
        })
    });
    group.finish();
}

criterion_group!(benches, route);
criterion_main!(benches);

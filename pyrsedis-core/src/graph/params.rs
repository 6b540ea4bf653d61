//! Query parameters: FalkorDB takes them in the query text, as a prefix
//! `CYPHER name=value name=value ... <query>`, each value a Cypher literal.

use crate::{Error, ErrorKind, Result};

/// A query parameter value, written as a Cypher literal.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Param {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float, always written with a fraction or exponent (`1.0`, `1e100`) so it stays a
    /// float; NaN and infinities have no literal and are refused.
    Float(f64),
    /// A string, single-quoted with `\` and `'` escaped (and newlines, tabs, carriage returns).
    String(String),
    /// A list `[a,b]`.
    List(Vec<Param>),
    /// A map `{key:value}`; keys must be identifiers.
    Map(Vec<(String, Param)>),
}

impl From<bool> for Param {
    fn from(v: bool) -> Param {
        Param::Bool(v)
    }
}

impl From<i64> for Param {
    fn from(v: i64) -> Param {
        Param::Int(v)
    }
}

impl From<i32> for Param {
    fn from(v: i32) -> Param {
        Param::Int(i64::from(v))
    }
}

impl From<f64> for Param {
    fn from(v: f64) -> Param {
        Param::Float(v)
    }
}

impl From<&str> for Param {
    fn from(v: &str) -> Param {
        Param::String(v.to_owned())
    }
}

impl From<String> for Param {
    fn from(v: String) -> Param {
        Param::String(v)
    }
}

impl<T: Into<Param>> From<Vec<T>> for Param {
    fn from(v: Vec<T>) -> Param {
        Param::List(v.into_iter().map(Into::into).collect())
    }
}

impl<T: Into<Param>> From<Option<T>> for Param {
    fn from(v: Option<T>) -> Param {
        v.map_or(Param::Null, Into::into)
    }
}

/// Prefixes `query` with its parameters: `CYPHER a=1 b='x' <query>`; the query alone when
/// there are none. Names (and map keys) must be identifiers (`[A-Za-z_][A-Za-z0-9_]*`).
///
/// ```
/// use pyrsedis_core::graph::{Param, with_params};
///
/// let q = with_params(
///     "MATCH (n {name: $name}) RETURN n",
///     &[("name", Param::from("O'Brien")), ("tags", vec!["a", "b"].into())],
/// )?;
/// assert_eq!(q, r"CYPHER name='O\'Brien' tags=['a','b'] MATCH (n {name: $name}) RETURN n");
/// # Ok::<(), pyrsedis_core::Error>(())
/// ```
pub fn with_params(query: &str, params: &[(&str, Param)]) -> Result<String> {
    if params.is_empty() {
        return Ok(query.to_owned());
    }
    let mut out = String::from("CYPHER ");
    for (name, value) in params {
        check_identifier(name)?;
        out.push_str(name);
        out.push('=');
        write_literal(&mut out, value)?;
        out.push(' ');
    }
    out.push_str(query);
    Ok(out)
}

fn check_identifier(name: &str) -> Result<()> {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::InvalidConfig,
            format!(
                "query parameter name {name:?} is not an identifier (letters, digits, '_', not starting with a digit)"
            ),
        ))
    }
}

/// Writes one value as a Cypher literal. It recurses as deep as the caller nested its own
/// values; parameters come from the caller, never from the network.
fn write_literal(out: &mut String, value: &Param) -> Result<()> {
    match value {
        Param::Null => out.push_str("null"),
        Param::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Param::Int(i) => out.push_str(itoa::Buffer::new().format(*i)),
        Param::Float(f) => {
            if !f.is_finite() {
                return Err(Error::new(
                    ErrorKind::InvalidConfig,
                    format!("query parameter {f} has no Cypher literal (NaN and infinities)"),
                ));
            }
            // `{:?}` keeps a fraction or an exponent (`1.0`, `1e100`), so it stays a float.
            out.push_str(&format!("{f:?}"));
        }
        Param::String(s) => {
            out.push('\'');
            for c in s.chars() {
                match c {
                    '\\' => out.push_str("\\\\"),
                    '\'' => out.push_str("\\'"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    c => out.push(c),
                }
            }
            out.push('\'');
        }
        Param::List(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_literal(out, item)?;
            }
            out.push(']');
        }
        Param::Map(entries) => {
            out.push('{');
            for (i, (key, item)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                check_identifier(key)?;
                out.push_str(key);
                out.push(':');
                write_literal(out, item)?;
            }
            out.push('}');
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_encodes_as_the_text_falkordb_accepted() {
        // The exact prefix of the captured `param_types` fixture (FalkorDB 4.22.1 ran it).
        let q = with_params(
            "RETURN $s AS s",
            &[
                ("s", "héllo wörld ✓ 日本語 🎉".into()),
                ("i", (-5).into()),
                ("f", 2.5.into()),
                ("b", true.into()),
                ("l", Param::List(vec![1.into(), "a".into()])),
                ("m", Param::Map(vec![("k".into(), "v".into())])),
                ("n", Param::Null),
            ],
        )
        .unwrap();
        assert_eq!(
            q,
            "CYPHER s='héllo wörld ✓ 日本語 🎉' i=-5 f=2.5 b=true l=[1,'a'] m={k:'v'} n=null RETURN $s AS s"
        );
    }

    #[test]
    fn strings_escape_backslashes_quotes_and_line_breaks() {
        let q = with_params("R", &[("s", "a\\b'c\"d\ne\tf\rg".into())]).unwrap();
        assert_eq!(q, r#"CYPHER s='a\\b\'c"d\ne\tf\rg' R"#);
        let q = with_params("R", &[("s", "".into())]).unwrap();
        assert_eq!(q, "CYPHER s='' R");
    }

    #[test]
    fn floats_stay_floats_and_non_finite_ones_are_refused() {
        let enc = |f: f64| with_params("R", &[("f", f.into())]);
        assert_eq!(enc(1.0).unwrap(), "CYPHER f=1.0 R");
        assert_eq!(enc(-0.5).unwrap(), "CYPHER f=-0.5 R");
        assert_eq!(enc(1e100).unwrap(), "CYPHER f=1e100 R");
        assert_eq!(enc(1.5e-7).unwrap(), "CYPHER f=1.5e-7 R");
        for bad in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(enc(bad).unwrap_err().kind(), ErrorKind::InvalidConfig);
        }
    }

    #[test]
    fn nesting_null_options_and_names() {
        let nested = Param::Map(vec![
            ("xs".into(), vec![Some(1), None].into()),
            (
                "inner".into(),
                Param::Map(vec![("ok".into(), false.into())]),
            ),
            ("empty".into(), Param::List(vec![])),
        ]);
        let q = with_params("R", &[("p", nested), ("big", i64::MIN.into())]).unwrap();
        assert_eq!(
            q,
            "CYPHER p={xs:[1,null],inner:{ok:false},empty:[]} big=-9223372036854775808 R"
        );
        assert_eq!(with_params("RETURN 1", &[]).unwrap(), "RETURN 1");
        for bad in ["", "1a", "a b", "a=b", "x'"] {
            let err = with_params("R", &[(bad, Param::Null)]).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidConfig, "{bad:?}");
        }
        let bad_key = Param::Map(vec![("a}b".into(), Param::Null)]);
        assert!(with_params("R", &[("m", bad_key)]).is_err());
    }
}

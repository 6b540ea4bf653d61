//! Turning a reply [`Value`] into the Rust type a typed command returns.

use std::collections::HashMap;
use std::hash::Hash;

use bytes::Bytes;

use crate::resp::Blob;
use crate::{Error, Result, Value};

/// A type a reply can be converted into.
///
/// Nested error replies become `Err` with [`crate::ErrorKind::Server`]; a reply of the wrong
/// shape becomes [`crate::ErrorKind::TypeMismatch`]. `Option<T>` maps nil to `None`; maps accept
/// RESP3 maps and RESP2 flat key/value arrays alike.
pub trait FromValue: Sized {
    /// Converts the reply.
    fn from_value(value: Value) -> Result<Self>;
}

/// Strips attributes and turns nested error values into `Err`.
fn plain(value: Value) -> Result<Value> {
    match value {
        Value::Attribute { value, .. } => plain(*value),
        Value::Error(err) => Err(err.into()),
        other => Ok(other),
    }
}

impl FromValue for Value {
    fn from_value(value: Value) -> Result<Self> {
        Ok(value)
    }
}

impl FromValue for () {
    fn from_value(value: Value) -> Result<Self> {
        plain(value).map(|_| ())
    }
}

impl FromValue for i64 {
    fn from_value(value: Value) -> Result<Self> {
        match plain(value)? {
            Value::Int(n) => Ok(n),
            Value::Boolean(b) => Ok(i64::from(b)),
            v @ (Value::Bulk(_) | Value::Simple(_) | Value::BigNumber(_)) => {
                let text = v.as_bytes().or(match &v {
                    Value::BigNumber(b) => Some(b),
                    _ => None,
                });
                text.and_then(crate::resp::parse_integer)
                    .ok_or_else(|| Error::type_mismatch("an integer", &v))
            }
            v => Err(Error::type_mismatch("an integer", &v)),
        }
    }
}

macro_rules! via_i64 {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: Value) -> Result<Self> {
                let shown = format!("{value:?}");
                let n = i64::from_value(value)?;
                <$t>::try_from(n).map_err(|_| {
                    Error::new(crate::ErrorKind::TypeMismatch, format!("the integer {shown} does not fit {}", stringify!($t)))
                })
            }
        }
    )*};
}

via_i64!(i32, u16, u32, u64, usize);

impl FromValue for bool {
    fn from_value(value: Value) -> Result<Self> {
        match plain(value)? {
            Value::Boolean(b) => Ok(b),
            Value::Int(n) => Ok(n != 0),
            Value::Simple(s) if &s[..] == b"OK" => Ok(true),
            Value::Nil => Ok(false),
            v => Err(Error::type_mismatch("a boolean", &v)),
        }
    }
}

impl FromValue for f64 {
    fn from_value(value: Value) -> Result<Self> {
        match plain(value)? {
            Value::Double(d) => Ok(d),
            Value::Int(n) => Ok(n as f64),
            v => v
                .as_bytes()
                .and_then(|b| std::str::from_utf8(b).ok())
                .and_then(|s| s.parse::<f64>().ok())
                .ok_or_else(|| Error::type_mismatch("a number", &v)),
        }
    }
}

impl FromValue for Blob {
    fn from_value(value: Value) -> Result<Self> {
        match plain(value)? {
            Value::Bulk(b) | Value::Simple(b) => Ok(b),
            Value::BigNumber(b) => Ok(Blob::from(b)),
            Value::Verbatim { text, .. } => Ok(Blob::from(text)),
            Value::Int(n) => Ok(Blob::from(n.to_string())),
            Value::Double(d) => Ok(Blob::from(crate::resp::format_double(d))),
            v => Err(Error::type_mismatch("a string", &v)),
        }
    }
}

impl FromValue for Bytes {
    fn from_value(value: Value) -> Result<Self> {
        match plain(value)? {
            Value::BigNumber(b) | Value::Verbatim { text: b, .. } => Ok(b),
            v => Blob::from_value(v).map(Blob::into_bytes),
        }
    }
}

impl FromValue for Vec<u8> {
    fn from_value(value: Value) -> Result<Self> {
        Blob::from_value(value).map(Blob::into_vec)
    }
}

impl FromValue for String {
    fn from_value(value: Value) -> Result<Self> {
        let bytes = Blob::from_value(value)?.into_vec();
        String::from_utf8(bytes).map_err(|_| {
            Error::new(
                crate::ErrorKind::TypeMismatch,
                "the reply is not UTF-8; ask for Blob, Bytes or Vec<u8> instead of String",
            )
        })
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Self> {
        match plain(value)? {
            Value::Nil => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// The items of an array, set or push.
fn items(value: Value) -> Result<Vec<Value>> {
    match plain(value)? {
        Value::Array(items) | Value::Set(items) | Value::Push(items) => Ok(items),
        Value::Nil => Ok(Vec::new()),
        Value::Map(pairs) => Ok(pairs.into_iter().flat_map(|(k, v)| [k, v]).collect()),
        v => Err(Error::type_mismatch("an array", &v)),
    }
}

impl<T: FromValue> FromValue for Vec<T> {
    fn from_value(value: Value) -> Result<Self> {
        items(value)?.into_iter().map(T::from_value).collect()
    }
}

/// Key/value pairs from a RESP3 map or a RESP2 flat array.
fn pairs(value: Value) -> Result<Vec<(Value, Value)>> {
    match plain(value)? {
        Value::Map(pairs) => Ok(pairs),
        Value::Nil => Ok(Vec::new()),
        v @ (Value::Array(_) | Value::Set(_)) => {
            let items = items(v)?;
            // RESP3 sends some pair lists (ZRANGE ... WITHSCORES) as arrays of two-item arrays.
            let nested = !items.is_empty()
                && items
                    .iter()
                    .all(|i| matches!(i, Value::Array(p) if p.len() == 2));
            if nested {
                return items
                    .into_iter()
                    .map(|i| match i {
                        Value::Array(mut p) => {
                            let v = p.pop().unwrap_or(Value::Nil);
                            Ok((p.pop().unwrap_or(Value::Nil), v))
                        }
                        other => Err(Error::type_mismatch("a pair", &other)),
                    })
                    .collect();
            }
            if items.len() % 2 != 0 {
                return Err(Error::new(
                    crate::ErrorKind::TypeMismatch,
                    "expected key/value pairs, got an array of odd length",
                ));
            }
            let mut out = Vec::with_capacity(items.len() / 2);
            let mut it = items.into_iter();
            while let (Some(k), Some(v)) = (it.next(), it.next()) {
                out.push((k, v));
            }
            Ok(out)
        }
        v => Err(Error::type_mismatch("a map", &v)),
    }
}

impl<K: FromValue + Eq + Hash, V: FromValue> FromValue for HashMap<K, V> {
    fn from_value(value: Value) -> Result<Self> {
        pairs(value)?
            .into_iter()
            .map(|(k, v)| Ok((K::from_value(k)?, V::from_value(v)?)))
            .collect()
    }
}

impl<A: FromValue, B: FromValue> FromValue for (A, B) {
    fn from_value(value: Value) -> Result<Self> {
        let mut items = items(value)?;
        if items.len() != 2 {
            return Err(Error::new(
                crate::ErrorKind::TypeMismatch,
                format!("expected two items, got {}", items.len()),
            ));
        }
        let b = items.pop().unwrap_or(Value::Nil);
        let a = items.pop().unwrap_or(Value::Nil);
        Ok((A::from_value(a)?, B::from_value(b)?))
    }
}

/// Pairs as a vector, keeping order (for `HGETALL`, `ZRANGE ... WITHSCORES`).
#[derive(Debug, Clone, PartialEq)]
pub struct Pairs<K, V>(pub Vec<(K, V)>);

impl<K: FromValue, V: FromValue> FromValue for Pairs<K, V> {
    fn from_value(value: Value) -> Result<Self> {
        pairs(value)?
            .into_iter()
            .map(|(k, v)| Ok((K::from_value(k)?, V::from_value(v)?)))
            .collect::<Result<Vec<_>>>()
            .map(Pairs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::resp::ServerError;

    #[test]
    fn integers_come_from_ints_and_numeric_strings() {
        assert_eq!(i64::from_value(Value::Int(-3)).unwrap(), -3);
        assert_eq!(i64::from_value(Value::bulk("42")).unwrap(), 42);
        assert!(i64::from_value(Value::bulk("4x")).is_err());
        assert!(u32::from_value(Value::Int(-1)).is_err());
        assert_eq!(usize::from_value(Value::Int(7)).unwrap(), 7);
    }

    #[test]
    fn nil_is_none_and_nested_errors_are_err() {
        assert_eq!(Option::<String>::from_value(Value::Nil).unwrap(), None);
        let v = Value::Array(vec![Value::Int(1), Value::Error(ServerError::new("ERR x"))]);
        let err = Vec::<i64>::from_value(v).unwrap_err();
        assert_eq!(err.kind(), crate::ErrorKind::Server);
    }

    #[test]
    fn maps_come_from_resp3_maps_and_resp2_flat_arrays() {
        let flat = Value::Array(vec![Value::bulk("a"), Value::bulk("1")]);
        let map = Value::Map(vec![(Value::bulk("a"), Value::bulk("1"))]);
        let a: HashMap<String, i64> = FromValue::from_value(flat).unwrap();
        let b: HashMap<String, i64> = FromValue::from_value(map).unwrap();
        assert_eq!(a, b);
        assert_eq!(a["a"], 1);
        let odd = Value::Array(vec![Value::bulk("a")]);
        assert!(HashMap::<String, String>::from_value(odd).is_err());
    }

    #[test]
    fn strings_refuse_non_utf8_with_a_hint() {
        let err = String::from_value(Value::bulk(&b"\xff"[..])).unwrap_err();
        assert!(err.to_string().contains("Bytes"), "{err}");
        assert_eq!(
            Vec::<u8>::from_value(Value::bulk(&b"\xff"[..])).unwrap(),
            vec![0xff]
        );
    }
}

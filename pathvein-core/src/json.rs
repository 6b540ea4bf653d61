//! pathvein's JSON wire format for [`FileStructurePattern`].
//!
//! pathvein 0.9.0 writes sub-patterns *double-encoded*: each entry of `directories` and
//! `optional_directories` is the sub-pattern's own JSON text, as a string. Its documentation shows
//! plain nested objects instead. The reader here accepts both (and mixes of both); the writer
//! produces pathvein's form byte for byte (`json.dumps` defaults: `", "` and `": "` separators,
//! keys in field order, non-ASCII as lowercase `\uXXXX`).

use serde_json::Value;

use crate::error::{Error, Result};
use crate::pattern::FileStructurePattern;

/// Largest pattern text accepted, in bytes.
pub(crate) const MAX_JSON_BYTES: usize = 16 << 20;
/// Deepest nesting of sub-patterns accepted.
pub(crate) const MAX_DEPTH: usize = 16;
/// Most patterns (the root and all sub-patterns) in one pattern file.
pub(crate) const MAX_PATTERNS: usize = 100_000;

impl FileStructurePattern {
    /// Parses a pattern from JSON, in pathvein's double-encoded form or with plain nested objects.
    ///
    /// As in pathvein: missing keys mean empty lists, a missing or `null` `directory_name` means
    /// any name (`None`), and unknown keys are ignored. Unlike pathvein, a string where a list is
    /// expected is an error rather than a list of its characters.
    ///
    /// # Errors
    ///
    /// [`Error::Pattern`] with the location of the first problem, or [`Error::Limit`] when the
    /// text exceeds 16 MiB, nests deeper than 16 levels or holds more than 100,000 patterns.
    pub fn from_json(text: &str) -> Result<Self> {
        let mut count = 0;
        parse_text(text, "$", 0, &mut count)
    }

    /// Writes the pattern exactly as pathvein 0.9.0's `to_json()` does.
    ///
    /// The format escapes each level of sub-patterns once more than its parent, so the text
    /// roughly doubles with every level of nesting (a pattern 16 levels deep writes about 64 KiB
    /// per innermost sub-pattern). [`from_json`](Self::from_json) therefore accepts at most 16.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        write_pattern(self, &mut out);
        out
    }
}

fn parse_text(
    text: &str,
    location: &str,
    depth: usize,
    count: &mut usize,
) -> Result<FileStructurePattern> {
    if text.len() > MAX_JSON_BYTES {
        return Err(Error::Limit {
            what: "pattern size in bytes",
            limit: MAX_JSON_BYTES,
        });
    }
    let value: Value = serde_json::from_str(text).map_err(|e| Error::Pattern {
        location: location.to_owned(),
        reason: format!("not valid JSON ({e})"),
    })?;
    parse_value(&value, location, depth, count)
}

fn parse_value(
    value: &Value,
    location: &str,
    depth: usize,
    count: &mut usize,
) -> Result<FileStructurePattern> {
    if depth > MAX_DEPTH {
        return Err(Error::Limit {
            what: "sub-pattern nesting depth",
            limit: MAX_DEPTH,
        });
    }
    *count += 1;
    if *count > MAX_PATTERNS {
        return Err(Error::Limit {
            what: "number of patterns",
            limit: MAX_PATTERNS,
        });
    }
    let Value::Object(map) = value else {
        return Err(Error::Pattern {
            location: location.to_owned(),
            reason: format!("expected a JSON object, found {}", kind(value)),
        });
    };
    let directory_name = match map.get("directory_name") {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(Error::Pattern {
                location: format!("{location}.directory_name"),
                reason: format!("expected a string or null, found {}", kind(other)),
            });
        }
    };
    let mut sub = |key: &str| -> Result<Vec<FileStructurePattern>> {
        list(map.get(key), location, key)?
            .iter()
            .enumerate()
            .map(|(i, item)| {
                let here = format!("{location}.{key}[{i}]");
                match item {
                    Value::String(text) => parse_text(text, &here, depth + 1, count),
                    Value::Object(_) => parse_value(item, &here, depth + 1, count),
                    other => Err(Error::Pattern {
                        location: here,
                        reason: format!(
                            "expected a pattern (an object or its JSON text), found {}",
                            kind(other)
                        ),
                    }),
                }
            })
            .collect()
    };
    let directories = sub("directories")?;
    let optional_directories = sub("optional_directories")?;
    Ok(FileStructurePattern {
        directory_name,
        files: strings(map.get("files"), location, "files")?,
        directories,
        optional_files: strings(map.get("optional_files"), location, "optional_files")?,
        optional_directories,
    })
}

fn list<'v>(value: Option<&'v Value>, location: &str, key: &str) -> Result<&'v [Value]> {
    match value {
        None => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(other) => Err(Error::Pattern {
            location: format!("{location}.{key}"),
            reason: format!("expected a list, found {}", kind(other)),
        }),
    }
}

fn strings(value: Option<&Value>, location: &str, key: &str) -> Result<Vec<String>> {
    list(value, location, key)?
        .iter()
        .enumerate()
        .map(|(i, item)| match item {
            Value::String(s) => Ok(s.clone()),
            other => Err(Error::Pattern {
                location: format!("{location}.{key}[{i}]"),
                reason: format!("expected a glob string, found {}", kind(other)),
            }),
        })
        .collect()
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "an object",
    }
}

fn write_pattern(p: &FileStructurePattern, out: &mut String) {
    out.push_str("{\"directory_name\": ");
    match &p.directory_name {
        Some(name) => write_str(name, out),
        None => out.push_str("null"),
    }
    out.push_str(", \"files\": ");
    write_list(p.files.iter().map(String::as_str), out);
    out.push_str(", \"directories\": ");
    let nested: Vec<String> = p
        .directories
        .iter()
        .map(FileStructurePattern::to_json)
        .collect();
    write_list(nested.iter().map(String::as_str), out);
    out.push_str(", \"optional_files\": ");
    write_list(p.optional_files.iter().map(String::as_str), out);
    out.push_str(", \"optional_directories\": ");
    let nested: Vec<String> = p
        .optional_directories
        .iter()
        .map(FileStructurePattern::to_json)
        .collect();
    write_list(nested.iter().map(String::as_str), out);
    out.push('}');
}

fn write_list<'a>(items: impl Iterator<Item = &'a str>, out: &mut String) {
    out.push('[');
    for (i, item) in items.enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        write_str(item, out);
    }
    out.push(']');
}

/// `json.dumps(s)` with `ensure_ascii=True`.
fn write_str(s: &str, out: &mut String) {
    use std::fmt::Write;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(name: &str) -> FileStructurePattern {
        FileStructurePattern::builder()
            .directory_name(name)
            .file("*.parquet")
            .build()
    }

    #[test]
    fn writes_pathvein_double_encoded_form() {
        let p = FileStructurePattern::builder()
            .directory_name("exp_*")
            .file("*.csv")
            .directory(leaf("raw"))
            .optional_file("notes.txt")
            .build();
        // Verified against pathvein 0.9.0 (research note, section 2.3).
        let want = r#"{"directory_name": "exp_*", "files": ["*.csv"], "directories": ["{\"directory_name\": \"raw\", \"files\": [\"*.parquet\"], \"directories\": [], \"optional_files\": [], \"optional_directories\": []}"], "optional_files": ["notes.txt"], "optional_directories": []}"#;
        assert_eq!(p.to_json(), want);
        assert_eq!(FileStructurePattern::from_json(want).unwrap(), p);
    }

    #[test]
    fn reads_plain_nested_objects_like_the_docs() {
        let text = r#"{"directory_name": "exp_*", "directories": [{"directory_name": "raw", "files": ["*.parquet"]}]}"#;
        let p = FileStructurePattern::from_json(text).unwrap();
        assert_eq!(p.directories, vec![leaf("raw")]);
        assert!(p.files.is_empty());
    }

    #[test]
    fn missing_name_is_none_and_extra_keys_ignored() {
        let p = FileStructurePattern::from_json(r#"{"files": ["a"], "comment": 1}"#).unwrap();
        assert_eq!(p.directory_name, None);
        assert_eq!(p.files, vec!["a"]);
        assert_eq!(
            p.to_json(),
            r#"{"directory_name": null, "files": ["a"], "directories": [], "optional_files": [], "optional_directories": []}"#
        );
    }

    #[test]
    fn escapes_like_python_ensure_ascii() {
        let p = FileStructurePattern::builder()
            .directory_name("é\"\\\u{1}\u{7f}😀\t")
            .build();
        assert!(
            p.to_json()
                .starts_with(r#"{"directory_name": "\u00e9\"\\\u0001\u007f\ud83d\ude00\t""#),
            "{}",
            p.to_json()
        );
        assert_eq!(FileStructurePattern::from_json(&p.to_json()).unwrap(), p);
    }

    macro_rules! rejects {
        ($($name:ident: $text:expr => $location:expr;)*) => {$(
            #[test]
            fn $name() {
                match FileStructurePattern::from_json($text) {
                    Err(Error::Pattern { location, .. }) => assert_eq!(location, $location),
                    other => panic!("expected a pattern error at {}, got {other:?}", $location),
                }
            }
        )*};
    }

    rejects! {
        rejects_top_level_list: "[]" => "$";
        rejects_invalid_json: "{" => "$";
        rejects_string_as_file_list: r#"{"files": "abc"}"# => "$.files";
        rejects_number_glob: r#"{"files": ["a", 3]}"# => "$.files[1]";
        rejects_number_name: r#"{"directory_name": 1}"# => "$.directory_name";
        rejects_bad_nested_text: r#"{"directories": ["{"]}"# => "$.directories[0]";
        rejects_nested_number: r#"{"optional_directories": [1]}"# => "$.optional_directories[0]";
        locates_deep_errors: r#"{"directories": [{"directories": ["{\"files\": [null]}"]}]}"# => "$.directories[0].directories[0].files[0]";
    }

    #[test]
    fn depth_limit_is_enforced() {
        let nested = |levels: usize| {
            let mut text = String::from("{}");
            for _ in 0..levels {
                text = format!("{{\"directories\": [{text}]}}");
            }
            text
        };
        let ok = FileStructurePattern::from_json(&nested(MAX_DEPTH)).unwrap();
        assert_eq!(ok.node_count(), MAX_DEPTH + 1);
        let err = FileStructurePattern::from_json(&nested(MAX_DEPTH + 1)).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Limit {
                    limit: MAX_DEPTH,
                    ..
                }
            ),
            "{err}"
        );
    }
}

//! Globs over single path components, in two dialects.
//!
//! [`Dialect::Fnmatch`] (the default) is exactly Python's `fnmatch.fnmatchcase` as pathvein 0.9.0
//! uses it on POSIX: case-sensitive, `*` matches leading dots, `[!x]` negates, `[^x]` is literal,
//! no braces, no backslash escapes, an unclosed `[` is a literal, and every string is a valid
//! glob. [`Dialect::Globset`] hands the glob to the `globset` crate instead (braces, backslash
//! escapes, `[^x]` negation; invalid globs are errors), for users who prefer that syntax.
//!
//! A glob is compiled once into a [`Glob`]; the common shapes (`name`, `*`, `*.csv`, `exp_*`,
//! `*mid*`) are matched on the raw bytes without decoding the name.

mod fnmatch;

use std::ffi::OsStr;

use memchr::memmem;

use crate::error::{Error, Result};
use crate::pathutil::os_bytes;

pub(crate) use fnmatch::decode_units;

/// Which glob syntax pattern strings are written in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// Python's `fnmatch` (case-sensitive, as on POSIX); what pathvein 0.9.0 uses. The default.
    #[default]
    Fnmatch,
    /// The `globset` crate's syntax (braces, escapes), matching a single name component.
    Globset {
        /// Match ASCII letters regardless of case. Default is `false`.
        case_insensitive: bool,
    },
}

/// A compiled glob that matches one file or directory name.
#[derive(Clone, Debug)]
pub struct Glob {
    source: String,
    kind: Kind,
}

#[derive(Clone, Debug)]
enum Kind {
    /// Literal segments separated by `*`; matched on bytes.
    Segments(Segments),
    /// Anything with `?` or a class: matched on decoded characters, after a cheap byte check of
    /// the literal characters the glob starts and ends with.
    Tokens {
        tokens: Vec<fnmatch::Token>,
        prefix: Vec<u8>,
        suffix: Vec<u8>,
    },
    Globset(globset::GlobMatcher),
}

/// `prefix*mid*...*suffix`, with `starred` false for a plain literal.
#[derive(Clone, Debug)]
struct Segments {
    starred: bool,
    prefix: Vec<u8>,
    middles: Vec<Vec<u8>>,
    suffix: Vec<u8>,
}

impl Segments {
    fn matches(&self, name: &[u8]) -> bool {
        if !self.starred {
            return name.len() == self.prefix.len() && same(name, &self.prefix);
        }
        if name.len() < self.prefix.len() + self.suffix.len()
            || !same(&name[..self.prefix.len()], &self.prefix)
            || !same(&name[name.len() - self.suffix.len()..], &self.suffix)
        {
            return false;
        }
        // Every literal starts with a non-continuation byte, so every position found here is a
        // character boundary in CPython's decoding too: byte search is exact.
        let mut rest = &name[self.prefix.len()..name.len() - self.suffix.len()];
        for middle in &self.middles {
            match memmem::find(rest, middle) {
                Some(at) => rest = &rest[at + middle.len()..],
                None => return false,
            }
        }
        true
    }
}

/// Equality of two slices of the same length; a plain loop, which beats a `memcmp` call on the
/// few bytes of a typical literal (measured by `benches/glob.rs`: `*.csv` went from 45 to 5 ns
/// per name).
#[inline]
fn same(a: &[u8], b: &[u8]) -> bool {
    a.iter().zip(b).all(|(x, y)| x == y)
}

impl Glob {
    /// Compiles `glob` in `dialect`.
    ///
    /// # Errors
    ///
    /// [`Dialect::Fnmatch`] never fails. [`Dialect::Globset`] returns [`Error::Glob`] for globs
    /// `globset` rejects (an unclosed class or brace, a dangling backslash).
    ///
    /// ```
    /// use pathvein_core::{Dialect, Glob};
    /// let g = Glob::new("[!a]*.csv", Dialect::Fnmatch)?;
    /// assert!(g.is_match("b1.csv".as_ref()));
    /// assert!(!g.is_match("a1.csv".as_ref()));
    /// # Ok::<(), pathvein_core::Error>(())
    /// ```
    pub fn new(glob: &str, dialect: Dialect) -> Result<Self> {
        let kind = match dialect {
            Dialect::Fnmatch => compile_fnmatch(glob),
            Dialect::Globset { case_insensitive } => {
                let matcher = globset::GlobBuilder::new(glob)
                    .literal_separator(false)
                    .case_insensitive(case_insensitive)
                    .build()
                    .map_err(|e| Error::Glob {
                        glob: glob.to_owned(),
                        reason: e.kind().to_string(),
                    })?
                    .compile_matcher();
                Kind::Globset(matcher)
            }
        };
        Ok(Self {
            source: glob.to_owned(),
            kind,
        })
    }

    /// The glob as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether `name` (one path component, any bytes) matches the glob.
    pub fn is_match(&self, name: &OsStr) -> bool {
        let mut units = Vec::new();
        self.is_match_with(name, &mut units)
    }

    /// Like [`Glob::is_match`], reusing `units` as scratch space for decoded characters.
    pub(crate) fn is_match_with(&self, name: &OsStr, units: &mut Vec<u32>) -> bool {
        match &self.kind {
            Kind::Segments(s) => s.matches(os_bytes(name).as_ref()),
            Kind::Tokens {
                tokens,
                prefix,
                suffix,
            } => {
                let bytes = os_bytes(name);
                // Literal ends start at character boundaries (see `Segments::matches`), so these
                // byte checks are exact necessary conditions.
                if bytes.len() < prefix.len().max(suffix.len())
                    || !same(&bytes[..prefix.len()], prefix)
                    || !same(&bytes[bytes.len() - suffix.len()..], suffix)
                {
                    return false;
                }
                if bytes.is_ascii() {
                    // ASCII bytes are their own characters: no decoding.
                    fnmatch::matches_units(tokens, &bytes)
                } else {
                    decode_units(&bytes, units);
                    fnmatch::matches_units(tokens, units)
                }
            }
            Kind::Globset(m) => m.is_match(std::path::Path::new(name)),
        }
    }
}

fn compile_fnmatch(glob: &str) -> Kind {
    let tokens = fnmatch::parse(glob);
    let simple = tokens
        .iter()
        .all(|t| matches!(t, fnmatch::Token::Char(_) | fnmatch::Token::Star));
    if !simple {
        let literal = |t: &fnmatch::Token| match t {
            fnmatch::Token::Char(c) => char::from_u32(*c),
            _ => None,
        };
        let prefix: String = tokens.iter().map_while(literal).collect();
        let mut suffix: Vec<char> = tokens.iter().rev().map_while(literal).collect();
        suffix.reverse();
        let suffix: String = suffix.into_iter().collect();
        return Kind::Tokens {
            tokens,
            prefix: prefix.into_bytes(),
            suffix: suffix.into_bytes(),
        };
    }
    let mut parts: Vec<Vec<u8>> = vec![Vec::new()];
    for token in &tokens {
        match token {
            fnmatch::Token::Char(c) => {
                let ch = char::from_u32(*c).unwrap_or(char::REPLACEMENT_CHARACTER);
                let mut buf = [0u8; 4];
                if let Some(last) = parts.last_mut() {
                    last.extend_from_slice(ch.encode_utf8(&mut buf).as_bytes());
                }
            }
            _ => parts.push(Vec::new()),
        }
    }
    let starred = parts.len() > 1;
    let prefix = parts.remove(0);
    let suffix = if starred {
        parts.pop().unwrap_or_default()
    } else {
        Vec::new()
    };
    Kind::Segments(Segments {
        starred,
        prefix,
        middles: parts,
        suffix,
    })
}

/// Reference model for fuzzing and property tests: the token matcher, never the byte fast path.
#[doc(hidden)]
pub fn reference_match(glob: &str, name: &[u8]) -> bool {
    let mut units = Vec::new();
    decode_units(name, &mut units);
    fnmatch::matches_units(&fnmatch::parse(glob), &units)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fast(glob: &str, name: &[u8]) -> bool {
        Glob::new(glob, Dialect::Fnmatch)
            .unwrap()
            .is_match(crate::pathutil::os_str(name).as_ref())
    }

    #[test]
    fn byte_fast_path_agrees_with_token_matcher() {
        let globs = [
            "", "*", "a", "*.csv", "exp_*", "*a*b*", "a*a", "aa*aa", "é*", "*é",
        ];
        let names: [&[u8]; 10] = [
            b"",
            b"a",
            b"aa",
            b"aaa",
            b"x.csv",
            b"exp_1",
            b"xaxbx",
            "é".as_bytes(),
            b"\xff\xe9",
            b"aab",
        ];
        for g in globs {
            for n in names {
                assert_eq!(fast(g, n), reference_match(g, n), "glob {g:?} name {n:?}");
            }
        }
    }

    #[test]
    fn overlapping_prefix_and_suffix_do_not_share_bytes() {
        assert!(!fast("aa*aa", b"aaa"));
        assert!(fast("aa*aa", b"aaaa"));
    }

    #[test]
    fn globset_dialect_has_braces_and_rejects_unclosed_class() {
        let g = Glob::new(
            "{a,b}.txt",
            Dialect::Globset {
                case_insensitive: false,
            },
        )
        .unwrap();
        assert!(g.is_match(OsStr::new("b.txt")));
        let err = Glob::new(
            "[x",
            Dialect::Globset {
                case_insensitive: false,
            },
        )
        .unwrap_err();
        assert!(
            matches!(err, Error::Glob { ref glob, .. } if glob == "[x"),
            "{err}"
        );
    }

    #[test]
    fn globset_case_insensitive_option() {
        let g = Glob::new(
            "EXP_*",
            Dialect::Globset {
                case_insensitive: true,
            },
        )
        .unwrap();
        assert!(g.is_match(OsStr::new("exp_1")));
        assert!(
            !Glob::new("EXP_*", Dialect::Fnmatch)
                .unwrap()
                .is_match(OsStr::new("exp_1"))
        );
    }
}

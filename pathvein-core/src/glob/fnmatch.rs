//! Python's `fnmatch` dialect: parsing a glob into tokens and matching names against them.
//!
//! The parser is a port of the *behaviour* of CPython 3.11's `fnmatch.translate` followed by
//! `re`'s character-class parser: `*` any run, `?` one character, `[...]` a class with `!` for
//! negation and ranges, and everything else literal (no escapes, no braces). The odd corners
//! follow CPython exactly: an unclosed `[` is a literal, `]` first in a class is a member, a range
//! whose ends are reversed is dropped (`[z-a]` matches nothing), and `^` is an ordinary member.
//!
//! Names are matched as CPython sees them after `os.fsdecode`: valid UTF-8 sequences are characters
//! and every byte of an invalid sequence is one character of its own (surrogateescape), so `?`
//! matches exactly what it matches in Python, including on names that are not UTF-8.

/// One element of a parsed glob.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    /// A literal character.
    Char(u32),
    /// `?`: any one character.
    Any,
    /// `*` (runs collapsed): any sequence of characters.
    Star,
    /// `[...]`: a character class.
    Class(Class),
}

/// A character class: ranges of code points, possibly negated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Class {
    negated: bool,
    ranges: Vec<(u32, u32)>,
}

impl Class {
    fn contains(&self, unit: u32) -> bool {
        let inside = self.ranges.iter().any(|&(lo, hi)| lo <= unit && unit <= hi);
        inside != self.negated
    }
}

/// Parses `pattern` with CPython 3.11's `fnmatch` rules. Never fails: every string is a glob.
pub(crate) fn parse(pattern: &str) -> Vec<Token> {
    let pat: Vec<char> = pattern.chars().collect();
    let n = pat.len();
    let mut out = Vec::new();
    let mut i = 0;
    while i < n {
        let c = pat[i];
        i += 1;
        match c {
            '*' => {
                if out.last() != Some(&Token::Star) {
                    out.push(Token::Star);
                }
            }
            '?' => out.push(Token::Any),
            '[' => {
                let mut j = i;
                if j < n && pat[j] == '!' {
                    j += 1;
                }
                if j < n && pat[j] == ']' {
                    j += 1;
                }
                while j < n && pat[j] != ']' {
                    j += 1;
                }
                if j >= n {
                    out.push(Token::Char('[' as u32));
                } else {
                    out.push(class_token(&pat, i, j));
                    i = j + 1;
                }
            }
            other => out.push(Token::Char(other as u32)),
        }
    }
    out
}

/// Builds the token for the class body `pat[i..j]`, as `translate` + `sre_parse` would.
fn class_token(pat: &[char], mut i: usize, j: usize) -> Token {
    // `stuff` is the regex class body translate() produces; escaped characters are `\x`.
    let stuff: String = if !pat[i..j].contains(&'-') {
        escape(&pat[i..j], false)
    } else {
        let mut chunks: Vec<Vec<char>> = Vec::new();
        let mut k = if pat[i] == '!' { i + 2 } else { i + 1 };
        while let Some(found) = (k..j).find(|&p| pat[p] == '-') {
            chunks.push(pat[i..found].to_vec());
            i = found + 1;
            k = found + 3;
        }
        let chunk = pat[i.min(j)..j].to_vec();
        if !chunk.is_empty() {
            chunks.push(chunk);
        } else if let Some(last) = chunks.last_mut() {
            last.push('-');
        }
        // Remove empty ranges (`z-a`): merge the neighbours, dropping both ends.
        let mut k = chunks.len().saturating_sub(1);
        while k > 0 {
            let prev_last = chunks[k - 1].last().copied();
            let next_first = chunks[k].first().copied();
            if let (Some(a), Some(b)) = (prev_last, next_first)
                && a > b
            {
                let tail: Vec<char> = chunks[k][1..].to_vec();
                chunks[k - 1].pop();
                chunks[k - 1].extend(tail);
                chunks.remove(k);
            }
            k -= 1;
        }
        let parts: Vec<String> = chunks.iter().map(|c| escape(c, true)).collect();
        parts.join("-")
    };
    if stuff.is_empty() {
        return Token::Class(Class {
            negated: false,
            ranges: Vec::new(),
        });
    }
    if stuff == "!" {
        return Token::Any;
    }
    let (negated, body) = match stuff.strip_prefix('!') {
        Some(rest) => (true, rest),
        None => (false, stuff.as_str()),
    };
    Token::Class(Class {
        negated,
        ranges: parse_class_body(body),
    })
}

/// Escapes backslashes (and hyphens inside range chunks) and the set operators `&~|`.
fn escape(chars: &[char], hyphens: bool) -> String {
    let mut s = String::with_capacity(chars.len() * 2);
    for &c in chars {
        if c == '\\' || c == '&' || c == '~' || c == '|' || (hyphens && c == '-') {
            s.push('\\');
        }
        s.push(c);
    }
    s
}

/// Parses a regex class body as `sre_parse` does: atoms (`\x` is a literal `x`) and `a-b` ranges.
fn parse_class_body(body: &str) -> Vec<(u32, u32)> {
    let chars: Vec<char> = body.chars().collect();
    let mut ranges = Vec::new();
    let mut p = 0;
    let atom = |p: &mut usize| -> Option<u32> {
        let c = *chars.get(*p)?;
        *p += 1;
        if c == '\\' {
            let e = *chars.get(*p)?;
            *p += 1;
            Some(e as u32)
        } else {
            Some(c as u32)
        }
    };
    while p < chars.len() {
        let Some(lo) = atom(&mut p) else { break };
        if chars.get(p) == Some(&'-') && p + 1 < chars.len() {
            p += 1;
            let Some(hi) = atom(&mut p) else { break };
            if lo <= hi {
                ranges.push((lo, hi));
            }
        } else if chars.get(p) == Some(&'-') {
            // A trailing hyphen is a literal member.
            p += 1;
            ranges.push((lo, lo));
            ranges.push(('-' as u32, '-' as u32));
        } else {
            ranges.push((lo, lo));
        }
    }
    ranges
}

/// Decodes `name` into characters as CPython's `os.fsdecode` does on POSIX (surrogateescape).
pub(crate) fn decode_units(name: &[u8], out: &mut Vec<u32>) {
    out.clear();
    for chunk in name.utf8_chunks() {
        out.extend(chunk.valid().chars().map(|c| c as u32));
        out.extend(chunk.invalid().iter().map(|&b| 0xDC00 + u32::from(b)));
    }
}

/// Matches decoded `name` units against `tokens` (whole-name match).
///
/// Every token but `*` consumes exactly one character, so the classic greedy algorithm with a
/// single backtrack point (the last `*`) is exact and runs in O(len(name) * len(tokens)).
pub(crate) fn matches_units<U: Copy + Into<u32>>(tokens: &[Token], name: &[U]) -> bool {
    let (mut t, mut n) = (0, 0);
    let mut backtrack: Option<(usize, usize)> = None;
    while n < name.len() {
        match tokens.get(t) {
            Some(Token::Star) => {
                backtrack = Some((t, n));
                t += 1;
                continue;
            }
            Some(tok) if single_matches(tok, name[n].into()) => {
                t += 1;
                n += 1;
                continue;
            }
            _ => {}
        }
        match backtrack {
            Some((bt, bn)) => {
                backtrack = Some((bt, bn + 1));
                t = bt + 1;
                n = bn + 1;
            }
            None => return false,
        }
    }
    tokens[t..].iter().all(|tok| *tok == Token::Star)
}

fn single_matches(tok: &Token, unit: u32) -> bool {
    match tok {
        Token::Char(c) => *c == unit,
        Token::Any => true,
        Token::Class(class) => class.contains(unit),
        Token::Star => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, name: &str) -> bool {
        let mut units = Vec::new();
        decode_units(name.as_bytes(), &mut units);
        matches_units(&parse(pattern), &units)
    }

    macro_rules! cases {
        ($($name:ident: $pat:expr, $subject:expr => $want:expr;)*) => {$(
            #[test]
            fn $name() {
                assert_eq!(m($pat, $subject), $want, "fnmatchcase({:?}, {:?})", $subject, $pat);
            }
        )*};
    }

    // Expected values are CPython 3.11 `fnmatch.fnmatchcase(name, pattern)`.
    cases! {
        star_matches_everything: "*", "abc" => true;
        star_matches_empty: "*", "" => true;
        star_matches_dotfiles: "*exp*", ".hidden_exp" => true;
        case_sensitive: "exp_*", "EXP_005" => false;
        question_is_one_char: "?", "é" => true;
        question_not_two: "?", "ab" => false;
        caret_is_literal_in_class: "[^a].txt", "a.txt" => true;
        caret_class_rejects_other: "[^a].txt", "b.txt" => false;
        bang_negates: "[!a].txt", "b.txt" => true;
        bang_negation_rejects: "[!a].txt", "a.txt" => false;
        braces_are_literal: "{a,b}.txt", "{a,b}.txt" => true;
        braces_do_not_alternate: "{a,b}.txt", "a.txt" => false;
        unclosed_bracket_literal: "[x", "[x" => true;
        trailing_bracket_literal: "a[", "a[" => true;
        reversed_range_matches_nothing: "[z-a]", "b" => false;
        negated_reversed_range_is_any: "[!z-a]", "q" => true;
        backslash_is_literal: "\\*.txt", "\\x.txt" => true;
        backslash_does_not_escape: "\\*.txt", "*.txt" => false;
        close_bracket_first_member: "[]]", "]" => true;
        trailing_hyphen_member: "[a-]", "-" => true;
        range_inclusive: "[a-c]", "c" => true;
        range_excludes: "[a-c]", "d" => false;
        double_star_is_star: "**/x", "a/x" => true;
        double_star_needs_slash: "**/x", "x" => false;
        empty_pattern_empty_name: "", "" => true;
        empty_pattern_rejects: "", "a" => false;
        hyphen_first_literal: "[-a]", "-" => true;
        bang_hyphen: "[!-a]", "b" => true;
        bang_hyphen_rejects_hyphen: "[!-a]", "-" => false;
        merged_range_bang_any: "[z-a!]", "q" => true;
        multi_range_merge: "[c-b-a]", "-" => true;
        multi_range_merge_a: "[c-b-a]", "a" => true;
        multi_range_merge_b: "[c-b-a]", "b" => false;
        star_backtracks: "a*b*c", "axxbyyc" => true;
        star_backtrack_fail: "a*b*c", "axxbyy" => false;
        newline_matched_by_star: "a*", "a\nb" => true;
        set_ops_literal: "[&~|]", "~" => true;
    }

    #[test]
    fn invalid_utf8_bytes_are_one_character_each() {
        let mut units = Vec::new();
        decode_units(b"bad\xff.csv", &mut units);
        assert!(matches_units(&parse("bad?.csv"), &units));
        assert!(matches_units(&parse("bad*"), &units));
        assert!(!matches_units(&parse("bad??.csv"), &units));
    }
}

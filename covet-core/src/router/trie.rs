//! The route trie: one node per path segment, static children before the parameter child
//! before the catch-all, with backtracking.

use std::sync::Arc;

use crate::error::{Error, Result};

/// Most parameters one route may capture.
pub const MAX_PARAMS: usize = 16;

/// One parsed segment of a route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Static(Box<[u8]>),
    Param(Box<str>),
    CatchAll(Box<str>),
}

/// Positions of captured parameter values inside the looked-up path.
#[derive(Debug, Clone, Copy, Default)]
pub struct Captures {
    len: usize,
    spans: [(u16, u16); MAX_PARAMS],
}

impl PartialEq for Captures {
    fn eq(&self, other: &Self) -> bool {
        self.spans() == other.spans()
    }
}

impl Eq for Captures {}

impl Captures {
    fn push(&mut self, start: usize, end: usize) -> bool {
        match (
            self.spans.get_mut(self.len),
            u16::try_from(start),
            u16::try_from(end),
        ) {
            (Some(slot), Ok(s), Ok(e)) => {
                *slot = (s, e);
                self.len += 1;
                true
            }
            _ => false,
        }
    }

    /// Number of captured values.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was captured.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The byte ranges of the captured values in the path, in route order.
    pub fn spans(&self) -> &[(u16, u16)] {
        &self.spans[..self.len]
    }
}

/// A matched route: its value, its parameter names and where their values are in the path.
#[derive(Debug)]
pub struct Match<'t, T> {
    /// The value stored for the route.
    pub value: &'t T,
    /// Parameter names, in route order.
    pub names: &'t Arc<[Box<str>]>,
    /// Parameter value positions in the path, in route order.
    pub captures: Captures,
}

impl<T> Match<'_, T> {
    /// The value of parameter `name`, read from `path` (the path given to [`Trie::at`]).
    pub fn param<'p>(&self, path: &'p str, name: &str) -> Option<&'p str> {
        let i = self.names.iter().position(|n| &**n == name)?;
        let (s, e) = *self.captures.spans().get(i)?;
        path.get(usize::from(s)..usize::from(e))
    }
}

#[derive(Debug, Clone)]
struct Leaf<T> {
    names: Arc<[Box<str>]>,
    value: T,
}

#[derive(Debug, Clone)]
struct Node<T> {
    statics: Vec<(Box<[u8]>, Node<T>)>,
    param: Option<Box<Node<T>>>,
    catch_all: Option<Leaf<T>>,
    leaf: Option<Leaf<T>>,
}

impl<T> Default for Node<T> {
    fn default() -> Self {
        Self {
            statics: Vec::new(),
            param: None,
            catch_all: None,
            leaf: None,
        }
    }
}

/// A route trie mapping patterns such as `/users/{id}` and `/static/{*path}` to values.
///
/// Patterns start with `/`; each `/`-separated segment is either static text, a parameter
/// `{name}` (one non-empty segment) or, as the last segment, a catch-all `{*name}` (the
/// non-empty rest of the path). Static segments win over a parameter, which wins over a
/// catch-all; when a preferred branch fails deeper down, lookup backtracks. Two routes
/// conflict when they have the same shape, or put a parameter and a catch-all at the same
/// position.
///
/// ```
/// use covet_core::router::Trie;
///
/// let mut trie = Trie::new();
/// trie.insert("/users/{id}", 1)?;
/// trie.insert("/users/me", 2)?;
/// let m = trie.at("/users/42").unwrap();
/// assert_eq!((*m.value, m.param("/users/42", "id")), (1, Some("42")));
/// assert_eq!(*trie.at("/users/me").unwrap().value, 2);
/// assert!(trie.at("/users/").is_none());
/// # Ok::<(), covet_core::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Trie<T> {
    root: Node<T>,
}

impl<T> Default for Trie<T> {
    fn default() -> Self {
        Self {
            root: Node::default(),
        }
    }
}

impl<T> Trie<T> {
    /// An empty trie.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a route; errors on bad syntax or a conflict with an existing route.
    pub fn insert(&mut self, route: &str, value: T) -> Result<()> {
        let mut value = Some(value);
        let slot = self.slot(route)?;
        if slot.is_some() {
            return Err(Error::new_route(format!(
                "route {route:?} conflicts with an existing route"
            )));
        }
        *slot = value.take().map(|v| Leaf {
            names: param_names(route),
            value: v,
        });
        Ok(())
    }

    /// The value of an existing route with exactly this pattern (same parameter names), or
    /// inserts `make()`; errors on bad syntax or a conflict.
    pub fn get_or_insert_with(&mut self, route: &str, make: impl FnOnce() -> T) -> Result<&mut T> {
        let names = param_names(route);
        let slot = self.slot(route)?;
        if let Some(leaf) = slot.as_ref()
            && leaf.names != names
        {
            return Err(Error::new_route(format!(
                "route {route:?} conflicts with an existing route with other parameter names"
            )));
        }
        let leaf = slot.get_or_insert_with(|| Leaf {
            names,
            value: make(),
        });
        Ok(&mut leaf.value)
    }

    /// The leaf slot for `route`, creating the nodes on the way.
    fn slot(&mut self, route: &str) -> Result<&mut Option<Leaf<T>>> {
        let segments = parse_route(route)?;
        let mut node = &mut self.root;
        let last = segments.len() - 1;
        for (i, seg) in segments.into_iter().enumerate() {
            match seg {
                Segment::Static(s) => {
                    let pos = match node.statics.iter().position(|(k, _)| *k == s) {
                        Some(pos) => pos,
                        None => {
                            node.statics.push((s, Node::default()));
                            node.statics.len() - 1
                        }
                    };
                    node = &mut node.statics[pos].1;
                }
                Segment::Param(_) => {
                    if node.catch_all.is_some() {
                        return Err(conflict(route, "a catch-all"));
                    }
                    node = node.param.get_or_insert_with(Box::default);
                }
                Segment::CatchAll(_) => {
                    debug_assert_eq!(i, last);
                    if node.param.is_some() {
                        return Err(conflict(route, "a parameter"));
                    }
                    return Ok(&mut node.catch_all);
                }
            }
        }
        Ok(&mut node.leaf)
    }

    /// Finds the route matching `path`.
    pub fn at(&self, path: &str) -> Option<Match<'_, T>> {
        let bytes = path.as_bytes();
        if bytes.first() != Some(&b'/') || bytes.len() > usize::from(u16::MAX) {
            return None;
        }
        let mut captures = Captures::default();
        let leaf = self.root.find(bytes, 1, &mut captures)?;
        Some(Match {
            value: &leaf.value,
            names: &leaf.names,
            captures,
        })
    }

    /// Every value in the trie, in no particular order.
    pub fn values(&self) -> Vec<&T> {
        let mut out = Vec::new();
        self.root.collect(&mut out);
        out
    }
}

impl<T> Node<T> {
    fn find(&self, path: &[u8], pos: usize, captures: &mut Captures) -> Option<&Leaf<T>> {
        let rest = &path[pos..];
        // Segments are short: a plain scan beats a SIMD search's setup here.
        let end = rest
            .iter()
            .position(|&b| b == b'/')
            .map_or(path.len(), |i| pos + i);
        let seg = &path[pos..end];
        let last = end == path.len();
        let child = self
            .statics
            .iter()
            .find(|(k, _)| k.len() == seg.len() && k.first() == seg.first() && **k == *seg);
        if let Some((_, child)) = child {
            let found = if last {
                child.leaf.as_ref()
            } else {
                child.find(path, end + 1, captures)
            };
            if found.is_some() {
                return found;
            }
        }
        if let Some(child) = self.param.as_deref().filter(|_| !seg.is_empty()) {
            let mark = captures.len;
            if captures.push(pos, end) {
                let found = if last {
                    child.leaf.as_ref()
                } else {
                    child.find(path, end + 1, captures)
                };
                if found.is_some() {
                    return found;
                }
            }
            captures.len = mark;
        }
        match &self.catch_all {
            Some(leaf) if pos < path.len() && captures.push(pos, path.len()) => Some(leaf),
            _ => None,
        }
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a T>) {
        out.extend(self.leaf.iter().chain(&self.catch_all).map(|l| &l.value));
        for (_, child) in &self.statics {
            child.collect(out);
        }
        if let Some(p) = &self.param {
            p.collect(out);
        }
    }
}

fn conflict(route: &str, other: &str) -> Error {
    Error::new_route(format!(
        "route {route:?} conflicts with {other} at the same position"
    ))
}

fn param_names(route: &str) -> Arc<[Box<str>]> {
    parse_route(route)
        .unwrap_or_default()
        .into_iter()
        .filter_map(|s| match s {
            Segment::Param(n) | Segment::CatchAll(n) => Some(n),
            Segment::Static(_) => None,
        })
        .collect()
}

fn parse_route(route: &str) -> Result<Vec<Segment>> {
    let bad = |why: &str| Error::new_route(format!("invalid route {route:?}: {why}"));
    let rest = route
        .strip_prefix('/')
        .ok_or_else(|| bad("routes start with '/'"))?;
    let parts: Vec<&str> = rest.split('/').collect();
    let mut segments = Vec::with_capacity(parts.len());
    let mut params = 0;
    for (i, part) in parts.iter().enumerate() {
        let seg = if let Some(inner) = part.strip_prefix('{').and_then(|p| p.strip_suffix('}')) {
            params += 1;
            let (catch_all, name) = match inner.strip_prefix('*') {
                Some(name) => (true, name),
                None => (false, inner),
            };
            if name.is_empty() || name.contains(['{', '}', '*']) {
                return Err(bad("parameter names are non-empty and plain"));
            }
            if catch_all {
                if i != parts.len() - 1 {
                    return Err(bad("a catch-all must be the last segment"));
                }
                Segment::CatchAll(name.into())
            } else {
                Segment::Param(name.into())
            }
        } else if part.contains(['{', '}']) {
            return Err(bad("a parameter must be a whole segment, like /{id}"));
        } else {
            Segment::Static(part.as_bytes().into())
        };
        segments.push(seg);
    }
    if params > MAX_PARAMS {
        return Err(bad(&format!("more than {MAX_PARAMS} parameters")));
    }
    let names = segments.iter().filter_map(|s| match s {
        Segment::Param(n) | Segment::CatchAll(n) => Some(n),
        Segment::Static(_) => None,
    });
    let mut seen: Vec<&Box<str>> = Vec::new();
    for n in names {
        if seen.contains(&n) {
            return Err(bad(&format!("parameter {n:?} appears twice")));
        }
        seen.push(n);
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trie(routes: &[&str]) -> Trie<usize> {
        let mut t = Trie::new();
        for (i, r) in routes.iter().enumerate() {
            t.insert(r, i).unwrap();
        }
        t
    }

    macro_rules! lookups {
        ($($name:ident: $routes:expr, $path:expr => $expect:expr;)*) => {$(
            #[test]
            fn $name() {
                let t = trie(&$routes);
                let got = t.at($path).map(|m| {
                    let params: Vec<_> = m
                        .names
                        .iter()
                        .map(|n| (n.to_string(), m.param($path, n).unwrap().to_string()))
                        .collect();
                    (*m.value, params)
                });
                let expect: Option<(usize, Vec<(&str, &str)>)> = $expect;
                let expect = expect.map(|(v, ps)| {
                    (v, ps.into_iter().map(|(a, b)| (a.to_string(), b.to_string())).collect())
                });
                assert_eq!(got, expect);
            }
        )*};
    }

    lookups! {
        root: ["/"], "/" => Some((0, vec![]));
        static_path: ["/a/b", "/a"], "/a/b" => Some((0, vec![]));
        trailing_slash_is_distinct: ["/a"], "/a/" => None;
        param: ["/users/{id}"], "/users/7" => Some((0, vec![("id", "7")]));
        param_is_not_empty: ["/users/{id}"], "/users/" => None;
        static_beats_param: ["/users/{id}", "/users/me"], "/users/me" => Some((1, vec![]));
        backtracks_to_param: ["/a/b/c", "/{x}/b/d"], "/a/b/d" => Some((1, vec![("x", "a")]));
        backtracks_to_catch_all: ["/a/b", "/{*rest}"], "/a/c" => Some((1, vec![("rest", "a/c")]));
        catch_all_takes_slashes: ["/files/{*path}"], "/files/a/b.txt" => Some((0, vec![("path", "a/b.txt")]));
        catch_all_is_not_empty: ["/files/{*path}"], "/files/" => None;
        two_params: ["/{a}/x/{b}"], "/1/x/2" => Some((0, vec![("a", "1"), ("b", "2")]));
        param_stops_at_slash: ["/{a}"], "/1/2" => None;
        empty_segment_is_static: ["/a//b"], "/a//b" => Some((0, vec![]));
        relative_path_is_not_found: ["/"], "*" => None;
    }

    macro_rules! insert_errors {
        ($($name:ident: $routes:expr;)*) => {$(
            #[test]
            fn $name() {
                let mut t = Trie::new();
                let routes: &[&str] = &$routes;
                let (last, first) = routes.split_last().unwrap();
                for r in first {
                    t.insert(r, ()).unwrap();
                }
                let err = t.insert(last, ()).unwrap_err();
                assert!(err.is_route(), "{err}");
            }
        )*};
    }

    insert_errors! {
        no_leading_slash: ["a"];
        duplicate: ["/a", "/a"];
        same_shape_other_name: ["/{a}", "/{b}"];
        param_then_catch_all: ["/{a}", "/{*b}"];
        catch_all_then_param: ["/{*b}", "/{a}/c"];
        catch_all_not_last: ["/{*b}/c"];
        partial_segment_param: ["/img-{id}.png"];
        empty_name: ["/{}"];
        repeated_name: ["/{a}/{a}"];
        unbalanced_brace: ["/a{"];
    }

    #[test]
    fn different_names_on_different_branches_are_fine() {
        let t = trie(&["/{a}/x", "/{b}/y"]);
        let m = t.at("/1/y").unwrap();
        assert_eq!((*m.value, m.param("/1/y", "b")), (1, Some("1")));
    }

    #[test]
    fn get_or_insert_with_merges_same_pattern() {
        let mut t: Trie<Vec<u8>> = Trie::new();
        t.get_or_insert_with("/{id}", Vec::new).unwrap().push(1);
        t.get_or_insert_with("/{id}", Vec::new).unwrap().push(2);
        assert_eq!(t.at("/z").unwrap().value, &vec![1, 2]);
        assert!(t.get_or_insert_with("/{other}", Vec::new).is_err());
    }
}

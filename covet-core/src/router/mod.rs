//! Routing: a trie of path patterns with per-method handlers, 404 versus 405 with `Allow`,
//! and routes that can be added while the server runs.
//!
//! Lookups pin a crossbeam-epoch guard and read the current trie with no lock; adding a
//! route copies the trie, inserts, publishes the copy and retires the old trie once no
//! lookup can still see it. Adding is therefore O(routes) and meant for setup and rare
//! changes, while lookups stay wait-free.

mod table;
mod trie;

use std::sync::Arc;

pub use trie::{Captures, MAX_PARAMS, Match, Trie};

use crate::error::Result;
use crate::handler::BoxHandler;
use crate::method::Method;
use table::{Published, Table};

/// The handlers of one path pattern, by method, and its pre-rendered `Allow` value.
#[derive(Clone, Debug, Default)]
struct Endpoint {
    handlers: [Option<BoxHandler>; Method::ROUTABLE.len()],
    /// Handlers of methods outside [`Method::ROUTABLE`] (`PURGE`, `PROPFIND`, ...), by token.
    custom: Vec<(Box<str>, BoxHandler)>,
    allow: Arc<str>,
}

impl Endpoint {
    fn render_allow(&mut self) {
        let mut allow: Vec<&str> = Method::ROUTABLE
            .iter()
            .zip(&self.handlers)
            .filter(|(_, h)| h.is_some())
            .map(|(m, _)| m.as_str())
            .collect();
        if self.handlers[0].is_some() && self.handlers[1].is_none() {
            allow.insert(1, "HEAD");
        }
        allow.extend(self.custom.iter().map(|(token, _)| &**token));
        self.allow = allow.join(", ").into();
    }

    /// The handler for `method`; `token` is the method as sent, used for [`Method::Other`].
    fn handler(&self, method: Method, token: &str) -> Option<&BoxHandler> {
        let Some(i) = method.index() else {
            return self
                .custom
                .iter()
                .find(|(t, _)| **t == *token)
                .map(|(_, h)| h);
        };
        self.handlers[i].as_ref().or_else(|| {
            // HEAD is served by the GET handler; the body is dropped when writing.
            (method == Method::Head)
                .then(|| self.handlers[0].as_ref())
                .flatten()
        })
    }
}

/// Whether `token` is an RFC 9110 method token (one or more `tchar`s).
fn is_method_token(token: &str) -> bool {
    !token.is_empty()
        && token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The outcome of a lookup.
#[derive(Debug)]
#[non_exhaustive]
pub enum Lookup {
    /// A handler for the method and path, and the captured parameters.
    Found {
        /// The handler.
        handler: BoxHandler,
        /// Parameter names, in route order.
        names: Arc<[Box<str>]>,
        /// Parameter value positions in the path.
        captures: Captures,
    },
    /// No route matches the path: 404.
    NotFound,
    /// A route matches the path but not the method: 405 with this `Allow` value.
    MethodNotAllowed {
        /// The methods the path accepts, comma-separated.
        allow: Arc<str>,
    },
}

/// A routing table of path patterns to handlers, shared by every worker of a server.
///
/// Cloning a `Router` gives another handle to the same table, so routes added through any
/// handle (also while the server runs) are seen by all. See [`Trie`] for the pattern syntax
/// and priorities.
///
/// ```
/// use covet_core::{handler, Method, Response, Router, router::Lookup};
///
/// let router = Router::new();
/// router.get("/users/{id}", handler::ready(|req| Response::text(format!("user {}", req.param("id").as_deref().unwrap_or("")))))?;
/// router.route(Method::Delete, "/users/{id}", |_req| async { Response::empty(204) })?;
///
/// assert!(matches!(router.lookup(Method::Get, "/users/7"), Lookup::Found { .. }));
/// assert!(matches!(router.lookup(Method::Get, "/nope"), Lookup::NotFound));
/// match router.lookup(Method::Post, "/users/7") {
///     Lookup::MethodNotAllowed { allow } => assert_eq!(&*allow, "GET, HEAD, DELETE"),
///     other => panic!("{other:?}"),
/// }
/// # Ok::<(), covet_core::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct Router {
    table: Table<Endpoint>,
}

impl Default for Router {
    fn default() -> Self {
        Self::new()
    }
}

impl Router {
    /// An empty router.
    pub fn new() -> Self {
        Self {
            table: Arc::new(Published::new(Trie::new())),
        }
    }

    /// Adds `handler` for `method` on the path pattern `route`.
    ///
    /// Errors when the pattern is invalid, conflicts with another pattern, already has a
    /// handler for this method, or `method` is [`Method::Other`] (give a custom method by its
    /// token with [`Router::route_method`]).
    pub fn route(&self, method: Method, route: &str, handler: impl Into<BoxHandler>) -> Result<()> {
        if method.index().is_none() {
            return Err(crate::Error::new_route(format!(
                "Method::Other has no token: add the route {route:?} with Router::route_method"
            )));
        }
        self.route_method(method.as_str(), route, handler)
    }

    /// Adds `handler` for the method `token` (case-sensitive, as RFC 9110 says) on the path
    /// pattern `route`: one of the standard methods, or any other method token (`PURGE`,
    /// `PROPFIND`, `REPORT`, ...), which then shows in the route's `Allow` list.
    ///
    /// ```
    /// use covet_core::{handler, Method, Response, Router, router::Lookup};
    ///
    /// let router = Router::new();
    /// router.get("/cache/{*key}", handler::ready(|_| Response::text("hit")))?;
    /// router.route_method("PURGE", "/cache/{*key}", handler::ready(|_| Response::empty(204)))?;
    ///
    /// assert!(matches!(router.lookup_token(Method::Other, "PURGE", "/cache/a/b"), Lookup::Found { .. }));
    /// match router.lookup_token(Method::Other, "PURGEALL", "/cache/a") {
    ///     Lookup::MethodNotAllowed { allow } => assert_eq!(&*allow, "GET, HEAD, PURGE"),
    ///     other => panic!("{other:?}"),
    /// }
    /// # Ok::<(), covet_core::Error>(())
    /// ```
    pub fn route_method(
        &self,
        token: &str,
        route: &str,
        handler: impl Into<BoxHandler>,
    ) -> Result<()> {
        if !is_method_token(token) {
            return Err(crate::Error::new_route(format!(
                "{token:?} is not a method token (letters, digits and !#$%&'*+-.^_`|~)"
            )));
        }
        let method = Method::from_bytes(token.as_bytes());
        let handler = handler.into();
        self.table.update(|trie| {
            let mut next = trie.clone();
            let endpoint = next.get_or_insert_with(route, Endpoint::default)?;
            let taken = match method.index() {
                Some(i) => endpoint.handlers[i].is_some(),
                None => endpoint.custom.iter().any(|(t, _)| **t == *token),
            };
            if taken {
                return Err(crate::Error::new_route(format!(
                    "route {token} {route:?} already has a handler"
                )));
            }
            match method.index() {
                Some(i) => endpoint.handlers[i] = Some(handler),
                None => endpoint.custom.push((token.into(), handler)),
            }
            endpoint.render_allow();
            Ok(next)
        })
    }

    /// Adds a `GET` handler (which also serves `HEAD`).
    pub fn get(&self, route: &str, handler: impl Into<BoxHandler>) -> Result<()> {
        self.route(Method::Get, route, handler)
    }

    /// Adds a `POST` handler.
    pub fn post(&self, route: &str, handler: impl Into<BoxHandler>) -> Result<()> {
        self.route(Method::Post, route, handler)
    }

    /// Adds a `PUT` handler.
    pub fn put(&self, route: &str, handler: impl Into<BoxHandler>) -> Result<()> {
        self.route(Method::Put, route, handler)
    }

    /// Adds a `DELETE` handler.
    pub fn delete(&self, route: &str, handler: impl Into<BoxHandler>) -> Result<()> {
        self.route(Method::Delete, route, handler)
    }

    /// Finds the handler for `method` and `path`, without taking a lock. A
    /// [`Method::Other`] finds nothing here (405); use [`Router::lookup_token`] for those.
    pub fn lookup(&self, method: Method, path: &str) -> Lookup {
        self.lookup_token(method, "", path)
    }

    /// Like [`Router::lookup`], with the method token as sent, so that routes added for
    /// custom methods with [`Router::route_method`] are found too.
    pub fn lookup_token(&self, method: Method, token: &str, path: &str) -> Lookup {
        self.table
            .read(|trie| match trie.at(path) {
                None => Lookup::NotFound,
                Some(m) => match m.value.handler(method, token) {
                    Some(h) => Lookup::Found {
                        handler: h.clone(),
                        names: Arc::clone(m.names),
                        captures: m.captures,
                    },
                    None => Lookup::MethodNotAllowed {
                        allow: Arc::clone(&m.value.allow),
                    },
                },
            })
            .unwrap_or(Lookup::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::handler;
    use crate::response::Response;

    fn ok() -> BoxHandler {
        handler::ready(|_| Response::empty(200))
    }

    #[test]
    fn custom_methods_route_by_token_and_show_in_allow() {
        let r = Router::new();
        r.route_method("PROPFIND", "/dav/{*p}", ok()).unwrap();
        r.route_method("GET", "/dav/{*p}", ok()).unwrap();
        assert!(
            r.route_method("PROPFIND", "/dav/{*p}", ok())
                .unwrap_err()
                .is_route()
        );
        assert!(
            r.route_method("GET", "/dav/{*p}", ok())
                .unwrap_err()
                .is_route()
        );
        for bad in ["", "PROP FIND", "PROP\r\n", "M\u{e9}THODE", "A:B"] {
            assert!(
                r.route_method(bad, "/x", ok()).unwrap_err().is_route(),
                "{bad:?}"
            );
        }
        assert!(r.route(Method::Other, "/x", ok()).unwrap_err().is_route());
        assert!(matches!(
            r.lookup_token(Method::Other, "PROPFIND", "/dav/a"),
            Lookup::Found { .. }
        ));
        // The plain lookup has no token: custom methods are not found there.
        assert!(matches!(
            r.lookup(Method::Other, "/dav/a"),
            Lookup::MethodNotAllowed { .. }
        ));
        match r.lookup_token(Method::Other, "propfind", "/dav/a") {
            Lookup::MethodNotAllowed { allow } => assert_eq!(&*allow, "GET, HEAD, PROPFIND"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            r.lookup_token(Method::Get, "GET", "/dav/a"),
            Lookup::Found { .. }
        ));
    }

    #[test]
    fn same_route_and_method_twice_is_an_error() {
        let r = Router::new();
        r.get("/a", ok()).unwrap();
        assert!(r.get("/a", ok()).unwrap_err().is_route());
        r.post("/a", ok()).unwrap();
    }

    #[test]
    fn head_falls_back_to_get_and_allow_lists_it() {
        let r = Router::new();
        r.get("/a", ok()).unwrap();
        r.route(Method::Options, "/a", ok()).unwrap();
        assert!(matches!(r.lookup(Method::Head, "/a"), Lookup::Found { .. }));
        match r.lookup(Method::Put, "/a") {
            Lookup::MethodNotAllowed { allow } => assert_eq!(&*allow, "GET, HEAD, OPTIONS"),
            other => panic!("{other:?}"),
        }
        match r.lookup(Method::Other, "/a") {
            Lookup::MethodNotAllowed { .. } => {}
            other => panic!("{other:?}"),
        }
        assert!(r.route(Method::Other, "/b", ok()).is_err());
    }

    #[test]
    fn routes_added_from_another_thread_are_seen() {
        let r = Router::new();
        let r2 = r.clone();
        std::thread::spawn(move || {
            for i in 0..100 {
                r2.get(&format!("/r{i}"), ok()).unwrap();
            }
        })
        .join()
        .unwrap();
        for i in 0..100 {
            assert!(matches!(
                r.lookup(Method::Get, &format!("/r{i}")),
                Lookup::Found { .. }
            ));
        }
    }

    #[test]
    fn lookups_run_while_routes_are_added() {
        let r = Router::new();
        r.get("/stable/{id}", ok()).unwrap();
        let writer = {
            let r = r.clone();
            std::thread::spawn(move || {
                for i in 0..300 {
                    r.get(&format!("/new/{i}"), ok()).unwrap();
                }
            })
        };
        let mut found = 0;
        while !writer.is_finished() || found == 0 {
            if let Lookup::Found { captures, .. } = r.lookup(Method::Get, "/stable/x") {
                assert_eq!(captures.spans(), &[(8, 9)]);
                found += 1;
            }
        }
        writer.join().unwrap();
        assert!(matches!(
            r.lookup(Method::Get, "/new/299"),
            Lookup::Found { .. }
        ));
    }
}

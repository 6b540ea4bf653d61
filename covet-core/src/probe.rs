//! The Http11Probe server contract, ready to serve.
//!
//! [Http11Probe](https://github.com/MDA2AV/Http11Probe) and this crate's conformance corpus
//! test servers through five endpoints: `GET /`, `HEAD /`, `POST /` (echoes the body),
//! `OPTIONS /`, and `POST /echo` (echoes the request's header fields as `Name: Value` lines).

use crate::handler;
use crate::method::Method;
use crate::response::Response;
use crate::router::Router;

/// A router serving the Http11Probe contract.
///
/// ```
/// use covet_core::{probe, Method, router::Lookup};
///
/// let router = probe::router()?;
/// assert!(matches!(router.lookup(Method::Post, "/echo"), Lookup::Found { .. }));
/// # Ok::<(), covet_core::Error>(())
/// ```
pub fn router() -> crate::Result<Router> {
    let router = Router::new();
    router.get("/", handler::ready(|_| Response::text("OK")))?;
    router.post("/", handler::ready(|req| Response::bytes(req.into_body())))?;
    router.route(
        Method::Options,
        "/",
        handler::ready(|_| Response::empty(204).header("Allow", "GET, HEAD, POST, OPTIONS")),
    )?;
    router.post(
        "/echo",
        handler::ready(|req| {
            let mut out = Vec::new();
            for (name, value) in req.headers() {
                out.extend_from_slice(name.as_bytes());
                out.extend_from_slice(b": ");
                out.extend_from_slice(value);
                out.extend_from_slice(b"\n");
            }
            Response::bytes(out).content_type("text/plain")
        }),
    )?;
    Ok(router)
}

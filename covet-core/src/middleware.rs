//! Middleware hooks: one before routing, one after the response is built.
//!
//! Hooks are optional; when none is set the connection pays one branch per request and
//! nothing else.

use std::sync::Arc;

use crate::request::Request;
use crate::response::Response;

/// Runs before routing; may rewrite the request or answer it directly (`Some(response)`).
pub type BeforeHook = Arc<dyn Fn(&mut Request) -> Option<Response> + Send + Sync>;

/// Runs after the handler with the request's head (body not included) and the response.
pub type AfterHook = Arc<dyn Fn(&Request, &mut Response) + Send + Sync>;

/// The hooks a server runs around its handlers.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub(crate) before: Option<BeforeHook>,
    pub(crate) after: Option<AfterHook>,
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Hooks")
            .field("before", &self.before.is_some())
            .field("after", &self.after.is_some())
            .finish()
    }
}

//! The tokio runtime behind the blocking object-store calls: the caller's, or one shared runtime
//! started on first use.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Builder, Handle, Runtime};

use crate::error::{Error, Result};

/// Started on the first blocking call that has no runtime of its own; lives for the process.
static SHARED: OnceLock<std::result::Result<Runtime, String>> = OnceLock::new();

/// Runs `future` to completion on `handle`, or on the shared runtime.
pub(crate) fn block_on<F: Future>(handle: Option<&Handle>, future: F) -> Result<F::Output> {
    if Handle::try_current().is_ok() {
        return Err(Error::Runtime(
            "a blocking object-store call was made from inside an async runtime: \
             call the `_async` version instead (e.g. `Scanner::scan_store_async`)"
                .to_owned(),
        ));
    }
    if let Some(handle) = handle {
        return Ok(handle.block_on(future));
    }
    let shared = SHARED.get_or_init(|| {
        Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("pathvein-store")
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    });
    match shared {
        Ok(runtime) => Ok(runtime.block_on(future)),
        Err(e) => Err(Error::Runtime(format!(
            "could not start the tokio runtime for object-store calls: {e}"
        ))),
    }
}

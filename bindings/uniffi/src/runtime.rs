//! The library's one tokio runtime.

use std::future::Future;
use std::sync::OnceLock;

use tokio::runtime::{Handle, Runtime};
use tokio::task::JoinHandle;

use crate::error::CttError;

static RUNTIME: OnceLock<Result<Runtime, String>> = OnceLock::new();

/// The shared runtime's handle, created on first use.
pub(crate) fn handle() -> Result<Handle, CttError> {
    let rt = RUNTIME.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("ctt-uniffi-runtime")
            .enable_all()
            .build()
            .map_err(|e| format!("cannot start the runtime: {e}"))
    });
    match rt {
        Ok(rt) => Ok(rt.handle().clone()),
        Err(e) => Err(CttError::internal(e.clone())),
    }
}

/// Aborts the task when dropped (the foreign caller cancelled the coroutine / `Task`).
struct AbortOnDrop<T>(JoinHandle<T>);

impl<T> Drop for AbortOnDrop<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs `fut` on the library runtime and waits for it; a panic inside becomes an `Internal` error.
pub(crate) async fn run<T, F>(fut: F) -> Result<T, CttError>
where
    F: Future<Output = Result<T, CttError>> + Send + 'static,
    T: Send + 'static,
{
    let mut task = AbortOnDrop(handle()?.spawn(fut));
    match (&mut task.0).await {
        Ok(r) => r,
        Err(e) => Err(CttError::internal(format!("background task failed: {e}"))),
    }
}

/// Runs `fut` to completion on the library runtime from a foreign (non-async) thread.
pub(crate) fn block_on<T>(fut: impl Future<Output = Result<T, CttError>>) -> Result<T, CttError> {
    if Handle::try_current().is_ok() {
        return Err(CttError::internal(
            "a blocking ctt call was made from inside an async runtime; use the async method",
        ));
    }
    handle()?.block_on(fut)
}

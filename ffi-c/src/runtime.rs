//! The library's one tokio runtime, created on first use and shared by every handle, and the
//! threads that run C callbacks.
//!
//! Global state is allowed here (a binding owns its runtime; the core has none). The runtime's
//! two worker threads are named `ctt-runtime`; each C callback runs on a short-lived thread
//! named `ctt-callback`, outside the runtime, so a slow callback never stalls other work and a
//! callback may call any ctt function, blocking ones included.

use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use ctt_core::{Error, ErrorKind};
use tokio::runtime::{Handle, Runtime};

static RUNTIME: Mutex<Option<Runtime>> = Mutex::new(None);
static CALLBACK_THREADS: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());

thread_local! {
    /// Set on `ctt-callback` threads (a shutdown there must not join its own thread).
    static ON_CALLBACK_THREAD: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The runtime's handle, starting the runtime on first use (and again after a shutdown).
pub(crate) fn handle() -> Result<Handle, Error> {
    let mut slot = RUNTIME.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(rt) = slot.as_ref() {
        return Ok(rt.handle().clone());
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ctt-runtime")
        .enable_all()
        .build()
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot start the ctt runtime: {e}")))?;
    let handle = rt.handle().clone();
    *slot = Some(rt);
    Ok(handle)
}

/// Runs `f` once on a new thread named `ctt-callback` (inline on the current thread if no
/// thread can be started, so a callback is never lost).
pub(crate) fn spawn_callback(f: impl FnOnce() + Send + 'static) {
    let job = Arc::new(Mutex::new(Some(f)));
    let run = |job: &Mutex<Option<_>>, own_thread: bool| {
        if own_thread {
            ON_CALLBACK_THREAD.with(|c| c.set(true));
        }
        let f = job.lock().unwrap_or_else(|p| p.into_inner()).take();
        if let Some(f) = f {
            crate::error::guard_void(f);
        }
    };
    let job2 = Arc::clone(&job);
    match std::thread::Builder::new().name("ctt-callback".into()).spawn(move || run(&job2, true)) {
        Ok(t) => {
            let mut threads = CALLBACK_THREADS.lock().unwrap_or_else(|p| p.into_inner());
            threads.retain(|t| !t.is_finished());
            threads.push(t);
        }
        Err(_) => run(&job, false),
    }
}

/// Stops the runtime (waiting up to `timeout` for its tasks) and joins finished-or-finishing
/// callback threads.
pub(crate) fn shutdown(timeout: Duration) {
    let rt = RUNTIME.lock().unwrap_or_else(|p| p.into_inner()).take();
    if let Some(rt) = rt {
        rt.shutdown_timeout(timeout);
    }
    // From a callback thread, joining would wait for itself: leave the threads detached.
    if ON_CALLBACK_THREAD.with(|c| c.get()) {
        return;
    }
    let threads: Vec<_> = std::mem::take(&mut *CALLBACK_THREADS.lock().unwrap_or_else(|p| p.into_inner()));
    for t in threads {
        let _ = t.join();
    }
}

//! `ctt._native`: the Python binding of ctt-core (and ctt-server). A thin translation: Python
//! values in, core calls, Python values out, core errors mapped to the `CttError` hierarchy.
//!
//! One tokio runtime per process, created at import (and again in a forked child), drives every
//! call: blocking `Client` calls wait on it with the GIL released; `AsyncClient` awaitables are
//! bridged to asyncio by pyo3-async-runtimes' generic API on this same runtime.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicPtr, AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use pyo3::prelude::*;
use tokio::runtime::Runtime;

mod callback;
mod client;
mod convert;
mod errors;
mod logging;
mod servers;
mod types;

/// This process's runtime, and the process it belongs to. Tokio's threads do not survive
/// `fork()` (multiprocessing's default start method on Linux): a child would wait forever on a
/// runtime whose threads exist only in its parent. So a child builds its own runtime on first
/// use; the parent's copy is left alone (never dropped: dropping would wait for threads that
/// are not there).
static RUNTIME: AtomicPtr<Runtime> = AtomicPtr::new(std::ptr::null_mut());
static RUNTIME_PID: AtomicU32 = AtomicU32::new(0);
static RUNTIME_INIT: Mutex<()> = Mutex::new(());

/// The module's runtime for this process (created at import, and again in a forked child). Every
/// call that runs something on it asks for it first, so this is also where the cached level of
/// the `ctt` logger is forgotten.
pub fn runtime() -> PyResult<&'static Runtime> {
    logging::invalidate();
    if let Some(rt) = this_process_runtime() {
        return Ok(rt);
    }
    let _init = RUNTIME_INIT.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some(rt) = this_process_runtime() {
        return Ok(rt); // another thread built it meanwhile
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .thread_name("ctt-runtime")
        .enable_all()
        .on_thread_start(|| RUNTIME_THREAD.set(true))
        .on_thread_stop(drop_thread_state)
        .build()
        .map_err(|e| {
            Python::attach(|py| {
                errors::to_py(
                    py,
                    &ctt_core::Error::new(
                        ctt_core::ErrorKind::Internal,
                        format!("cannot start the runtime: {e}"),
                    ),
                )
            })
        })?;
    let rt: &'static Runtime = Box::leak(Box::new(rt));
    RUNTIME.store(std::ptr::from_ref(rt).cast_mut(), Ordering::Release);
    RUNTIME_PID.store(std::process::id(), Ordering::Release);
    Ok(rt)
}

/// The runtime if it was built in this process.
fn this_process_runtime() -> Option<&'static Runtime> {
    if RUNTIME_PID.load(Ordering::Acquire) != std::process::id() {
        return None;
    }
    // SAFETY: the pointer comes from `Box::leak` and is never freed; it was stored before the
    // pid that the Acquire load above observed.
    unsafe { RUNTIME.load(Ordering::Acquire).as_ref() }
}

/// The awaitables' runtime for pyo3-async-runtimes: this process's runtime, found again after a
/// fork (pyo3-async-runtimes' own tokio runtime is set once per address space).
struct CttRuntime;

tokio::task_local! {
    static TASK_LOCALS: std::cell::OnceCell<pyo3_async_runtimes::TaskLocals>;
}

impl pyo3_async_runtimes::generic::Runtime for CttRuntime {
    type JoinError = tokio::task::JoinError;
    type JoinHandle = tokio::task::JoinHandle<()>;

    fn spawn<F: Future<Output = ()> + Send + 'static>(fut: F) -> Self::JoinHandle {
        spawn_runtime().spawn(fut)
    }

    fn spawn_blocking<F: FnOnce() + Send + 'static>(f: F) -> Self::JoinHandle {
        spawn_runtime().spawn_blocking(f)
    }
}

impl pyo3_async_runtimes::generic::ContextExt for CttRuntime {
    fn scope<F, R>(locals: pyo3_async_runtimes::TaskLocals, fut: F) -> Pin<Box<dyn Future<Output = R> + Send>>
    where
        F: Future<Output = R> + Send + 'static,
    {
        Box::pin(TASK_LOCALS.scope(std::cell::OnceCell::from(locals), fut))
    }

    fn get_task_locals() -> Option<pyo3_async_runtimes::TaskLocals> {
        TASK_LOCALS.try_with(|c| c.get().cloned()).unwrap_or_default()
    }
}

/// The runtime for a spawn that cannot fail: [`spawn_future`] made sure it exists.
fn spawn_runtime() -> &'static Runtime {
    match this_process_runtime() {
        Some(rt) => rt,
        None => Python::attach(|_| runtime()).expect("ctt: the runtime cannot be started"),
    }
}

thread_local! {
    /// Whether this thread is one of the runtime's.
    static RUNTIME_THREAD: Cell<bool> = const { Cell::new(false) };
    /// Whether this runtime thread keeps its Python thread state (see [`keep_thread_state`]).
    static KEPT: Cell<bool> = const { Cell::new(false) };
}

/// Called with the GIL held: on a runtime thread, makes its Python thread state outlive this
/// attachment. Otherwise every callback into Python from a runtime thread (a batch's `on_done`,
/// a log record, an awaitable's result) would create a thread state and its frame stack and
/// destroy both right after (measured: ~25 µs of CPU per `on_done` call). Released when the
/// thread stops.
pub fn keep_thread_state(py: Python<'_>) {
    if RUNTIME_THREAD.get() && !KEPT.get() && may_keep(py) {
        // SAFETY: the GIL is held; this one extra `PyGILState_Ensure` is balanced in
        // `drop_thread_state` when the thread ends.
        unsafe { pyo3::ffi::PyGILState_Ensure() };
        KEPT.set(true);
    }
}

/// Whether this thread may keep its thread state: not while `threading` is not imported yet, and
/// never on the thread `threading` takes for the main thread (before Python 3.13, the thread
/// that imported it), which interpreter shutdown waits for.
fn may_keep(py: Python<'_>) -> bool {
    let check = || -> PyResult<bool> {
        let modules = py.import("sys")?.getattr("modules")?;
        let Some(threading) = modules.get_item("threading").ok().filter(|m| !m.is_none()) else {
            return Ok(false);
        };
        let main = threading.call_method0("main_thread")?.getattr("ident")?;
        let me = threading.call_method0("get_ident")?;
        Ok(!main.eq(me)?)
    };
    check().unwrap_or(false)
}

/// [`keep_thread_state`] from a runtime thread that is not attached (once per thread).
fn keep_this_thread() {
    if RUNTIME_THREAD.get() && !KEPT.get() {
        let _ = Python::try_attach(keep_thread_state);
    }
}

fn drop_thread_state() {
    if KEPT.replace(false) {
        // SAFETY: balances the `PyGILState_Ensure` of `keep_thread_state`, with the GIL held;
        // the attachment's own release then deletes the thread state.
        let _ = Python::try_attach(|_| unsafe {
            pyo3::ffi::PyGILState_Release(pyo3::ffi::PyGILState_STATE::PyGILState_LOCKED)
        });
    }
}

/// Runs `fut` on the runtime as an asyncio awaitable (`pyo3-async-runtimes`), on a runtime thread
/// that keeps its Python thread state for delivering the result.
pub fn spawn_future<'py, T>(
    py: Python<'py>,
    fut: impl Future<Output = PyResult<T>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    runtime()?;
    logging::init(py);
    pyo3_async_runtimes::generic::future_into_py::<CttRuntime, _, _>(py, async move {
        let r = fut.await;
        keep_this_thread();
        r
    })
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    runtime()?;
    logging::install();
    errors::register(m)?;
    m.add("__version__", ctt_core::VERSION)?;
    m.add("DEFAULT_BASE_URL", ctt_core::DEFAULT_BASE_URL)?;
    m.add("USER_AGENT", ctt_core::USER_AGENT)?;
    m.add("REDACTED", ctt_core::REDACTED)?;
    m.add("DEFAULT_BODY_LIMIT", ctt_core::DEFAULT_BODY_LIMIT)?;
    m.add("DEFAULT_STATE_PARAM", ctt_core::DEFAULT_STATE_PARAM)?;

    m.add_class::<types::Secret>()?;
    m.add_class::<types::PlanStep>()?;
    m.add_class::<types::ConsentPlan>()?;
    m.add_class::<types::ConsentProgress>()?;
    m.add_function(wrap_pyfunction!(types::consent_plan, m)?)?;
    m.add_function(wrap_pyfunction!(types::_action_info, m)?)?;
    m.add_function(wrap_pyfunction!(types::_service_display_name, m)?)?;
    m.add_function(wrap_pyfunction!(types::_service_name, m)?)?;

    m.add_class::<callback::FlowSigner>()?;
    m.add_class::<callback::FlowState>()?;
    m.add_class::<callback::UserInfo>()?;
    m.add_class::<callback::TokenClaims>()?;
    m.add_class::<callback::AuthenticationResult>()?;
    m.add_class::<callback::ConsentRedirect>()?;
    m.add_class::<callback::AuthenticatedEvent>()?;
    m.add_class::<callback::ConsentSucceededEvent>()?;
    m.add_class::<callback::ConsentFailedEvent>()?;
    m.add_class::<callback::CallbackHandler>()?;
    m.add_function(wrap_pyfunction!(callback::handle_callback, m)?)?;
    m.add_function(wrap_pyfunction!(callback::parse_authentication_result, m)?)?;
    m.add_function(wrap_pyfunction!(callback::parse_consent_redirect, m)?)?;
    m.add_function(wrap_pyfunction!(callback::parse_query_lenient, m)?)?;
    m.add_function(wrap_pyfunction!(callback::decode_claims, m)?)?;
    m.add_function(wrap_pyfunction!(callback::derive_expiry, m)?)?;

    m.add_class::<client::ConsentUrl>()?;
    m.add_class::<client::ActionUrl>()?;
    m.add_class::<client::AccessToken>()?;
    m.add_class::<client::ActionUrlRequest>()?;
    m.add_class::<client::Client>()?;
    m.add_class::<client::AsyncClient>()?;
    m.add_function(wrap_pyfunction!(client::parse_action_url_response, m)?)?;
    m.add_function(wrap_pyfunction!(client::inspect_consent_url, m)?)?;
    m.add_function(wrap_pyfunction!(client::validate_enterprise_name, m)?)?;
    m.add_function(wrap_pyfunction!(client::validate_redirect_url, m)?)?;
    m.add_function(wrap_pyfunction!(client::parse_retry_after, m)?)?;

    servers::register(m)?;
    Ok(())
}

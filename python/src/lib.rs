//! `ctt._native`: the Python binding of ctt-core (and ctt-server). A thin translation: Python
//! values in, core calls, Python values out, core errors mapped to the `CttError` hierarchy.
//!
//! One tokio runtime, created at import, drives every call: blocking `Client` calls wait on it
//! with the GIL released; `AsyncClient` awaitables are bridged to asyncio by
//! pyo3-async-runtimes, which is given this same runtime.

use std::cell::Cell;
use std::future::Future;
use std::sync::OnceLock;

use pyo3::prelude::*;
use tokio::runtime::Runtime;

mod callback;
mod client;
mod convert;
mod errors;
mod logging;
mod servers;
mod types;

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The module's runtime (created at import). Every call that runs something on it asks for it
/// first, so this is also where the cached level of the `ctt` logger is forgotten.
pub fn runtime() -> PyResult<&'static Runtime> {
    logging::invalidate();
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
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
    // A racing initializer may have won; its runtime is the one used and ours is dropped.
    let _ = RUNTIME.set(rt);
    let rt = RUNTIME.get().ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no runtime"))?;
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(rt);
    Ok(rt)
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
    pyo3_async_runtimes::tokio::future_into_py(py, async move {
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

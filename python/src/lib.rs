//! `ctt._native`: the Python binding of ctt-core (and ctt-server). A thin translation: Python
//! values in, core calls, Python values out, core errors mapped to the `CttError` hierarchy.
//!
//! One tokio runtime, created at import, drives every call: blocking `Client` calls wait on it
//! with the GIL released; `AsyncClient` awaitables are bridged to asyncio by
//! pyo3-async-runtimes, which is given this same runtime.

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

/// The module's runtime (created at import).
pub fn runtime() -> PyResult<&'static Runtime> {
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let rt =
        tokio::runtime::Builder::new_multi_thread().thread_name("ctt-runtime").enable_all().build().map_err(
            |e| {
                Python::attach(|py| {
                    errors::to_py(
                        py,
                        &ctt_core::Error::new(
                            ctt_core::ErrorKind::Internal,
                            format!("cannot start the runtime: {e}"),
                        ),
                    )
                })
            },
        )?;
    // A racing initializer may have won; its runtime is the one used and ours is dropped.
    let _ = RUNTIME.set(rt);
    let rt = RUNTIME.get().ok_or_else(|| pyo3::exceptions::PyRuntimeError::new_err("no runtime"))?;
    let _ = pyo3_async_runtimes::tokio::init_with_runtime(rt);
    Ok(rt)
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

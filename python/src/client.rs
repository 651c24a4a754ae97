//! `Client` (blocking, GIL released while waiting) and `AsyncClient` (asyncio awaitables), both
//! driven by the module's one tokio runtime; the action-URL types; the response parsers.

use std::future::Future;
use std::sync::RwLock;
use std::time::Duration;

use ctt_core::{
    AccessToken as CoreToken, ActionUrl as CoreActionUrl, ActionUrlRequest as CoreRequest,
    Client as CoreClient, ConsentUrl as CoreConsentUrl, RetryPolicy,
};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyList, PyTuple};

use crate::callback::{placement, FlowSigner};
use crate::convert::{action_type, duration, opt_repr};
use crate::errors::{exception, invalid, to_py, IntoPyResult};
use crate::runtime;
use crate::types::{secret_arg, Secret};

// ---------------------------------------------------------------------------------------------
// Values

/// An action URL taken apart (Microsoft authorize URLs and the mock's look-alike).
#[pyclass(module = "ctt", frozen, get_all)]
#[derive(Clone)]
pub struct ConsentUrl {
    url: String,
    host: String,
    is_authorize: bool,
    client_id: Option<String>,
    response_type: Option<String>,
    response_mode: Option<String>,
    scopes: Vec<String>,
    state: Option<String>,
    nonce: Option<String>,
    redirect_uri: Option<String>,
}

impl From<CoreConsentUrl> for ConsentUrl {
    fn from(c: CoreConsentUrl) -> Self {
        ConsentUrl {
            url: c.url,
            host: c.host,
            is_authorize: c.is_authorize,
            client_id: c.client_id,
            response_type: c.response_type,
            response_mode: c.response_mode,
            scopes: c.scopes,
            state: c.state,
            nonce: c.nonce,
            redirect_uri: c.redirect_uri,
        }
    }
}

#[pymethods]
impl ConsentUrl {
    fn __repr__(&self) -> String {
        format!(
            "ConsentUrl(host={}, is_authorize={}, client_id={}, scopes={:?})",
            opt_repr(Some(&self.host)),
            if self.is_authorize { "True" } else { "False" },
            opt_repr(self.client_id.as_deref()),
            self.scopes
        )
    }
}

/// A successful ``getActionItemUrl`` answer: ``url`` to show the Global Admin, its parts in
/// ``consent``, the ``redirect_url`` that was sent and the ``state_token`` added to it.
#[pyclass(module = "ctt", frozen)]
pub struct ActionUrl {
    inner: CoreActionUrl,
    /// `consent`, taken apart by core on first access (most callers only read `url`).
    consent: PyOnceLock<Py<ConsentUrl>>,
}

impl From<CoreActionUrl> for ActionUrl {
    fn from(a: CoreActionUrl) -> Self {
        ActionUrl { inner: a, consent: PyOnceLock::new() }
    }
}

#[pymethods]
impl ActionUrl {
    /// The URL to show the Global Admin.
    #[getter]
    pub fn url(&self) -> &str {
        &self.inner.url
    }
    /// ``url`` taken apart (built on first access).
    #[getter]
    fn consent(&self, py: Python<'_>) -> PyResult<Py<ConsentUrl>> {
        self.consent
            .get_or_try_init(py, || Py::new(py, ConsentUrl::from(self.inner.consent())))
            .map(|c| c.clone_ref(py))
    }
    #[getter]
    fn redirect_url(&self) -> &str {
        &self.inner.redirect_url
    }
    #[getter]
    fn state_token(&self) -> Option<&str> {
        self.inner.state_token.as_deref()
    }

    fn __repr__(&self) -> String {
        format!(
            "ActionUrl(url={}, redirect_url={})",
            opt_repr(Some(&self.inner.url)),
            opt_repr(Some(&self.inner.redirect_url))
        )
    }

    fn __str__(&self) -> String {
        self.inner.url.clone()
    }
}

/// A token from ``/oauth/token``; ``token`` and ``refresh_token`` are Secrets.
#[pyclass(module = "ctt", frozen)]
pub struct AccessToken(CoreToken);

#[pymethods]
impl AccessToken {
    #[getter]
    fn token(&self) -> Secret {
        Secret(self.0.token.clone())
    }
    #[getter]
    fn token_type(&self) -> &str {
        &self.0.token_type
    }
    /// ``expires_in`` in seconds, when given.
    #[getter]
    fn expires_in(&self) -> Option<f64> {
        self.0.expires_in.map(|d| d.as_secs_f64())
    }
    #[getter]
    fn refresh_token(&self) -> Option<Secret> {
        self.0.refresh_token.clone().map(Secret)
    }
    #[getter]
    fn scope(&self) -> Option<&str> {
        self.0.scope.as_deref()
    }
    fn __repr__(&self) -> String {
        format!(
            "AccessToken(token=[REDACTED], token_type={}, expires_in={:?})",
            opt_repr(Some(&self.0.token_type)),
            self.0.expires_in.map(|d| d.as_secs_f64())
        )
    }
}

/// One request of a batch: the arguments of ``get_action_item_url``.
#[pyclass(module = "ctt", frozen)]
pub struct ActionUrlRequest(CoreRequest);

#[pymethods]
impl ActionUrlRequest {
    #[new]
    #[pyo3(signature = (action_type, enterprise_name, redirect_url, *, state=None, state_param="ctt_state", state_in_path=false))]
    fn new(
        action_type: &Bound<'_, PyAny>,
        enterprise_name: String,
        redirect_url: String,
        state: Option<PyRef<'_, FlowSigner>>,
        state_param: &str,
        state_in_path: bool,
    ) -> PyResult<Self> {
        Ok(ActionUrlRequest(request(
            action_type,
            enterprise_name,
            redirect_url,
            state,
            state_param,
            state_in_path,
        )?))
    }

    #[getter]
    fn action_type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        crate::convert::action_type_py(py, self.0.action_type)
    }
    #[getter]
    fn enterprise_name(&self) -> &str {
        &self.0.enterprise_name
    }
    #[getter]
    fn redirect_url(&self) -> &str {
        &self.0.redirect_url
    }
    fn __repr__(&self) -> String {
        format!(
            "ActionUrlRequest(action_type={}, enterprise_name={}, redirect_url={}, state={})",
            self.0.action_type,
            opt_repr(Some(&self.0.enterprise_name)),
            opt_repr(Some(&self.0.redirect_url)),
            if self.0.state.is_some() { "FlowSigner([REDACTED])" } else { "None" }
        )
    }
}

fn request(
    action_type_ob: &Bound<'_, PyAny>,
    enterprise_name: String,
    redirect_url: String,
    state: Option<PyRef<'_, FlowSigner>>,
    state_param: &str,
    state_in_path: bool,
) -> PyResult<CoreRequest> {
    let mut r = CoreRequest::new(action_type(action_type_ob)?, enterprise_name, redirect_url);
    if let Some(s) = state {
        r = r.with_state(s.0.clone(), placement(state_param, state_in_path));
    }
    Ok(r)
}

/// Batch items: ActionUrlRequest objects or (action_type, enterprise_name, redirect_url) tuples.
fn requests_of(ob: &Bound<'_, PyAny>) -> PyResult<Vec<CoreRequest>> {
    let mut out = Vec::new();
    for item in ob.try_iter()? {
        let item = item?;
        if let Ok(r) = item.cast::<ActionUrlRequest>() {
            out.push(r.get().0.clone());
        } else if let Ok(t) = item.cast::<PyTuple>() {
            if t.len() != 3 {
                return Err(invalid(
                    ob.py(),
                    "requests",
                    "tuples must be (action_type, enterprise_name, redirect_url)",
                ));
            }
            out.push(request(
                &t.get_item(0)?,
                t.get_item(1)?.extract()?,
                t.get_item(2)?.extract()?,
                None,
                "",
                false,
            )?);
        } else {
            return Err(invalid(ob.py(), "requests", "expected ActionUrlRequest objects or 3-tuples"));
        }
    }
    Ok(out)
}

fn batch_list(py: Python<'_>, results: Vec<ctt_core::Result<CoreActionUrl>>) -> PyResult<Py<PyList>> {
    let list = PyList::empty(py);
    for r in results {
        match r {
            Ok(u) => list.append(Py::new(py, ActionUrl::from(u))?)?,
            Err(e) => list.append(exception(py, &e)?)?,
        }
    }
    Ok(list.unbind())
}

// ---------------------------------------------------------------------------------------------
// Configuration shared by both clients

struct Config {
    core: CoreClient,
    repr: String,
}

#[allow(clippy::too_many_arguments)]
fn configure(
    py: Python<'_>,
    class: &str,
    base_url: &str,
    token: Option<&Bound<'_, PyAny>>,
    client_id: Option<String>,
    client_secret: Option<&Bound<'_, PyAny>>,
    username: Option<String>,
    password: Option<&Bound<'_, PyAny>>,
    timeout: f64,
    connect_timeout: f64,
    max_attempts: u32,
    retry_base_delay: f64,
    retry_max_delay: f64,
    max_retry_after: f64,
    user_agent: Option<String>,
    root_certificates: Vec<Vec<u8>>,
    use_env_proxy: bool,
) -> PyResult<Config> {
    let mut b = CoreClient::builder()
        .base_url(base_url)
        .timeout(duration(py, "timeout", timeout)?)
        .connect_timeout(duration(py, "connectTimeout", connect_timeout)?)
        .retry_policy(RetryPolicy {
            max_attempts,
            base_delay: duration(py, "retryBaseDelay", retry_base_delay)?,
            max_delay: duration(py, "retryMaxDelay", retry_max_delay)?,
            max_retry_after: duration(py, "maxRetryAfter", max_retry_after)?,
        })
        .use_env_proxy(use_env_proxy);
    let password_grant =
        client_id.is_some() || client_secret.is_some() || username.is_some() || password.is_some();
    let credentials = match (token, password_grant) {
        (Some(_), true) => {
            return Err(invalid(
                py,
                "credentials",
                "give either token or password-grant credentials, not both",
            ))
        }
        (Some(t), false) => {
            b = b.bearer_token(secret_arg(t, "token")?);
            "token"
        }
        (None, true) => {
            let (Some(id), Some(cs), Some(user), Some(pw)) = (client_id, client_secret, username, password)
            else {
                return Err(invalid(
                    py,
                    "credentials",
                    "the password grant needs client_id, client_secret, username and password",
                ));
            };
            b = b.password_grant(id, secret_arg(cs, "clientSecret")?, user, secret_arg(pw, "password")?);
            "password_grant"
        }
        (None, false) => "none",
    };
    if let Some(ua) = user_agent {
        b = b.user_agent(ua);
    }
    for pem in root_certificates {
        b = b.add_root_certificate_pem(pem);
    }
    let core = b.build().py_err()?;
    let repr = format!(
        "{class}(base_url={}, credentials={credentials} [REDACTED], timeout={timeout}, max_attempts={max_attempts})",
        opt_repr(Some(core.base_url()))
    );
    Ok(Config { core, repr })
}

fn closed(py: Python<'_>) -> PyErr {
    invalid(py, "client", "the client is closed")
}

/// Runs `fut` on the runtime and waits for it with the GIL released, waking every 200 ms to
/// let Python deliver signals (Ctrl-C cancels the call).
pub fn wait<T: Send + 'static>(py: Python<'_>, fut: impl Future<Output = T> + Send + 'static) -> PyResult<T> {
    if tokio::runtime::Handle::try_current().is_ok() {
        // E.g. a blocking call made from a progress callback, which runs on a runtime thread.
        return Err(to_py(
            py,
            &ctt_core::Error::new(
                ctt_core::ErrorKind::Internal,
                "a blocking ctt call was made on a ctt runtime thread; use the AsyncClient there",
            ),
        ));
    }
    let rt = runtime()?;
    crate::logging::init(py);
    let mut handle = rt.spawn(fut);
    loop {
        let r = py.detach(|| {
            rt.block_on(async { tokio::time::timeout(Duration::from_millis(200), &mut handle).await })
        });
        match r {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => {
                return Err(to_py(
                    py,
                    &ctt_core::Error::new(ctt_core::ErrorKind::Internal, format!("ctt task failed: {e}")),
                ))
            }
            Err(_) => {
                if let Err(e) = py.check_signals() {
                    handle.abort();
                    return Err(e);
                }
            }
        }
    }
}

/// Core's batch call; `on_done(index)` is told of each completion (in completion order).
async fn batch(
    c: CoreClient,
    reqs: Vec<CoreRequest>,
    concurrency: usize,
    on_done: Option<Py<PyAny>>,
) -> Vec<ctt_core::Result<CoreActionUrl>> {
    match on_done {
        None => c.get_action_item_urls(&reqs, concurrency).await,
        Some(cb) => {
            c.get_action_item_urls_with_progress(&reqs, concurrency, |i, r| {
                let ok = r.is_ok();
                // A failing progress callback must not stop the batch; its error is reported
                // through sys.unraisablehook.
                Python::attach(|py| {
                    crate::keep_thread_state(py);
                    if let Err(e) = cb.bind(py).call1((i, ok)) {
                        e.write_unraisable(py, Some(cb.bind(py)));
                    }
                });
            })
            .await
        }
    }
}

macro_rules! client_new {
    ($t:ident, $class:literal) => {
        #[pymethods]
        impl $t {
            #[new]
            #[pyo3(signature = (
                    base_url=ctt_core::DEFAULT_BASE_URL, *, token=None, client_id=None, client_secret=None,
                    username=None, password=None, timeout=30.0, connect_timeout=10.0, max_attempts=3,
                    retry_base_delay=0.2, retry_max_delay=5.0, max_retry_after=30.0, user_agent=None,
                    root_certificates=Vec::new(), use_env_proxy=true
                ))]
            #[allow(clippy::too_many_arguments)]
            fn new(
                py: Python<'_>,
                base_url: &str,
                token: Option<&Bound<'_, PyAny>>,
                client_id: Option<String>,
                client_secret: Option<&Bound<'_, PyAny>>,
                username: Option<String>,
                password: Option<&Bound<'_, PyAny>>,
                timeout: f64,
                connect_timeout: f64,
                max_attempts: u32,
                retry_base_delay: f64,
                retry_max_delay: f64,
                max_retry_after: f64,
                user_agent: Option<String>,
                root_certificates: Vec<Vec<u8>>,
                use_env_proxy: bool,
            ) -> PyResult<Self> {
                let c = configure(
                    py,
                    $class,
                    base_url,
                    token,
                    client_id,
                    client_secret,
                    username,
                    password,
                    timeout,
                    connect_timeout,
                    max_attempts,
                    retry_base_delay,
                    retry_max_delay,
                    max_retry_after,
                    user_agent,
                    root_certificates,
                    use_env_proxy,
                )?;
                Ok(Self {
                    base_url: c.core.base_url().to_owned(),
                    inner: RwLock::new(Some(c.core)),
                    repr: c.repr,
                })
            }
        }
    };
}

macro_rules! client_common {
    () => {
        fn core(&self, py: Python<'_>) -> PyResult<CoreClient> {
            self.inner.read().unwrap_or_else(|p| p.into_inner()).clone().ok_or_else(|| closed(py))
        }

        fn shut(&self) {
            self.inner.write().unwrap_or_else(|p| p.into_inner()).take();
        }
    };
}

// ---------------------------------------------------------------------------------------------
// The blocking client

/// The blocking client. Thread-safe: share one instance between threads. Every call releases
/// the GIL while it waits. A context manager; ``close()`` ends it.
#[pyclass(module = "ctt", frozen)]
pub struct Client {
    inner: RwLock<Option<CoreClient>>,
    base_url: String,
    repr: String,
}

impl Client {
    client_common!();
}

client_new!(Client, "Client");

#[pymethods]
impl Client {
    /// Asks for the URL the Global Admin must open. With ``state`` (a FlowSigner) a fresh state
    /// token is added to the redirect URL (query parameter ``state_param``, or the last path
    /// segment with ``state_in_path``).
    #[pyo3(signature = (action_type, enterprise_name, redirect_url, *, state=None, state_param="ctt_state", state_in_path=false))]
    #[allow(clippy::too_many_arguments)]
    fn get_action_item_url(
        &self,
        py: Python<'_>,
        action_type: &Bound<'_, PyAny>,
        enterprise_name: String,
        redirect_url: String,
        state: Option<PyRef<'_, FlowSigner>>,
        state_param: &str,
        state_in_path: bool,
    ) -> PyResult<ActionUrl> {
        let req = request(action_type, enterprise_name, redirect_url, state, state_param, state_in_path)?;
        let c = self.core(py)?;
        let r = wait(py, async move { c.get_action_item_url(&req).await })?;
        r.py_err().map(ActionUrl::from)
    }

    /// Many requests with at most ``concurrency`` in flight. Returns one entry per request, in
    /// order: an ActionUrl, or the CttError instance for that request (never raised).
    ///
    /// ``on_done(index, ok)`` is called as each request completes (in completion order, from a
    /// library thread), e.g. to advance a progress bar; its exceptions are reported, not raised.
    #[pyo3(signature = (requests, *, concurrency=8, on_done=None))]
    fn get_action_item_urls(
        &self,
        py: Python<'_>,
        requests: &Bound<'_, PyAny>,
        concurrency: usize,
        on_done: Option<Py<PyAny>>,
    ) -> PyResult<Py<PyList>> {
        let reqs = requests_of(requests)?;
        let c = self.core(py)?;
        let results = wait(py, batch(c, reqs, concurrency, on_done))?;
        batch_list(py, results)
    }

    /// Fetches a fresh token with the password grant (with a fixed token, returns it).
    fn fetch_token(&self, py: Python<'_>) -> PyResult<AccessToken> {
        let c = self.core(py)?;
        let r = wait(py, async move { c.fetch_token().await })?;
        r.py_err().map(AccessToken)
    }

    /// The base URL (with a trailing slash).
    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Whether ``close()`` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.read().map(|g| g.is_none()).unwrap_or(true)
    }

    /// Releases the client; calls in flight finish, later calls raise InvalidInputError.
    fn close(&self) {
        self.shut();
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, _args: &Bound<'_, PyTuple>) -> bool {
        self.shut();
        false
    }

    fn __repr__(&self) -> String {
        self.repr.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// The asyncio client

/// The asyncio client: the same calls as Client, as awaitables driven by the library's tokio
/// runtime (the event loop never blocks). An async context manager; ``aclose()`` ends it.
#[pyclass(module = "ctt", frozen)]
pub struct AsyncClient {
    inner: RwLock<Option<CoreClient>>,
    base_url: String,
    repr: String,
}

impl AsyncClient {
    client_common!();
}

fn future<'py, T>(
    py: Python<'py>,
    fut: impl Future<Output = PyResult<T>> + Send + 'static,
) -> PyResult<Bound<'py, PyAny>>
where
    T: for<'a> IntoPyObject<'a> + Send + 'static,
{
    crate::spawn_future(py, fut)
}

client_new!(AsyncClient, "AsyncClient");

#[pymethods]
impl AsyncClient {
    /// See Client.get_action_item_url; returns an awaitable.
    #[pyo3(signature = (action_type, enterprise_name, redirect_url, *, state=None, state_param="ctt_state", state_in_path=false))]
    #[allow(clippy::too_many_arguments)]
    fn get_action_item_url<'py>(
        &self,
        py: Python<'py>,
        action_type: &Bound<'py, PyAny>,
        enterprise_name: String,
        redirect_url: String,
        state: Option<PyRef<'py, FlowSigner>>,
        state_param: &str,
        state_in_path: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let req = request(action_type, enterprise_name, redirect_url, state, state_param, state_in_path)?;
        let c = self.core(py)?;
        future(py, async move { c.get_action_item_url(&req).await.py_err().map(ActionUrl::from) })
    }

    /// See Client.get_action_item_urls; returns an awaitable of the list.
    #[pyo3(signature = (requests, *, concurrency=8, on_done=None))]
    fn get_action_item_urls<'py>(
        &self,
        py: Python<'py>,
        requests: &Bound<'py, PyAny>,
        concurrency: usize,
        on_done: Option<Py<PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let reqs = requests_of(requests)?;
        let c = self.core(py)?;
        future(py, async move {
            let results = batch(c, reqs, concurrency, on_done).await;
            Python::attach(|py| batch_list(py, results))
        })
    }

    /// See Client.fetch_token; returns an awaitable.
    fn fetch_token<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let c = self.core(py)?;
        future(py, async move { c.fetch_token().await.py_err().map(AccessToken) })
    }

    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    #[getter]
    fn closed(&self) -> bool {
        self.inner.read().map(|g| g.is_none()).unwrap_or(true)
    }

    /// Releases the client (synchronously).
    fn close(&self) {
        self.shut();
    }

    /// Releases the client; returns an awaitable.
    fn aclose<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.shut();
        future(py, async { Ok(()) })
    }

    fn __aenter__<'py>(slf: Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let me = slf.unbind();
        future(py, async move { Ok(me) })
    }

    #[pyo3(signature = (*_args))]
    fn __aexit__<'py>(&self, py: Python<'py>, _args: &Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyAny>> {
        self.shut();
        future(py, async { Ok(false) })
    }

    fn __repr__(&self) -> String {
        self.repr.clone()
    }
}

// ---------------------------------------------------------------------------------------------
// Parsers and validators

/// Reads a ``getActionItemUrl`` answer (status, body, raw Retry-After) as the client does.
#[pyfunction]
#[pyo3(signature = (status, body, retry_after=None))]
pub fn parse_action_url_response(
    status: u16,
    body: &Bound<'_, PyAny>,
    retry_after: Option<&str>,
) -> PyResult<ActionUrl> {
    let body = String::from_utf8_lossy(&crate::convert::bytes_of(body)?).into_owned();
    ctt_core::parse_action_url_response(status, &body, retry_after).py_err().map(ActionUrl::from)
}

/// Takes an action URL apart (absolute https, or http on a loopback host).
#[pyfunction]
pub fn inspect_consent_url(url: &str) -> PyResult<ConsentUrl> {
    ctt_core::inspect_consent_url(url).py_err().map(ConsentUrl::from)
}

/// Trims and checks an enterprise name; returns the trimmed name or raises InvalidInputError.
#[pyfunction]
pub fn validate_enterprise_name(name: &str) -> PyResult<String> {
    ctt_core::validate_enterprise_name(name).py_err()
}

/// Checks a redirect URL; returns it trimmed, as given, or raises InvalidInputError.
#[pyfunction]
pub fn validate_redirect_url(url: &str) -> PyResult<String> {
    ctt_core::validate_redirect_url(url).py_err().map(|_| url.trim().to_owned())
}

/// ``Retry-After`` (delta-seconds or HTTP date) in seconds, or None.
#[pyfunction]
pub fn parse_retry_after(value: &str) -> Option<f64> {
    ctt_core::parse_retry_after(value).map(|d| d.as_secs_f64())
}

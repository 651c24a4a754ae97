//! `Listener` (the webhook listener) and `MockServer` (the embedded API mock) over ctt-server,
//! both running on the module's runtime.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ctt_core::{CallbackEvent, CallbackHandler as CoreHandler, Error, ErrorKind, Secret};
use ctt_server::{
    ConsentDelivery as CoreDelivery, Decision, Endpoint, Fault, MockAccount, MockConfig,
    RecordedRequest as CoreRecorded,
};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::callback::{event_py, placement, FlowSigner};
use crate::client::{wait, ActionUrl};
use crate::convert::{action_type_py, duration, opt_repr};
use crate::errors::{invalid, to_py, IntoPyResult};
use crate::types::secret_arg;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn bind_addr(py: Python<'_>, host: &str, port: u16) -> PyResult<SocketAddr> {
    let ip: IpAddr = if host.eq_ignore_ascii_case("localhost") {
        IpAddr::V4(Ipv4Addr::LOCALHOST)
    } else {
        host.trim_matches(['[', ']'])
            .parse()
            .map_err(|_| invalid(py, "host", "must be an IP address or localhost"))?
    };
    Ok(SocketAddr::new(ip, port))
}

// ---------------------------------------------------------------------------------------------
// Listener

type Receiver = Arc<tokio::sync::Mutex<UnboundedReceiver<CallbackEvent>>>;

/// A hardened webhook listener on this machine. Every valid callback that reaches
/// ``callback_url`` becomes an event, delivered exactly once: iterate the listener (``for ev in
/// listener``, ``async for ev in listener``) or call ``wait(timeout)`` / ``await
/// wait_async(timeout)``. A context manager; ``close()`` stops it (events already received can
/// still be read).
#[pyclass(module = "ctt", frozen)]
pub struct Listener {
    inner: Mutex<Option<ctt_server::Listener>>,
    rx: Receiver,
    callback_url: String,
    addr: SocketAddr,
    delivered_at_close: Mutex<u64>,
}

enum Next {
    Event(CallbackEvent),
    Closed,
    TimedOut,
}

async fn next_event(rx: Receiver, timeout: Option<Duration>) -> Next {
    let mut g = rx.lock().await;
    let recv = g.recv();
    let got = match timeout {
        Some(t) => match tokio::time::timeout(t, recv).await {
            Ok(v) => v,
            Err(_) => return Next::TimedOut,
        },
        None => recv.await,
    };
    match got {
        Some(ev) => Next::Event(ev),
        None => Next::Closed,
    }
}

fn timeout_arg(py: Python<'_>, timeout: Option<f64>) -> PyResult<Option<Duration>> {
    timeout.map(|t| duration(py, "timeout", t)).transpose()
}

fn next_to_py(
    py: Python<'_>,
    n: Next,
    timeout: Option<Duration>,
    end: impl FnOnce() -> PyErr,
) -> PyResult<Py<PyAny>> {
    match n {
        Next::Event(ev) => event_py(py, ev),
        Next::Closed => Err(end()),
        Next::TimedOut => Err(to_py(
            py,
            &Error::new(
                ErrorKind::Timeout,
                format!("no callback within {:.3} s", timeout.map(|t| t.as_secs_f64()).unwrap_or(0.0)),
            ),
        )),
    }
}

#[pymethods]
impl Listener {
    #[new]
    #[pyo3(signature = (
        host="127.0.0.1", port=0, *, path="/callback", signer=None, state_param="ctt_state",
        state_in_path=false, body_limit=ctt_core::DEFAULT_BODY_LIMIT, header_read_timeout=10.0,
        request_timeout=30.0, max_connections=256, success_redirect=None, failure_redirect=None,
        shutdown_grace=5.0
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        host: &str,
        port: u16,
        path: &str,
        signer: Option<PyRef<'_, FlowSigner>>,
        state_param: &str,
        state_in_path: bool,
        body_limit: usize,
        header_read_timeout: f64,
        request_timeout: f64,
        max_connections: usize,
        success_redirect: Option<String>,
        failure_redirect: Option<String>,
        shutdown_grace: f64,
    ) -> PyResult<Self> {
        let mut handler = CoreHandler::new().with_body_limit(body_limit);
        if let Some(s) = signer {
            handler = handler.with_state(s.0.clone(), placement(state_param, state_in_path));
        }
        let config = ctt_server::ListenerConfig {
            bind: bind_addr(py, host, port)?,
            path: path.to_owned(),
            handler,
            header_read_timeout: duration(py, "headerReadTimeout", header_read_timeout)?,
            request_timeout: duration(py, "requestTimeout", request_timeout)?,
            max_connections,
            success_redirect,
            failure_redirect,
            shutdown_grace: duration(py, "shutdownGrace", shutdown_grace)?,
        };
        let (listener, rx) = wait(py, ctt_server::Listener::start_with_channel(config))?.py_err()?;
        Ok(Listener {
            callback_url: listener.callback_url(),
            addr: listener.local_addr(),
            inner: Mutex::new(Some(listener)),
            rx: Arc::new(tokio::sync::Mutex::new(rx)),
            delivered_at_close: Mutex::new(0),
        })
    }

    /// The URL to give as ``redirect_url``: ``http://127.0.0.1:PORT/callback``.
    #[getter]
    fn callback_url(&self) -> &str {
        &self.callback_url
    }

    /// The bound address.
    #[getter]
    fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    /// The bound port.
    #[getter]
    fn port(&self) -> u16 {
        self.addr.port()
    }

    /// How many events were delivered so far.
    #[getter]
    fn delivered(&self) -> u64 {
        match lock(&self.inner).as_ref() {
            Some(l) => l.delivered(),
            None => *lock(&self.delivered_at_close),
        }
    }

    /// Whether ``close()`` was called.
    #[getter]
    fn closed(&self) -> bool {
        lock(&self.inner).is_none()
    }

    /// The next event; waits at most ``timeout`` seconds (None: forever), then raises
    /// ctt.TimeoutError. Raises InvalidInputError once closed and drained.
    #[pyo3(signature = (timeout=None))]
    fn wait(&self, py: Python<'_>, timeout: Option<f64>) -> PyResult<Py<PyAny>> {
        let t = timeout_arg(py, timeout)?;
        let n = wait(py, next_event(self.rx.clone(), t))?;
        next_to_py(py, n, t, || invalid(py, "listener", "the listener is closed and has no more events"))
    }

    /// ``wait`` as an awaitable.
    #[pyo3(signature = (timeout=None))]
    fn wait_async<'py>(&self, py: Python<'py>, timeout: Option<f64>) -> PyResult<Bound<'py, PyAny>> {
        let t = timeout_arg(py, timeout)?;
        let rx = self.rx.clone();
        crate::spawn_future(py, async move {
            let n = next_event(rx, t).await;
            Python::attach(|py| {
                next_to_py(py, n, t, || {
                    invalid(py, "listener", "the listener is closed and has no more events")
                })
            })
        })
    }

    fn __iter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Py<PyAny>> {
        let n = wait(py, next_event(self.rx.clone(), None))?;
        next_to_py(py, n, None, || pyo3::exceptions::PyStopIteration::new_err(()))
    }

    fn __aiter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    fn __anext__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let rx = self.rx.clone();
        crate::spawn_future(py, async move {
            let n = next_event(rx, None).await;
            Python::attach(|py| {
                next_to_py(py, n, None, || pyo3::exceptions::PyStopAsyncIteration::new_err(()))
            })
        })
    }

    /// Stops accepting, lets requests in flight finish (up to the grace period), then returns.
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let taken = lock(&self.inner).take();
        if let Some(l) = taken {
            *lock(&self.delivered_at_close) = l.delivered();
            wait(py, l.shutdown())?;
        }
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!(
            "Listener(callback_url={}, delivered={})",
            opt_repr(Some(&self.callback_url)),
            self.delivered()
        )
    }
}

// ---------------------------------------------------------------------------------------------
// MockServer

/// One request the mock received; secrets (Authorization, passwords, tokens) redacted by the
/// mock before it is recorded.
#[pyclass(module = "ctt.testing", frozen)]
pub struct RecordedRequest(CoreRecorded);

#[pymethods]
impl RecordedRequest {
    #[getter]
    fn method(&self) -> &str {
        &self.0.method
    }
    #[getter]
    fn path(&self) -> &str {
        &self.0.path
    }
    #[getter]
    fn query(&self) -> Option<&str> {
        self.0.query.as_deref()
    }
    /// ``token``, ``action_url``, ``authorize`` or None.
    #[getter]
    fn endpoint(&self) -> Option<&'static str> {
        self.0.endpoint.map(Endpoint::as_str)
    }
    /// The status answered; None when the connection was closed or reset.
    #[getter]
    fn status(&self) -> Option<u16> {
        self.0.status
    }
    /// The fault applied, as a string spec.
    #[getter]
    fn fault(&self) -> Option<&str> {
        self.0.fault.as_deref()
    }
    #[getter]
    fn headers(&self) -> Vec<(String, String)> {
        self.0.headers.clone()
    }
    #[getter]
    fn body(&self) -> &str {
        &self.0.body
    }
    #[getter]
    fn received_at_ms(&self) -> u64 {
        self.0.received_at_ms
    }
    /// The first value of a header (case-insensitive), or None.
    fn header(&self, name: &str) -> Option<&str> {
        self.0.header(name)
    }
    fn __repr__(&self) -> String {
        format!(
            "RecordedRequest(method={}, path={}, endpoint={}, status={:?})",
            opt_repr(Some(&self.0.method)),
            opt_repr(Some(&self.0.path)),
            opt_repr(self.0.endpoint.map(Endpoint::as_str)),
            self.0.status
        )
    }
}

/// What ``MockServer.consent`` delivered to the redirect URL, and what it answered.
#[pyclass(module = "ctt.testing", frozen)]
pub struct ConsentDelivery(CoreDelivery);

#[pymethods]
impl ConsentDelivery {
    #[getter]
    fn action_type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        action_type_py(py, self.0.action_type)
    }
    #[getter]
    fn enterprise_name(&self) -> &str {
        &self.0.enterprise_name
    }
    /// ``approve`` or ``deny``.
    #[getter]
    fn decision(&self) -> &'static str {
        self.0.decision.as_str()
    }
    /// ``json_post`` or ``redirect``.
    #[getter]
    fn style(&self) -> &'static str {
        self.0.style.as_str()
    }
    /// Where it was delivered.
    #[getter]
    fn url(&self) -> &str {
        &self.0.url
    }
    /// The success or error message of a redirect.
    #[getter]
    fn message(&self) -> Option<&str> {
        self.0.message.as_deref()
    }
    /// The status the redirect URL answered.
    #[getter]
    fn status(&self) -> u16 {
        self.0.status
    }
    #[getter]
    fn response_body(&self) -> &str {
        &self.0.response_body
    }
    fn __repr__(&self) -> String {
        format!(
            "ConsentDelivery(action_type={}, enterprise_name={}, decision={}, style={}, status={})",
            self.0.action_type,
            opt_repr(Some(&self.0.enterprise_name)),
            self.0.decision.as_str(),
            self.0.style.as_str(),
            self.0.status
        )
    }
}

/// The embedded mock of the ConnectToTeams API with a simulated Global Admin, on this machine.
/// Point a Client at ``base_url`` (token ``DEMO_TOKEN`` or the demo password-grant account),
/// queue faults with ``push_fault``, read ``requests()``, and let the admin answer an action URL
/// with ``consent(url, "approve" | "deny")``. A context manager; ``close()`` stops it.
#[pyclass(module = "ctt.testing", frozen)]
pub struct MockServer {
    inner: Mutex<Option<Arc<ctt_server::MockServer>>>,
    base_url: String,
    addr: SocketAddr,
}

fn fault_of(py: Python<'_>, fault: &Bound<'_, PyAny>) -> PyResult<Fault> {
    if let Ok(s) = fault.cast::<PyString>() {
        return Fault::parse(&s.to_cow()?).py_err();
    }
    if fault.cast::<PyDict>().is_ok() {
        let text: String = py.import("json")?.getattr("dumps")?.call1((fault,))?.extract()?;
        let v: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| invalid(py, "fault", format!("is not JSON ({e})")))?;
        return Fault::from_json(&v).py_err();
    }
    Err(invalid(py, "fault", "expected a spec string (\"status:503\") or a dict ({\"kind\": ...})"))
}

fn decision_of(decision: &str) -> PyResult<Decision> {
    Decision::from_name(decision).py_err()
}

fn url_of(ob: &Bound<'_, PyAny>) -> PyResult<String> {
    if let Ok(a) = ob.cast::<ActionUrl>() {
        return Ok(a.get().url().to_owned());
    }
    ob.extract::<String>().map_err(|_| invalid(ob.py(), "url", "expected an action URL (str or ActionUrl)"))
}

impl MockServer {
    fn server(&self, py: Python<'_>) -> PyResult<Arc<ctt_server::MockServer>> {
        lock(&self.inner).clone().ok_or_else(|| invalid(py, "mock", "the mock server is closed"))
    }
}

#[pymethods]
impl MockServer {
    #[new]
    #[pyo3(signature = (
        host="127.0.0.1", port=0, *, public_url=None, accounts=None, static_tokens=None,
        token_ttl=3600.0, json_string_answers=false, default_decision="approve", faults=Vec::new(),
        control_api=true, header_read_timeout=10.0, max_connections=1024, body_limit=1048576
    ))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        host: &str,
        port: u16,
        public_url: Option<String>,
        accounts: Option<Vec<Bound<'_, PyAny>>>,
        static_tokens: Option<Vec<Bound<'_, PyAny>>>,
        token_ttl: f64,
        json_string_answers: bool,
        default_decision: &str,
        faults: Vec<Bound<'_, PyAny>>,
        control_api: bool,
        header_read_timeout: f64,
        max_connections: usize,
        body_limit: usize,
    ) -> PyResult<Self> {
        let mut config = MockConfig {
            bind: Some(bind_addr(py, host, port)?),
            public_url,
            token_ttl: duration(py, "tokenTtl", token_ttl)?,
            json_string_answers,
            default_decision: decision_of(default_decision)?,
            control_api,
            header_read_timeout: duration(py, "headerReadTimeout", header_read_timeout)?,
            max_connections,
            body_limit,
            ..MockConfig::default()
        };
        if let Some(accounts) = accounts {
            config.accounts = accounts
                .iter()
                .map(|a| {
                    let t = a.cast::<PyTuple>().map_err(|_| {
                        invalid(
                            py,
                            "accounts",
                            "expected (client_id, client_secret, username, password) tuples",
                        )
                    })?;
                    if t.len() != 4 {
                        return Err(invalid(
                            py,
                            "accounts",
                            "expected (client_id, client_secret, username, password)",
                        ));
                    }
                    Ok(MockAccount::new(
                        t.get_item(0)?.extract::<String>()?,
                        secret_arg(&t.get_item(1)?, "clientSecret")?,
                        t.get_item(2)?.extract::<String>()?,
                        secret_arg(&t.get_item(3)?, "password")?,
                    ))
                })
                .collect::<PyResult<Vec<_>>>()?;
        }
        if let Some(tokens) = static_tokens {
            config.static_tokens =
                tokens.iter().map(|t| secret_arg(t, "staticTokens")).collect::<PyResult<Vec<Secret>>>()?;
        }
        for f in &faults {
            let pair = if let Ok(s) = f.cast::<PyString>() {
                ctt_server::fault_flag(&s.to_cow()?).py_err()?
            } else if let Ok(t) = f.cast::<PyTuple>() {
                if t.len() != 2 {
                    return Err(invalid(py, "faults", "expected (endpoint, fault) pairs"));
                }
                let endpoint = Endpoint::from_name(&t.get_item(0)?.extract::<String>()?).py_err()?;
                (endpoint, fault_of(py, &t.get_item(1)?)?)
            } else {
                return Err(invalid(
                    py,
                    "faults",
                    "expected \"endpoint=spec\" strings or (endpoint, fault) pairs",
                ));
            };
            config.faults.push(pair);
        }
        let server = wait(py, ctt_server::MockServer::start(config))?.py_err()?;
        Ok(MockServer {
            base_url: server.base_url(),
            addr: server.local_addr(),
            inner: Mutex::new(Some(Arc::new(server))),
        })
    }

    /// The base URL to give a Client: ``http://127.0.0.1:PORT`` (no trailing slash).
    #[getter]
    fn base_url(&self) -> &str {
        &self.base_url
    }

    #[getter]
    fn host(&self) -> String {
        self.addr.ip().to_string()
    }

    #[getter]
    fn port(&self) -> u16 {
        self.addr.port()
    }

    #[getter]
    fn closed(&self) -> bool {
        lock(&self.inner).is_none()
    }

    /// Queues a fault for the next request of ``endpoint`` (``token``, ``action_url``,
    /// ``authorize``). ``fault`` is a spec (``"status:503"``, ``"delay:2000"``, ``"reset"``,
    /// ``"close"``, ``"truncate"``, ``"garbage"``, ``"rate_limit:3"``, ``"html"``) or its dict form.
    fn push_fault(&self, py: Python<'_>, endpoint: &str, fault: &Bound<'_, PyAny>) -> PyResult<()> {
        let e = Endpoint::from_name(endpoint).py_err()?;
        let f = fault_of(py, fault)?;
        let s = self.server(py)?;
        py.detach(move || s.push_fault(e, f));
        Ok(())
    }

    /// Drops every queued fault.
    fn clear_faults(&self, py: Python<'_>) -> PyResult<()> {
        let s = self.server(py)?;
        py.detach(move || s.clear_faults());
        Ok(())
    }

    /// The request log, oldest first.
    fn requests(&self, py: Python<'_>) -> PyResult<Vec<RecordedRequest>> {
        let s = self.server(py)?;
        Ok(py.detach(move || s.requests()).into_iter().map(RecordedRequest).collect())
    }

    /// Empties the request log.
    fn clear_requests(&self, py: Python<'_>) -> PyResult<()> {
        let s = self.server(py)?;
        py.detach(move || s.clear_requests());
        Ok(())
    }

    /// Forgets faults, the request log, flows and issued tokens.
    fn reset(&self, py: Python<'_>) -> PyResult<()> {
        let s = self.server(py)?;
        py.detach(move || s.reset());
        Ok(())
    }

    /// Answers an action URL as the Global Admin would (``approve`` or ``deny``): the outcome is
    /// delivered to the flow's redirect URL (JSON POST or browser redirect).
    #[pyo3(signature = (action_url, decision="approve"))]
    fn consent(
        &self,
        py: Python<'_>,
        action_url: &Bound<'_, PyAny>,
        decision: &str,
    ) -> PyResult<ConsentDelivery> {
        let url = url_of(action_url)?;
        let d = decision_of(decision)?;
        let s = self.server(py)?;
        let r = wait(py, async move { s.consent(&url, d).await })?;
        r.py_err().map(ConsentDelivery)
    }

    /// ``consent`` as an awaitable.
    #[pyo3(signature = (action_url, decision="approve"))]
    fn consent_async<'py>(
        &self,
        py: Python<'py>,
        action_url: &Bound<'py, PyAny>,
        decision: &str,
    ) -> PyResult<Bound<'py, PyAny>> {
        let url = url_of(action_url)?;
        let d = decision_of(decision)?;
        let s = self.server(py)?;
        crate::spawn_future(py, async move { s.consent(&url, d).await.py_err().map(ConsentDelivery) })
    }

    /// Stops the mock (waits up to 5 s for requests in flight).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let taken = lock(&self.inner).take();
        if let Some(arc) = taken {
            if let Ok(server) = Arc::try_unwrap(arc) {
                wait(py, server.shutdown())?;
            }
        }
        Ok(())
    }

    fn __enter__(slf: Py<Self>) -> Py<Self> {
        slf
    }

    #[pyo3(signature = (*_args))]
    fn __exit__(&self, py: Python<'_>, _args: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("MockServer(base_url={})", opt_repr(Some(&self.base_url)))
    }
}

/// Adds the testing classes and the demo credentials to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<MockServer>()?;
    m.add_class::<RecordedRequest>()?;
    m.add_class::<ConsentDelivery>()?;
    m.add_class::<Listener>()?;
    m.add("DEMO_CLIENT_ID", ctt_server::mock::DEMO_CLIENT_ID)?;
    m.add("DEMO_CLIENT_SECRET", ctt_server::mock::DEMO_CLIENT_SECRET)?;
    m.add("DEMO_USERNAME", ctt_server::mock::DEMO_USERNAME)?;
    m.add("DEMO_PASSWORD", ctt_server::mock::DEMO_PASSWORD)?;
    m.add("DEMO_TOKEN", ctt_server::mock::DEMO_TOKEN)?;
    Ok(())
}

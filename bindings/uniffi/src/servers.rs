//! The embedded mock of the API and the webhook listener, for users' tests and tools.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ctt_server::mock as m;
use tokio::sync::mpsc::UnboundedReceiver;

use crate::callback::{CallbackEvent, CallbackHandler};
use crate::client::Credentials;
use crate::error::{CttError, Result};
use crate::runtime;
use crate::types::ActionType;

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn bind_addr(host: &Option<String>, port: u16) -> Result<SocketAddr> {
    let ip = match host {
        None => IpAddr::V4(Ipv4Addr::LOCALHOST),
        Some(h) => h.trim().parse::<IpAddr>().map_err(|_| {
            CttError::from(ctt_core::Error::invalid_input("bindHost", format!("{h:?} is not an IP address")))
        })?,
    };
    Ok(SocketAddr::new(ip, port))
}

// ---------------------------------------------------------------- mock

/// What the simulated Global Admin does with an authorize URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum Decision {
    Approve,
    Deny,
}

impl From<Decision> for m::Decision {
    fn from(d: Decision) -> Self {
        match d {
            Decision::Approve => m::Decision::Approve,
            Decision::Deny => m::Decision::Deny,
        }
    }
}

impl From<m::Decision> for Decision {
    fn from(d: m::Decision) -> Self {
        match d {
            m::Decision::Approve => Decision::Approve,
            m::Decision::Deny => Decision::Deny,
        }
    }
}

/// How the simulated admin's outcome reached the `redirectUrl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum DeliveryStyle {
    /// The MSAL-shaped JSON POST (approved registration / login).
    JsonPost,
    /// A browser redirect with `?success=` / `?error=`.
    Redirect,
}

/// A mock endpoint that faults can be queued on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum MockEndpoint {
    /// `POST /oauth/token`.
    Token,
    /// `POST /enterprise/getActionItemUrl`.
    ActionUrl,
    /// The Microsoft-like authorize page the action URLs point at.
    Authorize,
}

impl From<MockEndpoint> for ctt_server::Endpoint {
    fn from(e: MockEndpoint) -> Self {
        match e {
            MockEndpoint::Token => ctt_server::Endpoint::Token,
            MockEndpoint::ActionUrl => ctt_server::Endpoint::ActionUrl,
            MockEndpoint::Authorize => ctt_server::Endpoint::Authorize,
        }
    }
}

impl From<ctt_server::Endpoint> for MockEndpoint {
    fn from(e: ctt_server::Endpoint) -> Self {
        match e {
            ctt_server::Endpoint::Token => MockEndpoint::Token,
            ctt_server::Endpoint::ActionUrl => MockEndpoint::ActionUrl,
            ctt_server::Endpoint::Authorize => MockEndpoint::Authorize,
        }
    }
}

/// What the mock does to the next request of an endpoint.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum MockFault {
    /// Answers this status with this body.
    Status { status: u16, body: String },
    /// Waits, then answers normally.
    Delay { delay: Duration },
    /// Resets the connection without answering.
    Reset,
    /// Closes the connection without answering.
    CloseWithoutAnswer,
    /// 200 with a `Content-Length` larger than the bytes sent.
    TruncatedBody,
    /// 200 with bytes that are neither a URL nor JSON.
    GarbageBody,
    /// 429 with `Retry-After`.
    RateLimited { retry_after_secs: u64 },
    /// 200 with an HTML sign-in page.
    Html200,
}

impl From<MockFault> for ctt_server::Fault {
    fn from(f: MockFault) -> Self {
        use ctt_server::Fault as F;
        match f {
            MockFault::Status { status, body } => F::Status { status, body },
            MockFault::Delay { delay } => F::Delay(delay),
            MockFault::Reset => F::Reset,
            MockFault::CloseWithoutAnswer => F::CloseWithoutAnswer,
            MockFault::TruncatedBody => F::TruncatedBody,
            MockFault::GarbageBody => F::GarbageBody,
            MockFault::RateLimited { retry_after_secs } => F::RateLimited { retry_after_secs },
            MockFault::Html200 => F::Html200,
        }
    }
}

impl From<ctt_server::Fault> for MockFault {
    fn from(f: ctt_server::Fault) -> Self {
        use ctt_server::Fault as F;
        match f {
            F::Status { status, body } => MockFault::Status { status, body },
            F::Delay(delay) => MockFault::Delay { delay },
            F::Reset => MockFault::Reset,
            F::CloseWithoutAnswer => MockFault::CloseWithoutAnswer,
            F::TruncatedBody => MockFault::TruncatedBody,
            F::GarbageBody => MockFault::GarbageBody,
            F::RateLimited { retry_after_secs } => MockFault::RateLimited { retry_after_secs },
            F::Html200 => MockFault::Html200,
        }
    }
}

/// Parses a fault spec as the CLI takes it (`status:503`, `delay:2s`, `reset`, `rate_limit:5`, …).
#[uniffi::export]
pub fn parse_mock_fault(spec: String) -> Result<MockFault> {
    Ok(ctt_server::Fault::parse(&spec)?.into())
}

/// A fault queued at start.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QueuedFault {
    pub endpoint: MockEndpoint,
    pub fault: MockFault,
}

/// One password-grant account of the mock. Holds secrets: `toString` redacts them.
#[derive(uniffi::Object)]
#[uniffi::export(Display, Debug)]
pub struct MockAccount(m::MockAccount);

impl fmt::Debug for MockAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for MockAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[uniffi::export]
impl MockAccount {
    #[uniffi::constructor]
    pub fn new(client_id: String, client_secret: String, username: String, password: String) -> Self {
        MockAccount(m::MockAccount::new(client_id, client_secret, username, password))
    }

    /// The demo account (`ctt-demo-client` / `admin@provider.example`).
    #[uniffi::constructor]
    pub fn demo() -> Self {
        MockAccount(m::MockAccount::demo())
    }
}

/// Password-grant credentials of the mock's demo account.
#[uniffi::export]
pub fn mock_demo_password_grant() -> Arc<Credentials> {
    Arc::new(Credentials::password_grant(
        m::DEMO_CLIENT_ID.into(),
        m::DEMO_CLIENT_SECRET.into(),
        m::DEMO_USERNAME.into(),
        m::DEMO_PASSWORD.into(),
    ))
}

/// The mock's demo static bearer token as credentials.
#[uniffi::export]
pub fn mock_demo_bearer_token() -> Arc<Credentials> {
    Arc::new(Credentials::bearer_token(m::DEMO_TOKEN.into()))
}

/// How the mock behaves; defaults match the CLI's `ctt mock`.
#[derive(Debug, Clone, uniffi::Record)]
pub struct MockServerConfig {
    /// The IP address to listen on (default 127.0.0.1).
    #[uniffi(default = None)]
    pub bind_host: Option<String>,
    /// The port (default 0: a free one).
    #[uniffi(default = 0)]
    pub port: u16,
    /// The base URL put in action URLs (default: the bound address).
    #[uniffi(default = None)]
    pub public_url: Option<String>,
    /// Password-grant accounts (default: the demo account).
    #[uniffi(default = [])]
    pub accounts: Vec<Arc<MockAccount>>,
    /// `expires_in` of issued tokens (default one hour).
    #[uniffi(default = None)]
    pub token_ttl: Option<Duration>,
    /// Answer getActionItemUrl with a JSON string instead of plain text.
    #[uniffi(default = false)]
    pub json_string_answers: bool,
    /// What the admin does when the authorize URL has no `ctt_decision` (default approve).
    #[uniffi(default = None)]
    pub default_decision: Option<Decision>,
    /// Faults queued at start, in order.
    #[uniffi(default = [])]
    pub faults: Vec<QueuedFault>,
    /// Serve the `/__ctt/…` control API (default true).
    #[uniffi(default = true)]
    pub control_api: bool,
    /// Largest request body accepted, bytes (default 1 MiB).
    #[uniffi(default = None)]
    pub body_limit: Option<u64>,
}

impl MockServerConfig {
    fn to_core(&self) -> Result<m::MockConfig> {
        let mut c = m::MockConfig {
            bind: Some(bind_addr(&self.bind_host, self.port)?),
            public_url: self.public_url.clone(),
            json_string_answers: self.json_string_answers,
            control_api: self.control_api,
            faults: self.faults.iter().map(|f| (f.endpoint.into(), f.fault.clone().into())).collect(),
            ..m::MockConfig::default()
        };
        if !self.accounts.is_empty() {
            c.accounts = self.accounts.iter().map(|a| a.0.clone()).collect();
        }
        if let Some(t) = self.token_ttl {
            c.token_ttl = t;
        }
        if let Some(d) = self.default_decision {
            c.default_decision = d.into();
        }
        if let Some(b) = self.body_limit {
            c.body_limit = usize::try_from(b).unwrap_or(usize::MAX);
        }
        Ok(c)
    }
}

/// One HTTP header.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct HttpHeader {
    pub name: String,
    pub value: String,
}

/// One request the mock received, secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub endpoint: Option<MockEndpoint>,
    /// `null` when the connection was closed or reset without an answer.
    pub status: Option<u16>,
    /// The fault applied, as a spec.
    pub fault: Option<String>,
    /// `Authorization` and the like are redacted (`Bearer [REDACTED]`).
    pub headers: Vec<HttpHeader>,
    /// The body (first 4 KiB) with passwords, secrets and tokens redacted.
    pub body: String,
    pub received_at_ms: u64,
}

impl From<m::RecordedRequest> for RecordedRequest {
    fn from(r: m::RecordedRequest) -> Self {
        RecordedRequest {
            method: r.method,
            path: r.path,
            query: r.query,
            endpoint: r.endpoint.map(Into::into),
            status: r.status,
            fault: r.fault,
            headers: r.headers.into_iter().map(|(name, value)| HttpHeader { name, value }).collect(),
            body: r.body,
            received_at_ms: r.received_at_ms,
        }
    }
}

/// What the simulated admin delivered to the `redirectUrl`, and its answer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentDelivery {
    pub action_type: ActionType,
    pub enterprise_name: String,
    pub decision: Decision,
    pub style: DeliveryStyle,
    /// The URL delivered to.
    pub url: String,
    /// The success or error message of a redirect.
    pub message: Option<String>,
    /// The status the `redirectUrl` answered.
    pub status: u16,
    /// The first 4 KiB of its answer.
    pub response_body: String,
}

impl From<m::ConsentDelivery> for ConsentDelivery {
    fn from(d: m::ConsentDelivery) -> Self {
        ConsentDelivery {
            action_type: d.action_type.into(),
            enterprise_name: d.enterprise_name,
            decision: d.decision.into(),
            style: match d.style {
                m::DeliveryStyle::JsonPost => DeliveryStyle::JsonPost,
                m::DeliveryStyle::Redirect => DeliveryStyle::Redirect,
            },
            url: d.url,
            message: d.message,
            status: d.status,
            response_body: d.response_body,
        }
    }
}

/// An in-process mock of the ConnectToTeams API with a simulated Global Admin. Stops when
/// closed (Kotlin `close()`/`use {}`, Swift deinit) or on `shutdown()`.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct MockServer {
    inner: Mutex<Option<m::MockServer>>,
    base_url: String,
    port: u16,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer").field("base_url", &self.base_url).finish_non_exhaustive()
    }
}

/// Closing (Kotlin `close()`/`use {}`, Swift `deinit`) stops the server before it returns, so
/// the port is free afterwards (unless dropped inside an async task, where it only signals).
impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(s) = lock(&self.inner).take() {
            stop(s.shutdown());
        }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        if let Some(l) = lock(&self.inner).take() {
            stop(l.shutdown());
        }
    }
}

/// Runs a server's graceful shutdown to completion from a foreign thread; inside an async
/// context the future is dropped instead (dropping a server signals it to stop).
fn stop(shutdown: impl std::future::Future<Output = ()>) {
    if tokio::runtime::Handle::try_current().is_ok() {
        return;
    }
    if let Ok(handle) = runtime::handle() {
        handle.block_on(shutdown);
    }
}

impl MockServer {
    fn from_core(s: m::MockServer) -> Self {
        MockServer { base_url: s.base_url(), port: s.local_addr().port(), inner: Mutex::new(Some(s)) }
    }

    fn with<T>(&self, f: impl FnOnce(&m::MockServer) -> T) -> Result<T> {
        match lock(&self.inner).as_ref() {
            Some(s) => Ok(f(s)),
            None => Err(CttError::from(ctt_core::Error::invalid_input("mock", "the mock was shut down"))),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl MockServer {
    /// Binds and starts serving (blocking until it listens).
    #[uniffi::constructor]
    pub fn start(config: MockServerConfig) -> Result<Self> {
        let cfg = config.to_core()?;
        let server = runtime::block_on(async move { Ok(m::MockServer::start(cfg).await?) })?;
        Ok(MockServer::from_core(server))
    }

    /// `http://127.0.0.1:PORT`, to give a `Client` as its base URL.
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Queues a fault for the next request of `endpoint` (FIFO, one request each).
    pub fn push_fault(&self, endpoint: MockEndpoint, fault: MockFault) -> Result<()> {
        self.with(|s| s.push_fault(endpoint.into(), fault.into()))
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) -> Result<()> {
        self.with(|s| s.clear_faults())
    }

    /// The request log, oldest first.
    pub fn requests(&self) -> Result<Vec<RecordedRequest>> {
        self.with(|s| s.requests().into_iter().map(Into::into).collect())
    }

    /// Empties the request log.
    pub fn clear_requests(&self) -> Result<()> {
        self.with(|s| s.clear_requests())
    }

    /// Forgets faults, the request log, flows and issued tokens.
    pub fn reset(&self) -> Result<()> {
        self.with(|s| s.reset())
    }

    /// Acts as the Global Admin on `action_url` (blocking): the outcome is delivered to the
    /// flow's `redirectUrl` (JSON POST or redirect) and returned.
    pub fn consent(&self, action_url: String, decision: Decision) -> Result<ConsentDelivery> {
        self.with(|_| ())?;
        runtime::block_on(async move { Ok(m::consent(&action_url, decision.into()).await?.into()) })
    }

    /// [`consent`](MockServer::consent), as Kotlin `suspend` / Swift `async`.
    pub async fn consent_async(&self, action_url: String, decision: Decision) -> Result<ConsentDelivery> {
        self.with(|_| ())?;
        runtime::run(async move { Ok(m::consent(&action_url, decision.into()).await?.into()) }).await
    }

    /// Stops accepting and waits (up to 5 s) for requests in flight. Idempotent.
    pub fn shutdown(&self) -> Result<()> {
        let server = lock(&self.inner).take();
        match server {
            Some(s) => runtime::block_on(async move {
                s.shutdown().await;
                Ok(())
            }),
            None => Ok(()),
        }
    }
}

/// Starts a mock without blocking the caller (Kotlin `suspend`, Swift `async`).
#[uniffi::export(async_runtime = "tokio")]
pub async fn start_mock_server_async(config: MockServerConfig) -> Result<Arc<MockServer>> {
    let cfg = config.to_core()?;
    let server = runtime::run(async move { Ok(m::MockServer::start(cfg).await?) }).await?;
    Ok(Arc::new(MockServer::from_core(server)))
}

// ---------------------------------------------------------------- listener

/// How the listener behaves; `null` keeps the server's default.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ListenerConfig {
    /// The IP address to listen on (default 127.0.0.1).
    #[uniffi(default = None)]
    pub bind_host: Option<String>,
    /// The port (default 0: a free one).
    #[uniffi(default = 0)]
    pub port: u16,
    /// The callback path (default `/callback`; `/callback/<segment>` is served too).
    #[uniffi(default = None)]
    pub path: Option<String>,
    /// The handler (body limit, state verification); default: no state verification.
    #[uniffi(default = None)]
    pub handler: Option<Arc<CallbackHandler>>,
    /// Header-read timeout (default 10 s).
    #[uniffi(default = None)]
    pub header_read_timeout: Option<Duration>,
    /// Body timeout (default 30 s, then 408).
    #[uniffi(default = None)]
    pub request_timeout: Option<Duration>,
    /// Most connections at once (default 256).
    #[uniffi(default = None)]
    pub max_connections: Option<u32>,
    /// 303 here after a successful consent.
    #[uniffi(default = None)]
    pub success_redirect: Option<String>,
    /// 303 here after a failed consent.
    #[uniffi(default = None)]
    pub failure_redirect: Option<String>,
    /// How long `shutdown` waits for requests in flight (default 5 s).
    #[uniffi(default = None)]
    pub shutdown_grace: Option<Duration>,
}

impl ListenerConfig {
    fn to_core(&self) -> Result<ctt_server::ListenerConfig> {
        let mut c = ctt_server::ListenerConfig {
            bind: bind_addr(&self.bind_host, self.port)?,
            success_redirect: self.success_redirect.clone(),
            failure_redirect: self.failure_redirect.clone(),
            ..ctt_server::ListenerConfig::default()
        };
        if let Some(p) = &self.path {
            c.path = p.clone();
        }
        if let Some(h) = &self.handler {
            c.handler = h.0.clone();
        }
        if let Some(t) = self.header_read_timeout {
            c.header_read_timeout = t;
        }
        if let Some(t) = self.request_timeout {
            c.request_timeout = t;
        }
        if let Some(n) = self.max_connections {
            c.max_connections = n as usize;
        }
        if let Some(t) = self.shutdown_grace {
            c.shutdown_grace = t;
        }
        Ok(c)
    }
}

/// Receives the listener's events when it was started with a callback. Called on a worker
/// thread, once per valid callback; it may block. A thrown exception answers the callback 500.
#[uniffi::export(with_foreign)]
pub trait CallbackEventSink: Send + Sync {
    fn on_event(&self, event: Arc<CallbackEvent>);
}

/// The hardened webhook listener: turns callbacks into events and delivers each valid one once.
/// Stops when closed (Kotlin `close()`/`use {}`, Swift deinit) or on `shutdown()`.
#[derive(uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Listener {
    inner: Mutex<Option<ctt_server::Listener>>,
    events: tokio::sync::Mutex<Option<UnboundedReceiver<ctt_core::CallbackEvent>>>,
    callback_url: String,
    port: u16,
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener").field("callback_url", &self.callback_url).finish_non_exhaustive()
    }
}

impl Listener {
    fn from_core(l: ctt_server::Listener, rx: Option<UnboundedReceiver<ctt_core::CallbackEvent>>) -> Self {
        Listener {
            callback_url: l.callback_url(),
            port: l.local_addr().port(),
            inner: Mutex::new(Some(l)),
            events: tokio::sync::Mutex::new(rx),
        }
    }

    async fn next(&self, timeout: Duration) -> Result<Option<Arc<CallbackEvent>>> {
        let mut guard = self.events.lock().await;
        let Some(rx) = guard.as_mut() else {
            return Err(CttError::from(ctt_core::Error::invalid_input(
                "listener",
                "this listener delivers to a callback; there is no event queue",
            )));
        };
        match tokio::time::timeout(timeout, rx.recv()).await {
            Ok(Some(ev)) => Ok(Some(Arc::new(CallbackEvent(ev)))),
            Ok(None) | Err(_) => Ok(None),
        }
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Listener {
    /// Binds and starts serving; events queue up for `next_event` (blocking until it listens).
    #[uniffi::constructor]
    pub fn start(config: ListenerConfig) -> Result<Self> {
        let cfg = config.to_core()?;
        let (l, rx) =
            runtime::block_on(async move { Ok(ctt_server::Listener::start_with_channel(cfg).await?) })?;
        Ok(Listener::from_core(l, Some(rx)))
    }

    /// Binds and starts serving; every event goes to `sink` (no queue).
    #[uniffi::constructor]
    pub fn start_with_sink(config: ListenerConfig, sink: Arc<dyn CallbackEventSink>) -> Result<Self> {
        let cfg = config.to_core()?;
        let deliver = move |ev: ctt_core::CallbackEvent| sink.on_event(Arc::new(CallbackEvent(ev)));
        let l = runtime::block_on(async move {
            Ok(ctt_server::Listener::start(cfg, ctt_server::EventSink::Callback(Arc::new(deliver))).await?)
        })?;
        Ok(Listener::from_core(l, None))
    }

    /// `http://127.0.0.1:PORT/callback`: the `redirectUrl` to send.
    pub fn callback_url(&self) -> String {
        self.callback_url.clone()
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Events delivered so far.
    pub fn delivered(&self) -> u64 {
        lock(&self.inner).as_ref().map(|l| l.delivered()).unwrap_or(0)
    }

    /// The next event, waiting up to `timeout` (blocking); `null` when none came in time.
    pub fn next_event(&self, timeout: Duration) -> Result<Option<Arc<CallbackEvent>>> {
        runtime::block_on(self.next(timeout))
    }

    /// The next event (Kotlin `suspend`, Swift `async`); `null` when none came within `timeout`.
    pub async fn next_event_async(self: Arc<Self>, timeout: Duration) -> Result<Option<Arc<CallbackEvent>>> {
        runtime::run(async move { self.next(timeout).await }).await
    }

    /// Stops accepting and lets requests in flight finish; afterwards nothing is delivered.
    /// Idempotent.
    pub fn shutdown(&self) -> Result<()> {
        let l = lock(&self.inner).take();
        match l {
            Some(l) => runtime::block_on(async move {
                l.shutdown().await;
                Ok(())
            }),
            None => Ok(()),
        }
    }
}

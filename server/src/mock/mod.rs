//! An in-process mock of the ConnectToTeams API with a simulated Global Admin.
//!
//! Endpoints (see `server/README.md` for the wire details):
//!
//! - `POST /oauth/token`: HTTP Basic client id/secret and the password grant;
//! - `POST /enterprise/getActionItemUrl`: bearer token, validated body, the URL as plain text
//!   (or a JSON string) pointing at the mock's Microsoft-like authorize page;
//! - `GET /common/oauth2/v2.0/authorize?…&ctt_decision=approve|deny`: the simulated Global
//!   Admin. REGISTRATION and LOGIN_ENTERPRISE_ADMIN approved: the mock POSTs an MSAL-shaped
//!   result to the `redirectUrl`; otherwise it answers 302 to `redirectUrl?success=…`/`?error=…`;
//! - `/__ctt/…`: the control API (faults, request log, consent, reset) for tests in any language.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> ctt_core::Result<()> {
//! use ctt_core::{ActionType, ActionUrlRequest, Client};
//! use ctt_server::{Endpoint, Fault, MockConfig, MockServer};
//!
//! let mock = MockServer::start(MockConfig::default()).await?;
//! let client = Client::builder()
//!     .base_url(mock.base_url())
//!     .password_grant("ctt-demo-client", "ctt-demo-secret", "admin@provider.example", "demo-password")
//!     .use_env_proxy(false)
//!     .build()?;
//! mock.push_fault(Endpoint::ActionUrl, Fault::Status { status: 503, body: String::new() });
//! let url = client // the 503 is retried
//!     .get_action_item_url(&ActionUrlRequest::new(ActionType::CdrConsent, "AcmeCorp", "http://127.0.0.1:9/cb"))
//!     .await?;
//! assert!(url.consent().is_authorize);
//! assert_eq!(mock.requests().iter().filter(|r| r.status == Some(503)).count(), 1);
//! mock.shutdown().await;
//! # Ok(()) }
//! ```

mod admin;
mod control;
mod routes;

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use ctt_core::{ActionType, Error, ErrorKind, Result, Secret, REDACTED};
use serde_json::{json, Value};

use crate::fault::{Endpoint, Fault};
use crate::http::{self, Running, ServeOptions};

pub use admin::{admin_upn_for, consent, success_message, tenant_id_for, DENY_MESSAGE, MOCK_APP_CLIENT_ID};

/// The demo account's client id.
pub const DEMO_CLIENT_ID: &str = "ctt-demo-client";
/// The demo account's client secret (a demo value, public on purpose).
pub const DEMO_CLIENT_SECRET: &str = "ctt-demo-secret";
/// The demo account's user name.
pub const DEMO_USERNAME: &str = "admin@provider.example";
/// The demo account's password (a demo value, public on purpose).
pub const DEMO_PASSWORD: &str = "demo-password";
/// The demo static bearer token (a demo value, public on purpose).
pub const DEMO_TOKEN: &str = "ctt-demo-token";

/// What the simulated Global Admin does with an authorize URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Decision {
    /// Consents (and is a Global Admin).
    #[default]
    Approve,
    /// Does not complete the process ("User is not a Global Admin").
    Deny,
}

impl Decision {
    /// `approve` or `deny`.
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Deny => "deny",
        }
    }

    /// Parses `approve`/`deny` (also `allow`, `accept`, `yes`, `ok`; `reject`, `decline`, `no`),
    /// in any case.
    pub fn from_name(name: &str) -> Result<Decision> {
        match name.trim().to_ascii_lowercase().as_str() {
            "approve" | "approved" | "allow" | "accept" | "yes" | "ok" | "grant" => Ok(Decision::Approve),
            "deny" | "denied" | "reject" | "decline" | "no" | "refuse" => Ok(Decision::Deny),
            _ => Err(Error::invalid_input("decision", format!("{name:?} is neither approve nor deny"))),
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Decision {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Decision::from_name(s)
    }
}

/// One service-provider account of the mock's token endpoint. `Debug` redacts the secrets.
#[derive(Clone)]
pub struct MockAccount {
    /// OAuth client id.
    pub client_id: String,
    /// OAuth client secret.
    pub client_secret: Secret,
    /// User name for the password grant.
    pub username: String,
    /// Password for the password grant.
    pub password: Secret,
}

impl MockAccount {
    /// An account.
    pub fn new(
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        MockAccount {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            username: username.into(),
            password: password.into(),
        }
    }

    /// The demo account (`ctt-demo-client` / `ctt-demo-secret`, `admin@provider.example` /
    /// `demo-password`).
    pub fn demo() -> Self {
        MockAccount::new(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERNAME, DEMO_PASSWORD)
    }
}

impl fmt::Debug for MockAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockAccount")
            .field("client_id", &self.client_id)
            .field("client_secret", &REDACTED)
            .field("username", &self.username)
            .field("password", &REDACTED)
            .finish()
    }
}

/// How the mock behaves. `Debug` redacts secrets.
#[derive(Clone)]
pub struct MockConfig {
    /// Where to listen (default `127.0.0.1:0`, a free port).
    pub bind: Option<SocketAddr>,
    /// The base URL the mock puts in the action URLs it hands out (default: its bound address,
    /// `http://127.0.0.1:PORT`). Set it when the mock runs behind a name or a tunnel.
    pub public_url: Option<String>,
    /// Accounts of the password grant (default: the demo account).
    pub accounts: Vec<MockAccount>,
    /// Bearer tokens always accepted (default: `ctt-demo-token`).
    pub static_tokens: Vec<Secret>,
    /// Lifetime of issued tokens, sent as `expires_in` (default one hour).
    pub token_ttl: Duration,
    /// Answer getActionItemUrl with a JSON string (`"https://…"`) instead of plain text.
    pub json_string_answers: bool,
    /// What the simulated admin does when the authorize URL carries no `ctt_decision`.
    pub default_decision: Decision,
    /// Faults queued at start (e.g. from CLI flags), in order.
    pub faults: Vec<(Endpoint, Fault)>,
    /// Serve the `/__ctt/…` control API (default yes).
    pub control_api: bool,
    /// How long a client may take to send a request's headers (default 10 s).
    pub header_read_timeout: Duration,
    /// Most connections served at once (default 1024).
    pub max_connections: usize,
    /// Largest request body accepted (default 1 MiB); larger ones get 413.
    pub body_limit: usize,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            bind: None,
            public_url: None,
            accounts: vec![MockAccount::demo()],
            static_tokens: vec![Secret::new(DEMO_TOKEN)],
            token_ttl: Duration::from_secs(3600),
            json_string_answers: false,
            default_decision: Decision::Approve,
            faults: Vec::new(),
            control_api: true,
            header_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            body_limit: 1024 * 1024,
        }
    }
}

impl fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockConfig")
            .field("bind", &self.bind)
            .field("public_url", &self.public_url)
            .field("accounts", &self.accounts)
            .field("static_tokens", &format_args!("{} token(s), {REDACTED}", self.static_tokens.len()))
            .field("token_ttl", &self.token_ttl)
            .field("json_string_answers", &self.json_string_answers)
            .field("default_decision", &self.default_decision)
            .field("faults", &self.faults)
            .field("control_api", &self.control_api)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("max_connections", &self.max_connections)
            .field("body_limit", &self.body_limit)
            .finish()
    }
}

/// One request the mock received, secrets redacted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    /// `GET`, `POST`, …
    pub method: String,
    /// The path, without the query.
    pub path: String,
    /// The raw query, if any.
    pub query: Option<String>,
    /// The mock endpoint it addressed, if any.
    pub endpoint: Option<Endpoint>,
    /// The status answered; `None` when the connection was closed or reset without an answer.
    pub status: Option<u16>,
    /// The fault applied to it, as a string spec.
    pub fault: Option<String>,
    /// Request headers in order; `Authorization`, `Proxy-Authorization` and `Cookie` values are
    /// redacted (the scheme is kept: `Bearer [REDACTED]`).
    pub headers: Vec<(String, String)>,
    /// The body (first 4 KiB, lossy UTF-8) with `password`, `client_secret` and token fields
    /// redacted.
    pub body: String,
    /// When it arrived, milliseconds since the Unix epoch.
    pub received_at_ms: u64,
}

impl RecordedRequest {
    /// The stable JSON shape served by `GET /__ctt/requests`.
    pub fn to_json(&self) -> Value {
        json!({
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "endpoint": self.endpoint.map(Endpoint::as_str),
            "status": self.status,
            "fault": self.fault,
            "headers": self.headers.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
            "body": self.body,
            "received_at_ms": self.received_at_ms,
        })
    }

    /// The first value of a header (name compared case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// How the simulated admin's outcome reached the `redirectUrl`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStyle {
    /// The mock POSTed the MSAL result JSON (REGISTRATION, LOGIN_ENTERPRISE_ADMIN approved).
    JsonPost,
    /// The browser followed a 302 to `redirectUrl?success=…` or `?error=…`.
    Redirect,
}

impl DeliveryStyle {
    /// `json_post` or `redirect`.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStyle::JsonPost => "json_post",
            DeliveryStyle::Redirect => "redirect",
        }
    }
}

/// What [`MockServer::consent`] delivered to the `redirectUrl`, and what it answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentDelivery {
    /// The flow's action type.
    pub action_type: ActionType,
    /// The flow's enterprise.
    pub enterprise_name: String,
    /// The admin's decision.
    pub decision: Decision,
    /// JSON POST or redirect.
    pub style: DeliveryStyle,
    /// The URL delivered to: the redirect URL (JSON POST) or the redirect with its outcome query.
    pub url: String,
    /// The success or error message of a redirect.
    pub message: Option<String>,
    /// The status the `redirectUrl` answered.
    pub status: u16,
    /// The first 4 KiB of what the `redirectUrl` answered.
    pub response_body: String,
}

impl ConsentDelivery {
    /// The stable JSON shape (control API `POST /__ctt/consent`).
    pub fn to_json(&self) -> Value {
        json!({
            "action_type": self.action_type.as_str(),
            "enterprise_name": self.enterprise_name,
            "decision": self.decision.as_str(),
            "style": self.style.as_str(),
            "url": self.url,
            "message": self.message,
            "status": self.status,
            "response_body": self.response_body,
        })
    }

    /// Reads the JSON shape back.
    pub fn from_json(v: &Value) -> Result<ConsentDelivery> {
        let bad = |what: &str| Error::new(ErrorKind::MalformedResponse, format!("consent delivery: {what}"));
        let s = |k: &str| v.get(k).and_then(Value::as_str);
        Ok(ConsentDelivery {
            action_type: ActionType::from_wire(s("action_type").ok_or_else(|| bad("no action_type"))?)
                .map_err(|_| bad("unknown action_type"))?,
            enterprise_name: s("enterprise_name").ok_or_else(|| bad("no enterprise_name"))?.to_owned(),
            decision: Decision::from_name(s("decision").unwrap_or("")).map_err(|_| bad("bad decision"))?,
            style: match s("style") {
                Some("json_post") => DeliveryStyle::JsonPost,
                Some("redirect") => DeliveryStyle::Redirect,
                _ => return Err(bad("bad style")),
            },
            url: s("url").ok_or_else(|| bad("no url"))?.to_owned(),
            message: s("message").map(str::to_owned),
            status: v
                .get("status")
                .and_then(Value::as_u64)
                .and_then(|n| u16::try_from(n).ok())
                .ok_or_else(|| bad("no status"))?,
            response_body: s("response_body").unwrap_or("").to_owned(),
        })
    }
}

/// A flow the mock handed out an action URL for, keyed by the authorize URL's `state`.
#[derive(Debug, Clone)]
pub(crate) struct Flow {
    pub action_type: ActionType,
    pub enterprise_name: String,
    pub redirect_url: String,
}

/// The most flows remembered (oldest forgotten first).
const MAX_FLOWS: usize = 100_000;
/// The most requests kept in the log (oldest dropped first).
const MAX_LOG: usize = 10_000;

#[derive(Default)]
pub(crate) struct Flows {
    by_state: HashMap<String, Flow>,
    order: VecDeque<String>,
}

/// State shared by the request handlers and the [`MockServer`] handle.
pub(crate) struct Shared {
    pub base_url: String,
    pub accounts: Vec<MockAccount>,
    pub static_tokens: Vec<Secret>,
    pub token_ttl: Duration,
    pub json_string_answers: bool,
    pub default_decision: Decision,
    pub control_api: bool,
    pub body_limit: usize,
    pub faults: Mutex<HashMap<Endpoint, VecDeque<Fault>>>,
    pub log: Mutex<VecDeque<RecordedRequest>>,
    /// Issued tokens and when they expire.
    pub tokens: Mutex<HashMap<String, Instant>>,
    pub flows: Mutex<Flows>,
    /// For the admin's deliveries (no proxy, no automatic redirects).
    pub http: reqwest::Client,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    pub(crate) fn push_fault(&self, endpoint: Endpoint, fault: Fault) {
        lock(&self.faults).entry(endpoint).or_default().push_back(fault);
    }

    pub(crate) fn pop_fault(&self, endpoint: Endpoint) -> Option<Fault> {
        lock(&self.faults).get_mut(&endpoint).and_then(VecDeque::pop_front)
    }

    pub(crate) fn clear_faults(&self) {
        lock(&self.faults).clear();
    }

    pub(crate) fn queued_faults(&self) -> Value {
        let faults = lock(&self.faults);
        let mut out = serde_json::Map::new();
        for e in Endpoint::ALL {
            let list: Vec<Value> =
                faults.get(&e).map(|q| q.iter().map(Fault::to_json).collect()).unwrap_or_default();
            out.insert(e.as_str().to_owned(), Value::Array(list));
        }
        Value::Object(out)
    }

    pub(crate) fn record(&self, r: RecordedRequest) {
        let mut log = lock(&self.log);
        if log.len() >= MAX_LOG {
            log.pop_front();
        }
        log.push_back(r);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.log).iter().cloned().collect()
    }

    pub(crate) fn clear_requests(&self) {
        lock(&self.log).clear();
    }

    pub(crate) fn remember_flow(&self, state: String, flow: Flow) {
        let mut flows = lock(&self.flows);
        if flows.order.len() >= MAX_FLOWS {
            if let Some(old) = flows.order.pop_front() {
                flows.by_state.remove(&old);
            }
        }
        flows.order.push_back(state.clone());
        flows.by_state.insert(state, flow);
    }

    pub(crate) fn flow(&self, state: &str) -> Option<Flow> {
        lock(&self.flows).by_state.get(state).cloned()
    }

    pub(crate) fn issue_token(&self, token: String) {
        let mut tokens = lock(&self.tokens);
        let now = Instant::now();
        if tokens.len() > 10_000 {
            tokens.retain(|_, exp| *exp > now);
        }
        tokens.insert(token, now + self.token_ttl);
    }

    /// `Ok` for a valid token, else the OAuth error code and description.
    pub(crate) fn check_token(&self, token: &str) -> std::result::Result<(), &'static str> {
        let candidate = Secret::new(token);
        if self.static_tokens.contains(&candidate) {
            return Ok(());
        }
        match lock(&self.tokens).get(token) {
            Some(exp) if *exp > Instant::now() => Ok(()),
            Some(_) => Err("Access token expired"),
            None => Err("Invalid access token"),
        }
    }

    pub(crate) fn reset(&self) {
        self.clear_faults();
        self.clear_requests();
        *lock(&self.flows) = Flows::default();
        lock(&self.tokens).clear();
    }
}

/// A running mock. Dropping it stops the server; [`shutdown`](MockServer::shutdown) also waits
/// for requests in flight.
pub struct MockServer {
    shared: Arc<Shared>,
    running: Running,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer").field("base_url", &self.shared.base_url).finish_non_exhaustive()
    }
}

impl MockServer {
    /// Binds and starts serving (inside a Tokio runtime).
    pub async fn start(config: MockConfig) -> Result<MockServer> {
        let addr = config.bind.unwrap_or(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)));
        let listener = http::bind(addr, "mock").await?;
        let local = listener
            .local_addr()
            .map_err(|e| Error::new(ErrorKind::Transport, format!("cannot read the bound address: {e}")))?;
        let base_url = match &config.public_url {
            Some(u) => {
                let parsed = url::Url::parse(u.trim())
                    .map_err(|e| Error::invalid_input("publicUrl", format!("is not a valid URL ({e})")))?;
                if !matches!(parsed.scheme(), "http" | "https") || parsed.host().is_none() {
                    return Err(Error::invalid_input("publicUrl", "must be an http(s) URL with a host"));
                }
                parsed.as_str().trim_end_matches('/').to_owned()
            }
            None => http::base_url(local),
        };
        let client = reqwest::Client::builder()
            .no_proxy()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(30))
            .user_agent(concat!("ctt-mock/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| {
                Error::new(ErrorKind::Internal, format!("cannot build the mock's HTTP client: {e}"))
            })?;
        let shared = Arc::new(Shared {
            base_url,
            accounts: config.accounts,
            static_tokens: config.static_tokens,
            token_ttl: config.token_ttl,
            json_string_answers: config.json_string_answers,
            default_decision: config.default_decision,
            control_api: config.control_api,
            body_limit: config.body_limit,
            faults: Mutex::default(),
            log: Mutex::default(),
            tokens: Mutex::default(),
            flows: Mutex::default(),
            http: client,
        });
        for (endpoint, fault) in config.faults {
            shared.push_fault(endpoint, fault);
        }
        let opts = ServeOptions {
            header_read_timeout: config.header_read_timeout,
            max_connections: config.max_connections,
            grace: Duration::from_secs(5),
            max_head_bytes: 64 * 1024,
        };
        let for_handler = shared.clone();
        let running =
            http::spawn(listener, opts, move |req, conn| routes::handle(for_handler.clone(), req, conn))?;
        tracing::info!(base_url = %shared.base_url, "mock started");
        Ok(MockServer { shared, running })
    }

    /// The base URL to give a [`ctt_core::Client`]: `http://127.0.0.1:PORT` (or the
    /// configured public URL), without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    /// The bound socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.running.local_addr
    }

    /// Queues a fault for the next request of `endpoint` (FIFO; each consumed by one request).
    pub fn push_fault(&self, endpoint: Endpoint, fault: Fault) {
        self.shared.push_fault(endpoint, fault);
    }

    /// Drops every queued fault.
    pub fn clear_faults(&self) {
        self.shared.clear_faults();
    }

    /// The request log, oldest first (the last 10 000 requests; control requests are not logged).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.requests()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.shared.clear_requests();
    }

    /// Forgets faults, the request log, flows and issued tokens.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// Consents as the Global Admin would: visits the authorize URL with `decision`; for an
    /// approved REGISTRATION or LOGIN_ENTERPRISE_ADMIN the mock POSTs the result JSON to the
    /// `redirectUrl`; otherwise the answer is a 302 that is followed like a browser (GET).
    /// Returns what was delivered and what the `redirectUrl` answered.
    pub async fn consent(&self, action_url: &str, decision: Decision) -> Result<ConsentDelivery> {
        admin::consent_with(&self.shared.http, action_url, decision).await
    }

    /// Stops accepting connections and waits (up to 5 s) for requests in flight.
    pub async fn shutdown(self) {
        self.running.shutdown().await;
    }
}

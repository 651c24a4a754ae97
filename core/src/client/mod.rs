//! The HTTP client for the ConnectToTeams API.

mod auth;
mod blocking;
mod retry;

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use reqwest::header::{HeaderValue, ACCEPT, CONTENT_TYPE, RETRY_AFTER};
use tokio::time::Instant;
use url::Url;

pub use auth::{AccessToken, Credentials};
pub use blocking::BlockingClient;
pub use retry::RetryPolicy;

use crate::action::ActionType;
use crate::error::{Error, ErrorKind, Result};
use crate::response::{parse_action_url_response, status_error, ActionUrl};
use crate::secret::{Secret, REDACTED};
use crate::state::{FlowSigner, StatePlacement};
use crate::validate::{validate_enterprise_name, validate_redirect_url};
use auth::{TokenCache, TokenWire};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://api.connecttoteams.com";
/// The user agent: `ctt/<version>`.
pub const USER_AGENT: &str = concat!("ctt/", env!("CARGO_PKG_VERSION"));
/// The largest answer body read, in bytes; a longer one is a malformed response.
const MAX_RESPONSE_BYTES: usize = 256 * 1024;

/// One `getActionItemUrl` request, validated before it is sent.
#[derive(Debug, Clone)]
pub struct ActionUrlRequest {
    /// The action.
    pub action_type: ActionType,
    /// The enterprise (trimmed and checked on send).
    pub enterprise_name: String,
    /// The webhook URL (checked on send).
    pub redirect_url: String,
    /// When set, a fresh state token is issued and added to the redirect URL.
    pub state: Option<(FlowSigner, StatePlacement)>,
}

impl ActionUrlRequest {
    /// A request without a state token.
    pub fn new(
        action_type: ActionType,
        enterprise_name: impl Into<String>,
        redirect_url: impl Into<String>,
    ) -> Self {
        ActionUrlRequest {
            action_type,
            enterprise_name: enterprise_name.into(),
            redirect_url: redirect_url.into(),
            state: None,
        }
    }

    /// Adds a state token from `signer` at `placement`.
    pub fn with_state(mut self, signer: FlowSigner, placement: StatePlacement) -> Self {
        self.state = Some((signer, placement));
        self
    }

    /// Validates the fields and returns (enterprise name, final redirect URL, state token).
    pub fn prepare(&self) -> Result<(String, Url, Option<String>)> {
        let name = validate_enterprise_name(&self.enterprise_name)?;
        let redirect = validate_redirect_url(&self.redirect_url)?;
        match &self.state {
            None => Ok((name, redirect, None)),
            Some((signer, placement)) => {
                let token = signer.issue(self.action_type, &name)?;
                let url = placement.attach(&redirect, &token);
                Ok((name, url, Some(token)))
            }
        }
    }
}

/// Builds a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base_url: String,
    credentials: Option<Credentials>,
    connect_timeout: Duration,
    timeout: Duration,
    retry: RetryPolicy,
    user_agent: String,
    root_certificates: Vec<Vec<u8>>,
    use_env_proxy: bool,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            base_url: DEFAULT_BASE_URL.to_owned(),
            credentials: None,
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            retry: RetryPolicy::default(),
            user_agent: USER_AGENT.to_owned(),
            root_certificates: Vec::new(),
            use_env_proxy: true,
        }
    }
}

impl ClientBuilder {
    /// The API's base URL (default `https://api.connecttoteams.com`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// Authenticates with a fixed bearer token.
    pub fn bearer_token(mut self, token: impl Into<Secret>) -> Self {
        self.credentials = Some(Credentials::Token(token.into()));
        self
    }

    /// Authenticates with the password grant.
    pub fn password_grant(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<Secret>,
        username: impl Into<String>,
        password: impl Into<Secret>,
    ) -> Self {
        self.credentials = Some(Credentials::PasswordGrant {
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            username: username.into(),
            password: password.into(),
        });
        self
    }

    /// Sets the credentials.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The TCP+TLS connect timeout (default 10 s).
    pub fn connect_timeout(mut self, t: Duration) -> Self {
        self.connect_timeout = t;
        self
    }

    /// The deadline of a whole call, token fetch and retries included (default 30 s).
    pub fn timeout(mut self, t: Duration) -> Self {
        self.timeout = t;
        self
    }

    /// The retry policy (default: 3 attempts in all).
    pub fn retry_policy(mut self, p: RetryPolicy) -> Self {
        self.retry = p;
        self
    }

    /// Replaces the `ctt/<version>` user agent (keep `ctt/` in it, it helps the vendor).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Trusts an extra root certificate (PEM), e.g. a corporate TLS-inspecting proxy's.
    pub fn add_root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Whether to use `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` from the environment (default yes).
    pub fn use_env_proxy(mut self, yes: bool) -> Self {
        self.use_env_proxy = yes;
        self
    }

    /// Builds the client. Fails with [`ErrorKind::InvalidInput`] on a bad base URL, missing
    /// credentials, a zero timeout or an unreadable certificate.
    pub fn build(self) -> Result<Client> {
        let mut base = Url::parse(self.base_url.trim())
            .map_err(|e| Error::invalid_input("baseUrl", format!("is not a valid URL ({e})")))?;
        if !matches!(base.scheme(), "http" | "https") || base.host().is_none() {
            return Err(Error::invalid_input("baseUrl", "must be an http(s) URL with a host"));
        }
        if !base.username().is_empty() || base.password().is_some() {
            return Err(Error::invalid_input("baseUrl", "must not carry a user name or password"));
        }
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let credentials = self.credentials.ok_or_else(|| {
            Error::invalid_input("credentials", "a bearer token or password-grant credentials are required")
        })?;
        match &credentials {
            Credentials::Token(t) if t.is_empty() => {
                return Err(Error::invalid_input("token", "must not be empty"))
            }
            Credentials::PasswordGrant { client_id, username, .. }
                if client_id.is_empty() || username.is_empty() =>
            {
                return Err(Error::invalid_input("credentials", "client id and username must not be empty"))
            }
            _ => {}
        }
        if self.timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(Error::invalid_input("timeout", "must be greater than zero"));
        }
        let mut http = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .connect_timeout(self.connect_timeout)
            .use_rustls_tls()
            .redirect(reqwest::redirect::Policy::none());
        if !self.use_env_proxy {
            http = http.no_proxy();
        }
        for pem in &self.root_certificates {
            let certs = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| Error::invalid_input("rootCertificate", format!("is not PEM ({e})")))?;
            if certs.is_empty() {
                return Err(Error::invalid_input("rootCertificate", "holds no PEM certificate"));
            }
            for cert in certs {
                http = http.add_root_certificate(cert);
            }
        }
        let http = http
            .build()
            .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot build the HTTP client: {e}")))?;
        // The base ends in '/' and the paths are fixed relative paths of ours.
        let join = |path: &str| {
            base.join(path).map_err(|e| Error::invalid_input("baseUrl", format!("cannot be extended ({e})")))
        };
        let (action_endpoint, token_endpoint) = (join("enterprise/getActionItemUrl")?, join("oauth/token")?);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                action_endpoint,
                token_endpoint,
                credentials,
                cache: TokenCache::default(),
                timeout: self.timeout,
                retry: self.retry,
            }),
        })
    }
}

/// The async client. Cheap to clone (one `Arc`), `Send + Sync`; clones share the connection
/// pool and the token cache.
///
/// ```no_run
/// # async fn run() -> ctt_core::Result<()> {
/// use ctt_core::{ActionType, ActionUrlRequest, Client};
/// let client = Client::builder().bearer_token("…").build()?;
/// let url = client
///     .get_action_item_url(&ActionUrlRequest::new(ActionType::Registration, "AcmeCorp", "https://yourapp.com/callback"))
///     .await?;
/// println!("{}", url.url);
/// # Ok(()) }
/// ```
#[derive(Clone, Debug)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    /// Joined once: a per-call `Url::join` is measurable next to a loopback round trip.
    action_endpoint: Url,
    token_endpoint: Url,
    credentials: Credentials,
    cache: TokenCache,
    timeout: Duration,
    retry: RetryPolicy,
}

impl std::fmt::Debug for Inner {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base.as_str())
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Client {
    /// A builder with the defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// The base URL (with a trailing slash).
    pub fn base_url(&self) -> &str {
        self.inner.base.as_str()
    }

    /// Asks for an action URL. Validates the request first; retries per the policy; refreshes a
    /// password-grant token once on a 401; fails with [`ErrorKind::Timeout`] at the deadline.
    pub async fn get_action_item_url(&self, request: &ActionUrlRequest) -> Result<ActionUrl> {
        let (name, redirect, state_token) = request.prepare()?;
        let body = serde_json::to_string(&ActionBody {
            action_type: request.action_type.as_str(),
            enterprise_name: &name,
            redirect_url: redirect.as_str(),
        })
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot encode the request: {e}")))?;
        let deadline = Instant::now() + self.inner.timeout;
        let call = self.inner.retry.run(deadline, |_| self.post_action(&body));
        let mut url = self.within(deadline, call).await?;
        url.redirect_url = redirect.into();
        url.state_token = state_token;
        tracing::info!(action = %request.action_type, enterprise = %name, "got action URL");
        Ok(url)
    }

    /// Many requests at once, at most `concurrency` in flight; one result per request, in order.
    /// A failure stays in its slot and never stops the batch.
    pub async fn get_action_item_urls(
        &self,
        requests: &[ActionUrlRequest],
        concurrency: usize,
    ) -> Vec<Result<ActionUrl>> {
        self.get_action_item_urls_with_progress(requests, concurrency, |_, _| {}).await
    }

    /// [`get_action_item_urls`](Client::get_action_item_urls), calling `on_done(index, result)`
    /// as each request completes (in completion order), e.g. to advance a progress bar.
    pub async fn get_action_item_urls_with_progress(
        &self,
        requests: &[ActionUrlRequest],
        concurrency: usize,
        mut on_done: impl FnMut(usize, &Result<ActionUrl>) + Send,
    ) -> Vec<Result<ActionUrl>> {
        // The futures are built up front (not in a closure inside the stream) so that the
        // returned future is provably `Send` and can be spawned.
        let calls: Vec<_> = requests
            .iter()
            .enumerate()
            .map(|(i, r)| async move { (i, self.get_action_item_url(r).await) })
            .collect();
        let mut slots: Vec<Option<Result<ActionUrl>>> = requests.iter().map(|_| None).collect();
        let mut done = stream::iter(calls).buffer_unordered(concurrency.max(1));
        while let Some((i, result)) = done.next().await {
            on_done(i, &result);
            slots[i] = Some(result);
        }
        slots
            .into_iter()
            .map(|r| r.unwrap_or_else(|| Err(Error::new(ErrorKind::Internal, "batch slot left empty"))))
            .collect()
    }

    /// Fetches a fresh token with the password grant (bypassing the cache). With a fixed token
    /// configured, returns that.
    pub async fn fetch_token(&self) -> Result<AccessToken> {
        let deadline = Instant::now() + self.inner.timeout;
        self.within(deadline, self.fetch_token_inner(deadline)).await
    }

    async fn fetch_token_inner(&self, deadline: Instant) -> Result<AccessToken> {
        match &self.inner.credentials {
            Credentials::Token(t) => Ok(AccessToken {
                token: t.clone(),
                token_type: "bearer".into(),
                expires_in: None,
                refresh_token: None,
                scope: None,
            }),
            Credentials::PasswordGrant { client_id, client_secret, username, password } => {
                self.inner
                    .retry
                    .run(deadline, |_| async {
                        let form = [
                            ("grant_type", "password"),
                            ("username", username.as_str()),
                            ("password", password.expose()),
                        ];
                        let resp = self
                            .inner
                            .http
                            .post(self.inner.token_endpoint.clone())
                            .basic_auth(client_id, Some(client_secret.expose()))
                            .header(ACCEPT, "application/json")
                            .form(&form)
                            .send()
                            .await
                            .map_err(transport)?;
                        let (status, retry_after, body) = read(resp).await?;
                        if !(200..300).contains(&status) {
                            // A token endpoint repeating the credentials must not put them
                            // into an error message.
                            let body = redact(body, &[password.expose(), client_secret.expose()]);
                            return Err(token_error(status, &body, retry_after.as_deref()));
                        }
                        let wire: TokenWire = serde_json::from_str(&body).map_err(|_| {
                            Error::new(
                                ErrorKind::MalformedResponse,
                                "token endpoint answered something that is not a token response",
                            )
                            .with_status(status)
                        })?;
                        wire.into_token()
                    })
                    .await
            }
        }
    }

    async fn bearer(&self) -> Result<Secret> {
        match &self.inner.credentials {
            Credentials::Token(t) => Ok(t.clone()),
            Credentials::PasswordGrant { .. } => {
                let deadline = Instant::now() + self.inner.timeout;
                self.inner.cache.get_or_fetch(|| self.fetch_token_inner(deadline)).await
            }
        }
    }

    /// One attempt, plus one re-authentication on a 401 with password-grant credentials.
    async fn post_action(&self, body: &str) -> Result<ActionUrl> {
        let refreshable = matches!(self.inner.credentials, Credentials::PasswordGrant { .. });
        let mut token = self.bearer().await?;
        for first in [true, false] {
            let resp = self
                .inner
                .http
                .post(self.inner.action_endpoint.clone())
                .bearer_auth(token.expose())
                .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
                .header(ACCEPT, HeaderValue::from_static("text/plain, application/json"))
                .body(body.to_owned())
                .send()
                .await
                .map_err(transport)?;
            let (status, retry_after, text) = read(resp).await?;
            if status == 401 && refreshable && first {
                tracing::debug!("401 from getActionItemUrl; refreshing the token once");
                self.inner.cache.invalidate(&token).await;
                token = self.bearer().await?;
                continue;
            }
            // A server echoing the caller's token must not put it into an error message.
            let text = redact(text, &[token.expose()]);
            return parse_action_url_response(status, &text, retry_after.as_deref());
        }
        unreachable!("the loop returns on its second pass")
    }

    async fn within<T>(
        &self,
        deadline: Instant,
        fut: impl std::future::Future<Output = Result<T>>,
    ) -> Result<T> {
        match tokio::time::timeout_at(deadline, fut).await {
            Ok(r) => r,
            Err(_) => Err(Error::new(
                ErrorKind::Timeout,
                format!("no answer within the {:?} deadline", self.inner.timeout),
            )),
        }
    }
}

/// `text` with every occurrence of each non-empty secret replaced by [`REDACTED`] (copied only
/// when one occurs).
fn redact(mut text: String, secrets: &[&str]) -> String {
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        if text.contains(secret) {
            text = text.replace(secret, REDACTED);
        }
    }
    text
}

/// The `getActionItemUrl` request body.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct ActionBody<'a> {
    action_type: &'a str,
    enterprise_name: &'a str,
    redirect_url: &'a str,
}

/// Reads status, `Retry-After` and at most [`MAX_RESPONSE_BYTES`] of body.
async fn read(mut resp: reqwest::Response) -> Result<(u16, Option<String>, String)> {
    let status = resp.status().as_u16();
    let retry_after = resp.headers().get(RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut body =
        Vec::with_capacity(resp.content_length().map_or(0, |n| n.min(MAX_RESPONSE_BYTES as u64) as usize));
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(Error::new(
                ErrorKind::MalformedResponse,
                format!("answer body exceeds {MAX_RESPONSE_BYTES} bytes"),
            )
            .with_status(status));
        }
        body.extend_from_slice(&chunk);
    }
    let text = String::from_utf8(body).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    Ok((status, retry_after, text))
}

fn transport(e: reqwest::Error) -> Error {
    let kind = if e.is_timeout() { ErrorKind::Timeout } else { ErrorKind::Transport };
    let what = if e.is_connect() {
        "could not connect"
    } else if e.is_body() || e.is_decode() {
        "the answer was cut off"
    } else {
        "the request failed"
    };
    // reqwest's message names the URL (no secrets: the base URL carries none) and the cause.
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    Error::new(kind, format!("{what}: {detail}"))
}

/// OAuth errors: `invalid_client`/`invalid_grant`/`unauthorized_client` (400 or 401) are
/// unauthorized; other statuses map as for the API.
fn token_error(status: u16, body: &str, retry_after: Option<&str>) -> Error {
    #[derive(serde::Deserialize)]
    struct OAuthError {
        error: Option<String>,
        error_description: Option<String>,
    }
    let parsed: Option<OAuthError> = serde_json::from_str(body).ok();
    let code = parsed.as_ref().and_then(|p| p.error.as_deref()).unwrap_or("");
    if status == 401 || matches!(code, "invalid_client" | "invalid_grant" | "unauthorized_client") {
        let desc = parsed.as_ref().and_then(|p| p.error_description.as_deref()).unwrap_or("");
        let detail = [code, desc].iter().filter(|s| !s.is_empty()).copied().collect::<Vec<_>>().join(": ");
        let detail = if detail.is_empty() { String::new() } else { format!(" ({detail})") };
        return Error::new(
            ErrorKind::Unauthorized,
            format!("the token endpoint refused the credentials{detail}"),
        )
        .with_status(status);
    }
    status_error(status, body, retry_after)
}

//! The HTTP client: blocking methods and async ones (Kotlin `suspend`, Swift `async`).

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::error::{CttError, ErrorDetail, Result};
use crate::runtime;
use crate::state::{placement, FlowSigner, StatePlacement};
use crate::types::{ActionType, ActionUrl};

/// How the client authenticates. Holds secrets: `toString`/`description` redact them.
#[derive(uniffi::Object)]
#[uniffi::export(Display, Debug)]
pub struct Credentials(ctt_core::Credentials);

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[uniffi::export]
impl Credentials {
    /// A bearer token obtained elsewhere.
    #[uniffi::constructor]
    pub fn bearer_token(token: String) -> Self {
        Credentials(ctt_core::Credentials::Token(token.into()))
    }

    /// The password grant at `POST {base}/oauth/token`.
    #[uniffi::constructor]
    pub fn password_grant(
        client_id: String,
        client_secret: String,
        username: String,
        password: String,
    ) -> Self {
        Credentials(ctt_core::Credentials::PasswordGrant {
            client_id,
            client_secret: client_secret.into(),
            username,
            password: password.into(),
        })
    }
}

/// When and how the client tries a call again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 disables retries).
    pub max_attempts: u32,
    /// The first backoff ceiling; it doubles with each attempt.
    pub base_delay: Duration,
    /// The largest backoff ceiling.
    pub max_delay: Duration,
    /// The longest `Retry-After` the client waits for.
    pub max_retry_after: Duration,
}

impl From<RetryPolicy> for ctt_core::RetryPolicy {
    fn from(p: RetryPolicy) -> Self {
        ctt_core::RetryPolicy {
            max_attempts: p.max_attempts,
            base_delay: p.base_delay,
            max_delay: p.max_delay,
            max_retry_after: p.max_retry_after,
        }
    }
}

impl From<ctt_core::RetryPolicy> for RetryPolicy {
    fn from(p: ctt_core::RetryPolicy) -> Self {
        RetryPolicy {
            max_attempts: p.max_attempts,
            base_delay: p.base_delay,
            max_delay: p.max_delay,
            max_retry_after: p.max_retry_after,
        }
    }
}

/// The default policy: 3 attempts, 200 ms base, 5 s cap, 30 s longest `Retry-After`.
#[uniffi::export]
pub fn default_retry_policy() -> RetryPolicy {
    ctt_core::RetryPolicy::default().into()
}

/// No retries.
#[uniffi::export]
pub fn no_retry_policy() -> RetryPolicy {
    ctt_core::RetryPolicy::none().into()
}

/// How a [`Client`] is built; `null` fields keep core's defaults.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ClientConfig {
    /// The credentials (required).
    pub credentials: Arc<Credentials>,
    /// The API's base URL (default `https://api.connecttoteams.com`).
    #[uniffi(default = None)]
    pub base_url: Option<String>,
    /// TCP+TLS connect timeout (default 10 s).
    #[uniffi(default = None)]
    pub connect_timeout: Option<Duration>,
    /// Deadline of a whole call, token fetch and retries included (default 30 s).
    #[uniffi(default = None)]
    pub timeout: Option<Duration>,
    /// Retry policy (default 3 attempts).
    #[uniffi(default = None)]
    pub retry: Option<RetryPolicy>,
    /// Replaces the `ctt/<version>` user agent.
    #[uniffi(default = None)]
    pub user_agent: Option<String>,
    /// Extra trusted root certificates, PEM.
    #[uniffi(default = [])]
    pub root_certificates_pem: Vec<String>,
    /// Use `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` (default true).
    #[uniffi(default = true)]
    pub use_env_proxy: bool,
}

/// One `getActionItemUrl` request.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ActionUrlRequest {
    pub action_type: ActionType,
    pub enterprise_name: String,
    pub redirect_url: String,
    /// When set, a fresh state token from this signer is added to the redirect URL.
    #[uniffi(default = None)]
    pub signer: Option<Arc<FlowSigner>>,
    /// Where the token goes (default: the `ctt_state` query parameter).
    #[uniffi(default = None)]
    pub placement: Option<StatePlacement>,
}

impl From<&ActionUrlRequest> for ctt_core::ActionUrlRequest {
    fn from(r: &ActionUrlRequest) -> Self {
        let req = ctt_core::ActionUrlRequest::new(
            r.action_type.into(),
            r.enterprise_name.clone(),
            r.redirect_url.clone(),
        );
        match &r.signer {
            Some(s) => req.with_state(s.0.clone(), placement(r.placement.clone())),
            None => req,
        }
    }
}

/// One slot of a batch: the URL, or the error of that request.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct BatchItem {
    pub url: Option<ActionUrl>,
    pub error: Option<ErrorDetail>,
}

fn batch(results: Vec<ctt_core::Result<ctt_core::ActionUrl>>) -> Vec<BatchItem> {
    results
        .into_iter()
        .map(|r| match r {
            Ok(u) => BatchItem { url: Some(u.into()), error: None },
            Err(e) => BatchItem { url: None, error: Some(CttError::from(e).detail()) },
        })
        .collect()
}

/// A token from `/oauth/token`. Secret values are read only through `expose…`.
#[derive(uniffi::Object)]
#[uniffi::export(Display, Debug)]
pub struct AccessToken(ctt_core::AccessToken);

impl fmt::Debug for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for AccessToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[uniffi::export]
impl AccessToken {
    /// The bearer token. Secret.
    pub fn expose_token(&self) -> String {
        self.0.token.expose().to_owned()
    }

    /// The refresh token, when given. Secret.
    pub fn expose_refresh_token(&self) -> Option<String> {
        self.0.refresh_token.as_ref().map(|s| s.expose().to_owned())
    }

    pub fn token_type(&self) -> String {
        self.0.token_type.clone()
    }

    pub fn expires_in(&self) -> Option<Duration> {
        self.0.expires_in
    }

    pub fn scope(&self) -> Option<String> {
        self.0.scope.clone()
    }
}

/// The ConnectToTeams API client. Thread-safe; share one instance. Blocking methods must not
/// be called on a UI thread; the `…Async` methods are Kotlin `suspend` / Swift `async`.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct Client {
    blocking: ctt_core::BlockingClient,
}

impl Client {
    fn core(&self) -> ctt_core::Client {
        self.blocking.async_client().clone()
    }
}

#[uniffi::export(async_runtime = "tokio")]
impl Client {
    /// Builds a client (`InvalidInput` on a bad base URL, empty credentials, zero timeout or
    /// an unreadable certificate).
    #[uniffi::constructor]
    pub fn new(config: ClientConfig) -> Result<Self> {
        let mut b = ctt_core::Client::builder()
            .credentials(config.credentials.0.clone())
            .use_env_proxy(config.use_env_proxy);
        if let Some(url) = config.base_url {
            b = b.base_url(url);
        }
        if let Some(t) = config.connect_timeout {
            b = b.connect_timeout(t);
        }
        if let Some(t) = config.timeout {
            b = b.timeout(t);
        }
        if let Some(p) = config.retry {
            b = b.retry_policy(p.into());
        }
        if let Some(ua) = config.user_agent {
            b = b.user_agent(ua);
        }
        for pem in config.root_certificates_pem {
            b = b.add_root_certificate_pem(pem.into_bytes());
        }
        let client = b.build()?;
        Ok(Client { blocking: ctt_core::BlockingClient::with_handle(client, runtime::handle()?) })
    }

    /// The base URL (with a trailing slash).
    pub fn base_url(&self) -> String {
        self.blocking.async_client().base_url().to_owned()
    }

    /// Asks for an action URL (blocking). Validates first; retries per the policy.
    pub fn get_action_item_url(&self, request: ActionUrlRequest) -> Result<ActionUrl> {
        let req = ctt_core::ActionUrlRequest::from(&request);
        Ok(self.blocking.get_action_item_url(&req)?.into())
    }

    /// Many requests, at most `concurrency` in flight; one slot per request, in order (blocking).
    pub fn get_action_item_urls(&self, requests: Vec<ActionUrlRequest>, concurrency: u32) -> Vec<BatchItem> {
        let reqs: Vec<_> = requests.iter().map(ctt_core::ActionUrlRequest::from).collect();
        batch(self.blocking.get_action_item_urls(&reqs, concurrency as usize))
    }

    /// Fetches a fresh token with the password grant (blocking).
    pub fn fetch_token(&self) -> Result<Arc<AccessToken>> {
        Ok(Arc::new(AccessToken(self.blocking.fetch_token()?)))
    }

    /// Asks for an action URL (Kotlin `suspend`, Swift `async`).
    pub async fn get_action_item_url_async(&self, request: ActionUrlRequest) -> Result<ActionUrl> {
        let client = self.core();
        let req = ctt_core::ActionUrlRequest::from(&request);
        runtime::run(async move { Ok(client.get_action_item_url(&req).await?.into()) }).await
    }

    /// Many requests at once (Kotlin `suspend`, Swift `async`).
    pub async fn get_action_item_urls_async(
        &self,
        requests: Vec<ActionUrlRequest>,
        concurrency: u32,
    ) -> Result<Vec<BatchItem>> {
        let client = self.core();
        let reqs: Vec<_> = requests.iter().map(ctt_core::ActionUrlRequest::from).collect();
        runtime::run(async move { Ok(batch(client.get_action_item_urls(&reqs, concurrency as usize).await)) })
            .await
    }

    /// Fetches a fresh token (Kotlin `suspend`, Swift `async`).
    pub async fn fetch_token_async(&self) -> Result<Arc<AccessToken>> {
        let client = self.core();
        runtime::run(async move { Ok(Arc::new(AccessToken(client.fetch_token().await?))) }).await
    }
}

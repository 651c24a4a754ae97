//! Bearer tokens: fixed, or from the password grant with a shared cache and single-flight refresh.

use std::time::Duration;

use serde::Deserialize;
use tokio::sync::Mutex;
use tokio::time::Instant;

use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// How the client authenticates.
#[derive(Debug, Clone)]
pub enum Credentials {
    /// A bearer token obtained elsewhere.
    Token(Secret),
    /// The password grant at `POST {base}/oauth/token`.
    PasswordGrant {
        /// OAuth client id.
        client_id: String,
        /// OAuth client secret.
        client_secret: Secret,
        /// The service provider's user name.
        username: String,
        /// Its password.
        password: Secret,
    },
}

/// A token from `/oauth/token`.
#[derive(Debug, Clone)]
pub struct AccessToken {
    /// The bearer token.
    pub token: Secret,
    /// `token_type` (usually `bearer`).
    pub token_type: String,
    /// `expires_in`, when given.
    pub expires_in: Option<Duration>,
    /// `refresh_token`, when given.
    pub refresh_token: Option<Secret>,
    /// `scope`, when given.
    pub scope: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct TokenWire {
    access_token: Option<Secret>,
    token_type: Option<String>,
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<Secret>,
    scope: Option<String>,
}

impl TokenWire {
    pub(crate) fn into_token(self) -> Result<AccessToken> {
        let token = self
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| Error::new(ErrorKind::MalformedResponse, "token response has no access_token"))?;
        let expires_in = match self.expires_in {
            Some(serde_json::Value::Number(n)) => n.as_f64(),
            Some(serde_json::Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
        .filter(|s| s.is_finite() && *s > 0.0)
        .map(Duration::from_secs_f64);
        Ok(AccessToken {
            token,
            token_type: self.token_type.unwrap_or_else(|| "bearer".into()),
            expires_in,
            refresh_token: self.refresh_token,
            scope: self.scope,
        })
    }
}

struct Cached {
    token: Secret,
    /// When to stop using it; `None` (no `expires_in`) means until a 401.
    refresh_at: Option<Instant>,
}

/// The token cache. The mutex is held across a fetch, so concurrent callers wait for the one
/// refresh in flight instead of starting their own.
#[derive(Default)]
pub(crate) struct TokenCache {
    slot: Mutex<Option<Cached>>,
}

impl std::fmt::Debug for TokenCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenCache([REDACTED])")
    }
}

/// How long before `expires_in` ends the token is refreshed: 30 s, or half the lifetime if shorter.
fn refresh_margin(expires_in: Duration) -> Duration {
    (expires_in / 2).min(Duration::from_secs(30))
}

impl TokenCache {
    pub(crate) async fn get_or_fetch<F, Fut>(&self, fetch: F) -> Result<Secret>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<AccessToken>>,
    {
        let mut slot = self.slot.lock().await;
        if let Some(c) = slot.as_ref() {
            if c.refresh_at.is_none_or(|at| Instant::now() < at) {
                return Ok(c.token.clone());
            }
        }
        let fresh = fetch().await?;
        let refresh_at = fresh.expires_in.map(|e| Instant::now() + e - refresh_margin(e));
        *slot = Some(Cached { token: fresh.token.clone(), refresh_at });
        Ok(fresh.token)
    }

    /// Drops the cached token if it is still `used` (a 401 answered it); a token another caller
    /// already replaced is kept.
    pub(crate) async fn invalidate(&self, used: &Secret) {
        let mut slot = self.slot.lock().await;
        if slot.as_ref().is_some_and(|c| &c.token == used) {
            *slot = None;
        }
    }
}

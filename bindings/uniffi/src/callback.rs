//! Everything that reaches the `redirectUrl`: parsers, the handler and its events.

use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use crate::error::Result;
use crate::state::{placement, FlowSigner, FlowState, StatePlacement};
use crate::types::{EventKind, ExpirySource};

/// `userInfo` of an authentication result.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct UserInfo {
    pub displayable_id: Option<String>,
    pub identity_provider: Option<String>,
    pub tenant_id: Option<String>,
    pub unique_id: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
}

impl From<ctt_core::UserInfo> for UserInfo {
    fn from(u: ctt_core::UserInfo) -> Self {
        UserInfo {
            displayable_id: u.displayable_id,
            identity_provider: u.identity_provider,
            tenant_id: u.tenant_id,
            unique_id: u.unique_id,
            given_name: u.given_name,
            family_name: u.family_name,
        }
    }
}

/// The claims of a JWT access token, decoded without verification (information only).
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct TokenClaims {
    pub exp: Option<i64>,
    pub tid: Option<String>,
    pub oid: Option<String>,
    pub upn: Option<String>,
    pub preferred_username: Option<String>,
    pub scopes: Vec<String>,
    pub roles: Vec<String>,
    pub audience: Option<String>,
    pub issuer: Option<String>,
}

impl From<ctt_core::TokenClaims> for TokenClaims {
    fn from(c: ctt_core::TokenClaims) -> Self {
        TokenClaims {
            exp: c.exp,
            tid: c.tid,
            oid: c.oid,
            upn: c.upn,
            preferred_username: c.preferred_username,
            scopes: c.scopes,
            roles: c.roles,
            audience: c.audience,
            issuer: c.issuer,
        }
    }
}

/// An expiry instant and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct Expiry {
    pub expires_at: Option<SystemTime>,
    /// `expires_at` in whole unix seconds.
    pub expires_at_unix: Option<i64>,
    pub source: ExpirySource,
}

impl From<ctt_core::Expiry> for Expiry {
    fn from(e: ctt_core::Expiry) -> Self {
        Expiry { expires_at: e.expires_at, expires_at_unix: e.unix_seconds(), source: e.source.into() }
    }
}

/// Derives an expiry from `expiresOn` and a JWT `exp` by core's documented rule.
#[uniffi::export]
pub fn derive_expiry(expires_on: Option<i64>, jwt_exp: Option<i64>, received_at: SystemTime) -> Expiry {
    ctt_core::derive_expiry(expires_on, jwt_exp, received_at).into()
}

/// Decodes a JWT's claims without verifying it (`null` when it is not a JWT).
#[uniffi::export]
pub fn decode_claims(token: String) -> Option<TokenClaims> {
    ctt_core::decode_claims(&token).map(Into::into)
}

/// A secret string (a token). On the foreign side it is the hand-written `SecretString` class
/// (Kotlin: `bindings/kotlin/src/main/kotlin/ctt/SecretString.kt`; Swift:
/// `bindings/swift/Sources/Ctt/SecretString.swift`, mapped in `uniffi.toml`) whose every
/// formatting prints `[REDACTED]` and whose `expose()` returns the value. It crosses the FFI as a
/// plain string inside a record, so reading a parse result costs one call, not one per field.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(pub(crate) ctt_core::Secret);

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl From<ctt_core::Secret> for SecretString {
    fn from(s: ctt_core::Secret) -> Self {
        SecretString(s)
    }
}

uniffi::custom_type!(SecretString, String, {
    lower: |s| s.0.expose().to_owned(),
    try_lift: |v| Ok(SecretString(ctt_core::Secret::new(v))),
});

/// The registration/login callback, every field in one record (one FFI call). Its tokens are
/// `SecretString`s: `toString`/`description`/`dump` show `[REDACTED]`, `expose()` reads them.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct AuthenticationResult {
    /// `accessToken`. Secret.
    pub access_token: SecretString,
    /// `idToken`, if any. Secret.
    pub id_token: Option<SecretString>,
    /// `refreshToken`, if any. Secret.
    pub refresh_token: Option<SecretString>,
    pub access_token_type: Option<String>,
    pub multiple_resource_refresh_token: Option<bool>,
    /// `expiresOn` exactly as sent.
    pub expires_on_raw: Option<i64>,
    pub expires_after: Option<i64>,
    pub expires_on_date: Option<String>,
    /// The derived expiry.
    pub expiry: Expiry,
    pub user_info: Option<UserInfo>,
    pub reseller_id: Option<String>,
    /// `msalAuthenticationResult.tenantId` as sent (see `effective_tenant_id`).
    pub tenant_id: Option<String>,
    /// The token's `tid`, else `userInfo.tenantId`, else the wrapper's `tenantId`.
    pub effective_tenant_id: Option<String>,
    pub organization: Option<String>,
    /// `officeUserType`'s wire value (`GLOBAL_ADMIN`).
    pub office_user_type: Option<String>,
    pub company_admin: Option<bool>,
    pub contains_teams_tenant_admin_api: Option<bool>,
    /// The access token's claims when it is a JWT (unverified).
    pub claims: Option<TokenClaims>,
    /// True when the token's `tid` and `userInfo.tenantId` differ.
    pub tenant_mismatch: bool,
}

impl From<ctt_core::AuthenticationResult> for AuthenticationResult {
    fn from(r: ctt_core::AuthenticationResult) -> Self {
        AuthenticationResult {
            effective_tenant_id: r.effective_tenant_id().map(str::to_owned),
            office_user_type: r.office_user_type.as_ref().map(|t| t.as_str().to_owned()),
            access_token: r.access_token.into(),
            id_token: r.id_token.map(Into::into),
            refresh_token: r.refresh_token.map(Into::into),
            access_token_type: r.access_token_type,
            multiple_resource_refresh_token: r.multiple_resource_refresh_token,
            expires_on_raw: r.expires_on_raw,
            expires_after: r.expires_after,
            expires_on_date: r.expires_on_date,
            expiry: r.expiry.into(),
            user_info: r.user_info.map(Into::into),
            reseller_id: r.reseller_id,
            tenant_id: r.tenant_id,
            organization: r.organization,
            company_admin: r.company_admin,
            contains_teams_tenant_admin_api: r.contains_teams_tenant_admin_api,
            claims: r.claims.map(Into::into),
            tenant_mismatch: r.tenant_mismatch,
        }
    }
}

/// Parses the registration/login JSON, deriving the expiry as of now.
#[uniffi::export]
pub fn parse_authentication_result(body: Vec<u8>) -> Result<AuthenticationResult> {
    Ok(ctt_core::parse_authentication_result(&body)?.into())
}

/// Parses the registration/login JSON with `received_at` as the receipt time.
#[uniffi::export]
pub fn parse_authentication_result_at(
    body: Vec<u8>,
    received_at: SystemTime,
) -> Result<AuthenticationResult> {
    Ok(ctt_core::parse_authentication_result_at(&body, received_at)?.into())
}

/// One query parameter, decoded.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct QueryParam {
    pub name: String,
    pub value: String,
}

fn params(v: &[(String, String)]) -> Vec<QueryParam> {
    v.iter().map(|(name, value)| QueryParam { name: name.clone(), value: value.clone() }).collect()
}

/// Splits a query string the way a browser delivers it (tolerates unencoded `&` inside
/// messages and a second `?`).
#[uniffi::export]
pub fn parse_query_lenient(query: String) -> Vec<QueryParam> {
    params(&ctt_core::parse_query_lenient(&query))
}

/// What a consent redirect said.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum ConsentOutcome {
    Succeeded { message: String },
    Failed { message: String, error_code: Option<String>, error_subcode: Option<String> },
}

impl From<ctt_core::ConsentOutcome> for ConsentOutcome {
    fn from(o: ctt_core::ConsentOutcome) -> Self {
        match o {
            ctt_core::ConsentOutcome::Succeeded { message } => ConsentOutcome::Succeeded { message },
            ctt_core::ConsentOutcome::Failed { message, error_code, error_subcode } => {
                ConsentOutcome::Failed { message, error_code, error_subcode }
            }
        }
    }
}

#[uniffi::export]
impl ConsentOutcome {
    /// The message (success text, or the error / its description).
    pub fn message(&self) -> String {
        match self {
            ConsentOutcome::Succeeded { message } | ConsentOutcome::Failed { message, .. } => message.clone(),
        }
    }

    pub fn is_success(&self) -> bool {
        matches!(self, ConsentOutcome::Succeeded { .. })
    }
}

/// A parsed consent redirect.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentRedirect {
    pub outcome: ConsentOutcome,
    /// The path of the request (`/cb/TOKEN`).
    pub path: String,
    /// Every query (and form) parameter, decoded, in order.
    pub params: Vec<QueryParam>,
}

impl From<ctt_core::ConsentRedirect> for ConsentRedirect {
    fn from(r: ctt_core::ConsentRedirect) -> Self {
        ConsentRedirect { params: params(&r.params), outcome: r.outcome.into(), path: r.path }
    }
}

/// Parses a consent redirect (full URL, request target or bare query).
#[uniffi::export]
pub fn parse_consent_redirect(input: String) -> Result<ConsentRedirect> {
    Ok(ctt_core::parse_consent_redirect(&input)?.into())
}

/// What a callback request meant.
#[derive(uniffi::Object)]
#[uniffi::export(Display, Debug)]
pub struct CallbackEvent(pub(crate) ctt_core::CallbackEvent);

impl fmt::Debug for CallbackEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for CallbackEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // The stable JSON shape, tokens redacted.
        self.0.to_json().fmt(f)
    }
}

#[uniffi::export]
impl CallbackEvent {
    pub fn kind(&self) -> EventKind {
        self.0.kind().into()
    }

    /// The verified flow state, when the handler checks state tokens.
    pub fn state(&self) -> Option<FlowState> {
        self.0.state().map(Into::into)
    }

    /// The failure message of a failed consent.
    pub fn failure_message(&self) -> Option<String> {
        self.0.failure_message().map(str::to_owned)
    }

    /// Whether the flow step succeeded.
    pub fn is_success(&self) -> bool {
        self.0.is_success()
    }

    /// The authentication result, for registration/login events.
    pub fn authentication(&self) -> Option<AuthenticationResult> {
        match &self.0 {
            ctt_core::CallbackEvent::Authenticated { result, .. } => Some((**result).clone().into()),
            ctt_core::CallbackEvent::Consent { .. } => None,
        }
    }

    /// The redirect, for consent events.
    pub fn consent(&self) -> Option<ConsentRedirect> {
        match &self.0 {
            ctt_core::CallbackEvent::Consent { redirect, .. } => Some(redirect.clone().into()),
            ctt_core::CallbackEvent::Authenticated { .. } => None,
        }
    }

    /// The stable JSON shape used by the CLI and every binding; tokens are `[REDACTED]`.
    pub fn to_json(&self) -> String {
        self.0.to_json().to_string()
    }
}

/// How a [`CallbackHandler`] is set up.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CallbackHandlerConfig {
    /// The body limit in bytes (default 64 KiB).
    #[uniffi(default = None)]
    pub body_limit: Option<u64>,
    /// When set, every callback must carry a valid state token from this signer.
    #[uniffi(default = None)]
    pub signer: Option<Arc<FlowSigner>>,
    /// Where the token is (default: the `ctt_state` query parameter).
    #[uniffi(default = None)]
    pub placement: Option<StatePlacement>,
}

/// Turns callback requests into events. Framework-agnostic: hand it the method, URL,
/// content type and body your web framework received.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct CallbackHandler(pub(crate) ctt_core::CallbackHandler);

#[uniffi::export]
impl CallbackHandler {
    /// A handler with a 64 KiB body limit and no state verification.
    #[uniffi::constructor]
    pub fn new() -> Self {
        CallbackHandler(ctt_core::CallbackHandler::new())
    }

    /// A handler configured by `config`.
    #[uniffi::constructor]
    pub fn with_config(config: CallbackHandlerConfig) -> Self {
        CallbackHandler(core_handler(&config))
    }

    /// The body limit in bytes.
    pub fn body_limit(&self) -> u64 {
        self.0.body_limit() as u64
    }

    /// Handles one request: GET with a query → consent event; POST with JSON → authenticated
    /// event; POST with a form carrying success/error → consent event; anything else a typed error.
    pub fn handle(
        &self,
        method: String,
        url: String,
        content_type: Option<String>,
        body: Vec<u8>,
    ) -> Result<Arc<CallbackEvent>> {
        let req = ctt_core::CallbackRequest::new(&method, &url).with_body(content_type.as_deref(), &body);
        Ok(Arc::new(CallbackEvent(self.0.handle(&req)?)))
    }
}

impl Default for CallbackHandler {
    fn default() -> Self {
        CallbackHandler::new()
    }
}

pub(crate) fn core_handler(config: &CallbackHandlerConfig) -> ctt_core::CallbackHandler {
    let mut h = ctt_core::CallbackHandler::new();
    if let Some(limit) = config.body_limit {
        h = h.with_body_limit(usize::try_from(limit).unwrap_or(usize::MAX));
    }
    if let Some(signer) = &config.signer {
        h = h.with_state(signer.0.clone(), placement(config.placement.clone()));
    }
    h
}

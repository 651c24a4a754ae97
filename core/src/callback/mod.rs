//! Everything that reaches the `redirectUrl`: parsers, the handler and the event it produces.

pub mod auth_result;
pub mod expiry;
pub mod handler;
pub mod jwt;
pub mod redirect;

use serde_json::{json, Value};

use crate::secret::REDACTED;
use crate::state::FlowState;
use auth_result::AuthenticationResult;
use redirect::{ConsentOutcome, ConsentRedirect};

/// The three kinds of event a callback can be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EventKind {
    /// Registration or admin login: an MSAL result arrived.
    Authenticated,
    /// A consent redirect with `success`.
    ConsentSucceeded,
    /// A consent redirect with `error`.
    ConsentFailed,
}

impl EventKind {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Authenticated => "authenticated",
            EventKind::ConsentSucceeded => "consent_succeeded",
            EventKind::ConsentFailed => "consent_failed",
        }
    }
}

/// What a callback request meant.
#[derive(Debug, Clone)]
pub enum CallbackEvent {
    /// The JSON POST of registration or admin login.
    Authenticated {
        /// The parsed result (tokens are secrets).
        result: Box<AuthenticationResult>,
        /// The verified state token, when the handler checks them.
        state: Option<FlowState>,
    },
    /// A consent redirect.
    Consent {
        /// The parsed redirect.
        redirect: ConsentRedirect,
        /// The verified state token, when the handler checks them.
        state: Option<FlowState>,
    },
}

impl CallbackEvent {
    /// Its kind.
    pub fn kind(&self) -> EventKind {
        match self {
            CallbackEvent::Authenticated { .. } => EventKind::Authenticated,
            CallbackEvent::Consent { redirect, .. } if redirect.outcome.is_success() => {
                EventKind::ConsentSucceeded
            }
            CallbackEvent::Consent { .. } => EventKind::ConsentFailed,
        }
    }

    /// The verified flow state, when the handler checks state tokens.
    pub fn state(&self) -> Option<&FlowState> {
        match self {
            CallbackEvent::Authenticated { state, .. } | CallbackEvent::Consent { state, .. } => {
                state.as_ref()
            }
        }
    }

    /// The failure message of a failed consent.
    pub fn failure_message(&self) -> Option<&str> {
        match self {
            CallbackEvent::Consent { redirect, .. } if !redirect.outcome.is_success() => {
                Some(redirect.outcome.message())
            }
            _ => None,
        }
    }

    /// Whether the flow step succeeded.
    pub fn is_success(&self) -> bool {
        self.kind() != EventKind::ConsentFailed
    }

    /// The stable JSON shape used by the CLI, the listener and the bindings. Tokens appear as
    /// `"[REDACTED]"`; nothing secret is ever in it.
    pub fn to_json(&self) -> Value {
        let state = self.state().map(|s| {
            json!({
                "action_type": s.action_type.as_str(),
                "enterprise_name": s.enterprise_name,
                "issued_at": s.issued_at.duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0),
                "nonce": s.nonce_hex(),
            })
        });
        let mut v = match self {
            CallbackEvent::Authenticated { result, .. } => authenticated_json(result),
            CallbackEvent::Consent { redirect, .. } => consent_json(redirect),
        };
        v["kind"] = json!(self.kind().as_str());
        v["state"] = state.unwrap_or(Value::Null);
        v
    }
}

fn authenticated_json(r: &AuthenticationResult) -> Value {
    let redacted = |present: bool| if present { json!(REDACTED) } else { Value::Null };
    json!({
        "access_token": REDACTED,
        "access_token_type": r.access_token_type,
        "id_token": redacted(r.id_token.is_some()),
        "refresh_token": redacted(r.refresh_token.is_some()),
        "expires_on_raw": r.expires_on_raw,
        "expires_at": r.expiry.unix_seconds(),
        "expiry_source": r.expiry.source.as_str(),
        "user": r.user_info.as_ref().map(|u| json!({
            "displayable_id": u.displayable_id,
            "identity_provider": u.identity_provider,
            "tenant_id": u.tenant_id,
        })),
        "tenant_id": r.effective_tenant_id(),
        "tenant_mismatch": r.tenant_mismatch,
        "organization": r.organization,
        "office_user_type": r.office_user_type.as_ref().map(|t| t.as_str()),
        "company_admin": r.company_admin,
        "contains_teams_tenant_admin_api": r.contains_teams_tenant_admin_api,
        "claims": r.claims.as_ref().map(|c| json!({
            "exp": c.exp, "tid": c.tid, "oid": c.oid, "upn": c.upn,
            "preferred_username": c.preferred_username, "scopes": c.scopes, "roles": c.roles,
        })),
    })
}

fn consent_json(r: &ConsentRedirect) -> Value {
    let (code, subcode) = match &r.outcome {
        ConsentOutcome::Failed { error_code, error_subcode, .. } => {
            (error_code.clone(), error_subcode.clone())
        }
        ConsentOutcome::Succeeded { .. } => (None, None),
    };
    json!({
        "message": r.outcome.message(),
        "error_code": code,
        "error_subcode": subcode,
        "path": r.path,
        "params": r.params.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
    })
}

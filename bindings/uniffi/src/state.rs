//! State tokens: the HMAC signer that ties a callback to its request.

use std::fmt;
use std::time::{Duration, SystemTime};

use crate::error::{CttError, Result};
use crate::types::ActionType;

/// What a verified token says about its flow.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FlowState {
    /// The action the URL was requested for.
    pub action_type: ActionType,
    /// The enterprise it was requested for.
    pub enterprise_name: String,
    /// When the token was issued (whole seconds).
    pub issued_at: SystemTime,
    /// The token's 128-bit nonce, 32 lowercase hex digits.
    pub nonce_hex: String,
}

impl From<&ctt_core::FlowState> for FlowState {
    fn from(s: &ctt_core::FlowState) -> Self {
        FlowState {
            action_type: s.action_type.into(),
            enterprise_name: s.enterprise_name.clone(),
            issued_at: s.issued_at,
            nonce_hex: s.nonce_hex(),
        }
    }
}

/// Where the state token travels in the redirect URL.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum StatePlacement {
    /// A query parameter with this name (the default is `ctt_state`).
    Query { name: String },
    /// The last path segment.
    PathSegment,
}

impl From<StatePlacement> for ctt_core::StatePlacement {
    fn from(p: StatePlacement) -> Self {
        match p {
            StatePlacement::Query { name } => ctt_core::StatePlacement::Query(name),
            StatePlacement::PathSegment => ctt_core::StatePlacement::PathSegment,
        }
    }
}

/// The default placement: the `ctt_state` query parameter.
#[uniffi::export]
pub fn default_state_placement() -> StatePlacement {
    StatePlacement::Query { name: ctt_core::DEFAULT_STATE_PARAM.to_owned() }
}

pub(crate) fn placement(p: Option<StatePlacement>) -> ctt_core::StatePlacement {
    p.map(Into::into).unwrap_or_default()
}

/// Issues and verifies state tokens. Immutable: the `with…` methods return a new signer.
/// Its `toString`/`description` never shows a key.
#[derive(Clone, uniffi::Object)]
#[uniffi::export(Display, Debug)]
pub struct FlowSigner(pub(crate) ctt_core::FlowSigner);

impl fmt::Debug for FlowSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl fmt::Display for FlowSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[uniffi::export]
impl FlowSigner {
    /// A signer with `key` (at least 32 bytes), a one-hour TTL, 60 s skew, no replay guard.
    #[uniffi::constructor]
    pub fn new(key: Vec<u8>) -> Result<Self> {
        Ok(FlowSigner(ctt_core::FlowSigner::new(&key)?))
    }

    /// Also accepts tokens signed with an older `key` (rotation).
    pub fn with_previous_key(&self, key: Vec<u8>) -> Result<FlowSigner> {
        Ok(FlowSigner(self.0.clone().with_previous_key(&key)?))
    }

    /// With this time-to-live.
    pub fn with_ttl(&self, ttl: Duration) -> FlowSigner {
        FlowSigner(self.0.clone().with_ttl(ttl))
    }

    /// With this clock-skew allowance.
    pub fn with_clock_skew(&self, skew: Duration) -> FlowSigner {
        FlowSigner(self.0.clone().with_clock_skew(skew))
    }

    /// Accepts each token once, remembering nonces in this process.
    pub fn with_memory_replay_guard(&self) -> FlowSigner {
        FlowSigner(self.0.clone().with_memory_replay_guard())
    }

    /// The time-to-live.
    pub fn ttl(&self) -> Duration {
        self.0.ttl()
    }

    /// A fresh token for a flow.
    pub fn issue(&self, action_type: ActionType, enterprise_name: String) -> Result<String> {
        Ok(self.0.issue(action_type.into(), &enterprise_name)?)
    }

    /// A token with a given time and 16-byte nonce (for tests and fixtures).
    pub fn issue_at(
        &self,
        action_type: ActionType,
        enterprise_name: String,
        issued_at: SystemTime,
        nonce: Vec<u8>,
    ) -> Result<String> {
        let nonce: [u8; 16] = nonce.as_slice().try_into().map_err(|_| {
            CttError::from(ctt_core::Error::invalid_input(
                "nonce",
                format!("must be 16 bytes, got {}", nonce.len()),
            ))
        })?;
        Ok(self.0.issue_at(action_type.into(), &enterprise_name, issued_at, nonce)?)
    }

    /// Verifies a token now (`StateRejected` with its reason otherwise).
    pub fn verify(&self, token: String) -> Result<FlowState> {
        Ok((&self.0.verify(&token)?).into())
    }

    /// Verifies a token as of `now`.
    pub fn verify_at(&self, token: String, now: SystemTime) -> Result<FlowState> {
        Ok((&self.0.verify_at(&token, now)?).into())
    }
}

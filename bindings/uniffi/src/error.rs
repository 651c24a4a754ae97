//! One error type, one variant per `ctt_core::ErrorKind`.

use std::fmt;
use std::time::Duration;

use crate::types::{ErrorKind, Rejection};

/// What every ctt error carries. No field ever holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
#[uniffi::export(Display)]
pub struct ErrorDetail {
    /// The stable kind (same as the variant).
    pub kind: ErrorKind,
    /// The human message.
    pub message: String,
    /// The HTTP status, for errors that come from an answer.
    pub status: Option<u16>,
    /// The server's `Retry-After`, for rate limiting (and 503s that send one).
    pub retry_after: Option<Duration>,
    /// The wire name of the offending field, for invalid input raised locally.
    pub field: Option<String>,
    /// Why a state token was refused, for `StateRejected`.
    pub rejection: Option<Rejection>,
    /// The first bytes of the answer body (at most 256 characters).
    pub body_snippet: Option<String>,
    /// Whether trying the same call again may succeed.
    pub retryable: bool,
}

impl fmt::Display for ErrorDetail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind.stable_name(), self.message)
    }
}

/// A ctt failure: Kotlin `CttException` (sealed, one subclass per kind), Swift `CttError`.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Error)]
#[uniffi::export(Display)]
pub enum CttError {
    /// A caller-supplied value is unusable (`detail.field` names it); also a 400/422 answer.
    InvalidInput { detail: ErrorDetail },
    /// The API or token endpoint refused the credentials.
    Unauthorized { detail: ErrorDetail },
    /// The API answered 403.
    Forbidden { detail: ErrorDetail },
    /// The API answered 404.
    NotFound { detail: ErrorDetail },
    /// The API answered 429 (`detail.retryAfter` when given).
    RateLimited { detail: ErrorDetail },
    /// The API answered 5xx (`detail.status`).
    Server { detail: ErrorDetail },
    /// The API answered a status no other kind covers.
    UnexpectedStatus { detail: ErrorDetail },
    /// The connection failed, was reset or closed before an answer.
    Transport { detail: ErrorDetail },
    /// The call's deadline passed.
    Timeout { detail: ErrorDetail },
    /// A 2xx answer whose body is not what the API promises.
    MalformedResponse { detail: ErrorDetail },
    /// A callback request that cannot be understood.
    MalformedCallback { detail: ErrorDetail },
    /// A callback request with a method the flow never uses.
    MethodNotAllowed { detail: ErrorDetail },
    /// A callback body over the configured limit.
    PayloadTooLarge { detail: ErrorDetail },
    /// The flow's state token was missing or failed verification (`detail.rejection`).
    StateRejected { detail: ErrorDetail },
    /// A bug or an environment failure inside ctt.
    Internal { detail: ErrorDetail },
}

impl std::error::Error for CttError {}

impl fmt::Display for CttError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.detail_ref().fmt(f)
    }
}

#[uniffi::export]
impl CttError {
    /// The stable kind.
    pub fn kind(&self) -> ErrorKind {
        self.detail_ref().kind
    }

    /// Everything the error carries.
    pub fn detail(&self) -> ErrorDetail {
        self.detail_ref().clone()
    }
}

impl CttError {
    fn detail_ref(&self) -> &ErrorDetail {
        match self {
            CttError::InvalidInput { detail }
            | CttError::Unauthorized { detail }
            | CttError::Forbidden { detail }
            | CttError::NotFound { detail }
            | CttError::RateLimited { detail }
            | CttError::Server { detail }
            | CttError::UnexpectedStatus { detail }
            | CttError::Transport { detail }
            | CttError::Timeout { detail }
            | CttError::MalformedResponse { detail }
            | CttError::MalformedCallback { detail }
            | CttError::MethodNotAllowed { detail }
            | CttError::PayloadTooLarge { detail }
            | CttError::StateRejected { detail }
            | CttError::Internal { detail } => detail,
        }
    }

    pub(crate) fn internal(message: impl Into<String>) -> CttError {
        ctt_core::Error::new(ctt_core::ErrorKind::Internal, message).into()
    }
}

impl From<ctt_core::Error> for CttError {
    fn from(e: ctt_core::Error) -> Self {
        use ctt_core::ErrorKind as K;
        let detail = ErrorDetail {
            kind: e.kind().into(),
            message: e.message().to_owned(),
            status: e.status(),
            retry_after: e.retry_after(),
            field: e.field().map(str::to_owned),
            rejection: e.rejection().map(Into::into),
            body_snippet: e.body_snippet().map(str::to_owned),
            retryable: e.is_retryable(),
        };
        match e.kind() {
            K::InvalidInput => CttError::InvalidInput { detail },
            K::Unauthorized => CttError::Unauthorized { detail },
            K::Forbidden => CttError::Forbidden { detail },
            K::NotFound => CttError::NotFound { detail },
            K::RateLimited => CttError::RateLimited { detail },
            K::Server => CttError::Server { detail },
            K::UnexpectedStatus => CttError::UnexpectedStatus { detail },
            K::Transport => CttError::Transport { detail },
            K::Timeout => CttError::Timeout { detail },
            K::MalformedResponse => CttError::MalformedResponse { detail },
            K::MalformedCallback => CttError::MalformedCallback { detail },
            K::MethodNotAllowed => CttError::MethodNotAllowed { detail },
            K::PayloadTooLarge => CttError::PayloadTooLarge { detail },
            K::StateRejected => CttError::StateRejected { detail },
            // `ErrorKind` is non-exhaustive: a kind added to core later lands here until this
            // crate maps it (the `every_kind_maps` test fails first).
            _ => CttError::Internal { detail },
        }
    }
}

/// `Result` with [`CttError`].
pub type Result<T, E = CttError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_maps_to_its_own_variant() {
        for k in ctt_core::ErrorKind::ALL {
            let e: CttError = ctt_core::Error::new(k, "x").into();
            assert_eq!(e.kind().stable_name(), k.as_str());
            if k != ctt_core::ErrorKind::Internal {
                assert!(!matches!(e, CttError::Internal { .. }), "{k:?} is not mapped");
            }
        }
        assert_eq!(crate::types::all_error_kinds().len(), ctt_core::ErrorKind::ALL.len());
    }
}

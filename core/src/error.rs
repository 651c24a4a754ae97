//! The one error type of ctt, with a stable [`ErrorKind`] every binding maps.

use std::fmt;
use std::time::Duration;

use crate::state::Rejection;

/// A stable classification of every failure. Bindings map these one to one (C result codes,
/// Python exception classes, Kotlin and Swift error cases), so kinds are only ever added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// A caller-supplied value is unusable (the error names the field); also a 400/422 answer.
    InvalidInput,
    /// The API or token endpoint refused the credentials (401, `invalid_client`, `invalid_grant`).
    Unauthorized,
    /// The API answered 403.
    Forbidden,
    /// The API answered 404.
    NotFound,
    /// The API answered 429; [`Error::retry_after`] carries its `Retry-After` when given.
    RateLimited,
    /// The API answered 5xx; [`Error::status`] carries the status.
    Server,
    /// The API answered a status no other kind covers.
    UnexpectedStatus,
    /// The connection failed, was reset or closed before an answer.
    Transport,
    /// The call's deadline passed.
    Timeout,
    /// A 2xx answer whose body is not what the API promises.
    MalformedResponse,
    /// A callback request that cannot be understood.
    MalformedCallback,
    /// A callback request with a method the flow never uses.
    MethodNotAllowed,
    /// A callback body over the configured limit.
    PayloadTooLarge,
    /// The flow's state token was missing or failed verification; see [`Error::rejection`].
    StateRejected,
    /// A bug or an environment failure inside ctt (e.g. no runtime could be started).
    Internal,
}

impl ErrorKind {
    /// Every kind, in the order of their C codes.
    pub const ALL: [ErrorKind; 15] = [
        ErrorKind::InvalidInput,
        ErrorKind::Unauthorized,
        ErrorKind::Forbidden,
        ErrorKind::NotFound,
        ErrorKind::RateLimited,
        ErrorKind::Server,
        ErrorKind::UnexpectedStatus,
        ErrorKind::Transport,
        ErrorKind::Timeout,
        ErrorKind::MalformedResponse,
        ErrorKind::MalformedCallback,
        ErrorKind::MethodNotAllowed,
        ErrorKind::PayloadTooLarge,
        ErrorKind::StateRejected,
        ErrorKind::Internal,
    ];

    /// The stable snake_case name (`"rate_limited"`), used in fixtures, JSON output and bindings.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Unauthorized => "unauthorized",
            ErrorKind::Forbidden => "forbidden",
            ErrorKind::NotFound => "not_found",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::UnexpectedStatus => "unexpected_status",
            ErrorKind::Transport => "transport",
            ErrorKind::Timeout => "timeout",
            ErrorKind::MalformedResponse => "malformed_response",
            ErrorKind::MalformedCallback => "malformed_callback",
            ErrorKind::MethodNotAllowed => "method_not_allowed",
            ErrorKind::PayloadTooLarge => "payload_too_large",
            ErrorKind::StateRejected => "state_rejected",
            ErrorKind::Internal => "internal",
        }
    }

    /// The kind with this snake_case name.
    pub fn from_name(name: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A ctt failure: a [`kind`](Error::kind), a human message that never contains a secret, and the
/// details that kind carries.
///
/// ```
/// use ctt_core::{validate_enterprise_name, ErrorKind};
/// let err = validate_enterprise_name("   ").unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidInput);
/// assert_eq!(err.field(), Some("enterpriseName"));
/// ```
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    status: Option<u16>,
    retry_after: Option<Duration>,
    field: Option<&'static str>,
    rejection: Option<Rejection>,
    body_snippet: Option<String>,
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// How much of a response body an error keeps.
pub(crate) const SNIPPET_LIMIT: usize = 256;

impl Error {
    /// A new error of `kind` with `message`.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            status: None,
            retry_after: None,
            field: None,
            rejection: None,
            body_snippet: None,
        }
    }

    /// An invalid-input error naming the field (its wire name) and the reason.
    pub fn invalid_input(field: &'static str, reason: impl fmt::Display) -> Self {
        let mut e = Error::new(ErrorKind::InvalidInput, format!("{field}: {reason}"));
        e.field = Some(field);
        e
    }

    /// A state-token rejection.
    pub fn state_rejected(rejection: Rejection) -> Self {
        let mut e = Error::new(
            ErrorKind::StateRejected,
            format!("state token rejected: {}", rejection.description()),
        );
        e.rejection = Some(rejection);
        e
    }

    pub(crate) fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    pub(crate) fn with_body(mut self, body: &str) -> Self {
        self.body_snippet = Some(snippet(body));
        self
    }

    /// The stable kind.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// The human message (no secrets).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The HTTP status, for errors that come from an answer.
    pub fn status(&self) -> Option<u16> {
        self.status
    }

    /// The server's `Retry-After`, for [`ErrorKind::RateLimited`] (and 503s that send one).
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The wire name of the offending field, for [`ErrorKind::InvalidInput`] raised locally.
    pub fn field(&self) -> Option<&'static str> {
        self.field
    }

    /// Why a state token was refused, for [`ErrorKind::StateRejected`].
    pub fn rejection(&self) -> Option<Rejection> {
        self.rejection
    }

    /// The first bytes of the answer body (at most 256 characters), for answers the SDK refused.
    pub fn body_snippet(&self) -> Option<&str> {
        self.body_snippet.as_deref()
    }

    /// Whether trying the same call again may succeed: transport failures, timeouts, 429 and
    /// 502/503/504. The client retries these itself within its budget.
    pub fn is_retryable(&self) -> bool {
        match self.kind {
            ErrorKind::Transport | ErrorKind::Timeout | ErrorKind::RateLimited => true,
            ErrorKind::Server => matches!(self.status, Some(502..=504)),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.kind, self.message)
    }
}

impl std::error::Error for Error {}

/// At most [`SNIPPET_LIMIT`] characters of `body`, cut on a character boundary, with an ellipsis.
pub(crate) fn snippet(body: &str) -> String {
    match body.char_indices().nth(SNIPPET_LIMIT) {
        Some((cut, _)) => format!("{}…", &body[..cut]),
        None => body.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        let mut seen = std::collections::HashSet::new();
        for k in ErrorKind::ALL {
            assert!(seen.insert(k.as_str()));
            assert_eq!(ErrorKind::from_name(k.as_str()), Some(k));
        }
        assert_eq!(ErrorKind::from_name("nope"), None);
    }

    #[test]
    fn snippet_is_bounded_on_char_boundary() {
        let long = "é".repeat(1000);
        let s = snippet(&long);
        assert_eq!(s.chars().count(), SNIPPET_LIMIT + 1);
        assert_eq!(snippet("short"), "short");
    }

    #[test]
    fn retryable_kinds() {
        assert!(Error::new(ErrorKind::Transport, "x").is_retryable());
        assert!(Error::new(ErrorKind::Server, "x").with_status(503).is_retryable());
        assert!(!Error::new(ErrorKind::Server, "x").with_status(500).is_retryable());
        assert!(!Error::new(ErrorKind::Unauthorized, "x").is_retryable());
    }
}

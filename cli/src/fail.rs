//! The one failure type of the CLI: a core error kind, a one-line message and an exit code.

use ctt_core::{Error, ErrorKind};

/// Exit code of a run that worked.
pub const EXIT_OK: u8 = 0;
/// Exit code of an operation that failed (network, API, a failed consent, a bad callback…).
pub const EXIT_FAILED: u8 = 1;
/// Exit code of a usage error (bad flags, missing configuration, unreadable input file).
pub const EXIT_USAGE: u8 = 2;

/// Why a command stopped.
#[derive(Debug)]
pub struct Failure {
    pub kind: ErrorKind,
    pub message: String,
    pub exit: u8,
}

impl Failure {
    /// A usage error: the command line or the configuration is unusable (exit 2).
    pub fn usage(message: impl Into<String>) -> Self {
        Failure { kind: ErrorKind::InvalidInput, message: message.into(), exit: EXIT_USAGE }
    }

    /// An operation that failed (exit 1).
    pub fn failed(kind: ErrorKind, message: impl Into<String>) -> Self {
        Failure { kind, message: message.into(), exit: EXIT_FAILED }
    }

    /// The JSON shape of an error: `{"error": {"kind": …, "message": …}}`.
    pub fn to_json(&self) -> serde_json::Value {
        error_json(self.kind, &self.message)
    }
}

/// `{"error": {"kind": kind, "message": message}}`.
pub fn error_json(kind: ErrorKind, message: &str) -> serde_json::Value {
    serde_json::json!({ "error": { "kind": kind.as_str(), "message": one_line(message) } })
}

/// The message on one line (newlines become spaces).
pub fn one_line(message: &str) -> String {
    message.split_whitespace().collect::<Vec<_>>().join(" ")
}

impl From<Error> for Failure {
    /// Core errors keep their kind. A local invalid-input error (no HTTP status: a value given
    /// on the command line was refused before anything was sent) is a usage error.
    fn from(e: Error) -> Self {
        let exit = if e.kind() == ErrorKind::InvalidInput && e.status().is_none() {
            EXIT_USAGE
        } else {
            EXIT_FAILED
        };
        Failure { kind: e.kind(), message: e.message().to_owned(), exit }
    }
}

/// Shorthand for command results: the exit code on success paths (0, or 1 for an operation that
/// completed but reported a failure, such as a denied consent).
pub type Outcome = Result<u8, Failure>;

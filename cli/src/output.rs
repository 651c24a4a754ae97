//! Printing: human text or one JSON document per line on stdout; errors on stderr.

use std::io::Write;

use clap::ValueEnum;
use ctt_core::escape_control;
use serde_json::Value;

use crate::fail::{one_line, Failure};

/// `--output`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Human-readable text.
    Text,
    /// One JSON document per line (JSON lines), for scripts.
    Json,
}

/// Where results go.
#[derive(Debug, Clone, Copy)]
pub struct Out {
    pub format: Format,
}

impl Out {
    pub fn json(&self) -> bool {
        self.format == Format::Json
    }

    /// Prints `json` in JSON mode, otherwise the text `text` builds.
    pub fn emit(&self, json: &Value, text: impl FnOnce() -> String) {
        if self.json() {
            line(&json.to_string());
        } else {
            line(&text());
        }
    }

    /// A progress note for humans: on stderr, and only in text mode.
    pub fn note(&self, text: &str) {
        if !self.json() {
            eprintln_safe(text);
        }
    }

    /// Reports a failure: one human line on stderr, plus the error object on stdout in JSON mode.
    pub fn error(&self, f: &Failure) {
        if self.json() {
            line(&f.to_json().to_string());
        }
        eprintln_safe(&format!("ctt: error: {}: {}", f.kind, one_line(&f.message)));
    }
}

/// Writes one line to stdout, ignoring a closed pipe (`ctt … | head`).
pub fn line(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

/// Writes one line to stderr, ignoring failures.
pub fn eprintln_safe(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

/// A one-paragraph human rendering of an event's JSON (see `CallbackEvent::to_json`).
pub fn event_text(ev: &Value) -> String {
    // Every string here comes from a callback: escape control characters before printing.
    let s = |v: &Value| v.as_str().map(|t| escape_control(t).into_owned());
    let kind = ev["kind"].as_str().unwrap_or("?");
    let mut text = match kind {
        "authenticated" => {
            let user = s(&ev["user"]["displayable_id"]).or_else(|| s(&ev["claims"]["upn"]));
            let mut t = format!("authenticated: {}", user.unwrap_or_else(|| "unknown user".into()));
            if let Some(tid) = s(&ev["tenant_id"]) {
                t.push_str(&format!("\n  tenant: {tid}"));
            }
            if let Some(org) = s(&ev["organization"]).or_else(|| s(&ev["organization"]["name"])) {
                t.push_str(&format!("\n  organization: {org}"));
            }
            if let Some(exp) = ev["expires_at"].as_i64() {
                t.push_str(&format!("\n  expires at: {exp} (unix seconds, from {})", ev["expiry_source"]));
            }
            t.push_str(&format!("\n  access token: {}", s(&ev["access_token"]).unwrap_or_default()));
            t
        }
        _ => format!("{}: {}", escape_control(kind), s(&ev["message"]).unwrap_or_default()),
    };
    if let Some(st) = ev["state"].as_object() {
        text.push_str(&format!(
            "\n  state: verified, {} for {:?}",
            st["action_type"].as_str().unwrap_or("?"),
            st["enterprise_name"].as_str().unwrap_or("?")
        ));
    }
    text
}

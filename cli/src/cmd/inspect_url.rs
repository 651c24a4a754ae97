//! `ctt inspect-url URL`.

use ctt_core::{inspect_consent_url, ConsentUrl};
use serde_json::{json, Value};

use crate::config::Global;
use crate::fail::{Outcome, EXIT_OK};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The consent URL (as printed by `ctt action-url`).
    url: String,
}

pub fn run(args: Args, g: &Global) -> Outcome {
    let consent = inspect_consent_url(&args.url)?;
    g.out().emit(&consent_json(&consent), || consent_text(&consent));
    Ok(EXIT_OK)
}

/// The JSON shape of an inspected consent URL.
pub fn consent_json(c: &ConsentUrl) -> Value {
    json!({
        "url": c.url,
        "host": c.host,
        "is_authorize": c.is_authorize,
        "client_id": c.client_id,
        "response_type": c.response_type,
        "response_mode": c.response_mode,
        "scopes": c.scopes,
        "state": c.state,
        "nonce": c.nonce,
        "redirect_uri": c.redirect_uri,
    })
}

pub fn consent_text(c: &ConsentUrl) -> String {
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    format!(
        "host: {}{}\nclient id: {}\nscopes: {}\nredirect uri: {}\nresponse: {} via {}",
        c.host,
        if c.is_authorize { " (OAuth2 authorize endpoint)" } else { "" },
        opt(&c.client_id),
        if c.scopes.is_empty() { "-".into() } else { c.scopes.join(" ") },
        opt(&c.redirect_uri),
        opt(&c.response_type),
        opt(&c.response_mode),
    )
}

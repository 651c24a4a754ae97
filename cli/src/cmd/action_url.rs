//! `ctt action-url --type T --enterprise NAME --redirect-url URL [--qr] [--qr-png FILE]`.

use std::path::PathBuf;

use ctt_core::{ActionType, ActionUrl, ActionUrlRequest};
use serde_json::{json, Value};

use super::inspect_url::consent_json;
use crate::config::{parse_action_type, Global};
use crate::fail::{Outcome, EXIT_OK};
use crate::qr;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The action type (e.g. REGISTRATION, GET_USER_SYNC_CONSENT; any case).
    #[arg(long = "type", value_parser = parse_action_type)]
    action_type: ActionType,
    /// The enterprise's name.
    #[arg(long)]
    enterprise: String,
    /// Your webhook: where the outcome is delivered.
    #[arg(long)]
    redirect_url: String,
    /// Also print the URL as a QR code (for a terminal with a dark background).
    #[arg(long)]
    qr: bool,
    /// Also write the URL as a QR code PNG to FILE.
    #[arg(long, value_name = "FILE")]
    qr_png: Option<PathBuf>,
}

pub async fn run(args: Args, g: &Global) -> Outcome {
    let mut request = ActionUrlRequest::new(args.action_type, &args.enterprise, &args.redirect_url);
    if let Some((signer, placement)) = g.signer()? {
        request = request.with_state(signer, placement);
    }
    // Check the request before asking for credentials, so a bad value is reported as such.
    request.prepare()?;
    let url = g.client()?.get_action_item_url(&request).await?;
    if let Some(path) = &args.qr_png {
        qr::write_png(&url.url, path)?;
    }
    let doc = action_url_json(args.action_type, &args.enterprise, &url);
    g.out().emit(&doc, || {
        let mut t = url.url.clone();
        if args.qr {
            t.push('\n');
            t.push_str(&qr::terminal(&url.url).unwrap_or_else(|f| format!("(no QR code: {})", f.message)));
        }
        t
    });
    if let Some(path) = &args.qr_png {
        g.out().note(&format!("QR code written to {}", path.display()));
    }
    Ok(EXIT_OK)
}

/// The JSON shape of an action URL.
pub fn action_url_json(t: ActionType, enterprise: &str, url: &ActionUrl) -> Value {
    json!({
        "action_type": t.as_str(),
        "enterprise_name": enterprise.trim(),
        "url": url.url,
        "redirect_url": url.redirect_url,
        "state_token": url.state_token,
        "consent": consent_json(&url.consent()),
    })
}

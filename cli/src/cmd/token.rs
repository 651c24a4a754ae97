//! `ctt token [--show-secret]`.

use ctt_core::{Secret, REDACTED};
use serde_json::json;

use crate::config::Global;
use crate::fail::{Outcome, EXIT_OK};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print the access and refresh tokens instead of [REDACTED].
    #[arg(long)]
    show_secret: bool,
}

pub async fn run(args: Args, g: &Global) -> Outcome {
    let token = g.client()?.fetch_token().await?;
    let shown = |s: &Secret| if args.show_secret { s.expose().to_owned() } else { REDACTED.to_owned() };
    let doc = json!({
        "access_token": shown(&token.token),
        "token_type": token.token_type,
        "expires_in": token.expires_in.map(|d| d.as_secs()),
        "refresh_token": token.refresh_token.as_ref().map(shown),
        "scope": token.scope,
    });
    g.out().emit(&doc, || {
        let mut t = format!("access token: {}\ntoken type: {}", shown(&token.token), token.token_type);
        if let Some(e) = token.expires_in {
            t.push_str(&format!("\nexpires in: {} s", e.as_secs()));
        }
        if let Some(r) = &token.refresh_token {
            t.push_str(&format!("\nrefresh token: {}", shown(r)));
        }
        if let Some(s) = &token.scope {
            t.push_str(&format!("\nscope: {s}"));
        }
        t
    });
    Ok(EXIT_OK)
}

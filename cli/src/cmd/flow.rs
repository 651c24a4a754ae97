//! `ctt flow --type T --enterprise NAME --bind ADDR --public-url URL`: the real job. Gets the
//! action URL (with a state token), shows it (and a QR code), waits for the callback and prints
//! the outcome. Exit 0 on success, 1 on a failed consent, an error or no callback in time.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use ctt_core::{ActionType, ActionUrlRequest, CallbackHandler, ErrorKind, FlowSigner};
use ctt_server::{Listener, ListenerConfig};
use serde_json::json;

use super::action_url::action_url_json;
use super::stop::{self, Stop};
use crate::config::{parse_action_type, Global};
use crate::fail::{Failure, Outcome, EXIT_FAILED, EXIT_OK};
use crate::output::{eprintln_safe, event_text};
use crate::qr;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The action type.
    #[arg(long = "type", value_parser = parse_action_type)]
    action_type: ActionType,
    /// The enterprise's name.
    #[arg(long)]
    enterprise: String,
    /// Where the callback listener binds.
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// The public URL that reaches the listener (your webhook, e.g. through a tunnel); its path
    /// is the path the listener serves.
    #[arg(long, value_name = "URL")]
    public_url: String,
    /// Print the URL as a QR code too.
    #[arg(long)]
    qr: bool,
    /// Write the URL as a QR code PNG to FILE.
    #[arg(long, value_name = "FILE")]
    qr_png: Option<PathBuf>,
    /// Give up after this many seconds without a callback.
    #[arg(long, default_value_t = 900)]
    wait: u64,
}

pub async fn run(args: Args, g: &Global) -> Outcome {
    let public = url_path(&args.public_url)?;
    // The flow signs and verifies in this process: the configured key, or a fresh one.
    let signer = match g.signer()? {
        Some((s, _)) => s,
        None => FlowSigner::new(&stop::random_key())?.with_memory_replay_guard(),
    };
    let placement = g.placement();
    let request = ActionUrlRequest::new(args.action_type, &args.enterprise, &args.public_url)
        .with_state(signer.clone(), placement.clone());
    request.prepare()?;
    let client = g.client()?;
    let config = ListenerConfig {
        bind: args.bind,
        path: public,
        handler: CallbackHandler::new().with_state(signer, placement),
        ..ListenerConfig::default()
    };
    let mut stop = Stop::install();
    let (listener, mut events) = Listener::start_with_channel(config).await?;
    let out = g.out();
    let url = match client.get_action_item_url(&request).await {
        Ok(u) => u,
        Err(e) => {
            listener.shutdown().await;
            return Err(e.into());
        }
    };
    if let Some(path) = &args.qr_png {
        qr::write_png(&url.url, path)?;
    }
    out.emit(&json!({"step": "action_url", "action_url": action_url_json(args.action_type, &args.enterprise, &url)}), || {
        let mut t = format!("Open this URL as the Global Admin of {}:\n{}", args.enterprise.trim(), url.url);
        if args.qr {
            t.push('\n');
            t.push_str(&qr::terminal(&url.url).unwrap_or_else(|f| format!("(no QR code: {})", f.message)));
        }
        t
    });
    eprintln_safe(&format!(
        "ctt: waiting for the callback on {} (up to {} s)…",
        listener.local_addr(),
        args.wait
    ));
    let outcome = tokio::select! {
        ev = events.recv() => ev,
        _ = tokio::time::sleep(Duration::from_secs(args.wait)) => None,
        _ = stop.wait() => None,
    };
    listener.shutdown().await;
    let event = outcome.ok_or_else(|| {
        Failure::failed(ErrorKind::Timeout, format!("no valid callback arrived within {} s", args.wait))
    })?;
    let doc = event.to_json();
    out.emit(&json!({"step": "callback", "event": doc}), || event_text(&doc));
    Ok(if event.is_success() { EXIT_OK } else { EXIT_FAILED })
}

/// The path of the public URL, which the listener must serve.
fn url_path(public_url: &str) -> Result<String, Failure> {
    let url = ctt_core::validate_redirect_url(public_url)?;
    Ok(url.path().to_owned())
}

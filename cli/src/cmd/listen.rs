//! `ctt listen --bind ADDR [--path P] [--count N]`: prints callback events as they arrive.

use std::net::SocketAddr;

use ctt_core::CallbackHandler;
use ctt_server::{Listener, ListenerConfig};

use super::stop::Stop;
use crate::config::Global;
use crate::fail::{Outcome, EXIT_OK};
use crate::output::{eprintln_safe, event_text};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8080")]
    bind: SocketAddr,
    /// The callback path (`PATH/<token>` is served too, for state tokens in the path).
    #[arg(long, default_value = "/callback")]
    path: String,
    /// Send the Global Admin's browser here after a successful consent (instead of a page).
    #[arg(long, value_name = "URL")]
    success_redirect: Option<String>,
    /// Send the Global Admin's browser here after a failed consent.
    #[arg(long, value_name = "URL")]
    failure_redirect: Option<String>,
    /// Exit after this many events (default: run until Ctrl-C or SIGTERM).
    #[arg(long)]
    count: Option<u64>,
}

pub async fn run(args: Args, g: &Global) -> Outcome {
    let mut handler = CallbackHandler::new();
    if let Some((signer, placement)) = g.signer()? {
        handler = handler.with_state(signer, placement);
    }
    let config = ListenerConfig {
        bind: args.bind,
        path: args.path,
        handler,
        success_redirect: args.success_redirect,
        failure_redirect: args.failure_redirect,
        ..ListenerConfig::default()
    };
    let mut stop = Stop::install();
    let (listener, mut events) = Listener::start_with_channel(config).await?;
    // Always on stderr, so that stdout carries only events (one JSON document per line).
    eprintln_safe(&format!("ctt: listening on {} (Ctrl-C to stop)", listener.callback_url()));
    let out = g.out();
    let mut seen = 0u64;
    loop {
        if args.count.is_some_and(|n| seen >= n) {
            break;
        }
        tokio::select! {
            event = events.recv() => match event {
                Some(ev) => {
                    let doc = ev.to_json();
                    out.emit(&doc, || event_text(&doc));
                    seen += 1;
                }
                None => break,
            },
            _ = stop.wait() => break,
        }
    }
    listener.shutdown().await;
    Ok(EXIT_OK)
}

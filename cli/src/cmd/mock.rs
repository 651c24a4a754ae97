//! `ctt mock --bind ADDR [--fault ENDPOINT=SPEC]… [--decision D]`: runs the embedded mock API.

use std::net::SocketAddr;

use ctt_server::mock::{DEMO_CLIENT_ID, DEMO_USERNAME};
use ctt_server::{fault_flag, Decision, Endpoint, Fault, MockAccount, MockConfig, MockServer};
use serde_json::json;

use super::stop::Stop;
use crate::config::Global;
use crate::fail::{Outcome, EXIT_OK};
use crate::output::eprintln_safe;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:8787")]
    bind: SocketAddr,
    /// The base URL to put in action URLs when the mock is reached under another name.
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Queue a fault: ENDPOINT=SPEC with ENDPOINT token, action_url or authorize and SPEC
    /// status:CODE[:BODY], delay:MS, reset, close, truncate, garbage, rate_limit[:SECS] or html.
    /// Repeatable; faults are used in order, one per request.
    #[arg(long = "fault", value_name = "ENDPOINT=SPEC", value_parser = parse_fault)]
    faults: Vec<(Endpoint, Fault)>,
    /// What the simulated Global Admin does when the authorize URL names no decision.
    #[arg(long, default_value = "approve", value_parser = parse_decision)]
    decision: Decision,
    /// Answer getActionItemUrl with a JSON string instead of plain text.
    #[arg(long)]
    json_string: bool,
    /// Do not serve the /__ctt/… control API.
    #[arg(long)]
    no_control: bool,
}

fn parse_fault(s: &str) -> Result<(Endpoint, Fault), String> {
    fault_flag(s).map_err(|e| e.message().to_owned())
}

fn parse_decision(s: &str) -> Result<Decision, String> {
    Decision::from_name(s).map_err(|e| e.message().to_owned())
}

pub async fn run(args: Args, g: &Global) -> Outcome {
    let mut config = MockConfig {
        bind: Some(args.bind),
        public_url: args.public_url,
        json_string_answers: args.json_string,
        default_decision: args.decision,
        faults: args.faults,
        control_api: !args.no_control,
        ..MockConfig::default()
    };
    // The configured credentials, when complete, replace the demo account and token.
    if let (Some(id), Some(secret), Some(user), Some(pw)) =
        (&g.client_id, &g.client_secret, &g.username, &g.password)
    {
        config.accounts = vec![MockAccount::new(id.as_str(), secret.clone(), user.as_str(), pw.clone())];
    }
    if let Some(token) = &g.token {
        config.static_tokens = vec![token.clone()];
    }
    let account = config.accounts.first().map(|a| (a.client_id.clone(), a.username.clone()));
    let mut stop = Stop::install();
    let mock = MockServer::start(config).await?;
    let (client_id, username) = account.unwrap_or((DEMO_CLIENT_ID.into(), DEMO_USERNAME.into()));
    let doc = json!({
        "base_url": mock.base_url(),
        "client_id": client_id,
        "username": username,
        "control_api": !args.no_control,
    });
    g.out().emit(&doc, || {
        format!(
            "mock ConnectToTeams API at {}\n  client id: {client_id}\n  username: {username}\n  \
             (secrets: the demo values in cli/README.md, or the ones you configured)",
            mock.base_url()
        )
    });
    eprintln_safe("ctt: mock running (Ctrl-C to stop)");
    stop.wait().await;
    mock.shutdown().await;
    Ok(EXIT_OK)
}

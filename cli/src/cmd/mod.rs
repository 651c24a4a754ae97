//! One module per subcommand.

mod action_types;
mod action_url;
mod bulk;
mod demo;
mod flow;
mod inspect_url;
mod listen;
mod mock;
mod parse_callback;
mod stop;
mod token;

use clap::Subcommand;

use crate::config::Global;
use crate::fail::Outcome;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// The nine action types (requirement, services, callback style); with --services, the plan.
    ActionTypes(action_types::Args),
    /// Fetch an access token with the password grant (redacted unless --show-secret).
    Token(token::Args),
    /// Get the URL a Global Admin must open for one action (optionally as a QR code).
    ActionUrl(action_url::Args),
    /// Say what a consent URL asks for (client, scopes, redirect).
    InspectUrl(inspect_url::Args),
    /// Run the callback handler on a recorded request and print the event.
    ParseCallback(parse_callback::Args),
    /// Action URLs for many enterprises from a CSV file (bounded concurrency, one row each).
    Bulk(bulk::Args),
    /// Receive callbacks and print each event (JSON lines with --output json).
    Listen(listen::Args),
    /// Run the embedded mock of the ConnectToTeams API (with optional faults).
    Mock(mock::Args),
    /// The real job: get the URL (with a state token), show it, wait for the callback.
    Flow(flow::Args),
    /// Walk every action type end to end against the embedded mock and a listener.
    Demo(demo::Args),
}

pub async fn run(command: Command, g: &Global) -> Outcome {
    match command {
        Command::ActionTypes(a) => action_types::run(a, g),
        Command::Token(a) => token::run(a, g).await,
        Command::ActionUrl(a) => action_url::run(a, g).await,
        Command::InspectUrl(a) => inspect_url::run(a, g),
        Command::ParseCallback(a) => parse_callback::run(a, g),
        Command::Bulk(a) => bulk::run(a, g).await,
        Command::Listen(a) => listen::run(a, g).await,
        Command::Mock(a) => mock::run(a, g).await,
        Command::Flow(a) => flow::run(a, g).await,
        Command::Demo(a) => demo::run(a, g).await,
    }
}

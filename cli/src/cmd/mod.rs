//! One module per subcommand.

mod action_types;
mod action_url;
mod bulk;
mod inspect_url;
mod parse_callback;
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
}

pub async fn run(command: Command, g: &Global) -> Outcome {
    match command {
        Command::ActionTypes(a) => action_types::run(a, g),
        Command::Token(a) => token::run(a, g).await,
        Command::ActionUrl(a) => action_url::run(a, g).await,
        Command::InspectUrl(a) => inspect_url::run(a, g),
        Command::ParseCallback(a) => parse_callback::run(a, g),
        Command::Bulk(a) => bulk::run(a, g).await,
    }
}

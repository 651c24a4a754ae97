//! Options every subcommand shares: output format, API endpoint, credentials, state key.
//! Each comes from a flag or from its `CTT_…` environment variable; secrets are never echoed
//! (not even by `--help`).

use std::time::Duration;

use clap::Args;
use ctt_core::{ActionType, Client, FlowSigner, Secret, StatePlacement, DEFAULT_BASE_URL};

use crate::fail::Failure;
use crate::output::{Format, Out};

#[derive(Debug, Args)]
pub struct Global {
    /// Output format: human text, or one JSON document per line.
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub output: Format,

    /// The API's base URL.
    #[arg(long, global = true, env = "CTT_BASE_URL", default_value = DEFAULT_BASE_URL)]
    pub base_url: String,

    /// OAuth client id (password grant).
    #[arg(long, global = true, env = "CTT_CLIENT_ID")]
    pub client_id: Option<String>,

    /// OAuth client secret (password grant). Prefer the environment variable.
    #[arg(long, global = true, env = "CTT_CLIENT_SECRET", hide_env_values = true, value_parser = secret)]
    pub client_secret: Option<Secret>,

    /// The service provider's user name (password grant).
    #[arg(long, global = true, env = "CTT_USERNAME")]
    pub username: Option<String>,

    /// The service provider's password (password grant). Prefer the environment variable.
    #[arg(long, global = true, env = "CTT_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub password: Option<Secret>,

    /// A bearer token obtained elsewhere (instead of the password grant).
    #[arg(long, global = true, env = "CTT_TOKEN", hide_env_values = true, value_parser = secret)]
    pub token: Option<Secret>,

    /// The state-token key (at least 32 bytes): signs the redirect URL and verifies callbacks.
    #[arg(long, global = true, env = "CTT_STATE_KEY", hide_env_values = true, value_parser = secret)]
    pub state_key: Option<Secret>,

    /// Where the state token travels in the redirect URL.
    #[arg(long, global = true, value_enum, default_value_t = Placement::Query)]
    pub state_placement: Placement,

    /// Deadline of one API call in seconds, token fetch and retries included.
    #[arg(long, global = true, default_value_t = 30.0, value_parser = parse_seconds)]
    pub timeout: f64,
}

/// `--state-placement`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Placement {
    /// A `ctt_state` query parameter.
    Query,
    /// The last path segment of the redirect URL.
    Path,
}

impl Global {
    pub fn out(&self) -> Out {
        Out { format: self.output }
    }

    /// A client with the configured credentials: `CTT_TOKEN`, or else the four password-grant
    /// values. Missing credentials are a usage error.
    pub fn client(&self) -> Result<Client, Failure> {
        let builder = Client::builder()
            .base_url(self.base_url.clone())
            .timeout(Duration::from_secs_f64(self.timeout))
            .connect_timeout(Duration::from_secs_f64(self.timeout.min(10.0)));
        let builder =
            match (&self.token, &self.client_id, &self.client_secret, &self.username, &self.password) {
                (Some(t), ..) if !t.is_empty() => builder.bearer_token(t.clone()),
                (_, Some(id), Some(secret), Some(user), Some(pw)) => {
                    builder.password_grant(id.as_str(), secret.clone(), user.as_str(), pw.clone())
                }
                _ => {
                    return Err(Failure::usage(
                        "no credentials: set CTT_TOKEN (or --token), or CTT_CLIENT_ID, CTT_CLIENT_SECRET, \
                     CTT_USERNAME and CTT_PASSWORD (or their flags)",
                    ))
                }
            };
        Ok(builder.build()?)
    }

    /// The state signer, when a state key is configured.
    pub fn signer(&self) -> Result<Option<(FlowSigner, StatePlacement)>, Failure> {
        match &self.state_key {
            None => Ok(None),
            Some(key) => {
                let signer = FlowSigner::new(key.expose().as_bytes())?.with_memory_replay_guard();
                Ok(Some((signer, self.placement())))
            }
        }
    }

    pub fn placement(&self) -> StatePlacement {
        match self.state_placement {
            Placement::Query => StatePlacement::default(),
            Placement::Path => StatePlacement::PathSegment,
        }
    }
}

/// Wraps a secret flag value at once, so that `Debug` of the options never shows it.
fn secret(s: &str) -> Result<Secret, String> {
    Ok(Secret::new(s))
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() && v > 0.0 && v <= 86_400.0 => Ok(v),
        _ => Err("expected a number of seconds greater than 0 (at most 86400)".into()),
    }
}

/// Parses an action type: the wire name in any case, `-` accepted for `_`.
pub fn parse_action_type(s: &str) -> Result<ActionType, String> {
    ActionType::from_wire(&s.trim().to_ascii_uppercase().replace('-', "_"))
        .map_err(|e| e.message().to_owned())
}

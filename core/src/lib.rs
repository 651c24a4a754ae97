//! # ctt-core
//!
//! The whole behaviour of the ConnectToTeams enterprise consent flow, once, for every language:
//!
//! 1. [`Client::get_action_item_url`] asks `POST /enterprise/getActionItemUrl` for the URL a
//!    Global Admin must open, after [validating](validate_redirect_url) the request;
//! 2. [`inspect_consent_url`] says what that URL asks for;
//! 3. [`CallbackHandler`] turns what reaches the `redirectUrl` (a JSON POST after registration and
//!    login, a `?success=`/`?error=` redirect after a consent) into a [`CallbackEvent`],
//!    verifying the [`FlowSigner`] state token that ties it to its request.
//!
//! [`ActionType`] knows the nine action types and [`ConsentPlan`] which of them an enterprise
//! needs. Every failure is an [`Error`] with a stable [`ErrorKind`]. Tokens, secrets and
//! passwords are [`Secret`]s: redacted when formatted, wiped when dropped.
//!
//! The crate has no global state, prints nothing (it logs through `tracing`) and knows nothing
//! of its callers; the C, Python, Kotlin and Swift bindings only translate it.
//!
//! ```
//! use ctt_core::{ActionType, CallbackHandler, CallbackRequest, EventKind, FlowSigner, StatePlacement};
//!
//! let signer = FlowSigner::new(&[42u8; 32])?;
//! let token = signer.issue(ActionType::UserSyncConsent, "AcmeCorp")?;
//! let handler = CallbackHandler::new().with_state(signer, StatePlacement::default());
//! let target = format!("/callback?ctt_state={token}&success=User Sync Consent Completed Successfully");
//! let event = handler.handle(&CallbackRequest::new("GET", &target))?;
//! assert_eq!(event.kind(), EventKind::ConsentSucceeded);
//! assert_eq!(event.state().unwrap().enterprise_name, "AcmeCorp");
//! # Ok::<(), ctt_core::Error>(())
//! ```

pub mod action;
pub mod callback;
pub mod client;
pub mod error;
pub mod plan;
pub mod response;
pub mod secret;
pub mod state;
pub mod text;
pub mod validate;

pub use action::{ActionType, CallbackStyle, Requirement, Service};
pub use callback::auth_result::{
    parse_authentication_result, parse_authentication_result_at, AuthenticationResult, OfficeUserType,
    UserInfo,
};
pub use callback::expiry::{derive_expiry, Expiry, ExpirySource};
pub use callback::handler::{CallbackHandler, CallbackRequest, DEFAULT_BODY_LIMIT};
pub use callback::jwt::{decode_claims, TokenClaims};
pub use callback::redirect::{parse_consent_redirect, parse_query_lenient, ConsentOutcome, ConsentRedirect};
pub use callback::{CallbackEvent, EventKind};
pub use client::{
    AccessToken, ActionUrlRequest, BlockingClient, Client, ClientBuilder, Credentials, RetryPolicy,
    DEFAULT_BASE_URL, USER_AGENT,
};
pub use error::{Error, ErrorKind, Result};
pub use plan::{ConsentPlan, ConsentProgress, PlanStep, StepStatus};
pub use response::{
    inspect_consent_url, parse_action_url_response, parse_retry_after, ActionUrl, ConsentUrl,
};
pub use secret::{Secret, REDACTED};
pub use state::{
    FlowSigner, FlowState, MemoryReplayGuard, Rejection, ReplayGuard, StatePlacement, DEFAULT_STATE_PARAM,
};
pub use text::escape_control;
pub use validate::{validate_enterprise_name, validate_redirect_url};

/// The crate version.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

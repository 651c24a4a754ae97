//! Action types and their metadata, the consent plan, consent URLs and action-URL answers.

use std::sync::Mutex;
use std::time::Duration;

use crate::error::Result;

/// Declares a foreign enum mirroring a fieldless core enum, with conversions both ways.
macro_rules! mirror_enum {
    ($(#[$m:meta])* $name:ident => $core:path { $($(#[$vm:meta])* $v:ident),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name { $($(#[$vm])* $v),+ }

        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                use $core as C;
                #[allow(unreachable_patterns)]
                match v { $(C::$v => $name::$v,)+ _ => unreachable!("unmapped variant") }
            }
        }

        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                use $core as C;
                match v { $($name::$v => C::$v),+ }
            }
        }
    };
}

mirror_enum! {
    /// An `actionType` of `POST /enterprise/getActionItemUrl`.
    ActionType => ctt_core::ActionType {
        /// `REGISTRATION`.
        Registration,
        /// `LOGIN_ENTERPRISE_ADMIN`.
        LoginEnterpriseAdmin,
        /// `GET_USER_SYNC_CONSENT`.
        UserSyncConsent,
        /// `GET_PRESENCE_CONSENT`.
        PresenceConsent,
        /// `GET_CALL_APP_CONSENT`.
        CallAppConsent,
        /// `GET_CONTACTS_CONSENT`.
        ContactsConsent,
        /// `GET_CDR_CONSENT`.
        CdrConsent,
        /// `GET_CALL_RECORDING_CONSENT`.
        CallRecordingConsent,
        /// `GET_SERVICE_PROVIDER_MANAGEMENT_CONSENT`.
        ServiceProviderManagementConsent,
    }
}

mirror_enum! {
    /// A ConnectToTeams service.
    Service => ctt_core::Service { PbxConnector, SmsConnector, CallAppAddon, CallRecordingAddon }
}

mirror_enum! {
    /// How the reference classifies an action type.
    Requirement => ctt_core::Requirement { FlowStep, Required, RequiredForServices, Optional }
}

mirror_enum! {
    /// How an action's outcome reaches the `redirectUrl`.
    CallbackStyle => ctt_core::CallbackStyle { JsonPost, QueryRedirect }
}

mirror_enum! {
    /// The stable classification of every failure.
    ErrorKind => ctt_core::ErrorKind {
        InvalidInput, Unauthorized, Forbidden, NotFound, RateLimited, Server, UnexpectedStatus,
        Transport, Timeout, MalformedResponse, MalformedCallback, MethodNotAllowed,
        PayloadTooLarge, StateRejected, Internal,
    }
}

mirror_enum! {
    /// Why a state token was refused.
    Rejection => ctt_core::Rejection { Missing, Malformed, BadSignature, UnknownKey, Expired, FromTheFuture, Replayed }
}

mirror_enum! {
    /// The three kinds of callback event.
    EventKind => ctt_core::EventKind { Authenticated, ConsentSucceeded, ConsentFailed }
}

mirror_enum! {
    /// Where an expiry instant came from.
    ExpirySource => ctt_core::ExpirySource { JwtExp, EpochSeconds, EpochMillis, EpochMicros, DurationSeconds, Unknown }
}

#[uniffi::export]
impl ActionType {
    /// The exact wire name (`GET_USER_SYNC_CONSENT`).
    pub fn wire_name(&self) -> String {
        ctt_core::ActionType::from(*self).as_str().to_owned()
    }

    /// A stable small integer (0–8, reference order).
    pub fn code(&self) -> u8 {
        ctt_core::ActionType::from(*self).code()
    }

    /// How the reference classifies it.
    pub fn requirement(&self) -> Requirement {
        ctt_core::ActionType::from(*self).requirement().into()
    }

    /// The services it serves.
    pub fn services(&self) -> Vec<Service> {
        ctt_core::ActionType::from(*self).services().iter().map(|&s| s.into()).collect()
    }

    /// How its outcome reaches the `redirectUrl`.
    pub fn callback_style(&self) -> CallbackStyle {
        ctt_core::ActionType::from(*self).callback_style().into()
    }

    /// One line saying what the Global Admin does with the URL.
    pub fn description(&self) -> String {
        ctt_core::ActionType::from(*self).description().to_owned()
    }
}

/// All nine action types, in the order of the reference table.
#[uniffi::export]
pub fn all_action_types() -> Vec<ActionType> {
    ctt_core::ActionType::ALL.iter().map(|&t| t.into()).collect()
}

/// The action type with this exact wire name (`InvalidInput` naming `actionType` otherwise).
#[uniffi::export]
pub fn action_type_from_wire(name: String) -> Result<ActionType> {
    Ok(ctt_core::ActionType::from_wire(&name)?.into())
}

/// The action type with this code (0–8).
#[uniffi::export]
pub fn action_type_from_code(code: u8) -> Option<ActionType> {
    ctt_core::ActionType::from_code(code).map(Into::into)
}

#[uniffi::export]
impl Service {
    /// The stable snake_case name (`pbx_connector`).
    pub fn stable_name(&self) -> String {
        ctt_core::Service::from(*self).as_str().to_owned()
    }

    /// The product name (`PBX Connector`).
    pub fn display_name(&self) -> String {
        ctt_core::Service::from(*self).display_name().to_owned()
    }
}

/// All four services.
#[uniffi::export]
pub fn all_services() -> Vec<Service> {
    ctt_core::Service::ALL.iter().map(|&s| s.into()).collect()
}

/// Parses a service name (`pbx_connector`, also `pbx`, `call-recording`, any case).
#[uniffi::export]
pub fn service_from_name(name: String) -> Result<Service> {
    Ok(ctt_core::Service::from_name(&name)?.into())
}

#[uniffi::export]
impl Requirement {
    /// The stable snake_case name.
    pub fn stable_name(&self) -> String {
        ctt_core::Requirement::from(*self).as_str().to_owned()
    }
}

#[uniffi::export]
impl CallbackStyle {
    /// The stable snake_case name.
    pub fn stable_name(&self) -> String {
        ctt_core::CallbackStyle::from(*self).as_str().to_owned()
    }
}

#[uniffi::export]
impl ErrorKind {
    /// The stable snake_case name (`rate_limited`), as in the fixtures.
    pub fn stable_name(&self) -> String {
        ctt_core::ErrorKind::from(*self).as_str().to_owned()
    }
}

/// Every error kind, in the order of their C codes.
#[uniffi::export]
pub fn all_error_kinds() -> Vec<ErrorKind> {
    ctt_core::ErrorKind::ALL.iter().map(|&k| k.into()).collect()
}

#[uniffi::export]
impl Rejection {
    /// The stable snake_case name (`bad_signature`).
    pub fn stable_name(&self) -> String {
        ctt_core::Rejection::from(*self).as_str().to_owned()
    }
}

#[uniffi::export]
impl EventKind {
    /// The stable snake_case name (`consent_succeeded`).
    pub fn stable_name(&self) -> String {
        ctt_core::EventKind::from(*self).as_str().to_owned()
    }
}

#[uniffi::export]
impl ExpirySource {
    /// The stable snake_case name (`epoch_micros`).
    pub fn stable_name(&self) -> String {
        ctt_core::ExpirySource::from(*self).as_str().to_owned()
    }
}

// ---------------------------------------------------------------- plan

/// One step of a consent plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct PlanStep {
    /// The action to get a URL for.
    pub action_type: ActionType,
    /// Whether the enterprise can do without it.
    pub optional: bool,
}

impl From<ctt_core::PlanStep> for PlanStep {
    fn from(s: ctt_core::PlanStep) -> Self {
        PlanStep { action_type: s.action_type.into(), optional: s.optional }
    }
}

/// The ordered action types an enterprise needs for the services it uses.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct ConsentPlan(ctt_core::ConsentPlan);

fn core_services(services: &[Service]) -> Vec<ctt_core::Service> {
    services.iter().map(|&s| s.into()).collect()
}

#[uniffi::export]
impl ConsentPlan {
    /// The plan for an enterprise using `services`.
    #[uniffi::constructor]
    pub fn for_services(services: Vec<Service>) -> Self {
        ConsentPlan(ctt_core::ConsentPlan::for_services(&core_services(&services)))
    }

    /// The steps, in order.
    pub fn steps(&self) -> Vec<PlanStep> {
        self.0.steps().iter().map(|&s| s.into()).collect()
    }

    /// Whether `action_type` is part of the plan.
    pub fn contains(&self, action_type: ActionType) -> bool {
        self.0.contains(action_type.into())
    }
}

/// What happened to one step.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Enum)]
pub enum StepStatus {
    /// Not reported yet.
    Pending,
    /// Completed.
    Done,
    /// The last report was a failure.
    Failed { message: String },
}

impl From<ctt_core::StepStatus> for StepStatus {
    fn from(s: ctt_core::StepStatus) -> Self {
        match s {
            ctt_core::StepStatus::Pending => StepStatus::Pending,
            ctt_core::StepStatus::Done => StepStatus::Done,
            ctt_core::StepStatus::Failed(message) => StepStatus::Failed { message },
        }
    }
}

/// A failed step and its last message.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct FailedStep {
    pub action_type: ActionType,
    pub message: String,
}

/// Tracks a plan as callbacks arrive. Thread-safe.
#[derive(Debug, uniffi::Object)]
#[uniffi::export(Debug)]
pub struct ConsentProgress(Mutex<ctt_core::ConsentProgress>);

fn types(v: Vec<ctt_core::ActionType>) -> Vec<ActionType> {
    v.into_iter().map(Into::into).collect()
}

impl ConsentProgress {
    fn with<T>(&self, f: impl FnOnce(&mut ctt_core::ConsentProgress) -> T) -> T {
        let mut guard = self.0.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut guard)
    }
}

#[uniffi::export]
impl ConsentProgress {
    /// A tracker with every step pending.
    #[uniffi::constructor]
    pub fn new(plan: &ConsentPlan) -> Self {
        ConsentProgress(Mutex::new(ctt_core::ConsentProgress::new(plan.0.clone())))
    }

    /// Records a success; false (nothing recorded) for a type outside the plan.
    pub fn record_success(&self, action_type: ActionType) -> bool {
        self.with(|p| p.record_success(action_type.into()))
    }

    /// Records a failure; a step already done stays done.
    pub fn record_failure(&self, action_type: ActionType, message: String) -> bool {
        self.with(|p| p.record_failure(action_type.into(), message))
    }

    /// Records what a callback event says, when it carries a verified state token.
    pub fn record_event(&self, event: &crate::callback::CallbackEvent) -> bool {
        self.with(|p| p.record_event(&event.0))
    }

    /// The status of one step.
    pub fn status_of(&self, action_type: ActionType) -> StepStatus {
        self.with(|p| p.status_of(action_type.into()).into())
    }

    /// Completed steps, in plan order.
    pub fn done(&self) -> Vec<ActionType> {
        self.with(|p| types(p.done()))
    }

    /// Failed steps with their last message, in plan order.
    pub fn failed(&self) -> Vec<FailedStep> {
        self.with(|p| {
            p.failed().into_iter().map(|(t, message)| FailedStep { action_type: t.into(), message }).collect()
        })
    }

    /// Steps not done yet, in plan order.
    pub fn remaining(&self) -> Vec<ActionType> {
        self.with(|p| types(p.remaining()))
    }

    /// The first step not done yet.
    pub fn next(&self) -> Option<ActionType> {
        self.with(|p| p.next().map(Into::into))
    }

    /// Whether every non-optional step is done.
    pub fn is_complete(&self) -> bool {
        self.with(|p| p.is_complete())
    }
}

// ---------------------------------------------------------------- validation, URLs

/// Trims and checks an enterprise name; returns the trimmed name.
#[uniffi::export]
pub fn validate_enterprise_name(name: String) -> Result<String> {
    Ok(ctt_core::validate_enterprise_name(&name)?)
}

/// Checks a redirect (webhook) URL; returns it as given (trimmed).
#[uniffi::export]
pub fn validate_redirect_url(url: String) -> Result<String> {
    ctt_core::validate_redirect_url(&url)?;
    Ok(url.trim().to_owned())
}

/// A consent URL taken apart.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ConsentUrl {
    pub url: String,
    pub host: String,
    pub is_authorize: bool,
    pub client_id: Option<String>,
    pub response_type: Option<String>,
    pub response_mode: Option<String>,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub redirect_uri: Option<String>,
}

impl From<ctt_core::ConsentUrl> for ConsentUrl {
    fn from(c: ctt_core::ConsentUrl) -> Self {
        ConsentUrl {
            url: c.url,
            host: c.host,
            is_authorize: c.is_authorize,
            client_id: c.client_id,
            response_type: c.response_type,
            response_mode: c.response_mode,
            scopes: c.scopes,
            state: c.state,
            nonce: c.nonce,
            redirect_uri: c.redirect_uri,
        }
    }
}

/// Takes an action URL apart (absolute https, or http on loopback).
#[uniffi::export]
pub fn inspect_consent_url(url: String) -> Result<ConsentUrl> {
    Ok(ctt_core::inspect_consent_url(&url)?.into())
}

/// A successful `getActionItemUrl` answer.
#[derive(Debug, Clone, PartialEq, Eq, uniffi::Record)]
pub struct ActionUrl {
    /// The URL to show the Global Admin.
    pub url: String,
    /// The URL taken apart.
    pub consent: ConsentUrl,
    /// The redirect URL that was sent, state token included.
    pub redirect_url: String,
    /// The state token added to the redirect URL, if a signer was used.
    pub state_token: Option<String>,
}

impl From<ctt_core::ActionUrl> for ActionUrl {
    fn from(a: ctt_core::ActionUrl) -> Self {
        ActionUrl {
            consent: a.consent().into(),
            url: a.url,
            redirect_url: a.redirect_url,
            state_token: a.state_token,
        }
    }
}

/// Reads a `getActionItemUrl` answer (status, body, raw `Retry-After`).
#[uniffi::export]
pub fn parse_action_url_response(
    status: u16,
    body: String,
    retry_after: Option<String>,
) -> Result<ActionUrl> {
    Ok(ctt_core::parse_action_url_response(status, &body, retry_after.as_deref())?.into())
}

/// `Retry-After` as delta-seconds or an HTTP date.
#[uniffi::export]
pub fn parse_retry_after(value: String) -> Option<Duration> {
    ctt_core::parse_retry_after(&value)
}

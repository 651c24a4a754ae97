//! Callbacks: the handler, the event it produces, and the redirect and JSON parsers.

use std::ffi::{c_char, CString};
use std::sync::OnceLock;

use ctt_core::{
    AuthenticationResult, CallbackEvent, CallbackHandler, CallbackRequest, ConsentOutcome, ConsentRedirect,
    EventKind, ExpirySource, Secret, StatePlacement, TokenClaims,
};

use crate::error::*;
use crate::state::{ctt_flow_signer, ctt_flow_state, unix_time};

/// The three kinds of callback event.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ctt_event_kind {
    /// Registration or admin login: an MSAL authentication result arrived (JSON POST).
    CTT_EVENT_AUTHENTICATED = 0,
    /// A consent redirect with `success`.
    CTT_EVENT_CONSENT_SUCCEEDED = 1,
    /// A consent redirect with `error`.
    CTT_EVENT_CONSENT_FAILED = 2,
}

/// Where an authentication result's expiry came from (the rule is documented in ctt-core:
/// the JWT `exp` claim wins; else `expiresOn` by magnitude).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ctt_expiry_source {
    /// The access token's `exp` claim.
    CTT_EXPIRY_JWT_EXP = 0,
    /// `expiresOn` read as seconds since the epoch.
    CTT_EXPIRY_EPOCH_SECONDS = 1,
    /// `expiresOn` read as milliseconds since the epoch.
    CTT_EXPIRY_EPOCH_MILLIS = 2,
    /// `expiresOn` read as microseconds since the epoch.
    CTT_EXPIRY_EPOCH_MICROS = 3,
    /// `expiresOn` read as a duration in seconds from receipt.
    CTT_EXPIRY_DURATION_SECONDS = 4,
    /// Nothing usable.
    CTT_EXPIRY_UNKNOWN = 5,
}

#[derive(Debug)]
struct Consent {
    message: CString,
    error_code: Option<CString>,
    error_subcode: Option<CString>,
    path: CString,
    params: Vec<(CString, CString)>,
}

/// The plain strings of an authenticated event that getters point at.
#[derive(Debug, Clone, Copy)]
enum AuthField {
    AccessTokenType,
    Organization,
    OfficeUserType,
    TenantId,
    ResellerId,
    UserDisplayableId,
    UserIdentityProvider,
    UserTenantId,
    UserUniqueId,
    UserGivenName,
    UserFamilyName,
    ClaimTid,
    ClaimOid,
    ClaimUpn,
    ClaimPreferredUsername,
    ClaimAudience,
    ClaimIssuer,
}

const AUTH_FIELDS: usize = AuthField::ClaimIssuer as usize + 1;

/// Every [`AuthField`] of one result as C strings, NUL-terminated one after the other in a single
/// buffer (one allocation for all of them). `at[field]` is the offset of the field's first byte,
/// `usize::MAX` when the value is absent. Never mutated once built, so the pointers handed out
/// stay valid as long as the event.
#[derive(Debug)]
struct AuthStrings {
    buf: Vec<u8>,
    at: [usize; AUTH_FIELDS],
}

impl AuthStrings {
    fn of(r: &AuthenticationResult) -> AuthStrings {
        let u = r.user_info.as_ref();
        let c = r.claims.as_ref();
        // In `AuthField` order.
        let values: [Option<&str>; AUTH_FIELDS] = [
            r.access_token_type.as_deref(),
            r.organization.as_deref(),
            r.office_user_type.as_ref().map(|t| t.as_str()),
            r.effective_tenant_id(),
            r.reseller_id.as_deref(),
            u.and_then(|u| u.displayable_id.as_deref()),
            u.and_then(|u| u.identity_provider.as_deref()),
            u.and_then(|u| u.tenant_id.as_deref()),
            u.and_then(|u| u.unique_id.as_deref()),
            u.and_then(|u| u.given_name.as_deref()),
            u.and_then(|u| u.family_name.as_deref()),
            c.and_then(|c| c.tid.as_deref()),
            c.and_then(|c| c.oid.as_deref()),
            c.and_then(|c| c.upn.as_deref()),
            c.and_then(|c| c.preferred_username.as_deref()),
            c.and_then(|c| c.audience.as_deref()),
            c.and_then(|c| c.issuer.as_deref()),
        ];
        let mut at = [usize::MAX; AUTH_FIELDS];
        let mut buf = Vec::with_capacity(values.iter().flatten().map(|s| s.len() + 1).sum());
        for (slot, value) in at.iter_mut().zip(&values) {
            if let Some(s) = value {
                *slot = buf.len();
                // An interior NUL (JSON's `\u0000`; no valid input has one) is dropped, as
                // `cstring` drops it.
                if s.as_bytes().contains(&0) {
                    buf.extend(s.bytes().filter(|b| *b != 0));
                } else {
                    buf.extend_from_slice(s.as_bytes());
                }
                buf.push(0);
            }
        }
        AuthStrings { buf, at }
    }

    fn ptr(&self, f: AuthField) -> *const c_char {
        self.buf.get(self.at[f as usize]).map_or(std::ptr::null(), |b| std::ptr::from_ref(b).cast())
    }
}

/// The token's `scp` and `roles` claims as C strings.
#[derive(Debug, Default)]
struct ClaimLists {
    scopes: Vec<CString>,
    roles: Vec<CString>,
}

/// What a callback meant: an authentication result (registration, admin login) or a consent
/// outcome, with the verified flow state when the handler checks state tokens. Immutable: safe
/// to share between threads. Strings are borrowed from the handle (valid until
/// `ctt_event_free`); absent values read as NULL (strings) or `*out_present == false`. The
/// tokens are only reachable through `ctt_event_copy_*_token` and are wiped on free.
//
// Creating an event only wraps the core's event: the C strings (and the JSON text) are built at
// the first getter that needs them, each group once (`OnceLock`: two threads reading the same
// event at once both get the one value), and kept until the event is freed.
#[derive(Debug)]
pub struct ctt_event {
    event: CallbackEvent,
    kind: ctt_event_kind,
    json: OnceLock<CString>,
    consent: OnceLock<Consent>,
    auth: OnceLock<AuthStrings>,
    claim_lists: OnceLock<ClaimLists>,
    state: OnceLock<Option<ctt_flow_state>>,
}

fn consent_of(r: &ConsentRedirect) -> Consent {
    let (code, sub) = match &r.outcome {
        ConsentOutcome::Failed { error_code, error_subcode, .. } => {
            (error_code.as_deref(), error_subcode.as_deref())
        }
        ConsentOutcome::Succeeded { .. } => (None, None),
    };
    Consent {
        message: cstring(r.outcome.message()),
        error_code: opt_cstring(code),
        error_subcode: opt_cstring(sub),
        path: cstring(&r.path),
        params: r.params.iter().map(|(k, v)| (cstring(k), cstring(v))).collect(),
    }
}

impl ctt_event {
    pub(crate) fn from_core(event: CallbackEvent) -> ctt_event {
        let kind = match event.kind() {
            EventKind::Authenticated => ctt_event_kind::CTT_EVENT_AUTHENTICATED,
            EventKind::ConsentSucceeded => ctt_event_kind::CTT_EVENT_CONSENT_SUCCEEDED,
            EventKind::ConsentFailed => ctt_event_kind::CTT_EVENT_CONSENT_FAILED,
        };
        ctt_event {
            event,
            kind,
            json: OnceLock::new(),
            consent: OnceLock::new(),
            auth: OnceLock::new(),
            claim_lists: OnceLock::new(),
            state: OnceLock::new(),
        }
    }

    pub(crate) fn core(&self) -> &CallbackEvent {
        &self.event
    }

    fn result(&self) -> Option<&AuthenticationResult> {
        match &self.event {
            CallbackEvent::Authenticated { result, .. } => Some(result),
            CallbackEvent::Consent { .. } => None,
        }
    }

    fn consent(&self) -> Option<&Consent> {
        match &self.event {
            CallbackEvent::Consent { redirect, .. } => {
                Some(self.consent.get_or_init(|| consent_of(redirect)))
            }
            CallbackEvent::Authenticated { .. } => None,
        }
    }

    /// The pointer to an authenticated event's string, NULL when absent or for a consent event.
    fn auth_str(&self, f: AuthField) -> *const c_char {
        self.result().map_or(std::ptr::null(), |r| self.auth.get_or_init(|| AuthStrings::of(r)).ptr(f))
    }

    fn claims(&self) -> Option<&TokenClaims> {
        self.result().and_then(|r| r.claims.as_ref())
    }

    fn claim_lists(&self) -> &ClaimLists {
        self.claim_lists.get_or_init(|| {
            self.claims().map_or_else(ClaimLists::default, |c| ClaimLists {
                scopes: c.scopes.iter().map(|s| cstring(s)).collect(),
                roles: c.roles.iter().map(|s| cstring(s)).collect(),
            })
        })
    }
}

// ---- the handler -------------------------------------------------------------------------------

/// Turns what reaches the `redirectUrl` into events, verifying state tokens when a signer is
/// set. Configure it (`_set_*`) on one thread; after that `ctt_callback_handler_handle` may be
/// called from any number of threads at once.
#[derive(Debug)]
pub struct ctt_callback_handler {
    pub(crate) handler: CallbackHandler,
}

/// Creates a handler with a 64 KiB body limit and no state verification. Free with
/// `ctt_callback_handler_free`.
#[no_mangle]
pub unsafe extern "C" fn ctt_callback_handler_new(out: *mut *mut ctt_callback_handler) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_ptr(out, "out") }?;
        *out = into_handle(ctt_callback_handler { handler: CallbackHandler::new() });
        Ok(())
    })
}

/// Frees a handler. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_callback_handler_free(handler: *mut ctt_callback_handler) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(handler) })
}

/// Sets the body limit in bytes (larger bodies: `CTT_ERR_PAYLOAD_TOO_LARGE`).
#[no_mangle]
pub unsafe extern "C" fn ctt_callback_handler_set_body_limit(
    handler: *mut ctt_callback_handler,
    bytes: usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let h = unsafe { handle_mut(handler, "handler") }?;
        h.handler = h.handler.clone().with_body_limit(bytes);
        Ok(())
    })
}

/// Requires a valid state token from `signer` (copied) in the query parameter `param_name` of
/// every callback (`CTT_ERR_STATE_REJECTED` otherwise).
#[no_mangle]
pub unsafe extern "C" fn ctt_callback_handler_set_state_query(
    handler: *mut ctt_callback_handler,
    signer: *const ctt_flow_signer,
    param_name: *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (h, s, name) = unsafe {
            (handle_mut(handler, "handler")?, handle(signer, "signer")?, str_arg(param_name, "param_name")?)
        };
        if name.is_empty() {
            return Err(invalid("stateParam", "must not be empty"));
        }
        h.handler = h.handler.clone().with_state(s.signer.clone(), StatePlacement::Query(name.to_owned()));
        Ok(())
    })
}

/// Requires a valid state token from `signer` (copied) as the last path segment of every
/// callback.
#[no_mangle]
pub unsafe extern "C" fn ctt_callback_handler_set_state_path_segment(
    handler: *mut ctt_callback_handler,
    signer: *const ctt_flow_signer,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (h, s) = unsafe { (handle_mut(handler, "handler")?, handle(signer, "signer")?) };
        h.handler = h.handler.clone().with_state(s.signer.clone(), StatePlacement::PathSegment);
        Ok(())
    })
}

/// Handles one HTTP request as your web server received it: `method` (`"GET"`, `"POST"`, any
/// case), `url` (a full URL or the request target `/cb?success=…`), `content_type` (the header
/// value, `""` when absent) and the body (`body_len` bytes; pass `""` and 0 for none). GET with a
/// query → consent event; POST with JSON → authenticated event; POST with a form → consent
/// event. On success `*out` is a new event (free with `ctt_event_free`); otherwise a typed
/// error (`CTT_ERR_MALFORMED_CALLBACK`, `_METHOD_NOT_ALLOWED`, `_PAYLOAD_TOO_LARGE`,
/// `_STATE_REJECTED`).
#[no_mangle]
pub unsafe extern "C" fn ctt_callback_handler_handle(
    handler: *const ctt_callback_handler,
    method: *const c_char,
    url: *const c_char,
    content_type: *const c_char,
    body: *const u8,
    body_len: usize,
    out: *mut *mut ctt_event,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (h, method, url, ct, body, out) = unsafe {
            (
                handle(handler, "handler")?,
                str_arg(method, "method")?,
                str_arg(url, "url")?,
                str_arg(content_type, "content_type")?,
                bytes_arg(body, body_len, "body")?,
                out_ptr(out, "out")?,
            )
        };
        let ct = if ct.is_empty() { None } else { Some(ct) };
        let event = h.handler.handle(&CallbackRequest::new(method, url).with_body(ct, body))?;
        *out = into_handle(ctt_event::from_core(event));
        Ok(())
    })
}

// ---- parsers ---------------------------------------------------------------------------------

/// Parses a consent redirect from a full URL, a request target (`/cb?success=…`) or a bare
/// query, leniently (encoded or not, doubled `?`, `&` inside an unencoded message). On success
/// `*out` is a new consent event without state (free with `ctt_event_free`).
#[no_mangle]
pub unsafe extern "C" fn ctt_parse_consent_redirect(
    input: *const c_char,
    out: *mut *mut ctt_event,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (input, out) = unsafe { (str_arg(input, "input")?, out_ptr(out, "out")?) };
        let redirect = ctt_core::parse_consent_redirect(input)?;
        *out = into_handle(ctt_event::from_core(CallbackEvent::Consent { redirect, state: None }));
        Ok(())
    })
}

/// Parses the registration/login callback JSON (`body_len` bytes), received now. On success
/// `*out` is a new authenticated event without state (free with `ctt_event_free`).
#[no_mangle]
pub unsafe extern "C" fn ctt_parse_authentication_result(
    body: *const u8,
    body_len: usize,
    out: *mut *mut ctt_event,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (body, out) = unsafe { (bytes_arg(body, body_len, "body")?, out_ptr(out, "out")?) };
        let result = ctt_core::parse_authentication_result(body)?;
        *out = into_handle(ctt_event::from_core(CallbackEvent::Authenticated {
            result: Box::new(result),
            state: None,
        }));
        Ok(())
    })
}

/// Like `ctt_parse_authentication_result`, received at `received_at` (unix seconds; anchors an
/// `expiresOn` that is a duration).
#[no_mangle]
pub unsafe extern "C" fn ctt_parse_authentication_result_at(
    body: *const u8,
    body_len: usize,
    received_at: i64,
    out: *mut *mut ctt_event,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (body, out) = unsafe { (bytes_arg(body, body_len, "body")?, out_ptr(out, "out")?) };
        let result = ctt_core::parse_authentication_result_at(body, unix_time(received_at))?;
        *out = into_handle(ctt_event::from_core(CallbackEvent::Authenticated {
            result: Box::new(result),
            state: None,
        }));
        Ok(())
    })
}

// ---- the event -------------------------------------------------------------------------------

/// Frees an event, wiping the tokens it holds. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_free(event: *mut ctt_event) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(event) })
}

/// Sets `*out` to the event's kind.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_get_kind(event: *const ctt_event, out: *mut ctt_event_kind) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, out) = unsafe { (handle(event, "event")?, out_val(out, "out")?) };
        *out = e.kind;
        Ok(())
    })
}

/// Sets `*out` to whether the flow step succeeded (every kind but `CTT_EVENT_CONSENT_FAILED`).
#[no_mangle]
pub unsafe extern "C" fn ctt_event_is_success(event: *const ctt_event, out: *mut bool) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, out) = unsafe { (handle(event, "event")?, out_val(out, "out")?) };
        *out = e.event.is_success();
        Ok(())
    })
}

/// Points `*out` at the event as the stable JSON object shared by the CLI, the listener and
/// every binding (tokens appear as `"[REDACTED]"`; nothing secret is in it).
#[no_mangle]
pub unsafe extern "C" fn ctt_event_to_json(event: *const ctt_event, out: *mut *const c_char) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe {
        str_getter(event, "event", out, |e| {
            e.json.get_or_init(|| cstring(&e.event.to_json().to_string())).as_ptr()
        })
    }
}

/// Points `*out` at the verified flow state (borrowed from the event: do not free it), or NULL
/// when the handler did not check state tokens.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_state(
    event: *const ctt_event,
    out: *mut *const ctt_flow_state,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, out) = unsafe { (handle(event, "event")?, out_cptr(out, "out")?) };
        let state = e.state.get_or_init(|| e.event.state().map(ctt_flow_state::from_core));
        *out = state.as_ref().map_or(std::ptr::null(), |s| s as *const ctt_flow_state);
        Ok(())
    })
}

// consent events

fn consent_str(e: &ctt_event, f: impl FnOnce(&Consent) -> *const c_char) -> *const c_char {
    e.consent().map_or(std::ptr::null(), f)
}

/// Points `*out` at a consent event's message (the vendor's success message, or the failure:
/// `error_description` when present, else `error`); NULL for an authenticated event.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_message(event: *const ctt_event, out: *mut *const c_char) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| consent_str(e, |c| c.message.as_ptr())) }
}

/// Points `*out` at a failed consent's machine code (`"access_denied"`, when
/// `error_description` came with it), or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_error_code(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| consent_str(e, |c| opt_ptr(&c.error_code))) }
}

/// Points `*out` at a failed consent's `error_subcode` (`"cancel"`), or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_error_subcode(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| consent_str(e, |c| opt_ptr(&c.error_subcode))) }
}

/// Points `*out` at a consent event's request path (`""` when only a query was given); NULL for
/// an authenticated event.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_path(event: *const ctt_event, out: *mut *const c_char) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| consent_str(e, |c| c.path.as_ptr())) }
}

/// Sets `*out_len` to the number of query (and form) parameters of a consent event, in order,
/// decoded, the outcome's own and the state token included; 0 for an authenticated event.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_param_count(event: *const ctt_event, out_len: *mut usize) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, out) = unsafe { (handle(event, "event")?, out_val(out_len, "out_len")?) };
        *out = match &e.event {
            CallbackEvent::Consent { redirect, .. } => redirect.params.len(),
            CallbackEvent::Authenticated { .. } => 0,
        };
        Ok(())
    })
}

/// Points `*out_name` and `*out_value` at parameter `index` (0-based);
/// `CTT_ERR_INVALID_INPUT` when out of range.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_param(
    event: *const ctt_event,
    index: usize,
    out_name: *mut *const c_char,
    out_value: *mut *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, name, value) = unsafe {
            (handle(event, "event")?, out_cptr(out_name, "out_name")?, out_cptr(out_value, "out_value")?)
        };
        let params = e.consent().map_or(&[][..], |c| &c.params[..]);
        let (k, v) = params
            .get(index)
            .ok_or_else(|| invalid("index", format!("{index} is past the {} parameters", params.len())))?;
        *name = k.as_ptr();
        *value = v.as_ptr();
        Ok(())
    })
}

/// Points `*out` at the first value of the parameter `name`, or NULL when there is none.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_param_value(
    event: *const ctt_event,
    name: *const c_char,
    out: *mut *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, name, out) =
            unsafe { (handle(event, "event")?, str_arg(name, "name")?, out_cptr(out, "out")?) };
        let params = e.consent().map_or(&[][..], |c| &c.params[..]);
        *out = params
            .iter()
            .find(|(k, _)| k.to_bytes() == name.as_bytes())
            .map_or(std::ptr::null(), |(_, v)| v.as_ptr());
        Ok(())
    })
}

// authenticated events: secrets

fn copy_secret(
    e: &ctt_event,
    ob: OutBuf<'_>,
    present: Option<&mut bool>,
    what: &'static str,
    pick: impl FnOnce(&AuthenticationResult) -> Option<&Secret>,
) -> FfiResult {
    let r = e.result().ok_or_else(|| Fail::State("the event is not an authenticated event".into()))?;
    let secret = pick(r);
    if let Some(p) = present {
        *p = secret.is_some();
    }
    ob.write(what, secret.map_or("", |s| s.expose()))
}

/// Copies the access token (a secret: handle the copy with care and wipe it after use) into
/// `buf`. `CTT_ERR_INVALID_STATE` for a consent event.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_copy_access_token(
    event: *const ctt_event,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, ob) = unsafe { (handle(event, "event")?, OutBuf::new(buf, buf_len, out_len)?) };
        copy_secret(e, ob, None, "the access token", |r| Some(&r.access_token))
    })
}

/// Copies the id token (a secret) into `buf`; `*out_present` says whether there is one (also
/// when the buffer is too small; when there is none, `buf` holds `""`). `CTT_ERR_INVALID_STATE` for a consent event.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_copy_id_token(
    event: *const ctt_event,
    out_present: *mut bool,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, present, ob) = unsafe {
            (
                handle(event, "event")?,
                out_val(out_present, "out_present")?,
                OutBuf::new(buf, buf_len, out_len)?,
            )
        };
        *present = false;
        copy_secret(e, ob, Some(present), "the id token", |r| r.id_token.as_ref())
    })
}

/// Copies the refresh token (a secret) into `buf`; `*out_present` as for
/// `ctt_event_copy_id_token`.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_copy_refresh_token(
    event: *const ctt_event,
    out_present: *mut bool,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, present, ob) = unsafe {
            (
                handle(event, "event")?,
                out_val(out_present, "out_present")?,
                OutBuf::new(buf, buf_len, out_len)?,
            )
        };
        *present = false;
        copy_secret(e, ob, Some(present), "the refresh token", |r| r.refresh_token.as_ref())
    })
}

// authenticated events: plain fields

/// # Safety
/// The pointers follow the header's pointer contract.
unsafe fn opt_i64(
    event: *const ctt_event,
    out_present: *mut bool,
    out: *mut i64,
    f: impl FnOnce(&ctt_event) -> Option<i64>,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract (forwarded by the caller).
        let (e, present, out) =
            unsafe { (handle(event, "event")?, out_val(out_present, "out_present")?, out_val(out, "out")?) };
        let v = f(e);
        *present = v.is_some();
        *out = v.unwrap_or(0);
        Ok(())
    })
}

/// # Safety
/// The pointers follow the header's pointer contract.
unsafe fn opt_bool(
    event: *const ctt_event,
    out_present: *mut bool,
    out: *mut bool,
    f: impl FnOnce(&ctt_event) -> Option<bool>,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract (forwarded by the caller).
        let (e, present, out) =
            unsafe { (handle(event, "event")?, out_val(out_present, "out_present")?, out_val(out, "out")?) };
        let v = f(e);
        *present = v.is_some();
        *out = v.unwrap_or(false);
        Ok(())
    })
}

/// Points `*out` at `accessTokenType`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_access_token_type(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::AccessTokenType)) }
}

/// Reads `expiresOn` exactly as sent (its meaning is ambiguous: see `ctt_event_expires_at`).
#[no_mangle]
pub unsafe extern "C" fn ctt_event_expires_on_raw(
    event: *const ctt_event,
    out_present: *mut bool,
    out: *mut i64,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { opt_i64(event, out_present, out, |e| e.result().and_then(|r| r.expires_on_raw)) }
}

/// Reads the derived expiry instant, unix seconds (see `ctt_event_expiry_source` for how it
/// was derived).
#[no_mangle]
pub unsafe extern "C" fn ctt_event_expires_at(
    event: *const ctt_event,
    out_present: *mut bool,
    out: *mut i64,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { opt_i64(event, out_present, out, |e| e.result().and_then(|r| r.expiry.unix_seconds())) }
}

/// Sets `*out` to the rule that produced `ctt_event_expires_at` (`CTT_EXPIRY_UNKNOWN` for a
/// consent event).
#[no_mangle]
pub unsafe extern "C" fn ctt_event_expiry_source(
    event: *const ctt_event,
    out: *mut ctt_expiry_source,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, out) = unsafe { (handle(event, "event")?, out_val(out, "out")?) };
        *out = match e.result().map(|r| r.expiry.source) {
            Some(ExpirySource::JwtExp) => ctt_expiry_source::CTT_EXPIRY_JWT_EXP,
            Some(ExpirySource::EpochSeconds) => ctt_expiry_source::CTT_EXPIRY_EPOCH_SECONDS,
            Some(ExpirySource::EpochMillis) => ctt_expiry_source::CTT_EXPIRY_EPOCH_MILLIS,
            Some(ExpirySource::EpochMicros) => ctt_expiry_source::CTT_EXPIRY_EPOCH_MICROS,
            Some(ExpirySource::DurationSeconds) => ctt_expiry_source::CTT_EXPIRY_DURATION_SECONDS,
            Some(ExpirySource::Unknown) | None => ctt_expiry_source::CTT_EXPIRY_UNKNOWN,
        };
        Ok(())
    })
}

/// Points `*out` at `organization`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_organization(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::Organization)) }
}

/// Points `*out` at `officeUserType` as sent (`"GLOBAL_ADMIN"`, …), or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_office_user_type(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::OfficeUserType)) }
}

/// Points `*out` at the effective tenant: the token's `tid`, else `userInfo.tenantId`, else the
/// wrapper's `tenantId`; NULL when none.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_tenant_id(event: *const ctt_event, out: *mut *const c_char) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::TenantId)) }
}

/// Points `*out` at `msalAuthenticationResult.resellerId`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_reseller_id(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::ResellerId)) }
}

/// Reads `companyAdmin`.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_company_admin(
    event: *const ctt_event,
    out_present: *mut bool,
    out: *mut bool,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { opt_bool(event, out_present, out, |e| e.result().and_then(|r| r.company_admin)) }
}

/// Reads `containsTeamsTenantAdminAPI`.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_contains_teams_tenant_admin_api(
    event: *const ctt_event,
    out_present: *mut bool,
    out: *mut bool,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe {
        opt_bool(event, out_present, out, |e| e.result().and_then(|r| r.contains_teams_tenant_admin_api))
    }
}

/// Sets `*out` to whether the token's `tid` and `userInfo.tenantId` are both present and
/// differ (false for a consent event).
#[no_mangle]
pub unsafe extern "C" fn ctt_event_tenant_mismatch(event: *const ctt_event, out: *mut bool) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, out) = unsafe { (handle(event, "event")?, out_val(out, "out")?) };
        *out = e.result().is_some_and(|r| r.tenant_mismatch);
        Ok(())
    })
}

/// Sets `*out` to whether the result carries `userInfo` (the `ctt_event_user_*` getters read
/// NULL otherwise).
#[no_mangle]
pub unsafe extern "C" fn ctt_event_has_user(event: *const ctt_event, out: *mut bool) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, out) = unsafe { (handle(event, "event")?, out_val(out, "out")?) };
        *out = e.result().is_some_and(|r| r.user_info.is_some());
        Ok(())
    })
}

/// Points `*out` at `userInfo.displayableId` (usually the admin's UPN), or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_user_displayable_id(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::UserDisplayableId)) }
}

/// Points `*out` at `userInfo.identityProvider`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_user_identity_provider(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::UserIdentityProvider)) }
}

/// Points `*out` at `userInfo.tenantId`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_user_tenant_id(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::UserTenantId)) }
}

/// Points `*out` at `userInfo.uniqueId`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_user_unique_id(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::UserUniqueId)) }
}

/// Points `*out` at `userInfo.givenName`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_user_given_name(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::UserGivenName)) }
}

/// Points `*out` at `userInfo.familyName`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_user_family_name(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::UserFamilyName)) }
}

/// Sets `*out` to whether the access token is a JWT whose claims could be read (unverified:
/// information only, never authorization). The `ctt_event_claim_*` getters read NULL/absent
/// otherwise.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_has_claims(event: *const ctt_event, out: *mut bool) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (e, out) = unsafe { (handle(event, "event")?, out_val(out, "out")?) };
        *out = e.claims().is_some();
        Ok(())
    })
}

/// Reads the token's `exp` claim (unix seconds).
#[no_mangle]
pub unsafe extern "C" fn ctt_event_claim_exp(
    event: *const ctt_event,
    out_present: *mut bool,
    out: *mut i64,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { opt_i64(event, out_present, out, |e| e.claims().and_then(|c| c.exp)) }
}

/// Points `*out` at the token's `tid` claim, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_claim_tid(event: *const ctt_event, out: *mut *const c_char) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::ClaimTid)) }
}

/// Points `*out` at the token's `oid` claim, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_claim_oid(event: *const ctt_event, out: *mut *const c_char) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::ClaimOid)) }
}

/// Points `*out` at the token's `upn` claim, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_claim_upn(event: *const ctt_event, out: *mut *const c_char) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::ClaimUpn)) }
}

/// Points `*out` at the token's `preferred_username` claim, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_claim_preferred_username(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::ClaimPreferredUsername)) }
}

/// Points `*out` at the token's `aud` claim, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_claim_audience(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::ClaimAudience)) }
}

/// Points `*out` at the token's `iss` claim, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_claim_issuer(
    event: *const ctt_event,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(event, "event", out, |e| e.auth_str(AuthField::ClaimIssuer)) }
}

fn claim_list(e: &ctt_event, roles: bool) -> &[CString] {
    if e.claims().is_none() {
        return &[];
    }
    let lists = e.claim_lists();
    if roles {
        &lists.roles
    } else {
        &lists.scopes
    }
}

/// # Safety
/// The pointers follow the header's pointer contract.
unsafe fn list_count(event: *const ctt_event, out_len: *mut usize, roles: bool) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract (forwarded by the caller).
        let (e, out) = unsafe { (handle(event, "event")?, out_val(out_len, "out_len")?) };
        *out = e.claims().map_or(0, |c| if roles { c.roles.len() } else { c.scopes.len() });
        Ok(())
    })
}

/// # Safety
/// The pointers follow the header's pointer contract.
unsafe fn list_item(
    event: *const ctt_event,
    index: usize,
    out: *mut *const c_char,
    roles: bool,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract (forwarded by the caller).
        let (e, out) = unsafe { (handle(event, "event")?, out_cptr(out, "out")?) };
        let list = claim_list(e, roles);
        *out = list
            .get(index)
            .ok_or_else(|| invalid("index", format!("{index} is past the {} items", list.len())))?
            .as_ptr();
        Ok(())
    })
}

/// Sets `*out_len` to the number of scopes in the token's `scp` claim.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_claim_scope_count(
    event: *const ctt_event,
    out_len: *mut usize,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { list_count(event, out_len, false) }
}

/// Points `*out` at scope `index`; `CTT_ERR_INVALID_INPUT` when out of range.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_claim_scope(
    event: *const ctt_event,
    index: usize,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { list_item(event, index, out, false) }
}

/// Sets `*out_len` to the number of roles in the token's `roles` claim.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_claim_role_count(
    event: *const ctt_event,
    out_len: *mut usize,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { list_count(event, out_len, true) }
}

/// Points `*out` at role `index`; `CTT_ERR_INVALID_INPUT` when out of range.
#[no_mangle]
pub unsafe extern "C" fn ctt_event_claim_role(
    event: *const ctt_event,
    index: usize,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { list_item(event, index, out, true) }
}

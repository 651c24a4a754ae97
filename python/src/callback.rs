//! Callbacks, their parsers and events; state tokens (`FlowSigner`, `FlowState`).

use std::sync::Arc;

use ctt_core::{
    AuthenticationResult as CoreAuth, CallbackEvent, CallbackHandler as CoreHandler, CallbackRequest,
    ConsentOutcome, ConsentRedirect as CoreRedirect, Expiry, FlowSigner as CoreSigner,
    FlowState as CoreState, OfficeUserType, StatePlacement, TokenClaims as CoreClaims,
    UserInfo as CoreUserInfo,
};
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyBytes, PyDict, PyString};

use crate::convert::{
    action_type_py, bytes_of, datetime, duration, json_to_py, opt_repr, system_time, unix_seconds,
};
use crate::errors::{invalid, IntoPyResult};
use crate::types::Secret;

// ---------------------------------------------------------------------------------------------
// State tokens

/// What a verified state token says about its flow.
#[pyclass(module = "ctt", frozen)]
pub struct FlowState(pub CoreState);

#[pymethods]
impl FlowState {
    /// The action the URL was requested for.
    #[getter]
    fn action_type<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        action_type_py(py, self.0.action_type)
    }

    /// The enterprise it was requested for.
    #[getter]
    fn enterprise_name(&self) -> &str {
        &self.0.enterprise_name
    }

    /// When the token was issued (UTC datetime).
    #[getter]
    fn issued_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        datetime(py, self.0.issued_at)
    }

    /// The token's 128-bit random nonce.
    #[getter]
    fn nonce<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.0.nonce)
    }

    /// The nonce as 32 lowercase hex digits.
    #[getter]
    fn nonce_hex(&self) -> String {
        self.0.nonce_hex()
    }

    fn __repr__(&self) -> String {
        format!(
            "FlowState(action_type={}, enterprise_name={}, nonce={})",
            self.0.action_type,
            opt_repr(Some(&self.0.enterprise_name)),
            self.0.nonce_hex()
        )
    }
}

/// Issues and verifies HMAC-SHA256 state tokens that tie a callback to the request that
/// produced its URL. Keys are at least 32 bytes and never shown.
#[pyclass(module = "ctt", frozen)]
pub struct FlowSigner(pub CoreSigner);

#[pymethods]
impl FlowSigner {
    #[new]
    #[pyo3(signature = (key, *, previous_keys=Vec::new(), ttl=3600.0, clock_skew=60.0, replay_guard=false))]
    fn new(
        py: Python<'_>,
        key: &Bound<'_, PyAny>,
        previous_keys: Vec<Bound<'_, PyAny>>,
        ttl: f64,
        clock_skew: f64,
        replay_guard: bool,
    ) -> PyResult<Self> {
        let key = key_bytes(key)?;
        let mut signer = CoreSigner::new(&key).py_err()?;
        for k in &previous_keys {
            signer = signer.with_previous_key(&key_bytes(k)?).py_err()?;
        }
        signer = signer.with_ttl(duration(py, "ttl", ttl)?).with_clock_skew(duration(
            py,
            "clockSkew",
            clock_skew,
        )?);
        if replay_guard {
            signer = signer.with_memory_replay_guard();
        }
        Ok(FlowSigner(signer))
    }

    /// The time-to-live of a token, in seconds.
    #[getter]
    fn ttl(&self) -> f64 {
        self.0.ttl().as_secs_f64()
    }

    /// A fresh token for a flow (the enterprise name is validated first).
    fn issue(&self, action_type: &Bound<'_, PyAny>, enterprise_name: &str) -> PyResult<String> {
        let t = crate::convert::action_type(action_type)?;
        self.0.issue(t, enterprise_name).py_err()
    }

    /// ``issue`` with a given time (unix seconds or datetime) and 16-byte nonce.
    fn issue_at(
        &self,
        action_type: &Bound<'_, PyAny>,
        enterprise_name: &str,
        issued_at: &Bound<'_, PyAny>,
        nonce: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let t = crate::convert::action_type(action_type)?;
        let at = system_time(unix_seconds(issued_at)?);
        let nonce: [u8; 16] = bytes_of(nonce)?
            .try_into()
            .map_err(|_| invalid(action_type.py(), "nonce", "must be exactly 16 bytes"))?;
        self.0.issue_at(t, enterprise_name, at, nonce).py_err()
    }

    /// Verifies a token; raises StateRejectedError with ``reason`` when it fails.
    fn verify(&self, py: Python<'_>, token: &str) -> PyResult<FlowState> {
        let token = token.to_owned();
        let signer = self.0.clone();
        py.detach(move || signer.verify(&token)).py_err().map(FlowState)
    }

    /// ``verify`` at a given time (unix seconds or datetime).
    fn verify_at(&self, token: &str, now: &Bound<'_, PyAny>) -> PyResult<FlowState> {
        let now = system_time(unix_seconds(now)?);
        self.0.verify_at(token, now).py_err().map(FlowState)
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}

fn key_bytes(ob: &Bound<'_, PyAny>) -> PyResult<Vec<u8>> {
    if let Ok(s) = ob.cast::<Secret>() {
        return Ok(s.get().0.expose().as_bytes().to_vec());
    }
    if ob.is_instance_of::<PyString>() {
        return Err(invalid(ob.py(), "stateKey", "must be bytes (or a ctt.Secret), not str"));
    }
    bytes_of(ob)
}

/// Where the state token travels: the query parameter `state_param`, or the last path segment.
pub fn placement(state_param: &str, state_in_path: bool) -> StatePlacement {
    if state_in_path {
        StatePlacement::PathSegment
    } else {
        StatePlacement::Query(state_param.to_owned())
    }
}

// ---------------------------------------------------------------------------------------------
// Parsed callback parts

/// `None` or a new `str`.
fn opt_str(py: Python<'_>, v: Option<&str>) -> Py<PyAny> {
    match v {
        Some(s) => PyString::new(py, s).into_any().unbind(),
        None => py.None(),
    }
}

/// `None` or a `bool`.
fn opt_bool(py: Python<'_>, v: Option<bool>) -> Py<PyAny> {
    match v {
        Some(b) => PyBool::new(py, b).to_owned().into_any().unbind(),
        None => py.None(),
    }
}

/// `None` or an `int`.
fn opt_int(py: Python<'_>, v: Option<i64>) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Some(i) => i.into_pyobject(py)?.into_any().unbind(),
        None => py.None(),
    })
}

/// `None` or a `ctt.Secret`.
fn opt_secret(py: Python<'_>, v: Option<ctt_core::Secret>) -> PyResult<Py<PyAny>> {
    Ok(match v {
        Some(s) => Py::new(py, Secret(s))?.into_any(),
        None => py.None(),
    })
}

/// The text of a `str | None` field, for a `repr`.
fn field_text(py: Python<'_>, v: &Py<PyAny>) -> Option<String> {
    v.bind(py).cast::<PyString>().ok().and_then(|s| s.to_cow().ok().map(|c| c.into_owned()))
}

// The parsed values are Python objects made once, when the result is built, and read as plain
// struct members (`#[pyo3(get)]` on a `Py<…>` field of a frozen class is a `PyMemberDef`): no
// getter call and no copy per read. Derived values (datetimes, claims) stay getters.

/// The user of an authentication result.
#[pyclass(module = "ctt", frozen)]
pub struct UserInfo {
    #[pyo3(get)]
    displayable_id: Py<PyAny>,
    #[pyo3(get)]
    identity_provider: Py<PyAny>,
    #[pyo3(get)]
    tenant_id: Py<PyAny>,
    #[pyo3(get)]
    unique_id: Py<PyAny>,
    #[pyo3(get)]
    given_name: Py<PyAny>,
    #[pyo3(get)]
    family_name: Py<PyAny>,
}

impl UserInfo {
    fn new(py: Python<'_>, u: &CoreUserInfo) -> Self {
        UserInfo {
            displayable_id: opt_str(py, u.displayable_id.as_deref()),
            identity_provider: opt_str(py, u.identity_provider.as_deref()),
            tenant_id: opt_str(py, u.tenant_id.as_deref()),
            unique_id: opt_str(py, u.unique_id.as_deref()),
            given_name: opt_str(py, u.given_name.as_deref()),
            family_name: opt_str(py, u.family_name.as_deref()),
        }
    }
}

#[pymethods]
impl UserInfo {
    fn __repr__(&self, py: Python<'_>) -> String {
        format!(
            "UserInfo(displayable_id={}, tenant_id={})",
            opt_repr(field_text(py, &self.displayable_id).as_deref()),
            opt_repr(field_text(py, &self.tenant_id).as_deref())
        )
    }
}

/// Claims read from a JWT access token without verifying it (never use them to authorize).
#[pyclass(module = "ctt", frozen, get_all)]
#[derive(Clone)]
pub struct TokenClaims {
    exp: Option<i64>,
    tid: Option<String>,
    oid: Option<String>,
    upn: Option<String>,
    preferred_username: Option<String>,
    scopes: Vec<String>,
    roles: Vec<String>,
    audience: Option<String>,
    issuer: Option<String>,
}

impl From<&CoreClaims> for TokenClaims {
    fn from(c: &CoreClaims) -> Self {
        TokenClaims {
            exp: c.exp,
            tid: c.tid.clone(),
            oid: c.oid.clone(),
            upn: c.upn.clone(),
            preferred_username: c.preferred_username.clone(),
            scopes: c.scopes.clone(),
            roles: c.roles.clone(),
            audience: c.audience.clone(),
            issuer: c.issuer.clone(),
        }
    }
}

#[pymethods]
impl TokenClaims {
    fn __repr__(&self) -> String {
        format!("TokenClaims(tid={}, exp={:?})", opt_repr(self.tid.as_deref()), self.exp)
    }
}

/// The MSAL authentication result of a registration or admin-login callback. Tokens are
/// ``Secret``s.
#[pyclass(module = "ctt", frozen)]
pub struct AuthenticationResult {
    /// The access token.
    #[pyo3(get)]
    access_token: Py<Secret>,
    #[pyo3(get)]
    access_token_type: Py<PyAny>,
    /// The id token, when given.
    #[pyo3(get)]
    id_token: Py<PyAny>,
    /// The refresh token, when given.
    #[pyo3(get)]
    refresh_token: Py<PyAny>,
    #[pyo3(get)]
    multiple_resource_refresh_token: Py<PyAny>,
    /// ``expiresOn`` exactly as sent.
    #[pyo3(get)]
    expires_on_raw: Py<PyAny>,
    #[pyo3(get)]
    expires_after: Py<PyAny>,
    #[pyo3(get)]
    expires_on_date: Py<PyAny>,
    #[pyo3(get)]
    user_info: Py<PyAny>,
    #[pyo3(get)]
    reseller_id: Py<PyAny>,
    /// ``msalAuthenticationResult.tenantId`` as sent.
    #[pyo3(get)]
    tenant_id: Py<PyAny>,
    #[pyo3(get)]
    organization: Py<PyAny>,
    /// ``GLOBAL_ADMIN`` or what was sent.
    #[pyo3(get)]
    office_user_type: Py<PyAny>,
    #[pyo3(get)]
    company_admin: Py<PyAny>,
    #[pyo3(get)]
    contains_teams_tenant_admin_api: Py<PyAny>,
    /// Whether the token's tenant differs from the user's.
    #[pyo3(get)]
    tenant_mismatch: bool,
    expiry: Expiry,
    // Boxed: most access tokens seen in callbacks are not JWTs, and a smaller object is cheaper
    // to allocate and fill.
    claims: Option<Box<CoreClaims>>,
}

impl AuthenticationResult {
    /// The Python object for a core result (its values become Python objects here, once).
    #[inline]
    pub fn new(py: Python<'_>, r: CoreAuth) -> PyResult<Self> {
        let CoreAuth {
            access_token,
            access_token_type,
            id_token,
            refresh_token,
            multiple_resource_refresh_token,
            expires_on_raw,
            expires_after,
            expires_on_date,
            expiry,
            user_info,
            reseller_id,
            tenant_id,
            organization,
            office_user_type,
            company_admin,
            contains_teams_tenant_admin_api,
            claims,
            tenant_mismatch,
        } = r;
        let user_info = match &user_info {
            Some(u) => Py::new(py, UserInfo::new(py, u))?.into_any(),
            None => py.None(),
        };
        let office_user_type = match &office_user_type {
            Some(OfficeUserType::GlobalAdmin) => intern!(py, "GLOBAL_ADMIN").clone().into_any().unbind(),
            Some(other) => PyString::new(py, other.as_str()).into_any().unbind(),
            None => py.None(),
        };
        Ok(AuthenticationResult {
            access_token: Py::new(py, Secret(access_token))?,
            access_token_type: opt_str(py, access_token_type.as_deref()),
            id_token: opt_secret(py, id_token)?,
            refresh_token: opt_secret(py, refresh_token)?,
            multiple_resource_refresh_token: opt_bool(py, multiple_resource_refresh_token),
            expires_on_raw: opt_int(py, expires_on_raw)?,
            expires_after: opt_int(py, expires_after)?,
            expires_on_date: opt_str(py, expires_on_date.as_deref()),
            user_info,
            reseller_id: opt_str(py, reseller_id.as_deref()),
            tenant_id: opt_str(py, tenant_id.as_deref()),
            organization: opt_str(py, organization.as_deref()),
            office_user_type,
            company_admin: opt_bool(py, company_admin),
            contains_teams_tenant_admin_api: opt_bool(py, contains_teams_tenant_admin_api),
            tenant_mismatch,
            expiry,
            claims: claims.map(Box::new),
        })
    }

    /// The tenant as core's `effective_tenant_id` picks it: the token's ``tid``, else the
    /// user's, else ``tenant_id`` (the same objects the fields hold).
    fn effective_tenant<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        if let Some(tid) = self.claims.as_ref().and_then(|c| c.tid.as_deref()) {
            return PyString::new(py, tid).into_any();
        }
        if let Ok(u) = self.user_info.bind(py).cast::<UserInfo>() {
            let t = u.get().tenant_id.bind(py);
            if !t.is_none() {
                return t.clone();
            }
        }
        self.tenant_id.bind(py).clone()
    }
}

#[pymethods]
impl AuthenticationResult {
    /// The derived expiry instant (UTC datetime), or None.
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        self.expiry.expires_at.map(|t| datetime(py, t)).transpose()
    }
    /// The derived expiry as unix seconds, or None.
    #[getter]
    fn expires_at_unix(&self) -> Option<i64> {
        self.expiry.unix_seconds()
    }
    /// The rule that produced ``expires_at`` (``jwt_exp``, ``epoch_micros``, …).
    #[getter]
    fn expiry_source(&self) -> &'static str {
        self.expiry.source.as_str()
    }
    /// The tenant: the token's ``tid``, else the user's, else ``tenant_id``.
    #[getter]
    fn effective_tenant_id<'py>(&self, py: Python<'py>) -> Bound<'py, PyAny> {
        self.effective_tenant(py)
    }
    /// Unverified JWT claims of the access token, when it is a JWT.
    #[getter]
    fn claims(&self) -> Option<TokenClaims> {
        self.claims.as_deref().map(TokenClaims::from)
    }

    fn __repr__(&self, py: Python<'_>) -> String {
        let tenant = self.effective_tenant(py);
        let tenant = tenant.cast::<PyString>().ok().and_then(|s| s.to_cow().ok().map(|c| c.into_owned()));
        format!(
            "AuthenticationResult(access_token=[REDACTED], tenant_id={}, organization={}, expires_at={:?}, expiry_source={:?})",
            opt_repr(tenant.as_deref()),
            opt_repr(field_text(py, &self.organization).as_deref()),
            self.expiry.unix_seconds(),
            self.expiry.source.as_str()
        )
    }
}

/// A consent redirect taken apart: ``?success=…`` or ``?error=…``.
#[pyclass(module = "ctt", frozen)]
pub struct ConsentRedirect(pub CoreRedirect);

#[pymethods]
impl ConsentRedirect {
    /// Whether it carries ``success``.
    #[getter]
    fn succeeded(&self) -> bool {
        self.0.outcome.is_success()
    }
    /// The success or error message (``error_description`` when given).
    #[getter]
    fn message(&self) -> &str {
        self.0.outcome.message()
    }
    /// The OAuth ``error`` code, when ``error_description`` came with it.
    #[getter]
    fn error_code(&self) -> Option<&str> {
        match &self.0.outcome {
            ConsentOutcome::Failed { error_code, .. } => error_code.as_deref(),
            _ => None,
        }
    }
    #[getter]
    fn error_subcode(&self) -> Option<&str> {
        match &self.0.outcome {
            ConsentOutcome::Failed { error_subcode, .. } => error_subcode.as_deref(),
            _ => None,
        }
    }
    /// The request path.
    #[getter]
    fn path(&self) -> &str {
        &self.0.path
    }
    /// Every query (and form) parameter, decoded, in order.
    #[getter]
    fn params(&self) -> Vec<(String, String)> {
        self.0.params.clone()
    }
    /// The first value of a parameter, or None.
    fn param(&self, name: &str) -> Option<&str> {
        self.0.param(name)
    }

    fn __repr__(&self) -> String {
        format!(
            "ConsentRedirect(succeeded={}, message={}, path={})",
            if self.succeeded() { "True" } else { "False" },
            opt_repr(Some(self.message())),
            opt_repr(Some(&self.0.path))
        )
    }
}

// ---------------------------------------------------------------------------------------------
// Events

fn state_py(ev: &CallbackEvent) -> Option<FlowState> {
    ev.state().cloned().map(FlowState)
}

fn redirect_of(ev: &CallbackEvent) -> Option<&CoreRedirect> {
    match ev {
        CallbackEvent::Consent { redirect, .. } => Some(redirect),
        _ => None,
    }
}

macro_rules! event_common {
    ($t:ty) => {
        #[pymethods]
        impl $t {
            /// ``authenticated``, ``consent_succeeded`` or ``consent_failed``.
            #[getter]
            fn kind(&self) -> &'static str {
                self.0.kind().as_str()
            }
            /// The verified flow state, when the handler checks state tokens.
            #[getter]
            fn state(&self) -> Option<FlowState> {
                state_py(&self.0)
            }
            /// Whether the flow step succeeded.
            #[getter]
            fn is_success(&self) -> bool {
                self.0.is_success()
            }
            /// The stable JSON shape (tokens as ``"[REDACTED]"``) as a dict.
            fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
                json_to_py(py, &self.0.to_json())
            }
            /// The stable JSON shape as a string.
            fn to_json(&self) -> String {
                self.0.to_json().to_string()
            }
            fn __repr__(&self) -> String {
                format!("{}({})", stringify!($t), self.0.to_json())
            }
        }
    };
}

/// A registration or admin-login callback: an MSAL authentication result arrived.
#[pyclass(module = "ctt", frozen)]
pub struct AuthenticatedEvent(pub Arc<CallbackEvent>);
event_common!(AuthenticatedEvent);

#[pymethods]
impl AuthenticatedEvent {
    /// The parsed authentication result (tokens are Secrets).
    #[getter]
    fn result(&self, py: Python<'_>) -> PyResult<Option<AuthenticationResult>> {
        match &*self.0 {
            CallbackEvent::Authenticated { result, .. } => {
                Ok(Some(AuthenticationResult::new(py, (**result).clone())?))
            }
            _ => Ok(None),
        }
    }
}

/// A consent redirect carrying ``success``.
#[pyclass(module = "ctt", frozen)]
pub struct ConsentSucceededEvent(pub Arc<CallbackEvent>);
event_common!(ConsentSucceededEvent);

/// A consent redirect carrying ``error``.
#[pyclass(module = "ctt", frozen)]
pub struct ConsentFailedEvent(pub Arc<CallbackEvent>);
event_common!(ConsentFailedEvent);

macro_rules! consent_fields {
    ($t:ty) => {
        #[pymethods]
        impl $t {
            /// The redirect taken apart.
            #[getter]
            fn redirect(&self) -> Option<ConsentRedirect> {
                redirect_of(&self.0).cloned().map(ConsentRedirect)
            }
            /// The success or error message.
            #[getter]
            fn message(&self) -> Option<String> {
                redirect_of(&self.0).map(|r| r.outcome.message().to_owned())
            }
            /// The request path.
            #[getter]
            fn path(&self) -> Option<String> {
                redirect_of(&self.0).map(|r| r.path.clone())
            }
            /// Every parameter, decoded, in order.
            #[getter]
            fn params(&self) -> Vec<(String, String)> {
                redirect_of(&self.0).map(|r| r.params.clone()).unwrap_or_default()
            }
            /// The first value of a parameter, or None.
            fn param(&self, name: &str) -> Option<String> {
                redirect_of(&self.0).and_then(|r| r.param(name)).map(str::to_owned)
            }
        }
    };
}
consent_fields!(ConsentSucceededEvent);
consent_fields!(ConsentFailedEvent);

#[pymethods]
impl ConsentFailedEvent {
    /// The OAuth ``error`` code, when ``error_description`` came with it.
    #[getter]
    fn error_code(&self) -> Option<String> {
        match redirect_of(&self.0).map(|r| &r.outcome) {
            Some(ConsentOutcome::Failed { error_code, .. }) => error_code.clone(),
            _ => None,
        }
    }
    #[getter]
    fn error_subcode(&self) -> Option<String> {
        match redirect_of(&self.0).map(|r| &r.outcome) {
            Some(ConsentOutcome::Failed { error_subcode, .. }) => error_subcode.clone(),
            _ => None,
        }
    }
}

/// The Python event object for a core event.
pub fn event_py(py: Python<'_>, ev: CallbackEvent) -> PyResult<Py<PyAny>> {
    use ctt_core::EventKind;
    let kind = ev.kind();
    let ev = Arc::new(ev);
    Ok(match kind {
        EventKind::Authenticated => Py::new(py, AuthenticatedEvent(ev))?.into_any(),
        EventKind::ConsentSucceeded => Py::new(py, ConsentSucceededEvent(ev))?.into_any(),
        EventKind::ConsentFailed => Py::new(py, ConsentFailedEvent(ev))?.into_any(),
    })
}

/// The core event inside one of the three event classes.
pub fn core_event(ob: &Bound<'_, PyAny>) -> PyResult<CallbackEvent> {
    if let Ok(e) = ob.cast::<AuthenticatedEvent>() {
        return Ok((*e.get().0).clone());
    }
    if let Ok(e) = ob.cast::<ConsentSucceededEvent>() {
        return Ok((*e.get().0).clone());
    }
    if let Ok(e) = ob.cast::<ConsentFailedEvent>() {
        return Ok((*e.get().0).clone());
    }
    Err(invalid(ob.py(), "event", "expected a callback event"))
}

// ---------------------------------------------------------------------------------------------
// The handler

/// Turns what reaches the redirect URL into events, verifying state tokens when a signer is set.
#[pyclass(module = "ctt", frozen)]
pub struct CallbackHandler(pub CoreHandler);

/// Headers from a mapping, an object with ``items()`` or a sequence of pairs.
fn headers_of(ob: Option<&Bound<'_, PyAny>>) -> PyResult<Vec<(String, String)>> {
    let Some(ob) = ob.filter(|o| !o.is_none()) else { return Ok(Vec::new()) };
    let pairs = if let Ok(d) = ob.cast::<PyDict>() {
        d.items().into_any()
    } else if ob.hasattr("items")? {
        ob.call_method0("items")?
    } else {
        ob.clone()
    };
    let mut out = Vec::new();
    for item in pairs.try_iter()? {
        let (k, v): (String, String) = item?.extract()?;
        out.push((k, v));
    }
    Ok(out)
}

impl CallbackHandler {
    fn build(signer: Option<&FlowSigner>, state_param: &str, state_in_path: bool, body_limit: usize) -> Self {
        let mut h = CoreHandler::new().with_body_limit(body_limit);
        if let Some(s) = signer {
            h = h.with_state(s.0.clone(), placement(state_param, state_in_path));
        }
        CallbackHandler(h)
    }

    fn run(
        &self,
        py: Python<'_>,
        method: &str,
        url: &str,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let headers = headers_of(headers)?;
        let body = match body {
            Some(b) if !b.is_none() => bytes_of(b)?,
            _ => Vec::new(),
        };
        let handler = self.0.clone();
        let (method, url) = (method.to_owned(), url.to_owned());
        let ev = py
            .detach(move || {
                let req = CallbackRequest { method: &method, url: &url, content_type: None, body: &body }
                    .with_headers(headers.iter().map(|(k, v)| (k.as_str(), v.as_str())));
                handler.handle(&req)
            })
            .py_err()?;
        event_py(py, ev)
    }
}

#[pymethods]
impl CallbackHandler {
    #[new]
    #[pyo3(signature = (*, signer=None, state_param="ctt_state", state_in_path=false, body_limit=ctt_core::DEFAULT_BODY_LIMIT))]
    fn new(
        signer: Option<PyRef<'_, FlowSigner>>,
        state_param: &str,
        state_in_path: bool,
        body_limit: usize,
    ) -> Self {
        CallbackHandler::build(signer.as_deref(), state_param, state_in_path, body_limit)
    }

    /// Handles one request: ``method``, the full URL or request target, the headers (only
    /// Content-Type is read) and the body. Returns an event or raises a CttError subclass.
    #[pyo3(signature = (method, url, headers=None, body=None))]
    fn handle(
        &self,
        py: Python<'_>,
        method: &str,
        url: &str,
        headers: Option<&Bound<'_, PyAny>>,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        self.run(py, method, url, headers, body)
    }

    /// The body limit in bytes.
    #[getter]
    fn body_limit(&self) -> usize {
        self.0.body_limit()
    }

    fn __repr__(&self) -> String {
        format!("{:?}", self.0)
    }
}

/// Handles one callback request without keeping a handler; see CallbackHandler.
#[pyfunction]
#[pyo3(signature = (method, url, headers=None, body=None, *, signer=None, state_param="ctt_state", state_in_path=false, body_limit=ctt_core::DEFAULT_BODY_LIMIT))]
#[allow(clippy::too_many_arguments)]
pub fn handle_callback(
    py: Python<'_>,
    method: &str,
    url: &str,
    headers: Option<&Bound<'_, PyAny>>,
    body: Option<&Bound<'_, PyAny>>,
    signer: Option<PyRef<'_, FlowSigner>>,
    state_param: &str,
    state_in_path: bool,
    body_limit: usize,
) -> PyResult<Py<PyAny>> {
    CallbackHandler::build(signer.as_deref(), state_param, state_in_path, body_limit)
        .run(py, method, url, headers, body)
}

/// Bodies from this size up are parsed with the GIL released; smaller ones parse in less time
/// than releasing and taking back the GIL costs.
const DETACH_FROM: usize = 4096;

fn parse_auth(py: Python<'_>, body: &[u8], at: std::time::SystemTime) -> ctt_core::Result<CoreAuth> {
    if body.len() >= DETACH_FROM {
        py.detach(|| ctt_core::parse_authentication_result_at(body, at))
    } else {
        ctt_core::parse_authentication_result_at(body, at)
    }
}

/// Parses the JSON body of a registration/login callback.
#[pyfunction]
#[pyo3(signature = (body, *, received_at=None))]
pub fn parse_authentication_result(
    py: Python<'_>,
    body: &Bound<'_, PyAny>,
    received_at: Option<&Bound<'_, PyAny>>,
) -> PyResult<AuthenticationResult> {
    let at = match received_at {
        Some(t) => system_time(unix_seconds(t)?),
        None => std::time::SystemTime::now(),
    };
    // `bytes` (immutable) is read in place; anything else is copied first.
    let r = if let Ok(b) = body.cast::<PyBytes>() {
        parse_auth(py, b.as_bytes(), at)
    } else {
        parse_auth(py, &bytes_of(body)?, at)
    };
    match r {
        Ok(a) => AuthenticationResult::new(py, a),
        Err(e) => Err(crate::errors::to_py(py, &e)),
    }
}

/// Parses a consent redirect (full URL, request target or bare query), tolerating unencoded
/// messages and doubled ``?``.
#[pyfunction]
pub fn parse_consent_redirect(url: &str) -> PyResult<ConsentRedirect> {
    ctt_core::parse_consent_redirect(url).py_err().map(ConsentRedirect)
}

/// Splits a query the lenient way the redirect parser does; decoded pairs in order.
#[pyfunction]
pub fn parse_query_lenient(query: &str) -> Vec<(String, String)> {
    ctt_core::parse_query_lenient(query)
}

/// Reads the claims of a JWT without verifying it; None when it is not a JWT.
#[pyfunction]
pub fn decode_claims(token: &Bound<'_, PyAny>) -> PyResult<Option<TokenClaims>> {
    let t = crate::types::secret_arg(token, "token")?;
    Ok(ctt_core::decode_claims(t.expose()).as_ref().map(TokenClaims::from))
}

/// The expiry rule: returns (unix seconds or None, source name).
#[pyfunction]
#[pyo3(signature = (expires_on, jwt_exp=None, *, received_at=None))]
pub fn derive_expiry(
    expires_on: Option<i64>,
    jwt_exp: Option<i64>,
    received_at: Option<&Bound<'_, PyAny>>,
) -> PyResult<(Option<i64>, &'static str)> {
    let at = match received_at {
        Some(t) => system_time(unix_seconds(t)?),
        None => std::time::SystemTime::now(),
    };
    let e = ctt_core::derive_expiry(expires_on, jwt_exp, at);
    Ok((e.unix_seconds(), e.source.as_str()))
}

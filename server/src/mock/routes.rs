//! Request routing, the token and getActionItemUrl endpoints, fault application and the log.

use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use bytes::Bytes;
use ctt_core::{validate_enterprise_name, validate_redirect_url, ActionType, Secret, REDACTED};
use http::{header, HeaderMap, HeaderValue, Method, Request, Response};
use http_body_util::BodyExt;
use hyper::body::{Frame, Incoming};
use rand::RngCore;
use serde_json::{json, Value};

use super::{admin, control, Decision, Flow, RecordedRequest, Shared};
use crate::fault::{Endpoint, Fault};
use crate::http::{self as h, Body, BodyError, BoxError, ConnInfo};

/// The authorize page's path (Microsoft's v2.0 endpoint, tenant `common`).
pub(crate) const AUTHORIZE_PATH: &str = "/common/oauth2/v2.0/authorize";
/// Where the real service receives Microsoft's `form_post`; only named in the URLs.
pub(crate) const HANDLE_RESPONSE_PATH: &str = "/restricted/handleResponse";
/// How long a client may take to send a request body.
pub(crate) const BODY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);
/// How much of a body the log keeps.
const LOG_BODY_LIMIT: usize = 4096;

/// The request was answered by closing the connection (with a reset if `reset`).
struct Hangup {
    reset: bool,
}

pub(crate) async fn handle(
    shared: Arc<Shared>,
    req: Request<Incoming>,
    conn: Arc<ConnInfo>,
) -> Result<Response<Body>, BoxError> {
    let path = req.uri().path().to_owned();
    if path == "/__ctt" || path.starts_with("/__ctt/") {
        if !shared.control_api {
            return Ok(not_found(&path));
        }
        return Ok(control::handle(shared, req).await);
    }
    let method = req.method().clone();
    let query = req.uri().query().map(str::to_owned);
    let headers = redact_headers(req.headers());
    let endpoint = match path.as_str() {
        "/oauth/token" => Some(Endpoint::Token),
        "/enterprise/getActionItemUrl" => Some(Endpoint::ActionUrl),
        AUTHORIZE_PATH => Some(Endpoint::Authorize),
        _ => None,
    };
    let mut record = RecordedRequest {
        method: method.as_str().to_owned(),
        path: path.clone(),
        query: query.clone(),
        endpoint,
        status: None,
        fault: None,
        headers,
        body: String::new(),
        received_at_ms: SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0),
    };
    let (parts, body) = match h::read_body(req, shared.body_limit, BODY_TIMEOUT).await {
        Ok(x) => x,
        Err(BodyError::TimedOut) => {
            let resp = api_error(408, "Request Timeout", "the request body did not arrive in time", &path);
            record.status = Some(408);
            shared.record(record);
            return Ok(resp);
        }
        Err(BodyError::TooLarge) => {
            let resp = api_error(413, "Payload Too Large", "request body is too large", &path);
            record.status = Some(413);
            shared.record(record);
            return Ok(resp);
        }
        Err(BodyError::Read(e)) => {
            shared.record(record);
            return Err(format!("reading the request body failed: {e}").into());
        }
    };
    record.body = redact_body(parts.headers.get(header::CONTENT_TYPE), &body);
    let fault = endpoint.and_then(|e| shared.pop_fault(e));
    record.fault = fault.as_ref().map(Fault::to_string);
    let outcome = match (fault, endpoint) {
        (Some(Fault::Delay(d)), _) => {
            tokio::time::sleep(d).await;
            Ok(answer(&shared, endpoint, &method, &parts, &body).await)
        }
        (Some(f), Some(e)) => apply_fault(f, e),
        _ => Ok(answer(&shared, endpoint, &method, &parts, &body).await),
    };
    match outcome {
        Ok(resp) => {
            record.status = Some(resp.status().as_u16());
            shared.record(record);
            Ok(resp)
        }
        Err(Hangup { reset }) => {
            shared.record(record);
            if reset {
                conn.reset_on_close.store(true, Ordering::SeqCst);
            }
            Err("fault injected: connection dropped without an answer".into())
        }
    }
}

async fn answer(
    shared: &Shared,
    endpoint: Option<Endpoint>,
    method: &Method,
    parts: &http::request::Parts,
    body: &Bytes,
) -> Response<Body> {
    let path = parts.uri.path();
    match endpoint {
        Some(Endpoint::Token) if method == Method::POST => token(shared, &parts.headers, body),
        Some(Endpoint::ActionUrl) if method == Method::POST => action_url(shared, &parts.headers, body),
        Some(Endpoint::Authorize) if method == Method::GET => authorize(shared, parts).await,
        // A link previewer's HEAD must not act for the admin.
        Some(Endpoint::Authorize) if method == Method::HEAD => {
            h::respond(200, "text/html; charset=utf-8", Bytes::new())
        }
        Some(Endpoint::Token | Endpoint::ActionUrl) => method_not_allowed("POST", path),
        Some(Endpoint::Authorize) => method_not_allowed("GET, HEAD", path),
        None if path == "/" && (method == Method::GET || method == Method::HEAD) => index(shared),
        None => not_found(path),
    }
}

/// A Spring-Boot-style error body, as the real API's gateway answers.
pub(crate) fn api_error(status: u16, error: &str, message: &str, path: &str) -> Response<Body> {
    let ts = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    h::json(
        status,
        &json!({"timestamp": ts, "status": status, "error": error, "message": message, "path": path}),
    )
}

fn not_found(path: &str) -> Response<Body> {
    api_error(404, "Not Found", &format!("no handler for {path}"), path)
}

fn method_not_allowed(allow: &'static str, path: &str) -> Response<Body> {
    let mut r = api_error(405, "Method Not Allowed", &format!("{path} accepts {allow}"), path);
    r.headers_mut().insert(header::ALLOW, HeaderValue::from_static(allow));
    r
}

fn index(shared: &Shared) -> Response<Body> {
    let lines = [
        "POST /oauth/token (HTTP Basic client id and secret, grant_type=password)",
        "POST /enterprise/getActionItemUrl (Bearer token; JSON actionType, enterpriseName, redirectUrl)",
        "GET /common/oauth2/v2.0/authorize (the simulated Global Admin; ctt_decision=approve|deny)",
        "/__ctt/… the control API (faults, requests, consent, reset)",
    ];
    let base = format!("Base URL: {}", shared.base_url);
    let mut all = vec![base.as_str()];
    all.extend(lines);
    h::html(200, crate::html::page("ctt mock of the ConnectToTeams API", &all, true))
}

fn oauth_error(
    status: u16,
    error: &str,
    description: &str,
    challenge: Option<&'static str>,
) -> Response<Body> {
    let mut r = h::json(status, &json!({"error": error, "error_description": description}));
    if let Some(c) = challenge {
        r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(c));
    }
    r
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut b);
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn token(shared: &Shared, headers: &HeaderMap, body: &Bytes) -> Response<Body> {
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body).into_owned().collect();
    let field = |k: &str| form.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("basic"))
        .and_then(|(_, b64)| STANDARD.decode(b64.trim()).ok())
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|pair| pair.split_once(':').map(|(i, s)| (i.to_owned(), Secret::new(s))));
    let (client_id, client_secret) = match basic {
        Some(pair) => pair,
        None => match (field("client_id"), field("client_secret")) {
            (Some(i), Some(s)) => (i.to_owned(), Secret::new(s)),
            _ => {
                return oauth_error(
                    401,
                    "invalid_client",
                    "Full authentication is required: HTTP Basic client id and secret",
                    Some("Basic realm=\"ctt-mock\""),
                )
            }
        },
    };
    let client_ok =
        shared.accounts.iter().any(|a| a.client_id == client_id && a.client_secret == client_secret);
    if !client_ok {
        return oauth_error(
            401,
            "invalid_client",
            "Bad client credentials",
            Some("Basic realm=\"ctt-mock\""),
        );
    }
    match field("grant_type") {
        None => return oauth_error(400, "invalid_request", "Missing grant type", None),
        Some("password") => {}
        Some(other) => {
            return oauth_error(
                400,
                "unsupported_grant_type",
                &format!("Unsupported grant type: {other}"),
                None,
            )
        }
    }
    let (Some(username), Some(password)) = (field("username"), field("password")) else {
        return oauth_error(400, "invalid_request", "Missing username or password", None);
    };
    let password = Secret::new(password);
    let user_ok = shared
        .accounts
        .iter()
        .any(|a| a.client_id == client_id && a.username == username && a.password == password);
    if !user_ok {
        return oauth_error(400, "invalid_grant", "Bad credentials", None);
    }
    let token = format!("ctt-mock-{}", random_hex(20));
    shared.issue_token(token.clone());
    h::json(
        200,
        &json!({
            "access_token": token,
            "token_type": "bearer",
            "expires_in": shared.token_ttl.as_secs(),
            "scope": "read write",
        }),
    )
}

fn action_url(shared: &Shared, headers: &HeaderMap, body: &Bytes) -> Response<Body> {
    const PATH: &str = "/enterprise/getActionItemUrl";
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, t)| t.trim().to_owned());
    let Some(token) = bearer.filter(|t| !t.is_empty()) else {
        return oauth_error(
            401,
            "unauthorized",
            "Full authentication is required to access this resource",
            Some("Bearer realm=\"ctt-mock\""),
        );
    };
    if let Err(description) = shared.check_token(&token) {
        return oauth_error(401, "invalid_token", description, Some("Bearer error=\"invalid_token\""));
    }
    let bad = |message: &str| api_error(400, "Bad Request", message, PATH);
    let value: Value = match serde_json::from_slice(body) {
        Ok(v) => v,
        Err(e) => return bad(&format!("Malformed JSON request: {e}")),
    };
    let Some(obj) = value.as_object() else {
        return bad("Malformed JSON request: expected an object");
    };
    let mut fields = Vec::with_capacity(3);
    for name in ["actionType", "enterpriseName", "redirectUrl"] {
        match obj.get(name) {
            None | Some(Value::Null) => return bad(&format!("{name} is required")),
            Some(Value::String(s)) => fields.push(s.as_str()),
            Some(_) => return bad(&format!("{name} must be a string")),
        }
    }
    let action_type = match ActionType::from_wire(fields[0]) {
        Ok(t) => t,
        Err(e) => return bad(e.message()),
    };
    let enterprise_name = match validate_enterprise_name(fields[1]) {
        Ok(n) => n,
        Err(e) => return bad(e.message()),
    };
    let redirect = match validate_redirect_url(fields[2]) {
        Ok(u) => u,
        Err(e) => return bad(e.message()),
    };
    let state = random_hex(16);
    let nonce = rand::random::<u64>() >> 1;
    let url = admin::authorize_url(&shared.base_url, action_type, &state, nonce);
    shared.remember_flow(state, Flow { action_type, enterprise_name, redirect_url: redirect.into() });
    if shared.json_string_answers {
        h::respond(200, "application/json", Value::String(url).to_string())
    } else {
        h::respond(200, "text/plain;charset=UTF-8", url)
    }
}

async fn authorize(shared: &Shared, parts: &http::request::Parts) -> Response<Body> {
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or("").as_bytes()).into_owned().collect();
    let param = |k: &str| params.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let invalid = |description: &str| oauth_error(400, "invalid_request", description, None);
    let Some(state) = param("state") else {
        return invalid("AADSTS900144: The request body must contain the following parameter: 'state'.");
    };
    let Some(flow) = shared.flow(state) else {
        return invalid("AADSTS90015: The state is unknown or has expired; request a new action URL.");
    };
    let decision = match param("ctt_decision") {
        None => shared.default_decision,
        Some(d) => match Decision::from_name(d) {
            Ok(d) => d,
            Err(e) => return invalid(e.message()),
        },
    };
    let wants_json = parts
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json"));
    admin::act(shared, &flow, decision, wants_json).await
}

fn apply_fault(fault: Fault, endpoint: Endpoint) -> Result<Response<Body>, Hangup> {
    Ok(match fault {
        Fault::Status { status, body } => {
            let t = body.trim_start();
            let ct = if t.starts_with('{') || t.starts_with('[') {
                "application/json"
            } else {
                "text/plain; charset=utf-8"
            };
            h::respond(status, ct, body)
        }
        Fault::RateLimited { retry_after_secs } => {
            let mut r = h::json(
                429,
                &json!({
                    "status": 429,
                    "error": "Too Many Requests",
                    "message": format!("Rate limit exceeded; retry after {retry_after_secs} seconds"),
                }),
            );
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after_secs));
            r
        }
        Fault::Reset => return Err(Hangup { reset: true }),
        Fault::CloseWithoutAnswer => return Err(Hangup { reset: false }),
        Fault::TruncatedBody => {
            let (ct, start): (&'static str, &'static [u8]) = match endpoint {
                Endpoint::Token => ("application/json", b"{\"access_token\":\"ctt-mock-"),
                Endpoint::ActionUrl => {
                    ("text/plain;charset=UTF-8", b"https://login.microsoftonline.com/common/oau")
                }
                Endpoint::Authorize => {
                    ("text/html; charset=utf-8", b"<!DOCTYPE html><html><head><title>Sign in")
                }
            };
            let mut r = Response::new(Truncated::new(Bytes::from_static(start)).boxed());
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from_static("4096"));
            r
        }
        Fault::GarbageBody => h::respond(
            200,
            "application/octet-stream",
            Bytes::from_static(b"\x00\x9f\x92\x96 %%garbage%% \xff\xfe{\x01\x02 not-a-url"),
        ),
        Fault::Html200 => h::html(
            200,
            crate::html::page(
                "Sign in to your account",
                &["Your session has expired. Please sign in again to continue."],
                false,
            ),
        ),
        Fault::Delay(_) => unreachable!("delays are applied before answering"),
    })
}

/// A body that sends its first bytes, pauses so they are flushed, and then fails, so the
/// connection is cut mid-answer.
struct Truncated {
    first: Option<Bytes>,
    pause: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl Truncated {
    fn new(first: Bytes) -> Self {
        Truncated { first: Some(first), pause: None }
    }
}

impl hyper::body::Body for Truncated {
    type Data = Bytes;
    type Error = BoxError;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if let Some(b) = self.first.take() {
            self.pause = Some(Box::pin(tokio::time::sleep(std::time::Duration::from_millis(50))));
            return Poll::Ready(Some(Ok(Frame::data(b))));
        }
        if let Some(pause) = self.pause.as_mut() {
            if pause.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
        }
        Poll::Ready(Some(Err("fault injected: body truncated".into())))
    }
}

/// Header names whose values never reach the log.
const SECRET_HEADERS: [&str; 3] = ["authorization", "proxy-authorization", "cookie"];
/// Body fields whose values never reach the log.
const SECRET_FIELDS: [&str; 10] = [
    "password",
    "client_secret",
    "access_token",
    "refresh_token",
    "id_token",
    "accessToken",
    "refreshToken",
    "idToken",
    "token",
    "secret",
];

fn redact_headers(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(name, value)| {
            let n = name.as_str().to_owned();
            let v = if SECRET_HEADERS.contains(&name.as_str()) {
                match value.to_str().ok().and_then(|v| v.split_once(' ')) {
                    Some((scheme, _)) if name != header::COOKIE => format!("{scheme} {REDACTED}"),
                    _ => REDACTED.to_owned(),
                }
            } else {
                String::from_utf8_lossy(value.as_bytes()).into_owned()
            };
            (n, v)
        })
        .collect()
}

fn redact_body(content_type: Option<&HeaderValue>, body: &Bytes) -> String {
    let ct = content_type.and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase();
    let text = if ct.starts_with("application/x-www-form-urlencoded") {
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in url::form_urlencoded::parse(body) {
            let secret = SECRET_FIELDS.iter().any(|s| k.eq_ignore_ascii_case(s));
            ser.append_pair(&k, if secret { REDACTED } else { &v });
        }
        ser.finish()
    } else if let Ok(mut v) = serde_json::from_slice::<Value>(body) {
        redact_json(&mut v);
        v.to_string()
    } else {
        String::from_utf8_lossy(body).into_owned()
    };
    match text.char_indices().nth(LOG_BODY_LIMIT) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text,
    }
}

fn redact_json(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (k, val) in map.iter_mut() {
                if SECRET_FIELDS.iter().any(|s| k.eq_ignore_ascii_case(s)) && !val.is_null() {
                    *val = Value::String(REDACTED.to_owned());
                } else {
                    redact_json(val);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact_json),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_redacted_from_the_log() {
        let mut headers = HeaderMap::new();
        headers.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer sekrit-token"));
        headers.insert(header::COOKIE, HeaderValue::from_static("session=sekrit"));
        headers.insert(header::ACCEPT, HeaderValue::from_static("text/plain"));
        let h = redact_headers(&headers);
        let text = format!("{h:?}");
        assert!(!text.contains("sekrit"), "{text}");
        assert!(text.contains("Bearer [REDACTED]"));
        let form = HeaderValue::from_static("application/x-www-form-urlencoded");
        let b =
            redact_body(Some(&form), &Bytes::from_static(b"grant_type=password&username=u&password=hunter2"));
        assert!(!b.contains("hunter2") && b.contains("username=u"), "{b}");
        let j = redact_body(
            None,
            &Bytes::from_static(br#"{"a":{"accessToken":"eyJ.x.y"},"b":[{"password":"p"}]}"#),
        );
        assert!(!j.contains("eyJ") && !j.contains("\"p\""), "{j}");
    }
}

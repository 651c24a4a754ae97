//! The control API under `/__ctt/`, so tests in any language can drive the mock over HTTP.

use std::sync::Arc;

use ctt_core::{Error, ErrorKind};
use http::{Method, Request, Response};
use hyper::body::Incoming;
use serde_json::{json, Value};

use super::{admin, Decision, Shared};
use crate::fault::{Endpoint, Fault};
use crate::http::{self as h, Body, BodyError};

pub(crate) async fn handle(shared: Arc<Shared>, req: Request<Incoming>) -> Response<Body> {
    let method = req.method().clone();
    let path = req.uri().path().trim_end_matches('/').to_owned();
    let (_, body) = match h::read_body(req, 1024 * 1024, super::routes::BODY_TIMEOUT).await {
        Ok(x) => x,
        Err(BodyError::TimedOut) => {
            return error(408, &Error::new(ErrorKind::Timeout, "control body did not arrive in time"))
        }
        Err(BodyError::TooLarge) => {
            return error(413, &Error::new(ErrorKind::PayloadTooLarge, "control body over 1 MiB"))
        }
        Err(BodyError::Read(e)) => return error(400, &Error::new(ErrorKind::InvalidInput, e)),
    };
    let parse = || -> ctt_core::Result<Value> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        serde_json::from_slice(&body).map_err(|e| Error::invalid_input("body", format!("is not JSON ({e})")))
    };
    match (method, path.as_str()) {
        (Method::GET, "/__ctt/health") => h::json(200, &json!({"ok": true, "base_url": shared.base_url})),
        (Method::GET, "/__ctt/faults") => h::json(200, &shared.queued_faults()),
        (Method::POST, "/__ctt/faults") => {
            let v = match parse() {
                Ok(v) => v,
                Err(e) => return error(400, &e),
            };
            let items = match v {
                Value::Array(items) => items,
                other => vec![other],
            };
            let mut parsed = Vec::with_capacity(items.len());
            for item in &items {
                match fault_item(item) {
                    Ok(x) => parsed.push(x),
                    Err(e) => return error(400, &e),
                }
            }
            for (e, f) in parsed {
                shared.push_fault(e, f);
            }
            h::json(200, &json!({"ok": true, "queued": shared.queued_faults()}))
        }
        (Method::DELETE, "/__ctt/faults") => {
            shared.clear_faults();
            h::json(200, &json!({"ok": true}))
        }
        (Method::GET, "/__ctt/requests") => {
            h::json(200, &Value::Array(shared.requests().iter().map(|r| r.to_json()).collect()))
        }
        (Method::DELETE, "/__ctt/requests") => {
            shared.clear_requests();
            h::json(200, &json!({"ok": true}))
        }
        (Method::POST, "/__ctt/reset") => {
            shared.reset();
            h::json(200, &json!({"ok": true}))
        }
        (Method::POST, "/__ctt/consent") => {
            let v = match parse() {
                Ok(v) => v,
                Err(e) => return error(400, &e),
            };
            let Some(url) = v.get("url").and_then(Value::as_str) else {
                return error(400, &Error::invalid_input("url", "is required"));
            };
            let decision = match v.get("decision").and_then(Value::as_str) {
                None => shared.default_decision,
                Some(d) => match Decision::from_name(d) {
                    Ok(d) => d,
                    Err(e) => return error(400, &e),
                },
            };
            match admin::consent_with(&shared.http, url, decision).await {
                Ok(d) => h::json(200, &d.to_json()),
                Err(e) if e.kind() == ErrorKind::InvalidInput && e.status().is_none() => error(400, &e),
                Err(e) => error(502, &e),
            }
        }
        (_, "/__ctt/health" | "/__ctt/faults" | "/__ctt/requests" | "/__ctt/reset" | "/__ctt/consent") => {
            error(
                405,
                &Error::new(ErrorKind::MethodNotAllowed, format!("{path} does not accept this method")),
            )
        }
        _ => error(404, &Error::new(ErrorKind::NotFound, format!("no control endpoint {path}"))),
    }
}

/// `{"endpoint": "action_url", "fault": {...} | "status:503"}`, or `{"flag": "action_url=status:503"}`.
fn fault_item(item: &Value) -> ctt_core::Result<(Endpoint, Fault)> {
    if let Some(flag) = item.get("flag").and_then(Value::as_str).or_else(|| item.as_str()) {
        return crate::fault::fault_flag(flag);
    }
    let endpoint = item
        .get("endpoint")
        .and_then(Value::as_str)
        .ok_or_else(|| Error::invalid_input("endpoint", "is required (token, action_url or authorize)"))?;
    let fault = item.get("fault").ok_or_else(|| Error::invalid_input("fault", "is required"))?;
    Ok((Endpoint::from_name(endpoint)?, Fault::from_json(fault)?))
}

/// `{"ok": false, "error": {"kind": "...", "message": "...", "status": …}}`.
fn error(status: u16, e: &Error) -> Response<Body> {
    h::json(
        status,
        &json!({"ok": false, "error": {"kind": e.kind().as_str(), "message": e.message(), "status": e.status()}}),
    )
}

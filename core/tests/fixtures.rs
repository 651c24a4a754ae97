//! Runs every case of `tests/fixtures/cases/*.json` through the public API (format in
//! `tests/fixtures/README.md`).

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ctt_core::*;
use serde_json::{json, Map, Value};

fn cases() -> Vec<Value> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/cases");
    let mut files: Vec<_> =
        std::fs::read_dir(&dir).expect("fixtures dir").map(|e| e.unwrap().path()).collect();
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            let v: Value = serde_json::from_str(&std::fs::read_to_string(f).unwrap()).unwrap();
            v["cases"].as_array().unwrap().clone()
        })
        .collect()
}

fn at(secs: &Value) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs.as_u64().unwrap())
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or("")
}

fn error_json(e: &Error) -> Value {
    json!({
        "kind": e.kind().as_str(),
        "field": e.field(),
        "status": e.status(),
        "retry_after_secs": e.retry_after().map(|d| d.as_secs()),
        "rejection": e.rejection().map(|r| r.as_str()),
        "message": e.message(),
    })
}

fn consent_json(r: &ConsentRedirect) -> Value {
    let (code, sub) = match &r.outcome {
        ConsentOutcome::Failed { error_code, error_subcode, .. } => {
            (error_code.clone(), error_subcode.clone())
        }
        ConsentOutcome::Succeeded { .. } => (None, None),
    };
    json!({
        "event": if r.outcome.is_success() { "consent_succeeded" } else { "consent_failed" },
        "message": r.outcome.message(),
        "error_code": code,
        "error_subcode": sub,
        "path": r.path,
        "params": r.params.iter().map(|(k, v)| json!([k, v])).collect::<Vec<_>>(),
    })
}

fn auth_json(r: &AuthenticationResult) -> Value {
    json!({
        "event": "authenticated",
        "access_token": r.access_token.expose(),
        "id_token": r.id_token.as_ref().map(|t| t.expose()),
        "refresh_token": r.refresh_token.as_ref().map(|t| t.expose()),
        "access_token_type": r.access_token_type,
        "expires_on_raw": r.expires_on_raw,
        "expires_at": r.expiry.unix_seconds(),
        "expiry_source": r.expiry.source.as_str(),
        "organization": r.organization,
        "office_user_type": r.office_user_type.as_ref().map(|t| t.as_str()),
        "company_admin": r.company_admin,
        "contains_teams_tenant_admin_api": r.contains_teams_tenant_admin_api,
        "tenant_id": r.effective_tenant_id(),
        "tenant_mismatch": r.tenant_mismatch,
        "user": r.user_info.as_ref().map(|u| json!({
            "displayable_id": u.displayable_id, "identity_provider": u.identity_provider, "tenant_id": u.tenant_id,
        })),
        "claims": r.claims.as_ref().map(|c| json!({
            "tid": c.tid, "oid": c.oid, "upn": c.upn, "preferred_username": c.preferred_username,
            "scopes": c.scopes, "exp": c.exp,
        })),
    })
}

fn consent_url_json(c: &ConsentUrl) -> Value {
    json!({
        "host": c.host, "is_authorize": c.is_authorize, "client_id": c.client_id,
        "response_type": c.response_type, "response_mode": c.response_mode, "scopes": c.scopes,
        "state": c.state, "nonce": c.nonce, "redirect_uri": c.redirect_uri,
    })
}

fn hex(v: &Value) -> Vec<u8> {
    let t = s(v);
    (0..t.len()).step_by(2).map(|i| u8::from_str_radix(&t[i..i + 2], 16).unwrap()).collect()
}

fn body_of(input: &Value) -> Vec<u8> {
    if let Some(fill) = input.get("body_fill").filter(|f| !f.is_null()) {
        let byte = s(&fill["byte"]).as_bytes()[0];
        return vec![byte; fill["len"].as_u64().unwrap() as usize];
    }
    if let Some(j) = input.get("body_json") {
        return serde_json::to_vec(j).unwrap();
    }
    input.get("body").and_then(Value::as_str).unwrap_or("").as_bytes().to_vec()
}

fn signer(input: &Value) -> Result<FlowSigner> {
    let mut signer = FlowSigner::new(&hex(&input["key_hex"]))?;
    for k in input.get("previous_keys_hex").and_then(Value::as_array).into_iter().flatten() {
        signer = signer.with_previous_key(&hex(k))?;
    }
    if let Some(ttl) = input.get("ttl_secs").and_then(Value::as_u64) {
        signer = signer.with_ttl(Duration::from_secs(ttl));
    }
    if input.get("replay_guard").and_then(Value::as_bool) == Some(true) {
        signer = signer.with_memory_replay_guard();
    }
    Ok(signer)
}

fn run(input: &Value) -> Result<Value> {
    match s(&input["kind"]) {
        "action_type" => {
            let t = ActionType::from_wire(s(&input["wire"]))?;
            Ok(json!({
                "wire": t.as_str(), "code": t.code(), "requirement": t.requirement().as_str(),
                "callback_style": t.callback_style().as_str(),
                "services": t.services().iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            }))
        }
        "consent_plan" => {
            let services = input["services"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| Service::from_name(s(v)))
                .collect::<Result<Vec<_>>>()?;
            let plan = ConsentPlan::for_services(&services);
            let steps: Vec<Value> = plan
                .steps()
                .iter()
                .map(|p| json!({"action_type": p.action_type.as_str(), "optional": p.optional}))
                .collect();
            Ok(json!({ "steps": steps }))
        }
        "validate" => match s(&input["field"]) {
            "enterpriseName" => Ok(json!({ "value": validate_enterprise_name(s(&input["value"]))? })),
            "redirectUrl" => {
                validate_redirect_url(s(&input["value"]))?;
                Ok(json!({ "value": s(&input["value"]).trim() }))
            }
            other => panic!("unknown field {other}"),
        },
        "redirect" => parse_consent_redirect(s(&input["url"])).map(|r| consent_json(&r)),
        "auth_result" => {
            parse_authentication_result_at(&body_of(input), at(&input["received_at"])).map(|r| auth_json(&r))
        }
        "callback" => {
            let body = body_of(input);
            let mut handler = CallbackHandler::new();
            if let Some(limit) = input.get("body_limit").and_then(Value::as_u64) {
                handler = handler.with_body_limit(limit as usize);
            }
            let req = CallbackRequest::new(s(&input["method"]), s(&input["url"]))
                .with_body(input["content_type"].as_str(), &body);
            match handler.handle(&req)? {
                CallbackEvent::Authenticated { result, .. } => Ok(auth_json(&result)),
                CallbackEvent::Consent { redirect, .. } => Ok(consent_json(&redirect)),
            }
        }
        "action_url_response" => {
            let status = input["status"].as_u64().unwrap() as u16;
            let a = parse_action_url_response(status, s(&input["body"]), input["retry_after"].as_str())?;
            Ok(json!({ "url": a.url, "consent": consent_url_json(&a.consent()) }))
        }
        "consent_url" => inspect_consent_url(s(&input["url"])).map(|c| consent_url_json(&c)),
        "state_issue" => {
            let nonce: [u8; 16] = hex(&input["nonce_hex"]).try_into().unwrap();
            let action = ActionType::from_wire(s(&input["action_type"]))?;
            let issued = at(&input["issued_at"]);
            let token = signer(input)?.issue_at(action, s(&input["enterprise_name"]), issued, nonce)?;
            Ok(json!({ "token": token }))
        }
        "state_verify" => {
            let signer = signer(input)?;
            let repeat = input.get("repeat").and_then(Value::as_u64).unwrap_or(1);
            let mut last = None;
            for _ in 0..repeat {
                last = Some(signer.verify_at(s(&input["token"]), at(&input["now"])));
            }
            let st = last.unwrap()?;
            Ok(json!({
                "action_type": st.action_type.as_str(), "enterprise_name": st.enterprise_name,
                "issued_at": st.issued_at.duration_since(UNIX_EPOCH).unwrap().as_secs(), "nonce_hex": st.nonce_hex(),
            }))
        }
        other => panic!("unknown input kind {other}"),
    }
}

/// `expected` ⊆ `actual`, per the README's rules. Returns the path of the first difference.
fn subset(expected: &Value, actual: Option<&Value>, path: &str) -> std::result::Result<(), String> {
    match (expected, actual) {
        (Value::Null, None | Some(Value::Null)) => Ok(()),
        (Value::Object(e), Some(Value::Object(a))) => {
            e.iter().try_for_each(|(k, v)| subset(v, a.get(k), &format!("{path}.{k}")))
        }
        (Value::Array(e), Some(Value::Array(a))) if e.len() == a.len() => e
            .iter()
            .zip(a)
            .enumerate()
            .try_for_each(|(i, (x, y))| subset(x, Some(y), &format!("{path}[{i}]"))),
        (e, Some(a)) if e == a => Ok(()),
        (e, a) => Err(format!("{path}: expected {e}, got {}", a.map_or("nothing".into(), Value::to_string))),
    }
}

fn check_error(expected: &Map<String, Value>, actual: &Value) -> std::result::Result<(), String> {
    for (k, v) in expected {
        if k == "message_contains" {
            let msg = s(&actual["message"]);
            if !msg.contains(s(v)) {
                return Err(format!("message {msg:?} lacks {v}"));
            }
        } else {
            subset(v, actual.get(k), k)?;
        }
    }
    Ok(())
}

#[test]
fn every_fixture_case() {
    let cases = cases();
    assert!(cases.len() >= 60, "only {} cases", cases.len());
    let mut failures = Vec::new();
    for case in &cases {
        let name = s(&case["name"]);
        let outcome = run(&case["input"]);
        let verdict = match (&case["expect"].get("ok"), &case["expect"].get("error"), &outcome) {
            (Some(exp), _, Ok(got)) => subset(exp, Some(got), "ok"),
            (_, Some(Value::Object(exp)), Err(e)) => check_error(exp, &error_json(e)),
            (Some(_), _, Err(e)) => Err(format!("expected ok, got error {e}")),
            (_, _, Ok(got)) => Err(format!("expected an error, got {got}")),
            _ => Err("case has neither expect.ok nor expect.error".into()),
        };
        if let Err(why) = verdict {
            failures.push(format!("{name}: {why}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
    println!("{} fixture cases passed", cases.len());
}

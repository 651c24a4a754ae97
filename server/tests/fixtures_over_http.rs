//! The shared callback fixtures (`tests/fixtures/cases/callbacks.json`), sent over the wire to a
//! listener: each must come out as the same event (or the same error kind, with its HTTP
//! status) as the core's handler gives in process, and as the fixture expects.

mod common;

use ctt_core::{CallbackHandler, CallbackRequest, DEFAULT_BODY_LIMIT};
use ctt_server::{Listener, ListenerConfig};
use serde_json::Value;

/// What a browser puts on the wire for a URL typed with raw spaces and the like.
fn browser_target(url: &str) -> String {
    let target = match url.find("://") {
        Some(i) => {
            let rest = &url[i + 3..];
            rest.find(['/', '?']).map_or("/", |j| &rest[j..])
        }
        None => url,
    };
    let mut out = String::new();
    for b in target.split('#').next().unwrap_or("").bytes() {
        match b {
            b' '
            | b'"'
            | b'<'
            | b'>'
            | b'`'
            | b'{'
            | b'}'
            | b'|'
            | b'\\'
            | b'^'
            | 0x80..
            | ..=0x1f
            | 0x7f => out.push_str(&format!("%{b:02X}")),
            _ => out.push(b as char),
        }
    }
    out
}

fn status_for(kind: &str) -> u16 {
    match kind {
        "payload_too_large" => 413,
        "method_not_allowed" => 405,
        "state_rejected" => 403,
        "malformed_callback" | "invalid_input" => 400,
        other => panic!("no status mapping expected for {other}"),
    }
}

#[tokio::test]
async fn callback_fixtures_over_http() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/cases/callbacks.json");
    let text = std::fs::read_to_string(path).expect("the shared fixtures");
    let cases: Value = serde_json::from_str(&text).unwrap();
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 10, "expected the callback fixtures, found {}", cases.len());
    let http = common::http();
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let input = &case["input"];
        let method = input["method"].as_str().unwrap().to_ascii_uppercase();
        let target = browser_target(input["url"].as_str().unwrap());
        let content_type = input["content_type"].as_str();
        let body: Vec<u8> = match &input["body_fill"] {
            Value::Object(fill) => {
                let byte = fill["byte"].as_str().unwrap().as_bytes()[0];
                vec![byte; fill["len"].as_u64().unwrap() as usize]
            }
            _ => input["body"].as_str().unwrap_or("").as_bytes().to_vec(),
        };
        let limit = input["body_limit"].as_u64().map_or(DEFAULT_BODY_LIMIT, |l| l as usize);
        let handler = CallbackHandler::new().with_body_limit(limit);
        let in_process =
            handler.handle(&CallbackRequest::new(&method, &target).with_body(content_type, &body));
        match (&in_process, &case["expect"]["error"]["kind"]) {
            (Ok(ev), Value::Null) => assert_eq!(ev.kind().as_str(), case["expect"]["ok"]["event"], "{name}"),
            (Err(e), kind) => assert_eq!(e.kind().as_str(), kind, "{name}"),
            (Ok(_), kind) => panic!("{name}: core accepted what the fixture rejects as {kind}"),
        }

        let config = ListenerConfig { handler, ..ListenerConfig::default() };
        let (listener, mut events) = Listener::start_with_channel(config).await.unwrap();
        let url = format!("http://{}{target}", listener.local_addr());
        let mut request =
            http.request(reqwest::Method::from_bytes(method.as_bytes()).unwrap(), url).body(body.clone());
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let resp = request.send().await.unwrap_or_else(|e| panic!("{name}: {e}"));
        let status = resp.status().as_u16();
        match in_process {
            Ok(expected) => {
                assert_eq!(status, 200, "{name}");
                let got = common::next_event(&mut events).await;
                assert_eq!(got.to_json(), expected.to_json(), "{name}");
            }
            Err(e) => {
                assert_eq!(status, status_for(e.kind().as_str()), "{name}");
                let v = common::json(resp).await;
                assert_eq!(v["error"]["kind"], e.kind().as_str(), "{name}");
            }
        }
        common::assert_no_more_events(&mut events).await;
        listener.shutdown().await;
    }
}

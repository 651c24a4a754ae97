//! The webhook listener: limits, methods, state tokens, slow clients, concurrency, answers.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use ctt_core::{ActionType, CallbackEvent, CallbackHandler, EventKind, FlowSigner, StatePlacement};
use ctt_server::{EventSink, Listener, ListenerConfig};
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const REGISTRATION_JSON: &str = r#"{"msalAuthenticationResult":{"authenticationResult":{"accessToken":"eyJ0eXAiOiJKV1QiLCJub25j","accessTokenType":"login.microsoftonline.com","expiresOn":1742985175242681,"userInfo":{"displayableId":"ga@acme.example","tenantId":"5c0068f3-dfbb"}}},"organization":"MSFT","officeUserType":"GLOBAL_ADMIN","companyAdmin":true}"#;

async fn error_of(resp: reqwest::Response) -> (u16, Value) {
    let status = resp.status().as_u16();
    let ct = resp.headers().get("content-type").map(|v| v.to_str().unwrap().to_owned());
    let body: Value = common::json(resp).await;
    assert_eq!(ct.as_deref(), Some("application/json"));
    assert_eq!(body["ok"], false);
    (status, body["error"].clone())
}

#[tokio::test]
async fn json_post_gets_a_json_ack_and_one_event() {
    let (listener, mut events) = Listener::start_with_channel(ListenerConfig::default()).await.unwrap();
    let resp = common::http()
        .post(listener.callback_url())
        .header("content-type", "application/json")
        .body(REGISTRATION_JSON)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let ack: Value = common::json(resp).await;
    assert_eq!(ack, serde_json::json!({"ok": true, "kind": "authenticated"}));
    let ev = common::next_event(&mut events).await;
    assert_eq!(ev.kind(), EventKind::Authenticated);
    let json = ev.to_json().to_string();
    assert!(!json.contains("eyJ0eXAiOiJKV1QiLCJub25j"), "tokens never printed: {json}");
    common::assert_no_more_events(&mut events).await;
}

#[tokio::test]
async fn oversize_bodies_get_413() {
    let handler = CallbackHandler::new().with_body_limit(1024);
    let (listener, mut events) =
        Listener::start_with_channel(ListenerConfig { handler, ..ListenerConfig::default() }).await.unwrap();
    // Declared length over the limit.
    let big = format!("{{\"pad\":\"{}\"}}", "x".repeat(4096));
    let resp = common::http()
        .post(listener.callback_url())
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!((status, err["kind"].as_str()), (413, Some("payload_too_large")));
    // Chunked, no length: cut off while reading.
    let mut s = TcpStream::connect(listener.local_addr()).await.unwrap();
    let mut req = String::from(
        "POST /callback HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
    );
    for _ in 0..8 {
        req.push_str(&format!("200\r\n{}\r\n", "y".repeat(512)));
    }
    req.push_str("0\r\n\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut answer)).await;
    let text = String::from_utf8_lossy(&answer);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
    assert!(text.contains("payload_too_large"), "{text}");
    common::assert_no_more_events(&mut events).await;
}

#[tokio::test]
async fn wrong_methods_get_405() {
    let (listener, mut events) = Listener::start_with_channel(ListenerConfig::default()).await.unwrap();
    let http = common::http();
    for method in ["PUT", "DELETE", "PATCH", "OPTIONS"] {
        let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
        let resp = http.request(m, format!("{}?success=x", listener.callback_url())).send().await.unwrap();
        assert_eq!(resp.headers().get("allow").map(|v| v.to_str().unwrap()), Some("GET, POST, HEAD"));
        let (status, err) = error_of(resp).await;
        assert_eq!((status, err["kind"].as_str()), (405, Some("method_not_allowed")), "{method}");
    }
    // HEAD answers but never consumes a flow.
    let resp = http.head(format!("{}?success=x", listener.callback_url())).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    // Other paths are 404.
    let resp = http.get(format!("http://{}/other?success=x", listener.local_addr())).send().await.unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!((status, err["kind"].as_str()), (404, Some("not_found")));
    let resp = http.get(format!("{}/a/b?success=x", listener.callback_url())).send().await.unwrap();
    assert_eq!(resp.status(), 404);
    // A request head over 16 KiB is refused by hyper before it reaches the handler.
    let resp =
        http.get(format!("{}?success={}", listener.callback_url(), "x".repeat(20_000))).send().await.unwrap();
    assert_eq!(resp.status(), 431);
    // A callback without outcome is malformed.
    let resp = http.get(format!("{}?foo=bar", listener.callback_url())).send().await.unwrap();
    let (status, err) = error_of(resp).await;
    assert_eq!((status, err["kind"].as_str()), (400, Some("malformed_callback")));
    common::assert_no_more_events(&mut events).await;
    assert_eq!(listener.delivered(), 0);
}

#[tokio::test]
async fn bad_expired_and_replayed_state_get_403() {
    let signer =
        FlowSigner::new(&[5u8; 32]).unwrap().with_ttl(Duration::from_secs(600)).with_memory_replay_guard();
    let other = FlowSigner::new(&[6u8; 32]).unwrap();
    let handler = CallbackHandler::new().with_state(signer.clone(), StatePlacement::default());
    let (listener, mut events) =
        Listener::start_with_channel(ListenerConfig { handler, ..ListenerConfig::default() }).await.unwrap();
    let http = common::http();
    let url = |token: &str| format!("{}?ctt_state={token}&success=Done", listener.callback_url());

    let good = signer.issue(ActionType::CdrConsent, "Acme").unwrap();
    let expired = signer
        .issue_at(ActionType::CdrConsent, "Acme", SystemTime::now() - Duration::from_secs(7200), [1u8; 16])
        .unwrap();
    let foreign = other.issue(ActionType::CdrConsent, "Acme").unwrap();
    let mut tampered = good.clone().into_bytes();
    let i = tampered.len() / 2;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();

    let resp = http.get(url(&good)).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(common::next_event(&mut events).await.state().unwrap().enterprise_name, "Acme");

    for (token, rejection) in [
        (good.as_str(), "replayed"),
        (expired.as_str(), "expired"),
        (foreign.as_str(), "unknown_key"),
        (tampered.as_str(), "bad_signature"),
        ("not-a-token", "malformed"),
    ] {
        let (status, err) = error_of(http.get(url(token)).send().await.unwrap()).await;
        assert_eq!(status, 403, "{rejection}");
        assert_eq!(err["kind"], "state_rejected");
        assert_eq!(err["rejection"], rejection);
    }
    let (status, err) =
        error_of(http.get(format!("{}?success=Done", listener.callback_url())).send().await.unwrap()).await;
    assert_eq!((status, err["rejection"].as_str()), (403, Some("missing")));
    common::assert_no_more_events(&mut events).await;
    assert_eq!(listener.delivered(), 1);
}

#[tokio::test]
async fn slow_headers_are_cut_off_at_the_header_timeout() {
    let config =
        ListenerConfig { header_read_timeout: Duration::from_millis(300), ..ListenerConfig::default() };
    let (listener, mut events) = Listener::start_with_channel(config).await.unwrap();
    let stream = TcpStream::connect(listener.local_addr()).await.unwrap();
    let (mut rd, mut wr) = stream.into_split();
    let reader = tokio::spawn(async move {
        let mut buf = Vec::new();
        let _ = rd.read_to_end(&mut buf).await;
        buf
    });
    // Slowloris: one header byte every 50 ms, for at most 15 s.
    let head = b"GET /callback?success=slow HTTP/1.1\r\nHost: x\r\nX-Pad: ";
    wr.write_all(head).await.unwrap();
    let mut cut_off = false;
    for _ in 0..300 {
        if reader.is_finished() || wr.write_all(b"a").await.is_err() {
            cut_off = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(cut_off, "the connection was still open after 15 s of trickled headers");
    let answered = tokio::time::timeout(Duration::from_secs(5), reader).await.unwrap().unwrap();
    let text = String::from_utf8_lossy(&answered);
    assert!(!text.contains("200 OK"), "{text}");
    common::assert_no_more_events(&mut events).await;
    // The listener still serves well-behaved clients.
    let resp = common::http().get(format!("{}?success=fast", listener.callback_url())).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(common::next_event(&mut events).await.kind(), EventKind::ConsentSucceeded);
}

#[tokio::test]
async fn concurrent_callbacks_are_each_delivered_once() {
    const N: usize = 200;
    let (listener, mut events) = Listener::start_with_channel(ListenerConfig::default()).await.unwrap();
    let base = listener.callback_url();
    let mut tasks = Vec::new();
    for i in 0..N {
        let url = format!("{base}?success=done-{i}");
        tasks.push(tokio::spawn(async move {
            // A fresh client each: 200 separate connections at once.
            let resp = common::http().get(url).send().await.unwrap();
            resp.status().as_u16()
        }));
    }
    for t in tasks {
        assert_eq!(t.await.unwrap(), 200);
    }
    let mut seen = HashSet::new();
    for _ in 0..N {
        let ev = common::next_event(&mut events).await;
        let CallbackEvent::Consent { redirect, .. } = ev else { panic!("not a consent") };
        assert!(seen.insert(redirect.outcome.message().to_owned()), "delivered twice");
    }
    common::assert_no_more_events(&mut events).await;
    assert_eq!(seen, (0..N).map(|i| format!("done-{i}")).collect::<HashSet<_>>());
    assert_eq!(listener.delivered(), N as u64);
}

#[tokio::test]
async fn the_page_escapes_the_message() {
    let (listener, mut events) = Listener::start_with_channel(ListenerConfig::default()).await.unwrap();
    let url =
        format!("{}?error=%3Cscript%3Ealert(%22x%22)%3C/script%3E%20%26%20more", listener.callback_url());
    let resp = common::http().get(url).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(resp.headers().contains_key("content-security-policy"));
    let page = resp.text().await.unwrap();
    assert!(!page.contains("<script"), "{page}");
    assert!(page.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more"), "{page}");
    assert!(page.contains("The consent did not complete"));
    let ev = common::next_event(&mut events).await;
    assert_eq!(ev.failure_message(), Some("<script>alert(\"x\")</script> & more"));

    let ok =
        common::http().get(format!("{}?success=All%20good", listener.callback_url())).send().await.unwrap();
    let page = ok.text().await.unwrap();
    assert!(page.contains("Consent recorded, you can close this window."));
    assert!(page.contains("All good"));
}

#[tokio::test]
async fn configured_redirects_and_json_accept() {
    let config = ListenerConfig {
        success_redirect: Some("https://provider.example/done".into()),
        failure_redirect: Some("https://provider.example/failed".into()),
        ..ListenerConfig::default()
    };
    let (listener, mut events) = Listener::start_with_channel(config).await.unwrap();
    let http = common::http();
    let ok = http.get(format!("{}?success=yes", listener.callback_url())).send().await.unwrap();
    assert_eq!(ok.status(), 303);
    assert_eq!(ok.headers()["location"], "https://provider.example/done");
    let bad = http.get(format!("{}?error=no", listener.callback_url())).send().await.unwrap();
    assert_eq!(bad.status(), 303);
    assert_eq!(bad.headers()["location"], "https://provider.example/failed");
    let json = http
        .get(format!("{}?success=yes", listener.callback_url()))
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(common::json(json).await["kind"], "consent_succeeded");
    // A form POST from a browser is a consent too.
    let form = http
        .post(listener.callback_url())
        .header("content-type", "application/x-www-form-urlencoded")
        .body("error=access_denied&error_description=The%20user%20cancelled")
        .send()
        .await
        .unwrap();
    assert_eq!(form.status(), 303);
    for _ in 0..3 {
        common::next_event(&mut events).await;
    }
    assert_eq!(common::next_event(&mut events).await.failure_message(), Some("The user cancelled"));
    assert!(Listener::start(
        ListenerConfig { success_redirect: Some("not a url".into()), ..ListenerConfig::default() },
        EventSink::Callback(Arc::new(|_| {})),
    )
    .await
    .is_err());
}

#[tokio::test]
async fn callback_sink_receives_events_and_panics_are_500() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let s = seen.clone();
    let sink = EventSink::Callback(Arc::new(move |ev: CallbackEvent| {
        if ev.failure_message() == Some("panic") {
            panic!("callback panicked on purpose");
        }
        s.lock().unwrap().push(ev.kind());
    }));
    let listener = Listener::start(ListenerConfig::default(), sink).await.unwrap();
    let http = common::http();
    let resp = http.get(format!("{}?success=one", listener.callback_url())).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    let resp = http.get(format!("{}?error=panic", listener.callback_url())).send().await.unwrap();
    assert_eq!(resp.status(), 500);
    assert_eq!(common::json(resp).await["error"]["kind"], "internal");
    assert_eq!(*seen.lock().unwrap(), vec![EventKind::ConsentSucceeded]);
    assert_eq!(listener.delivered(), 1);
    listener.shutdown().await;
}

#[tokio::test]
async fn a_dropped_receiver_gets_503_and_shutdown_closes_the_channel() {
    let (listener, events) = Listener::start_with_channel(ListenerConfig::default()).await.unwrap();
    drop(events);
    let resp = common::http().get(format!("{}?success=x", listener.callback_url())).send().await.unwrap();
    assert_eq!(resp.status(), 503);
    assert_eq!(listener.delivered(), 0);

    let (listener, mut events) = Listener::start_with_channel(ListenerConfig::default()).await.unwrap();
    let addr = listener.local_addr();
    listener.shutdown().await;
    assert!(tokio::time::timeout(Duration::from_secs(5), events.recv()).await.unwrap().is_none());
    assert!(TcpStream::connect(addr).await.is_err(), "nothing listens after shutdown");
}

#[tokio::test]
async fn path_mode_and_bind_errors() {
    let signer = FlowSigner::new(&[8u8; 32]).unwrap();
    let handler = CallbackHandler::new().with_state(signer.clone(), StatePlacement::PathSegment);
    let config = ListenerConfig { path: "/hooks/ctt/".into(), handler, ..ListenerConfig::default() };
    let (listener, mut events) = Listener::start_with_channel(config).await.unwrap();
    assert!(listener.callback_url().ends_with("/hooks/ctt"));
    let token = signer.issue(ActionType::PresenceConsent, "Path Co").unwrap();
    let resp =
        common::http().get(format!("{}/{token}?success=ok", listener.callback_url())).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(
        common::next_event(&mut events).await.state().unwrap().action_type,
        ActionType::PresenceConsent
    );

    let taken = ListenerConfig { bind: listener.local_addr(), ..ListenerConfig::default() };
    let err = Listener::start_with_channel(taken).await.unwrap_err();
    assert_eq!(err.kind(), ctt_core::ErrorKind::InvalidInput, "{err}");
    let bad_path = ListenerConfig { path: "callback".into(), ..ListenerConfig::default() };
    assert!(Listener::start_with_channel(bad_path).await.is_err());
}

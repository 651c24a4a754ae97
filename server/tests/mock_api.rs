//! The mock's own API: token endpoint, getActionItemUrl validation, the request log's
//! redaction, raw connection faults, and the `/__ctt` control API over HTTP.

mod common;

use std::time::Duration;

use ctt_core::{ActionType, ActionUrlRequest, Client, ErrorKind};
use ctt_server::mock::{DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_TOKEN};
use ctt_server::{Endpoint, Fault, Listener, ListenerConfig, MockAccount, MockConfig, MockServer};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

async fn post_action(mock: &MockServer, token: Option<&str>, body: &str) -> (u16, String) {
    let mut req = common::http()
        .post(format!("http://{}/enterprise/getActionItemUrl", mock.local_addr()))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.unwrap();
    (resp.status().as_u16(), resp.text().await.unwrap())
}

#[tokio::test]
async fn token_endpoint_checks_client_and_user() {
    let mock = MockServer::start(MockConfig::default()).await.unwrap();
    let with = |secret: &str, password: &str| {
        Client::builder()
            .base_url(mock.base_url())
            .password_grant(
                "ctt-demo-client",
                secret.to_owned(),
                "admin@provider.example",
                password.to_owned(),
            )
            .use_env_proxy(false)
            .build()
            .unwrap()
    };
    let token = with(DEMO_CLIENT_SECRET, DEMO_PASSWORD).fetch_token().await.unwrap();
    assert_eq!(token.expires_in, Some(Duration::from_secs(3600)));
    assert_eq!(token.token_type, "bearer");
    let err = with("wrong-secret", DEMO_PASSWORD).fetch_token().await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Unauthorized, Some(401)));
    assert!(err.message().contains("invalid_client"), "{err}");
    let err = with(DEMO_CLIENT_SECRET, "wrong-password").fetch_token().await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Unauthorized, Some(400)));
    assert!(err.message().contains("invalid_grant"), "{err}");

    let http = common::http();
    let raw = |form: &'static str| {
        http.post(format!("{}/oauth/token", mock.base_url()))
            .basic_auth("ctt-demo-client", Some(DEMO_CLIENT_SECRET))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
    };
    let r = raw("grant_type=client_credentials").await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(common::json(r).await["error"], "unsupported_grant_type");
    let r = raw("username=a&password=b").await.unwrap();
    assert_eq!(common::json(r).await["error"], "invalid_request");
    let r = http
        .post(format!("{}/oauth/token", mock.base_url()))
        .body("grant_type=password")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert!(r.headers().contains_key("www-authenticate"));
    let r = http.get(format!("{}/oauth/token", mock.base_url())).send().await.unwrap();
    assert_eq!(r.status(), 405);

    // The issued token works on the API; an expired one does not.
    let (status, _) = post_action(
        &mock,
        Some(token.token.expose()),
        r#"{"actionType":"REGISTRATION","enterpriseName":"A","redirectUrl":"https://a.example/cb"}"#,
    )
    .await;
    assert_eq!(status, 200);
    let short =
        MockServer::start(MockConfig { token_ttl: Duration::ZERO, ..MockConfig::default() }).await.unwrap();
    let expired = common::client(&short).fetch_token().await.unwrap();
    let (status, body) = post_action(
        &short,
        Some(expired.token.expose()),
        r#"{"actionType":"REGISTRATION","enterpriseName":"A","redirectUrl":"https://a.example/cb"}"#,
    )
    .await;
    assert_eq!(status, 401);
    assert!(body.contains("Access token expired"), "{body}");
    // The client refreshes once on a 401, then reports it.
    let err = common::client(&short)
        .get_action_item_url(&ActionUrlRequest::new(ActionType::Registration, "A", "https://a.example/cb"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized);
}

#[tokio::test]
async fn get_action_item_url_validates_like_the_api() {
    let mock = MockServer::start(MockConfig::default()).await.unwrap();
    let ok = r#"{"actionType":"GET_CDR_CONSENT","enterpriseName":"AcmeCorp","redirectUrl":"https://yourapp.com/callback"}"#;
    let (status, body) = post_action(&mock, None, ok).await;
    assert_eq!(status, 401);
    assert!(body.contains("Full authentication is required"), "{body}");
    let (status, _) = post_action(&mock, Some("not-a-token"), ok).await;
    assert_eq!(status, 401);
    let (status, url) = post_action(&mock, Some(DEMO_TOKEN), ok).await;
    assert_eq!(status, 200);
    let consent = ctt_core::inspect_consent_url(&url).unwrap();
    assert!(consent.is_authorize && consent.scopes.contains(&"CallRecords.Read.All".to_owned()), "{url}");

    let cases = [
        (r#"{"enterpriseName":"A","redirectUrl":"https://a.example/cb"}"#, "actionType is required"),
        (
            r#"{"actionType":"REGISTRATION","redirectUrl":"https://a.example/cb"}"#,
            "enterpriseName is required",
        ),
        (r#"{"actionType":"REGISTRATION","enterpriseName":"A"}"#, "redirectUrl is required"),
        (
            r#"{"actionType":null,"enterpriseName":"A","redirectUrl":"https://a.example/cb"}"#,
            "actionType is required",
        ),
        (
            r#"{"actionType":7,"enterpriseName":"A","redirectUrl":"https://a.example/cb"}"#,
            "actionType must be a string",
        ),
        (
            r#"{"actionType":"registration","enterpriseName":"A","redirectUrl":"https://a.example/cb"}"#,
            "GET_USER_SYNC_CONSENT",
        ),
        (
            r#"{"actionType":"REGISTRATION","enterpriseName":"   ","redirectUrl":"https://a.example/cb"}"#,
            "enterpriseName: must not be empty",
        ),
        (
            r#"{"actionType":"REGISTRATION","enterpriseName":"A","redirectUrl":"http://a.example/cb"}"#,
            "redirectUrl: must use https",
        ),
        ("not json", "Malformed JSON request"),
        ("[1,2]", "Malformed JSON request"),
    ];
    for (body, message) in cases {
        let (status, answer) = post_action(&mock, Some(DEMO_TOKEN), body).await;
        assert_eq!(status, 400, "{body}");
        let v: Value = serde_json::from_str(&answer).unwrap();
        assert_eq!(v["status"], 400);
        assert!(v["message"].as_str().unwrap().contains(message), "{body}: {answer}");
    }
    // Through the core client, the 400's message reaches the caller.
    mock.push_fault(
        Endpoint::ActionUrl,
        Fault::Status { status: 400, body: r#"{"message":"actionType is required"}"#.into() },
    );
    let err = common::client(&mock)
        .get_action_item_url(&ActionUrlRequest::new(ActionType::CdrConsent, "A", "https://a.example/cb"))
        .await
        .unwrap_err();
    assert!(err.message().contains("actionType is required"));

    let json_mock =
        MockServer::start(MockConfig { json_string_answers: true, ..MockConfig::default() }).await.unwrap();
    let (status, body) = post_action(&json_mock, Some(DEMO_TOKEN), ok).await;
    assert_eq!(status, 200);
    assert!(body.starts_with("\"http://127.0.0.1:") && body.ends_with('"'), "{body}");
}

#[tokio::test]
async fn the_request_log_and_debug_output_never_show_secrets() {
    let mock = MockServer::start(MockConfig::default()).await.unwrap();
    let client = common::client(&mock);
    let issued = client.fetch_token().await.unwrap();
    let issued = issued.token.expose().to_owned();
    client
        .get_action_item_url(&ActionUrlRequest::new(
            ActionType::UserSyncConsent,
            "Log Co",
            "https://a.example/cb",
        ))
        .await
        .unwrap();
    let _ = post_action(&mock, Some(DEMO_TOKEN), "{}").await;
    let log = mock.requests();
    let token_req = log.iter().find(|r| r.endpoint == Some(Endpoint::Token)).unwrap();
    assert_eq!(token_req.header("authorization"), Some("Basic [REDACTED]"));
    assert!(
        token_req.body.contains("password=%5BREDACTED%5D") || token_req.body.contains("password=[REDACTED]"),
        "{}",
        token_req.body
    );
    assert!(token_req.body.contains("grant_type=password"));
    let api_req = log.iter().find(|r| r.endpoint == Some(Endpoint::ActionUrl)).unwrap();
    assert_eq!(api_req.header("authorization"), Some("Bearer [REDACTED]"));
    assert!(api_req.body.contains("GET_USER_SYNC_CONSENT"));
    let everything = format!(
        "{log:?} {} {:?} {:?}",
        serde_json::to_string(&log.iter().map(|r| r.to_json()).collect::<Vec<_>>()).unwrap(),
        MockConfig::default(),
        MockAccount::demo(),
    );
    for secret in [DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_TOKEN, issued.as_str()] {
        assert!(!everything.contains(secret), "{secret} leaked into the log or Debug output");
    }
    // The same log over HTTP.
    let over_http =
        common::json(common::http().get(format!("{}/__ctt/requests", mock.base_url())).send().await.unwrap())
            .await;
    let text = over_http.to_string();
    assert!(text.contains("Bearer [REDACTED]"));
    for secret in [DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_TOKEN, issued.as_str()] {
        assert!(!text.contains(secret));
    }
}

/// Raw HTTP/1.1 request on a fresh connection; returns what was read and whether it ended in a
/// reset.
async fn raw_exchange(addr: std::net::SocketAddr, request: &str) -> (String, bool) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let mut reset = false;
    loop {
        match tokio::time::timeout(Duration::from_secs(10), s.read(&mut chunk))
            .await
            .expect("closed within 10 s")
        {
            Ok(0) => break,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
            Err(e) => {
                reset = e.kind() == std::io::ErrorKind::ConnectionReset;
                break;
            }
        }
    }
    (String::from_utf8_lossy(&buf).into_owned(), reset)
}

#[tokio::test]
async fn connection_faults_on_the_wire() {
    let mock = MockServer::start(MockConfig::default()).await.unwrap();
    let req = format!(
        "POST /enterprise/getActionItemUrl HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {DEMO_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{{}}"
    );
    mock.push_fault(Endpoint::ActionUrl, Fault::Reset);
    let (answer, reset) = raw_exchange(mock.local_addr(), &req).await;
    assert!(answer.is_empty() && reset, "reset: {reset}, answer: {answer:?}");
    mock.push_fault(Endpoint::ActionUrl, Fault::CloseWithoutAnswer);
    let (answer, reset) = raw_exchange(mock.local_addr(), &req).await;
    assert!(answer.is_empty() && !reset, "reset: {reset}, answer: {answer:?}");
    mock.push_fault(Endpoint::ActionUrl, Fault::TruncatedBody);
    let (answer, _) = raw_exchange(mock.local_addr(), &req).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.to_ascii_lowercase().contains("content-length: 4096"));
    let body = answer.split("\r\n\r\n").nth(1).unwrap();
    assert!(!body.is_empty() && body.len() < 4096, "{body:?}");
    mock.push_fault(Endpoint::ActionUrl, Fault::RateLimited { retry_after_secs: 9 });
    let (answer, _) =
        raw_exchange(mock.local_addr(), &req.replace("HTTP/1.1\r\n", "HTTP/1.1\r\nConnection: close\r\n"))
            .await;
    assert!(
        answer.starts_with("HTTP/1.1 429") && answer.to_ascii_lowercase().contains("retry-after: 9"),
        "{answer}"
    );
    let statuses: Vec<_> = mock.requests().iter().map(|r| r.status).collect();
    assert_eq!(statuses, [None, None, Some(200), Some(429)]);
}

#[tokio::test]
async fn the_control_api_drives_the_mock_over_http() {
    let mock = MockServer::start(MockConfig::default()).await.unwrap();
    let (listener, mut events) = Listener::start_with_channel(ListenerConfig::default()).await.unwrap();
    let http = common::http();
    let base = mock.base_url();
    let health = common::json(http.get(format!("{base}/__ctt/health")).send().await.unwrap()).await;
    assert_eq!(health["base_url"], base.as_str());

    let queued = http
        .post(format!("{base}/__ctt/faults"))
        .body(
            json!([
                {"endpoint": "action_url", "fault": {"kind": "status", "status": 500, "body": "{\"message\":\"scripted\"}"}},
                {"endpoint": "token", "fault": "delay:10"},
                {"flag": "authorize=html"},
            ])
            .to_string(),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(queued.status(), 200);
    let faults = common::json(http.get(format!("{base}/__ctt/faults")).send().await.unwrap()).await;
    assert_eq!(faults["action_url"][0]["status"], 500);
    assert_eq!(faults["token"][0], json!({"kind": "delay", "ms": 10}));
    assert_eq!(faults["authorize"][0]["kind"], "html200");

    let client = common::client(&mock);
    let request = ActionUrlRequest::new(ActionType::CallAppConsent, "Control Co", listener.callback_url());
    let err = client.get_action_item_url(&request).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Server, Some(500)));
    assert!(err.message().contains("scripted"));
    let url = client.get_action_item_url(&request).await.unwrap();

    let consent = |decision: &'static str| {
        http.post(format!("{base}/__ctt/consent"))
            .body(json!({"url": url.url, "decision": decision}).to_string())
            .send()
    };
    // The queued authorize fault makes the first consent fail with a typed error.
    let failed = consent("approve").await.unwrap();
    assert_eq!(failed.status(), 502);
    assert_eq!(common::json(failed).await["error"]["kind"], "malformed_response");
    let delivered = common::json(consent("deny").await.unwrap()).await;
    assert_eq!(delivered["style"], "redirect");
    assert_eq!(delivered["status"], 200);
    assert_eq!(delivered["decision"], "deny");
    assert_eq!(delivered["message"], ctt_server::mock::DENY_MESSAGE);
    assert_eq!(common::next_event(&mut events).await.kind(), ctt_core::EventKind::ConsentFailed);

    let log = common::json(http.get(format!("{base}/__ctt/requests")).send().await.unwrap()).await;
    let log = log.as_array().unwrap();
    assert!(log.iter().any(|r| r["status"] == 500 && r["fault"] == "status:500:{\"message\":\"scripted\"}"));
    assert!(log.iter().all(|r| !r["path"].as_str().unwrap().starts_with("/__ctt")));

    for (body, message) in [
        (json!({"endpoint": "nowhere", "fault": "reset"}), "unknown endpoint"),
        (json!({"endpoint": "token", "fault": "explode"}), "unknown fault"),
        (json!({"endpoint": "token", "fault": {"kind": "status"}}), "status"),
    ] {
        let r = http.post(format!("{base}/__ctt/faults")).body(body.to_string()).send().await.unwrap();
        assert_eq!(r.status(), 400);
        let v = common::json(r).await;
        assert_eq!(v["error"]["kind"], "invalid_input");
        assert!(v["error"]["message"].as_str().unwrap().contains(message), "{v}");
    }
    let r = http
        .post(format!("{base}/__ctt/consent"))
        .body(json!({"url": url.url, "decision": "maybe"}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = http.post(format!("{base}/__ctt/consent")).body("{}").send().await.unwrap();
    assert_eq!(r.status(), 400);
    assert_eq!(http.get(format!("{base}/__ctt/nope")).send().await.unwrap().status(), 404);
    assert_eq!(http.put(format!("{base}/__ctt/faults")).send().await.unwrap().status(), 405);

    let reset = http.post(format!("{base}/__ctt/reset")).send().await.unwrap();
    assert_eq!(reset.status(), 200);
    assert!(mock.requests().is_empty());
    // Flows are forgotten: the old URL is now unknown to the simulated admin.
    let r = consent("approve").await.unwrap();
    assert_eq!(r.status(), 502);
    let v = common::json(r).await;
    assert_eq!(
        (v["error"]["kind"].as_str(), v["error"]["status"].as_u64()),
        (Some("invalid_input"), Some(400)),
        "{v}"
    );

    let closed = MockServer::start(MockConfig { control_api: false, ..MockConfig::default() }).await.unwrap();
    let r = http.get(format!("{}/__ctt/health", closed.base_url())).send().await.unwrap();
    assert_eq!(r.status(), 404);
}

#[tokio::test]
async fn accounts_and_public_url_are_configurable() {
    let config = MockConfig {
        accounts: vec![MockAccount::new("id-2", "secret-2", "ops@isp.example", "pw-2")],
        static_tokens: vec![],
        public_url: Some("https://mock.isp.example/".into()),
        ..MockConfig::default()
    };
    let mock = MockServer::start(config).await.unwrap();
    assert_eq!(mock.base_url(), "https://mock.isp.example");
    let (status, _) = post_action(&mock, Some(DEMO_TOKEN), "{}").await;
    assert_eq!(status, 401, "no static tokens configured");
    let client = Client::builder()
        .base_url(format!("http://{}", mock.local_addr()))
        .password_grant("id-2", "secret-2", "ops@isp.example", "pw-2")
        .use_env_proxy(false)
        .build()
        .unwrap();
    let url = client
        .get_action_item_url(&ActionUrlRequest::new(
            ActionType::Registration,
            "Pub",
            "https://isp.example/cb",
        ))
        .await
        .unwrap();
    assert!(url.url.starts_with("https://mock.isp.example/common/oauth2/v2.0/authorize?"), "{}", url.url);
    let demo = Client::builder()
        .base_url(format!("http://{}", mock.local_addr()))
        .password_grant("ctt-demo-client", DEMO_CLIENT_SECRET, "admin@provider.example", DEMO_PASSWORD)
        .use_env_proxy(false)
        .build()
        .unwrap();
    let err = demo.fetch_token().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unauthorized, "the demo account is not configured: {err}");
    let bad = MockConfig { public_url: Some("ftp://x".into()), ..MockConfig::default() };
    assert!(MockServer::start(bad).await.is_err());
}

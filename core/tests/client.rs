//! The client against a scripted HTTP server on loopback.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use ctt_core::*;

const CLIENT_ID: &str = "cid";
const CLIENT_SECRET: &str = "client-secret-value";
const USERNAME: &str = "ops@provider.example";
const PASSWORD: &str = "password-value";
const FIXED: &str = "fixed-token-value";
const URL: &str = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=x&scope=openid";

/// What the server answers to one getActionItemUrl request, instead of the default.
#[derive(Clone)]
struct Scripted {
    status: u16,
    body: String,
    retry_after: Option<&'static str>,
    delay: Duration,
}

fn answer(status: u16, body: &str) -> Scripted {
    Scripted { status, body: body.into(), retry_after: None, delay: Duration::ZERO }
}

#[derive(Default)]
struct Log {
    token_requests: usize,
    action_requests: Vec<(HeaderMap, String)>,
    issued: Vec<String>,
    script: VecDeque<Scripted>,
    token_ttl: u64,
}

type Shared = Arc<Mutex<Log>>;

async fn token(State(log): State<Shared>, headers: HeaderMap, body: String) -> Response {
    tokio::time::sleep(Duration::from_millis(50)).await; // widens the window for concurrent callers
    use base64::Engine as _;
    let expected = base64::engine::general_purpose::STANDARD.encode(format!("{CLIENT_ID}:{CLIENT_SECRET}"));
    let auth_ok =
        headers.get("authorization").and_then(|v| v.to_str().ok()) == Some(&format!("Basic {expected}"));
    let form: Vec<(String, String)> = url::form_urlencoded::parse(body.as_bytes()).into_owned().collect();
    let has = |k: &str, v: &str| form.iter().any(|(a, b)| a == k && b == v);
    let mut log = log.lock().unwrap();
    log.token_requests += 1;
    if !auth_ok {
        return (StatusCode::UNAUTHORIZED, r#"{"error":"invalid_client"}"#).into_response();
    }
    if !(has("grant_type", "password") && has("username", USERNAME) && has("password", PASSWORD)) {
        // Like a careless server, it repeats what it was sent.
        let given = form.iter().find(|(k, _)| k == "password").map_or("", |(_, v)| v.as_str());
        let description = format!("Bad credentials: password {given}, client secret {CLIENT_SECRET}");
        let body = serde_json::json!({"error": "invalid_grant", "error_description": description});
        return (StatusCode::BAD_REQUEST, body.to_string()).into_response();
    }
    let tok = format!("issued-{}", log.token_requests);
    log.issued.push(tok.clone());
    let ttl = if log.token_ttl == 0 { 3600 } else { log.token_ttl };
    axum::Json(serde_json::json!({"access_token": tok, "token_type": "bearer", "expires_in": ttl}))
        .into_response()
}

async fn action(State(log): State<Shared>, headers: HeaderMap, body: String) -> Response {
    let (scripted, valid) = {
        let mut log = log.lock().unwrap();
        log.action_requests.push((headers.clone(), body));
        let bearer = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_owned();
        let valid = bearer == format!("Bearer {FIXED}")
            || log.issued.last().is_some_and(|t| bearer == format!("Bearer {t}"));
        (log.script.pop_front(), valid)
    };
    if let Some(s) = scripted {
        tokio::time::sleep(s.delay).await;
        let mut resp = (StatusCode::from_u16(s.status).unwrap(), s.body).into_response();
        if let Some(ra) = s.retry_after {
            resp.headers_mut().insert("retry-after", ra.parse().unwrap());
        }
        return resp;
    }
    if !valid {
        return (StatusCode::UNAUTHORIZED, "invalid token").into_response();
    }
    URL.into_response()
}

async fn server() -> (String, Shared) {
    let log: Shared = Arc::default();
    let app = Router::new()
        .route("/oauth/token", post(token))
        .route("/enterprise/getActionItemUrl", post(action))
        .with_state(log.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr: SocketAddr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), log)
}

fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        ..RetryPolicy::default()
    }
}

fn fixed(base: &str) -> Client {
    Client::builder().base_url(base).bearer_token(FIXED).retry_policy(fast_retries()).build().unwrap()
}

fn password(base: &str) -> Client {
    Client::builder()
        .base_url(base)
        .password_grant(CLIENT_ID, CLIENT_SECRET, USERNAME, PASSWORD)
        .retry_policy(fast_retries())
        .build()
        .unwrap()
}

fn req() -> ActionUrlRequest {
    ActionUrlRequest::new(ActionType::UserSyncConsent, " AcmeCorp ", "https://yourapp.com/callback")
}

fn script(log: &Shared, answers: impl IntoIterator<Item = Scripted>) {
    log.lock().unwrap().script.extend(answers);
}

#[tokio::test]
async fn sends_bearer_user_agent_and_json_body() {
    let (base, log) = server().await;
    let url = fixed(&base).get_action_item_url(&req()).await.unwrap();
    assert_eq!(url.url, URL);
    assert!(url.consent().is_authorize);
    let log = log.lock().unwrap();
    let (headers, body) = &log.action_requests[0];
    assert_eq!(headers["authorization"], format!("Bearer {FIXED}").as_str());
    assert_eq!(headers["user-agent"], USER_AGENT);
    assert!(headers["content-type"].to_str().unwrap().starts_with("application/json"));
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(
        body,
        serde_json::json!({"actionType": "GET_USER_SYNC_CONSENT", "enterpriseName": "AcmeCorp",
                           "redirectUrl": "https://yourapp.com/callback"})
    );
}

#[tokio::test]
async fn password_grant_token_is_cached() {
    let (base, log) = server().await;
    let client = password(&base);
    client.get_action_item_url(&req()).await.unwrap();
    client.clone().get_action_item_url(&req()).await.unwrap();
    assert_eq!(log.lock().unwrap().token_requests, 1);
}

#[tokio::test]
async fn concurrent_callers_share_one_token_fetch() {
    let (base, log) = server().await;
    let client = password(&base);
    let calls: Vec<_> = (0..20)
        .map(|_| {
            let c = client.clone();
            tokio::spawn(async move { c.get_action_item_url(&req()).await })
        })
        .collect();
    for c in calls {
        c.await.unwrap().unwrap();
    }
    let log = log.lock().unwrap();
    assert_eq!(log.token_requests, 1);
    assert_eq!(log.action_requests.len(), 20);
}

#[tokio::test]
async fn a_401_refreshes_the_token_once() {
    let (base, log) = server().await;
    let client = password(&base);
    script(&log, [answer(401, "token revoked")]);
    client.get_action_item_url(&req()).await.unwrap();
    assert_eq!(log.lock().unwrap().token_requests, 2);

    // A second 401 right after the refresh is final.
    script(&log, [answer(401, "no"), answer(401, "still no")]);
    let e = client.get_action_item_url(&req()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert_eq!(log.lock().unwrap().token_requests, 3);
}

#[tokio::test]
async fn a_token_near_expiry_is_refreshed() {
    let (base, log) = server().await;
    log.lock().unwrap().token_ttl = 1; // refreshed half a second before it ends
    let client = password(&base);
    client.get_action_item_url(&req()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(600)).await;
    client.get_action_item_url(&req()).await.unwrap();
    assert_eq!(log.lock().unwrap().token_requests, 2);
}

#[tokio::test]
async fn a_fixed_token_401_is_unauthorized() {
    let (base, log) = server().await;
    script(&log, [answer(401, "bad token")]);
    let e = fixed(&base).get_action_item_url(&req()).await.unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Unauthorized, Some(401)));
    assert_eq!(log.lock().unwrap().action_requests.len(), 1);
}

#[tokio::test]
async fn bad_credentials_are_unauthorized() {
    let (base, _) = server().await;
    let wrong_secret =
        Client::builder().base_url(&base).password_grant(CLIENT_ID, "nope", USERNAME, PASSWORD).build();
    let e = wrong_secret.unwrap().fetch_token().await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    let wrong_password = Client::builder().base_url(&base).password_grant(
        CLIENT_ID,
        CLIENT_SECRET,
        USERNAME,
        "wrong-password",
    );
    let e = wrong_password.build().unwrap().get_action_item_url(&req()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthorized);
    assert!(e.message().contains("invalid_grant: Bad credentials: password [REDACTED]"), "{}", e.message());
    let shown = format!("{e} {e:?} {}", e.body_snippet().unwrap_or(""));
    assert!(!shown.contains(CLIENT_SECRET) && !shown.contains("wrong-password"), "{shown}");
}

#[tokio::test]
async fn status_codes_map_to_kinds_without_retry() {
    let (base, log) = server().await;
    let client = fixed(&base);
    for (status, kind) in [
        (400, ErrorKind::InvalidInput),
        (422, ErrorKind::InvalidInput),
        (403, ErrorKind::Forbidden),
        (404, ErrorKind::NotFound),
        (500, ErrorKind::Server),
        (418, ErrorKind::UnexpectedStatus),
    ] {
        let before = log.lock().unwrap().action_requests.len();
        script(&log, [answer(status, r#"{"message":"from the server"}"#)]);
        let e = client.get_action_item_url(&req()).await.unwrap_err();
        assert_eq!((e.kind(), e.status()), (kind, Some(status)));
        assert!(e.message().contains("from the server"));
        assert_eq!(log.lock().unwrap().action_requests.len(), before + 1, "{status} must not be retried");
    }
}

#[tokio::test]
async fn retries_502_503_504_and_429_then_succeeds() {
    let (base, log) = server().await;
    let client = fixed(&base);
    script(&log, [answer(503, ""), answer(502, "")]);
    client.get_action_item_url(&req()).await.unwrap();
    assert_eq!(log.lock().unwrap().action_requests.len(), 3);

    let rate_limited = Scripted { retry_after: Some("1"), ..answer(429, "slow down") };
    script(&log, [rate_limited, answer(504, "")]);
    client.get_action_item_url(&req()).await.unwrap();
    assert_eq!(log.lock().unwrap().action_requests.len(), 6);
}

#[tokio::test]
async fn retries_are_bounded() {
    let (base, log) = server().await;
    script(&log, (0..5).map(|_| answer(502, "bad gateway")));
    let e = fixed(&base).get_action_item_url(&req()).await.unwrap_err();
    assert_eq!((e.kind(), e.status()), (ErrorKind::Server, Some(502)));
    assert!(e.is_retryable());
    assert_eq!(log.lock().unwrap().action_requests.len(), 3, "3 attempts in all by default");
}

#[tokio::test]
async fn a_retry_after_beyond_the_cap_is_returned_at_once() {
    let (base, log) = server().await;
    script(&log, [Scripted { retry_after: Some("120"), ..answer(429, "") }]);
    let e = fixed(&base).get_action_item_url(&req()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert_eq!(e.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(log.lock().unwrap().action_requests.len(), 1);
}

#[tokio::test]
async fn the_deadline_covers_the_whole_call() {
    let (base, log) = server().await;
    script(&log, [Scripted { delay: Duration::from_secs(10), ..answer(200, URL) }]);
    let client = Client::builder()
        .base_url(&base)
        .bearer_token(FIXED)
        .timeout(Duration::from_millis(300))
        .build()
        .unwrap();
    let e = client.get_action_item_url(&req()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Timeout);
}

#[tokio::test]
async fn connection_refused_is_transport_after_retries() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let e = fixed(&base).get_action_item_url(&req()).await.unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Transport);
    assert!(e.message().contains("connect"), "{}", e.message());
}

#[tokio::test]
async fn invalid_requests_are_never_sent() {
    let (base, log) = server().await;
    let client = fixed(&base);
    let bad = ActionUrlRequest::new(ActionType::Registration, "Acme", "http://yourapp.com/cb");
    assert_eq!(client.get_action_item_url(&bad).await.unwrap_err().field(), Some("redirectUrl"));
    let bad = ActionUrlRequest::new(ActionType::Registration, "\u{7}", "https://yourapp.com/cb");
    assert_eq!(client.get_action_item_url(&bad).await.unwrap_err().field(), Some("enterpriseName"));
    assert!(log.lock().unwrap().action_requests.is_empty());
}

#[tokio::test]
async fn state_tokens_ride_in_the_redirect_url() {
    let (base, log) = server().await;
    let signer = FlowSigner::new(&[5u8; 32]).unwrap();
    let r = req().with_state(signer.clone(), StatePlacement::default());
    let url = fixed(&base).get_action_item_url(&r).await.unwrap();
    let token = url.state_token.clone().unwrap();
    assert_eq!(url.redirect_url, format!("https://yourapp.com/callback?ctt_state={token}"));
    assert_eq!(signer.verify(&token).unwrap().action_type, ActionType::UserSyncConsent);
    let sent: serde_json::Value = serde_json::from_str(&log.lock().unwrap().action_requests[0].1).unwrap();
    assert_eq!(sent["redirectUrl"], url.redirect_url.as_str());
}

#[tokio::test]
async fn batch_keeps_order_and_isolates_failures() {
    let (base, _) = server().await;
    let requests: Vec<_> = (0..40)
        .map(|i| {
            let name = if i % 10 == 3 { String::new() } else { format!("Enterprise {i}") };
            ActionUrlRequest::new(ActionType::Registration, name, "https://yourapp.com/cb")
        })
        .collect();
    let results = fixed(&base).get_action_item_urls(&requests, 8).await;
    assert_eq!(results.len(), 40);
    for (i, r) in results.iter().enumerate() {
        assert_eq!(r.is_err(), i % 10 == 3, "row {i}");
    }
}

#[tokio::test]
async fn batch_reports_progress_and_is_spawnable() {
    let (base, _) = server().await;
    let client = fixed(&base);
    let requests: Vec<_> = (0..10)
        .map(|i| ActionUrlRequest::new(ActionType::Registration, format!("E{i}"), "https://a.example/cb"))
        .collect();
    let task = tokio::spawn(async move {
        let mut seen = Vec::new();
        let results =
            client.get_action_item_urls_with_progress(&requests, 3, |i, r| seen.push((i, r.is_ok()))).await;
        (results, seen)
    });
    let (results, mut seen) = task.await.unwrap();
    assert!(results.iter().all(Result::is_ok));
    seen.sort();
    assert_eq!(seen, (0..10).map(|i| (i, true)).collect::<Vec<_>>());
}

#[tokio::test]
async fn secrets_never_show_in_debug_or_errors() {
    let (base, log) = server().await;
    let client = password(&base);
    let debug = format!("{client:?} {:#?}", client);
    for secret in [CLIENT_SECRET, PASSWORD] {
        assert!(!debug.contains(secret), "{debug}");
    }
    // A server that echoes the bearer token back in an error body.
    script(&log, [answer(400, &format!("bad token Bearer {FIXED}"))]);
    let e = fixed(&base).get_action_item_url(&req()).await.unwrap_err();
    let shown = format!("{e} {e:?} {}", e.body_snippet().unwrap_or(""));
    assert!(!shown.contains(FIXED), "{shown}");
    let token = client.fetch_token().await.unwrap();
    assert!(!format!("{token:?}").contains("issued-"));
}

#[test]
fn blocking_client_from_many_threads() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (base, log) = rt.block_on(server());
    let client = BlockingClient::new(password(&base)).unwrap();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let c = client.clone();
            std::thread::spawn(move || c.get_action_item_url(&req()).map(|u| u.url))
        })
        .collect();
    for t in threads {
        assert_eq!(t.join().unwrap().unwrap(), URL);
    }
    assert_eq!(log.lock().unwrap().token_requests, 1);
    // Inside a runtime a blocking call is refused instead of deadlocking.
    let inside = rt.block_on(async { client.get_action_item_url(&req()) });
    assert_eq!(inside.unwrap_err().kind(), ErrorKind::Internal);
}

#[test]
fn builder_rejects_bad_configuration() {
    let kinds = [
        Client::builder().build().unwrap_err(),
        Client::builder().bearer_token("").build().unwrap_err(),
        Client::builder().base_url("not a url").bearer_token("t").build().unwrap_err(),
        Client::builder().base_url("https://u:p@api.example").bearer_token("t").build().unwrap_err(),
        Client::builder().bearer_token("t").timeout(Duration::ZERO).build().unwrap_err(),
        Client::builder().bearer_token("t").add_root_certificate_pem(b"junk".to_vec()).build().unwrap_err(),
    ];
    for e in kinds {
        assert_eq!(e.kind(), ErrorKind::InvalidInput, "{e}");
    }
}

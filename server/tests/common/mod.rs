//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::time::Duration;

use ctt_core::{CallbackEvent, Client, RetryPolicy};
use ctt_server::mock::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME};
use ctt_server::MockServer;
use tokio::sync::mpsc::UnboundedReceiver;

/// Quick retries so fault tests stay fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        max_retry_after: Duration::from_secs(5),
    }
}

/// A password-grant client of the demo account against `mock`.
pub fn client(mock: &MockServer) -> Client {
    client_with(mock, fast_retries(), Duration::from_secs(20))
}

pub fn client_with(mock: &MockServer, retry: RetryPolicy, timeout: Duration) -> Client {
    Client::builder()
        .base_url(mock.base_url())
        .password_grant(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERNAME, DEMO_PASSWORD)
        .retry_policy(retry)
        .timeout(timeout)
        .use_env_proxy(false)
        .build()
        .expect("client")
}

/// A plain HTTP client for raw requests (no proxy, no redirects).
pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(20))
        .build()
        .expect("reqwest client")
}

/// The next event, failing the test after 10 s.
pub async fn next_event(rx: &mut UnboundedReceiver<CallbackEvent>) -> CallbackEvent {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("an event within 10 s")
        .expect("the channel is open")
}

/// Asserts that no further event is waiting (after letting in-flight work settle briefly).
pub async fn assert_no_more_events(rx: &mut UnboundedReceiver<CallbackEvent>) {
    tokio::time::sleep(Duration::from_millis(100)).await;
    if let Ok(ev) = rx.try_recv() {
        panic!("unexpected extra event: {}", ev.to_json());
    }
}

/// The body as JSON.
pub async fn json(resp: reqwest::Response) -> serde_json::Value {
    let text = resp.text().await.expect("a body");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

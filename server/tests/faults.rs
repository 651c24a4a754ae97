//! The core client against every injected fault kind, through the mock: a typed error, or a
//! bounded retry that succeeds.

mod common;

use std::time::Duration;

use ctt_core::{ActionType, ActionUrlRequest, ErrorKind, RetryPolicy};
use ctt_server::{Decision, Endpoint, Fault, Listener, ListenerConfig, MockConfig, MockServer};

fn request() -> ActionUrlRequest {
    ActionUrlRequest::new(ActionType::UserSyncConsent, "Faulty Ltd", "https://provider.example/callback")
}

/// Statuses the mock answered getActionItemUrl with, in order (`None`: no answer).
fn action_statuses(mock: &MockServer) -> Vec<Option<u16>> {
    mock.requests().iter().filter(|r| r.endpoint == Some(Endpoint::ActionUrl)).map(|r| r.status).collect()
}

async fn mock_with(faults: Vec<(Endpoint, Fault)>) -> MockServer {
    MockServer::start(MockConfig { faults, ..MockConfig::default() }).await.unwrap()
}

#[tokio::test]
async fn retryable_faults_are_retried_and_then_succeed() {
    let cases = [
        Fault::Status { status: 503, body: "{\"message\":\"maintenance\"}".into() },
        Fault::Status { status: 502, body: String::new() },
        Fault::Reset,
        Fault::CloseWithoutAnswer,
        Fault::TruncatedBody,
        Fault::RateLimited { retry_after_secs: 0 },
    ];
    for fault in cases {
        let mock = mock_with(vec![(Endpoint::ActionUrl, fault.clone())]).await;
        let url = common::client(&mock).get_action_item_url(&request()).await;
        assert!(url.is_ok(), "{fault}: {:?}", url.err());
        let statuses = action_statuses(&mock);
        assert_eq!(statuses.len(), 2, "{fault}: {statuses:?}");
        assert_eq!(statuses[1], Some(200), "{fault}");
        let log = mock.requests();
        let faulted = log.iter().find(|r| r.endpoint == Some(Endpoint::ActionUrl)).unwrap();
        assert_eq!(faulted.fault.as_deref(), Some(fault.to_string().as_str()));
        mock.shutdown().await;
    }
}

#[tokio::test]
async fn connection_faults_without_retries_are_transport_errors() {
    for fault in [Fault::Reset, Fault::CloseWithoutAnswer, Fault::TruncatedBody] {
        let mock = mock_with(vec![(Endpoint::ActionUrl, fault.clone())]).await;
        let client = common::client_with(&mock, RetryPolicy::none(), Duration::from_secs(10));
        let err = client.get_action_item_url(&request()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport, "{fault}: {err}");
        let expected = if fault == Fault::TruncatedBody { Some(200) } else { None };
        assert_eq!(action_statuses(&mock), vec![expected], "{fault}");
    }
}

#[tokio::test]
async fn non_retryable_faults_are_typed_errors_after_one_attempt() {
    let cases = [
        (Fault::Status { status: 500, body: "boom".into() }, ErrorKind::Server),
        (
            Fault::Status { status: 400, body: "{\"message\":\"enterprise is locked\"}".into() },
            ErrorKind::InvalidInput,
        ),
        (Fault::Status { status: 403, body: String::new() }, ErrorKind::Forbidden),
        (Fault::Status { status: 404, body: String::new() }, ErrorKind::NotFound),
        (Fault::Status { status: 418, body: String::new() }, ErrorKind::UnexpectedStatus),
        (Fault::GarbageBody, ErrorKind::MalformedResponse),
        (Fault::Html200, ErrorKind::MalformedResponse),
    ];
    for (fault, kind) in cases {
        let mock = mock_with(vec![(Endpoint::ActionUrl, fault.clone())]).await;
        let err = common::client(&mock).get_action_item_url(&request()).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{fault}: {err}");
        assert_eq!(action_statuses(&mock).len(), 1, "{fault}: not retried");
        if let Fault::Status { status, .. } = &fault {
            assert_eq!(err.status(), Some(*status));
        }
        if kind == ErrorKind::InvalidInput {
            assert!(err.message().contains("enterprise is locked"), "{err}");
        }
    }
}

#[tokio::test]
async fn retries_are_bounded() {
    let unavailable = || (Endpoint::ActionUrl, Fault::Status { status: 503, body: String::new() });
    let mock = mock_with(vec![unavailable(), unavailable(), unavailable(), unavailable()]).await;
    let err = common::client(&mock).get_action_item_url(&request()).await.unwrap_err();
    assert_eq!((err.kind(), err.status()), (ErrorKind::Server, Some(503)));
    assert_eq!(action_statuses(&mock), vec![Some(503); 3], "max_attempts is 3");
    // The fourth fault is still queued and hits the next call's first attempt.
    let ok = common::client(&mock).get_action_item_url(&request()).await;
    assert!(ok.is_ok());
    assert_eq!(action_statuses(&mock)[3..], [Some(503), Some(200)]);
}

#[tokio::test]
async fn rate_limits_honour_retry_after_up_to_the_policy() {
    // Retry-After: 1 is waited for, then the call succeeds.
    let mock = mock_with(vec![(Endpoint::ActionUrl, Fault::RateLimited { retry_after_secs: 1 })]).await;
    assert!(common::client(&mock).get_action_item_url(&request()).await.is_ok());
    assert_eq!(action_statuses(&mock), vec![Some(429), Some(200)]);
    // Retry-After longer than max_retry_after (5 s): the typed error, at once.
    let mock = mock_with(vec![(Endpoint::ActionUrl, Fault::RateLimited { retry_after_secs: 120 })]).await;
    let err = common::client(&mock).get_action_item_url(&request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::RateLimited);
    assert_eq!(err.retry_after(), Some(Duration::from_secs(120)));
    assert_eq!(action_statuses(&mock), vec![Some(429)]);
}

#[tokio::test]
async fn delays_answer_normally_or_hit_the_deadline() {
    let mock = mock_with(vec![(Endpoint::ActionUrl, Fault::Delay(Duration::from_millis(200)))]).await;
    assert!(common::client(&mock).get_action_item_url(&request()).await.is_ok());
    assert_eq!(action_statuses(&mock), vec![Some(200)]);
    assert_eq!(mock.requests().last().unwrap().fault.as_deref(), Some("delay:200"));

    let mock = mock_with(vec![(Endpoint::ActionUrl, Fault::Delay(Duration::from_secs(30)))]).await;
    let client = common::client_with(&mock, common::fast_retries(), Duration::from_millis(800));
    let err = client.get_action_item_url(&request()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
}

#[tokio::test]
async fn token_endpoint_faults() {
    // A retryable fault on the token endpoint is retried inside the token fetch.
    for fault in [
        Fault::Status { status: 503, body: String::new() },
        Fault::Reset,
        Fault::RateLimited { retry_after_secs: 0 },
    ] {
        let mock = mock_with(vec![(Endpoint::Token, fault.clone())]).await;
        assert!(common::client(&mock).get_action_item_url(&request()).await.is_ok(), "{fault}");
        let tokens: Vec<_> = mock
            .requests()
            .iter()
            .filter(|r| r.endpoint == Some(Endpoint::Token))
            .map(|r| r.status)
            .collect();
        assert_eq!(tokens.len(), 2, "{fault}: {tokens:?}");
    }
    for (fault, kind) in [
        (Fault::GarbageBody, ErrorKind::MalformedResponse),
        (Fault::Html200, ErrorKind::MalformedResponse),
        (
            Fault::Status { status: 401, body: "{\"error\":\"invalid_client\"}".into() },
            ErrorKind::Unauthorized,
        ),
    ] {
        let mock = mock_with(vec![(Endpoint::Token, fault.clone())]).await;
        let err = common::client(&mock).fetch_token().await.unwrap_err();
        assert_eq!(err.kind(), kind, "{fault}: {err}");
    }
    let mock = mock_with(vec![(Endpoint::Token, Fault::TruncatedBody)]).await;
    let err = common::client_with(&mock, RetryPolicy::none(), Duration::from_secs(10))
        .fetch_token()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport, "{err}");
}

#[tokio::test]
async fn authorize_faults_reach_the_admin() {
    let mock = MockServer::start(MockConfig::default()).await.unwrap();
    let (listener, mut events) = Listener::start_with_channel(ListenerConfig::default()).await.unwrap();
    let request = ActionUrlRequest::new(ActionType::ContactsConsent, "Faulty Ltd", listener.callback_url());
    let url = common::client(&mock).get_action_item_url(&request).await.unwrap();
    let cases = [
        (Fault::Status { status: 500, body: String::new() }, ErrorKind::Server),
        (Fault::Html200, ErrorKind::MalformedResponse),
        (Fault::GarbageBody, ErrorKind::MalformedResponse),
        (Fault::Reset, ErrorKind::Transport),
        (Fault::CloseWithoutAnswer, ErrorKind::Transport),
        (Fault::TruncatedBody, ErrorKind::Transport),
        (Fault::RateLimited { retry_after_secs: 3 }, ErrorKind::RateLimited),
    ];
    for (fault, kind) in cases {
        mock.push_fault(Endpoint::Authorize, fault.clone());
        let err = mock.consent(&url.url, Decision::Approve).await.unwrap_err();
        assert_eq!(err.kind(), kind, "{fault}: {err}");
    }
    // None of those reached the listener; once the queue is empty (a delay answers normally),
    // the consent goes through, exactly once.
    common::assert_no_more_events(&mut events).await;
    mock.push_fault(Endpoint::Authorize, Fault::Delay(Duration::from_millis(10)));
    let delivery = mock.consent(&url.url, Decision::Approve).await.unwrap();
    assert_eq!(delivery.status, 200);
    common::next_event(&mut events).await;
    common::assert_no_more_events(&mut events).await;
}

//! The fault matrix for the Rust layer, as a printed table (`FAULT rust: …` lines): each mock
//! fault on getActionItemUrl, with retries (3 attempts) and without (1 attempt), against a
//! 3 s deadline. server/tests/faults.rs asserts the same kinds in more detail; this test is the
//! table the other layers' tables (hardening/c, hardening/python) are compared with.

use std::time::{Duration, Instant};

use ctt_core::{ActionType, ActionUrlRequest, Client, ErrorKind, RetryPolicy};
use ctt_server::mock::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME};
use ctt_server::{fault_flag, MockConfig, MockServer};

const DEADLINE: Duration = Duration::from_secs(3);

fn client(mock: &MockServer, attempts: u32) -> Client {
    Client::builder()
        .base_url(mock.base_url())
        .password_grant(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERNAME, DEMO_PASSWORD)
        .retry_policy(RetryPolicy {
            max_attempts: attempts,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        })
        .timeout(DEADLINE)
        .use_env_proxy(false)
        .build()
        .unwrap()
}

/// `None`: success.
type Outcome = Option<ErrorKind>;

async fn call(mock: &MockServer, client: &Client, fault: &str) -> (Outcome, Duration, Option<u16>) {
    mock.reset();
    let (endpoint, fault) = fault_flag(&format!("action_url={fault}")).unwrap();
    mock.push_fault(endpoint, fault);
    let request = ActionUrlRequest::new(ActionType::CdrConsent, "Fault Corp", "https://sp.example/cb");
    let started = Instant::now();
    // The hang guard: far above the deadline.
    let result = tokio::time::timeout(DEADLINE * 3, client.get_action_item_url(&request))
        .await
        .expect("the call hung past three times its deadline");
    let took = started.elapsed();
    match result {
        Ok(_) => (None, took, None),
        Err(e) => (Some(e.kind()), took, e.status()),
    }
}

fn show(o: Outcome, status: Option<u16>, retried: bool) -> String {
    match (o, status) {
        (None, _) if retried => "ok (retried)".into(),
        (None, _) => "ok".into(),
        (Some(k), Some(s)) => format!("{} {s}", k.as_str()),
        (Some(k), None) => k.as_str().into(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_fault_gives_a_typed_error_or_a_bounded_retry() {
    use ErrorKind::*;
    let cases: [(&str, Outcome, Outcome); 11] = [
        ("reset", None, Some(Transport)),
        ("close", None, Some(Transport)),
        ("delay:10000", Some(Timeout), Some(Timeout)),
        ("rate_limit:1", None, Some(RateLimited)),
        ("status:500", Some(Server), Some(Server)),
        ("status:502", None, Some(Server)),
        ("status:503", None, Some(Server)),
        ("status:504", None, Some(Server)),
        ("truncate", None, Some(Transport)),
        ("garbage", Some(MalformedResponse), Some(MalformedResponse)),
        ("html", Some(MalformedResponse), Some(MalformedResponse)),
    ];
    let mock = MockServer::start(MockConfig::default()).await.unwrap();
    let retrying = client(&mock, 3);
    let single = client(&mock, 1);
    retrying.fetch_token().await.unwrap();
    single.fetch_token().await.unwrap();
    println!(
        "FAULT rust: action_url fault | 3 attempts: outcome (ms) | 1 attempt: outcome (ms) | deadline {} ms",
        DEADLINE.as_millis()
    );
    let mut unexpected = Vec::new();
    for (fault, want_retrying, want_single) in cases {
        let (a, ta, sa) = call(&mock, &retrying, fault).await;
        let (b, tb, sb) = call(&mock, &single, fault).await;
        let ok = a == want_retrying && b == want_single;
        println!(
            "FAULT rust: {fault:<13} | {:<26} {:5} | {:<26} {:5}{}",
            show(a, sa, true),
            ta.as_millis(),
            show(b, sb, false),
            tb.as_millis(),
            if ok { "" } else { "   <-- UNEXPECTED" }
        );
        if !ok {
            unexpected.push(fault);
        }
    }
    mock.shutdown().await;
    assert!(unexpected.is_empty(), "unexpected outcomes for {unexpected:?}");
}

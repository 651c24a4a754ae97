//! Rough throughput of the mock and the listener on this machine (loopback, one process):
//! `cargo run -p ctt-server --example throughput [--release] [N]`.

use std::time::{Duration, Instant};

use ctt_core::{ActionType, ActionUrlRequest, Client};
use ctt_server::mock::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME};
use ctt_server::{Listener, ListenerConfig, MockConfig, MockServer};

#[tokio::main]
async fn main() -> ctt_core::Result<()> {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(2000);
    let mock = MockServer::start(MockConfig::default()).await?;
    let client = Client::builder()
        .base_url(mock.base_url())
        .password_grant(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERNAME, DEMO_PASSWORD)
        .use_env_proxy(false)
        .timeout(Duration::from_secs(60))
        .build()?;
    let requests: Vec<_> = (0..n)
        .map(|i| {
            ActionUrlRequest::new(
                ActionType::UserSyncConsent,
                format!("Enterprise {i}"),
                "https://isp.example/cb",
            )
        })
        .collect();
    let start = Instant::now();
    let results = client.get_action_item_urls(&requests, 16).await;
    let secs = start.elapsed().as_secs_f64();
    let ok = results.iter().filter(|r| r.is_ok()).count();
    println!(
        "mock: {ok}/{n} action URLs in {secs:.2} s = {:.0} requests/s (concurrency 16)",
        n as f64 / secs
    );

    let (listener, mut events) = Listener::start_with_channel(ListenerConfig::default()).await?;
    let http = reqwest::Client::builder().no_proxy().build().expect("client");
    let start = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for chunk in 0..16 {
        let (http, url) = (http.clone(), listener.callback_url());
        tasks.spawn(async move {
            for i in (chunk..n).step_by(16) {
                let _ = http.get(format!("{url}?success=done-{i}")).send().await;
            }
        });
    }
    while tasks.join_next().await.is_some() {}
    let mut got = 0;
    while events.try_recv().is_ok() {
        got += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    println!(
        "listener: {got}/{n} callbacks in {secs:.2} s = {:.0} callbacks/s (16 keep-alive clients)",
        n as f64 / secs
    );
    listener.shutdown().await;
    mock.shutdown().await;
    Ok(())
}

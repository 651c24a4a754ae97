//! `ctt demo [--type T]`: the whole flow end to end on this machine. Starts the embedded mock and
//! a listener in-process, gets a token with the password grant, then walks every action type
//! (approve), plus denials and a replayed callback, printing each step with tokens redacted.
//! Exit 0 when every step behaved as expected.

use std::time::Duration;

use ctt_core::{
    ActionType, ActionUrlRequest, CallbackHandler, CallbackStyle, Client, EventKind, FlowSigner, REDACTED,
};
use ctt_server::mock::{DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME};
use ctt_server::{Decision, Listener, ListenerConfig, MockConfig, MockServer};
use serde_json::{json, Value};
use tokio::sync::mpsc::UnboundedReceiver;

use super::stop;
use crate::config::{parse_action_type, Global};
use crate::fail::{Outcome, EXIT_FAILED, EXIT_OK};
use crate::output::{event_text, Out};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Walk only this action type (approve, then deny); default: all nine.
    #[arg(long = "type", value_parser = parse_action_type)]
    action_type: Option<ActionType>,
    /// The enterprise name used in the demo.
    #[arg(long, default_value = "Contoso Demo")]
    enterprise: String,
}

struct Demo {
    client: Client,
    mock: MockServer,
    listener: Listener,
    events: UnboundedReceiver<ctt_core::CallbackEvent>,
    signer: FlowSigner,
    enterprise: String,
    out: Out,
}

pub async fn run(args: Args, g: &Global) -> Outcome {
    let out = g.out();
    let mock = MockServer::start(MockConfig::default()).await?;
    let signer = FlowSigner::new(&stop::random_key())?.with_memory_replay_guard();
    let handler = CallbackHandler::new().with_state(signer.clone(), g.placement());
    let (listener, events) =
        Listener::start_with_channel(ListenerConfig { handler, ..Default::default() }).await?;
    out.emit(&json!({"step": "start", "mock": mock.base_url(), "listener": listener.callback_url()}), || {
        format!("mock API at {}\nlistener at {}", mock.base_url(), listener.callback_url())
    });
    let client = Client::builder()
        .base_url(mock.base_url())
        .password_grant(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERNAME, DEMO_PASSWORD)
        .timeout(Duration::from_secs(15))
        .build()?;
    let token = client.fetch_token().await?;
    let expires = token.expires_in.map(|d| d.as_secs());
    out.emit(&json!({"step": "token", "access_token": REDACTED, "expires_in": expires}), || {
        format!(
            "token for {DEMO_USERNAME} (password grant): {REDACTED}, expires in {} s",
            expires.unwrap_or(0)
        )
    });

    let mut demo = Demo { client, mock, listener, events, signer, enterprise: args.enterprise, out };
    let mut cases: Vec<(ActionType, Decision)> = match args.action_type {
        Some(t) => vec![(t, Decision::Approve), (t, Decision::Deny)],
        None => ActionType::ALL.iter().map(|&t| (t, Decision::Approve)).collect(),
    };
    if args.action_type.is_none() {
        cases.push((ActionType::UserSyncConsent, Decision::Deny));
        cases.push((ActionType::Registration, Decision::Deny));
    }
    let total = cases.len() + 1;
    let mut passed = 0;
    let mut last_redirect = None;
    for (i, (t, decision)) in cases.into_iter().enumerate() {
        let (ok, replayable) = demo.step(i + 1, total, t, decision).await;
        passed += usize::from(ok);
        last_redirect = replayable.or(last_redirect);
    }
    passed += usize::from(demo.replay(total, last_redirect).await);
    let all = passed == total;
    demo.out.emit(
        &json!({"summary": {"steps": total, "passed": passed, "failed": total - passed, "ok": all}}),
        || format!("\n{passed}/{total} steps behaved as expected{}", if all { "" } else { " — FAILED" }),
    );
    demo.listener.shutdown().await;
    demo.mock.shutdown().await;
    Ok(if all { EXIT_OK } else { EXIT_FAILED })
}

impl Demo {
    /// One action: URL with a state token, the admin's decision, the event. Returns whether it
    /// behaved as expected, and the delivered redirect URL (for the replay step).
    async fn step(
        &mut self,
        n: usize,
        total: usize,
        t: ActionType,
        decision: Decision,
    ) -> (bool, Option<String>) {
        let expected = match (decision, t.callback_style()) {
            (Decision::Deny, _) => EventKind::ConsentFailed,
            (Decision::Approve, CallbackStyle::JsonPost) => EventKind::Authenticated,
            (Decision::Approve, CallbackStyle::QueryRedirect) => EventKind::ConsentSucceeded,
        };
        let mut doc = json!({"step": n, "action_type": t.as_str(), "decision": decision.as_str(), "expected": expected.as_str()});
        let mut text = format!("\n[{n}/{total}] {t}: the Global Admin will {decision}");
        let req = ActionUrlRequest::new(t, &self.enterprise, self.listener.callback_url())
            .with_state(self.signer.clone(), ctt_core::StatePlacement::default());
        let result = async {
            let url = self.client.get_action_item_url(&req).await?;
            let page = url.url.split('?').next().unwrap_or("");
            let consent = url.consent();
            let scopes: Vec<&str> = consent.scopes.iter().map(String::as_str).filter(|s| *s != "openid").collect();
            text.push_str(&format!("\n  action URL: {page}?… asking for {}", scopes.join(" ")));
            let delivery = self.mock.consent(&url.url, decision).await?;
            text.push_str(&format!("\n  delivered as {} → listener answered {}", delivery.style.as_str(), delivery.status));
            doc["action_url"] = json!(url.url);
            doc["delivery"] = json!({"style": delivery.style.as_str(), "status": delivery.status, "message": delivery.message});
            let event = tokio::time::timeout(Duration::from_secs(10), self.events.recv()).await.ok().flatten();
            Ok::<_, ctt_core::Error>((delivery, event))
        }
        .await;
        let (ok, replay) = match result {
            Ok((delivery, Some(ev))) => {
                let ev_json = ev.to_json();
                text.push_str(&format!("\n  event: {}", event_text(&ev_json).replace('\n', "\n  ")));
                let state_ok = ev.state().is_some_and(|s| s.action_type == t);
                let ok = ev.kind() == expected && state_ok && delivery.status == 200;
                doc["event"] = ev_json;
                let replay = (delivery.style == ctt_server::DeliveryStyle::Redirect).then_some(delivery.url);
                (ok, replay)
            }
            Ok((_, None)) => {
                text.push_str("\n  no event arrived within 10 s");
                doc["error"] = json!({"kind": "timeout", "message": "no event arrived within 10 s"});
                (false, None)
            }
            Err(e) => {
                text.push_str(&format!("\n  error: {e}"));
                doc["error"] = crate::fail::error_json(e.kind(), e.message())["error"].clone();
                (false, None)
            }
        };
        text.push_str(if ok { "\n  ✓ as expected" } else { "\n  ✗ NOT as expected" });
        doc["ok"] = json!(ok);
        self.out.emit(&doc, || text);
        (ok, replay)
    }

    /// Delivers an already used redirect again: the listener must refuse it (403, replayed).
    async fn replay(&mut self, n: usize, url: Option<String>) -> bool {
        let Some(url) = url else { return true };
        let status = match reqwest::Client::builder().no_proxy().build() {
            Ok(http) => http.get(&url).send().await.map(|r| r.status().as_u16()).ok(),
            Err(_) => None,
        };
        let no_event = self.events.try_recv().is_err();
        let ok = status == Some(403) && no_event;
        let shown = status.map_or("no answer".to_owned(), |s| s.to_string());
        let doc: Value = json!({"step": n, "replay": url, "status": status, "ok": ok});
        self.out.emit(&doc, || {
            format!(
                "\n[{n}/{n}] replaying the last consent redirect\n  listener answered {shown} (state token already used), no event\n  {}",
                if ok { "✓ as expected" } else { "✗ NOT as expected" }
            )
        });
        ok
    }
}

//! End to end over loopback: ctt_core::Client → mock → simulated Global Admin → listener → event,
//! for all nine action types, approve and deny, without state tokens and with them in the query
//! and in the path.

mod common;

use ctt_core::{
    ActionType, ActionUrlRequest, CallbackEvent, CallbackHandler, CallbackStyle, EventKind, FlowSigner,
    StatePlacement,
};
use ctt_server::mock::{success_message, tenant_id_for, DENY_MESSAGE, MOCK_APP_CLIENT_ID};
use ctt_server::{Decision, DeliveryStyle, Listener, ListenerConfig, MockConfig, MockServer};

async fn every_action_type_both_ways(placement: Option<StatePlacement>) {
    let mock = MockServer::start(MockConfig::default()).await.unwrap();
    let signer = FlowSigner::new(&[42u8; 32]).unwrap().with_memory_replay_guard();
    let handler = match &placement {
        Some(p) => CallbackHandler::new().with_state(signer.clone(), p.clone()),
        None => CallbackHandler::new(),
    };
    let (listener, mut events) =
        Listener::start_with_channel(ListenerConfig { handler, ..ListenerConfig::default() }).await.unwrap();
    let client = common::client(&mock);
    let mut expected_deliveries = 0;
    for action_type in ActionType::ALL {
        for decision in [Decision::Approve, Decision::Deny] {
            let enterprise = format!("Acme {} {}", action_type.code(), decision);
            let mut request = ActionUrlRequest::new(action_type, &enterprise, listener.callback_url());
            if let Some(p) = &placement {
                request = request.with_state(signer.clone(), p.clone());
            }
            let url = client.get_action_item_url(&request).await.unwrap();
            let c = url.consent();
            assert!(c.is_authorize, "{}", url.url);
            assert_eq!(c.client_id.as_deref(), Some(MOCK_APP_CLIENT_ID));
            assert_eq!(c.response_mode.as_deref(), Some("form_post"));
            assert!(c.state.as_deref().is_some_and(|s| !s.is_empty()));
            assert!(c.nonce.as_deref().is_some_and(|n| n.bytes().all(|b| b.is_ascii_digit())));
            assert!(c.scopes.iter().any(|s| s.ends_with("/user_impersonation")), "{:?}", c.scopes);
            assert!(c.redirect_uri.as_deref().is_some_and(|r| r.ends_with("/restricted/handleResponse")));
            assert_eq!(url.state_token.is_some(), placement.is_some());

            let delivery = mock.consent(&url.url, decision).await.unwrap();
            assert_eq!(delivery.action_type, action_type);
            assert_eq!(delivery.enterprise_name, enterprise);
            assert_eq!(delivery.decision, decision);
            assert_eq!(delivery.status, 200, "{delivery:?}");
            expected_deliveries += 1;

            let event = common::next_event(&mut events).await;
            let json_post =
                action_type.callback_style() == CallbackStyle::JsonPost && decision == Decision::Approve;
            match (&event, json_post, decision) {
                (CallbackEvent::Authenticated { result, .. }, true, _) => {
                    assert_eq!(delivery.style, DeliveryStyle::JsonPost);
                    assert!(delivery.response_body.contains("\"ok\":true"), "{}", delivery.response_body);
                    assert_eq!(result.organization.as_deref(), Some(enterprise.as_str()));
                    assert_eq!(result.office_user_type.as_ref().map(|t| t.as_str()), Some("GLOBAL_ADMIN"));
                    assert_eq!(result.company_admin, Some(true));
                    let tid = tenant_id_for(&enterprise);
                    assert_eq!(result.effective_tenant_id(), Some(tid.as_str()));
                    assert!(!result.tenant_mismatch);
                    let claims = result.claims.as_ref().expect("a JWT-shaped access token");
                    assert!(claims.exp.is_some());
                    // expiresOn is in microseconds: the same instant as the JWT's exp, times 10^6.
                    let raw = result.expires_on_raw.expect("expiresOn");
                    assert_eq!(raw / 1_000_000, claims.exp.unwrap());
                    assert!(result.expiry.unix_seconds().is_some());
                }
                (CallbackEvent::Consent { redirect, .. }, false, Decision::Approve) => {
                    assert_eq!(delivery.style, DeliveryStyle::Redirect);
                    assert_eq!(event.kind(), EventKind::ConsentSucceeded);
                    assert_eq!(redirect.outcome.message(), success_message(action_type));
                    assert_eq!(delivery.message.as_deref(), Some(success_message(action_type)));
                    assert!(delivery.response_body.contains("Consent recorded, you can close this window."));
                }
                (CallbackEvent::Consent { .. }, false, Decision::Deny) => {
                    assert_eq!(delivery.style, DeliveryStyle::Redirect);
                    assert_eq!(event.kind(), EventKind::ConsentFailed);
                    assert_eq!(event.failure_message(), Some(DENY_MESSAGE));
                    assert!(delivery.response_body.contains("Unable to Complete the process."));
                }
                _ => panic!("{action_type} {decision}: unexpected event {}", event.to_json()),
            }
            match &placement {
                Some(_) => {
                    let state = event.state().expect("a verified state");
                    assert_eq!(state.action_type, action_type);
                    assert_eq!(state.enterprise_name, enterprise);
                    assert_eq!(event.to_json()["state"]["enterprise_name"], enterprise.as_str());
                }
                None => assert!(event.state().is_none()),
            }
            if let Some(StatePlacement::PathSegment) = &placement {
                let token = url.state_token.as_deref().unwrap();
                assert!(delivery.url.contains(&format!("/callback/{token}")), "{}", delivery.url);
            }
            common::assert_no_more_events(&mut events).await;
        }
    }
    assert_eq!(listener.delivered(), expected_deliveries);
    assert_eq!(expected_deliveries, 18);
    // The user-sync wording is the vendor's own.
    assert_eq!(success_message(ActionType::UserSyncConsent), "User Sync Consent Completed Successfully");
    listener.shutdown().await;
    mock.shutdown().await;
}

#[tokio::test]
async fn all_action_types_without_state() {
    every_action_type_both_ways(None).await;
}

#[tokio::test]
async fn all_action_types_with_query_state() {
    every_action_type_both_ways(Some(StatePlacement::default())).await;
}

#[tokio::test]
async fn all_action_types_with_path_state() {
    every_action_type_both_ways(Some(StatePlacement::PathSegment)).await;
}

#[tokio::test]
async fn replaying_a_consent_url_is_refused_by_the_listener() {
    let mock = MockServer::start(MockConfig::default()).await.unwrap();
    let signer = FlowSigner::new(&[7u8; 32]).unwrap().with_memory_replay_guard();
    let handler = CallbackHandler::new().with_state(signer.clone(), StatePlacement::default());
    let (listener, mut events) =
        Listener::start_with_channel(ListenerConfig { handler, ..ListenerConfig::default() }).await.unwrap();
    let request = ActionUrlRequest::new(ActionType::CdrConsent, "Replay Inc", listener.callback_url())
        .with_state(signer, StatePlacement::default());
    let url = common::client(&mock).get_action_item_url(&request).await.unwrap();
    let first = mock.consent(&url.url, Decision::Approve).await.unwrap();
    assert_eq!(first.status, 200);
    let second = mock.consent(&url.url, Decision::Approve).await.unwrap();
    assert_eq!(second.status, 403);
    assert!(second.response_body.contains("\"rejection\":\"replayed\""), "{}", second.response_body);
    common::next_event(&mut events).await;
    common::assert_no_more_events(&mut events).await;
    assert_eq!(listener.delivered(), 1);
}

#[tokio::test]
async fn json_string_answers_and_default_decision() {
    let config =
        MockConfig { json_string_answers: true, default_decision: Decision::Deny, ..MockConfig::default() };
    let mock = MockServer::start(config).await.unwrap();
    let (listener, mut events) = Listener::start_with_channel(ListenerConfig::default()).await.unwrap();
    let request = ActionUrlRequest::new(ActionType::PresenceConsent, "Json Co", listener.callback_url());
    let url = common::client(&mock).get_action_item_url(&request).await.unwrap();
    let raw = mock.requests().into_iter().rfind(|r| r.path == "/enterprise/getActionItemUrl").unwrap();
    assert_eq!(raw.status, Some(200));
    // A browser visit without ctt_decision gets the configured default (deny) and the 302.
    let resp = common::http().get(&url.url).send().await.unwrap();
    assert_eq!(resp.status(), 302);
    let location = resp.headers()["location"].to_str().unwrap().to_owned();
    assert!(location.starts_with(&listener.callback_url()), "{location}");
    assert!(location.contains("error=Unable%20to%20Complete%20the%20process."), "{location}");
    let page = common::http().get(&location).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let event = common::next_event(&mut events).await;
    assert_eq!(event.kind(), EventKind::ConsentFailed);
}

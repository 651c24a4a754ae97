//! Secrets never appear in any formatting of any public Rust object that holds one, nor in
//! errors, nor in the log at TRACE level (everything `tracing` emits from ctt-core and
//! ctt-server, captured by a layer that records every field of every event and span).
//! Zeroize-on-drop is tested by core/tests/zeroize.rs and not repeated here.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use ctt_core::{
    ActionType, ActionUrlRequest, CallbackHandler, CallbackRequest, Client, Credentials, FlowSigner, Secret,
    StatePlacement,
};
use ctt_server::mock::{
    Decision, MockAccount, MockConfig, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_USERNAME,
};
use ctt_server::{Endpoint, Fault, Listener, ListenerConfig, MockServer};
use tracing::field::{Field, Visit};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// Everything logged so far, as text.
fn log() -> &'static Arc<Mutex<String>> {
    static LOG: OnceLock<Arc<Mutex<String>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buf = Arc::new(Mutex::new(String::new()));
        let subscriber = tracing_subscriber::registry().with(Capture(buf.clone()));
        tracing::subscriber::set_global_default(subscriber).expect("the only subscriber");
        buf
    })
}

struct Capture(Arc<Mutex<String>>);

struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        let mut line = format!("{} {}:", event.metadata().level(), event.metadata().target());
        event.record(&mut Fields(&mut line));
        let mut buf = self.0.lock().unwrap();
        buf.push_str(&line);
        buf.push('\n');
    }
    fn on_new_span(&self, attrs: &tracing::span::Attributes<'_>, _: &tracing::span::Id, _: Context<'_, S>) {
        let mut line = format!("SPAN {}:", attrs.metadata().name());
        attrs.record(&mut Fields(&mut line));
        let mut buf = self.0.lock().unwrap();
        buf.push_str(&line);
        buf.push('\n');
    }
    fn on_record(&self, _: &tracing::span::Id, values: &tracing::span::Record<'_>, _: Context<'_, S>) {
        let mut line = "SPAN record:".to_owned();
        values.record(&mut Fields(&mut line));
        let mut buf = self.0.lock().unwrap();
        buf.push_str(&line);
        buf.push('\n');
    }
}

/// Asserts that none of `secrets` occurs in `text`.
fn assert_clean(what: &str, text: &str, secrets: &[String]) {
    for s in secrets {
        assert!(!s.is_empty());
        assert!(!text.contains(s.as_str()), "{what} leaks a secret ({} chars): {text}", s.len());
    }
}

/// Debug, pretty Debug of anything.
fn debug_forms<T: std::fmt::Debug>(v: &T) -> String {
    format!("{v:?}\n{v:#?}")
}

const BEARER: &str = "hardening-bearer-token-4f7c2a91";
const KEY: &[u8] = b"hardening-flow-signer-key-0123456789abcdef";
const OTHER_SECRET: &str = "hardening-client-secret-77e1";
const OTHER_PASSWORD: &str = "hardening-password-19b3";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_any_format_error_or_trace_log() {
    let log = log();
    let mut secrets: Vec<String> = vec![
        DEMO_CLIENT_SECRET.into(),
        DEMO_PASSWORD.into(),
        BEARER.into(),
        OTHER_SECRET.into(),
        OTHER_PASSWORD.into(),
        String::from_utf8(KEY.to_vec()).unwrap(),
        KEY.iter().map(|b| format!("{b:02x}")).collect(),
        format!("{:?}", KEY),
    ];
    let mut formatted: Vec<(String, String)> = Vec::new();

    // The mock with a second account, and its own Debug.
    let config = MockConfig {
        accounts: vec![
            MockAccount::demo(),
            MockAccount::new("other-client", OTHER_SECRET, "other@provider.example", OTHER_PASSWORD),
        ],
        static_tokens: vec![Secret::new(BEARER)],
        ..MockConfig::default()
    };
    formatted.push(("MockConfig".into(), debug_forms(&config)));
    formatted.push(("MockAccount".into(), debug_forms(&config.accounts[1])));
    let mock = MockServer::start(config).await.unwrap();
    formatted.push(("MockServer".into(), debug_forms(&mock)));

    // Secrets themselves, credentials, builders, clients.
    let secret = Secret::new(BEARER);
    formatted.push(("Secret".into(), format!("{}\n{}", debug_forms(&secret), secret)));
    let creds = Credentials::PasswordGrant {
        client_id: DEMO_CLIENT_ID.into(),
        client_secret: Secret::new(DEMO_CLIENT_SECRET),
        username: DEMO_USERNAME.into(),
        password: Secret::new(DEMO_PASSWORD),
    };
    formatted.push(("Credentials::PasswordGrant".into(), debug_forms(&creds)));
    formatted.push(("Credentials::Token".into(), debug_forms(&Credentials::Token(Secret::new(BEARER)))));
    let builder = Client::builder()
        .base_url(mock.base_url())
        .password_grant(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERNAME, DEMO_PASSWORD)
        .timeout(Duration::from_secs(20))
        .use_env_proxy(false);
    formatted.push(("ClientBuilder".into(), debug_forms(&builder)));
    let client = builder.build().unwrap();
    formatted.push(("Client".into(), debug_forms(&client)));
    let bearer_client = Client::builder()
        .base_url(mock.base_url())
        .bearer_token(BEARER)
        .use_env_proxy(false)
        .build()
        .unwrap();
    formatted.push(("Client (bearer)".into(), debug_forms(&bearer_client)));

    // A token from the mock; its value is a secret from now on.
    let token = client.fetch_token().await.unwrap();
    secrets.push(token.token.expose().to_owned());
    formatted.push(("AccessToken".into(), debug_forms(&token)));

    // The signer and a listener that verifies its tokens.
    let signer = FlowSigner::new(KEY).unwrap().with_memory_replay_guard();
    formatted.push(("FlowSigner".into(), debug_forms(&signer)));
    let handler = CallbackHandler::new().with_state(signer.clone(), StatePlacement::default());
    formatted.push(("CallbackHandler".into(), debug_forms(&handler)));
    let (listener, mut events) = Listener::start_with_channel(ListenerConfig {
        handler: handler.clone(),
        ..ListenerConfig::default()
    })
    .await
    .unwrap();

    // Registration end to end: the mock POSTs tokens to the listener.
    let request = ActionUrlRequest::new(ActionType::Registration, "Secret Corp", listener.callback_url())
        .with_state(signer.clone(), StatePlacement::default());
    formatted.push(("ActionUrlRequest".into(), debug_forms(&request)));
    let action = client.get_action_item_url(&request).await.unwrap();
    formatted.push(("ActionUrl".into(), debug_forms(&action)));
    let delivery = mock.consent(&action.url, Decision::Approve).await.unwrap();
    formatted.push(("ConsentDelivery".into(), format!("{}\n{}", debug_forms(&delivery), delivery.to_json())));
    let event = tokio::time::timeout(Duration::from_secs(10), events.recv()).await.unwrap().unwrap();
    let ctt_core::CallbackEvent::Authenticated { result, .. } = &event else { panic!("not authenticated") };
    let jwt = result.access_token.expose().to_owned();
    secrets.push(jwt.rsplit('.').next().unwrap().to_owned()); // the signature part
    secrets.push(jwt.clone());
    if let Some(t) = &result.id_token {
        secrets.push(t.expose().to_owned());
    }
    if let Some(t) = &result.refresh_token {
        secrets.push(t.expose().to_owned());
    }
    formatted.push((
        "CallbackEvent::Authenticated".into(),
        format!("{}\n{}", debug_forms(&event), event.to_json()),
    ));
    formatted.push(("AuthenticationResult".into(), debug_forms(result.as_ref())));

    // The request log of the mock holds Authorization headers and password bodies.
    for r in mock.requests() {
        formatted
            .push((format!("RecordedRequest {}", r.path), format!("{}\n{}", debug_forms(&r), r.to_json())));
    }

    // The same registration body handled in process, and errors on the way.
    let body = delivery.response_body.clone();
    formatted.push(("delivery body".into(), body));
    let replay = CallbackRequest::new("POST", "/callback");
    formatted.push(("CallbackRequest".into(), debug_forms(&replay)));
    let errors = [
        // wrong password
        Client::builder()
            .base_url(mock.base_url())
            .password_grant(DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERNAME, OTHER_PASSWORD)
            .use_env_proxy(false)
            .build()
            .unwrap()
            .fetch_token()
            .await
            .unwrap_err(),
        // wrong client secret
        Client::builder()
            .base_url(mock.base_url())
            .password_grant(DEMO_CLIENT_ID, OTHER_SECRET, DEMO_USERNAME, DEMO_PASSWORD)
            .use_env_proxy(false)
            .build()
            .unwrap()
            .fetch_token()
            .await
            .unwrap_err(),
        // an unknown bearer token
        Client::builder()
            .base_url(mock.base_url())
            .bearer_token(format!("{BEARER}-unknown"))
            .use_env_proxy(false)
            .build()
            .unwrap()
            .get_action_item_url(&ActionUrlRequest::new(
                ActionType::CdrConsent,
                "Acme",
                "https://x.example/cb",
            ))
            .await
            .unwrap_err(),
        // the server echoing the token back in an error body
        {
            mock.push_fault(
                Endpoint::ActionUrl,
                Fault::Status { status: 500, body: format!("{{\"message\":\"bad token {BEARER}\"}}") },
            );
            bearer_client
                .get_action_item_url(&ActionUrlRequest::new(
                    ActionType::CdrConsent,
                    "Acme",
                    "https://x.example/cb",
                ))
                .await
                .unwrap_err()
        },
        // a replayed state token
        handler
            .handle(&CallbackRequest::new(
                "GET",
                &format!(
                    "/callback?ctt_state={}&success=x",
                    request.prepare().unwrap().2.unwrap_or_default()
                ),
            ))
            .and_then(|_| handler.handle(&CallbackRequest::new("GET", "/callback?ctt_state=bad&success=x")))
            .unwrap_err(),
    ];
    for (i, e) in errors.iter().enumerate() {
        formatted.push((format!("Error #{i} ({})", e.kind().as_str()), format!("{e}\n{}", debug_forms(e))));
    }

    listener.shutdown().await;
    mock.shutdown().await;

    let log_text = log.lock().unwrap().clone();
    let mut checked = 0;
    for (what, text) in &formatted {
        // The server echoing our token is the one place the bearer may come back: not in errors.
        assert_clean(what, text, &secrets);
        checked += 1;
    }
    assert_clean("the TRACE log", &log_text, &secrets);
    let log_lines = log_text.lines().count();
    println!(
        "SECRETS rust: {checked} formatted objects ({{:?}}, {{:#?}}, Display, to_json) and {log_lines} TRACE log \
         lines checked against {} known secrets: none found",
        secrets.len()
    );
    assert!(log_lines > 0, "nothing was logged: the capture is not working");
}

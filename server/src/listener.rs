//! The webhook listener: serves the callback path(s), turns each request into a
//! [`CallbackEvent`] with the core's [`CallbackHandler`] (verifying the state token when the
//! handler has a signer) and delivers each valid event exactly once.
//!
//! Hardened from the start: body limit (the handler's, 64 KiB by default), header-read timeout
//! with hyper's timer installed, request timeout, connection cap, graceful shutdown.
//!
//! Answers: a JSON POST (registration, login) gets `200 {"ok":true,"kind":"authenticated"}`; a
//! browser redirect gets a small HTML page for the Global Admin (or a `303` to the configured
//! page); errors get `400`/`403`/`404`/`405`/`408`/`413` with
//! `{"ok":false,"error":{"kind":"state_rejected","message":"…","rejection":"replayed"}}`.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> ctt_core::Result<()> {
//! use ctt_server::{Listener, ListenerConfig};
//! let (listener, mut events) = Listener::start_with_channel(ListenerConfig::default()).await?;
//! let url = format!("{}?success=User%20Sync%20Consent%20Completed%20Successfully", listener.callback_url());
//! # let _ = (&url, &mut events);
//! // … the Global Admin's browser visits `url` …
//! listener.shutdown().await;
//! # Ok(()) }
//! ```

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use ctt_core::{CallbackEvent, CallbackHandler, CallbackRequest, Error, ErrorKind, EventKind, Result};
use http::{header, HeaderValue, Method, Request, Response};
use hyper::body::Incoming;
use serde_json::json;
use tokio::sync::mpsc;

use crate::html;
use crate::http::{self as h, Body, BodyError, BoxError, ConnInfo, Running, ServeOptions};

/// Where the listener delivers events.
#[derive(Clone)]
pub enum EventSink {
    /// Sent on this channel. If the receiver is gone, callbacks get `503`.
    Channel(mpsc::UnboundedSender<CallbackEvent>),
    /// Passed to this function, on a blocking thread (it may block; a panic answers `500`).
    Callback(Arc<dyn Fn(CallbackEvent) + Send + Sync>),
}

impl fmt::Debug for EventSink {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EventSink::Channel(_) => f.write_str("EventSink::Channel"),
            EventSink::Callback(_) => f.write_str("EventSink::Callback"),
        }
    }
}

/// How the listener behaves.
#[derive(Debug, Clone)]
pub struct ListenerConfig {
    /// Where to listen (default `127.0.0.1:0`, a free port).
    pub bind: SocketAddr,
    /// The callback path (default `/callback`); `/callback/<segment>` is served too, for
    /// state tokens placed in the path.
    pub path: String,
    /// Turns requests into events; its body limit and state verification apply.
    pub handler: CallbackHandler,
    /// How long a client may take to send the request line and headers (default 10 s); slower
    /// clients are cut off.
    pub header_read_timeout: Duration,
    /// How long a client may take to send the body (default 30 s); then `408`.
    pub request_timeout: Duration,
    /// Most connections served at once (default 256); more wait in the accept backlog.
    pub max_connections: usize,
    /// After a successful consent, redirect the browser here (`303`) instead of showing the page.
    pub success_redirect: Option<String>,
    /// After a failed consent, redirect the browser here (`303`) instead of showing the page.
    pub failure_redirect: Option<String>,
    /// How long [`Listener::shutdown`] waits for requests in flight (default 5 s).
    pub shutdown_grace: Duration,
}

impl Default for ListenerConfig {
    fn default() -> Self {
        ListenerConfig {
            bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            path: "/callback".to_owned(),
            handler: CallbackHandler::new(),
            header_read_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_connections: 256,
            success_redirect: None,
            failure_redirect: None,
            shutdown_grace: Duration::from_secs(5),
        }
    }
}

struct State {
    path: String,
    handler: CallbackHandler,
    sink: EventSink,
    request_timeout: Duration,
    success_redirect: Option<String>,
    failure_redirect: Option<String>,
    delivered: Arc<AtomicU64>,
}

/// A running listener. Dropping it stops the server; [`shutdown`](Listener::shutdown) also
/// waits for requests in flight.
pub struct Listener {
    running: Running,
    state: Arc<State>,
}

impl fmt::Debug for Listener {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Listener")
            .field("callback_url", &self.callback_url())
            .field("delivered", &self.delivered())
            .finish_non_exhaustive()
    }
}

fn normalize_path(path: &str) -> Result<String> {
    let p = path.trim();
    if !p.starts_with('/') || p.contains(['?', '#', ' ']) {
        return Err(Error::invalid_input("path", "must start with / and carry no query, fragment or spaces"));
    }
    let p = p.trim_end_matches('/');
    Ok(if p.is_empty() { "/".to_owned() } else { p.to_owned() })
}

fn check_redirect(field: &'static str, url: &Option<String>) -> Result<Option<String>> {
    match url {
        None => Ok(None),
        Some(u) => {
            let parsed = url::Url::parse(u.trim())
                .map_err(|e| Error::invalid_input(field, format!("is not an absolute URL ({e})")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(Error::invalid_input(field, "must be an http(s) URL"));
            }
            Ok(Some(parsed.into()))
        }
    }
}

impl Listener {
    /// Binds and starts serving (inside a Tokio runtime).
    pub async fn start(config: ListenerConfig, sink: EventSink) -> Result<Listener> {
        let path = normalize_path(&config.path)?;
        let success_redirect = check_redirect("successRedirect", &config.success_redirect)?;
        let failure_redirect = check_redirect("failureRedirect", &config.failure_redirect)?;
        if config.max_connections == 0 {
            return Err(Error::invalid_input("maxConnections", "must be at least 1"));
        }
        if config.header_read_timeout.is_zero() || config.request_timeout.is_zero() {
            return Err(Error::invalid_input("timeout", "must be greater than zero"));
        }
        let listener = h::bind(config.bind, "listener").await?;
        let state = Arc::new(State {
            path,
            handler: config.handler,
            sink,
            request_timeout: config.request_timeout,
            success_redirect,
            failure_redirect,
            delivered: Arc::new(AtomicU64::new(0)),
        });
        let opts = ServeOptions {
            header_read_timeout: config.header_read_timeout,
            max_connections: config.max_connections,
            grace: config.shutdown_grace,
            max_head_bytes: 16 * 1024,
        };
        let for_handler = state.clone();
        let running = h::spawn(listener, opts, move |req, conn| serve(for_handler.clone(), req, conn))?;
        tracing::info!(addr = %running.local_addr, path = %state.path, "listener started");
        Ok(Listener { running, state })
    }

    /// [`start`](Listener::start) with a fresh channel; returns the receiving end.
    pub async fn start_with_channel(
        config: ListenerConfig,
    ) -> Result<(Listener, mpsc::UnboundedReceiver<CallbackEvent>)> {
        let (tx, rx) = mpsc::unbounded_channel();
        Ok((Listener::start(config, EventSink::Channel(tx)).await?, rx))
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.running.local_addr
    }

    /// The callback URL on loopback: `http://127.0.0.1:PORT/callback`.
    pub fn callback_url(&self) -> String {
        let base = h::base_url(self.running.local_addr);
        if self.state.path == "/" {
            format!("{base}/")
        } else {
            format!("{base}{}", self.state.path)
        }
    }

    /// How many events were delivered so far.
    pub fn delivered(&self) -> u64 {
        self.state.delivered.load(Ordering::SeqCst)
    }

    /// Stops accepting, lets requests in flight finish (up to the grace period), then returns.
    /// Once it returns, no more events are delivered.
    pub async fn shutdown(self) {
        self.running.shutdown().await;
    }
}

fn matches_path(configured: &str, path: &str) -> bool {
    let p = if path.len() > 1 { path.trim_end_matches('/') } else { path };
    if p == configured {
        return true;
    }
    let prefix = if configured == "/" { "" } else { configured };
    match p.strip_prefix(prefix).and_then(|rest| rest.strip_prefix('/')) {
        Some(segment) => !segment.is_empty() && !segment.contains('/'),
        None => false,
    }
}

fn status_for(kind: ErrorKind) -> u16 {
    match kind {
        ErrorKind::PayloadTooLarge => 413,
        ErrorKind::MethodNotAllowed => 405,
        ErrorKind::StateRejected => 403,
        ErrorKind::NotFound => 404,
        ErrorKind::Timeout => 408,
        ErrorKind::MalformedCallback | ErrorKind::InvalidInput => 400,
        _ => 500,
    }
}

fn error_response(e: &Error) -> Response<Body> {
    let status = status_for(e.kind());
    let mut r = h::json(
        status,
        &json!({
            "ok": false,
            "error": {
                "kind": e.kind().as_str(),
                "message": e.message(),
                "rejection": e.rejection().map(|r| r.as_str()),
            }
        }),
    );
    if status == 405 {
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, POST, HEAD"));
    }
    if status == 408 || status == 413 {
        r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    r
}

async fn serve(
    state: Arc<State>,
    req: Request<Incoming>,
    _conn: Arc<ConnInfo>,
) -> std::result::Result<Response<Body>, BoxError> {
    Ok(answer(&state, req).await)
}

async fn answer(state: &State, req: Request<Incoming>) -> Response<Body> {
    if !matches_path(&state.path, req.uri().path()) {
        return error_response(&Error::new(
            ErrorKind::NotFound,
            format!("no callback at {}", req.uri().path()),
        ));
    }
    let method = req.method().clone();
    if method == Method::HEAD {
        // Link previewers and prefetchers: answer, but never consume a flow with a HEAD.
        return h::respond(200, "text/html; charset=utf-8", bytes::Bytes::new());
    }
    let target = req.uri().path_and_query().map(|pq| pq.as_str().to_owned()).unwrap_or_else(|| "/".into());
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("application/json") && !v.contains("text/html"));
    if method != Method::GET && method != Method::POST {
        // The core's handler names the method error; no body is read.
        let e = state.handler.handle(&CallbackRequest::new(method.as_str(), &target)).err().unwrap_or_else(
            || Error::new(ErrorKind::MethodNotAllowed, format!("method {method} is not used")),
        );
        return error_response(&e);
    }
    let limit = state.handler.body_limit();
    let (parts, body) = match h::read_body(req, limit, state.request_timeout).await {
        Err(BodyError::TimedOut) => {
            return error_response(&Error::new(
                ErrorKind::Timeout,
                format!("the request was not received within {:?}", state.request_timeout),
            ))
        }
        Err(BodyError::TooLarge) => {
            return error_response(&Error::new(
                ErrorKind::PayloadTooLarge,
                format!("callback body exceeds the limit of {limit} bytes"),
            ))
        }
        Err(BodyError::Read(e)) => {
            return error_response(&Error::new(
                ErrorKind::MalformedCallback,
                format!("cannot read the body: {e}"),
            ))
        }
        Ok(x) => x,
    };
    let content_type = parts.headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok());
    let request = CallbackRequest::new(method.as_str(), &target).with_body(content_type, &body);
    let event = match state.handler.handle(&request) {
        Ok(ev) => ev,
        Err(e) => {
            tracing::info!(kind = %e.kind(), "callback refused: {}", e.message());
            return error_response(&e);
        }
    };
    let kind = event.kind();
    let failure = event.failure_message().map(str::to_owned);
    let success_message = match &event {
        CallbackEvent::Consent { redirect, .. } if redirect.outcome.is_success() => {
            Some(redirect.outcome.message().to_owned())
        }
        _ => None,
    };
    if let Err(e) = deliver(state, event).await {
        return h::json(
            if e.kind() == ErrorKind::Internal { 500 } else { 503 },
            &json!({"ok": false, "error": {"kind": e.kind().as_str(), "message": e.message(), "rejection": null}}),
        );
    }
    if kind == EventKind::Authenticated || wants_json {
        return h::json(200, &json!({"ok": true, "kind": kind.as_str()}));
    }
    match (kind, &state.success_redirect, &state.failure_redirect) {
        (EventKind::ConsentSucceeded, Some(to), _) | (EventKind::ConsentFailed, _, Some(to)) => {
            h::redirect(303, to)
        }
        (EventKind::ConsentSucceeded, ..) => {
            let message = success_message.unwrap_or_default();
            let mut lines = Vec::new();
            if !message.is_empty() {
                lines.push(message.as_str());
            }
            lines.push("Consent recorded, you can close this window.");
            h::html(200, html::page("Consent recorded", &lines, true))
        }
        _ => {
            let message = failure.unwrap_or_default();
            h::html(
                200,
                html::page(
                    "The consent did not complete",
                    &[
                        message.as_str(),
                        "Nothing was changed. You can close this window and try again, or contact your service provider.",
                    ],
                    false,
                ),
            )
        }
    }
}

/// Hands the event over; counts it once it was handed over (even if the client hung up
/// meanwhile).
async fn deliver(state: &State, event: CallbackEvent) -> Result<()> {
    match &state.sink {
        EventSink::Channel(tx) => {
            tx.send(event).map_err(|_| {
                Error::new(
                    ErrorKind::Transport,
                    "the listener's event receiver is gone; the callback was not recorded",
                )
            })?;
            state.delivered.fetch_add(1, Ordering::SeqCst);
        }
        EventSink::Callback(f) => {
            let (f, delivered) = (f.clone(), state.delivered.clone());
            tokio::task::spawn_blocking(move || {
                f(event);
                delivered.fetch_add(1, Ordering::SeqCst);
            })
            .await
            .map_err(|_| Error::new(ErrorKind::Internal, "the event callback panicked"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_matching() {
        assert!(matches_path("/callback", "/callback"));
        assert!(matches_path("/callback", "/callback/"));
        assert!(matches_path("/callback", "/callback/tok"));
        assert!(!matches_path("/callback", "/callback/a/b"));
        assert!(!matches_path("/callback", "/callbackx"));
        assert!(!matches_path("/callback", "/"));
        assert!(matches_path("/", "/"));
        assert!(matches_path("/", "/tok"));
        assert_eq!(normalize_path("/cb/").unwrap(), "/cb");
        assert!(normalize_path("cb").is_err());
    }
}

//! The embedded mock of the API and the webhook listener, so C programs can test their
//! integration without the real service.

use std::ffi::{c_char, c_void, CString};
use std::net::SocketAddr;
use std::sync::Arc;

use ctt_server::mock::{
    Decision, MockConfig, MockServer, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_PASSWORD, DEMO_TOKEN,
    DEMO_USERNAME,
};
use ctt_server::{fault_flag, EventSink, Listener, ListenerConfig};

use crate::callback::{ctt_callback_handler, ctt_event};
use crate::error::*;

/// What the mock's simulated Global Admin does with a consent URL.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ctt_decision {
    /// Grant the consent (or complete registration/login).
    CTT_DECISION_APPROVE = 0,
    /// Refuse it (the redirect carries `?error=…`).
    CTT_DECISION_DENY = 1,
}

fn decision_arg(v: i32) -> FfiResult<Decision> {
    match v {
        0 => Ok(Decision::Approve),
        1 => Ok(Decision::Deny),
        _ => Err(invalid("decision", format!("{v} is not a ctt_decision (0-1)"))),
    }
}

/// An in-process mock of the ConnectToTeams API on `127.0.0.1` (a random port): the token
/// endpoint, `getActionItemUrl`, a simulated Global Admin, fault injection. Accepts the demo
/// credentials (`ctt_mock_server_demo_credentials`). Thread-safe: any thread may use it; stop or
/// free it once, when no other thread uses it.
#[derive(Debug)]
pub struct ctt_mock_server {
    server: Option<MockServer>,
    base_url: CString,
}

/// Starts a mock with the default configuration (blocks until it listens). Free with
/// `ctt_mock_server_free`.
#[no_mangle]
pub unsafe extern "C" fn ctt_mock_server_start(out: *mut *mut ctt_mock_server) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_ptr(out, "out") }?;
        let server = crate::runtime::handle()?.block_on(MockServer::start(MockConfig::default()))?;
        let base_url = cstring(&server.base_url());
        *out = into_handle(ctt_mock_server { server: Some(server), base_url });
        Ok(())
    })
}

/// Points `*out_*` at the demo credentials the mock accepts (static strings): a bearer token,
/// and a password-grant client id, client secret, user name and password.
#[no_mangle]
pub unsafe extern "C" fn ctt_mock_server_demo_credentials(
    out_token: *mut *const c_char,
    out_client_id: *mut *const c_char,
    out_client_secret: *mut *const c_char,
    out_username: *mut *const c_char,
    out_password: *mut *const c_char,
) -> ctt_result {
    static DEMO: std::sync::LazyLock<[CString; 5]> = std::sync::LazyLock::new(|| {
        [DEMO_TOKEN, DEMO_CLIENT_ID, DEMO_CLIENT_SECRET, DEMO_USERNAME, DEMO_PASSWORD].map(cstring)
    });
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let outs = unsafe {
            [
                out_cptr(out_token, "out_token")?,
                out_cptr(out_client_id, "out_client_id")?,
                out_cptr(out_client_secret, "out_client_secret")?,
                out_cptr(out_username, "out_username")?,
                out_cptr(out_password, "out_password")?,
            ]
        };
        for (o, v) in outs.into_iter().zip(DEMO.iter()) {
            *o = v.as_ptr();
        }
        Ok(())
    })
}

fn live(m: &ctt_mock_server) -> FfiResult<&MockServer> {
    m.server.as_ref().ok_or_else(|| Fail::State("the mock server is stopped".into()))
}

/// Points `*out` at the mock's base URL (`"http://127.0.0.1:PORT"`), for
/// `ctt_client_options_set_base_url`.
#[no_mangle]
pub unsafe extern "C" fn ctt_mock_server_base_url(
    mock: *const ctt_mock_server,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(mock, "mock", out, |m| m.base_url.as_ptr()) }
}

/// Queues a fault, written as the CLI's `--fault` flag: `"<endpoint>=<fault>"` with endpoint
/// `token`, `action_url` or `authorize` and fault e.g. `status:503`, `rate_limited:2`,
/// `delay:1500` (ms), `reset`, `close`, `truncated`, `garbage`, `html200`. Each fault answers one
/// request, first in, first out, per endpoint.
#[no_mangle]
pub unsafe extern "C" fn ctt_mock_server_push_fault(
    mock: *const ctt_mock_server,
    fault: *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (m, fault) = unsafe { (handle(mock, "mock")?, str_arg(fault, "fault")?) };
        let (endpoint, fault) = fault_flag(fault)?;
        live(m)?.push_fault(endpoint, fault);
        Ok(())
    })
}

/// Forgets queued faults, recorded requests, flows and issued tokens.
#[no_mangle]
pub unsafe extern "C" fn ctt_mock_server_reset(mock: *const ctt_mock_server) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let m = unsafe { handle(mock, "mock") }?;
        live(m)?.reset();
        Ok(())
    })
}

/// Plays the Global Admin: opens `action_url` (from this mock) and approves or denies
/// (`ctt_decision`); the mock then delivers the outcome to the request's redirect URL (a JSON
/// POST or a browser-style redirect) and this call blocks until that delivery was answered.
/// `*out_status` receives the HTTP status the redirect URL answered.
#[no_mangle]
pub unsafe extern "C" fn ctt_mock_server_consent(
    mock: *const ctt_mock_server,
    action_url: *const c_char,
    decision: i32,
    out_status: *mut u16,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (m, url, out) = unsafe {
            (handle(mock, "mock")?, str_arg(action_url, "action_url")?, out_val(out_status, "out_status")?)
        };
        let decision = decision_arg(decision)?;
        let server = live(m)?;
        let delivery = crate::runtime::handle()?.block_on(server.consent(url, decision))?;
        *out = delivery.status;
        Ok(())
    })
}

/// Stops the mock gracefully (blocks until it has). `CTT_ERR_INVALID_STATE` when already
/// stopped.
#[no_mangle]
pub unsafe extern "C" fn ctt_mock_server_stop(mock: *mut ctt_mock_server) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let m = unsafe { handle_mut(mock, "mock") }?;
        let server =
            m.server.take().ok_or_else(|| Fail::State("the mock server is already stopped".into()))?;
        crate::runtime::handle()?.block_on(server.shutdown());
        Ok(())
    })
}

/// Frees a mock, stopping it first if needed. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_mock_server_free(mock: *mut ctt_mock_server) {
    guard_void(|| {
        if mock.is_null() {
            return;
        }
        // SAFETY: per the header's pointer contract.
        let mut m = unsafe { Box::from_raw(mock) };
        if let (Some(server), Ok(rt)) = (m.server.take(), crate::runtime::handle()) {
            rt.block_on(server.shutdown());
        }
    })
}

// ---- the listener ------------------------------------------------------------------------------

/// The callback of `ctt_listener_start`: called once per valid callback request, with
/// `userdata` first and a new event the callback owns (free it with `ctt_event_free`).
///
/// It runs on a library thread named `ctt-callback` (several may run at once when callbacks
/// arrive together), outside the library's runtime: it may call any ctt function except
/// stopping or freeing the listener that called it.
pub type ctt_event_callback = Option<unsafe extern "C" fn(userdata: *mut c_void, event: *mut ctt_event)>;

#[derive(Debug, Clone, Copy)]
struct UserData(*mut c_void);
// SAFETY: the pointer is only handed back to the caller's callback; the header tells the
// caller it is used from library threads, possibly at once.
unsafe impl Send for UserData {}
// SAFETY: as above.
unsafe impl Sync for UserData {}

/// The hardened webhook listener: serves the callback path, turns each request into an event
/// with the handler's rules (state verification included) and hands every valid one to the
/// callback exactly once. Thread-safe for its getters; stop or free it once.
#[derive(Debug)]
pub struct ctt_listener {
    listener: Option<Listener>,
    callback_url: CString,
}

/// Starts a listener on `bind` (`"127.0.0.1:0"` for a random loopback port; `"0.0.0.0:8080"`
/// to serve others) at `path` (`"/callback"`; a handler with path-segment state also accepts
/// `"/callback/<token>"`), using a copy of `handler`. Blocks until it listens. Free with
/// `ctt_listener_free`. `callback` must not be NULL; `userdata` may be NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_listener_start(
    handler: *const ctt_callback_handler,
    bind: *const c_char,
    path: *const c_char,
    callback: ctt_event_callback,
    userdata: *mut c_void,
    out: *mut *mut ctt_listener,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (h, bind, path, out) = unsafe {
            (
                handle(handler, "handler")?,
                str_arg(bind, "bind")?,
                str_arg(path, "path")?,
                out_ptr(out, "out")?,
            )
        };
        let cb = callback.ok_or(Fail::Null("callback"))?;
        let bind: SocketAddr =
            bind.parse().map_err(|e| invalid("bind", format!("{bind:?} is not an address:port ({e})")))?;
        let config = ListenerConfig {
            bind,
            path: path.to_owned(),
            handler: h.handler.clone(),
            ..ListenerConfig::default()
        };
        let userdata = UserData(userdata);
        let sink = EventSink::Callback(Arc::new(move |event| {
            let ud = userdata;
            crate::runtime::spawn_callback(move || {
                let ud = ud;
                clear_last_error();
                // SAFETY: the caller's callback, with its own userdata and an event it now owns.
                unsafe { cb(ud.0, into_handle(ctt_event::from_core(event))) };
            });
        }));
        let listener = crate::runtime::handle()?.block_on(Listener::start(config, sink))?;
        let callback_url = cstring(&listener.callback_url());
        *out = into_handle(ctt_listener { listener: Some(listener), callback_url });
        Ok(())
    })
}

/// Points `*out` at the listener's callback URL (`"http://127.0.0.1:PORT/callback"`), the
/// redirect URL to put in requests.
#[no_mangle]
pub unsafe extern "C" fn ctt_listener_callback_url(
    listener: *const ctt_listener,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(listener, "listener", out, |l| l.callback_url.as_ptr()) }
}

/// Sets `*out` to the number of events delivered so far.
#[no_mangle]
pub unsafe extern "C" fn ctt_listener_delivered(listener: *const ctt_listener, out: *mut u64) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (l, out) = unsafe { (handle(listener, "listener")?, out_val(out, "out")?) };
        let live = l.listener.as_ref().ok_or_else(|| Fail::State("the listener is stopped".into()))?;
        *out = live.delivered();
        Ok(())
    })
}

/// Stops the listener gracefully (blocks until it has); no event is delivered afterwards,
/// though callbacks already started may still be running. `CTT_ERR_INVALID_STATE` when
/// already stopped. Never call it from the listener's own callback.
#[no_mangle]
pub unsafe extern "C" fn ctt_listener_stop(listener: *mut ctt_listener) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let l = unsafe { handle_mut(listener, "listener") }?;
        let live = l.listener.take().ok_or_else(|| Fail::State("the listener is already stopped".into()))?;
        crate::runtime::handle()?.block_on(live.shutdown());
        Ok(())
    })
}

/// Frees a listener, stopping it first if needed. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_listener_free(listener: *mut ctt_listener) {
    guard_void(|| {
        if listener.is_null() {
            return;
        }
        // SAFETY: per the header's pointer contract.
        let mut l = unsafe { Box::from_raw(listener) };
        if let (Some(live), Ok(rt)) = (l.listener.take(), crate::runtime::handle()) {
            rt.block_on(live.shutdown());
        }
    })
}

//! The client: options, requests, blocking and callback-based calls, action URLs and the
//! consent-URL inspection.

use std::ffi::{c_char, c_void, CString};
use std::time::Duration;

use ctt_core::{
    ActionUrl, ActionUrlRequest, BlockingClient, Client, ClientBuilder, ConsentUrl, RetryPolicy,
    StatePlacement,
};

use crate::action::action_arg;
use crate::error::*;
use crate::state::ctt_flow_signer;

// ---- options ---------------------------------------------------------------------------------

/// Everything a client is built from: base URL, credentials, timeouts, retries. Secrets set
/// here are wiped when the options are freed. Not thread-safe: configure on one thread.
#[derive(Debug)]
pub struct ctt_client_options {
    builder: ClientBuilder,
    retry: RetryPolicy,
}

impl ctt_client_options {
    fn update(&mut self, f: impl FnOnce(ClientBuilder) -> ClientBuilder) {
        self.builder = f(std::mem::take(&mut self.builder));
    }
}

/// Creates options with the defaults: base URL `https://api.connecttoteams.com`, no
/// credentials (one of `_set_bearer_token`/`_set_password_grant` is required), connect timeout
/// 10 s, call timeout 30 s, 3 attempts in all. Free with `ctt_client_options_free`.
#[no_mangle]
pub unsafe extern "C" fn ctt_client_options_new(out: *mut *mut ctt_client_options) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let out = unsafe { out_ptr(out, "out") }?;
        *out = into_handle(ctt_client_options { builder: Client::builder(), retry: RetryPolicy::default() });
        Ok(())
    })
}

/// Frees options, wiping the secrets they hold. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_client_options_free(options: *mut ctt_client_options) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(options) })
}

/// Sets the API's base URL (checked by `ctt_client_new`).
#[no_mangle]
pub unsafe extern "C" fn ctt_client_options_set_base_url(
    options: *mut ctt_client_options,
    base_url: *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (o, url) = unsafe { (handle_mut(options, "options")?, str_arg(base_url, "base_url")?) };
        o.update(|b| b.base_url(url));
        Ok(())
    })
}

/// Authenticates with a fixed bearer token (copied; wiped when the options are freed).
#[no_mangle]
pub unsafe extern "C" fn ctt_client_options_set_bearer_token(
    options: *mut ctt_client_options,
    token: *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (o, token) = unsafe { (handle_mut(options, "options")?, str_arg(token, "token")?) };
        o.update(|b| b.bearer_token(token));
        Ok(())
    })
}

/// Authenticates with the OAuth password grant at `POST {base}/oauth/token` (the secret and the
/// password are copied and wiped when the options are freed).
#[no_mangle]
pub unsafe extern "C" fn ctt_client_options_set_password_grant(
    options: *mut ctt_client_options,
    client_id: *const c_char,
    client_secret: *const c_char,
    username: *const c_char,
    password: *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (o, id, secret, user, pw) = unsafe {
            (
                handle_mut(options, "options")?,
                str_arg(client_id, "client_id")?,
                str_arg(client_secret, "client_secret")?,
                str_arg(username, "username")?,
                str_arg(password, "password")?,
            )
        };
        o.update(|b| b.password_grant(id, secret, user, pw));
        Ok(())
    })
}

/// Sets the deadline of a whole call (token fetch and retries included), in milliseconds.
/// Blocking calls return `CTT_ERR_TIMEOUT` at the latest then. 0 is refused by `ctt_client_new`.
#[no_mangle]
pub unsafe extern "C" fn ctt_client_options_set_timeout_ms(
    options: *mut ctt_client_options,
    ms: u64,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let o = unsafe { handle_mut(options, "options") }?;
        o.update(|b| b.timeout(Duration::from_millis(ms)));
        Ok(())
    })
}

/// Sets the TCP+TLS connect timeout, in milliseconds.
#[no_mangle]
pub unsafe extern "C" fn ctt_client_options_set_connect_timeout_ms(
    options: *mut ctt_client_options,
    ms: u64,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let o = unsafe { handle_mut(options, "options") }?;
        o.update(|b| b.connect_timeout(Duration::from_millis(ms)));
        Ok(())
    })
}

/// Sets the retry policy: `max_attempts` in all (1 disables retries, 0 is taken as 1), the
/// first backoff ceiling `base_delay_ms` (doubling per attempt, full jitter) and the largest
/// `max_delay_ms`. Retried: transport failures, 429 and 502/503/504.
#[no_mangle]
pub unsafe extern "C" fn ctt_client_options_set_retry(
    options: *mut ctt_client_options,
    max_attempts: u32,
    base_delay_ms: u64,
    max_delay_ms: u64,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let o = unsafe { handle_mut(options, "options") }?;
        o.retry = RetryPolicy {
            max_attempts: max_attempts.max(1),
            base_delay: Duration::from_millis(base_delay_ms),
            max_delay: Duration::from_millis(max_delay_ms),
            ..o.retry
        };
        let retry = o.retry;
        o.update(|b| b.retry_policy(retry));
        Ok(())
    })
}

/// Replaces the `ctt/<version>` user agent.
#[no_mangle]
pub unsafe extern "C" fn ctt_client_options_set_user_agent(
    options: *mut ctt_client_options,
    user_agent: *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (o, ua) = unsafe { (handle_mut(options, "options")?, str_arg(user_agent, "user_agent")?) };
        o.update(|b| b.user_agent(ua));
        Ok(())
    })
}

/// Trusts an extra root certificate (`pem_len` bytes of PEM), e.g. a TLS-inspecting proxy's.
#[no_mangle]
pub unsafe extern "C" fn ctt_client_options_add_root_certificate_pem(
    options: *mut ctt_client_options,
    pem: *const u8,
    pem_len: usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (o, pem) = unsafe { (handle_mut(options, "options")?, bytes_arg(pem, pem_len, "pem")?) };
        o.update(|b| b.add_root_certificate_pem(pem.to_vec()));
        Ok(())
    })
}

/// Whether to use `HTTPS_PROXY`/`HTTP_PROXY`/`NO_PROXY` from the environment (default true).
#[no_mangle]
pub unsafe extern "C" fn ctt_client_options_set_use_env_proxy(
    options: *mut ctt_client_options,
    use_env_proxy: bool,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let o = unsafe { handle_mut(options, "options") }?;
        o.update(|b| b.use_env_proxy(use_env_proxy));
        Ok(())
    })
}

// ---- client ----------------------------------------------------------------------------------

/// The API client. Thread-safe: any number of threads may call one client at once; its
/// connection pool and token cache are shared. Runs on the library's single runtime.
#[derive(Debug)]
pub struct ctt_client {
    client: Client,
}

impl ctt_client {
    fn blocking(&self) -> FfiResult<BlockingClient> {
        Ok(BlockingClient::with_handle(self.client.clone(), crate::runtime::handle()?))
    }
}

/// Builds a client from `options` (which stay owned by the caller and may be freed right
/// after). `CTT_ERR_INVALID_INPUT` on a bad base URL, missing credentials, a zero timeout or an
/// unreadable certificate. Free with `ctt_client_free`.
#[no_mangle]
pub unsafe extern "C" fn ctt_client_new(
    options: *const ctt_client_options,
    out: *mut *mut ctt_client,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (o, out) = unsafe { (handle(options, "options")?, out_ptr(out, "out")?) };
        let client = {
            // reqwest must be built inside the runtime's context.
            let _enter = crate::runtime::handle()?.enter();
            o.builder.clone().build()?
        };
        *out = into_handle(ctt_client { client });
        Ok(())
    })
}

/// Frees a client. Calls in flight on other threads keep their own reference and complete.
/// NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_client_free(client: *mut ctt_client) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(client) })
}

// ---- requests ----------------------------------------------------------------------------------

/// One `getActionItemUrl` request: action type, enterprise name, redirect URL and optionally a
/// state token to add. Immutable once configured; may be shared between threads for reading.
#[derive(Debug)]
pub struct ctt_request {
    request: ActionUrlRequest,
}

/// Creates a request (validated when sent; `ctt_validate_*` check fields early). Free with
/// `ctt_request_free`.
#[no_mangle]
pub unsafe extern "C" fn ctt_request_new(
    action_type: i32,
    enterprise_name: *const c_char,
    redirect_url: *const c_char,
    out: *mut *mut ctt_request,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (name, redirect, out) = unsafe {
            (
                str_arg(enterprise_name, "enterprise_name")?,
                str_arg(redirect_url, "redirect_url")?,
                out_ptr(out, "out")?,
            )
        };
        let t = action_arg(action_type)?;
        *out = into_handle(ctt_request { request: ActionUrlRequest::new(t, name, redirect) });
        Ok(())
    })
}

/// Frees a request. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_request_free(request: *mut ctt_request) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(request) })
}

/// Has a fresh state token from `signer` added to the redirect URL as the query parameter
/// `param_name` (usually `"ctt_state"`) when the request is sent. The signer is copied.
#[no_mangle]
pub unsafe extern "C" fn ctt_request_set_state_query(
    request: *mut ctt_request,
    signer: *const ctt_flow_signer,
    param_name: *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (r, s, name) = unsafe {
            (handle_mut(request, "request")?, handle(signer, "signer")?, str_arg(param_name, "param_name")?)
        };
        if name.is_empty() {
            return Err(invalid("stateParam", "must not be empty"));
        }
        r.request.state = Some((s.signer.clone(), StatePlacement::Query(name.to_owned())));
        Ok(())
    })
}

/// Has a fresh state token from `signer` added to the redirect URL as its last path segment
/// (for when the vendor drops the query). The signer is copied.
#[no_mangle]
pub unsafe extern "C" fn ctt_request_set_state_path_segment(
    request: *mut ctt_request,
    signer: *const ctt_flow_signer,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (r, s) = unsafe { (handle_mut(request, "request")?, handle(signer, "signer")?) };
        r.request.state = Some((s.signer.clone(), StatePlacement::PathSegment));
        Ok(())
    })
}

// ---- action URLs -------------------------------------------------------------------------------

/// A consent URL taken apart. Immutable: safe to share between threads. Every string is
/// borrowed from the handle (valid until it, or the `ctt_action_url` it came from, is freed);
/// absent query parameters read as NULL.
#[derive(Debug)]
pub struct ctt_consent_url {
    url: CString,
    host: CString,
    is_authorize: bool,
    client_id: Option<CString>,
    response_type: Option<CString>,
    response_mode: Option<CString>,
    state: Option<CString>,
    nonce: Option<CString>,
    redirect_uri: Option<CString>,
    scopes: Vec<CString>,
}

impl ctt_consent_url {
    fn from_core(c: &ConsentUrl) -> ctt_consent_url {
        ctt_consent_url {
            url: cstring(&c.url),
            host: cstring(&c.host),
            is_authorize: c.is_authorize,
            client_id: opt_cstring(c.client_id.as_deref()),
            response_type: opt_cstring(c.response_type.as_deref()),
            response_mode: opt_cstring(c.response_mode.as_deref()),
            state: opt_cstring(c.state.as_deref()),
            nonce: opt_cstring(c.nonce.as_deref()),
            redirect_uri: opt_cstring(c.redirect_uri.as_deref()),
            scopes: c.scopes.iter().map(|s| cstring(s)).collect(),
        }
    }
}

/// A successful `getActionItemUrl` answer. Immutable: safe to share between threads. Strings
/// are borrowed from the handle (valid until `ctt_action_url_free`).
#[derive(Debug)]
pub struct ctt_action_url {
    url: CString,
    redirect_url: CString,
    state_token: Option<CString>,
    consent: ctt_consent_url,
}

impl ctt_action_url {
    pub(crate) fn from_core(a: &ActionUrl) -> ctt_action_url {
        ctt_action_url {
            url: cstring(&a.url),
            redirect_url: cstring(&a.redirect_url),
            state_token: opt_cstring(a.state_token.as_deref()),
            consent: ctt_consent_url::from_core(&a.consent()),
        }
    }
}

/// Asks `POST /enterprise/getActionItemUrl` for the URL the Global Admin must open, blocking
/// the calling thread until the answer, a final error, or the client's timeout
/// (`ctt_client_options_set_timeout_ms`; `CTT_ERR_TIMEOUT`). Validates the request first;
/// retries per the policy; refreshes a password-grant token once on a 401. On success `*out` is
/// a new handle (free with `ctt_action_url_free`).
///
/// Call it from your own threads (or from a ctt callback), never from inside an async runtime.
#[no_mangle]
pub unsafe extern "C" fn ctt_client_get_action_item_url(
    client: *const ctt_client,
    request: *const ctt_request,
    out: *mut *mut ctt_action_url,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (c, r, out) =
            unsafe { (handle(client, "client")?, handle(request, "request")?, out_ptr(out, "out")?) };
        let url = c.blocking()?.get_action_item_url(&r.request)?;
        *out = into_handle(ctt_action_url::from_core(&url));
        Ok(())
    })
}

/// The callback of `ctt_client_get_action_item_url_async`.
///
/// Called exactly once, with `userdata` first. On success `result` is `CTT_OK` and `url` a new
/// handle that the callback owns (free it with `ctt_action_url_free`, now or later); on failure
/// `url` is NULL and, for the duration of the callback, the calling thread's last error
/// (`ctt_last_error_*`) describes the failure.
///
/// It runs on a library thread named `ctt-callback` (never on the thread that started the
/// call), outside the library's runtime: it may call any ctt function, blocking ones included,
/// and may block, though only that one thread waits. Synchronize your own data yourself.
pub type ctt_action_url_callback =
    Option<unsafe extern "C" fn(userdata: *mut c_void, result: ctt_result, url: *mut ctt_action_url)>;

#[derive(Debug)]
struct SendPtr(*mut c_void);
// SAFETY: the pointer is only handed back to the caller's callback; the caller promises (in the
// header) that its userdata may be used from the library's callback thread.
unsafe impl Send for SendPtr {}

/// Starts `getActionItemUrl` without blocking: returns `CTT_OK` at once when the call was
/// started, and `callback` later receives the outcome (see `ctt_action_url_callback`). The
/// client and the request are copied: either may be freed as soon as this returns. `userdata`
/// is passed back untouched and must stay valid until the callback has run. `callback` must not
/// be NULL. When this function fails, the callback is never called.
#[no_mangle]
pub unsafe extern "C" fn ctt_client_get_action_item_url_async(
    client: *const ctt_client,
    request: *const ctt_request,
    callback: ctt_action_url_callback,
    userdata: *mut c_void,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (c, r) = unsafe { (handle(client, "client")?, handle(request, "request")?) };
        let cb = callback.ok_or(Fail::Null("callback"))?;
        let client = c.client.clone();
        let request = r.request.clone();
        let userdata = SendPtr(userdata);
        crate::runtime::handle()?.spawn(async move {
            let result = client.get_action_item_url(&request).await;
            crate::runtime::spawn_callback(move || {
                let userdata = userdata;
                let (code, url) = match result {
                    Ok(url) => {
                        clear_last_error();
                        (ctt_result::CTT_OK, into_handle(ctt_action_url::from_core(&url)))
                    }
                    Err(e) => (set_last_error(Fail::Core(e)), std::ptr::null_mut()),
                };
                // SAFETY: the caller's callback, called once with its own userdata.
                unsafe { cb(userdata.0, code, url) };
            });
        });
        Ok(())
    })
}

/// Reads a `getActionItemUrl` answer yourself (when you make the HTTP call): the body is
/// `body_len` bytes of UTF-8 (NULs allowed); a 2xx body must be a URL as plain text or a JSON
/// string; other statuses map to result codes (status, `Retry-After` and message in the last
/// error). `retry_after` is the raw `Retry-After` header
/// value, `""` when there is none. On success `*out` is a new handle whose redirect URL is empty
/// and state token NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_parse_action_url_response(
    status: u16,
    body: *const u8,
    body_len: usize,
    retry_after: *const c_char,
    out: *mut *mut ctt_action_url,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (body, retry, out) = unsafe {
            (bytes_arg(body, body_len, "body")?, str_arg(retry_after, "retry_after")?, out_ptr(out, "out")?)
        };
        let body = std::str::from_utf8(body).map_err(|_| Fail::Utf8("body"))?;
        let retry = if retry.is_empty() { None } else { Some(retry) };
        let url = ctt_core::parse_action_url_response(status, body, retry)?;
        *out = into_handle(ctt_action_url::from_core(&url));
        Ok(())
    })
}

/// Frees an action URL. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_action_url_free(url: *mut ctt_action_url) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(url) })
}

/// Points `*out` at the URL to show the Global Admin, exactly as the API sent it.
#[no_mangle]
pub unsafe extern "C" fn ctt_action_url_url(
    url: *const ctt_action_url,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(url, "url", out, |u| u.url.as_ptr()) }
}
/// Points `*out` at the redirect URL that was sent, state token included (`""` for
/// `ctt_parse_action_url_response` results).
#[no_mangle]
pub unsafe extern "C" fn ctt_action_url_redirect_url(
    url: *const ctt_action_url,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(url, "url", out, |u| u.redirect_url.as_ptr()) }
}
/// Points `*out` at the state token added to the redirect URL, or NULL when no signer was
/// set on the request.
#[no_mangle]
pub unsafe extern "C" fn ctt_action_url_state_token(
    url: *const ctt_action_url,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(url, "url", out, |u| opt_ptr(&u.state_token)) }
}

/// Points `*out` at the action URL taken apart (borrowed: valid until the action URL is freed;
/// do not free it).
#[no_mangle]
pub unsafe extern "C" fn ctt_action_url_consent(
    url: *const ctt_action_url,
    out: *mut *const ctt_consent_url,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (u, out) = unsafe { (handle(url, "url")?, out_cptr(out, "out")?) };
        *out = &u.consent;
        Ok(())
    })
}

// ---- consent-URL inspection ----------------------------------------------------------------

/// Takes an action URL apart (absolute `https`, or `http` on a loopback host). On success `*out`
/// is a new handle (free with `ctt_consent_url_free`).
#[no_mangle]
pub unsafe extern "C" fn ctt_inspect_consent_url(
    url: *const c_char,
    out: *mut *mut ctt_consent_url,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (url, out) = unsafe { (str_arg(url, "url")?, out_ptr(out, "out")?) };
        *out = into_handle(ctt_consent_url::from_core(&ctt_core::inspect_consent_url(url)?));
        Ok(())
    })
}

/// Frees a consent URL made by `ctt_inspect_consent_url` (never one borrowed from an action
/// URL). NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_url_free(url: *mut ctt_consent_url) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(url) })
}

/// Points `*out` at the URL as received (trimmed).
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_url_url(
    url: *const ctt_consent_url,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(url, "url", out, |u| u.url.as_ptr()) }
}
/// Points `*out` at the URL's host.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_url_host(
    url: *const ctt_consent_url,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(url, "url", out, |u| u.host.as_ptr()) }
}
/// Points `*out` at `client_id`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_url_client_id(
    url: *const ctt_consent_url,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(url, "url", out, |u| opt_ptr(&u.client_id)) }
}
/// Points `*out` at `response_type` (e.g. `"id_token code"`), or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_url_response_type(
    url: *const ctt_consent_url,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(url, "url", out, |u| opt_ptr(&u.response_type)) }
}
/// Points `*out` at `response_mode` (e.g. `"form_post"`), or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_url_response_mode(
    url: *const ctt_consent_url,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(url, "url", out, |u| opt_ptr(&u.response_mode)) }
}
/// Points `*out` at `state`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_url_state(
    url: *const ctt_consent_url,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(url, "url", out, |u| opt_ptr(&u.state)) }
}
/// Points `*out` at `nonce`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_url_nonce(
    url: *const ctt_consent_url,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(url, "url", out, |u| opt_ptr(&u.nonce)) }
}
/// Points `*out` at `redirect_uri`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_url_redirect_uri(
    url: *const ctt_consent_url,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(url, "url", out, |u| opt_ptr(&u.redirect_uri)) }
}

/// Sets `*out` to whether the URL looks like an OAuth2 authorize endpoint.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_url_is_authorize(
    url: *const ctt_consent_url,
    out: *mut bool,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (u, out) = unsafe { (handle(url, "url")?, out_val(out, "out")?) };
        *out = u.is_authorize;
        Ok(())
    })
}

/// Sets `*out_len` to the number of scopes (`scope` split on spaces).
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_url_scope_count(
    url: *const ctt_consent_url,
    out_len: *mut usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (u, out) = unsafe { (handle(url, "url")?, out_val(out_len, "out_len")?) };
        *out = u.scopes.len();
        Ok(())
    })
}

/// Points `*out` at scope `index` (0-based); `CTT_ERR_INVALID_INPUT` when out of range.
#[no_mangle]
pub unsafe extern "C" fn ctt_consent_url_scope(
    url: *const ctt_consent_url,
    index: usize,
    out: *mut *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (u, out) = unsafe { (handle(url, "url")?, out_cptr(out, "out")?) };
        let s = u
            .scopes
            .get(index)
            .ok_or_else(|| invalid("index", format!("{index} is past the {} scopes", u.scopes.len())))?;
        *out = s.as_ptr();
        Ok(())
    })
}

// ---- tokens ------------------------------------------------------------------------------------

/// A token from `POST /oauth/token`. Immutable: safe to share between threads. The token and
/// refresh token are secrets, reachable only through `ctt_access_token_copy_*` and wiped on
/// free.
#[derive(Debug)]
pub struct ctt_access_token {
    token: ctt_core::AccessToken,
    token_type: CString,
    scope: Option<CString>,
}

/// Fetches a fresh token with the password grant, bypassing the client's cache (with a fixed
/// bearer token configured, returns that), blocking like `ctt_client_get_action_item_url`. On
/// success `*out` is a new handle (free with `ctt_access_token_free`).
#[no_mangle]
pub unsafe extern "C" fn ctt_client_fetch_token(
    client: *const ctt_client,
    out: *mut *mut ctt_access_token,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (c, out) = unsafe { (handle(client, "client")?, out_ptr(out, "out")?) };
        let token = c.blocking()?.fetch_token()?;
        *out = into_handle(ctt_access_token {
            token_type: cstring(&token.token_type),
            scope: opt_cstring(token.scope.as_deref()),
            token,
        });
        Ok(())
    })
}

/// Frees a token, wiping it. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_access_token_free(token: *mut ctt_access_token) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(token) })
}

/// Copies the bearer token (a secret: wipe your copy after use) into `buf`.
#[no_mangle]
pub unsafe extern "C" fn ctt_access_token_copy_token(
    token: *const ctt_access_token,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (t, ob) = unsafe { (handle(token, "token")?, OutBuf::new(buf, buf_len, out_len)?) };
        ob.write("the access token", t.token.token.expose())
    })
}

/// Copies the refresh token (a secret) into `buf`; `*out_present` says whether there is one.
#[no_mangle]
pub unsafe extern "C" fn ctt_access_token_copy_refresh_token(
    token: *const ctt_access_token,
    out_present: *mut bool,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (t, present, ob) = unsafe {
            (
                handle(token, "token")?,
                out_val(out_present, "out_present")?,
                OutBuf::new(buf, buf_len, out_len)?,
            )
        };
        let refresh = t.token.refresh_token.as_ref();
        *present = refresh.is_some();
        ob.write("the refresh token", refresh.map_or("", |s| s.expose()))
    })
}

/// Points `*out` at `token_type` (usually `"bearer"`).
#[no_mangle]
pub unsafe extern "C" fn ctt_access_token_type(
    token: *const ctt_access_token,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(token, "token", out, |t| t.token_type.as_ptr()) }
}

/// Points `*out` at `scope`, or NULL.
#[no_mangle]
pub unsafe extern "C" fn ctt_access_token_scope(
    token: *const ctt_access_token,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(token, "token", out, |t| opt_ptr(&t.scope)) }
}

/// Reads `expires_in`, in milliseconds.
#[no_mangle]
pub unsafe extern "C" fn ctt_access_token_expires_in_ms(
    token: *const ctt_access_token,
    out_present: *mut bool,
    out: *mut u64,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (t, present, out) =
            unsafe { (handle(token, "token")?, out_val(out_present, "out_present")?, out_val(out, "out")?) };
        let ms = t.token.expires_in.map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        *present = ms.is_some();
        *out = ms.unwrap_or(0);
        Ok(())
    })
}

/// Reads a `Retry-After` header value (delta-seconds or an HTTP date; a past date is 0), in
/// milliseconds; `*out_present` is false when the value is unusable.
#[no_mangle]
pub unsafe extern "C" fn ctt_parse_retry_after(
    value: *const c_char,
    out_present: *mut bool,
    out_ms: *mut u64,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (v, present, out) = unsafe {
            (str_arg(value, "value")?, out_val(out_present, "out_present")?, out_val(out_ms, "out_ms")?)
        };
        let ms = ctt_core::parse_retry_after(v).map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX));
        *present = ms.is_some();
        *out = ms.unwrap_or(0);
        Ok(())
    })
}

// ---- many requests at once ---------------------------------------------------------------------

#[derive(Debug)]
struct Slot {
    code: ctt_result,
    url: Option<ctt_action_url>,
    message: CString,
}

/// The outcomes of `ctt_client_get_action_item_urls`, one slot per request, in order.
/// Immutable: safe to share between threads. Strings and URLs are borrowed from it.
#[derive(Debug)]
pub struct ctt_batch {
    slots: Vec<Slot>,
}

/// Asks for many action URLs at once, at most `concurrency` in flight (0 is taken as 1), blocking
/// until all are done. `requests` points to `count` request handles. A failure stays in its slot
/// and never stops the batch: the function itself fails only on bad arguments, and `*out` is a
/// new handle (free with `ctt_batch_free`) to read each slot.
#[no_mangle]
pub unsafe extern "C" fn ctt_client_get_action_item_urls(
    client: *const ctt_client,
    requests: *const *const ctt_request,
    count: usize,
    concurrency: usize,
    out: *mut *mut ctt_batch,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (c, out) = unsafe { (handle(client, "client")?, out_ptr(out, "out")?) };
        if requests.is_null() {
            return Err(Fail::Null("requests"));
        }
        // SAFETY: `requests` points to `count` handle pointers per the header's contract.
        let ptrs = unsafe { std::slice::from_raw_parts(requests, count) };
        let mut list = Vec::with_capacity(count);
        for p in ptrs {
            // SAFETY: each is NULL or a live request handle.
            list.push(unsafe { handle(*p, "requests[i]") }?.request.clone());
        }
        let results = c.blocking()?.get_action_item_urls(&list, concurrency.max(1));
        let slots = results
            .into_iter()
            .map(|r| match r {
                Ok(url) => Slot {
                    code: ctt_result::CTT_OK,
                    url: Some(ctt_action_url::from_core(&url)),
                    message: CString::default(),
                },
                Err(e) => Slot {
                    code: ctt_result::from_kind(e.kind()),
                    url: None,
                    message: cstring(&e.to_string()),
                },
            })
            .collect();
        *out = into_handle(ctt_batch { slots });
        Ok(())
    })
}

/// Frees a batch and the action URLs in it. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_batch_free(batch: *mut ctt_batch) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(batch) })
}

/// Sets `*out_len` to the number of slots (the number of requests).
#[no_mangle]
pub unsafe extern "C" fn ctt_batch_len(batch: *const ctt_batch, out_len: *mut usize) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (b, out) = unsafe { (handle(batch, "batch")?, out_val(out_len, "out_len")?) };
        *out = b.slots.len();
        Ok(())
    })
}

fn slot(b: &ctt_batch, index: usize) -> FfiResult<&Slot> {
    b.slots
        .get(index)
        .ok_or_else(|| invalid("index", format!("{index} is past the batch's {} slots", b.slots.len())))
}

/// Sets `*out_code` to slot `index`'s result (`CTT_OK` or the error's code).
#[no_mangle]
pub unsafe extern "C" fn ctt_batch_result(
    batch: *const ctt_batch,
    index: usize,
    out_code: *mut ctt_result,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (b, out) = unsafe { (handle(batch, "batch")?, out_val(out_code, "out_code")?) };
        *out = slot(b, index)?.code;
        Ok(())
    })
}

/// Points `*out` at slot `index`'s action URL (borrowed from the batch: do not free it), or
/// NULL when that request failed.
#[no_mangle]
pub unsafe extern "C" fn ctt_batch_url(
    batch: *const ctt_batch,
    index: usize,
    out: *mut *const ctt_action_url,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (b, out) = unsafe { (handle(batch, "batch")?, out_cptr(out, "out")?) };
        *out = slot(b, index)?.url.as_ref().map_or(std::ptr::null(), |u| u as *const ctt_action_url);
        Ok(())
    })
}

/// Points `*out` at slot `index`'s error message (as `ctt_last_error_message` would give it;
/// `""` for a success).
#[no_mangle]
pub unsafe extern "C" fn ctt_batch_error_message(
    batch: *const ctt_batch,
    index: usize,
    out: *mut *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (b, out) = unsafe { (handle(batch, "batch")?, out_cptr(out, "out")?) };
        *out = slot(b, index)?.message.as_ptr();
        Ok(())
    })
}

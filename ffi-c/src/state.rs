//! The state-token signer and verifier.

use std::ffi::{c_char, CString};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ctt_core::{FlowSigner, FlowState};

use crate::action::{action_arg, ctt_action_type};
use crate::error::*;

/// Issues and verifies the signed, timestamped state tokens that tie a callback to its request.
/// Its keys are wiped when it is freed. Configure it (`_add_previous_key`, `_set_*`,
/// `_enable_replay_guard`) on one thread; after that `_issue*` and `_verify*` may be called from
/// any number of threads at once.
#[derive(Debug)]
pub struct ctt_flow_signer {
    pub(crate) signer: FlowSigner,
}

pub(crate) fn unix_time(secs: i64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).unwrap_or(0))
}

pub(crate) fn unix_secs(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Creates a signer with a key of `key_len` bytes (at least 32; copied), a one-hour TTL, 60 s
/// clock skew and no replay guard. `CTT_ERR_INVALID_INPUT` (field `"stateKey"`) for a short key.
/// Free with `ctt_flow_signer_free`.
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_signer_new(
    key: *const u8,
    key_len: usize,
    out: *mut *mut ctt_flow_signer,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (key, out) = unsafe { (bytes_arg(key, key_len, "key")?, out_ptr(out, "out")?) };
        *out = into_handle(ctt_flow_signer { signer: FlowSigner::new(key)? });
        Ok(())
    })
}

/// Frees a signer, wiping its keys. NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_signer_free(signer: *mut ctt_flow_signer) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(signer) })
}

/// Also accepts tokens signed with an older key (rotation); new tokens use the first key.
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_signer_add_previous_key(
    signer: *mut ctt_flow_signer,
    key: *const u8,
    key_len: usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (s, key) = unsafe { (handle_mut(signer, "signer")?, bytes_arg(key, key_len, "key")?) };
        s.signer = s.signer.clone().with_previous_key(key)?;
        Ok(())
    })
}

/// Sets the tokens' time-to-live, in seconds.
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_signer_set_ttl_secs(signer: *mut ctt_flow_signer, secs: u64) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let s = unsafe { handle_mut(signer, "signer") }?;
        s.signer = s.signer.clone().with_ttl(Duration::from_secs(secs));
        Ok(())
    })
}

/// Sets the clock-skew allowance, in seconds.
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_signer_set_clock_skew_secs(
    signer: *mut ctt_flow_signer,
    secs: u64,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let s = unsafe { handle_mut(signer, "signer") }?;
        s.signer = s.signer.clone().with_clock_skew(Duration::from_secs(secs));
        Ok(())
    })
}

/// Accepts each token once, remembering nonces in this process (a second verification of the
/// same token fails with `CTT_ERR_STATE_REJECTED` / `CTT_REJECTION_REPLAYED`).
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_signer_enable_replay_guard(signer: *mut ctt_flow_signer) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let s = unsafe { handle_mut(signer, "signer") }?;
        s.signer = s.signer.clone().with_memory_replay_guard();
        Ok(())
    })
}

/// Issues a fresh token for a flow (the enterprise name is validated first) into `buf`.
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_signer_issue(
    signer: *const ctt_flow_signer,
    action_type: i32,
    enterprise_name: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (s, name, ob) = unsafe {
            (
                handle(signer, "signer")?,
                str_arg(enterprise_name, "enterprise_name")?,
                OutBuf::new(buf, buf_len, out_len)?,
            )
        };
        ob.write("the state token", &s.signer.issue(action_arg(action_type)?, name)?)
    })
}

/// Like `ctt_flow_signer_issue` with a given time (`issued_at`, unix seconds) and the 16-byte
/// `nonce` (for tests and reproducible fixtures; use `ctt_flow_signer_issue` otherwise).
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_signer_issue_at(
    signer: *const ctt_flow_signer,
    action_type: i32,
    enterprise_name: *const c_char,
    issued_at: i64,
    nonce: *const u8,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (s, name, nonce, ob) = unsafe {
            (
                handle(signer, "signer")?,
                str_arg(enterprise_name, "enterprise_name")?,
                bytes_arg(nonce, 16, "nonce")?,
                OutBuf::new(buf, buf_len, out_len)?,
            )
        };
        let mut n = [0u8; 16];
        n.copy_from_slice(nonce);
        let token = s.signer.issue_at(action_arg(action_type)?, name, unix_time(issued_at), n)?;
        ob.write("the state token", &token)
    })
}

/// What a verified state token says about its flow. Immutable: safe to share between threads.
/// Strings are borrowed from the handle (valid until it, or the event it came from, is freed).
#[derive(Debug)]
pub struct ctt_flow_state {
    action_type: ctt_action_type,
    enterprise_name: CString,
    issued_at: i64,
    nonce_hex: CString,
}

impl ctt_flow_state {
    pub(crate) fn from_core(s: &FlowState) -> ctt_flow_state {
        ctt_flow_state {
            action_type: ctt_action_type::from_core(s.action_type),
            enterprise_name: cstring(&s.enterprise_name),
            issued_at: unix_secs(s.issued_at),
            nonce_hex: cstring(&s.nonce_hex()),
        }
    }
}

/// Verifies a token now: encoding, key, signature (constant-time), fields, time window, and
/// the replay guard last. On success `*out` is a new handle (free with `ctt_flow_state_free`);
/// a refused token is `CTT_ERR_STATE_REJECTED` with the reason in `ctt_last_error_rejection`.
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_signer_verify(
    signer: *const ctt_flow_signer,
    token: *const c_char,
    out: *mut *mut ctt_flow_state,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (s, token, out) =
            unsafe { (handle(signer, "signer")?, str_arg(token, "token")?, out_ptr(out, "out")?) };
        *out = into_handle(ctt_flow_state::from_core(&s.signer.verify(token)?));
        Ok(())
    })
}

/// Like `ctt_flow_signer_verify` as of `now` (unix seconds).
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_signer_verify_at(
    signer: *const ctt_flow_signer,
    token: *const c_char,
    now: i64,
    out: *mut *mut ctt_flow_state,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (s, token, out) =
            unsafe { (handle(signer, "signer")?, str_arg(token, "token")?, out_ptr(out, "out")?) };
        *out = into_handle(ctt_flow_state::from_core(&s.signer.verify_at(token, unix_time(now))?));
        Ok(())
    })
}

/// Frees a flow state made by `ctt_flow_signer_verify*` (never one borrowed from an event).
/// NULL is a no-op.
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_state_free(state: *mut ctt_flow_state) {
    // SAFETY: per the header's pointer contract.
    guard_void(|| unsafe { free_handle(state) })
}

/// Sets `*out` to the action the URL was requested for.
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_state_action_type(
    state: *const ctt_flow_state,
    out: *mut ctt_action_type,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (s, out) = unsafe { (handle(state, "state")?, out_val(out, "out")?) };
        *out = s.action_type;
        Ok(())
    })
}

/// Points `*out` at the enterprise the URL was requested for.
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_state_enterprise_name(
    state: *const ctt_flow_state,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(state, "state", out, |s| s.enterprise_name.as_ptr()) }
}

/// Sets `*out` to when the token was issued (unix seconds).
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_state_issued_at(state: *const ctt_flow_state, out: *mut i64) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (s, out) = unsafe { (handle(state, "state")?, out_val(out, "out")?) };
        *out = s.issued_at;
        Ok(())
    })
}

/// Points `*out` at the token's 128-bit nonce as 32 lowercase hex digits.
#[no_mangle]
pub unsafe extern "C" fn ctt_flow_state_nonce_hex(
    state: *const ctt_flow_state,
    out: *mut *const c_char,
) -> ctt_result {
    // SAFETY: per the header's pointer contract.
    unsafe { str_getter(state, "state", out, |s| s.nonce_hex.as_ptr()) }
}

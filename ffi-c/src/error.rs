//! Result codes, the thread-local last error, the panic boundary and the pointer helpers every
//! `extern "C"` function uses.

use std::cell::{Cell, RefCell};
use std::ffi::{c_char, CStr, CString};
use std::panic::{catch_unwind, AssertUnwindSafe};

use ctt_core::{Error, ErrorKind, Rejection};

/// The result of every fallible function. `CTT_OK` is 0; codes 1–15 are the core's error kinds
/// (one each, stable); codes from 100 are the C layer's own.
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ctt_result {
    /// Success.
    CTT_OK = 0,
    /// A caller-supplied value is unusable (see `ctt_last_error_field`); also a 400/422 answer.
    CTT_ERR_INVALID_INPUT = 1,
    /// The API or token endpoint refused the credentials.
    CTT_ERR_UNAUTHORIZED = 2,
    /// The API answered 403.
    CTT_ERR_FORBIDDEN = 3,
    /// The API answered 404.
    CTT_ERR_NOT_FOUND = 4,
    /// The API answered 429; see `ctt_last_error_retry_after_ms`.
    CTT_ERR_RATE_LIMITED = 5,
    /// The API answered 5xx; see `ctt_last_error_status`.
    CTT_ERR_SERVER = 6,
    /// The API answered a status no other code covers.
    CTT_ERR_UNEXPECTED_STATUS = 7,
    /// The connection failed, was reset or closed before an answer.
    CTT_ERR_TRANSPORT = 8,
    /// The call's deadline passed.
    CTT_ERR_TIMEOUT = 9,
    /// A 2xx answer whose body is not what the API promises.
    CTT_ERR_MALFORMED_RESPONSE = 10,
    /// A callback request that cannot be understood.
    CTT_ERR_MALFORMED_CALLBACK = 11,
    /// A callback request with a method the flow never uses.
    CTT_ERR_METHOD_NOT_ALLOWED = 12,
    /// A callback body over the configured limit.
    CTT_ERR_PAYLOAD_TOO_LARGE = 13,
    /// The flow's state token was missing or failed verification; see
    /// `ctt_last_error_rejection`.
    CTT_ERR_STATE_REJECTED = 14,
    /// A bug or an environment failure inside ctt (e.g. no runtime could be started).
    CTT_ERR_INTERNAL = 15,
    /// A pointer parameter was NULL.
    CTT_ERR_NULL_PARAMETER = 100,
    /// A string parameter was not valid UTF-8.
    CTT_ERR_INVALID_UTF8 = 101,
    /// The caller's buffer is too small; the `out_len` parameter holds the length needed.
    CTT_ERR_BUFFER_TOO_SMALL = 102,
    /// A panic inside the library was caught at its boundary (a bug: please report it).
    CTT_ERR_PANIC = 103,
    /// The handle is in the wrong state for this call (e.g. a listener already stopped).
    CTT_ERR_INVALID_STATE = 104,
}

impl ctt_result {
    /// The code for a core error kind.
    pub(crate) fn from_kind(kind: ErrorKind) -> ctt_result {
        use ctt_result::*;
        match kind {
            ErrorKind::InvalidInput => CTT_ERR_INVALID_INPUT,
            ErrorKind::Unauthorized => CTT_ERR_UNAUTHORIZED,
            ErrorKind::Forbidden => CTT_ERR_FORBIDDEN,
            ErrorKind::NotFound => CTT_ERR_NOT_FOUND,
            ErrorKind::RateLimited => CTT_ERR_RATE_LIMITED,
            ErrorKind::Server => CTT_ERR_SERVER,
            ErrorKind::UnexpectedStatus => CTT_ERR_UNEXPECTED_STATUS,
            ErrorKind::Transport => CTT_ERR_TRANSPORT,
            ErrorKind::Timeout => CTT_ERR_TIMEOUT,
            ErrorKind::MalformedResponse => CTT_ERR_MALFORMED_RESPONSE,
            ErrorKind::MalformedCallback => CTT_ERR_MALFORMED_CALLBACK,
            ErrorKind::MethodNotAllowed => CTT_ERR_METHOD_NOT_ALLOWED,
            ErrorKind::PayloadTooLarge => CTT_ERR_PAYLOAD_TOO_LARGE,
            ErrorKind::StateRejected => CTT_ERR_STATE_REJECTED,
            _ => CTT_ERR_INTERNAL,
        }
    }

    /// The stable snake_case name: the core kind's name for codes 1–15.
    pub(crate) fn name(code: i32) -> &'static CStr {
        use ctt_result::*;
        let all = [
            (CTT_OK, c"ok"),
            (CTT_ERR_INVALID_INPUT, c"invalid_input"),
            (CTT_ERR_UNAUTHORIZED, c"unauthorized"),
            (CTT_ERR_FORBIDDEN, c"forbidden"),
            (CTT_ERR_NOT_FOUND, c"not_found"),
            (CTT_ERR_RATE_LIMITED, c"rate_limited"),
            (CTT_ERR_SERVER, c"server"),
            (CTT_ERR_UNEXPECTED_STATUS, c"unexpected_status"),
            (CTT_ERR_TRANSPORT, c"transport"),
            (CTT_ERR_TIMEOUT, c"timeout"),
            (CTT_ERR_MALFORMED_RESPONSE, c"malformed_response"),
            (CTT_ERR_MALFORMED_CALLBACK, c"malformed_callback"),
            (CTT_ERR_METHOD_NOT_ALLOWED, c"method_not_allowed"),
            (CTT_ERR_PAYLOAD_TOO_LARGE, c"payload_too_large"),
            (CTT_ERR_STATE_REJECTED, c"state_rejected"),
            (CTT_ERR_INTERNAL, c"internal"),
            (CTT_ERR_NULL_PARAMETER, c"null_parameter"),
            (CTT_ERR_INVALID_UTF8, c"invalid_utf8"),
            (CTT_ERR_BUFFER_TOO_SMALL, c"buffer_too_small"),
            (CTT_ERR_PANIC, c"panic"),
            (CTT_ERR_INVALID_STATE, c"invalid_state"),
        ];
        all.iter().find(|(c, _)| *c as i32 == code).map_or(c"unknown", |(_, n)| n)
    }
}

/// Why a state token was refused (`ctt_last_error_rejection`, for `CTT_ERR_STATE_REJECTED`).
#[allow(non_camel_case_types)]
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ctt_rejection {
    /// The last error is not a state rejection.
    CTT_REJECTION_NONE = 0,
    /// No token where one was expected.
    CTT_REJECTION_MISSING = 1,
    /// Not a token of ours (encoding, length, version, fields).
    CTT_REJECTION_MALFORMED = 2,
    /// Signed with a known key but the tag does not match: tampered or forged.
    CTT_REJECTION_BAD_SIGNATURE = 3,
    /// Signed with a key this verifier does not hold.
    CTT_REJECTION_UNKNOWN_KEY = 4,
    /// Older than the time-to-live (plus clock skew).
    CTT_REJECTION_EXPIRED = 5,
    /// Issued in the future (beyond the clock-skew allowance).
    CTT_REJECTION_FROM_THE_FUTURE = 6,
    /// Seen before, with the replay guard on.
    CTT_REJECTION_REPLAYED = 7,
}

impl ctt_rejection {
    fn from_core(r: Option<Rejection>) -> ctt_rejection {
        use ctt_rejection::*;
        match r {
            None => CTT_REJECTION_NONE,
            Some(Rejection::Missing) => CTT_REJECTION_MISSING,
            Some(Rejection::Malformed) => CTT_REJECTION_MALFORMED,
            Some(Rejection::BadSignature) => CTT_REJECTION_BAD_SIGNATURE,
            Some(Rejection::UnknownKey) => CTT_REJECTION_UNKNOWN_KEY,
            Some(Rejection::Expired) => CTT_REJECTION_EXPIRED,
            Some(Rejection::FromTheFuture) => CTT_REJECTION_FROM_THE_FUTURE,
            Some(Rejection::Replayed) => CTT_REJECTION_REPLAYED,
        }
    }
}

/// A failure inside an `extern "C"` function, before it becomes a code and a last error.
#[derive(Debug)]
pub(crate) enum Fail {
    Core(Error),
    Null(&'static str),
    Utf8(&'static str),
    TooSmall { what: &'static str, needed: usize },
    State(String),
}

impl From<Error> for Fail {
    fn from(e: Error) -> Self {
        Fail::Core(e)
    }
}

/// An invalid-input failure raised by the C layer itself (an enum value out of range).
pub(crate) fn invalid(field: &'static str, reason: impl std::fmt::Display) -> Fail {
    Fail::Core(Error::invalid_input(field, reason))
}

pub(crate) type FfiResult<T = ()> = Result<T, Fail>;

/// The calling thread's last error.
#[derive(Debug)]
struct LastError {
    code: ctt_result,
    message: CString,
    status: u16,
    retry_after_ms: Option<u64>,
    field: Option<CString>,
    rejection: ctt_rejection,
}

thread_local! {
    static LAST: RefCell<Option<LastError>> = const { RefCell::new(None) };
    /// Whether `LAST` may hold an error. Every call clears the last error, and most calls
    /// succeed: this flag (no destructor, so its access is a plain thread-local read) lets that
    /// path skip `LAST` (whose destructor registration makes each access dearer).
    static HAS_LAST: Cell<bool> = const { Cell::new(false) };
}

fn store_last_error(last: LastError) {
    // `try_with`: never panic when called while the thread is being torn down.
    let _ = LAST.try_with(|l| *l.borrow_mut() = Some(last));
    let _ = HAS_LAST.try_with(|h| h.set(true));
}

fn to_cstring(s: impl Into<Vec<u8>>) -> CString {
    let mut bytes: Vec<u8> = s.into();
    bytes.retain(|b| *b != 0);
    CString::new(bytes).unwrap_or_default()
}

pub(crate) fn set_last_error(fail: Fail) -> ctt_result {
    use ctt_result::*;
    let (code, message, status, retry, field, rejection) = match fail {
        Fail::Core(e) => (
            ctt_result::from_kind(e.kind()),
            e.to_string(),
            e.status().unwrap_or(0),
            e.retry_after().map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX)),
            e.field().map(to_cstring),
            ctt_rejection::from_core(e.rejection()),
        ),
        Fail::Null(p) => (
            CTT_ERR_NULL_PARAMETER,
            format!("null_parameter: {p} is NULL"),
            0,
            None,
            None,
            ctt_rejection::CTT_REJECTION_NONE,
        ),
        Fail::Utf8(p) => (
            CTT_ERR_INVALID_UTF8,
            format!("invalid_utf8: {p} is not valid UTF-8"),
            0,
            None,
            None,
            ctt_rejection::CTT_REJECTION_NONE,
        ),
        Fail::TooSmall { what, needed } => (
            CTT_ERR_BUFFER_TOO_SMALL,
            format!("buffer_too_small: {what} needs a buffer of {needed} bytes (terminating NUL included)"),
            0,
            None,
            None,
            ctt_rejection::CTT_REJECTION_NONE,
        ),
        Fail::State(m) => (
            CTT_ERR_INVALID_STATE,
            format!("invalid_state: {m}"),
            0,
            None,
            None,
            ctt_rejection::CTT_REJECTION_NONE,
        ),
    };
    let last =
        LastError { code, message: to_cstring(message), status, retry_after_ms: retry, field, rejection };
    store_last_error(last);
    code
}

#[inline]
pub(crate) fn clear_last_error() {
    // `try_with`: never panic when called while the thread is being torn down.
    if HAS_LAST.try_with(|h| h.replace(false)).unwrap_or(false) {
        let _ = LAST.try_with(|l| l.borrow_mut().take());
    }
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}

/// The boundary of every fallible `extern "C"` function: clears the last error, runs `f`,
/// catches any panic, and turns a failure into its code and the thread's last error.
#[inline]
pub(crate) fn guard(f: impl FnOnce() -> FfiResult) -> ctt_result {
    clear_last_error();
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(Ok(())) => ctt_result::CTT_OK,
        Ok(Err(fail)) => set_last_error(fail),
        Err(payload) => {
            let msg = format!("panic: caught a panic inside libctt: {}", panic_message(payload.as_ref()));
            let last = LastError {
                code: ctt_result::CTT_ERR_PANIC,
                message: to_cstring(msg),
                status: 0,
                retry_after_ms: None,
                field: None,
                rejection: ctt_rejection::CTT_REJECTION_NONE,
            };
            store_last_error(last);
            ctt_result::CTT_ERR_PANIC
        }
    }
}

/// The boundary of `_free` functions and other void functions: runs `f`, swallows a panic.
pub(crate) fn guard_void(f: impl FnOnce()) {
    let _ = catch_unwind(AssertUnwindSafe(f));
}

/// Reads a NUL-terminated UTF-8 string parameter.
///
/// # Safety
/// `p` is NULL or points to a NUL-terminated string that outlives `'a`.
pub(crate) unsafe fn str_arg<'a>(p: *const c_char, name: &'static str) -> FfiResult<&'a str> {
    if p.is_null() {
        return Err(Fail::Null(name));
    }
    // SAFETY: non-NULL and NUL-terminated per the caller's contract.
    let c = unsafe { CStr::from_ptr(p) };
    c.to_str().map_err(|_| Fail::Utf8(name))
}

/// Reads a byte-buffer parameter.
///
/// # Safety
/// `p` is NULL or points to `len` readable bytes that outlive `'a`.
pub(crate) unsafe fn bytes_arg<'a>(p: *const u8, len: usize, name: &'static str) -> FfiResult<&'a [u8]> {
    if p.is_null() {
        return Err(Fail::Null(name));
    }
    // SAFETY: non-NULL and `len` readable bytes per the caller's contract.
    Ok(unsafe { std::slice::from_raw_parts(p, len) })
}

/// Borrows a handle parameter.
///
/// # Safety
/// `p` is NULL or a live handle of this type.
pub(crate) unsafe fn handle<'a, T>(p: *const T, name: &'static str) -> FfiResult<&'a T> {
    // SAFETY: per the caller's contract.
    unsafe { p.as_ref() }.ok_or(Fail::Null(name))
}

/// Borrows a handle parameter mutably.
///
/// # Safety
/// `p` is NULL or a live handle of this type not used by another thread during the call.
pub(crate) unsafe fn handle_mut<'a, T>(p: *mut T, name: &'static str) -> FfiResult<&'a mut T> {
    // SAFETY: per the caller's contract.
    unsafe { p.as_mut() }.ok_or(Fail::Null(name))
}

/// Borrows an out-parameter.
///
/// # Safety
/// `p` is NULL or valid for writes of a `T`.
pub(crate) unsafe fn out_val<'a, T>(p: *mut T, name: &'static str) -> FfiResult<&'a mut T> {
    // SAFETY: per the caller's contract. The pointee may be uninitialized: callers only write.
    unsafe { p.as_mut() }.ok_or(Fail::Null(name))
}

/// Writes `value` into an out-parameter of pointer type (used for handles and borrowed strings).
///
/// # Safety
/// `p` is NULL or valid for writes of a pointer.
pub(crate) unsafe fn out_ptr<'a, T>(p: *mut *mut T, name: &'static str) -> FfiResult<&'a mut *mut T> {
    // SAFETY: per the caller's contract.
    let slot = unsafe { p.as_mut() }.ok_or(Fail::Null(name))?;
    *slot = std::ptr::null_mut();
    Ok(slot)
}

/// Like [`out_ptr`] for `const T **` out-parameters.
///
/// # Safety
/// `p` is NULL or valid for writes of a pointer.
pub(crate) unsafe fn out_cptr<'a, T>(p: *mut *const T, name: &'static str) -> FfiResult<&'a mut *const T> {
    // SAFETY: per the caller's contract.
    let slot = unsafe { p.as_mut() }.ok_or(Fail::Null(name))?;
    *slot = std::ptr::null();
    Ok(slot)
}

/// A caller buffer: `buf` of `len` bytes and `out_len`, checked for NULL.
pub(crate) struct OutBuf<'a> {
    buf: *mut c_char,
    len: usize,
    out_len: &'a mut usize,
}

impl<'a> OutBuf<'a> {
    /// # Safety
    /// `buf` is NULL or valid for `len` bytes of writes; `out_len` is NULL or valid for a write.
    pub(crate) unsafe fn new(buf: *mut c_char, len: usize, out_len: *mut usize) -> FfiResult<OutBuf<'a>> {
        // SAFETY: per the caller's contract.
        let out_len = unsafe { out_val(out_len, "out_len") }?;
        *out_len = 0;
        if buf.is_null() {
            return Err(Fail::Null("buf"));
        }
        Ok(OutBuf { buf, len, out_len })
    }

    /// Copies `s` and a terminating NUL. `*out_len` becomes the string's length (without the
    /// NUL) when it fits, and the buffer size needed (with the NUL) when it does not.
    pub(crate) fn write(self, what: &'static str, s: &str) -> FfiResult {
        let bytes = s.as_bytes();
        if bytes.len() >= self.len {
            *self.out_len = bytes.len() + 1;
            if self.len > 0 {
                // SAFETY: `buf` is valid for `len` > 0 bytes: leave an empty string behind.
                unsafe { *self.buf = 0 };
            }
            return Err(Fail::TooSmall { what, needed: bytes.len() + 1 });
        }
        // SAFETY: `buf` is valid for `len` bytes and `bytes.len() + 1 <= len`.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), self.buf.cast::<u8>(), bytes.len());
            *self.buf.add(bytes.len()) = 0;
        }
        *self.out_len = bytes.len();
        Ok(())
    }
}

/// Converts a string for storage in a handle (interior NULs, which no valid input produces, are
/// dropped rather than failing).
pub(crate) fn cstring(s: &str) -> CString {
    to_cstring(s)
}

pub(crate) fn opt_cstring(s: Option<&str>) -> Option<CString> {
    s.map(cstring)
}

/// The pointer to a stored optional string: NULL when absent.
pub(crate) fn opt_ptr(s: &Option<CString>) -> *const c_char {
    s.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// Moves a value into a new heap handle.
pub(crate) fn into_handle<T>(v: T) -> *mut T {
    Box::into_raw(Box::new(v))
}

/// Frees a handle made by [`into_handle`]; NULL is a no-op.
///
/// # Safety
/// `p` is NULL or a handle from [`into_handle`] not freed before and not in use elsewhere.
pub(crate) unsafe fn free_handle<T>(p: *mut T) {
    if !p.is_null() {
        // SAFETY: per the caller's contract.
        drop(unsafe { Box::from_raw(p) });
    }
}

// ---- the last error, read by the caller -------------------------------------------------------

fn with_last<R>(f: impl FnOnce(Option<&LastError>) -> R) -> R {
    LAST.with(|l| f(l.borrow().as_ref()))
}

/// The result code of the calling thread's last failed call, or `CTT_OK` when the last call
/// succeeded. Does not change the last error.
#[no_mangle]
pub extern "C" fn ctt_last_error_code() -> ctt_result {
    catch_unwind(|| with_last(|l| l.map_or(ctt_result::CTT_OK, |l| l.code)))
        .unwrap_or(ctt_result::CTT_ERR_PANIC)
}

/// Copies the calling thread's last error message (`"<kind>: <message>"`, never containing a
/// secret; the empty string when the last call succeeded) into `buf`, NUL-terminated.
///
/// `*out_len` receives the message length without the NUL; when `buf_len` is too small it
/// receives the buffer size needed (NUL included), `buf` holds the empty string and the result
/// is `CTT_ERR_BUFFER_TOO_SMALL`. Unlike every other function, this one (and every
/// `ctt_last_error_*` function) never changes the last error, so it can be retried with a
/// larger buffer.
#[no_mangle]
pub unsafe extern "C" fn ctt_last_error_message(
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ctt_result {
    let r = catch_unwind(AssertUnwindSafe(|| -> FfiResult {
        // SAFETY: per this function's contract.
        let ob = unsafe { OutBuf::new(buf, buf_len, out_len) }?;
        let msg = with_last(|l| l.map(|l| l.message.to_string_lossy().into_owned()).unwrap_or_default());
        ob.write("the last error message", &msg)
    }));
    match r {
        Ok(Ok(())) => ctt_result::CTT_OK,
        Ok(Err(Fail::Null(_))) => ctt_result::CTT_ERR_NULL_PARAMETER,
        Ok(Err(Fail::TooSmall { .. })) => ctt_result::CTT_ERR_BUFFER_TOO_SMALL,
        Ok(Err(_)) => ctt_result::CTT_ERR_INTERNAL,
        Err(_) => ctt_result::CTT_ERR_PANIC,
    }
}

/// The HTTP status of the calling thread's last error, or 0 when it has none.
#[no_mangle]
pub extern "C" fn ctt_last_error_status() -> u16 {
    catch_unwind(|| with_last(|l| l.map_or(0, |l| l.status))).unwrap_or(0)
}

/// The server's `Retry-After` of the calling thread's last error, in milliseconds, or -1 when
/// it has none (set for `CTT_ERR_RATE_LIMITED` and some `CTT_ERR_SERVER`).
#[no_mangle]
pub extern "C" fn ctt_last_error_retry_after_ms() -> i64 {
    catch_unwind(|| {
        with_last(|l| l.and_then(|l| l.retry_after_ms).map_or(-1, |ms| i64::try_from(ms).unwrap_or(i64::MAX)))
    })
    .unwrap_or(-1)
}

/// Why a state token was refused, for a last error `CTT_ERR_STATE_REJECTED`;
/// `CTT_REJECTION_NONE` otherwise.
#[no_mangle]
pub extern "C" fn ctt_last_error_rejection() -> ctt_rejection {
    catch_unwind(|| with_last(|l| l.map_or(ctt_rejection::CTT_REJECTION_NONE, |l| l.rejection)))
        .unwrap_or(ctt_rejection::CTT_REJECTION_NONE)
}

/// Copies the wire name of the offending field of the calling thread's last error (e.g.
/// `"redirectUrl"`, for `CTT_ERR_INVALID_INPUT` raised locally) into `buf`; the empty string
/// when there is none. Buffer rules as `ctt_last_error_message`; never changes the last error.
#[no_mangle]
pub unsafe extern "C" fn ctt_last_error_field(
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ctt_result {
    let r = catch_unwind(AssertUnwindSafe(|| -> FfiResult {
        // SAFETY: per this function's contract.
        let ob = unsafe { OutBuf::new(buf, buf_len, out_len) }?;
        let field = with_last(|l| {
            l.and_then(|l| l.field.as_ref()).map(|f| f.to_string_lossy().into_owned()).unwrap_or_default()
        });
        ob.write("the last error field", &field)
    }));
    match r {
        Ok(Ok(())) => ctt_result::CTT_OK,
        Ok(Err(Fail::Null(_))) => ctt_result::CTT_ERR_NULL_PARAMETER,
        Ok(Err(Fail::TooSmall { .. })) => ctt_result::CTT_ERR_BUFFER_TOO_SMALL,
        Ok(Err(_)) => ctt_result::CTT_ERR_INTERNAL,
        Err(_) => ctt_result::CTT_ERR_PANIC,
    }
}

/// The stable snake_case name of a result code (`"rate_limited"`, `"null_parameter"`, …;
/// the core's error kind names for codes 1–15), a static string; `"unknown"` for other values.
#[no_mangle]
pub extern "C" fn ctt_result_name(code: i32) -> *const c_char {
    catch_unwind(|| ctt_result::name(code).as_ptr()).unwrap_or(c"panic".as_ptr())
}

/// The body of every getter that points `*out` at a string borrowed from a handle.
///
/// # Safety
/// `h` is NULL or a live handle; `out` is NULL or valid for a pointer write.
pub(crate) unsafe fn str_getter<T>(
    h: *const T,
    name: &'static str,
    out: *mut *const c_char,
    f: impl FnOnce(&T) -> *const c_char,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the caller's contract.
        let (h, out) = unsafe { (handle(h, name)?, out_cptr(out, "out")?) };
        *out = f(h);
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_a_code_and_a_message() {
        let r = guard(|| panic!("boom"));
        assert_eq!(r, ctt_result::CTT_ERR_PANIC);
        assert_eq!(ctt_last_error_code(), ctt_result::CTT_ERR_PANIC);
        let mut buf = [0 as c_char; 128];
        let mut n = 0usize;
        // SAFETY: a valid buffer and length.
        let r = unsafe { ctt_last_error_message(buf.as_mut_ptr(), buf.len(), &mut n) };
        assert_eq!(r, ctt_result::CTT_OK);
        // SAFETY: NUL-terminated by the call.
        let msg = unsafe { CStr::from_ptr(buf.as_ptr()) }.to_str().unwrap();
        assert!(msg.contains("boom"), "{msg}");
        assert_eq!(guard(|| Ok(())), ctt_result::CTT_OK);
        assert_eq!(ctt_last_error_code(), ctt_result::CTT_OK, "success clears the last error");
        guard_void(|| panic!("swallowed"));
    }

    #[test]
    fn codes_match_the_core_kinds_one_to_one() {
        let mut seen = std::collections::HashSet::new();
        for (i, k) in ErrorKind::ALL.into_iter().enumerate() {
            let code = ctt_result::from_kind(k);
            assert_eq!(code as i32, i as i32 + 1, "{k}");
            assert_eq!(ctt_result::name(code as i32).to_str().unwrap(), k.as_str());
            assert!(seen.insert(code as i32));
        }
    }

    #[test]
    fn the_last_error_is_per_thread() {
        set_last_error(Fail::Null("x"));
        let other = std::thread::spawn(|| ctt_last_error_code()).join().unwrap();
        assert_eq!(other, ctt_result::CTT_OK);
        assert_eq!(ctt_last_error_code(), ctt_result::CTT_ERR_NULL_PARAMETER);
    }
}

//! Request validation.

use std::ffi::c_char;

use crate::error::*;

/// Trims an enterprise name and checks it (non-empty, at most 256 characters, no control
/// characters); copies the trimmed name into `buf` (buffer rules: see the header's
/// introduction). `CTT_ERR_INVALID_INPUT` with field `"enterpriseName"` when it is unusable.
#[no_mangle]
pub unsafe extern "C" fn ctt_validate_enterprise_name(
    name: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (name, ob) = unsafe { (str_arg(name, "name")?, OutBuf::new(buf, buf_len, out_len)?) };
        ob.write("the enterprise name", &ctt_core::validate_enterprise_name(name)?)
    })
}

/// Checks a redirect (webhook) URL: absolute, `https` (plain `http` only for loopback hosts),
/// a host, no fragment, no credentials, at most 2048 bytes; copies the normalized URL into
/// `buf`. `CTT_ERR_INVALID_INPUT` with field `"redirectUrl"` when it is unusable.
#[no_mangle]
pub unsafe extern "C" fn ctt_validate_redirect_url(
    url: *const c_char,
    buf: *mut c_char,
    buf_len: usize,
    out_len: *mut usize,
) -> ctt_result {
    guard(|| {
        // SAFETY: per the header's pointer contract.
        let (url, ob) = unsafe { (str_arg(url, "url")?, OutBuf::new(buf, buf_len, out_len)?) };
        ob.write("the redirect URL", ctt_core::validate_redirect_url(url)?.as_str())
    })
}

//! The consent-redirect parser on arbitrary text: never panics, keeps what it found.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(r) = ctt_core::parse_consent_redirect(&text) {
        let key = if r.outcome.is_success() { "success" } else { "error" };
        assert!(r.param(key).is_some(), "the outcome came from a parameter");
    }
    let _ = ctt_core::parse_query_lenient(&text);
});

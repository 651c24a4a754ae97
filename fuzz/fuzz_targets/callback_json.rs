//! The registration/login JSON parser on arbitrary bytes: never panics, never shows a token.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(r) = ctt_core::parse_authentication_result(data) {
        assert!(!r.access_token.expose().trim().is_empty());
        assert_eq!(format!("{:?}", r.access_token), "[REDACTED]");
        let _ = format!("{r:?}");
    }
});

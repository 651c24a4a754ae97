//! The getActionItemUrl answer parser: first two bytes pick the status, the rest is the body.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let status = 100 + u16::from_be_bytes([data[0], data[1]]) % 500;
    let body = String::from_utf8_lossy(&data[2..]);
    match ctt_core::parse_action_url_response(status, &body, Some(&body)) {
        Ok(a) => {
            assert!((200..300).contains(&status));
            // The scheme is case-insensitive (RFC 3986 §3.1): "hTtps://…" is a valid answer,
            // kept exactly as sent (found by this target, 2026-12-04; not a core bug).
            assert!(a.url.get(..4).is_some_and(|s| s.eq_ignore_ascii_case("http")), "{:?}", a.url);
            // No control characters, no surrounding whitespace (core fix of 2026-12-04).
            assert!(!a.url.chars().any(char::is_control), "{:?}", a.url);
            assert_eq!(a.url.trim(), a.url);
        }
        Err(e) => assert!(e.body_snippet().is_none_or(|s| s.chars().count() <= 257)),
    }
});

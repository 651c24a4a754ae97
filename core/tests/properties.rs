//! Property tests: redirect round trips, state tokens, expiry, validation.

use std::time::{Duration, UNIX_EPOCH};

use ctt_core::*;
use proptest::prelude::*;

fn signer() -> FlowSigner {
    FlowSigner::new(b"property-test-key-of-32-bytes!!!").unwrap()
}

/// Query-value encoding as a browser would send it (`application/x-www-form-urlencoded`).
fn encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

proptest! {
    #[test]
    fn encoded_redirect_round_trips(message in "\\PC{0,80}", other in "[a-z0-9]{0,12}", success in any::<bool>()) {
        let key = if success { "success" } else { "error" };
        let url = format!("https://yourapp.com/cb?tenant={}&{key}={}", encode(&other), encode(&message));
        let r = parse_consent_redirect(&url).unwrap();
        prop_assert_eq!(r.outcome.message(), message.as_str());
        prop_assert_eq!(r.outcome.is_success(), success);
        prop_assert_eq!(r.param("tenant"), Some(other.as_str()));
    }

    #[test]
    fn unencoded_messages_keep_their_text(message in "[A-Za-z0-9 .,:;!'()-]{0,80}") {
        // The URL as a whole is trimmed (pasted URLs carry stray whitespace), so a message's
        // trailing spaces go with it; everything else is kept.
        let r = parse_consent_redirect(&format!("https://yourapp.com/cb?error={message}")).unwrap();
        prop_assert_eq!(r.outcome.message(), message.trim_end());
    }

    #[test]
    fn redirect_parser_never_panics(input in "\\PC{0,200}") {
        let _ = parse_consent_redirect(&input);
    }

    #[test]
    fn state_tokens_round_trip(action in 0u8..9, name in "[^\\p{Cc}]{1,60}", secs in 1_000_000_000u64..4_000_000_000, nonce in any::<[u8; 16]>()) {
        let s = signer();
        let action = ActionType::from_code(action).unwrap();
        let issued = UNIX_EPOCH + Duration::from_secs(secs);
        let Ok(token) = s.issue_at(action, &name, issued, nonce) else {
            // only blank-after-trim or over-long names are refused
            prop_assert!(validate_enterprise_name(&name).is_err());
            return Ok(());
        };
        let st = s.verify_at(&token, issued + Duration::from_secs(5)).unwrap();
        prop_assert_eq!(st.action_type, action);
        prop_assert_eq!(st.enterprise_name, name.trim());
        prop_assert_eq!(st.nonce, nonce);
    }

    #[test]
    fn any_flipped_byte_is_rejected(index in any::<prop::sample::Index>(), bit in 0u8..8) {
        use base64::Engine as _;
        let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let s = signer();
        let issued = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let token = s.issue_at(ActionType::Registration, "AcmeCorp", issued, [1; 16]).unwrap();
        let mut raw = engine.decode(&token).unwrap();
        let i = index.index(raw.len());
        raw[i] ^= 1 << bit;
        let err = s.verify_at(&engine.encode(&raw), issued).unwrap_err();
        prop_assert_eq!(err.kind(), ErrorKind::StateRejected);
    }

    #[test]
    fn tokens_are_rejected_on_truncation(cut in 1usize..80) {
        let s = signer();
        let token = s.issue(ActionType::Registration, "AcmeCorp").unwrap();
        let cut = cut.min(token.len());
        prop_assert!(s.verify(&token[..token.len() - cut]).is_err());
    }

    #[test]
    fn expiry_is_monotonic_within_each_band(a in 1i64..1_000_000_000_000_000_000, b in 1i64..1_000_000_000_000_000_000) {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let (ea, eb) = (derive_expiry(Some(a), None, now), derive_expiry(Some(b), None, now));
        if ea.source == eb.source && a <= b {
            prop_assert!(ea.expires_at <= eb.expires_at);
        }
        prop_assert!(ea.expires_at.is_some());
    }

    #[test]
    fn validation_never_panics(s in "\\PC{0,300}|[\\x00-\\x7f]{0,300}") {
        let _ = validate_enterprise_name(&s);
        let _ = validate_redirect_url(&s);
        let _ = ActionType::from_wire(&s);
        let _ = inspect_consent_url(&s);
        let _ = parse_action_url_response(200, &s, Some(&s));
    }

    #[test]
    fn handler_never_panics(method in "[A-Za-z]{0,7}", url in "\\PC{0,120}", body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let h = CallbackHandler::new();
        let _ = h.handle(&CallbackRequest::new(&method, &url).with_body(Some("application/json"), &body));
        let _ = h.handle(&CallbackRequest::new(&method, &url).with_body(Some("application/x-www-form-urlencoded"), &body));
    }
}

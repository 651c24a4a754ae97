//! The whole callback handler: method, URL, content type and body cut from one input.
#![no_main]
use libfuzzer_sys::fuzz_target;

const METHODS: [&str; 5] = ["GET", "POST", "HEAD", "PUT", "post"];
const TYPES: [Option<&str>; 4] =
    [None, Some("application/json"), Some("application/x-www-form-urlencoded"), Some("text/plain")];

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    let mut parts = rest.splitn(2, |&b| b == 0);
    let url = String::from_utf8_lossy(parts.next().unwrap_or_default());
    let body = parts.next().unwrap_or_default();
    let method = METHODS[usize::from(selector % 5)];
    let content_type = TYPES[usize::from(selector / 5 % 4)];
    let handler = ctt_core::CallbackHandler::new().with_body_limit(4096);
    let request = ctt_core::CallbackRequest::new(method, &url).with_body(content_type, body);
    if let Ok(event) = handler.handle(&request) {
        assert_eq!(event.to_json()["kind"], event.kind().as_str());
    }
});

//! What `getActionItemUrl` answers, and what an action URL asks the Global Admin for.

use std::time::{Duration, SystemTime};

use url::Url;

use crate::error::{snippet, Error, ErrorKind, Result};
use crate::text::escape_control;

/// A consent URL taken apart (for Microsoft authorize URLs, and the mock's look-alike).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentUrl {
    /// The URL as received (trimmed).
    pub url: String,
    /// Its host.
    pub host: String,
    /// Whether it looks like an OAuth2 authorize endpoint (`…/oauth2/…/authorize`).
    pub is_authorize: bool,
    /// `client_id`.
    pub client_id: Option<String>,
    /// `response_type` (e.g. `id_token code`).
    pub response_type: Option<String>,
    /// `response_mode` (e.g. `form_post`).
    pub response_mode: Option<String>,
    /// `scope`, split on spaces.
    pub scopes: Vec<String>,
    /// `state`.
    pub state: Option<String>,
    /// `nonce`.
    pub nonce: Option<String>,
    /// `redirect_uri`.
    pub redirect_uri: Option<String>,
}

/// Takes an action URL apart. The URL must be absolute `https` (or `http` on a loopback host,
/// for the embedded mock).
///
/// ```
/// let u = ctt_core::inspect_consent_url("https://login.microsoftonline.com/common/oauth2/v2.0/authorize?client_id=abc&scope=openid User.Read&response_mode=form_post").unwrap();
/// assert!(u.is_authorize);
/// assert_eq!(u.scopes, ["openid", "User.Read"]);
/// ```
pub fn inspect_consent_url(url: &str) -> Result<ConsentUrl> {
    let trimmed = url.trim();
    let parsed = parse_absolute_url(trimmed).map_err(|reason| Error::invalid_input("url", reason))?;
    Ok(consent_url_from(trimmed, &parsed))
}

fn consent_url_from(original: &str, parsed: &Url) -> ConsentUrl {
    let path = parsed.path().to_ascii_lowercase();
    let mut c = ConsentUrl {
        url: original.to_owned(),
        host: parsed.host_str().unwrap_or("").to_owned(),
        is_authorize: path.contains("/oauth2/") && path.trim_end_matches('/').ends_with("/authorize"),
        client_id: None,
        response_type: None,
        response_mode: None,
        scopes: Vec::new(),
        state: None,
        nonce: None,
        redirect_uri: None,
    };
    // One pass over the query; the first occurrence of a parameter wins.
    let mut scope = None;
    for (k, v) in parsed.query_pairs() {
        let slot = match k.as_ref() {
            "client_id" => &mut c.client_id,
            "response_type" => &mut c.response_type,
            "response_mode" => &mut c.response_mode,
            "scope" => &mut scope,
            "state" => &mut c.state,
            "nonce" => &mut c.nonce,
            "redirect_uri" => &mut c.redirect_uri,
            _ => continue,
        };
        if slot.is_none() {
            *slot = Some(v.into_owned());
        }
    }
    c.scopes = scope.map(|s| s.split_whitespace().map(str::to_owned).collect()).unwrap_or_default();
    c
}

/// An absolute https URL, or http on a loopback host; the reason otherwise.
fn parse_absolute_url(text: &str) -> std::result::Result<Url, String> {
    if text.is_empty() {
        return Err("is empty".into());
    }
    // The URL parser would silently drop tabs and line breaks and strip leading control
    // characters; the text is shown to people and put in headers, so refuse it instead.
    if text.chars().any(char::is_control) {
        return Err("has control characters or line breaks inside".into());
    }
    let url = Url::parse(text).map_err(|e| format!("is not an absolute URL ({e})"))?;
    let loopback = match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => return Err("has no host".into()),
    };
    match url.scheme() {
        "https" => Ok(url),
        "http" if loopback => Ok(url),
        other => Err(format!("uses {other}, not https")),
    }
}

/// A successful `getActionItemUrl` answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionUrl {
    /// The URL to show the Global Admin, exactly as the API sent it (trimmed, unquoted).
    pub url: String,
    /// The redirect URL that was sent, state token included.
    pub redirect_url: String,
    /// The state token added to the redirect URL, if a signer was used.
    pub state_token: Option<String>,
    /// `url`, parsed and checked when the answer was read.
    parsed: Url,
}

impl ActionUrl {
    /// The URL taken apart. Built on each call: most callers only show [`url`](ActionUrl::url),
    /// and decoding the query was most of the client's own cost per call.
    pub fn consent(&self) -> ConsentUrl {
        consent_url_from(&self.url, &self.parsed)
    }
}

/// Reads a `getActionItemUrl` answer: a 2xx body must be a URL as plain text or a JSON string
/// (trimmed, unquoted, absolute https); other statuses map to error kinds.
///
/// `retry_after` is the raw `Retry-After` header. The returned [`ActionUrl`] has empty
/// `redirect_url`/`state_token`; the client fills them in.
///
/// ```
/// use ctt_core::{parse_action_url_response, ErrorKind};
/// let ok = parse_action_url_response(200, "\"https://login.microsoftonline.com/x\"\n", None).unwrap();
/// assert_eq!(ok.url, "https://login.microsoftonline.com/x");
/// let err = parse_action_url_response(200, "<html>login</html>", None).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::MalformedResponse);
/// ```
pub fn parse_action_url_response(status: u16, body: &str, retry_after: Option<&str>) -> Result<ActionUrl> {
    if !(200..300).contains(&status) {
        return Err(status_error(status, body, retry_after));
    }
    let malformed = |reason: &str| {
        Error::new(ErrorKind::MalformedResponse, format!("getActionItemUrl answered {status} with {reason}"))
            .with_status(status)
            .with_body(body)
    };
    let trimmed = body.trim_start_matches('\u{feff}').trim();
    let decoded;
    let text = if trimmed.starts_with('"') {
        decoded = serde_json::from_str::<String>(trimmed).map_err(|_| malformed("an invalid JSON string"))?;
        decoded.trim()
    } else if trimmed.starts_with(['{', '[']) {
        return Err(malformed("JSON that is not a string"));
    } else if trimmed.starts_with('<') {
        return Err(malformed("HTML instead of a URL"));
    } else {
        trimmed
    };
    let parsed = parse_absolute_url(text).map_err(|reason| malformed(&format!("a body that {reason}")))?;
    Ok(ActionUrl { url: text.to_owned(), redirect_url: String::new(), state_token: None, parsed })
}

/// Maps a non-2xx answer to an error with the status, a bounded body snippet and any message.
pub(crate) fn status_error(status: u16, body: &str, retry_after: Option<&str>) -> Error {
    let message = extract_message(body);
    let detail = message.map(|m| format!(": {m}")).unwrap_or_default();
    let (kind, what) = match status {
        400 | 422 => (ErrorKind::InvalidInput, "rejected the request"),
        401 => (ErrorKind::Unauthorized, "refused the credentials"),
        403 => (ErrorKind::Forbidden, "forbade the request"),
        404 => (ErrorKind::NotFound, "found no such resource"),
        429 => (ErrorKind::RateLimited, "is rate limiting"),
        500..=599 => (ErrorKind::Server, "failed"),
        _ => (ErrorKind::UnexpectedStatus, "answered an unexpected status"),
    };
    Error::new(kind, format!("the API {what} (HTTP {status}){detail}"))
        .with_status(status)
        .with_body(body)
        .with_retry_after(retry_after.and_then(parse_retry_after))
}

/// The server's message: a JSON object's `message`/`error_description`/`error`/`detail`/`title`,
/// or short plain text; never HTML; control characters escaped (it goes into error messages).
pub(crate) fn extract_message(body: &str) -> Option<String> {
    let t = body.trim();
    if t.is_empty() || t.starts_with('<') {
        return None;
    }
    if let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(t) {
        return ["message", "error_description", "error", "detail", "title"]
            .iter()
            .find_map(|k| o.get(*k).and_then(|v| v.as_str()))
            .map(|m| escape_control(&snippet(m)).into_owned());
    }
    Some(escape_control(&snippet(t)).into_owned())
}

/// `Retry-After` as delta-seconds or an HTTP date (a date in the past is zero).
pub fn parse_retry_after(value: &str) -> Option<Duration> {
    let v = value.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(SystemTime::now()).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_response_is_inspected() {
        let body = "https://login.microsoftonline.com/common/oauth2/v2.0/authorize?response_type=id_token+code&client_id=<client_id>&nonce=6457573502311203778&response_mode=form_post&state=<state>&scope=openid Directory.ReadWrite.All 48ac35b8-9aa8-4d74-927d-1f4a14a0b239/user_impersonation&redirect_uri=https://api.connecttoteams.com/restricted/handleResponse";
        let a = parse_action_url_response(200, body, None).unwrap();
        assert_eq!(a.url, body);
        let c = a.consent();
        assert!(c.is_authorize);
        assert_eq!(c.response_type.as_deref(), Some("id_token code"));
        assert_eq!(c.scopes.len(), 3);
        assert_eq!(
            c.redirect_uri.as_deref(),
            Some("https://api.connecttoteams.com/restricted/handleResponse")
        );
    }

    #[test]
    fn status_mapping_and_messages() {
        let e =
            parse_action_url_response(400, r#"{"message":"enterpriseName is required"}"#, None).unwrap_err();
        assert_eq!((e.kind(), e.status()), (ErrorKind::InvalidInput, Some(400)));
        assert!(e.message().contains("enterpriseName is required"));
        let e = parse_action_url_response(429, "", Some("7")).unwrap_err();
        assert_eq!(e.retry_after(), Some(Duration::from_secs(7)));
        let e = parse_action_url_response(418, "<html>", None).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::UnexpectedStatus);
        assert!(!e.message().contains("html"));
        let e = parse_action_url_response(503, "busy\u{1b}[2J\nretry", None).unwrap_err();
        assert!(e.message().ends_with(": busy\\u{1b}[2J\\u{a}retry"), "{}", e.message());
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
    }
}

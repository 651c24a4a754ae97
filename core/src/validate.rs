//! Checks on a request before anything is sent.

use std::net::IpAddr;

use url::{Host, Url};

use crate::error::{Error, Result};

/// The longest enterprise name accepted, in characters.
pub const MAX_ENTERPRISE_NAME_CHARS: usize = 256;
/// The longest redirect URL accepted, in bytes.
pub const MAX_REDIRECT_URL_BYTES: usize = 2048;

/// Trims an enterprise name and checks it: non-empty, at most 256 characters, no control
/// characters. Returns the trimmed name.
///
/// ```
/// assert_eq!(ctt_core::validate_enterprise_name("  AcmeCorp ").unwrap(), "AcmeCorp");
/// assert!(ctt_core::validate_enterprise_name("Acme\u{0}Corp").is_err());
/// ```
pub fn validate_enterprise_name(name: &str) -> Result<String> {
    const FIELD: &str = "enterpriseName";
    let name = name.trim();
    if name.is_empty() {
        return Err(Error::invalid_input(FIELD, "must not be empty"));
    }
    if name.chars().count() > MAX_ENTERPRISE_NAME_CHARS {
        return Err(Error::invalid_input(
            FIELD,
            format!("must be at most {MAX_ENTERPRISE_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Error::invalid_input(FIELD, "must not contain control characters"));
    }
    Ok(name.to_owned())
}

/// Checks a redirect (webhook) URL: absolute, `https` (plain `http` only for loopback hosts,
/// for local development), a host, no fragment, no `user:password@`, at most 2048 bytes.
///
/// ```
/// assert!(ctt_core::validate_redirect_url("https://yourapp.com/callback").is_ok());
/// assert!(ctt_core::validate_redirect_url("http://127.0.0.1:8080/cb").is_ok());
/// let err = ctt_core::validate_redirect_url("http://yourapp.com/callback").unwrap_err();
/// assert_eq!(err.field(), Some("redirectUrl"));
/// ```
pub fn validate_redirect_url(url: &str) -> Result<Url> {
    const FIELD: &str = "redirectUrl";
    let raw = url.trim();
    if raw.is_empty() {
        return Err(Error::invalid_input(FIELD, "must not be empty"));
    }
    if raw.len() > MAX_REDIRECT_URL_BYTES {
        return Err(Error::invalid_input(FIELD, format!("must be at most {MAX_REDIRECT_URL_BYTES} bytes")));
    }
    if raw.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Error::invalid_input(FIELD, "must not contain spaces or control characters"));
    }
    let parsed = Url::parse(raw).map_err(|e| match e {
        url::ParseError::RelativeUrlWithoutBase => {
            Error::invalid_input(FIELD, "must be an absolute URL (https://host/path)")
        }
        other => Error::invalid_input(FIELD, format!("is not a valid URL ({other})")),
    })?;
    let Some(host) = parsed.host() else {
        return Err(Error::invalid_input(FIELD, "must have a host"));
    };
    match parsed.scheme() {
        "https" => {}
        "http" if is_loopback(&host) => {}
        "http" => {
            return Err(Error::invalid_input(
                FIELD,
                "must use https (plain http is accepted only for loopback hosts)",
            ))
        }
        other => return Err(Error::invalid_input(FIELD, format!("must use https, not {other}"))),
    }
    if parsed.fragment().is_some() {
        return Err(Error::invalid_input(FIELD, "must not have a fragment (#…)"));
    }
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(Error::invalid_input(FIELD, "must not carry a user name or password"));
    }
    Ok(parsed)
}

fn is_loopback(host: &Host<&str>) -> bool {
    match host {
        Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        Host::Ipv4(ip) => IpAddr::V4(*ip).is_loopback(),
        Host::Ipv6(ip) => IpAddr::V6(*ip).is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirect_url_rules() {
        for ok in
            ["https://a.example/cb?x=1", "http://localhost:9/cb", "http://[::1]/cb", "http://127.5.0.1/"]
        {
            assert!(validate_redirect_url(ok).is_ok(), "{ok}");
        }
        for (bad, why) in [
            ("/cb", "absolute"),
            ("ftp://a.example/", "https"),
            ("http://a.example/", "loopback"),
            ("https://a.example/#frag", "fragment"),
            ("https://u:p@a.example/", "password"),
            ("https://a.example/a b", "spaces"),
        ] {
            let e = validate_redirect_url(bad).unwrap_err();
            assert!(e.message().contains(why), "{bad}: {}", e.message());
        }
    }

    #[test]
    fn enterprise_name_rules() {
        assert!(validate_enterprise_name(&"x".repeat(256)).is_ok());
        assert!(validate_enterprise_name(&"x".repeat(257)).is_err());
        assert!(validate_enterprise_name("a\nb").is_err());
        assert_eq!(validate_enterprise_name(" Ünïcode GmbH ").unwrap(), "Ünïcode GmbH");
    }
}

//! Reading a JWT's claims without verifying it: for information only, never to authorize.

use base64::engine::general_purpose::{URL_SAFE, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::Deserialize;

/// Claims of an access token, decoded without verifying its signature. They tell what the token
/// says about itself; never use them to decide whether someone may do something.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TokenClaims {
    /// `exp`: expiry, seconds since the epoch.
    pub exp: Option<i64>,
    /// `tid`: the tenant id.
    pub tid: Option<String>,
    /// `oid`: the user's object id.
    pub oid: Option<String>,
    /// `upn`.
    pub upn: Option<String>,
    /// `preferred_username`.
    pub preferred_username: Option<String>,
    /// `scp`, split on spaces.
    pub scopes: Vec<String>,
    /// `roles`.
    pub roles: Vec<String>,
    /// `aud` (the first one when it is a list).
    pub audience: Option<String>,
    /// `iss`.
    pub issuer: Option<String>,
}

#[derive(Deserialize)]
struct Wire {
    exp: Option<f64>,
    tid: Option<String>,
    oid: Option<String>,
    upn: Option<String>,
    preferred_username: Option<String>,
    scp: Option<String>,
    roles: Option<Vec<String>>,
    aud: Option<serde_json::Value>,
    iss: Option<String>,
}

/// The claims of `token` if it is a JWT (three dot-separated parts with a JSON object payload);
/// `None` for anything else. Never fails, never verifies.
pub fn decode_claims(token: &str) -> Option<TokenClaims> {
    let mut parts = token.split('.');
    let (_header, payload, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let bytes =
        URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).or_else(|_| URL_SAFE.decode(payload)).ok()?;
    let w: Wire = serde_json::from_slice(&bytes).ok()?;
    let audience = match w.aud {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Array(a)) => a.into_iter().find_map(|v| v.as_str().map(str::to_owned)),
        _ => None,
    };
    Some(TokenClaims {
        exp: w.exp.filter(|e| e.is_finite()).map(|e| e as i64),
        tid: w.tid,
        oid: w.oid,
        upn: w.upn,
        preferred_username: w.preferred_username,
        scopes: w.scp.map(|s| s.split_whitespace().map(str::to_owned).collect()).unwrap_or_default(),
        roles: w.roles.unwrap_or_default(),
        audience,
        issuer: w.iss,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_a_jwt_and_ignores_the_rest() {
        let payload = URL_SAFE_NO_PAD
            .encode(r#"{"exp":1900000000,"tid":"t-1","scp":"User.Read Mail.Send","aud":["a","b"]}"#);
        let c = decode_claims(&format!("eyJhbGciOiJub25lIn0.{payload}.sig")).unwrap();
        assert_eq!(c.exp, Some(1_900_000_000));
        assert_eq!(c.tid.as_deref(), Some("t-1"));
        assert_eq!(c.scopes, ["User.Read", "Mail.Send"]);
        assert_eq!(c.audience.as_deref(), Some("a"));
        assert!(decode_claims("eyJ0eXAiOiJKV1QiLCJub25j...").is_none());
        assert!(decode_claims("a.b.c.d").is_none());
        assert!(decode_claims("a.!!!.c").is_none());
    }
}

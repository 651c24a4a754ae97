//! The JSON posted to the `redirectUrl` after REGISTRATION and LOGIN_ENTERPRISE_ADMIN: the shape
//! of ADAL4J's `AuthenticationResult` wrapped with the vendor's own fields.

use std::time::SystemTime;

use serde::Deserialize;

use super::expiry::{derive_expiry, Expiry};
use super::jwt::{decode_claims, TokenClaims};
use crate::error::{Error, ErrorKind, Result};
use crate::secret::Secret;

/// The Global Admin's role as the vendor reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OfficeUserType {
    /// `GLOBAL_ADMIN`.
    GlobalAdmin,
    /// Any other value, kept as sent.
    Other(String),
}

impl OfficeUserType {
    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            OfficeUserType::GlobalAdmin => "GLOBAL_ADMIN",
            OfficeUserType::Other(s) => s,
        }
    }
}

/// `userInfo` of the authentication result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserInfo {
    /// `displayableId`: usually the admin's UPN.
    pub displayable_id: Option<String>,
    /// `identityProvider`.
    pub identity_provider: Option<String>,
    /// `tenantId`.
    pub tenant_id: Option<String>,
    /// `uniqueId`.
    pub unique_id: Option<String>,
    /// `givenName`.
    pub given_name: Option<String>,
    /// `familyName`.
    pub family_name: Option<String>,
}

/// The parsed registration/login callback. Tokens are [`Secret`]s.
#[derive(Debug, Clone)]
pub struct AuthenticationResult {
    /// `accessToken` (required).
    pub access_token: Secret,
    /// `accessTokenType`.
    pub access_token_type: Option<String>,
    /// `idToken`.
    pub id_token: Option<Secret>,
    /// `refreshToken`.
    pub refresh_token: Option<Secret>,
    /// `multipleResourceRefreshToken`.
    pub multiple_resource_refresh_token: Option<bool>,
    /// `expiresOn` exactly as sent (see [`expiry`](AuthenticationResult::expiry) for its meaning).
    pub expires_on_raw: Option<i64>,
    /// `expiresAfter`, as sent.
    pub expires_after: Option<i64>,
    /// `expiresOnDate`, as sent (its JSON text when it is not a string).
    pub expires_on_date: Option<String>,
    /// The expiry instant derived by the documented rule.
    pub expiry: Expiry,
    /// `userInfo`.
    pub user_info: Option<UserInfo>,
    /// `msalAuthenticationResult.resellerId`.
    pub reseller_id: Option<String>,
    /// `msalAuthenticationResult.tenantId`.
    pub tenant_id: Option<String>,
    /// `organization`.
    pub organization: Option<String>,
    /// `officeUserType`.
    pub office_user_type: Option<OfficeUserType>,
    /// `companyAdmin`.
    pub company_admin: Option<bool>,
    /// `containsTeamsTenantAdminAPI`.
    pub contains_teams_tenant_admin_api: Option<bool>,
    /// The access token's claims when it is a JWT (unverified: information only).
    pub claims: Option<TokenClaims>,
    /// True when the token's `tid` and `userInfo.tenantId` are both present and differ.
    pub tenant_mismatch: bool,
}

impl AuthenticationResult {
    /// The tenant: the token's `tid`, else `userInfo.tenantId`, else the wrapper's `tenantId`.
    pub fn effective_tenant_id(&self) -> Option<&str> {
        self.claims
            .as_ref()
            .and_then(|c| c.tid.as_deref())
            .or_else(|| self.user_info.as_ref().and_then(|u| u.tenant_id.as_deref()))
            .or(self.tenant_id.as_deref())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Wire {
    // Boxed: serde builds each struct in locals and then moves it; a box moves a pointer.
    msal_authentication_result: Option<Box<WireMsal>>,
    organization: Option<String>,
    office_user_type: Option<String>,
    company_admin: Option<bool>,
    #[serde(rename = "containsTeamsTenantAdminAPI")]
    contains_teams_tenant_admin_api: Option<bool>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireMsal {
    authentication_result: Option<Box<WireAuth>>,
    reseller_id: Option<String>,
    tenant_id: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireAuth {
    access_token: Option<Secret>,
    access_token_type: Option<String>,
    expires_after: Option<Number>,
    expires_on: Option<Number>,
    expires_on_date: Option<serde_json::Value>,
    id_token: Option<Secret>,
    multiple_resource_refresh_token: Option<bool>,
    refresh_token: Option<Secret>,
    user_info: Option<UserInfo>,
}

/// A JSON number, or a string holding one (seen in the wild); fractions are truncated.
struct Number(i64);

impl<'de> Deserialize<'de> for Number {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        // A visitor rather than `serde_json::Value`: no intermediate value per number.
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Number;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a number")
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> std::result::Result<Number, E> {
                Ok(Number(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> std::result::Result<Number, E> {
                // Past i64::MAX saturates, as a float would.
                Ok(Number(i64::try_from(v).unwrap_or(i64::MAX)))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> std::result::Result<Number, E> {
                // Fractions are truncated; `as` saturates out of the i64 range.
                if v.is_finite() {
                    Ok(Number(v as i64))
                } else {
                    Err(E::custom("number out of range"))
                }
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> std::result::Result<Number, E> {
                v.trim().parse::<i64>().map(Number).map_err(|_| E::custom("expected a number"))
            }
        }
        d.deserialize_any(Visitor)
    }
}

/// Parses the registration/login JSON, deriving the expiry as of now.
pub fn parse_authentication_result(body: &[u8]) -> Result<AuthenticationResult> {
    parse_authentication_result_at(body, SystemTime::now())
}

/// Parses the registration/login JSON; `received_at` anchors an `expiresOn` read as a duration.
///
/// Nulls, missing optional fields and unknown fields are fine; a missing or empty access token,
/// invalid JSON or a wrong type (the error names the field) is [`ErrorKind::MalformedCallback`].
pub fn parse_authentication_result_at(body: &[u8], received_at: SystemTime) -> Result<AuthenticationResult> {
    // The fast path parses directly; only a failure pays for a second, path-tracking parse
    // that names the offending field.
    // UTF-8 is checked once here, so serde_json need not check each string again.
    let wire: Wire = std::str::from_utf8(body)
        .ok()
        .and_then(|text| serde_json::from_str(text).ok())
        .ok_or_else(|| describe_json_error(body))?;
    let missing = || {
        Error::new(
            ErrorKind::MalformedCallback,
            "authentication result has no msalAuthenticationResult.authenticationResult.accessToken",
        )
    };
    let msal = wire.msal_authentication_result.ok_or_else(missing)?;
    let auth = msal.authentication_result.ok_or_else(missing)?;
    let access_token = auth.access_token.filter(|t| !t.expose().trim().is_empty()).ok_or_else(missing)?;
    let claims = decode_claims(access_token.expose());
    let expires_on_raw = auth.expires_on.map(|n| n.0);
    let expiry = derive_expiry(expires_on_raw, claims.as_ref().and_then(|c| c.exp), received_at);
    let token_tid = claims.as_ref().and_then(|c| c.tid.as_deref());
    let user_tid = auth.user_info.as_ref().and_then(|u| u.tenant_id.as_deref());
    let tenant_mismatch = matches!((token_tid, user_tid), (Some(a), Some(b)) if !a.eq_ignore_ascii_case(b));
    Ok(AuthenticationResult {
        access_token,
        access_token_type: auth.access_token_type,
        id_token: auth.id_token,
        refresh_token: auth.refresh_token,
        multiple_resource_refresh_token: auth.multiple_resource_refresh_token,
        expires_on_raw,
        expires_after: auth.expires_after.map(|n| n.0),
        expires_on_date: auth.expires_on_date.filter(|v| !v.is_null()).map(|v| match v {
            serde_json::Value::String(s) => s,
            other => other.to_string(),
        }),
        expiry,
        user_info: auth.user_info,
        reseller_id: msal.reseller_id,
        tenant_id: msal.tenant_id,
        organization: wire.organization,
        office_user_type: wire.office_user_type.map(|t| match t.as_str() {
            "GLOBAL_ADMIN" => OfficeUserType::GlobalAdmin,
            _ => OfficeUserType::Other(t),
        }),
        company_admin: wire.company_admin,
        contains_teams_tenant_admin_api: wire.contains_teams_tenant_admin_api,
        claims,
        tenant_mismatch,
    })
}

/// The error for a body that did not parse, naming the field where it went wrong.
fn describe_json_error(body: &[u8]) -> Error {
    let de = &mut serde_json::Deserializer::from_slice(body);
    let detail = match serde_path_to_error::deserialize::<_, Wire>(de) {
        Err(e) => {
            let path = e.path().to_string();
            let place = if path == "." { String::new() } else { format!(" at `{path}`") };
            format!("{place}: {}", scrub(&e.into_inner().to_string()))
        }
        Ok(_) => String::new(),
    };
    Error::new(ErrorKind::MalformedCallback, format!("invalid authentication result{detail}"))
}

/// serde_json quotes the offending value (`invalid type: string "eyJ…", expected a boolean`);
/// that value may be a token in the wrong place, so it is cut out.
fn scrub(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut rest = message;
    while let Some(start) = rest.find('"') {
        out.push_str(&rest[..start]);
        match rest[start + 1..].find('"') {
            Some(len) => {
                out.push_str("\"…\"");
                rest = &rest[start + len + 2..];
            }
            None => {
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::expiry::ExpirySource;

    const SAMPLE: &str = r#"{
      "msalAuthenticationResult": {
        "authenticationResult": {
          "accessToken": "eyJ0eXAiOiJKV1QiLCJub25j...",
          "accessTokenType": "login.microsoftonline.com",
          "expiresAfter": null, "expiresOn": 1742985175242681, "expiresOnDate": null,
          "idToken": "rZ7VeEm5tG2nlBZ6MAfW-...", "multipleResourceRefreshToken": false,
          "refreshToken": null,
          "userInfo": {"displayableId": "admin@contoso.com", "identityProvider": "user", "tenantId": "5c0068f3-dfbb-..."}
        },
        "resellerId": null, "tenantId": null
      },
      "organization": "MSFT", "officeUserType": "GLOBAL_ADMIN", "companyAdmin": true,
      "containsTeamsTenantAdminAPI": true
    }"#;

    #[test]
    fn reference_sample() {
        let r = parse_authentication_result(SAMPLE.as_bytes()).unwrap();
        assert_eq!(r.access_token.expose(), "eyJ0eXAiOiJKV1QiLCJub25j...");
        assert_eq!(r.expiry.source, ExpirySource::EpochMicros);
        assert_eq!(r.office_user_type, Some(OfficeUserType::GlobalAdmin));
        assert_eq!(r.effective_tenant_id(), Some("5c0068f3-dfbb-..."));
        assert!(r.claims.is_none() && !r.tenant_mismatch);
        assert!(!format!("{r:?}").contains("eyJ0eXAi"));
    }

    #[test]
    fn wrong_type_names_the_field_without_echoing_the_value() {
        let body = SAMPLE.replace("\"companyAdmin\": true", "\"companyAdmin\": \"secret-value\"");
        let e = parse_authentication_result(body.as_bytes()).unwrap_err();
        assert!(e.message().contains("companyAdmin"), "{}", e.message());
        assert!(!e.message().contains("secret-value"), "{}", e.message());
    }
}

//! The simulated Global Admin: the authorize URL, what approving or denying does, and the
//! client side of "consent as the admin would".

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ctt_core::{
    parse_action_url_response, parse_consent_redirect, ActionType, CallbackStyle, Error, ErrorKind, Result,
};
use http::{header, Response};
use rand::RngCore;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use url::Url;

use super::routes::{AUTHORIZE_PATH, HANDLE_RESPONSE_PATH};
use super::{ConsentDelivery, Decision, DeliveryStyle, Flow, Shared};
use crate::http::{self as h, Body};

/// The application (client) id the mock's authorize URLs carry.
pub const MOCK_APP_CLIENT_ID: &str = "3f1c2a4e-8d6b-4c1f-9e57-0b8a6d2c9f13";
/// The vendor API's delegated permission, as in the reference's sample URL.
const VENDOR_SCOPE: &str = "48ac35b8-9aa8-4d74-927d-1f4a14a0b239/user_impersonation";
/// The vendor's wording when the admin cannot complete a consent.
pub const DENY_MESSAGE: &str = "Unable to Complete the process. User is not a Global Admin";
/// How much of an answer a delivery keeps.
const RESPONSE_KEEP: usize = 4096;

/// The vendor's success wording for an action type ("User Sync Consent Completed Successfully").
pub fn success_message(t: ActionType) -> &'static str {
    match t {
        ActionType::Registration => "Registration Completed Successfully",
        ActionType::LoginEnterpriseAdmin => "Login Completed Successfully",
        ActionType::UserSyncConsent => "User Sync Consent Completed Successfully",
        ActionType::PresenceConsent => "Presence Consent Completed Successfully",
        ActionType::CallAppConsent => "Call App Consent Completed Successfully",
        ActionType::ContactsConsent => "Contacts Consent Completed Successfully",
        ActionType::CdrConsent => "CDR Consent Completed Successfully",
        ActionType::CallRecordingConsent => "Call Recording Consent Completed Successfully",
        ActionType::ServiceProviderManagementConsent => {
            "Service Provider Management Consent Completed Successfully"
        }
    }
}

/// Plausible Microsoft Graph scopes per action type (illustrative, not the vendor's exact list).
fn scopes(t: ActionType) -> String {
    let own = match t {
        ActionType::Registration => {
            "openid Directory.ReadWrite.All Directory.AccessAsUser.All TeamsAppInstallation.ReadWriteForUser \
             Organization.Read.All User.ReadWrite.All"
        }
        ActionType::LoginEnterpriseAdmin => {
            "openid profile offline_access Directory.AccessAsUser.All User.Read"
        }
        ActionType::UserSyncConsent => "openid User.ReadWrite.All Directory.Read.All",
        ActionType::PresenceConsent => "openid Presence.Read.All",
        ActionType::CallAppConsent => "openid TeamsAppInstallation.ReadWriteForUser.All Chat.ReadWrite.All",
        ActionType::ContactsConsent => "openid Contacts.Read OrgContact.Read.All",
        ActionType::CdrConsent => "openid CallRecords.Read.All",
        ActionType::CallRecordingConsent => {
            "openid Calls.AccessMedia.All Calls.JoinGroupCall.All Policy.ReadWrite.ApplicationConfiguration"
        }
        ActionType::ServiceProviderManagementConsent => {
            "openid Directory.ReadWrite.All Domain.ReadWrite.All User.ReadWrite.All"
        }
    };
    format!("{own} {VENDOR_SCOPE}")
}

/// The Microsoft-like authorize URL the mock answers getActionItemUrl with.
pub(crate) fn authorize_url(base: &str, t: ActionType, state: &str, nonce: u64) -> String {
    let page = format!("{base}{AUTHORIZE_PATH}");
    let Ok(mut url) = Url::parse(&page) else { return page };
    url.query_pairs_mut()
        .append_pair("response_type", "id_token code")
        .append_pair("client_id", MOCK_APP_CLIENT_ID)
        .append_pair("nonce", &nonce.to_string())
        .append_pair("response_mode", "form_post")
        .append_pair("state", state)
        .append_pair("scope", &scopes(t))
        .append_pair("redirect_uri", &format!("{base}{HANDLE_RESPONSE_PATH}"));
    url.into()
}

/// What the authorize page does once the admin decided.
pub(crate) async fn act(
    shared: &Shared,
    flow: &Flow,
    decision: Decision,
    wants_json: bool,
) -> Response<Body> {
    if flow.action_type.callback_style() == CallbackStyle::JsonPost && decision == Decision::Approve {
        let body = result_json(flow).to_string();
        return match post_json(&shared.http, &flow.redirect_url, body).await {
            Ok((status, response_body)) => {
                let d = ConsentDelivery {
                    action_type: flow.action_type,
                    enterprise_name: flow.enterprise_name.clone(),
                    decision,
                    style: DeliveryStyle::JsonPost,
                    url: flow.redirect_url.clone(),
                    message: None,
                    status,
                    response_body,
                };
                if wants_json {
                    h::json(200, &json!({ "delivery": d.to_json() }))
                } else {
                    let what =
                        if flow.action_type == ActionType::Registration { "Registration" } else { "Sign-in" };
                    h::html(
                        200,
                        crate::html::page(
                            &format!("{what} completed"),
                            &[
                                &format!("{what} for {} is complete.", flow.enterprise_name),
                                &format!("The result was sent to the service provider (it answered HTTP {status})."),
                                "You can close this window.",
                            ],
                            (200..300).contains(&status),
                        ),
                    )
                }
            }
            Err(e) => h::json(
                502,
                &json!({"error": "delivery_failed", "error_description": e.message(), "kind": e.kind().as_str()}),
            ),
        };
    }
    let (key, message) = match decision {
        Decision::Approve => ("success", success_message(flow.action_type)),
        Decision::Deny => ("error", DENY_MESSAGE),
    };
    let location = outcome_url(&flow.redirect_url, key, message);
    let mut r = h::json(
        302,
        &json!({
            "action_type": flow.action_type.as_str(),
            "enterprise_name": flow.enterprise_name,
            "decision": decision.as_str(),
            "location": location,
        }),
    );
    if let Ok(v) = http::HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// `redirect_url` with `key=message` appended, spaces as `%20` (as browsers show them encoded).
/// Redirect URLs were validated on the way in: absolute, no fragment.
fn outcome_url(redirect_url: &str, key: &str, message: &str) -> String {
    let encoded =
        url::form_urlencoded::byte_serialize(message.as_bytes()).collect::<String>().replace('+', "%20");
    let sep = match redirect_url.find('?') {
        None => "?",
        Some(_) if redirect_url.ends_with(['?', '&']) => "",
        Some(_) => "&",
    };
    format!("{redirect_url}{sep}{key}={encoded}")
}

fn b64(v: &Value) -> String {
    URL_SAFE_NO_PAD.encode(v.to_string())
}

fn jwt(claims: &Value) -> String {
    let mut sig = [0u8; 64];
    rand::thread_rng().fill_bytes(&mut sig);
    format!(
        "{}.{}.{}",
        b64(&json!({"typ": "JWT", "alg": "RS256", "kid": "ctt-mock"})),
        b64(claims),
        URL_SAFE_NO_PAD.encode(sig)
    )
}

/// A UUID-shaped id derived from `seed` (stable per enterprise, so tests can predict it).
pub(crate) fn derived_id(seed: &str) -> String {
    let d = Sha256::digest(seed.as_bytes());
    let hex: String = d.iter().take(16).map(|b| format!("{b:02x}")).collect();
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..32])
}

/// The mock tenant id of an enterprise.
pub fn tenant_id_for(enterprise_name: &str) -> String {
    derived_id(&format!("ctt-mock-tenant:{}", enterprise_name.to_lowercase()))
}

/// The Global Admin's user principal name for an enterprise.
pub fn admin_upn_for(enterprise_name: &str) -> String {
    let slug: String = enterprise_name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .take(40)
        .collect();
    let slug = if slug.is_empty() { "enterprise".to_owned() } else { slug };
    format!("admin@{slug}.onmicrosoft.com")
}

/// The JSON the real service posts after REGISTRATION and LOGIN_ENTERPRISE_ADMIN.
fn result_json(flow: &Flow) -> Value {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let exp = now + 3599;
    let tid = tenant_id_for(&flow.enterprise_name);
    let upn = admin_upn_for(&flow.enterprise_name);
    let oid = derived_id(&format!("ctt-mock-oid:{upn}"));
    let access = jwt(&json!({
        "aud": "https://graph.microsoft.com",
        "iss": format!("https://sts.windows.net/{tid}/"),
        "iat": now, "nbf": now, "exp": exp,
        "tid": tid, "oid": oid, "upn": upn, "unique_name": upn,
        "name": "Global Administrator",
        "scp": scopes(flow.action_type).replace("openid ", ""),
        "wids": ["62e90394-69f5-4237-9190-012177145e10"],
        "app_displayname": "ConnectToTeams", "appid": MOCK_APP_CLIENT_ID, "ver": "1.0",
    }));
    let id_token = jwt(&json!({
        "aud": MOCK_APP_CLIENT_ID,
        "iss": format!("https://login.microsoftonline.com/{tid}/v2.0"),
        "iat": now, "nbf": now, "exp": exp,
        "tid": tid, "oid": oid, "preferred_username": upn, "name": "Global Administrator",
        "ver": "2.0",
    }));
    let micros = rand::random::<u32>() % 1_000_000;
    json!({
        "msalAuthenticationResult": {
            "authenticationResult": {
                "accessToken": access,
                "accessTokenType": "login.microsoftonline.com",
                "expiresAfter": null,
                "expiresOn": exp * 1_000_000 + u64::from(micros),
                "expiresOnDate": null,
                "idToken": id_token,
                "multipleResourceRefreshToken": false,
                "refreshToken": null,
                "userInfo": {
                    "displayableId": upn,
                    "identityProvider": "user",
                    "tenantId": tid,
                    "uniqueId": oid,
                    "givenName": "Global",
                    "familyName": "Administrator",
                }
            },
            "resellerId": null,
            "tenantId": null,
        },
        "organization": flow.enterprise_name,
        "officeUserType": "GLOBAL_ADMIN",
        "companyAdmin": true,
        "containsTeamsTenantAdminAPI": true,
    })
}

async fn post_json(http: &reqwest::Client, url: &str, body: String) -> Result<(u16, String)> {
    let resp = http
        .post(url)
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::ACCEPT, "application/json")
        .body(body)
        .send()
        .await
        .map_err(transport)?;
    let (status, _, text) = read_bounded(resp, RESPONSE_KEEP).await?;
    Ok((status, text))
}

fn transport(e: reqwest::Error) -> Error {
    let kind = if e.is_timeout() { ErrorKind::Timeout } else { ErrorKind::Transport };
    let mut detail = e.to_string();
    let mut source = std::error::Error::source(&e);
    while let Some(s) = source {
        detail.push_str(": ");
        detail.push_str(&s.to_string());
        source = s.source();
    }
    Error::new(kind, detail)
}

/// Status, `Retry-After` and the first `keep` bytes of the body (the rest is drained up to
/// 1 MiB, then dropped).
async fn read_bounded(mut resp: reqwest::Response, keep: usize) -> Result<(u16, Option<String>, String)> {
    let status = resp.status().as_u16();
    let retry_after =
        resp.headers().get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let mut body = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        seen += chunk.len();
        if body.len() < keep {
            let take = (keep - body.len()).min(chunk.len());
            body.extend_from_slice(&chunk[..take]);
        }
        if seen > 1024 * 1024 {
            break;
        }
    }
    Ok((status, retry_after, String::from_utf8_lossy(&body).into_owned()))
}

/// "Consent as the admin would" against a mock reachable at `action_url`, with a one-off HTTP
/// client (prefer [`MockServer::consent`](super::MockServer::consent) in process).
pub async fn consent(action_url: &str, decision: Decision) -> Result<ConsentDelivery> {
    let http = reqwest::Client::builder()
        .no_proxy()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| Error::new(ErrorKind::Internal, format!("cannot build an HTTP client: {e}")))?;
    consent_with(&http, action_url, decision).await
}

pub(crate) async fn consent_with(
    http: &reqwest::Client,
    action_url: &str,
    decision: Decision,
) -> Result<ConsentDelivery> {
    let mut url = Url::parse(action_url.trim())
        .map_err(|e| Error::invalid_input("url", format!("is not an absolute URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(Error::invalid_input("url", "must be an http(s) URL with a host"));
    }
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(k, _)| k != "ctt_decision")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    url.query_pairs_mut().clear().extend_pairs(pairs).append_pair("ctt_decision", decision.as_str());
    let resp =
        http.get(url.clone()).header(header::ACCEPT, "application/json").send().await.map_err(transport)?;
    let location = resp.headers().get(header::LOCATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (status, retry_after, body) = read_bounded(resp, 64 * 1024).await?;
    let malformed =
        |what: &str| Error::new(ErrorKind::MalformedResponse, format!("the authorize page {what}"));
    match status {
        301 | 302 | 303 | 307 | 308 => {
            let location = location.ok_or_else(|| malformed("redirected without a Location"))?;
            let target = url.join(&location).map_err(|_| malformed("redirected to an invalid Location"))?;
            let info: Value = serde_json::from_str(&body).unwrap_or(Value::Null);
            let action_type = info
                .get("action_type")
                .and_then(Value::as_str)
                .and_then(|t| ActionType::from_wire(t).ok())
                .ok_or_else(|| malformed("redirected without naming the flow (is this a ctt mock?)"))?;
            let enterprise_name =
                info.get("enterprise_name").and_then(Value::as_str).unwrap_or("").to_owned();
            let message =
                parse_consent_redirect(target.as_str()).ok().map(|r| r.outcome.message().to_owned());
            // Follow like a browser: GET the redirect target.
            let resp = http
                .get(target.clone())
                .header(header::ACCEPT, "text/html,application/xhtml+xml,*/*;q=0.8")
                .send()
                .await
                .map_err(transport)?;
            let (status, _, response_body) = read_bounded(resp, RESPONSE_KEEP).await?;
            Ok(ConsentDelivery {
                action_type,
                enterprise_name,
                decision,
                style: DeliveryStyle::Redirect,
                url: target.into(),
                message,
                status,
                response_body,
            })
        }
        200..=299 => {
            let v: Value = serde_json::from_str(&body)
                .map_err(|_| malformed("answered something that is not a delivery report"))?;
            let report =
                v.get("delivery").ok_or_else(|| malformed("answered JSON without a delivery report"))?;
            ConsentDelivery::from_json(report)
        }
        _ => match parse_action_url_response(status, &body, retry_after.as_deref()) {
            Err(e) => Err(e),
            Ok(_) => Err(malformed(&format!("answered HTTP {status}"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcome_urls_keep_the_existing_query() {
        assert_eq!(outcome_url("http://h/cb", "success", "A B"), "http://h/cb?success=A%20B");
        assert_eq!(
            outcome_url("http://h/cb?ctt_state=x", "error", "a&b"),
            "http://h/cb?ctt_state=x&error=a%26b"
        );
        let r = parse_consent_redirect(&outcome_url("http://h/cb/tok", "error", DENY_MESSAGE)).unwrap();
        assert_eq!(r.outcome.message(), DENY_MESSAGE);
    }

    #[test]
    fn authorize_url_is_inspectable() {
        let u = authorize_url("http://127.0.0.1:1", ActionType::Registration, "st", 42);
        let c = ctt_core::inspect_consent_url(&u).unwrap();
        assert!(c.is_authorize);
        assert_eq!(c.client_id.as_deref(), Some(MOCK_APP_CLIENT_ID));
        assert_eq!(c.state.as_deref(), Some("st"));
        assert_eq!(c.nonce.as_deref(), Some("42"));
        assert_eq!(c.response_mode.as_deref(), Some("form_post"));
        assert!(c.scopes.contains(&VENDOR_SCOPE.to_owned()));
        assert_eq!(c.redirect_uri.as_deref(), Some("http://127.0.0.1:1/restricted/handleResponse"));
    }

    #[test]
    fn result_json_parses_in_core() {
        let flow = Flow {
            action_type: ActionType::Registration,
            enterprise_name: "Acme Corp".into(),
            redirect_url: "http://127.0.0.1/cb".into(),
        };
        let body = result_json(&flow).to_string();
        let r = ctt_core::parse_authentication_result(body.as_bytes()).unwrap();
        assert_eq!(r.effective_tenant_id(), Some(tenant_id_for("Acme Corp").as_str()));
        assert!(!r.tenant_mismatch);
        assert_eq!(r.claims.as_ref().and_then(|c| c.upn.as_deref()), Some("admin@acmecorp.onmicrosoft.com"));
        assert_eq!(r.organization.as_deref(), Some("Acme Corp"));
    }
}

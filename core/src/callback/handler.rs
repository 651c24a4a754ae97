//! One framework-agnostic entry point for whatever reaches the `redirectUrl`.

use crate::callback::auth_result::parse_authentication_result;
use crate::callback::redirect::{outcome_from_params, parse_query_lenient, split_target, ConsentRedirect};
use crate::callback::CallbackEvent;
use crate::error::{Error, ErrorKind, Result};
use crate::state::{FlowSigner, FlowState, Rejection, StatePlacement};

/// The default body limit: 64 KiB.
pub const DEFAULT_BODY_LIMIT: usize = 64 * 1024;

/// One HTTP request as a web framework hands it over.
#[derive(Debug, Clone, Copy)]
pub struct CallbackRequest<'a> {
    /// `GET`, `POST`, … (any case).
    pub method: &'a str,
    /// A full URL or the request target (`/cb?success=…`).
    pub url: &'a str,
    /// The `Content-Type` header, if any.
    pub content_type: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

impl<'a> CallbackRequest<'a> {
    /// A request without body or content type.
    pub fn new(method: &'a str, url: &'a str) -> Self {
        CallbackRequest { method, url, content_type: None, body: &[] }
    }

    /// With this content type and body.
    pub fn with_body(mut self, content_type: Option<&'a str>, body: &'a [u8]) -> Self {
        self.content_type = content_type;
        self.body = body;
        self
    }

    /// Takes the content type from a header list (names compared case-insensitively).
    pub fn with_headers<I, K, V>(mut self, headers: I) -> Self
    where
        I: IntoIterator<Item = (&'a K, &'a V)>,
        K: AsRef<str> + ?Sized + 'a,
        V: AsRef<str> + ?Sized + 'a,
    {
        for (k, v) in headers {
            if k.as_ref().eq_ignore_ascii_case("content-type") {
                self.content_type = Some(v.as_ref());
            }
        }
        self
    }
}

/// Turns callback requests into [`CallbackEvent`]s, verifying state tokens when a signer is set.
///
/// ```
/// use ctt_core::{CallbackHandler, CallbackRequest, EventKind};
/// let h = CallbackHandler::new();
/// let ev = h.handle(&CallbackRequest::new("GET", "/cb?error=User is not a Global Admin")).unwrap();
/// assert_eq!(ev.kind(), EventKind::ConsentFailed);
/// ```
#[derive(Debug, Clone)]
pub struct CallbackHandler {
    body_limit: usize,
    signer: Option<FlowSigner>,
    placement: StatePlacement,
}

impl Default for CallbackHandler {
    fn default() -> Self {
        CallbackHandler::new()
    }
}

enum Body {
    Json,
    Form,
    Empty,
    Other,
}

impl CallbackHandler {
    /// A handler with a 64 KiB body limit and no state verification.
    pub fn new() -> Self {
        CallbackHandler { body_limit: DEFAULT_BODY_LIMIT, signer: None, placement: StatePlacement::default() }
    }

    /// Sets the body limit in bytes.
    pub fn with_body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// Requires a valid state token, found at `placement`, on every callback.
    pub fn with_state(mut self, signer: FlowSigner, placement: StatePlacement) -> Self {
        self.signer = Some(signer);
        self.placement = placement;
        self
    }

    /// The body limit in bytes.
    pub fn body_limit(&self) -> usize {
        self.body_limit
    }

    /// Handles one request: GET/HEAD with a query → consent event; POST with JSON →
    /// authenticated event; POST with a form (or an empty body and a query) carrying
    /// success/error → consent event. Everything else is a typed error.
    pub fn handle(&self, req: &CallbackRequest<'_>) -> Result<CallbackEvent> {
        if req.body.len() > self.body_limit {
            return Err(Error::new(
                ErrorKind::PayloadTooLarge,
                format!(
                    "callback body of {} bytes exceeds the limit of {} bytes",
                    req.body.len(),
                    self.body_limit
                ),
            ));
        }
        let (path, query) = split_target(req.url.trim());
        let mut params = parse_query_lenient(query);
        let method = req.method.trim().to_ascii_uppercase();
        match method.as_str() {
            "GET" | "HEAD" => self.consent(path, params),
            "POST" => match classify(req) {
                Body::Json => {
                    let result = parse_authentication_result(req.body)?;
                    let state = self.verify(path, &params)?;
                    Ok(CallbackEvent::Authenticated { result: Box::new(result), state })
                }
                Body::Form => {
                    let text = String::from_utf8_lossy(req.body);
                    params.extend(parse_query_lenient(&text));
                    self.consent(path, params)
                }
                Body::Empty => self.consent(path, params),
                Body::Other => Err(Error::new(
                    ErrorKind::MalformedCallback,
                    format!(
                        "unsupported callback content type {:?}; expected application/json or a form",
                        req.content_type.unwrap_or("")
                    ),
                )),
            },
            other => Err(Error::new(
                ErrorKind::MethodNotAllowed,
                format!("callback method {other:?} is not used by the consent flow; expected GET or POST"),
            )),
        }
    }

    fn consent(&self, path: &str, params: Vec<(String, String)>) -> Result<CallbackEvent> {
        let outcome = outcome_from_params(&params)?;
        let state = self.verify(path, &params)?;
        Ok(CallbackEvent::Consent {
            redirect: ConsentRedirect { outcome, path: path.to_owned(), params },
            state,
        })
    }

    fn verify(&self, path: &str, params: &[(String, String)]) -> Result<Option<FlowState>> {
        let Some(signer) = &self.signer else { return Ok(None) };
        match self.placement.extract(path, params) {
            Some(token) => signer.verify(token).map(Some),
            None => Err(Error::state_rejected(Rejection::Missing)),
        }
    }
}

fn classify(req: &CallbackRequest<'_>) -> Body {
    let ct = req.content_type.unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    let looks_json = req.body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'{');
    if ct == "application/json" || ct.ends_with("+json") || (ct.is_empty() && looks_json) {
        Body::Json
    } else if ct == "application/x-www-form-urlencoded" {
        Body::Form
    } else if req.body.iter().all(u8::is_ascii_whitespace) {
        Body::Empty
    } else {
        Body::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::callback::EventKind;
    use crate::ActionType;

    #[test]
    fn routes_by_method_and_content_type() {
        let h = CallbackHandler::new().with_body_limit(100);
        let form = CallbackRequest::new("POST", "/cb")
            .with_body(Some("application/x-www-form-urlencoded; charset=utf-8"), b"success=ok");
        assert_eq!(h.handle(&form).unwrap().kind(), EventKind::ConsentSucceeded);
        let big = vec![b' '; 101];
        let e = h.handle(&CallbackRequest::new("POST", "/cb").with_body(None, &big)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::PayloadTooLarge);
        assert_eq!(
            h.handle(&CallbackRequest::new("PUT", "/cb?success=x")).unwrap_err().kind(),
            ErrorKind::MethodNotAllowed
        );
        let xml = CallbackRequest::new("POST", "/cb").with_body(Some("text/xml"), b"<a/>");
        assert_eq!(h.handle(&xml).unwrap_err().kind(), ErrorKind::MalformedCallback);
    }

    #[test]
    fn state_is_required_and_verified() {
        let signer = FlowSigner::new(&[3u8; 32]).unwrap();
        let h = CallbackHandler::new().with_state(signer.clone(), StatePlacement::PathSegment);
        let tok = signer.issue(ActionType::CdrConsent, "Acme").unwrap();
        let ev = h.handle(&CallbackRequest::new("GET", &format!("/cb/{tok}?success=ok"))).unwrap();
        assert_eq!(ev.state().unwrap().action_type, ActionType::CdrConsent);
        let e = h.handle(&CallbackRequest::new("GET", "/?success=ok")).unwrap_err();
        assert_eq!(e.rejection(), Some(Rejection::Missing));
    }
}

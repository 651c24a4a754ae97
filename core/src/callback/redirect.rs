//! The consent redirect: `redirectUrl?success=…` or `?error=…`, parsed the way a real browser
//! delivers it (encoded or not, with a doubled `?`, with `&` inside an unencoded message).

use crate::error::{Error, ErrorKind, Result};

/// What the Global Admin's consent came to. Messages are kept exactly as received; pass them
/// through [`escape_control`](crate::escape_control) before printing them to a terminal or log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConsentOutcome {
    /// `?success=<message>`.
    Succeeded {
        /// The vendor's message, e.g. "User Sync Consent Completed Successfully".
        message: String,
    },
    /// `?error=<message>`, or Microsoft's `error` + `error_description` + `error_subcode`.
    Failed {
        /// The human message: `error_description` when present, else `error`.
        message: String,
        /// Microsoft's machine code (`access_denied`) when `error_description` came with it.
        error_code: Option<String>,
        /// Microsoft's `error_subcode` (`cancel`), when present.
        error_subcode: Option<String>,
    },
}

impl ConsentOutcome {
    /// The message, success or failure.
    pub fn message(&self) -> &str {
        match self {
            ConsentOutcome::Succeeded { message } | ConsentOutcome::Failed { message, .. } => message,
        }
    }

    /// Whether the consent succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, ConsentOutcome::Succeeded { .. })
    }
}

/// A parsed consent redirect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsentRedirect {
    /// Success or failure, with the message.
    pub outcome: ConsentOutcome,
    /// The path of the request (empty when only a query was given).
    pub path: String,
    /// Every query parameter in order, decoded, the outcome's own included (the state token
    /// and the provider's own parameters live here).
    pub params: Vec<(String, String)>,
}

impl ConsentRedirect {
    /// The first value of the parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        find(&self.params, name)
    }
}

/// Parses a consent redirect from a full URL (`https://app/cb?success=…`), a request target
/// (`/cb?success=…`) or a bare query (`success=…`, with or without the leading `?`).
///
/// ```
/// use ctt_core::{parse_consent_redirect, ConsentOutcome};
/// let r = parse_consent_redirect("https://yourapp.com/callback?success=User Sync Consent Completed Successfully").unwrap();
/// assert_eq!(r.outcome, ConsentOutcome::Succeeded { message: "User Sync Consent Completed Successfully".into() });
/// let r = parse_consent_redirect("/cb?flow=1?error=Unable%20to%20Complete").unwrap();
/// assert_eq!(r.outcome.message(), "Unable to Complete");
/// assert_eq!(r.param("flow"), Some("1"));
/// ```
pub fn parse_consent_redirect(input: &str) -> Result<ConsentRedirect> {
    let (path, query) = split_target(input.trim());
    let params = parse_query_lenient(query);
    let outcome = outcome_from_params(&params)?;
    Ok(ConsentRedirect { outcome, path: path.to_owned(), params })
}

/// The outcome carried by already-decoded parameters (a query or a form body).
pub(crate) fn outcome_from_params(params: &[(String, String)]) -> Result<ConsentOutcome> {
    match (find(params, "success"), find(params, "error")) {
        (Some(message), None) => Ok(ConsentOutcome::Succeeded { message: message.to_owned() }),
        (None, Some(error)) => Ok(match find(params, "error_description") {
            Some(description) => ConsentOutcome::Failed {
                message: description.to_owned(),
                error_code: Some(error.to_owned()),
                error_subcode: find(params, "error_subcode").map(str::to_owned),
            },
            None => ConsentOutcome::Failed {
                message: error.to_owned(),
                error_code: None,
                error_subcode: find(params, "error_subcode").map(str::to_owned),
            },
        }),
        (Some(_), Some(_)) => {
            Err(Error::new(ErrorKind::MalformedCallback, "consent redirect carries both success and error"))
        }
        (None, None) => Err(Error::new(
            ErrorKind::MalformedCallback,
            "consent redirect carries neither success nor error",
        )),
    }
}

fn find<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

/// Splits into (path, query): a full URL loses scheme, host and fragment (a browser never sends
/// the fragment); a request target is split at its first `?`; anything else is a bare query.
pub(crate) fn split_target(input: &str) -> (&str, &str) {
    let full_url = input.find("://").is_some_and(|i| !input[..i].contains(['?', '/', '=']));
    let rest = if full_url {
        let after_scheme = &input[input.find("://").map_or(0, |i| i + 3)..];
        let rest = after_scheme.find(['/', '?']).map_or("", |i| &after_scheme[i..]);
        rest.split('#').next().unwrap_or("")
    } else {
        input
    };
    match rest.find('?') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None if full_url || rest.starts_with('/') => (rest, ""),
        None => ("", rest),
    }
}

/// Decodes a query leniently: `+` is a space, valid `%XX` escapes are decoded and stray `%`
/// kept, a `?` that starts another `key=` (a doubled `?`) separates parameters, and a piece
/// without `=` after a message (`error=Terms & Conditions`) is glued back onto it.
pub fn parse_query_lenient(query: &str) -> Vec<(String, String)> {
    let mut raw: Vec<(String, String)> = Vec::new();
    for piece in split_pieces(query) {
        match piece.split_once('=') {
            Some((k, v)) => raw.push((k.to_owned(), v.to_owned())),
            None if !raw.is_empty() && is_message_key(&decode(&raw[raw.len() - 1].0)) => {
                if let Some(last) = raw.last_mut() {
                    last.1.push('&');
                    last.1.push_str(piece);
                }
            }
            None if piece.is_empty() => {}
            None => raw.push((piece.to_owned(), String::new())),
        }
    }
    raw.into_iter().map(|(k, v)| (decode(&k), decode(&v))).collect()
}

fn is_message_key(key: &str) -> bool {
    matches!(key, "success" | "error" | "error_description")
}

/// Splits on `&`, and on a `?` directly followed by something shaped like a key and `=`.
fn split_pieces(query: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut start = 0;
    let bytes = query.as_bytes();
    for (i, &b) in bytes.iter().enumerate() {
        let split = b == b'&' || (b == b'?' && starts_key(&query[i + 1..]));
        if split {
            pieces.push(&query[start..i]);
            start = i + 1;
        }
    }
    pieces.push(&query[start..]);
    pieces
}

fn starts_key(s: &str) -> bool {
    let key_len =
        s.bytes().take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.')).count();
    key_len > 0 && s.as_bytes().get(key_len) == Some(&b'=')
}

/// `+` → space; valid `%XX` → byte; anything else kept; invalid UTF-8 replaced, never dropped.
fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() && hex(bytes[i + 1]).is_some() && hex(bytes[i + 2]).is_some() => {
                out.push(hex(bytes[i + 1]).unwrap_or(0) * 16 + hex(bytes[i + 2]).unwrap_or(0));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(b: u8) -> Option<u8> {
    (b as char).to_digit(16).map(|d| d as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(input: &str) -> String {
        parse_consent_redirect(input).unwrap().outcome.message().to_owned()
    }

    #[test]
    fn encodings_all_parse() {
        let m = "User Sync Consent Completed Successfully";
        assert_eq!(msg("https://yourapp.com/callback?success=User Sync Consent Completed Successfully"), m);
        assert_eq!(msg("https://yourapp.com/callback?success=User+Sync+Consent+Completed+Successfully"), m);
        assert_eq!(msg("?success=User%20Sync%20Consent%20Completed%20Successfully"), m);
        assert_eq!(msg("success=100% done"), "100% done");
        assert_eq!(msg("/cb?error=Terms & Conditions&ctt_state=x"), "Terms & Conditions");
        assert_eq!(msg("https://a/cb?flow=1?success=ok#frag"), "ok");
        assert_eq!(msg("error=%E2%9C%93 %ZZ"), "✓ %ZZ");
    }

    #[test]
    fn microsoft_style_and_paths() {
        let r = parse_consent_redirect(
            "https://a.example/cb/TOKEN?error=access_denied&error_description=AADSTS65004%3A+User+declined&error_subcode=cancel",
        )
        .unwrap();
        assert_eq!(r.path, "/cb/TOKEN");
        assert_eq!(
            r.outcome,
            ConsentOutcome::Failed {
                message: "AADSTS65004: User declined".into(),
                error_code: Some("access_denied".into()),
                error_subcode: Some("cancel".into()),
            }
        );
    }

    #[test]
    fn both_or_neither_is_malformed() {
        for bad in ["?success=a&error=b", "https://a/cb", "/cb?x=1", ""] {
            assert_eq!(
                parse_consent_redirect(bad).unwrap_err().kind(),
                ErrorKind::MalformedCallback,
                "{bad}"
            );
        }
    }
}

//! Scriptable faults for the mock: what they are, and how they are written as strings and JSON.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use ctt_core::{Error, Result};
use serde_json::{json, Value};

/// A mock endpoint that faults can be queued on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `POST /oauth/token`.
    Token,
    /// `POST /enterprise/getActionItemUrl`.
    ActionUrl,
    /// The Microsoft-like authorize page the action URLs point at.
    Authorize,
}

impl Endpoint {
    /// All three.
    pub const ALL: [Endpoint; 3] = [Endpoint::Token, Endpoint::ActionUrl, Endpoint::Authorize];

    /// The stable snake_case name: `token`, `action_url`, `authorize`.
    pub fn as_str(self) -> &'static str {
        match self {
            Endpoint::Token => "token",
            Endpoint::ActionUrl => "action_url",
            Endpoint::Authorize => "authorize",
        }
    }

    /// Parses a name: `token`, `action_url`, `authorize`, in any case, `-` for `_`; also
    /// `oauth_token`, `get_action_item_url`/`getActionItemUrl`.
    pub fn from_name(name: &str) -> Result<Endpoint> {
        let n = name.trim().to_ascii_lowercase().replace(['-', '/'], "_");
        match n.as_str() {
            "token" | "oauth_token" | "_oauth_token" => Ok(Endpoint::Token),
            "action_url" | "actionurl" | "getactionitemurl" | "get_action_item_url" | "action" => {
                Ok(Endpoint::ActionUrl)
            }
            "authorize" | "consent" => Ok(Endpoint::Authorize),
            _ => Err(Error::invalid_input(
                "endpoint",
                format!("unknown endpoint {name:?}; expected token, action_url or authorize"),
            )),
        }
    }
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Endpoint {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Endpoint::from_name(s)
    }
}

/// What the mock does to the next request of an endpoint instead of (or before) answering it.
///
/// Faults are queued per endpoint and each is consumed by one request.
///
/// As a string (CLI flags, [`FromStr`]): `status:503`, `status:500:body text`, `delay:2000`
/// (milliseconds; `2s` and `250ms` work too), `reset`, `close`, `truncate`, `garbage`,
/// `rate_limit:5` (or `429:5`; seconds of `Retry-After`, default 1), `html`.
///
/// ```
/// use std::time::Duration;
/// use ctt_server::{Endpoint, Fault};
/// assert_eq!("status:503".parse::<Fault>().unwrap(), Fault::Status { status: 503, body: String::new() });
/// assert_eq!("delay:2000".parse::<Fault>().unwrap(), Fault::Delay(Duration::from_secs(2)));
/// let (endpoint, fault) = ctt_server::fault_flag("token=rate_limit:3").unwrap();
/// assert_eq!((endpoint, fault), (Endpoint::Token, Fault::RateLimited { retry_after_secs: 3 }));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Answers this status with this body (`text/plain`, or `application/json` when it looks
    /// like JSON).
    Status {
        /// The HTTP status.
        status: u16,
        /// The body.
        body: String,
    },
    /// Waits, then answers normally.
    Delay(Duration),
    /// Resets the connection (TCP RST) without answering.
    Reset,
    /// Closes the connection without answering.
    CloseWithoutAnswer,
    /// Answers 200 with a `Content-Length` larger than the bytes sent, then closes.
    TruncatedBody,
    /// Answers 200 with bytes that are neither a URL nor JSON.
    GarbageBody,
    /// Answers 429 with `Retry-After`.
    RateLimited {
        /// The `Retry-After` value, in seconds.
        retry_after_secs: u64,
    },
    /// Answers 200 with an HTML sign-in page (what a misconfigured proxy or gateway does).
    Html200,
}

impl Fault {
    /// The stable snake_case kind: `status`, `delay`, `reset`, `close`, `truncated_body`,
    /// `garbage_body`, `rate_limited`, `html200`.
    pub fn kind(&self) -> &'static str {
        match self {
            Fault::Status { .. } => "status",
            Fault::Delay(_) => "delay",
            Fault::Reset => "reset",
            Fault::CloseWithoutAnswer => "close",
            Fault::TruncatedBody => "truncated_body",
            Fault::GarbageBody => "garbage_body",
            Fault::RateLimited { .. } => "rate_limited",
            Fault::Html200 => "html200",
        }
    }

    /// Parses a string spec (see the type's documentation).
    pub fn parse(spec: &str) -> Result<Fault> {
        let spec = spec.trim();
        let (head, rest) = match spec.split_once(':') {
            Some((h, r)) => (h, Some(r)),
            None => (spec, None),
        };
        let bad = |why: String| Error::invalid_input("fault", why);
        let head = head.trim().to_ascii_lowercase().replace('-', "_");
        let no_arg = |f: Fault| match rest {
            None => Ok(f),
            Some(_) => Err(bad(format!("fault {head:?} takes no argument"))),
        };
        match head.as_str() {
            "status" => {
                let rest = rest.ok_or_else(|| bad("status needs a code: status:503".into()))?;
                let (code, body) = match rest.split_once(':') {
                    Some((c, b)) => (c, b.to_owned()),
                    None => (rest, String::new()),
                };
                Ok(Fault::Status { status: parse_status(code)?, body })
            }
            "delay" => {
                let rest = rest.ok_or_else(|| bad("delay needs a duration: delay:2000 (ms)".into()))?;
                Ok(Fault::Delay(parse_duration(rest)?))
            }
            "reset" | "rst" => no_arg(Fault::Reset),
            "close" | "close_without_answer" | "hangup" => no_arg(Fault::CloseWithoutAnswer),
            "truncate" | "truncated" | "truncated_body" => no_arg(Fault::TruncatedBody),
            "garbage" | "garbage_body" => no_arg(Fault::GarbageBody),
            "html" | "html200" | "html_200" => no_arg(Fault::Html200),
            "rate_limit" | "rate_limited" | "429" => {
                let retry_after_secs = match rest {
                    None => 1,
                    Some(s) => s
                        .trim()
                        .trim_end_matches('s')
                        .parse()
                        .map_err(|_| bad(format!("rate_limit wants whole seconds, not {s:?}")))?,
                };
                Ok(Fault::RateLimited { retry_after_secs })
            }
            code if code.len() == 3 && code.bytes().all(|b| b.is_ascii_digit()) => {
                Ok(Fault::Status { status: parse_status(code)?, body: rest.unwrap_or("").to_owned() })
            }
            _ => Err(bad(format!(
                "unknown fault {spec:?}; expected status:CODE[:BODY], delay:MS, reset, close, truncate, \
                 garbage, rate_limit[:SECS] or html"
            ))),
        }
    }

    /// The JSON form used by the control endpoint, e.g.
    /// `{"kind":"status","status":503,"body":"…"}`, `{"kind":"delay","ms":2000}`,
    /// `{"kind":"rate_limited","retry_after_secs":5}`, `{"kind":"reset"}`.
    pub fn to_json(&self) -> Value {
        match self {
            Fault::Status { status, body } => json!({"kind": "status", "status": status, "body": body}),
            Fault::Delay(d) => {
                json!({"kind": "delay", "ms": u64::try_from(d.as_millis()).unwrap_or(u64::MAX)})
            }
            Fault::RateLimited { retry_after_secs } => {
                json!({"kind": "rate_limited", "retry_after_secs": retry_after_secs})
            }
            other => json!({"kind": other.kind()}),
        }
    }

    /// Reads the JSON form (see [`to_json`](Fault::to_json)); a JSON string is read as a
    /// string spec.
    pub fn from_json(value: &Value) -> Result<Fault> {
        let bad = |why: &str| Error::invalid_input("fault", why);
        if let Some(spec) = value.as_str() {
            return Fault::parse(spec);
        }
        let obj = value.as_object().ok_or_else(|| bad("must be an object or a string spec"))?;
        let kind = obj.get("kind").and_then(Value::as_str).ok_or_else(|| bad("needs a \"kind\""))?;
        let uint = |name: &str| obj.get(name).and_then(Value::as_u64);
        match kind {
            "status" => {
                let status = uint("status").ok_or_else(|| bad("status needs \"status\": a number"))?;
                let status = u16::try_from(status).map_err(|_| bad("status is out of range"))?;
                let status = parse_status(&status.to_string())?;
                let body = obj.get("body").and_then(Value::as_str).unwrap_or("").to_owned();
                Ok(Fault::Status { status, body })
            }
            "delay" => {
                let ms = uint("ms").ok_or_else(|| bad("delay needs \"ms\": a number"))?;
                Ok(Fault::Delay(Duration::from_millis(ms)))
            }
            "rate_limited" | "rate_limit" => {
                Ok(Fault::RateLimited { retry_after_secs: uint("retry_after_secs").unwrap_or(1) })
            }
            other => match Fault::parse(other)? {
                f @ (Fault::Status { .. } | Fault::Delay(_) | Fault::RateLimited { .. }) => {
                    Err(bad(&format!("{} needs its fields", f.kind())))
                }
                f => Ok(f),
            },
        }
    }
}

impl fmt::Display for Fault {
    /// The string spec that parses back to this fault.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Status { status, body } if body.is_empty() => write!(f, "status:{status}"),
            Fault::Status { status, body } => write!(f, "status:{status}:{body}"),
            Fault::Delay(d) => write!(f, "delay:{}", d.as_millis()),
            Fault::Reset => f.write_str("reset"),
            Fault::CloseWithoutAnswer => f.write_str("close"),
            Fault::TruncatedBody => f.write_str("truncate"),
            Fault::GarbageBody => f.write_str("garbage"),
            Fault::RateLimited { retry_after_secs } => write!(f, "rate_limit:{retry_after_secs}"),
            Fault::Html200 => f.write_str("html"),
        }
    }
}

impl FromStr for Fault {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Fault::parse(s)
    }
}

/// Parses a CLI flag value `ENDPOINT=SPEC`, e.g. `action_url=status:503` or `token=delay:2000`.
pub fn fault_flag(flag: &str) -> Result<(Endpoint, Fault)> {
    let (endpoint, spec) = flag.split_once('=').ok_or_else(|| {
        Error::invalid_input("fault", format!("{flag:?} is not ENDPOINT=FAULT (e.g. action_url=status:503)"))
    })?;
    Ok((Endpoint::from_name(endpoint)?, Fault::parse(spec)?))
}

fn parse_status(code: &str) -> Result<u16> {
    match code.trim().parse::<u16>() {
        Ok(s) if (100..=999).contains(&s) && s != 101 => Ok(s),
        _ => Err(Error::invalid_input("fault", format!("{code:?} is not an HTTP status (100–999)"))),
    }
}

fn parse_duration(text: &str) -> Result<Duration> {
    let t = text.trim().to_ascii_lowercase();
    let bad = || Error::invalid_input("fault", format!("{text:?} is not a duration (e.g. 2000, 250ms, 2s)"));
    if let Some(ms) = t.strip_suffix("ms") {
        ms.trim().parse().map(Duration::from_millis).map_err(|_| bad())
    } else if let Some(s) = t.strip_suffix('s') {
        s.trim()
            .parse::<f64>()
            .ok()
            .filter(|s| s.is_finite() && *s >= 0.0)
            .map(Duration::from_secs_f64)
            .ok_or_else(bad)
    } else {
        t.parse().map(Duration::from_millis).map_err(|_| bad())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_round_trip_through_strings_and_json() {
        let all = [
            Fault::Status { status: 503, body: String::new() },
            Fault::Status { status: 400, body: "{\"message\":\"no: really\"}".into() },
            Fault::Delay(Duration::from_millis(1500)),
            Fault::Reset,
            Fault::CloseWithoutAnswer,
            Fault::TruncatedBody,
            Fault::GarbageBody,
            Fault::RateLimited { retry_after_secs: 7 },
            Fault::Html200,
        ];
        for f in all {
            assert_eq!(f.to_string().parse::<Fault>().unwrap(), f, "{f}");
            assert_eq!(Fault::from_json(&f.to_json()).unwrap(), f, "{}", f.to_json());
        }
    }

    #[test]
    fn aliases_and_errors() {
        assert_eq!(Fault::parse("429").unwrap(), Fault::RateLimited { retry_after_secs: 1 });
        assert_eq!(Fault::parse("503").unwrap(), Fault::Status { status: 503, body: String::new() });
        assert_eq!(Fault::parse("delay:2s").unwrap(), Fault::Delay(Duration::from_secs(2)));
        assert_eq!(Fault::from_json(&json!("reset")).unwrap(), Fault::Reset);
        for bad in ["", "status", "status:abc", "status:42", "delay:soon", "reset:1", "explode"] {
            let e = Fault::parse(bad).unwrap_err();
            assert_eq!(e.field(), Some("fault"), "{bad}");
        }
        assert!(Fault::from_json(&json!({"kind": "status"})).is_err());
        assert!(fault_flag("status:503").is_err());
        assert!(fault_flag("nowhere=reset").is_err());
        assert_eq!(
            fault_flag("getActionItemUrl=close").unwrap(),
            (Endpoint::ActionUrl, Fault::CloseWithoutAnswer)
        );
    }
}

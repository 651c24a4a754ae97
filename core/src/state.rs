//! Flow correlation: an HMAC-SHA256 state token that ties a callback to the request that
//! produced its URL.
//!
//! Token layout, base64url without padding (safe in a query value and as a path segment):
//!
//! ```text
//! version(1)=1 | key id(4) | action code(1) | issued at, unix seconds, BE(8) | nonce(16)
//!   | enterprise name (UTF-8) | HMAC-SHA256 over everything before (32)
//! ```
//!
//! The key id is the first 4 bytes of HMAC(key, "ctt-key-id"): it picks the key during
//! rotation without revealing anything about it.

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use url::Url;
use zeroize::Zeroizing;

use crate::action::ActionType;
use crate::error::{Error, Result};

type HmacSha256 = Hmac<Sha256>;

const VERSION: u8 = 1;
const HEADER_LEN: usize = 1 + 4 + 1 + 8 + 16;
const TAG_LEN: usize = 32;
/// The shortest key a [`FlowSigner`] accepts, in bytes.
pub const MIN_KEY_LEN: usize = 32;
/// The default query parameter that carries the token.
pub const DEFAULT_STATE_PARAM: &str = "ctt_state";

/// Why a state token was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rejection {
    /// No token where one was expected.
    Missing,
    /// Not a token of ours (encoding, length, version, fields).
    Malformed,
    /// Signed with a known key but the tag does not match: tampered or forged.
    BadSignature,
    /// Signed with a key this verifier does not hold.
    UnknownKey,
    /// Older than the time-to-live (plus clock skew).
    Expired,
    /// Issued in the future (beyond the clock-skew allowance).
    FromTheFuture,
    /// Seen before, with the replay guard on.
    Replayed,
}

impl Rejection {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Rejection::Missing => "missing",
            Rejection::Malformed => "malformed",
            Rejection::BadSignature => "bad_signature",
            Rejection::UnknownKey => "unknown_key",
            Rejection::Expired => "expired",
            Rejection::FromTheFuture => "from_the_future",
            Rejection::Replayed => "replayed",
        }
    }

    /// Every reason.
    pub const ALL: [Rejection; 7] = [
        Rejection::Missing,
        Rejection::Malformed,
        Rejection::BadSignature,
        Rejection::UnknownKey,
        Rejection::Expired,
        Rejection::FromTheFuture,
        Rejection::Replayed,
    ];

    /// The reason with this name.
    pub fn from_name(name: &str) -> Option<Rejection> {
        Rejection::ALL.into_iter().find(|r| r.as_str() == name)
    }

    pub(crate) fn description(self) -> &'static str {
        match self {
            Rejection::Missing => "no state token in the callback",
            Rejection::Malformed => "not a valid state token",
            Rejection::BadSignature => "signature does not match",
            Rejection::UnknownKey => "signed with an unknown key",
            Rejection::Expired => "expired",
            Rejection::FromTheFuture => "issued in the future",
            Rejection::Replayed => "already used",
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a verified token says about its flow.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlowState {
    /// The action the URL was requested for.
    pub action_type: ActionType,
    /// The enterprise it was requested for.
    pub enterprise_name: String,
    /// When the token was issued.
    pub issued_at: SystemTime,
    /// The token's 128-bit random nonce.
    pub nonce: [u8; 16],
}

impl FlowState {
    /// The nonce as 32 lowercase hex digits.
    pub fn nonce_hex(&self) -> String {
        self.nonce.iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Remembers nonces so a token is accepted once. Implement it over a shared store (Redis, a
/// database) when several listeners verify tokens.
pub trait ReplayGuard: Send + Sync + fmt::Debug {
    /// Records `nonce` until `forget_after`; returns false if it was already recorded.
    fn first_use(&self, nonce: &[u8; 16], forget_after: SystemTime) -> bool;
}

/// An in-process [`ReplayGuard`] that forgets nonces once their token could no longer verify.
#[derive(Debug, Default)]
pub struct MemoryReplayGuard {
    seen: Mutex<Seen>,
}

#[derive(Debug, Default)]
struct Seen {
    nonces: HashMap<[u8; 16], SystemTime>,
    /// The size at which expired nonces are swept next: twice the live count after a sweep, so
    /// sweeping costs O(1) amortised per callback however many tokens are live.
    sweep_at: usize,
}

impl ReplayGuard for MemoryReplayGuard {
    fn first_use(&self, nonce: &[u8; 16], forget_after: SystemTime) -> bool {
        let mut guard = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let now = SystemTime::now();
        if guard.nonces.len() >= guard.sweep_at.max(1024) {
            guard.nonces.retain(|_, until| *until > now);
            guard.sweep_at = guard.nonces.len() * 2;
        }
        let seen = &mut guard.nonces;
        match seen.get(nonce) {
            Some(until) if *until > now => false,
            _ => {
                seen.insert(*nonce, forget_after);
                true
            }
        }
    }
}

/// Where the state token travels in the redirect URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatePlacement {
    /// A query parameter with this name.
    Query(String),
    /// The last path segment (for when the vendor does not keep our query).
    PathSegment,
}

impl Default for StatePlacement {
    fn default() -> Self {
        StatePlacement::Query(DEFAULT_STATE_PARAM.to_owned())
    }
}

impl StatePlacement {
    /// Returns `redirect_url` with `token` added.
    pub fn attach(&self, redirect_url: &Url, token: &str) -> Url {
        let mut url = redirect_url.clone();
        match self {
            StatePlacement::Query(name) => {
                url.query_pairs_mut().append_pair(name, token);
            }
            StatePlacement::PathSegment => {
                if let Ok(mut segments) = url.path_segments_mut() {
                    segments.pop_if_empty().push(token);
                }
            }
        }
        url
    }

    /// Finds the token in a callback's path and query (already split into parameters).
    pub fn extract<'a>(&self, path: &'a str, params: &'a [(String, String)]) -> Option<&'a str> {
        match self {
            StatePlacement::Query(name) => params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()),
            StatePlacement::PathSegment => {
                path.trim_end_matches('/').rsplit('/').next().filter(|s| !s.is_empty())
            }
        }
    }
}

struct Key {
    id: [u8; 4],
    secret: Zeroizing<Vec<u8>>,
}

impl Key {
    fn new(secret: &[u8]) -> Result<Key> {
        if secret.len() < MIN_KEY_LEN {
            return Err(Error::invalid_input(
                "stateKey",
                format!("must be at least {MIN_KEY_LEN} bytes, got {}", secret.len()),
            ));
        }
        let mut mac = HmacSha256::new_from_slice(secret)
            .map_err(|_| Error::invalid_input("stateKey", "unusable key"))?;
        mac.update(b"ctt-key-id");
        let mut id = [0u8; 4];
        id.copy_from_slice(&mac.finalize().into_bytes()[..4]);
        Ok(Key { id, secret: Zeroizing::new(secret.to_vec()) })
    }

    /// A copy for a new key list; keys are not `Clone` so that copies stay deliberate.
    fn duplicate(&self) -> Key {
        Key { id: self.id, secret: Zeroizing::new(self.secret.to_vec()) }
    }

    fn mac(&self) -> HmacSha256 {
        // A key of any length is valid for HMAC; `new` already proved it for this one.
        HmacSha256::new_from_slice(&self.secret).unwrap_or_else(|_| unreachable!())
    }
}

/// Issues and verifies state tokens.
///
/// ```
/// use ctt_core::{ActionType, FlowSigner};
/// let signer = FlowSigner::new(&[7u8; 32]).unwrap();
/// let token = signer.issue(ActionType::Registration, "AcmeCorp").unwrap();
/// let state = signer.verify(&token).unwrap();
/// assert_eq!(state.enterprise_name, "AcmeCorp");
/// ```
#[derive(Clone)]
pub struct FlowSigner {
    keys: Arc<Vec<Key>>,
    ttl: Duration,
    skew: Duration,
    replay: Option<Arc<dyn ReplayGuard>>,
}

impl fmt::Debug for FlowSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FlowSigner")
            .field("keys", &format_args!("{} key(s), [REDACTED]", self.keys.len()))
            .field("ttl", &self.ttl)
            .field("skew", &self.skew)
            .field("replay_guard", &self.replay.is_some())
            .finish()
    }
}

impl FlowSigner {
    /// Default time-to-live of a token.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(3600);
    /// Default clock-skew allowance.
    pub const DEFAULT_SKEW: Duration = Duration::from_secs(60);

    /// A signer with `key` (at least 32 bytes), a one-hour TTL, 60 s skew and no replay guard.
    pub fn new(key: &[u8]) -> Result<FlowSigner> {
        Ok(FlowSigner {
            keys: Arc::new(vec![Key::new(key)?]),
            ttl: Self::DEFAULT_TTL,
            skew: Self::DEFAULT_SKEW,
            replay: None,
        })
    }

    /// Also accepts tokens signed with an older `key` (rotation). New tokens use the first key.
    pub fn with_previous_key(mut self, key: &[u8]) -> Result<FlowSigner> {
        let mut keys: Vec<Key> = self.keys.iter().map(Key::duplicate).collect();
        keys.push(Key::new(key)?);
        self.keys = Arc::new(keys);
        Ok(self)
    }

    /// Sets the time-to-live.
    pub fn with_ttl(mut self, ttl: Duration) -> FlowSigner {
        self.ttl = ttl;
        self
    }

    /// Sets the clock-skew allowance.
    pub fn with_clock_skew(mut self, skew: Duration) -> FlowSigner {
        self.skew = skew;
        self
    }

    /// Accepts each token once, remembering nonces in `guard`.
    pub fn with_replay_guard(mut self, guard: Arc<dyn ReplayGuard>) -> FlowSigner {
        self.replay = Some(guard);
        self
    }

    /// Accepts each token once, remembering nonces in this process.
    pub fn with_memory_replay_guard(self) -> FlowSigner {
        self.with_replay_guard(Arc::new(MemoryReplayGuard::default()))
    }

    /// The time-to-live.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A fresh token for a flow (the enterprise name is validated first).
    pub fn issue(&self, action_type: ActionType, enterprise_name: &str) -> Result<String> {
        let mut nonce = [0u8; 16];
        rand::thread_rng().fill_bytes(&mut nonce);
        self.issue_at(action_type, enterprise_name, SystemTime::now(), nonce)
    }

    /// [`issue`](FlowSigner::issue) with a given time and nonce (for tests and fixtures).
    pub fn issue_at(
        &self,
        action_type: ActionType,
        enterprise_name: &str,
        issued_at: SystemTime,
        nonce: [u8; 16],
    ) -> Result<String> {
        let name = crate::validate::validate_enterprise_name(enterprise_name)?;
        let key = &self.keys[0];
        let secs = issued_at.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        let mut buf = Vec::with_capacity(HEADER_LEN + name.len() + TAG_LEN);
        buf.push(VERSION);
        buf.extend_from_slice(&key.id);
        buf.push(action_type.code());
        buf.extend_from_slice(&secs.to_be_bytes());
        buf.extend_from_slice(&nonce);
        buf.extend_from_slice(name.as_bytes());
        let mut mac = key.mac();
        mac.update(&buf);
        buf.extend_from_slice(&mac.finalize().into_bytes());
        Ok(URL_SAFE_NO_PAD.encode(buf))
    }

    /// Verifies a token now; see [`verify_at`](FlowSigner::verify_at).
    pub fn verify(&self, token: &str) -> Result<FlowState> {
        self.verify_at(token, SystemTime::now())
    }

    /// Verifies a token as of `now`: encoding and length first, then the key, the tag
    /// (constant-time), the fields, the time window, and the replay guard last (so a forged or
    /// expired token never consumes a nonce).
    pub fn verify_at(&self, token: &str, now: SystemTime) -> Result<FlowState> {
        let reject = |r| Err(Error::state_rejected(r));
        if token.is_empty() {
            return reject(Rejection::Missing);
        }
        let Ok(raw) = URL_SAFE_NO_PAD.decode(token.trim()) else { return reject(Rejection::Malformed) };
        if raw.len() < HEADER_LEN + TAG_LEN || raw[0] != VERSION {
            return reject(Rejection::Malformed);
        }
        let (signed, tag) = raw.split_at(raw.len() - TAG_LEN);
        let Some(key) = self.keys.iter().find(|k| k.id == signed[1..5]) else {
            return reject(Rejection::UnknownKey);
        };
        let mut mac = key.mac();
        mac.update(signed);
        if mac.verify_slice(tag).is_err() {
            return reject(Rejection::BadSignature);
        }
        let Some(action_type) = ActionType::from_code(signed[5]) else { return reject(Rejection::Malformed) };
        let mut secs = [0u8; 8];
        secs.copy_from_slice(&signed[6..14]);
        let mut nonce = [0u8; 16];
        nonce.copy_from_slice(&signed[14..30]);
        let Ok(name) = std::str::from_utf8(&signed[30..]) else { return reject(Rejection::Malformed) };
        let Some(issued_at) = UNIX_EPOCH.checked_add(Duration::from_secs(u64::from_be_bytes(secs))) else {
            return reject(Rejection::Malformed);
        };
        if issued_at > now + self.skew {
            return reject(Rejection::FromTheFuture);
        }
        let valid_until = issued_at + self.ttl + self.skew;
        if now > valid_until {
            return reject(Rejection::Expired);
        }
        if let Some(guard) = &self.replay {
            if !guard.first_use(&nonce, valid_until) {
                return reject(Rejection::Replayed);
            }
        }
        Ok(FlowState { action_type, enterprise_name: name.to_owned(), issued_at, nonce })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signer() -> FlowSigner {
        FlowSigner::new(b"0123456789abcdef0123456789abcdef").unwrap()
    }

    fn rejection(r: Result<FlowState>) -> Rejection {
        r.unwrap_err().rejection().unwrap()
    }

    #[test]
    fn round_trip_and_time_window() {
        let s = signer();
        let t0 = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
        let tok = s.issue_at(ActionType::CdrConsent, "Acme", t0, [9; 16]).unwrap();
        let st = s.verify_at(&tok, t0 + Duration::from_secs(10)).unwrap();
        assert_eq!(
            (st.action_type, st.enterprise_name.as_str(), st.nonce),
            (ActionType::CdrConsent, "Acme", [9; 16])
        );
        assert_eq!(rejection(s.verify_at(&tok, t0 + Duration::from_secs(3600 + 61))), Rejection::Expired);
        assert!(s.verify_at(&tok, t0 + Duration::from_secs(3600 + 59)).is_ok(), "skew allowed");
        assert_eq!(rejection(s.verify_at(&tok, t0 - Duration::from_secs(61))), Rejection::FromTheFuture);
    }

    #[test]
    fn short_empty_foreign_and_rotated() {
        let s = signer();
        assert_eq!(rejection(s.verify("")), Rejection::Missing);
        assert_eq!(rejection(s.verify("AQ")), Rejection::Malformed);
        assert_eq!(rejection(s.verify("not base64 !")), Rejection::Malformed);
        let other = FlowSigner::new(&[1u8; 32]).unwrap();
        let tok = other.issue(ActionType::Registration, "X").unwrap();
        assert_eq!(rejection(s.verify(&tok)), Rejection::UnknownKey);
        let rotated = FlowSigner::new(&[2u8; 32]).unwrap().with_previous_key(&[1u8; 32]).unwrap();
        assert!(rotated.verify(&tok).is_ok());
        assert!(FlowSigner::new(&[0u8; 31]).is_err());
    }

    #[test]
    fn replay_guard_accepts_once() {
        let s = signer().with_memory_replay_guard();
        let tok = s.issue(ActionType::Registration, "Acme").unwrap();
        assert!(s.verify(&tok).is_ok());
        assert_eq!(rejection(s.verify(&tok)), Rejection::Replayed);
    }

    #[test]
    fn memory_guard_sweeps_expired_nonces_and_keeps_live_ones() {
        let guard = MemoryReplayGuard::default();
        let past = SystemTime::now() - Duration::from_secs(1);
        let future = SystemTime::now() + Duration::from_secs(3600);
        let nonce = |i: u32| {
            let mut n = [0u8; 16];
            n[..4].copy_from_slice(&i.to_be_bytes());
            n
        };
        for i in 0..3000 {
            assert!(guard.first_use(&nonce(i), past));
        }
        assert!(guard.seen.lock().unwrap().nonces.len() <= 1024, "expired nonces are swept");
        for i in 10_000..12_000 {
            assert!(guard.first_use(&nonce(i), future));
        }
        for i in 10_000..12_000 {
            assert!(!guard.first_use(&nonce(i), future), "a live nonce is never forgotten");
        }
    }

    #[test]
    fn placement_attach_and_extract() {
        let base = Url::parse("https://p.example/cb/?flow=1").unwrap();
        let q = StatePlacement::default().attach(&base, "TOK");
        assert_eq!(q.as_str(), "https://p.example/cb/?flow=1&ctt_state=TOK");
        let p = StatePlacement::PathSegment.attach(&base, "TOK");
        assert_eq!(p.as_str(), "https://p.example/cb/TOK?flow=1");
        assert_eq!(StatePlacement::PathSegment.extract(p.path(), &[]), Some("TOK"));
        let params = vec![("ctt_state".to_owned(), "TOK".to_owned())];
        assert_eq!(StatePlacement::default().extract("/cb", &params), Some("TOK"));
    }

    #[test]
    fn debug_hides_keys() {
        assert!(!format!("{:?}", signer()).contains("0123456789"));
    }
}

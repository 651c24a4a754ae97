//! Turning the ambiguous `expiresOn` into an instant.
//!
//! The rule, applied to the raw number `n` (integers; a fraction is truncated):
//!
//! | `n`                   | read as                                      |
//! |-----------------------|----------------------------------------------|
//! | `n <= 0`              | unknown                                      |
//! | `n < 10^9`            | a duration in seconds from receipt           |
//! | `10^9 <= n < 10^12`   | seconds since the epoch (2001 – 33658)       |
//! | `10^12 <= n < 10^15`  | milliseconds since the epoch                 |
//! | `10^15 <= n < 10^18`  | microseconds since the epoch (the reference) |
//! | `n >= 10^18`          | unknown                                      |
//!
//! When the access token is a JWT with an `exp` claim, that claim wins over all of the above.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Where an [`Expiry`] came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ExpirySource {
    /// The access token's `exp` claim.
    JwtExp,
    /// `expiresOn` read as seconds since the epoch.
    EpochSeconds,
    /// `expiresOn` read as milliseconds since the epoch.
    EpochMillis,
    /// `expiresOn` read as microseconds since the epoch.
    EpochMicros,
    /// `expiresOn` read as a duration in seconds from receipt.
    DurationSeconds,
    /// Nothing usable.
    Unknown,
}

impl ExpirySource {
    /// The stable snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ExpirySource::JwtExp => "jwt_exp",
            ExpirySource::EpochSeconds => "epoch_seconds",
            ExpirySource::EpochMillis => "epoch_millis",
            ExpirySource::EpochMicros => "epoch_micros",
            ExpirySource::DurationSeconds => "duration_seconds",
            ExpirySource::Unknown => "unknown",
        }
    }
}

/// When an access token expires, and how that was worked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expiry {
    /// The instant, when one could be derived.
    pub expires_at: Option<SystemTime>,
    /// The rule that produced it.
    pub source: ExpirySource,
}

impl Expiry {
    /// `expires_at` as whole seconds since the epoch.
    pub fn unix_seconds(&self) -> Option<i64> {
        self.expires_at.and_then(|t| t.duration_since(UNIX_EPOCH).ok()).map(|d| d.as_secs() as i64)
    }
}

/// Applies the rule of this module. `received_at` anchors the duration reading.
///
/// ```
/// use ctt_core::{derive_expiry, ExpirySource};
/// use std::time::UNIX_EPOCH;
/// let e = derive_expiry(Some(1742985175242681), None, UNIX_EPOCH);
/// assert_eq!((e.unix_seconds(), e.source), (Some(1742985175), ExpirySource::EpochMicros));
/// ```
pub fn derive_expiry(expires_on: Option<i64>, jwt_exp: Option<i64>, received_at: SystemTime) -> Expiry {
    if let Some(exp) = jwt_exp.filter(|&e| e > 0) {
        return Expiry {
            expires_at: Some(epoch(Duration::from_secs(exp as u64))),
            source: ExpirySource::JwtExp,
        };
    }
    let unknown = Expiry { expires_at: None, source: ExpirySource::Unknown };
    let Some(n) = expires_on.filter(|&n| n > 0) else { return unknown };
    let n = n as u64;
    let (at, source) = match n {
        0..=999_999_999 => (received_at + Duration::from_secs(n), ExpirySource::DurationSeconds),
        1_000_000_000..=999_999_999_999 => (epoch(Duration::from_secs(n)), ExpirySource::EpochSeconds),
        1_000_000_000_000..=999_999_999_999_999 => {
            (epoch(Duration::from_millis(n)), ExpirySource::EpochMillis)
        }
        1_000_000_000_000_000..=999_999_999_999_999_999 => {
            (epoch(Duration::from_micros(n)), ExpirySource::EpochMicros)
        }
        _ => return unknown,
    };
    Expiry { expires_at: Some(at), source }
}

fn epoch(d: Duration) -> SystemTime {
    UNIX_EPOCH + d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_band() {
        let now = UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let secs = |n, jwt| derive_expiry(n, jwt, now).unix_seconds();
        assert_eq!(secs(Some(3599), None), Some(1_700_003_599));
        assert_eq!(secs(Some(1_742_985_175), None), Some(1_742_985_175));
        assert_eq!(secs(Some(1_742_985_175_242), None), Some(1_742_985_175));
        assert_eq!(secs(Some(1_742_985_175_242_681), None), Some(1_742_985_175));
        assert_eq!(secs(Some(i64::MAX), None), None);
        assert_eq!(secs(Some(-5), None), None);
        assert_eq!(secs(Some(3599), Some(1_800_000_000)), Some(1_800_000_000));
    }
}

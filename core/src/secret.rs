//! A redacting, zeroizing holder for tokens, client secrets and passwords.

use std::fmt;

use secrecy::{ExposeSecret, SecretString};
use zeroize::Zeroize;

/// The text every formatter prints instead of a secret.
pub const REDACTED: &str = "[REDACTED]";

/// A secret string. `Debug` and `Display` print `[REDACTED]`; the memory is wiped on drop;
/// reading the value is the explicit [`Secret::expose`].
///
/// ```
/// use ctt_core::Secret;
/// let s = Secret::new("hunter2");
/// assert_eq!(format!("{s:?} {s}"), "[REDACTED] [REDACTED]");
/// assert_eq!(s.expose(), "hunter2");
/// ```
#[derive(Clone)]
pub struct Secret(SecretString);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        let mut value: String = value.into();
        // An exact-size copy, then the original is wiped: `String::into_boxed_str` would
        // reallocate when capacity exceeds length and free the old buffer unwiped.
        let exact: Box<str> = Box::from(value.as_str());
        value.zeroize();
        Secret(SecretString::from(exact))
    }

    /// The secret value. Name the call site well: this is the only way out.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }

    /// Whether the secret is the empty string.
    pub fn is_empty(&self) -> bool {
        self.expose().is_empty()
    }
}

impl PartialEq for Secret {
    /// Constant-time in the length of the shorter value's prefix; used to compare tokens.
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.expose().as_bytes(), other.expose().as_bytes());
        a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
    }
}

impl Eq for Secret {}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(REDACTED)
    }
}

impl From<String> for Secret {
    fn from(value: String) -> Self {
        Secret::new(value)
    }
}

impl From<&str> for Secret {
    fn from(value: &str) -> Self {
        Secret::new(value)
    }
}

impl<'de> serde::Deserialize<'de> for Secret {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // A borrowed string is copied once, straight into the secret: no intermediate String
        // to allocate and wipe. An owned one goes through `Secret::new`, which wipes it.
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = Secret;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Secret, E> {
                Ok(Secret(SecretString::from(Box::<str>::from(v))))
            }
            fn visit_string<E: serde::de::Error>(self, v: String) -> Result<Secret, E> {
                Ok(Secret::new(v))
            }
        }
        d.deserialize_string(Visitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_formats_the_value() {
        let s = Secret::new("s3cr3t-value");
        for text in [format!("{s:?}"), format!("{s:#?}"), format!("{s}"), format!("{:?}", Some(&s))] {
            assert!(!text.contains("s3cr3t"), "{text}");
        }
        assert_eq!(s, Secret::new("s3cr3t-value"));
        assert_ne!(s, Secret::new("s3cr3t-valuf"));
        assert_ne!(s, Secret::new("s3cr3t"));
    }
}

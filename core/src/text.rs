//! Text from the outside (a consent message, a user name, a server's error message) made safe
//! to print.

use std::borrow::Cow;
use std::fmt::Write;

/// Escapes control characters (C0 with tab and line breaks, DEL, and C1, which holds the
/// terminal's CSI) as `\u{…}`, so that text from a redirect or a server cannot move the cursor,
/// recolour or clear a terminal, or forge log lines. Everything else, non-ASCII included, is
/// kept; text without control characters is returned as is.
///
/// The core keeps such text exactly as received (it is data); callers escape when they print.
///
/// ```
/// assert_eq!(ctt_core::escape_control("ok\u{1b}[31m red\n"), "ok\\u{1b}[31m red\\u{a}");
/// assert_eq!(ctt_core::escape_control("Contoso – Zürich"), "Contoso – Zürich");
/// ```
pub fn escape_control(text: &str) -> Cow<'_, str> {
    if !text.chars().any(char::is_control) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_control_character_is_escaped() {
        for c in ['\0', '\t', '\r', '\u{7f}', '\u{85}', '\u{9b}'] {
            let s = format!("a{c}b");
            let e = escape_control(&s);
            assert!(!e.chars().any(char::is_control), "{s:?} → {e:?}");
            assert!(e.starts_with('a') && e.ends_with('b'));
        }
        assert!(matches!(escape_control("plain"), Cow::Borrowed("plain")));
    }
}

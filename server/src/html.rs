//! Small HTML pages: the listener's "you can close this window" page and the mock's pages.

/// Escapes text for HTML element content and attribute values.
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A complete, self-contained page (no scripts, no external resources). `title` and `lines`
/// are plain text and are escaped here.
pub(crate) fn page(title: &str, lines: &[&str], ok: bool) -> String {
    let colour = if ok { "#107c10" } else { "#a4262c" };
    let mut body = String::new();
    for line in lines {
        body.push_str("<p>");
        body.push_str(&escape(line));
        body.push_str("</p>\n");
    }
    format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;\
         padding:0 1em;color:#222}}h1{{color:{colour};font-size:1.4em}}</style>\n</head>\n<body>\n\
         <h1>{title}</h1>\n{body}</body>\n</html>\n",
        title = escape(title),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<script>alert('x\"&')</script>"),
            "&lt;script&gt;alert(&#39;x&quot;&amp;&#39;)&lt;/script&gt;"
        );
        let p = page("<b>", &["<script>alert(1)</script>"], false);
        assert!(!p.contains("<script>") && !p.contains("<b>"));
    }
}

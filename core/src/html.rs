//! Writing text into HTML that stays inert: escaping for text and quoted attributes, and
//! which link destinations may become an `href`. Every module that builds HTML from
//! untrusted text (replies, model and persona names, search snippets) writes through here.

/// URL schemes a link or image may keep; anything else is dropped to its text.
const SAFE_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Whether a link destination may become an `href`: `http:`, `https:`, `mailto:`, or
/// no scheme at all (`#x`, `/path`, `path`, `//host`).
///
/// `url` is the destination as the browser will see it: pulldown-cmark has already
/// decoded character references and backslash escapes, and the renderer escapes `&`
/// again on output, so no further decoding happens in the page. ASCII whitespace and
/// control characters are removed everywhere first (browsers ignore them, so
/// `java\tscript:` is a `javascript:` URL), then whatever stands before the first
/// `:` — if a `:` comes before any `/`, `?` or `#` — is the scheme, compared
/// case-insensitively. A "scheme" with odd characters in it is refused, not guessed at.
pub fn is_safe_url(url: &str) -> bool {
    let cleaned: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_ascii_control())
        .collect();
    match cleaned.find([':', '/', '?', '#']) {
        Some(i) if cleaned[i..].starts_with(':') => {
            let scheme = &cleaned[..i];
            SAFE_SCHEMES.iter().any(|s| s.eq_ignore_ascii_case(scheme))
        }
        _ => true,
    }
}

/// Appends `text` HTML-escaped (`& < > " '`, NUL as U+FFFD), safe in text and in
/// quoted attributes.
pub fn push_text(out: &mut String, text: &str) {
    out.reserve(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // CommonMark replaces U+0000 with U+FFFD; browsers would too, but say so.
            '\0' => out.push('\u{FFFD}'),
            _ => out.push(c),
        }
    }
}

/// Appends a URL for a double-quoted `href`: `&` becomes `&amp;`, and every byte other
/// than ASCII letters, digits and ``!#$%()*+,-./:;=?@^_~`` is percent-encoded (quotes,
/// `<`, `>`, spaces, controls and non-ASCII included), as pulldown-cmark's own
/// `escape_href` does.
pub fn push_href(out: &mut String, url: &str) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in url.as_bytes() {
        if b == b'&' {
            out.push_str("&amp;");
        } else if b.is_ascii_alphanumeric() || b"!#$%()*+,-./:;=?@^_~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 0xF)]));
        }
    }
}

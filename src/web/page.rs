//! The chat page (`web/index.html`, one self-contained file built into
//! the binary) and the headers it is served with.
//!
//! The Content-Security-Policy allows the page's own inline `<script>` and
//! `<style>` elements by their SHA-256 hashes, computed once from the
//! page's bytes, rather than with `'unsafe-inline'`: text that slipped into
//! the page as HTML (a chat line inserted wrongly) could then never run a
//! script or restyle the page, since its hash is not listed. The price is
//! that the page keeps its code in those elements (no `on...=` handler
//! attributes, no `style=` attributes), which it does anyway. Everything
//! else is its own origin at most; sockets may go to any `ws:`/`wss:`
//! origin (the server's own Origin check decides who may open one).

use std::sync::OnceLock;

/// The page's bytes.
pub static PAGE: &[u8] = include_bytes!("../../web/index.html");

/// The response head for the page (with `Content-Length` for its body
/// whether or not the body follows, as HEAD requires).
pub fn head() -> &'static [u8] {
    static HEAD: OnceLock<Vec<u8>> = OnceLock::new();
    HEAD.get_or_init(|| {
        format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
             Content-Length: {}\r\nContent-Security-Policy: {}\r\n\
             X-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\n\
             Cache-Control: no-store\r\nConnection: close\r\n\r\n",
            PAGE.len(),
            policy(PAGE)
        )
        .into_bytes()
    })
}

/// The Content-Security-Policy for `page`.
pub fn policy(page: &[u8]) -> String {
    let sources = |tag: &str| {
        let hashes = inline_hashes(page, tag);
        match hashes.is_empty() {
            true => "'none'".to_string(),
            false => hashes.join(" "),
        }
    };
    format!(
        "default-src 'self'; script-src {}; style-src {}; connect-src 'self' ws: wss:; \
         img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'",
        sources("script"),
        sources("style")
    )
}

/// `'sha256-...'` of the text of every `<tag>` element of `page`, as a
/// browser hashes it: the exact bytes between the opening tag's `>` and
/// the closing tag.
fn inline_hashes(page: &[u8], tag: &str) -> Vec<String> {
    let open = format!("<{tag}");
    let close = format!("</{tag}");
    let mut hashes = Vec::new();
    let mut rest = page;
    while let Some(at) = find(rest, open.as_bytes()) {
        let after = &rest[at + open.len()..];
        // `<scripts` or `<styled` are other tags.
        if !after
            .first()
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'>')
        {
            rest = after;
            continue;
        }
        let Some(start) = memchr::memchr(b'>', after) else {
            break;
        };
        let text = &after[start + 1..];
        let Some(end) = find(text, close.as_bytes()) else {
            break;
        };
        let digest = ring::digest::digest(&ring::digest::SHA256, &text[..end]);
        let encoded = data_encoding::BASE64.encode(digest.as_ref());
        hashes.push(format!("'sha256-{encoded}'"));
        rest = &text[end..];
    }
    hashes
}

/// Where `needle` first occurs in `haystack`, ignoring ASCII case.
fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_and_styles_are_allowed_by_hash_only() {
        let page = b"<style>p{}</style><SCRIPT type=module>go()</script><scripts>";
        let csp = policy(page);
        // sha256("go()") and sha256("p{}"), base64.
        let script = ring::digest::digest(&ring::digest::SHA256, b"go()");
        let script = data_encoding::BASE64.encode(script.as_ref());
        assert!(
            csp.contains(&format!("script-src 'sha256-{script}';")),
            "{csp}"
        );
        assert!(csp.contains("style-src 'sha256-"), "{csp}");
        assert!(!csp.contains("unsafe-inline"));
        assert!(policy(b"<p>hi</p>").contains("script-src 'none'; style-src 'none'"));
    }

    #[test]
    fn the_head_gives_the_pages_length_and_type() {
        let head = String::from_utf8(head().to_vec()).unwrap();
        assert!(head.starts_with("HTTP/1.1 200 OK\r\n"));
        assert!(head.contains(&format!("Content-Length: {}\r\n", PAGE.len())));
        assert!(head.contains("Content-Type: text/html; charset=utf-8\r\n"));
        assert!(head.contains("X-Content-Type-Options: nosniff\r\n"));
        assert!(head.ends_with("\r\n\r\n"));
    }
}

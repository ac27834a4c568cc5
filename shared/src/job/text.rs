//! Plain text out of Freshdesk's HTML: tag stripping, entity decoding, and removal of the
//! quoted history that email replies carry (so old anger is not scored again on every reply).

/// Strips tags (dropping `<script>`/`<style>` content), turns block ends into newlines and
/// decodes entities. Good enough for prompting a model; not a sanitizer.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let after = &rest[start..];
        let Some(end) = after.find('>') else {
            out.push_str(after);
            rest = "";
            break;
        };
        let tag = after[1..end].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        rest = &after[end + 1..];
        if !tag.starts_with('/') && (name == "script" || name == "style") {
            let close = format!("</{name}");
            match rest.to_ascii_lowercase().find(&close) {
                Some(pos) => {
                    let tail = &rest[pos..];
                    rest = tail.find('>').map_or("", |e| &tail[e + 1..]);
                }
                None => rest = "",
            }
            continue;
        }
        let closes_item = tag.starts_with('/') && name == "li";
        let block = matches!(
            name.as_str(),
            "br" | "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "blockquote"
        );
        if block && !closes_item {
            out.push('\n');
        }
    }
    out.push_str(rest);
    let decoded = html_escape::decode_html_entities(&out).replace('\u{a0}', " ");
    collapse_blank_lines(&decoded)
}

fn collapse_blank_lines(s: &str) -> String {
    let mut lines: Vec<&str> = Vec::new();
    for line in s.lines().map(str::trim_end) {
        if line.trim().is_empty() && lines.last().is_none_or(|l| l.trim().is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// The new text of an email reply: the HTML body without any `<blockquote>` (and whatever
/// follows a Gmail/Outlook quote marker), falling back to `body_text` with its quoted tail cut.
pub fn reply_new_text(body_html: &str, body_text: &str) -> String {
    let lower = body_html.to_ascii_lowercase();
    let cut_markers = [
        "<blockquote",
        "class=\"gmail_quote",
        "class=\"freshdesk_quote",
        "id=\"divrplyfwdmsg",
    ];
    let cut = cut_markers.iter().filter_map(|m| lower.find(m)).min();
    let from_html = match cut {
        Some(pos) => {
            // back up to the start of the tag that carries the marker
            let start = lower[..pos]
                .rfind('<')
                .filter(|_| !lower[pos..].starts_with('<'))
                .unwrap_or(pos);
            html_to_text(&body_html[..start])
        }
        None => html_to_text(body_html),
    };
    let from_html = strip_quoted_tail(&from_html);
    if !from_html.trim().is_empty() {
        return from_html.trim().to_string();
    }
    strip_quoted_tail(body_text).trim().to_string()
}

/// Cuts plain text at the first quoted-history marker: a line "On … wrote:", an Outlook
/// "-----Original Message-----" or "From: …" header block, or the first `>`-quoted line.
pub fn strip_quoted_tail(text: &str) -> String {
    let mut kept = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        let lower = t.to_ascii_lowercase();
        let is_marker = (lower.starts_with("on ") && lower.ends_with("wrote:"))
            || lower.starts_with("-----original message")
            || (lower.starts_with("from:") && !kept.is_empty())
            || t.starts_with('>');
        if is_marker {
            break;
        }
        kept.push(line);
    }
    kept.join("\n")
}

/// At most `max` characters (not bytes), cut on a char boundary.
pub fn truncate_chars(s: &str, max: usize) -> &str {
    match s.char_indices().nth(max) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

/// A parse error's text with every double-quoted value blanked out (`string "…"`): serde
/// quotes the value it could not read, which may be a customer's words. Field names, which
/// serde puts in backticks, stay.
pub fn redact_quoted(message: &str) -> String {
    let mut out = String::with_capacity(message.len());
    let mut chars = message.chars();
    while let Some(c) = chars.next() {
        out.push(c);
        if c != '"' {
            continue;
        }
        out.push('…');
        while let Some(q) = chars.next() {
            match q {
                '\\' => {
                    chars.next();
                }
                '"' => {
                    out.push('"');
                    break;
                }
                _ => {}
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_errors_lose_the_quoted_values_but_keep_field_names() {
        let e = serde_json::from_str::<std::collections::HashMap<String, u64>>(r#"{"a": "call me at \"555\" now"}"#)
            .unwrap_err();
        let redacted = redact_quoted(&e.to_string());
        assert!(!redacted.contains("555"), "{redacted}");
        assert!(
            redacted.starts_with("invalid type: string \"…\", expected u64"),
            "{redacted}"
        );
        assert_eq!(redact_quoted("missing field `id`"), "missing field `id`");
    }

    #[test]
    fn html_becomes_readable_text() {
        let t = html_to_text("<div>Hi &amp; hello<br>line two</div><p>para</p><script>x()</script>done");
        assert_eq!(t, "Hi & hello\nline two\n\npara\ndone");
    }

    #[test]
    fn escaped_markup_typed_by_a_customer_is_kept_as_text() {
        assert_eq!(
            html_to_text("<div>&lt;script&gt;alert(1)&lt;/script&gt;</div>"),
            "<script>alert(1)</script>"
        );
    }

    #[test]
    fn reply_text_drops_blockquote_and_quoted_tail() {
        let html = "<div>This is unacceptable, fix it now.</div><div>On Mon, Agent wrote:</div><blockquote>I am sorry, terrible delay</blockquote>";
        assert_eq!(reply_new_text(html, ""), "This is unacceptable, fix it now.");
        let text = "Still broken.\n\nOn Tue, 2 May 2024 Support <s@x.com> wrote:\n> We are on it";
        assert_eq!(reply_new_text("", text), "Still broken.");
        let gmail = "<div dir=\"ltr\">New words</div><div class=\"gmail_quote\">old angry words</div>";
        assert_eq!(reply_new_text(gmail, ""), "New words");
    }

    #[test]
    fn truncation_counts_characters() {
        assert_eq!(truncate_chars("héllo", 2), "hé");
        assert_eq!(truncate_chars("hi", 10), "hi");
    }
}

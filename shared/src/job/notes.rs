//! The HTML private notes the bridge writes. Every string that came from a person or a model
//! is escaped (`& < > " '`) and its newlines become `<br>`; the only markup is the bridge's own.

use std::fmt::Write;

use crate::clients::freshdesk::Conversation;
use crate::clients::simpli::models::{DraftResponse, EvaluateResponse};

/// The bold title of the draft note (also how a retry recognises a note it already posted).
pub const DRAFT_TITLE: &str = "AI Draft Response";
/// The start of the QA note's title.
pub const QA_TITLE: &str = "QA Score:";

/// A private note by the bridge whose title is `title`, created at or after `since` (ISO-8601
/// UTC strings compare in time order). Used to adopt a note posted by an attempt that crashed
/// before it could record the step.
pub fn find_bridge_note<'a>(
    conversations: &'a [Conversation],
    title: &str,
    since: Option<&str>,
) -> Option<&'a Conversation> {
    let opening = format!("<strong>{title}");
    conversations.iter().find(|c| {
        c.private
            && !c.incoming
            && c.body.contains(&opening)
            && since.is_none_or(|s| c.created_at.as_deref().is_some_and(|at| at >= s))
    })
}

/// Escapes `& < > " '` (through `html_escape`, as in a quoted attribute: the widest of its
/// escapers that leaves `/` alone) and turns newlines into `<br>`.
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.replace("\r\n", "\n").split('\n').enumerate() {
        if i > 0 {
            out.push_str("<br>");
        }
        html_escape::encode_quoted_attribute_to_string(line, &mut out);
    }
    out
}

fn percent(score: f64) -> i64 {
    (score.clamp(0.0, 1.0) * 100.0).round() as i64
}

/// The "AI Draft Response" note.
pub fn draft_note(draft: &DraftResponse) -> String {
    let mut html = format!("<p><strong>{DRAFT_TITLE}</strong>");
    if let Some(c) = draft.confidence {
        let _ = write!(html, " <em>(confidence {}%)</em>", percent(c));
    }
    let _ = write!(
        html,
        "</p><p>{}</p><p><em>Review and edit this draft before sending it to the customer.</em></p>",
        escape_text(&draft.draft)
    );
    html
}

/// The "QA Score" note.
pub fn qa_note(qa: &EvaluateResponse) -> String {
    let mut html = format!("<p><strong>{QA_TITLE} {}%</strong></p>", percent(qa.overall_score));
    if !qa.dimensions.is_empty() {
        html.push_str("<ul>");
        for (name, score) in &qa.dimensions {
            let _ = write!(
                html,
                "<li>{}: {}%</li>",
                escape_text(&dimension_label(name)),
                percent(*score)
            );
        }
        html.push_str("</ul>");
    }
    if !qa.coaching_notes.is_empty() {
        html.push_str("<p><strong>Coaching notes</strong></p><ul>");
        for note in &qa.coaching_notes {
            let _ = write!(html, "<li>{}</li>", escape_text(note));
        }
        html.push_str("</ul>");
    }
    html
}

/// `first_contact_resolution` → `First contact resolution`.
fn dimension_label(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn escapes_all_five_characters_and_newlines() {
        assert_eq!(escape_text("a&b<c>\"d'\ne"), "a&amp;b&lt;c&gt;&quot;d&#x27;<br>e");
    }

    #[test]
    fn draft_note_escapes_model_text() {
        let d = DraftResponse {
            draft: "<script>alert(1)</script>\nBye".into(),
            confidence: Some(0.737),
            ..Default::default()
        };
        let html = draft_note(&d);
        assert!(html.starts_with("<p><strong>AI Draft Response</strong> <em>(confidence 74%)</em>"));
        assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;<br>Bye"));
        assert!(!html.contains("<script>"));
        assert!(html.contains("<em>Review and edit"));
    }

    #[test]
    fn qa_note_lists_dimensions_and_coaching() {
        let qa = EvaluateResponse {
            overall_score: 0.82,
            dimensions: BTreeMap::from([("empathy".into(), 0.9), ("first_reply".into(), 0.755)]),
            coaching_notes: vec!["Say <sorry> & mean it".into()],
        };
        let html = qa_note(&qa);
        assert!(html.starts_with(
            "<p><strong>QA Score: 82%</strong></p><ul><li>Empathy: 90%</li><li>First reply: 76%</li></ul>"
        ));
        assert!(html.contains("<li>Say &lt;sorry&gt; &amp; mean it</li>"));
    }
}

//! Shadow mode's side of a job: the "the bridge would set" block appended to the draft note
//! (what live mode would have written to the ticket and its requester), and the metric that
//! counts the writes shadow mode held back. Every value in the block is escaped: the fields
//! and tags hold Simpli's words.

use std::fmt::Write as _;

use serde_json::{Map, Value};

use super::notes::escape_text;
use crate::clients::freshdesk::TicketUpdate;

/// The block's bold title.
pub const WOULD_SET_TITLE: &str = "Shadow mode: the bridge would set";

fn priority_name(p: i64) -> &'static str {
    match p {
        1 => "Low",
        2 => "Medium",
        3 => "High",
        4 => "Urgent",
        _ => "?",
    }
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// `<p><strong>title</strong></p><ul>…</ul>`: one item per value the ticket PUT and the
/// contact PUT would have carried.
pub fn would_set_block(update: &TicketUpdate, contact_fields: &Map<String, Value>) -> String {
    let mut items = Vec::new();
    if let Some(p) = update.priority {
        items.push(format!("Priority: {} ({p})", priority_name(p)));
    }
    if let Some(t) = &update.ticket_type {
        items.push(format!("Type: {t}"));
    }
    if let Some(g) = update.group_id {
        items.push(format!("Group: {g}"));
    }
    for (name, value) in &update.custom_fields {
        items.push(format!("Ticket field {name}: {}", text(value)));
    }
    if let Some(tags) = &update.tags {
        items.push(format!("Tags: {}", tags.join(", ")));
    }
    for (name, value) in contact_fields {
        items.push(format!("Contact field {name}: {}", text(value)));
    }
    if items.is_empty() {
        items.push("nothing: the ticket already holds every value".into());
    }
    let mut html = format!("<p><strong>{WOULD_SET_TITLE}</strong></p><ul>");
    for item in items {
        let _ = write!(html, "<li>{}</li>", escape_text(&item));
    }
    html.push_str("</ul>");
    html
}

/// Counts the writes shadow mode held back (metric `ShadowSkippedWrites` by event) and logs
/// them at INFO (what, never the values).
pub fn record_skipped(event: &str, writes: &[&str]) {
    tracing::info!(mode = "shadow", skipped = ?writes, "shadow mode: writes held back");
    crate::obs::metrics::emit_shadow_skipped(event, writes.len() as u64);
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_block_lists_every_value_escaped() {
        let mut update = TicketUpdate {
            priority: Some(3),
            ticket_type: Some("Refund".into()),
            group_id: Some(42),
            tags: Some(vec!["returns".into(), "ai-category:<b>".into()]),
            ..Default::default()
        };
        update.custom_fields.insert("cf_ai_confidence".into(), json!("0.87"));
        let mut contact = Map::new();
        contact.insert("sentiment_score".into(), json!("negative & \"angry\""));
        let html = would_set_block(&update, &contact);
        assert!(html.starts_with("<p><strong>Shadow mode: the bridge would set</strong></p><ul>"));
        for item in [
            "<li>Priority: High (3)</li>",
            "<li>Type: Refund</li>",
            "<li>Group: 42</li>",
            "<li>Ticket field cf_ai_confidence: 0.87</li>",
            "<li>Tags: returns, ai-category:&lt;b&gt;</li>",
            "<li>Contact field sentiment_score: negative &amp; &quot;angry&quot;</li>",
        ] {
            assert!(html.contains(item), "{item} in {html}");
        }
        assert!(!html.contains("<b>"));
    }

    #[test]
    fn nothing_to_set_says_so_and_the_metric_counts_writes() {
        let html = would_set_block(&TicketUpdate::default(), &Map::new());
        assert!(html.contains("<li>nothing: the ticket already holds every value</li>"));
        let d = crate::obs::metrics::document(
            &crate::obs::metrics::SHADOW_SKIPPED,
            "stack",
            &["customer-replied"],
            &[2],
            1,
        );
        assert_eq!(d["ShadowSkippedWrites"], 2);
        assert_eq!(
            d["_aws"]["CloudWatchMetrics"][0]["Metrics"][0]["Name"],
            "ShadowSkippedWrites"
        );
    }
}

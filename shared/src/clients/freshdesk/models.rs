//! Freshdesk API v2 models: only what the bridge reads, tolerant of missing and extra fields.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

/// Ticket `source` codes that map to a Sentiment channel.
pub mod source {
    pub const EMAIL: i64 = 1;
    pub const PORTAL: i64 = 2;
    pub const PHONE: i64 = 3;
    pub const FORUM: i64 = 4;
    pub const TWITTER: i64 = 5;
    pub const FACEBOOK: i64 = 6;
    pub const CHAT: i64 = 7;
    pub const FEEDBACK_WIDGET: i64 = 9;
    pub const OUTBOUND_EMAIL: i64 = 10;
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct Ticket {
    pub id: u64,
    #[serde(default, deserialize_with = "null_as_default")]
    pub subject: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description_text: String,
    #[serde(default)]
    pub status: i64,
    #[serde(default)]
    pub priority: i64,
    #[serde(default)]
    pub source: i64,
    #[serde(default, rename = "type")]
    pub ticket_type: Option<String>,
    #[serde(default)]
    pub requester_id: Option<u64>,
    #[serde(default)]
    pub responder_id: Option<u64>,
    #[serde(default)]
    pub group_id: Option<u64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub custom_fields: Map<String, Value>,
    #[serde(default)]
    pub deleted: bool,
    #[serde(default)]
    pub spam: bool,
    #[serde(default)]
    pub stats: Option<TicketStats>,
    #[serde(default)]
    pub updated_at: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

impl Ticket {
    /// The customer's text: plain description, else the subject. Empty when both are.
    pub fn customer_text(&self) -> String {
        let text = self.description_text.trim();
        if !text.is_empty() {
            return text.to_string();
        }
        let from_html = crate::job::text::html_to_text(&self.description);
        if !from_html.trim().is_empty() {
            return from_html.trim().to_string();
        }
        self.subject.trim().to_string()
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct TicketStats {
    #[serde(default)]
    pub resolved_at: Option<String>,
    #[serde(default)]
    pub closed_at: Option<String>,
    /// When the customer last wrote (null while the ticket has only its description).
    #[serde(default)]
    pub requester_responded_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct Conversation {
    pub id: u64,
    #[serde(default, deserialize_with = "null_as_default")]
    pub body: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub body_text: String,
    #[serde(default)]
    pub incoming: bool,
    #[serde(default)]
    pub private: bool,
    #[serde(default)]
    pub source: i64,
    #[serde(default)]
    pub user_id: Option<u64>,
    #[serde(default)]
    pub created_at: Option<String>,
}

impl Conversation {
    /// A public message from the customer.
    pub fn is_public_incoming(&self) -> bool {
        self.incoming && !self.private
    }
    /// A public reply by an agent (`source` 0 = reply).
    pub fn is_public_agent_reply(&self) -> bool {
        !self.incoming && !self.private && self.source == 0
    }
}

#[derive(Debug, Clone, Deserialize, Default)]
pub struct Contact {
    pub id: u64,
    #[serde(default, deserialize_with = "null_as_default")]
    pub custom_fields: Map<String, Value>,
}

/// One entry of `GET /ticket_fields` or `GET /contact_fields`.
#[derive(Debug, Clone, Deserialize)]
pub struct FieldDef {
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub label: String,
    #[serde(default, rename = "type", deserialize_with = "null_as_default")]
    pub field_type: String,
    #[serde(default)]
    pub choices: Option<Value>,
}

impl FieldDef {
    /// Dropdown choices as strings; choices arrive as strings, `{id,value,position}` objects, or
    /// (status, nested fields) a map whose keys are the values.
    pub fn choice_values(&self) -> Vec<String> {
        match &self.choices {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|c| match c {
                    Value::String(s) => Some(s.clone()),
                    Value::Object(o) => o.get("value").and_then(Value::as_str).map(str::to_string),
                    _ => None,
                })
                .collect(),
            Some(Value::Object(map)) => map.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Category {
    pub id: u64,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Folder {
    pub id: u64,
    #[serde(default, deserialize_with = "null_as_default")]
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Article {
    pub id: u64,
    #[serde(default, deserialize_with = "null_as_default")]
    pub title: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub description_text: String,
    #[serde(default)]
    pub status: i64,
    #[serde(default, deserialize_with = "null_as_default")]
    pub tags: Vec<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub updated_at: String,
}

impl Article {
    pub const PUBLISHED: i64 = 2;
}

/// A partial ticket update: only the keys that are set are sent.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct TicketUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub priority: Option<i64>,
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub ticket_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub custom_fields: Map<String, Value>,
}

impl TicketUpdate {
    pub fn is_empty(&self) -> bool {
        *self == TicketUpdate::default()
    }
}

/// `existing ∪ added`, keeping the existing order and never dropping a tag.
/// The tag a ticket gets when the customer's escalation risk reaches `ESCALATION_THRESHOLD`
/// (ticket-created and customer-replied both set it).
pub const TAG_ESCALATION: &str = "escalation-risk:high";

pub fn merge_tags(existing: &[String], added: &[String]) -> Vec<String> {
    let mut out = existing.to_vec();
    for tag in added {
        if !out.iter().any(|t| t.eq_ignore_ascii_case(tag)) {
            out.push(tag.clone());
        }
    }
    out
}

/// `null` reads as the type's default (empty string, empty list...), as a missing field does.
pub(crate) fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn ticket_tolerates_nulls_missing_and_extra_fields() {
        let t: Ticket = serde_json::from_value(json!({
            "id": 7, "subject": null, "tags": null, "custom_fields": null, "type": null,
            "brand_new_field": {"x": 1}
        }))
        .unwrap();
        assert_eq!(t.id, 7);
        assert!(t.tags.is_empty() && t.subject.is_empty() && t.ticket_type.is_none());
    }

    #[test]
    fn choices_in_every_shape() {
        let f = |choices| FieldDef {
            name: "x".into(),
            label: "X".into(),
            field_type: "custom_dropdown".into(),
            choices: Some(choices),
        };
        assert_eq!(f(json!(["a", "b"])).choice_values(), ["a", "b"]);
        assert_eq!(
            f(json!([{"id": 1, "value": "low", "position": 1}])).choice_values(),
            ["low"]
        );
        assert_eq!(
            f(json!({"Open": [2], "Pending": [3]})).choice_values(),
            ["Open", "Pending"]
        );
    }

    #[test]
    fn tags_merge_without_loss_or_duplicates() {
        let merged = merge_tags(
            &["returns".into(), "vip".into()],
            &["vip".into(), "ai-category:billing".into()],
        );
        assert_eq!(merged, ["returns", "vip", "ai-category:billing"]);
    }

    #[test]
    fn update_serialises_only_set_keys() {
        let u = TicketUpdate {
            priority: Some(3),
            ..Default::default()
        };
        assert_eq!(serde_json::to_value(&u).unwrap(), json!({"priority": 3}));
        assert!(TicketUpdate::default().is_empty());
    }
}

//! Account discovery: ticket types, dropdown choices and the API names of the AI custom fields,
//! read once per container from `/ticket_fields` and `/contact_fields` (lazily, on the first job).

use super::models::FieldDef;
use crate::setup::config::FieldOverrides;

/// What the bridge knows about a custom field it writes.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldSpec {
    pub name: String,
    pub kind: FieldKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum FieldKind {
    Text,
    Number,
    Decimal,
    Dropdown(Vec<String>),
}

impl FieldSpec {
    fn from_def(def: &FieldDef) -> Self {
        let t = def
            .field_type
            .trim_start_matches("custom_")
            .trim_start_matches("default_");
        let kind = match t {
            "number" => FieldKind::Number,
            "decimal" => FieldKind::Decimal,
            "dropdown" => FieldKind::Dropdown(def.choice_values()),
            _ => FieldKind::Text,
        };
        Self {
            name: def.name.clone(),
            kind,
        }
    }
}

impl FieldKind {
    /// The type's name in logs.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Number => "number",
            Self::Decimal => "decimal",
            Self::Dropdown(_) => "dropdown",
        }
    }
}

/// The account facts every job needs, cached for the container's life.
#[derive(Debug, Clone, Default)]
pub struct AccountInfo {
    pub ticket_types: Vec<String>,
    pub ai_category: Option<FieldSpec>,
    pub ai_urgency: Option<FieldSpec>,
    pub ai_confidence: Option<FieldSpec>,
    pub sentiment_score: Option<FieldSpec>,
    pub escalation_risk: Option<FieldSpec>,
}

impl AccountInfo {
    pub fn from_fields(ticket_fields: &[FieldDef], contact_fields: &[FieldDef], overrides: &FieldOverrides) -> Self {
        let ticket_types = ticket_fields
            .iter()
            .find(|f| f.name == "ticket_type" || f.field_type == "default_ticket_type")
            .map(FieldDef::choice_values)
            .unwrap_or_default();
        let info = Self {
            ticket_types,
            ai_category: resolve(ticket_fields, overrides.ai_category.as_deref(), "AI Category"),
            ai_urgency: resolve(ticket_fields, overrides.ai_urgency.as_deref(), "AI Urgency"),
            ai_confidence: resolve(ticket_fields, overrides.ai_confidence.as_deref(), "AI Confidence"),
            sentiment_score: resolve(contact_fields, overrides.sentiment_score.as_deref(), "Sentiment Score"),
            escalation_risk: resolve(contact_fields, overrides.escalation_risk.as_deref(), "Escalation Risk"),
        };
        for (label, spec) in [
            ("AI Category", &info.ai_category),
            ("AI Urgency", &info.ai_urgency),
            ("AI Confidence", &info.ai_confidence),
            ("Sentiment Score", &info.sentiment_score),
            ("Escalation Risk", &info.escalation_risk),
        ] {
            if spec.is_none() {
                tracing::warn!(
                    field = label,
                    "custom field not found in the account and not configured; it is left out of every write"
                );
            }
        }
        info
    }

    /// The account's spelling of `wanted` if it is one of its ticket types.
    pub fn ticket_type(&self, wanted: &str) -> Option<String> {
        self.ticket_types
            .iter()
            .find(|t| t.eq_ignore_ascii_case(wanted.trim()))
            .cloned()
    }
}

fn normalise(label: &str) -> String {
    label.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// An override names the field (its type still comes from discovery when listed); otherwise the
/// field is found by label, case- and whitespace-insensitively.
fn resolve(fields: &[FieldDef], override_name: Option<&str>, label: &str) -> Option<FieldSpec> {
    if let Some(name) = override_name {
        return Some(
            fields
                .iter()
                .find(|f| f.name == name)
                .map(FieldSpec::from_def)
                .unwrap_or(FieldSpec {
                    name: name.to_string(),
                    kind: FieldKind::Text,
                }),
        );
    }
    let wanted = normalise(label);
    fields
        .iter()
        .find(|f| normalise(&f.label) == wanted)
        .map(FieldSpec::from_def)
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;

    fn defs(v: Value) -> Vec<FieldDef> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn ticket_types_and_fields_are_found_by_label_whatever_their_api_names() {
        let tf = defs(json!([
            {"name": "ticket_type", "label": "Type", "type": "default_ticket_type", "choices": ["Question", "Refund"]},
            {"name": "cf_ai_category_1", "label": "AI  category ", "type": "custom_text"},
            {"name": "cf_ai_urgency", "label": "AI Urgency", "type": "custom_dropdown",
             "choices": [{"id": 1, "value": "Low", "position": 1}, {"id": 2, "value": "Urgent", "position": 2}]},
            {"name": "cf_ai_confidence2931", "label": "AI Confidence", "type": "custom_decimal"}
        ]));
        let cf = defs(json!([{"name": "sentiment_score", "label": "Sentiment Score", "type": "custom_number"}]));
        let info = AccountInfo::from_fields(&tf, &cf, &FieldOverrides::default());
        assert_eq!(info.ticket_type("refund").as_deref(), Some("Refund"));
        assert_eq!(info.ticket_type("Billing"), None);
        assert_eq!(info.ai_category.as_ref().unwrap().name, "cf_ai_category_1");
        assert_eq!(
            info.ai_urgency.unwrap().kind,
            FieldKind::Dropdown(vec!["Low".into(), "Urgent".into()])
        );
        assert_eq!(info.ai_confidence.unwrap().kind, FieldKind::Decimal);
        assert_eq!(info.sentiment_score.unwrap().kind, FieldKind::Number);
        assert!(info.escalation_risk.is_none(), "a missing field is left out");
    }

    #[test]
    fn an_override_names_the_field_and_its_type_still_comes_from_the_account() {
        let tf = defs(json!([{"name": "cf_conf", "label": "Something else", "type": "custom_decimal"}]));
        let o = FieldOverrides {
            ai_confidence: Some("cf_conf".into()),
            ai_category: Some("cf_unlisted".into()),
            ..Default::default()
        };
        let info = AccountInfo::from_fields(&tf, &[], &o);
        let confidence = info.ai_confidence.unwrap();
        assert_eq!(
            (confidence.name.as_str(), confidence.kind),
            ("cf_conf", FieldKind::Decimal)
        );
        let category = info.ai_category.unwrap();
        assert_eq!(
            (category.name.as_str(), category.kind),
            ("cf_unlisted", FieldKind::Text)
        );
    }
}

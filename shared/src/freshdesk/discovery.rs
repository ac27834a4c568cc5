//! Account discovery: ticket types, dropdown choices and the API names of the AI custom fields,
//! read once per container from `/ticket_fields` and `/contact_fields` (lazily, on the first job).

use serde_json::{json, Map, Value};

use super::models::FieldDef;
use crate::config::FieldOverrides;

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

    /// A score in the field's own type: text → `"0.87"`, number/decimal → a number.
    /// Number fields hold integers, so a 0..1 score is sent as a whole percentage there.
    pub fn score_value(&self, score: f64) -> Option<Value> {
        let rounded = (score * 100.0).round() / 100.0;
        match &self.kind {
            FieldKind::Text => Some(json!(format!("{rounded:.2}"))),
            FieldKind::Decimal => Some(json!(rounded)),
            FieldKind::Number => Some(json!((score * 100.0).round() as i64)),
            FieldKind::Dropdown(_) => self.choice_value(&format!("{rounded:.2}")),
        }
    }

    /// A string value; for a dropdown only if it is one of the choices (matched
    /// case-insensitively, written exactly as the account spells it).
    pub fn choice_value(&self, wanted: &str) -> Option<Value> {
        match &self.kind {
            FieldKind::Dropdown(choices) => choices
                .iter()
                .find(|c| c.trim().eq_ignore_ascii_case(wanted.trim()))
                .map(|c| json!(c)),
            FieldKind::Text => Some(json!(wanted)),
            FieldKind::Number | FieldKind::Decimal => wanted.parse::<f64>().ok().map(|n| json!(n)),
        }
    }

    pub fn offers(&self, choice: &str) -> bool {
        matches!(&self.kind, FieldKind::Dropdown(c) if c.iter().any(|x| x.eq_ignore_ascii_case(choice)))
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

    /// The contact's sentiment fields, each in its own type (empty when none is configured).
    pub fn sentiment_fields(&self, score: f64, escalation_risk: f64) -> Map<String, Value> {
        let mut fields = Map::new();
        if let Some(spec) = &self.sentiment_score {
            insert_or_log(&mut fields, &spec.name, spec.score_value(score), "sentiment score");
        }
        if let Some(spec) = &self.escalation_risk {
            insert_or_log(
                &mut fields,
                &spec.name,
                spec.score_value(escalation_risk),
                "escalation risk",
            );
        }
        fields
    }

    /// The account's spelling of `wanted` if it is one of its ticket types.
    pub fn ticket_type(&self, wanted: &str) -> Option<String> {
        self.ticket_types
            .iter()
            .find(|t| t.eq_ignore_ascii_case(wanted.trim()))
            .cloned()
    }
}

/// Adds `name = value` to a write, or leaves it out (with a warning) when the value is not
/// acceptable for the field: a bad dropdown value must never fail the whole PUT.
pub fn insert_or_log(fields: &mut Map<String, Value>, name: &str, value: Option<Value>, wanted: &str) {
    match value {
        Some(v) => {
            fields.insert(name.to_string(), v);
        }
        None => tracing::warn!(
            field = name,
            value = wanted,
            "value is not one of the field's choices; left out of the write"
        ),
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
    use super::*;

    fn defs(v: Value) -> Vec<FieldDef> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn discovers_types_and_fields_by_label() {
        let tf = defs(json!([
            {"name": "ticket_type", "label": "Type", "type": "default_ticket_type", "choices": ["Question", "Refund"]},
            {"name": "cf_ai_category", "label": "AI  category ", "type": "custom_text"},
            {"name": "cf_ai_urgency", "label": "AI Urgency", "type": "custom_dropdown",
             "choices": [{"id": 1, "value": "Low", "position": 1}, {"id": 2, "value": "Urgent", "position": 2}]},
            {"name": "cf_ai_confidence2931", "label": "AI Confidence", "type": "custom_decimal"}
        ]));
        let cf = defs(json!([{"name": "sentiment_score", "label": "Sentiment Score", "type": "custom_number"}]));
        let info = AccountInfo::from_fields(&tf, &cf, &FieldOverrides::default());
        assert_eq!(info.ticket_type("refund").as_deref(), Some("Refund"));
        assert_eq!(info.ticket_type("Billing"), None);
        assert_eq!(info.ai_category.as_ref().unwrap().name, "cf_ai_category");
        let urgency = info.ai_urgency.unwrap();
        assert!(urgency.offers("urgent") && !urgency.offers("critical"));
        assert_eq!(urgency.choice_value("urgent"), Some(json!("Urgent")));
        assert_eq!(urgency.choice_value("unknown"), None);
        assert_eq!(info.ai_confidence.unwrap().score_value(0.8712), Some(json!(0.87)));
        assert_eq!(info.sentiment_score.unwrap().score_value(-0.62), Some(json!(-62)));
        assert!(info.escalation_risk.is_none());
    }

    #[test]
    fn overrides_win_and_text_fields_get_two_place_strings() {
        let tf = defs(json!([{"name": "cf_conf", "label": "Something else", "type": "custom_text"}]));
        let o = FieldOverrides {
            ai_confidence: Some("cf_conf".into()),
            ..Default::default()
        };
        let info = AccountInfo::from_fields(&tf, &[], &o);
        assert_eq!(info.ai_confidence.unwrap().score_value(0.8), Some(json!("0.80")));
    }
}

//! The value each AI custom field gets, by the type the account gave it.
//!
//! The integration guide's set-up makes AI Category, AI Urgency and Sentiment Score dropdowns
//! (Sentiment Score of `positive, neutral, negative`) and AI Confidence and Escalation Risk
//! single-line text. Accounts may have chosen other types, so the value follows the field's
//! discovered type: a dropdown takes the wanted text only if it is one of its choices, a text
//! field takes it as text, a decimal field the score, a number field (integers only) the
//! score × 100, rounded. A value a field cannot take is left out of that write, logged and
//! counted (`FieldLeftOut`, also for a field the account lacks): one
//! unsuitable field must never make the whole PUT fail.

use serde_json::{json, Map, Value};

use super::discovery::{AccountInfo, FieldKind, FieldSpec};
use crate::clients::simpli::models::{Classification, SentimentResult};

/// What the bridge has to say in one field: the text a dropdown or text field takes (a label,
/// a category, or a score written `"0.87"`) and, for score-like fields, the score a numeric
/// field takes.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldInput {
    pub text: String,
    pub score: Option<f64>,
}

impl FieldInput {
    /// A word (category, urgency): numeric fields cannot hold it.
    pub fn word(text: &str) -> Self {
        Self {
            text: text.trim().to_string(),
            score: None,
        }
    }

    /// A 0..1 score: text and dropdowns get it as a two-place string.
    pub fn score(score: f64) -> Self {
        Self {
            text: format!("{:.2}", round2(score)),
            score: Some(score),
        }
    }

    /// A label standing for a score (Sentiment's `label` and `score`).
    pub fn labelled(label: &str, score: f64) -> Self {
        Self {
            text: label.trim().to_string(),
            score: Some(score),
        }
    }
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

impl FieldSpec {
    /// The value this field takes for `input`, or `None` when it cannot hold it.
    pub fn value(&self, input: &FieldInput) -> Option<Value> {
        match &self.kind {
            FieldKind::Dropdown(choices) => choices
                .iter()
                .find(|c| c.trim().eq_ignore_ascii_case(&input.text))
                .map(|c| json!(c)),
            FieldKind::Text => (!input.text.is_empty()).then(|| json!(input.text)),
            FieldKind::Decimal => input.score.map(|s| json!(round2(s))),
            FieldKind::Number => input.score.map(|s| json!((s * 100.0).round() as i64)),
        }
    }

    /// Whether the field is a dropdown offering `choice` (case-insensitive).
    pub fn offers(&self, choice: &str) -> bool {
        matches!(&self.kind, FieldKind::Dropdown(c) if c.iter().any(|x| x.trim().eq_ignore_ascii_case(choice)))
    }
}

impl AccountInfo {
    /// The ticket's AI fields for a classification (empty when none is configured).
    pub fn triage_fields(&self, class: &Classification) -> Map<String, Value> {
        let mut fields = Map::new();
        if !class.category.trim().is_empty() {
            put(
                &mut fields,
                "AI Category",
                &self.ai_category,
                &FieldInput::word(&class.category),
            );
        }
        if !class.urgency.trim().is_empty() {
            let urgency = class.urgency.trim().to_ascii_lowercase();
            // Both words mean the top urgency: write whichever of the two the dropdown offers.
            let wanted = match (urgency.as_str(), &self.ai_urgency) {
                ("critical" | "urgent", Some(spec)) => ["critical", "urgent"]
                    .into_iter()
                    .find(|c| spec.offers(c))
                    .unwrap_or(urgency.as_str()),
                (other, _) => other,
            };
            put(&mut fields, "AI Urgency", &self.ai_urgency, &FieldInput::word(wanted));
        }
        put(
            &mut fields,
            "AI Confidence",
            &self.ai_confidence,
            &FieldInput::score(class.confidence),
        );
        fields
    }

    /// The contact's sentiment fields (empty when none is configured): Sentiment Score gets
    /// the label (or, in a numeric field, the score), Escalation Risk the risk.
    pub fn sentiment_fields(&self, sentiment: &SentimentResult) -> Map<String, Value> {
        let mut fields = Map::new();
        put(
            &mut fields,
            "Sentiment Score",
            &self.sentiment_score,
            &FieldInput::labelled(&sentiment.label, sentiment.score),
        );
        put(
            &mut fields,
            "Escalation Risk",
            &self.escalation_risk,
            &FieldInput::score(sentiment.escalation_risk),
        );
        fields
    }
}

/// Adds the field's value to a write, or leaves the field out, counted in `FieldLeftOut` by
/// its `label`: a field the account lacks, or one that cannot take the value (then with a
/// warning naming it and its type, never the value: a free-text label is Simpli's output, not
/// ours to log; a missing field is logged once per container by discovery).
fn put(fields: &mut Map<String, Value>, label: &str, spec: &Option<FieldSpec>, input: &FieldInput) {
    let Some(spec) = spec else {
        crate::obs::metrics::emit_field_left_out(label);
        return;
    };
    match spec.value(input) {
        Some(v) => {
            fields.insert(spec.name.clone(), v);
        }
        None => {
            tracing::warn!(
                field = %spec.name,
                kind = spec.kind.name(),
                "the field cannot take this value (not one of its choices, or not a number); left out of the write"
            );
            crate::obs::metrics::emit_field_left_out(label);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(kind: FieldKind) -> Option<FieldSpec> {
        Some(FieldSpec { name: "f".into(), kind })
    }

    fn dropdown(choices: &[&str]) -> FieldKind {
        FieldKind::Dropdown(choices.iter().map(|c| c.to_string()).collect())
    }

    fn sentiment(label: &str, score: f64, risk: f64) -> SentimentResult {
        SentimentResult {
            score,
            label: label.into(),
            escalation_risk: risk,
            triggers: vec![],
        }
    }

    fn contact_account(score: FieldKind, risk: FieldKind) -> AccountInfo {
        AccountInfo {
            sentiment_score: Some(FieldSpec {
                name: "sentiment_score".into(),
                kind: score,
            }),
            escalation_risk: Some(FieldSpec {
                name: "escalation_risk".into(),
                kind: risk,
            }),
            ..Default::default()
        }
    }

    #[test]
    fn the_guides_contact_fields_get_the_label_and_the_risk_as_a_two_place_string() {
        let account = contact_account(dropdown(&["Positive", "Neutral", "Negative"]), FieldKind::Text);
        let fields = account.sentiment_fields(&sentiment("negative", -0.62, 0.654));
        assert_eq!(
            Value::Object(fields),
            json!({"sentiment_score": "Negative", "escalation_risk": "0.65"})
        );
    }

    #[test]
    fn numeric_sentiment_fields_get_the_score_not_the_label() {
        let number = contact_account(FieldKind::Number, FieldKind::Number);
        assert_eq!(
            Value::Object(number.sentiment_fields(&sentiment("negative", -0.625, 0.8))),
            json!({"sentiment_score": -63, "escalation_risk": 80})
        );
        let decimal = contact_account(FieldKind::Decimal, FieldKind::Decimal);
        assert_eq!(
            Value::Object(decimal.sentiment_fields(&sentiment("negative", -0.6212, 0.8))),
            json!({"sentiment_score": -0.62, "escalation_risk": 0.8})
        );
    }

    #[test]
    fn a_text_sentiment_score_field_gets_the_label() {
        let account = contact_account(FieldKind::Text, FieldKind::Text);
        assert_eq!(
            account.sentiment_fields(&sentiment("neutral", 0.05, 0.1))["sentiment_score"],
            json!("neutral")
        );
    }

    #[test]
    fn a_value_that_is_not_a_choice_leaves_only_that_field_out() {
        let account = contact_account(
            dropdown(&["positive", "neutral", "negative"]),
            dropdown(&["low", "high"]),
        );
        let fields = account.sentiment_fields(&sentiment("mixed", 0.0, 0.5));
        assert!(fields.is_empty(), "{fields:?}");
        let account = contact_account(dropdown(&["positive", "neutral", "negative"]), FieldKind::Text);
        let fields = account.sentiment_fields(&sentiment("mixed", 0.0, 0.5));
        assert_eq!(Value::Object(fields), json!({"escalation_risk": "0.50"}));
    }

    fn class(category: &str, urgency: &str, confidence: f64) -> Classification {
        Classification {
            category: category.into(),
            urgency: urgency.into(),
            sentiment: None,
            confidence,
        }
    }

    #[test]
    fn the_guides_ticket_fields_get_the_category_the_urgency_and_a_two_place_confidence() {
        let account = AccountInfo {
            ai_category: spec(dropdown(&["Billing", "technical_issue"])),
            ai_urgency: spec(dropdown(&["low", "medium", "high", "critical"])),
            ai_confidence: spec(FieldKind::Text),
            ..Default::default()
        };
        let mut one = account.clone();
        one.ai_urgency = None;
        one.ai_confidence = None;
        assert_eq!(
            one.triage_fields(&class("billing", "high", 0.8712))["f"],
            json!("Billing")
        );
        let mut urgency = account.clone();
        urgency.ai_category = None;
        urgency.ai_confidence = None;
        assert_eq!(
            urgency.triage_fields(&class("x", "Urgent", 0.9))["f"],
            json!("critical")
        );
        let mut confidence = account;
        confidence.ai_category = None;
        confidence.ai_urgency = None;
        assert_eq!(confidence.triage_fields(&class("x", "low", 0.8712))["f"], json!("0.87"));
    }

    #[test]
    fn critical_becomes_urgent_where_the_dropdown_offers_only_urgent() {
        let s = spec(dropdown(&["low", "medium", "high", "urgent"]));
        let account = AccountInfo {
            ai_urgency: s,
            ..Default::default()
        };
        assert_eq!(account.triage_fields(&class("", "critical", 0.9))["f"], json!("urgent"));
    }

    #[test]
    fn a_word_is_left_out_of_a_numeric_field_and_a_score_fits_every_type() {
        let number = spec(FieldKind::Number).unwrap();
        assert_eq!(number.value(&FieldInput::word("billing")), None);
        assert_eq!(number.value(&FieldInput::score(0.874)), Some(json!(87)));
        assert_eq!(
            spec(FieldKind::Decimal).unwrap().value(&FieldInput::score(0.874)),
            Some(json!(0.87))
        );
        assert_eq!(
            spec(FieldKind::Text).unwrap().value(&FieldInput::score(0.8)),
            Some(json!("0.80"))
        );
        assert_eq!(
            spec(dropdown(&["0.80"])).unwrap().value(&FieldInput::score(0.8)),
            Some(json!("0.80"))
        );
        assert_eq!(spec(FieldKind::Text).unwrap().value(&FieldInput::word("  ")), None);
    }
}

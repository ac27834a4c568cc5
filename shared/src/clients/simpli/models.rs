//! Simpli request and response bodies. Responses ignore unknown fields and default the optional
//! ones; a `null` counts as absent everywhere, since FastAPI writes unset `Optional` fields as
//! `null` rather than leaving them out.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use crate::clients::freshdesk::models::null_as_default;

#[derive(Debug, Clone, Serialize)]
pub struct ClassifyRequest<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub metadata: Value,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
pub struct Classification {
    #[serde(default, deserialize_with = "null_as_default")]
    pub category: String,
    #[serde(default, deserialize_with = "null_as_default")]
    pub urgency: String,
    #[serde(default)]
    pub sentiment: Option<String>,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub confidence: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct RouteRequest<'a> {
    pub ticket_id: String,
    pub category: &'a str,
    pub urgency: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sentiment: Option<&'a str>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
pub struct Routing {
    #[serde(default, deserialize_with = "lenient_u64")]
    pub group_id: Option<u64>,
    #[serde(default)]
    pub team: Option<String>,
    #[serde(default)]
    pub reason: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Message {
    pub role: Role,
    pub content: String,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Customer,
    Agent,
    System,
}

#[derive(Debug, Clone, Serialize)]
pub struct DraftRequest<'a> {
    pub ticket_id: String,
    pub conversation: Vec<Message>,
    pub style: &'a str,
    pub language: &'a str,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
pub struct DraftResponse {
    #[serde(default)]
    pub draft_id: Option<String>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub draft: String,
    #[serde(default, deserialize_with = "lenient_opt_f64")]
    pub confidence: Option<f64>,
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AnalyzeRequest {
    pub customer_id: String,
    pub text: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<&'static str>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
pub struct SentimentResult {
    #[serde(default, deserialize_with = "lenient_f64")]
    pub score: f64,
    #[serde(default, deserialize_with = "null_as_default")]
    pub label: String,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub escalation_risk: f64,
    #[serde(default, deserialize_with = "null_as_default")]
    pub triggers: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EvaluateRequest {
    pub conversation_id: String,
    pub agent_id: String,
    pub messages: Vec<Message>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
pub struct EvaluateResponse {
    #[serde(default, deserialize_with = "lenient_f64")]
    pub overall_score: f64,
    #[serde(default, deserialize_with = "scores")]
    pub dimensions: BTreeMap<String, f64>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub coaching_notes: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct KbArticle<'a> {
    pub title: &'a str,
    pub content: &'a str,
    pub tags: &'a [String],
    pub source: &'static str,
}

/// Numbers may arrive as strings; null counts as missing.
fn lenient_opt_f64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

fn lenient_f64<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(lenient_opt_f64(d)?.unwrap_or(0.0))
}

/// A name → score map whose `null` (or non-numeric) scores are left out.
fn scores<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<String, f64>, D::Error> {
    let raw: Option<BTreeMap<String, Value>> = Option::deserialize(d)?;
    Ok(raw
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(name, v)| {
            let score = match v {
                Value::Number(n) => n.as_f64(),
                Value::String(s) => s.trim().parse().ok(),
                _ => None,
            }?;
            Some((name, score))
        })
        .collect())
}

fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse<T: serde::de::DeserializeOwned>(v: Value) -> T {
        serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{v}: {e}"))
    }

    #[test]
    fn null_in_any_optional_field_reads_as_absent() {
        let c: Classification =
            parse(json!({"category": null, "urgency": null, "sentiment": null, "confidence": null}));
        assert_eq!(c, Classification::default());
        let r: Routing = parse(json!({"group_id": null, "team": null, "reason": null, "agent": null}));
        assert_eq!(r, Routing::default());
        let d: DraftResponse = parse(
            json!({"draft_id": null, "draft": null, "confidence": null, "language": null, "suggested_template": null}),
        );
        assert_eq!(d, DraftResponse::default());
        let s: SentimentResult =
            parse(json!({"score": null, "label": null, "escalation_risk": null, "triggers": null}));
        assert_eq!(s, SentimentResult::default());
        let q: EvaluateResponse =
            parse(json!({"overall_score": 0.8, "dimensions": {"empathy": null, "tone": 0.5}, "coaching_notes": null}));
        assert_eq!(q.dimensions, BTreeMap::from([("tone".to_string(), 0.5)]));
        assert!(q.coaching_notes.is_empty());
        let q: EvaluateResponse = parse(json!({"overall_score": 0.8, "dimensions": null}));
        assert!(q.dimensions.is_empty());
    }
}

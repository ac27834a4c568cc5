//! Simpli request and response bodies. Responses ignore unknown fields and default the optional ones.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

#[derive(Debug, Clone, Serialize)]
pub struct ClassifyRequest<'a> {
    pub subject: &'a str,
    pub body: &'a str,
    pub metadata: Value,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq)]
pub struct Classification {
    #[serde(default)]
    pub category: String,
    #[serde(default)]
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
    #[serde(default)]
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
    #[serde(default)]
    pub label: String,
    #[serde(default, deserialize_with = "lenient_f64")]
    pub escalation_risk: f64,
    #[serde(default)]
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
    #[serde(default)]
    pub dimensions: BTreeMap<String, f64>,
    #[serde(default)]
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

fn lenient_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(match Option::<Value>::deserialize(d)? {
        Some(Value::Number(n)) => n.as_u64(),
        Some(Value::String(s)) => s.trim().parse().ok(),
        _ => None,
    })
}

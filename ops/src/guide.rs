//! What the integration guide's set-up creates in a Freshdesk account: the five AI custom
//! fields (types and choices) and the three automation rules that send the webhooks. `setup`
//! creates them; `doctor` checks them.

use serde_json::{json, Value};
use shared::clients::freshdesk::discovery::{FieldKind, FieldSpec};
use shared::clients::freshdesk::field_values::FieldInput;

/// Which field list holds a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Container {
    Ticket,
    Contact,
}

impl Container {
    /// Where fields of this container are listed (`GET`).
    pub fn list_path(self) -> &'static str {
        match self {
            Self::Ticket => "ticket_fields",
            Self::Contact => "contact_fields",
        }
    }

    /// Where fields of this container are created (`POST`).
    pub fn create_path(self) -> &'static str {
        match self {
            Self::Ticket => "admin/ticket_fields",
            Self::Contact => "contact_fields",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Ticket => "ticket",
            Self::Contact => "contact",
        }
    }
}

/// The categories Triage answers (the AI Category dropdown's choices).
pub const CATEGORIES: [&str; 5] = [
    "billing",
    "technical_issue",
    "feature_request",
    "account",
    "general_inquiry",
];
pub const URGENCIES: [&str; 4] = ["low", "medium", "high", "critical"];
pub const SENTIMENT_LABELS: [&str; 3] = ["positive", "neutral", "negative"];

/// One AI custom field as the guide creates it.
#[derive(Debug, Clone, Copy)]
pub struct GuideField {
    pub label: &'static str,
    pub container: Container,
    /// Freshdesk's type, e.g. `custom_dropdown`.
    pub kind: &'static str,
    pub choices: &'static [&'static str],
}

pub const FIELDS: [GuideField; 5] = [
    GuideField {
        label: "AI Category",
        container: Container::Ticket,
        kind: "custom_dropdown",
        choices: &CATEGORIES,
    },
    GuideField {
        label: "AI Urgency",
        container: Container::Ticket,
        kind: "custom_dropdown",
        choices: &URGENCIES,
    },
    GuideField {
        label: "AI Confidence",
        container: Container::Ticket,
        kind: "custom_text",
        choices: &[],
    },
    GuideField {
        label: "Sentiment Score",
        container: Container::Contact,
        kind: "custom_dropdown",
        choices: &SENTIMENT_LABELS,
    },
    GuideField {
        label: "Escalation Risk",
        container: Container::Contact,
        kind: "custom_text",
        choices: &[],
    },
];

impl GuideField {
    /// The `POST` body that creates it.
    pub fn create_body(&self) -> Value {
        let mut body = json!({"label": self.label, "label_for_customers": self.label, "type": self.kind});
        if !self.choices.is_empty() {
            let choices: Vec<Value> = self
                .choices
                .iter()
                .zip(1u32..)
                .map(|(v, n)| json!({"value": v, "position": n}))
                .collect();
            body["choices"] = Value::Array(choices);
        }
        body
    }

    /// The guide's type in words (`dropdown`, `text`).
    pub fn kind_name(&self) -> &'static str {
        self.kind.trim_start_matches("custom_")
    }

    /// The values the bridge writes into this field, as inputs (a word, or a labelled score).
    /// A dropdown must offer each of them; for urgency `critical` or `urgent` will do.
    pub fn written(&self) -> Vec<FieldInput> {
        match self.label {
            "AI Category" => CATEGORIES.iter().map(|c| FieldInput::word(c)).collect(),
            "AI Urgency" => URGENCIES.iter().map(|u| FieldInput::word(u)).collect(),
            "Sentiment Score" => SENTIMENT_LABELS.iter().map(|l| FieldInput::labelled(l, 0.5)).collect(),
            _ => vec![FieldInput::score(0.87)],
        }
    }

    /// The written values this field cannot take (empty when it takes them all).
    pub fn refused(&self, spec: &FieldSpec) -> Vec<String> {
        self.written()
            .into_iter()
            .filter(|input| spec.value(input).is_none())
            .filter(|input| !(input.text == "critical" && spec.offers("urgent")))
            .map(|input| input.text)
            .collect()
    }

    /// What the bridge writes into a field of this discovered type, in words.
    pub fn writes_as(&self, kind: &FieldKind) -> &'static str {
        let score = matches!(self.label, "AI Confidence" | "Escalation Risk" | "Sentiment Score");
        match kind {
            FieldKind::Dropdown(_) => "the matching choice",
            FieldKind::Text if score && self.label != "Sentiment Score" => "the score as text (\"0.87\")",
            FieldKind::Text => "the word as text",
            FieldKind::Decimal => "the score (0.87)",
            FieldKind::Number => "the score × 100, rounded (87)",
        }
    }
}

/// The three webhook events and their automation rules.
#[derive(Debug, Clone, Copy)]
pub struct GuideRule {
    pub event: &'static str,
    pub name: &'static str,
    /// 1 = ticket creation, 4 = ticket updates.
    pub automation_type: u64,
}

pub const RULES: [GuideRule; 3] = [
    GuideRule {
        event: "ticket-created",
        name: "Simpli bridge: ticket created",
        automation_type: 1,
    },
    GuideRule {
        event: "customer-replied",
        name: "Simpli bridge: customer replied",
        automation_type: 4,
    },
    GuideRule {
        event: "ticket-resolved",
        name: "Simpli bridge: ticket resolved",
        automation_type: 4,
    },
];

/// The webhook body every rule sends: the ticket id only (the bridge reads the rest).
pub const WEBHOOK_CONTENT: &str = "{\"ticket_id\": {{ticket.id}}}";

impl GuideRule {
    /// `{base}/freshdesk/{event}`.
    pub fn url(&self, webhook_base: &str) -> String {
        format!("{}/freshdesk/{}", webhook_base.trim_end_matches('/'), self.event)
    }

    /// The rule's body for `POST /automations/{type}/rules`. Loop-safe: the bridge's own
    /// writes are Agent events that set no status, so they never match these rules:
    /// creation rules fire on new tickets only; "customer replied" needs the Requester as
    /// performer; "ticket resolved" needs the status to change to Resolved, which the bridge
    /// never does.
    pub fn body(&self, webhook_base: &str, secret: &str) -> Value {
        let action = json!({
            "field_name": "trigger_webhook",
            "request_type": "post",
            "url": self.url(webhook_base),
            "content_type": "json",
            "content": WEBHOOK_CONTENT,
            "custom_headers": {"X-Webhook-Secret": secret},
        });
        let mut rule = json!({"name": self.name, "position": 1, "active": true, "actions": [action]});
        match self.event {
            "ticket-created" => {
                // Creation rules need a condition; every source matches.
                rule["conditions"] =
                    conditions(json!({"field_name": "source", "operator": "in", "value": [1, 2, 3, 7, 9, 10]}));
            }
            "customer-replied" => {
                rule["performer"] = json!({"type": 2});
                rule["events"] = json!([{"field_name": "reply_sent"}]);
                rule["conditions"] = conditions(json!({"field_name": "status", "operator": "not_in", "value": [5]}));
            }
            _ => {
                rule["performer"] = json!({"type": 1});
                rule["events"] = json!([{"field_name": "status", "from": "--", "to": 4}]);
                rule["conditions"] = conditions(json!({"field_name": "status", "operator": "in", "value": [4]}));
            }
        }
        rule
    }

    /// The URL of this rule's webhook action, if it has one.
    pub fn action_url(rule: &Value) -> Option<&str> {
        rule.get("actions")?
            .as_array()?
            .iter()
            .find(|a| a.get("field_name").and_then(Value::as_str) == Some("trigger_webhook"))?
            .get("url")?
            .as_str()
    }

    /// This guide rule among an automation type's rules, by name.
    pub fn find<'a>(&self, rules: &'a [Value]) -> Option<&'a Value> {
        rules.iter().find(|r| {
            r.get("name")
                .and_then(Value::as_str)
                .is_some_and(|n| n.trim() == self.name)
        })
    }
}

fn conditions(property: Value) -> Value {
    let mut property = property;
    property["resource_type"] = json!("ticket");
    json!([{"name": "condition_set_1", "match_type": "all", "properties": [property]}])
}

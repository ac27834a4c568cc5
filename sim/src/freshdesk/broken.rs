//! Test helpers that bend a simulated account out of the shape the set-up gives it: an account
//! without the AI fields, a field of another type, a dropdown lacking a choice, a missing field
//! or rule, a rule that posts to another URL.

use serde_json::{json, Value};

use super::admin::{same_label, AI_FIELD_LABELS};
use super::fields::choice_values;
use super::FreshdeskSim;

/// Test helpers that bend an account out of the shape the set-up gives it.
impl FreshdeskSim {
    /// An empty account that lacks the five AI custom fields (what `ops setup` starts from).
    pub fn without_ai_fields(api_key: &str) -> Self {
        let sim = Self::new(api_key);
        for label in AI_FIELD_LABELS {
            sim.remove_field(label);
        }
        sim
    }

    /// Remove the ticket or contact field with this label (case-insensitive); false if absent.
    pub fn remove_field(&self, label: &str) -> bool {
        let mut st = self.state();
        let before = st.ticket_fields.len() + st.contact_fields.len();
        st.ticket_fields.retain(|f| !same_label(f, label));
        st.contact_fields.retain(|f| !same_label(f, label));
        before != st.ticket_fields.len() + st.contact_fields.len()
    }

    /// Give the field with this label another type (dropping its choices unless
    /// it stays a dropdown); false if absent.
    pub fn set_field_type(&self, label: &str, kind: &str) -> bool {
        self.edit_field(label, |f| {
            f["type"] = json!(kind);
            if kind != "custom_dropdown" {
                if let Some(o) = f.as_object_mut() {
                    o.remove("choices");
                }
            }
        })
    }

    /// Replace a dropdown's choices with these values; false if absent.
    pub fn set_field_choices(&self, label: &str, values: &[&str]) -> bool {
        self.edit_field(label, |f| {
            let id = f.get("id").and_then(Value::as_u64).unwrap_or(0);
            let choices: Vec<Value> = values
                .iter()
                .zip(1u64..)
                .map(|(v, n)| json!({"id": id * 100 + n, "value": v, "position": n}))
                .collect();
            f["choices"] = Value::Array(choices);
        })
    }

    /// The choices of the field with this label (empty if absent or not a dropdown).
    pub fn field_choices(&self, label: &str) -> Vec<String> {
        let st = self.state();
        st.ticket_fields
            .iter()
            .chain(&st.contact_fields)
            .find(|f| same_label(f, label))
            .map(choice_values)
            .unwrap_or_default()
    }

    fn edit_field(&self, label: &str, edit: impl FnOnce(&mut Value)) -> bool {
        let mut st = self.state();
        let st = &mut *st;
        match st
            .ticket_fields
            .iter_mut()
            .chain(st.contact_fields.iter_mut())
            .find(|f| same_label(f, label))
        {
            Some(f) => {
                edit(f);
                true
            }
            None => false,
        }
    }

    /// The automation rules of this type (1 creation, 3 time triggers, 4 updates).
    pub fn rules(&self, kind: u64) -> Vec<Value> {
        self.state().rules.get(&kind).cloned().unwrap_or_default()
    }

    /// Add a rule as if an admin had made it (no validation); returns its id.
    pub fn add_rule(&self, kind: u64, mut rule: Value) -> u64 {
        let mut st = self.state();
        st.next_rule_id += 1;
        let id = st.next_rule_id;
        rule["id"] = json!(id);
        rule["automation_type_id"] = json!(kind);
        st.rules.entry(kind).or_default().push(rule);
        id
    }

    /// Remove the rule with this name from every type; false if absent.
    pub fn remove_rule(&self, name: &str) -> bool {
        let mut st = self.state();
        let mut removed = false;
        for list in st.rules.values_mut() {
            let before = list.len();
            list.retain(|r| r.get("name").and_then(Value::as_str) != Some(name));
            removed |= before != list.len();
        }
        removed
    }

    /// Point every webhook action of the rule with this name at `url`; false if absent.
    pub fn set_rule_url(&self, name: &str, url: &str) -> bool {
        let mut st = self.state();
        let rule = st
            .rules
            .values_mut()
            .flatten()
            .find(|r| r.get("name").and_then(Value::as_str) == Some(name));
        let Some(rule) = rule else { return false };
        if let Some(actions) = rule.get_mut("actions").and_then(Value::as_array_mut) {
            for a in actions.iter_mut().filter(|a| a["field_name"] == "trigger_webhook") {
                a["url"] = json!(url);
            }
        }
        true
    }
}

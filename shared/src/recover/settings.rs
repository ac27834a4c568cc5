//! Reconcile's own settings, read once at cold start beside the shared configuration.

use crate::setup::config::ConfigError;

/// `RECONCILE_SINCE`, `RECONCILE_TAG` and where recovered jobs go.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ReconcileSettings {
    /// Where the cursor starts when the table has none (else: the first run's time).
    pub since: Option<String>,
    /// Only tickets carrying this tag are considered.
    pub tag: Option<String>,
    /// `TICKET_CREATED_QUEUE_URL`, `CUSTOMER_REPLIED_QUEUE_URL`, `TICKET_RESOLVED_QUEUE_URL`:
    /// (event, queue URL) for each one set; an event without a queue runs inline.
    pub queues: Vec<(&'static str, String)>,
}

/// The variable naming each event's queue.
pub const QUEUE_VARS: [(&str, &str); 3] = [
    ("ticket-created", "TICKET_CREATED_QUEUE_URL"),
    ("customer-replied", "CUSTOMER_REPLIED_QUEUE_URL"),
    ("ticket-resolved", "TICKET_RESOLVED_QUEUE_URL"),
];

impl ReconcileSettings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// A malformed value fails with its variable's name; nothing else is read.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |k: &str| lookup(k).map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let since = match get("RECONCILE_SINCE") {
            Some(raw) => match super::time::parse(&raw) {
                Some(t) => Some(super::time::format(t)),
                None => {
                    return Err(ConfigError {
                        var: "RECONCILE_SINCE".into(),
                        problem: format!("{raw:?} is not an ISO time (2026-01-31 or 2026-01-31T08:00:00Z)"),
                    })
                }
            },
            None => None,
        };
        let mut queues = Vec::new();
        for (event, var) in QUEUE_VARS {
            if let Some(url) = get(var) {
                if !url.starts_with("http://") && !url.starts_with("https://") {
                    return Err(ConfigError {
                        var: var.into(),
                        problem: "must be an SQS queue URL (https://…)".into(),
                    });
                }
                queues.push((event, url));
            }
        }
        Ok(Self {
            since,
            tag: get("RECONCILE_TAG"),
            queues,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_are_read_and_bad_values_named() {
        let s = ReconcileSettings::from_lookup(|k| match k {
            "RECONCILE_SINCE" => Some("2026-01-31".into()),
            "RECONCILE_TAG" => Some(" bridge ".into()),
            "TICKET_RESOLVED_QUEUE_URL" => Some("http://127.0.0.1:1/q".into()),
            _ => None,
        })
        .unwrap();
        assert_eq!(s.since.as_deref(), Some("2026-01-31T00:00:00Z"));
        assert_eq!(s.tag.as_deref(), Some("bridge"));
        assert_eq!(s.queues, vec![("ticket-resolved", "http://127.0.0.1:1/q".to_string())]);
        let e = ReconcileSettings::from_lookup(|k| (k == "RECONCILE_SINCE").then(|| "soon".into())).unwrap_err();
        assert_eq!(e.var, "RECONCILE_SINCE");
        let e =
            ReconcileSettings::from_lookup(|k| (k == "CUSTOMER_REPLIED_QUEUE_URL").then(|| "q".into())).unwrap_err();
        assert_eq!(e.var, "CUSTOMER_REPLIED_QUEUE_URL");
        assert_eq!(
            ReconcileSettings::from_lookup(|_| None).unwrap(),
            ReconcileSettings::default()
        );
    }
}

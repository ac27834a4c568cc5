//! Typed configuration, read once at cold start.
//!
//! This is the only place that reads the environment. Every value is parsed into its
//! type here, so a missing or malformed variable fails the cold start with one line that
//! names it, instead of surfacing later as a confusing job failure.

use std::collections::BTreeMap;
use std::time::Duration;

use secrecy::SecretString;
use url::Url;

/// A secret given directly, or the Secrets Manager id/ARN that holds it.
#[derive(Clone, Debug)]
pub enum SecretSource {
    Value(SecretString),
    SecretsManager(String),
}

/// API names of the custom fields, when set explicitly (they win over discovery).
#[derive(Clone, Debug, Default)]
pub struct FieldOverrides {
    pub ai_category: Option<String>,
    pub ai_urgency: Option<String>,
    pub ai_confidence: Option<String>,
    pub sentiment_score: Option<String>,
    pub escalation_risk: Option<String>,
}

/// Base URLs of the five Simpli services.
#[derive(Clone, Debug)]
pub struct SimpliUrls {
    pub triage: Url,
    pub reply: Url,
    pub sentiment: Url,
    pub qa: Url,
    pub kb: Url,
}

#[derive(Clone, Debug)]
pub struct Config {
    /// Freshdesk API base, always ending in `/api/v2`.
    pub freshdesk_base: Url,
    pub freshdesk_api_key: SecretSource,
    /// Required by the webhook functions ([`Config::require_webhook_secret`]); the scheduled
    /// ones never see a webhook and are not given it.
    pub webhook_secret: Option<SecretSource>,
    pub simpli: SimpliUrls,
    /// Sent as `X-API-Key` when set.
    pub simpli_api_key: Option<SecretSource>,
    pub idempotency_table: Option<String>,
    pub job_queue_url: Option<String>,
    pub job_dlq_url: Option<String>,
    pub retry_base: Duration,
    pub rate_limit_reserve: f64,
    /// Length of Freshdesk's rate-limit minute: 60 s; shorter only against a simulator.
    pub rate_limit_window: Duration,
    /// Triage category → Freshdesk ticket type; `None` → categories title-cased.
    pub type_map: Option<BTreeMap<String, String>>,
    pub group_map: BTreeMap<String, u64>,
    pub confidence_threshold: f64,
    pub escalation_threshold: f64,
    pub draft_style: String,
    pub draft_language: String,
    pub fields: FieldOverrides,
    /// Lifetime of a dedup record (Freshdesk retries webhooks for hours).
    pub dedup_ttl: Duration,
    /// `BRIDGE_MODE`: `live` (default) or `shadow` (notes only).
    pub mode: crate::setup::mode::BridgeMode,
    /// The function's configured timeout, when the environment tells it
    /// (`AWS_LAMBDA_FUNCTION_TIMEOUT`, set by Lambda emulators and in `events/local.env.example`).
    pub function_timeout: Option<Duration>,
}

/// A configuration error: always names the variable.
#[derive(Debug, thiserror::Error)]
#[error("configuration: {var}: {problem}")]
pub struct ConfigError {
    pub var: String,
    pub problem: String,
}

fn err(var: &str, problem: impl Into<String>) -> ConfigError {
    ConfigError {
        var: var.to_string(),
        problem: problem.into(),
    }
}

/// The defaults every optional variable falls back to (the configuration table of docs/architecture.md).
pub mod defaults {
    pub const TRIAGE_URL: &str = "http://localhost:8001";
    pub const REPLY_URL: &str = "http://localhost:8002";
    pub const QA_URL: &str = "http://localhost:8003";
    pub const SENTIMENT_URL: &str = "http://localhost:8004";
    pub const KB_URL: &str = "http://localhost:8006";
    pub const RETRY_BASE_SECONDS: u64 = 20;
    pub const RATE_LIMIT_RESERVE: f64 = 0.2;
    pub const RATE_LIMIT_WINDOW_SECONDS: f64 = 60.0;
    pub const CONFIDENCE_THRESHOLD: f64 = 0.6;
    pub const ESCALATION_THRESHOLD: f64 = 0.5;
    pub const DEDUP_TTL_DAYS: u64 = 7;
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads configuration through `lookup` (the environment, or a map in tests and the sandbox).
    /// Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let env = Env(&lookup);
        Ok(Config {
            freshdesk_base: freshdesk_base(&env)?,
            freshdesk_api_key: env.secret("FRESHDESK_API_KEY", "FRESHDESK_API_KEY_SECRET_ID")?,
            webhook_secret: env.optional_secret("WEBHOOK_SECRET", "WEBHOOK_SECRET_SECRET_ID"),
            simpli: simpli_urls(&env)?,
            simpli_api_key: env.optional_secret("SIMPLI_API_KEY", "SIMPLI_API_KEY_SECRET_ID"),
            idempotency_table: env.get("IDEMPOTENCY_TABLE"),
            job_queue_url: env.get("JOB_QUEUE_URL"),
            job_dlq_url: env.get("JOB_DLQ_URL"),
            retry_base: env
                .seconds("RETRY_BASE_SECONDS")?
                .unwrap_or(Duration::from_secs(defaults::RETRY_BASE_SECONDS)),
            rate_limit_reserve: env.share("RATE_LIMIT_RESERVE", defaults::RATE_LIMIT_RESERVE)?,
            rate_limit_window: rate_limit_window(env.get("RATE_LIMIT_WINDOW_SECONDS"))?,
            type_map: type_map(&env)?,
            group_map: match env.get("GROUP_MAP") {
                None => BTreeMap::new(),
                Some(raw) => parse_group_map(&raw).map_err(|p| err("GROUP_MAP", p))?,
            },
            confidence_threshold: env.share("CONFIDENCE_THRESHOLD", defaults::CONFIDENCE_THRESHOLD)?,
            escalation_threshold: env.share("ESCALATION_THRESHOLD", defaults::ESCALATION_THRESHOLD)?,
            draft_style: env.get("DRAFT_STYLE").unwrap_or_else(|| "friendly".into()),
            draft_language: env.get("DRAFT_LANGUAGE").unwrap_or_else(|| "en".into()),
            fields: field_overrides(&env),
            dedup_ttl: Duration::from_secs(defaults::DEDUP_TTL_DAYS * 24 * 3600),
            function_timeout: env.seconds("AWS_LAMBDA_FUNCTION_TIMEOUT")?,
            mode: match env.get("BRIDGE_MODE") {
                None => Default::default(),
                Some(raw) => crate::setup::mode::BridgeMode::parse(&raw).map_err(|p| err("BRIDGE_MODE", p))?,
            },
        })
    }

    /// The webhook secret's source: a webhook function cannot start without one.
    pub fn require_webhook_secret(&self) -> Result<&SecretSource, ConfigError> {
        self.webhook_secret
            .as_ref()
            .ok_or_else(|| err("WEBHOOK_SECRET", "required (or set WEBHOOK_SECRET_SECRET_ID)"))
    }

    /// The Freshdesk ticket type for a Triage category (before checking the account's types).
    pub fn ticket_type_for(&self, category: &str) -> Option<String> {
        match &self.type_map {
            Some(map) => map.get(category).cloned(),
            None => Some(title_case(category)),
        }
    }
}

/// The variables, read one at a time and parsed into their types; an error names the variable.
struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    /// A set, non-blank value, trimmed.
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())
    }

    fn url(&self, name: &str, default: &str) -> Result<Url, ConfigError> {
        parse_http_url(name, &self.get(name).unwrap_or_else(|| default.to_string()))
    }

    /// A number between 0 and 1 (a share or a threshold).
    fn share(&self, name: &str, default: f64) -> Result<f64, ConfigError> {
        let Some(raw) = self.get(name) else { return Ok(default) };
        match raw.parse::<f64>() {
            Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
            _ => Err(err(name, format!("expected a number between 0 and 1, got {raw:?}"))),
        }
    }

    /// Whole seconds, 1 to 900 (Lambda's longest timeout).
    fn seconds(&self, name: &str) -> Result<Option<Duration>, ConfigError> {
        let Some(raw) = self.get(name) else { return Ok(None) };
        match raw.parse::<u64>() {
            Ok(v) if (1..=900).contains(&v) => Ok(Some(Duration::from_secs(v))),
            _ => Err(err(name, format!("expected whole seconds 1..=900, got {raw:?}"))),
        }
    }

    /// A secret given as `name`, or the Secrets Manager id in `id_name`.
    fn optional_secret(&self, name: &str, id_name: &str) -> Option<SecretSource> {
        match (self.get(name), self.get(id_name)) {
            (Some(v), _) => Some(SecretSource::Value(SecretString::from(v))),
            (None, Some(id)) => Some(SecretSource::SecretsManager(id)),
            (None, None) => None,
        }
    }

    fn secret(&self, name: &str, id_name: &str) -> Result<SecretSource, ConfigError> {
        self.optional_secret(name, id_name)
            .ok_or_else(|| err(name, format!("required (or set {id_name})")))
    }
}

fn freshdesk_base(env: &Env) -> Result<Url, ConfigError> {
    match (env.get("FRESHDESK_BASE_URL"), env.get("FRESHDESK_DOMAIN")) {
        (Some(base), _) => parse_http_url("FRESHDESK_BASE_URL", base.trim_end_matches('/')),
        (None, Some(domain)) => domain_url(&domain),
        (None, None) => Err(err("FRESHDESK_DOMAIN", "required (or set FRESHDESK_BASE_URL)")),
    }
}

fn simpli_urls(env: &Env) -> Result<SimpliUrls, ConfigError> {
    Ok(SimpliUrls {
        triage: env.url("TRIAGE_URL", defaults::TRIAGE_URL)?,
        reply: env.url("REPLY_URL", defaults::REPLY_URL)?,
        sentiment: env.url("SENTIMENT_URL", defaults::SENTIMENT_URL)?,
        qa: env.url("QA_URL", defaults::QA_URL)?,
        kb: env.url("KB_URL", defaults::KB_URL)?,
    })
}

fn type_map(env: &Env) -> Result<Option<BTreeMap<String, String>>, ConfigError> {
    env.get("TYPE_MAP")
        .map(|raw| {
            serde_json::from_str::<BTreeMap<String, String>>(&raw)
                .map_err(|e| err("TYPE_MAP", format!("expected a JSON object of strings: {e}")))
        })
        .transpose()
}

fn field_overrides(env: &Env) -> FieldOverrides {
    FieldOverrides {
        ai_category: env.get("FIELD_AI_CATEGORY"),
        ai_urgency: env.get("FIELD_AI_URGENCY"),
        ai_confidence: env.get("FIELD_AI_CONFIDENCE"),
        sentiment_score: env.get("FIELD_SENTIMENT_SCORE"),
        escalation_risk: env.get("FIELD_ESCALATION_RISK"),
    }
}

fn parse_http_url(var: &str, raw: &str) -> Result<Url, ConfigError> {
    let url = Url::parse(raw).map_err(|e| err(var, format!("not a URL ({e})")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(err(var, "expected an http(s) URL with a host"));
    }
    Ok(url)
}

/// `acme` (or `acme.freshdesk.com`) → `https://acme.freshdesk.com/api/v2`.
fn domain_url(domain: &str) -> Result<Url, ConfigError> {
    let sub = domain.trim_end_matches(".freshdesk.com");
    let valid = !sub.is_empty() && sub.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') && !sub.starts_with('-');
    if !valid {
        return Err(err(
            "FRESHDESK_DOMAIN",
            format!("expected the account subdomain (e.g. `acme`), got {domain:?}"),
        ));
    }
    parse_http_url("FRESHDESK_DOMAIN", &format!("https://{sub}.freshdesk.com/api/v2"))
}

/// `RATE_LIMIT_WINDOW_SECONDS`: Freshdesk's window is a minute; a simulator run with a shorter
/// one (tests) sets the same length here, so the quiet period follows it.
fn rate_limit_window(raw: Option<String>) -> Result<Duration, ConfigError> {
    let Some(raw) = raw else {
        return Ok(Duration::from_secs_f64(defaults::RATE_LIMIT_WINDOW_SECONDS));
    };
    match raw.parse::<f64>() {
        Ok(v) if (0.1..=3600.0).contains(&v) => Ok(Duration::from_secs_f64(v)),
        _ => Err(err(
            "RATE_LIMIT_WINDOW_SECONDS",
            format!("expected seconds between 0.1 and 3600, got {raw:?}"),
        )),
    }
}

fn parse_group_map(raw: &str) -> Result<BTreeMap<String, u64>, String> {
    let value: BTreeMap<String, serde_json::Value> =
        serde_json::from_str(raw).map_err(|e| format!("expected a JSON object: {e}"))?;
    value
        .into_iter()
        .map(|(team, id)| {
            let parsed = match &id {
                serde_json::Value::Number(n) => n.as_u64(),
                serde_json::Value::String(s) => s.parse().ok(),
                _ => None,
            };
            parsed
                .map(|g| (team.clone(), g))
                .ok_or_else(|| format!("group id for {team:?} must be a positive integer, got {id}"))
        })
        .collect()
}

/// `billing_issue` → `Billing Issue`.
pub fn title_case(category: &str) -> String {
    category
        .split(['_', '-', ' '])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect(),
                None => String::new(),
            }
        })
        .collect::<Vec<String>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: BTreeMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        move |name| map.get(name).cloned()
    }

    const MINIMAL: &[(&str, &str)] = &[
        ("FRESHDESK_DOMAIN", "acme"),
        ("FRESHDESK_API_KEY", "k"),
        ("WEBHOOK_SECRET", "s"),
    ];

    #[test]
    fn minimal_config_uses_documented_defaults() {
        let c = Config::from_lookup(lookup(MINIMAL)).unwrap();
        assert_eq!(c.freshdesk_base.as_str(), "https://acme.freshdesk.com/api/v2");
        assert_eq!(c.simpli.sentiment.as_str(), "http://localhost:8004/");
        assert_eq!(c.simpli.kb.as_str(), "http://localhost:8006/");
        assert_eq!(c.retry_base, Duration::from_secs(20));
        assert_eq!(c.confidence_threshold, 0.6);
        assert_eq!(c.escalation_threshold, 0.5);
        assert!(c.idempotency_table.is_none() && c.job_queue_url.is_none());
        assert_eq!(c.function_timeout, None);
        assert_eq!(c.ticket_type_for("billing_issue").as_deref(), Some("Billing Issue"));
    }

    #[test]
    fn the_rate_limit_window_is_a_minute_unless_a_test_shortens_it() {
        let c = Config::from_lookup(lookup(MINIMAL)).unwrap();
        assert_eq!(c.rate_limit_window, Duration::from_secs(60));
        let short = [MINIMAL, &[("RATE_LIMIT_WINDOW_SECONDS", "1.5")]].concat();
        let c = Config::from_lookup(lookup(&short)).unwrap();
        assert_eq!(c.rate_limit_window, Duration::from_millis(1500));
        let bad = [MINIMAL, &[("RATE_LIMIT_WINDOW_SECONDS", "0")]].concat();
        assert_eq!(
            Config::from_lookup(lookup(&bad)).unwrap_err().var,
            "RATE_LIMIT_WINDOW_SECONDS"
        );
    }

    #[test]
    fn missing_required_variable_is_named() {
        let e = Config::from_lookup(lookup(&[("FRESHDESK_DOMAIN", "acme"), ("WEBHOOK_SECRET", "s")])).unwrap_err();
        assert_eq!(e.var, "FRESHDESK_API_KEY");
        let e = Config::from_lookup(lookup(&[("FRESHDESK_API_KEY", "k"), ("WEBHOOK_SECRET", "s")])).unwrap_err();
        assert_eq!(e.var, "FRESHDESK_DOMAIN");
    }

    #[test]
    fn malformed_values_are_rejected_with_their_name() {
        for (var, bad) in [
            ("CONFIDENCE_THRESHOLD", "high"),
            ("ESCALATION_THRESHOLD", "1.5"),
            ("TYPE_MAP", "[1]"),
            ("GROUP_MAP", r#"{"billing": "x"}"#),
            ("TRIAGE_URL", "not a url"),
            ("RETRY_BASE_SECONDS", "0"),
            ("AWS_LAMBDA_FUNCTION_TIMEOUT", "two minutes"),
            ("FRESHDESK_DOMAIN", "acme.example.com/x"),
            ("BRIDGE_MODE", "dry-run"),
        ] {
            let mut pairs = MINIMAL.to_vec();
            pairs.push((var, bad));
            let e = Config::from_lookup(lookup(&pairs)).unwrap_err();
            assert_eq!(e.var, var, "{bad}");
        }
    }

    #[test]
    fn only_the_webhook_functions_require_the_webhook_secret() {
        let pairs = [("FRESHDESK_DOMAIN", "acme"), ("FRESHDESK_API_KEY", "k")];
        let c = Config::from_lookup(lookup(&pairs)).unwrap();
        assert!(c.webhook_secret.is_none());
        assert_eq!(c.require_webhook_secret().unwrap_err().var, "WEBHOOK_SECRET");
    }

    #[test]
    fn the_function_timeout_is_read_when_the_environment_tells_it() {
        let mut pairs = MINIMAL.to_vec();
        pairs.push(("AWS_LAMBDA_FUNCTION_TIMEOUT", "120"));
        let c = Config::from_lookup(lookup(&pairs)).unwrap();
        assert_eq!(c.function_timeout, Some(Duration::from_secs(120)));
    }

    #[test]
    fn secret_ids_and_base_url_override() {
        let c = Config::from_lookup(lookup(&[
            ("FRESHDESK_BASE_URL", "http://127.0.0.1:9100/api/v2/"),
            ("FRESHDESK_DOMAIN", "ignored"),
            ("FRESHDESK_API_KEY_SECRET_ID", "arn:aws:secretsmanager:x"),
            ("WEBHOOK_SECRET", "s3cret"),
            ("GROUP_MAP", r#"{"billing-team": 42, "tech": "43"}"#),
            ("TYPE_MAP", r#"{"billing": "Refund"}"#),
        ]))
        .unwrap();
        assert_eq!(c.freshdesk_base.as_str(), "http://127.0.0.1:9100/api/v2");
        assert!(
            matches!(c.freshdesk_api_key, SecretSource::SecretsManager(ref id) if id == "arn:aws:secretsmanager:x")
        );
        match c.require_webhook_secret() {
            Ok(SecretSource::Value(s)) => assert_eq!(s.expose_secret(), "s3cret"),
            other => panic!("{other:?}"),
        }
        assert_eq!(c.group_map.get("tech"), Some(&43));
        assert_eq!(c.ticket_type_for("billing").as_deref(), Some("Refund"));
        assert_eq!(c.ticket_type_for("other"), None);
    }

    #[test]
    fn simpli_key_by_value_or_secret_id() {
        let c = Config::from_lookup(lookup(MINIMAL)).unwrap();
        assert!(c.simpli_api_key.is_none());
        let mut pairs = MINIMAL.to_vec();
        pairs.push(("SIMPLI_API_KEY_SECRET_ID", "arn:simpli"));
        let c = Config::from_lookup(lookup(&pairs)).unwrap();
        assert!(matches!(c.simpli_api_key, Some(SecretSource::SecretsManager(ref id)) if id == "arn:simpli"));
    }

    #[test]
    fn secrets_never_print() {
        let c = Config::from_lookup(lookup(MINIMAL)).unwrap();
        let shown = format!("{c:?}");
        assert!(!shown.contains("\"k\"") && !shown.contains("\"s\""), "{shown}");
    }
}

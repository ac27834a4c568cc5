//! Clients for the five Simpli services (Triage, Reply, Sentiment, QA, KB).
//!
//! Every call carries `X-Request-ID` (the job's idempotency key plus the step), the optional
//! `X-API-Key`, and a timeout bounded by the caller's deadline. Failures are typed so the
//! pipeline knows whether a retry can help.

pub mod models;

use std::time::{Duration, Instant};

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use url::Url;

use crate::clients::freshdesk::models::source;
use crate::job::text::truncate_chars;
use crate::setup::config::SimpliUrls;
use models::*;

/// Longest text Sentiment accepts.
pub const SENTIMENT_MAX_CHARS: usize = 10_000;
/// Upper bound of one Simpli call (LLM calls are slow, but not this slow).
const CALL_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Debug, Clone, thiserror::Error)]
pub enum SimpliError {
    /// A non-2xx answer: its status, error code and the names of the fields it blamed. The
    /// `detail` text is left out: a 422's repeats the input (the customer's words).
    #[error("{service} {status} {code}{}", fields_suffix(fields))]
    Status {
        service: &'static str,
        status: u16,
        code: String,
        fields: Vec<String>,
    },
    #[error("{service} timed out")]
    Timeout { service: &'static str },
    #[error("{service} unreachable: {cause}")]
    Transport { service: &'static str, cause: String },
    #[error("{service} response not understood: {cause}")]
    Decode { service: &'static str, cause: String },
    #[error("{service}: request not sent: {cause}")]
    InvalidRequest { service: &'static str, cause: String },
}

impl SimpliError {
    /// 429, 5xx, timeouts and connection errors; other 4xx are our bug or bad data.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Status { status, .. } => *status == 429 || *status >= 500,
            Self::Timeout { .. } | Self::Transport { .. } => true,
            Self::Decode { .. } | Self::InvalidRequest { .. } => false,
        }
    }
}

#[derive(Clone)]
pub struct SimpliClients {
    http: crate::clients::http::LazyHttp,
    urls: SimpliUrls,
    api_key: Option<HeaderValue>,
}

impl std::fmt::Debug for SimpliClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimpliClients")
            .field("urls", &self.urls)
            .finish_non_exhaustive()
    }
}

impl SimpliClients {
    pub fn new(http: crate::clients::http::LazyHttp, urls: SimpliUrls, api_key: Option<&SecretString>) -> Self {
        let api_key = api_key
            .and_then(|k| HeaderValue::from_str(k.expose_secret()).ok())
            .map(|mut v| {
                v.set_sensitive(true);
                v
            });
        Self { http, urls, api_key }
    }

    pub async fn classify(
        &self,
        subject: &str,
        body: &str,
        request_id: &str,
        deadline: Instant,
    ) -> Result<Classification, SimpliError> {
        let req = ClassifyRequest {
            subject,
            body,
            metadata: Value::Object(Default::default()),
        };
        self.post("triage", &self.urls.triage, "classify", &req, request_id, deadline)
            .await
    }

    pub async fn route(
        &self,
        ticket_id: u64,
        c: &Classification,
        request_id: &str,
        deadline: Instant,
    ) -> Result<Routing, SimpliError> {
        let req = RouteRequest {
            ticket_id: ticket_id.to_string(),
            category: &c.category,
            urgency: &c.urgency,
            sentiment: c.sentiment.as_deref(),
        };
        self.post("triage", &self.urls.triage, "route", &req, request_id, deadline)
            .await
    }

    pub async fn draft(
        &self,
        req: &DraftRequest<'_>,
        request_id: &str,
        deadline: Instant,
    ) -> Result<DraftResponse, SimpliError> {
        self.post("reply", &self.urls.reply, "api/v1/draft", req, request_id, deadline)
            .await
    }

    /// Sentiment of `text` for `customer_id`, enforcing the service's request rules first.
    pub async fn analyze(
        &self,
        customer_id: &str,
        text: &str,
        ticket_source: i64,
        request_id: &str,
        deadline: Instant,
    ) -> Result<SentimentResult, SimpliError> {
        let req = sentiment_request(customer_id, text, ticket_source)?;
        self.post("sentiment", &self.urls.sentiment, "analyze", &req, request_id, deadline)
            .await
    }

    pub async fn evaluate(
        &self,
        req: &EvaluateRequest,
        request_id: &str,
        deadline: Instant,
    ) -> Result<EvaluateResponse, SimpliError> {
        self.post("qa", &self.urls.qa, "evaluate", req, request_id, deadline)
            .await
    }

    pub async fn push_article(
        &self,
        article: &KbArticle<'_>,
        request_id: &str,
        deadline: Instant,
    ) -> Result<Value, SimpliError> {
        self.post("kb", &self.urls.kb, "articles", article, request_id, deadline)
            .await
    }

    pub async fn gaps(&self, request_id: &str, deadline: Instant) -> Result<Value, SimpliError> {
        let url = join(&self.urls.kb, "gaps");
        let http = self.http_client("kb")?;
        self.send("kb", http.get(url), request_id, deadline).await
    }

    async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        service: &'static str,
        base: &Url,
        path: &str,
        body: &B,
        request_id: &str,
        deadline: Instant,
    ) -> Result<T, SimpliError> {
        let http = self.http_client(service)?;
        self.send(service, http.post(join(base, path)).json(body), request_id, deadline)
            .await
    }

    fn http_client(&self, service: &'static str) -> Result<&reqwest::Client, SimpliError> {
        self.http
            .client()
            .map_err(|cause| SimpliError::Transport { service, cause })
    }

    async fn send<T: DeserializeOwned>(
        &self,
        service: &'static str,
        req: reqwest::RequestBuilder,
        request_id: &str,
        deadline: Instant,
    ) -> Result<T, SimpliError> {
        let timeout = crate::job::retry::remaining(deadline).min(CALL_TIMEOUT);
        if timeout.is_zero() {
            return Err(SimpliError::Timeout { service });
        }
        let mut req = req.timeout(timeout).header("X-Request-ID", request_id);
        if let Some(key) = &self.api_key {
            req = req.header("X-API-Key", key.clone());
        }
        let started = Instant::now();
        let resp = req.send().await.map_err(|e| transport(service, &e))?;
        let status = resp.status();
        let bytes = resp.bytes().await.map_err(|e| transport(service, &e))?;
        tracing::debug!(
            service,
            status = status.as_u16(),
            request_id,
            ms = started.elapsed().as_millis() as u64,
            "simpli"
        );
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| SimpliError::Decode {
                service,
                cause: crate::job::text::redact_quoted(&e.to_string()),
            });
        }
        let body: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        let code = match body.get("error_code").and_then(Value::as_str) {
            Some(code) => code.to_string(),
            None if status.is_redirection() => "redirect_not_followed".to_string(),
            None => String::new(),
        };
        Err(SimpliError::Status {
            service,
            status: status.as_u16(),
            code,
            fields: blamed_fields(&body),
        })
    }
}

/// The field names an error body blames: Simpli's `errors[].field`, or FastAPI's
/// `detail[].loc` (e.g. `body.text`). Never the messages, which may quote the input.
fn blamed_fields(body: &Value) -> Vec<String> {
    let simpli = body.get("errors").and_then(Value::as_array).into_iter().flatten();
    let fastapi = body.get("detail").and_then(Value::as_array).into_iter().flatten();
    let mut fields: Vec<String> = simpli
        .filter_map(|e| e.get("field").and_then(Value::as_str).map(str::to_string))
        .chain(fastapi.filter_map(|e| {
            let loc = e.get("loc")?.as_array()?;
            let parts: Vec<String> = loc
                .iter()
                .map(|p| match p {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                })
                .collect();
            Some(parts.join("."))
        }))
        .map(|f| truncate_chars(&f, 64).to_string())
        .collect();
    fields.dedup();
    fields.truncate(10);
    fields
}

fn fields_suffix(fields: &[String]) -> String {
    if fields.is_empty() {
        String::new()
    } else {
        format!(" (fields: {})", fields.join(", "))
    }
}

fn join(base: &Url, path: &str) -> Url {
    let mut url = base.clone();
    let prefix = url.path().trim_end_matches('/').to_string();
    url.set_path(&format!("{prefix}/{path}"));
    url
}

fn transport(service: &'static str, e: &reqwest::Error) -> SimpliError {
    if e.is_timeout() {
        SimpliError::Timeout { service }
    } else {
        let cause = crate::clients::http::root_cause(e);
        SimpliError::Transport { service, cause }
    }
}

/// Sentiment's `customer_id` rule: `^[A-Za-z0-9][A-Za-z0-9\-_]{0,63}$`.
pub fn valid_customer_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphanumeric())
        && id.len() <= 64
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// Freshdesk ticket source → Sentiment channel (unknown sources omit the channel).
pub fn channel_for_source(ticket_source: i64) -> Option<&'static str> {
    match ticket_source {
        source::EMAIL | source::OUTBOUND_EMAIL => Some("email"),
        source::PORTAL | source::FEEDBACK_WIDGET => Some("web"),
        source::PHONE => Some("phone"),
        source::CHAT => Some("chat"),
        source::FORUM | source::TWITTER | source::FACEBOOK => Some("social"),
        _ => None,
    }
}

/// Builds a request Sentiment will accept: valid id, text trimmed to 1..=10000 characters.
pub fn sentiment_request(customer_id: &str, text: &str, ticket_source: i64) -> Result<AnalyzeRequest, SimpliError> {
    if !valid_customer_id(customer_id) {
        return Err(SimpliError::InvalidRequest {
            service: "sentiment",
            cause: "customer_id does not match the service's pattern".into(),
        });
    }
    let text = truncate_chars(text.trim(), SENTIMENT_MAX_CHARS);
    if text.is_empty() {
        return Err(SimpliError::InvalidRequest {
            service: "sentiment",
            cause: "empty text".into(),
        });
    }
    Ok(AnalyzeRequest {
        customer_id: customer_id.to_string(),
        text: text.to_string(),
        channel: channel_for_source(ticket_source),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn customer_id_pattern() {
        assert!(valid_customer_id("80012345678"));
        assert!(valid_customer_id("a-b_c"));
        assert!(!valid_customer_id("dana@example.com"));
        assert!(!valid_customer_id("-x"));
        assert!(!valid_customer_id(""));
        assert!(!valid_customer_id(&"a".repeat(65)));
    }

    #[test]
    fn sentiment_request_truncates_and_maps_channel() {
        let long = "é".repeat(12_000);
        let r = sentiment_request("5001", &long, 1).unwrap();
        assert_eq!(r.text.chars().count(), SENTIMENT_MAX_CHARS);
        assert_eq!(r.channel, Some("email"));
        assert_eq!(sentiment_request("5001", "x", 2).unwrap().channel, Some("web"));
        assert_eq!(sentiment_request("5001", "x", 99).unwrap().channel, None);
        assert!(sentiment_request("5001", "  ", 1).is_err());
    }

    #[test]
    fn retryable_statuses() {
        let s = |status| SimpliError::Status {
            service: "x",
            status,
            code: String::new(),
            fields: Vec::new(),
        };
        assert!(s(503).is_retryable() && s(429).is_retryable() && s(502).is_retryable());
        assert!(!s(422).is_retryable() && !s(401).is_retryable() && !s(404).is_retryable());
        assert!(SimpliError::Timeout { service: "x" }.is_retryable());
    }

    #[test]
    fn error_bodies_keep_code_and_field_names_but_never_the_echoed_input() {
        let secret = "my card 4111 was charged twice";
        let simpli = serde_json::json!({"error_code": "VALIDATION_ERROR", "detail": format!("Validation error: text: {secret}"),
            "errors": [{"field": "text", "message": secret}]});
        let fastapi = serde_json::json!({"detail": [{"loc": ["body", "customer_id"], "msg": secret, "type": "string_pattern_mismatch", "input": secret}]});
        for body in [simpli, fastapi] {
            let e = SimpliError::Status {
                service: "sentiment",
                status: 422,
                code: body["error_code"].as_str().unwrap_or_default().into(),
                fields: blamed_fields(&body),
            };
            let text = e.to_string();
            assert!(text.starts_with("sentiment 422"), "{text}");
            assert!(text.contains("text") || text.contains("body.customer_id"), "{text}");
            assert!(!text.contains("4111"), "{text}");
        }
    }

    #[test]
    fn urls_join_under_a_path_prefix() {
        let base = Url::parse("http://h:1/prefix/").unwrap();
        assert_eq!(join(&base, "api/v1/draft").as_str(), "http://h:1/prefix/api/v1/draft");
        assert_eq!(
            join(&Url::parse("http://h:1").unwrap(), "classify").as_str(),
            "http://h:1/classify"
        );
    }
}

//! A small Freshdesk client for the operator commands: Basic auth with the bridge's key, JSON,
//! `Link` pagination, and the `X-RateLimit-Total` of the last answer. Unlike the functions'
//! client it never retries: `ops` runs by hand, and each failure is reported as it is.

use std::time::Duration;

use base64::Engine as _;
use reqwest::header::{HeaderValue, ACCEPT, AUTHORIZATION};
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use url::Url;

const TIMEOUT: Duration = Duration::from_secs(20);
/// Safety net against a server that keeps sending `rel="next"`.
const MAX_PAGES: usize = 50;

/// A Freshdesk answer other than 2xx, or a transport failure (`status` 0).
#[derive(Debug, thiserror::Error)]
#[error("{method} {path}: {}", describe(*.status, .detail))]
pub struct ApiError {
    pub method: &'static str,
    pub path: String,
    pub status: u16,
    pub detail: String,
}

fn describe(status: u16, detail: &str) -> String {
    match status {
        0 => detail.to_string(),
        _ => format!("HTTP {status} {detail}"),
    }
}

/// The Freshdesk account the bridge is configured for.
#[derive(Debug, Clone)]
pub struct Freshdesk {
    http: reqwest::Client,
    base: Url,
    auth: HeaderValue,
}

/// One successful answer: its JSON body and the plan's `X-RateLimit-Total`.
#[derive(Debug)]
pub struct Answer {
    pub body: Value,
    pub rate_limit_total: Option<u32>,
}

impl Freshdesk {
    pub fn new(base: &Url, api_key: &SecretString) -> Result<Self, String> {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{}:X", api_key.expose_secret()));
        let mut auth = HeaderValue::from_str(&format!("Basic {token}"))
            .map_err(|_| "the Freshdesk key is not a valid header value")?;
        auth.set_sensitive(true);
        let http = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .build()
            .map_err(|e| format!("http client: {e}"))?;
        let mut base = base.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Ok(Self { http, base, auth })
    }

    pub async fn get(&self, path: &str) -> Result<Answer, ApiError> {
        self.send(Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Result<Value, ApiError> {
        Ok(self.send(Method::POST, path, Some(body)).await?.body)
    }

    /// Every item of a paginated list (`per_page=100`, following `Link: rel="next"`).
    pub async fn get_all(&self, path: &str) -> Result<Vec<Value>, ApiError> {
        let mut items = Vec::new();
        let mut next = Some(self.url(&format!("{path}?per_page=100"), "GET")?);
        let mut pages = 0;
        while let Some(url) = next.take() {
            let (answer, link) = self.send_url(Method::GET, url, None, path).await?;
            items.extend(answer.body.as_array().cloned().unwrap_or_default());
            pages += 1;
            next = link.filter(|_| pages < MAX_PAGES).and_then(|l| Url::parse(&l).ok());
        }
        Ok(items)
    }

    fn url(&self, path: &str, method: &'static str) -> Result<Url, ApiError> {
        self.base.join(path.trim_start_matches('/')).map_err(|e| ApiError {
            method,
            path: path.to_string(),
            status: 0,
            detail: format!("bad path: {e}"),
        })
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Answer, ApiError> {
        let name = method_name(&method);
        let url = self.url(path, name)?;
        Ok(self.send_url(method, url, body, path).await?.0)
    }

    async fn send_url(
        &self,
        method: Method,
        url: Url,
        body: Option<&Value>,
        path: &str,
    ) -> Result<(Answer, Option<String>), ApiError> {
        let name = method_name(&method);
        let fail = |status: u16, detail: String| ApiError {
            method: name,
            path: path.to_string(),
            status,
            detail,
        };
        let mut req = self
            .http
            .request(method, url)
            .header(AUTHORIZATION, self.auth.clone())
            .header(ACCEPT, "application/json");
        if let Some(body) = body {
            req = req.json(body);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| fail(0, shared::clients::http::root_cause(&e)))?;
        let status = resp.status().as_u16();
        let rate_limit_total = resp
            .headers()
            .get("x-ratelimit-total")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let link = shared::clients::freshdesk::next_link(resp.headers());
        let text = resp
            .text()
            .await
            .map_err(|e| fail(status, shared::clients::http::root_cause(&e)))?;
        if !(200..300).contains(&status) {
            return Err(fail(status, error_detail(&text)));
        }
        let body = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).map_err(|e| fail(status, format!("invalid JSON: {e}")))?
        };
        Ok((Answer { body, rate_limit_total }, link))
    }
}

fn method_name(m: &Method) -> &'static str {
    match *m {
        Method::POST => "POST",
        Method::PUT => "PUT",
        _ => "GET",
    }
}

/// Freshdesk's error code and message, or each validation error's field, code and message.
fn error_detail(text: &str) -> String {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        return String::new();
    };
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        let parts: Vec<String> = errors
            .iter()
            .map(|e| format!("{} {}: {}", s(e, "field"), s(e, "code"), s(e, "message")))
            .collect();
        return parts.join("; ");
    }
    format!("{} {}", s(&v, "code"), s(&v, "message")).trim().to_string()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v.get(key).and_then(Value::as_str).unwrap_or("")
}

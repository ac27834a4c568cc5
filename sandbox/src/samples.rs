//! The sample events of `events/`, embedded in the binary, turned back into the HTTP requests
//! that API Gateway received: method, path, headers (Basic auth / `X-Webhook-Secret`) and the
//! decoded body. Both the HTTP API (v2) and the REST API (v1, base64 body) shapes are read.

use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
use base64::Engine;
use http::Method;
use serde_json::Value;

use crate::SandboxError;

pub const TICKET_CREATED: (&str, &str) = (
    "events/ticket-created.json",
    include_str!("../../events/ticket-created.json"),
);
pub const TICKET_CREATED_REST_V1: (&str, &str) = (
    "events/ticket-created.rest-v1.json",
    include_str!("../../events/ticket-created.rest-v1.json"),
);
pub const CUSTOMER_REPLIED: (&str, &str) = (
    "events/customer-replied.json",
    include_str!("../../events/customer-replied.json"),
);
pub const TICKET_RESOLVED: (&str, &str) = (
    "events/ticket-resolved.json",
    include_str!("../../events/ticket-resolved.json"),
);
pub const KB_SYNC_SCHEDULE: (&str, &str) = (
    "events/kb-sync.schedule.json",
    include_str!("../../events/kb-sync.schedule.json"),
);

pub const RECONCILE_SCHEDULE: (&str, &str) = (
    "events/reconcile.schedule.json",
    include_str!("../../events/reconcile.schedule.json"),
);

/// Headers that belong to the original connection, not to the request (the HTTP client sets
/// its own).
const CONNECTION_HEADERS: [&str; 3] = ["host", "content-length", "connection"];

/// One HTTP request, as the bridge will receive it.
#[derive(Debug, Clone)]
pub struct SampleRequest {
    /// The `events/` file it came from (or a description of a made-up request).
    pub source: &'static str,
    pub method: Method,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl SampleRequest {
    /// Reads an API Gateway proxy event (HTTP API v2 or REST v1).
    pub fn from_event((name, text): (&'static str, &str)) -> Result<Self, SandboxError> {
        let problem = |p: &str| SandboxError::Sample {
            name,
            problem: p.to_string(),
        };
        let event: Value = serde_json::from_str(text).map_err(|e| problem(&e.to_string()))?;
        let parsed = if event.get("version").and_then(Value::as_str) == Some("2.0") {
            serde_json::from_value::<ApiGatewayV2httpRequest>(event).map(|e| {
                let method = e.request_context.http.method;
                (method, e.raw_path, e.headers, e.body, e.is_base64_encoded)
            })
        } else {
            serde_json::from_value::<ApiGatewayProxyRequest>(event)
                .map(|e| (e.http_method, e.path, e.headers, e.body, e.is_base64_encoded))
        };
        let (method, path, header_map, raw, base64) = parsed.map_err(|e| problem(&e.to_string()))?;
        let path = path.ok_or_else(|| problem("no path"))?;
        let headers = header_map
            .iter()
            .filter(|(k, _)| !CONNECTION_HEADERS.contains(&k.as_str()))
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        let raw = raw.unwrap_or_default();
        let body = if base64 {
            base64::engine::general_purpose::STANDARD
                .decode(&raw)
                .map_err(|e| problem(&format!("body is not base64: {e}")))?
        } else {
            raw.into_bytes()
        };
        Ok(Self {
            source: name,
            method,
            path,
            headers,
            body,
        })
    }

    /// `POST /kb-sync` with the EventBridge sample as its body and the secret in `X-Webhook-Secret`.
    pub fn kb_sync(secret: &str) -> Self {
        Self {
            source: KB_SYNC_SCHEDULE.0,
            method: Method::POST,
            path: "/kb-sync".into(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-webhook-secret".into(), secret.into()),
            ],
            body: KB_SYNC_SCHEDULE.1.as_bytes().to_vec(),
        }
    }

    /// `POST /reconcile` with the EventBridge sample as its body and the secret in `X-Webhook-Secret`.
    pub fn reconcile(secret: &str) -> Self {
        Self {
            source: RECONCILE_SCHEDULE.0,
            path: "/reconcile".into(),
            body: RECONCILE_SCHEDULE.1.as_bytes().to_vec(),
            ..Self::kb_sync(secret)
        }
    }

    /// The same request with one header replaced (matched case-insensitively).
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.retain(|(k, _)| !k.eq_ignore_ascii_case(name));
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// How the request authenticates, for the progress lines.
    pub fn auth_kind(&self) -> &'static str {
        let has = |name: &str| self.headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name));
        match (has("authorization"), has("x-webhook-secret")) {
            (true, _) => "Basic auth",
            (false, true) => "X-Webhook-Secret",
            (false, false) => "no secret",
        }
    }

    /// Sends it to the bridge at `base` (`http://127.0.0.1:port`); returns the status and the
    /// JSON answer (a non-JSON answer comes back as a string).
    pub async fn send(&self, client: &reqwest::Client, base: &str, label: &str) -> Result<(u16, Value), SandboxError> {
        let http_err = |source| SandboxError::Http {
            label: label.to_string(),
            source,
        };
        let mut request = client
            .request(self.method.clone(), format!("{base}{}", self.path))
            .body(self.body.clone());
        for (name, value) in &self.headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let response = request.send().await.map_err(http_err)?;
        let status = response.status().as_u16();
        let text = response.text().await.map_err(http_err)?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok((status, body))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_http_api_event_keeps_its_basic_auth_and_plain_body() {
        let r = SampleRequest::from_event(TICKET_CREATED).unwrap();
        assert_eq!(
            (r.method.as_str(), r.path.as_str()),
            ("POST", "/freshdesk/ticket-created")
        );
        assert_eq!(r.body, br#"{"ticket_id": 101}"#);
        assert_eq!(r.auth_kind(), "Basic auth");
        assert!(!r.headers.iter().any(|(k, _)| k == "host"));
    }

    #[test]
    fn a_rest_v1_event_has_its_base64_body_decoded() {
        let r = SampleRequest::from_event(TICKET_CREATED_REST_V1).unwrap();
        assert_eq!(r.path, "/freshdesk/ticket-created");
        assert_eq!(r.body, br#"{"ticket_id": "102"}"#);
    }

    #[test]
    fn a_replaced_header_is_sent_once() {
        let r = SampleRequest::from_event(CUSTOMER_REPLIED)
            .unwrap()
            .with_header("X-Webhook-Secret", "wrong");
        let secrets: Vec<_> = r
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case("x-webhook-secret"))
            .collect();
        assert_eq!(secrets.len(), 1);
        assert_eq!(secrets[0].1, "wrong");
    }
}

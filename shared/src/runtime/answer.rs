//! Every HTTP answer the functions give, decided in one place: refusals of a webhook (401,
//! 400, 405, 413), the queue-mode acknowledgement (202, or 503 when the job could not be
//! queued), the inline-mode answer carrying the job's outcome (200, or 503 where Freshdesk
//! should retry), and the proxy response shape each API Gateway origin expects.

use aws_lambda_events::apigw;
use aws_lambda_events::encodings::Body;
use lambda_http::request::RequestOrigin;
use serde_json::{json, Value};

use crate::job::{JobError, JobReport, Outcome};
use crate::runtime::webhook::Refusal;

/// An HTTP answer of the webhook entry.
#[derive(Debug, Clone, PartialEq)]
pub struct HttpAnswer {
    pub status: u16,
    pub body: Value,
}

impl HttpAnswer {
    /// A webhook refused before any work: nothing was done.
    pub fn refused(r: &Refusal) -> Self {
        let status = match r {
            Refusal::Unauthorized => 401,
            Refusal::TooLarge => 413,
            Refusal::MethodNotAllowed => 405,
            Refusal::BadRequest(_) => 400,
        };
        Self {
            status,
            body: json!({"error": r.to_string()}),
        }
    }

    /// Queue mode: the job was queued.
    pub fn queued(event: &str, ticket_id: u64, request_id: &str) -> Self {
        Self {
            status: 202,
            body: json!({"status": "queued", "event": event, "ticket_id": ticket_id, "request_id": request_id}),
        }
    }

    /// Queue mode: the job could not be queued; Freshdesk retries the webhook.
    pub fn not_queued() -> Self {
        Self {
            status: 503,
            body: json!({"error": "could not queue the job; retry later"}),
        }
    }

    /// Inline mode: the job's outcome. Only a retryable failure is a 5xx (Freshdesk retries);
    /// a failure a retry cannot fix is a 200 `failed`, its cause in the log, metric and record.
    pub fn inline(report: &JobReport) -> Self {
        let base = |status: &str| json!({"status": status, "event": report.event, "ticket_id": report.ticket_id});
        let (status, body) = match &report.result {
            Ok(Outcome::Processed(summary)) => (200, with(base("processed"), "result", summary.clone())),
            Ok(Outcome::Duplicate) => (200, base("duplicate")),
            Ok(Outcome::InProgress { .. }) => (200, base("in_progress")),
            Ok(Outcome::Skipped(reason)) | Err(JobError::Gone { cause: reason }) => {
                (200, with(base("skipped"), "reason", json!(reason)))
            }
            Err(JobError::Fatal { cause }) => (200, with(base("failed"), "error", json!(cause))),
            Err(JobError::Retryable { cause, retry_after }) => {
                let mut body = with(base("retry"), "error", json!(cause));
                if let Some(after) = retry_after {
                    body["retry_after_seconds"] = json!(after.as_secs().max(1));
                }
                (503, body)
            }
        };
        Self { status, body }
    }
}

fn with(mut body: Value, key: &str, value: Value) -> Value {
    body[key] = value;
    body
}

/// The proxy response in the shape of the request's origin: REST APIs (v1) get
/// `multiValueHeaders`; HTTP APIs (v2) and function URLs get `cookies` too, which strict
/// readers (cargo-lambda's function-URL adapter) require. Unknown origins get the v2 shape.
pub fn http_response(origin: Option<RequestOrigin>, status: u16, body: &Value) -> Value {
    let mut headers = http::HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        http::HeaderValue::from_static("application/json"),
    );
    let body = Some(Body::Text(body.to_string()));
    let shaped = if matches!(origin, Some(RequestOrigin::ApiGatewayV1)) {
        let mut r = apigw::ApiGatewayProxyResponse::default();
        (r.status_code, r.multi_value_headers, r.headers, r.body) = (i64::from(status), headers.clone(), headers, body);
        serde_json::to_value(r)
    } else {
        let mut r = apigw::ApiGatewayV2httpResponse::default();
        (r.status_code, r.headers, r.body) = (i64::from(status), headers, body);
        serde_json::to_value(r)
    };
    shaped.unwrap_or_else(|e| json!({"statusCode": 500, "body": format!("response encoding: {e}")}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_http_api_or_function_url_answer_reads_as_a_strict_v2_response() {
        let out = http_response(Some(RequestOrigin::ApiGatewayV2), 401, &json!({"error": "no"}));
        let read: apigw::ApiGatewayV2httpResponse = serde_json::from_value(out.clone()).expect("a v2 response");
        assert_eq!(read.status_code, 401);
        assert_eq!(out["body"], r#"{"error":"no"}"#);
        assert_eq!(out["headers"]["content-type"], "application/json");
        assert_eq!(out["cookies"], json!([]));
        assert_eq!(out["isBase64Encoded"], false);
    }

    #[test]
    fn a_rest_api_answer_has_the_v1_shape() {
        let out = http_response(Some(RequestOrigin::ApiGatewayV1), 200, &json!({"status": "processed"}));
        let read: apigw::ApiGatewayProxyResponse = serde_json::from_value(out.clone()).expect("a v1 response");
        assert_eq!(read.status_code, 200);
        assert_eq!(out["multiValueHeaders"]["content-type"], json!(["application/json"]));
        assert!(out.get("cookies").is_none());
    }

    #[test]
    fn an_answer_to_an_unknown_origin_takes_the_v2_shape() {
        let out = http_response(None, 400, &json!({"error": "not an API Gateway request"}));
        assert!(serde_json::from_value::<apigw::ApiGatewayV2httpResponse>(out).is_ok());
    }
}

//! The Lambda side: one binary serves both entries of its event. The shared crate recognises
//! an SQS batch, a scheduled event, or an API Gateway / function URL request, so a function's
//! `main` is only `shared::lambda::run(MyJob).await`.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::apigw;
use aws_lambda_events::encodings::Body;
use aws_lambda_events::sqs::SqsEvent;
use lambda_http::request::{LambdaRequest, RequestOrigin};
use lambda_runtime::{service_fn, Context, LambdaEvent};
use serde_json::{json, Value};

use crate::app::App;
use crate::deadline::Deadlines;
use crate::entry;
use crate::pipeline::{Job, JobError};

pub use lambda_runtime::Error;

/// A scheduled task (kb-sync): runs with the app and the invocation's deadline.
pub trait Scheduled: Send + Sync + 'static {
    const NAME: &'static str;
    fn run<'a>(&'a self, app: &'a App, deadline: Instant) -> impl Future<Output = Result<Value, JobError>> + Send + 'a;
}

/// What kind of invocation an event is.
#[derive(Debug, PartialEq)]
pub enum EventKind {
    Sqs,
    Schedule,
    Http,
}

pub fn classify(event: &Value) -> EventKind {
    let is_sqs = event
        .get("Records")
        .and_then(Value::as_array)
        .and_then(|r| r.first())
        .and_then(|r| r.get("eventSource"))
        .and_then(Value::as_str)
        == Some("aws:sqs");
    if is_sqs {
        EventKind::Sqs
    } else if event.get("detail-type").is_some()
        || event.get("httpMethod").is_none() && event.get("requestContext").is_none()
    {
        EventKind::Schedule
    } else {
        EventKind::Http
    }
}

/// The deadline a job of this invocation works to: the runtime's deadline, read with
/// suspicion, less the bookkeeping reserve (see [`crate::deadline`]).
pub fn deadline_of(app: &App, ctx: &Context) -> Instant {
    Deadlines::from_runtime(ctx.deadline, app.config.function_timeout).job
}

/// Cold start, then the runtime loop. A startup error is one line naming the problem.
pub async fn run<J: Job>(job: J) -> Result<(), Error> {
    crate::telemetry::init();
    let app = Arc::new(start(App::from_env()).await?);
    let job = Arc::new(job);
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| {
        let (app, job) = (app.clone(), job.clone());
        async move { handle(&app, job.as_ref(), ev.payload, ev.context).await }
    }))
    .await
}

pub async fn run_scheduled<S: Scheduled>(task: S) -> Result<(), Error> {
    crate::telemetry::init();
    let app = Arc::new(start(App::from_env_scheduled()).await?);
    let task = Arc::new(task);
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| {
        let (app, task) = (app.clone(), task.clone());
        async move { handle_scheduled(&app, task.as_ref(), ev.context).await }
    }))
    .await
}

async fn start(cold_start: impl Future<Output = Result<App, crate::app::StartupError>>) -> Result<App, Error> {
    match cold_start.await {
        Ok(app) => Ok(app),
        Err(e) => {
            tracing::error!("cold start failed: {e}");
            report_init_error(&e.to_string()).await;
            Err(Error::from(e.to_string()))
        }
    }
}

/// Tells the Lambda service why the cold start failed (`/runtime/init/error`), so the console
/// shows the variable at fault instead of a bare `Runtime.ExitError`.
async fn report_init_error(message: &str) {
    let Ok(api) = std::env::var("AWS_LAMBDA_RUNTIME_API") else {
        return;
    };
    let body = json!({"errorMessage": message, "errorType": "Runtime.ConfigurationError"});
    let sent = reqwest::Client::new()
        .post(format!("http://{api}/2018-06-01/runtime/init/error"))
        .header("Lambda-Runtime-Function-Error-Type", "Runtime.ConfigurationError")
        .json(&body)
        .timeout(Duration::from_secs(2))
        .send()
        .await;
    if let Err(e) = sent {
        tracing::warn!(error = %e, "could not report the init error to the runtime API");
    }
}

/// One invocation of a webhook function.
pub async fn handle<J: Job>(app: &App, job: &J, payload: Value, ctx: Context) -> Result<Value, Error> {
    let deadline = deadline_of(app, &ctx);
    match classify(&payload) {
        EventKind::Sqs => {
            let event: SqsEvent = serde_json::from_value(payload)?;
            Ok(serde_json::to_value(entry::sqs_batch(app, job, event, deadline).await)?)
        }
        EventKind::Http => {
            let (origin, request): (_, http::Request<lambda_http::Body>) =
                match serde_json::from_value::<LambdaRequest>(payload) {
                    Ok(r) => (Some(r.request_origin()), r.into()),
                    Err(e) => {
                        let body = json!({"error": format!("not an API Gateway request: {e}")});
                        return Ok(http_response(None, 400, &body));
                    }
                };
            let answer = entry::webhook(
                app,
                job,
                request.method(),
                request.headers(),
                request.body().as_ref(),
                deadline,
                &ctx.request_id,
            )
            .await;
            Ok(http_response(origin, answer.status, &answer.body))
        }
        EventKind::Schedule => Err(Error::from(format!(
            "{} is a webhook function: scheduled events are not accepted",
            J::EVENT
        ))),
    }
}

/// One invocation of a scheduled task (any payload triggers a run). A retryable failure is
/// reported as an error, so EventBridge's retry policy applies.
pub async fn handle_scheduled<S: Scheduled>(app: &App, task: &S, ctx: Context) -> Result<Value, Error> {
    let started = Instant::now();
    let result = task.run(app, deadline_of(app, &ctx)).await;
    let ms = started.elapsed().as_millis() as u64;
    match result {
        Ok(summary) => {
            tracing::info!(event = S::NAME, outcome = "processed", duration_ms = ms, summary = %summary, "job");
            crate::metrics::emit_job(S::NAME, "processed", ms);
            Ok(summary)
        }
        Err(e) => {
            let outcome = if e.is_retryable() { "retried" } else { "failed" };
            tracing::warn!(event = S::NAME, outcome, duration_ms = ms, error = %e, "job");
            crate::metrics::emit_job(S::NAME, outcome, ms);
            Err(Error::from(e.to_string()))
        }
    }
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
    fn recognises_each_event_kind() {
        assert_eq!(
            classify(&json!({"Records": [{"eventSource": "aws:sqs", "body": "{}"}]})),
            EventKind::Sqs
        );
        assert_eq!(
            classify(&json!({"version": "0", "detail-type": "Scheduled Event", "source": "aws.events"})),
            EventKind::Schedule
        );
        assert_eq!(
            classify(&json!({"version": "2.0", "routeKey": "POST /x", "requestContext": {"http": {"method": "POST"}}})),
            EventKind::Http
        );
        assert_eq!(
            classify(&json!({"httpMethod": "POST", "resource": "/x"})),
            EventKind::Http
        );
    }

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

//! The Lambda side: one binary serves both entries of its event. The shared crate recognises
//! an SQS batch, a scheduled event, or an API Gateway / function URL request, so a function's
//! `main` is only `shared::lambda::run(MyJob).await`.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use aws_lambda_events::sqs::SqsEvent;
use lambda_http::request::LambdaRequest;
use lambda_runtime::{service_fn, Context, LambdaEvent};
use serde_json::{json, Value};

use crate::app::App;
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

/// The invocation's deadline as an `Instant`.
pub fn deadline_of(ctx: &Context) -> Instant {
    let left = ctx.deadline.saturating_sub(crate::dedup::now_ms());
    Instant::now() + Duration::from_millis(if ctx.deadline == 0 { 60_000 } else { left })
}

/// Cold start, then the runtime loop. A startup error is one line naming the problem.
pub async fn run<J: Job>(job: J) -> Result<(), Error> {
    crate::telemetry::init();
    let app = Arc::new(start().await?);
    let job = Arc::new(job);
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| {
        let (app, job) = (app.clone(), job.clone());
        async move { handle(&app, job.as_ref(), ev.payload, ev.context).await }
    }))
    .await
}

pub async fn run_scheduled<S: Scheduled>(task: S) -> Result<(), Error> {
    crate::telemetry::init();
    let app = Arc::new(start().await?);
    let task = Arc::new(task);
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| {
        let (app, task) = (app.clone(), task.clone());
        async move { handle_scheduled(&app, task.as_ref(), ev.context).await }
    }))
    .await
}

async fn start() -> Result<App, Error> {
    match App::from_env().await {
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
    let deadline = deadline_of(&ctx);
    match classify(&payload) {
        EventKind::Sqs => {
            let event: SqsEvent = serde_json::from_value(payload)?;
            Ok(serde_json::to_value(entry::sqs_batch(app, job, event, deadline).await)?)
        }
        EventKind::Http => {
            let request: http::Request<lambda_http::Body> = match serde_json::from_value::<LambdaRequest>(payload) {
                Ok(r) => r.into(),
                Err(e) => {
                    return Ok(http_response(
                        400,
                        &json!({"error": format!("not an API Gateway request: {e}")}),
                    ))
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
            Ok(http_response(answer.status, &answer.body))
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
    let result = task.run(app, deadline_of(&ctx)).await;
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

/// The proxy response shape shared by REST (v1), HTTP API (v2) and function URLs.
pub fn http_response(status: u16, body: &Value) -> Value {
    json!({
        "statusCode": status,
        "headers": {"content-type": "application/json"},
        "body": body.to_string(),
        "isBase64Encoded": false,
    })
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
}

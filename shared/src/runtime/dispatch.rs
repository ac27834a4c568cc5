//! Dispatch: one binary serves both entries of its event. An invocation is recognised as an
//! SQS batch, a scheduled event, or an API Gateway / function URL request, so a function's
//! `main` is only `shared::runtime::run(MyJob).await`.

use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use aws_lambda_events::sqs::SqsEvent;
use lambda_http::request::LambdaRequest;
use lambda_runtime::{service_fn, Context, Diagnostic, Error, LambdaEvent};
use serde_json::{json, Value};

use crate::job::{Job, JobError};
use crate::obs::{record_outcome, Detail, JobLine};
use crate::runtime::answer::http_response;
use crate::runtime::deadline::Deadlines;
use crate::runtime::entry;
use crate::runtime::init::start;
use crate::setup::app::App;
use crate::setup::secrets::StartupError;

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
/// suspicion, less the bookkeeping reserve (see [`crate::runtime::deadline`]).
pub fn deadline_of(app: &App, ctx: &Context) -> Instant {
    Deadlines::from_runtime(ctx.deadline, app.config.function_timeout).job
}

/// Cold start, then the runtime loop of a webhook function. A startup error is one line
/// naming the problem.
pub async fn run<J: Job>(job: J) -> Result<(), Error> {
    crate::obs::metrics::emit_cold_start(J::EVENT);
    let job = Arc::new(job);
    serve(App::from_env(), move |app, payload, ctx| {
        let job = job.clone();
        async move { handle(&app, job.as_ref(), payload, ctx).await }
    })
    .await
}

/// Cold start, then the runtime loop of a scheduled function (no webhook secret).
pub async fn run_scheduled<S: Scheduled>(task: S) -> Result<(), Error> {
    crate::obs::metrics::emit_cold_start(S::NAME);
    let task = Arc::new(task);
    serve(App::from_env_scheduled(), move |app, _payload, ctx| {
        let task = task.clone();
        async move { handle_scheduled(&app, task.as_ref(), ctx).await }
    })
    .await
}

/// [`run_scheduled`] for a task that reads settings of its own: they are read in the cold
/// start, so a bad value is reported like the shared configuration's (one line naming it).
pub async fn run_scheduled_with<S: Scheduled>(
    settings: impl FnOnce() -> Result<S, crate::setup::config::ConfigError>,
) -> Result<(), Error> {
    let slot: Arc<std::sync::OnceLock<S>> = Arc::new(std::sync::OnceLock::new());
    let filled = slot.clone();
    let cold_start = async move {
        let task = settings()?;
        let app = App::from_env_scheduled().await?;
        let _ = filled.set(task);
        Ok(app)
    };
    serve(cold_start, move |app, _payload, ctx| {
        let slot = slot.clone();
        async move {
            match slot.get() {
                Some(task) => handle_scheduled(&app, task, ctx).await,
                None => Err(failure("InitError", format!("{} has no settings", S::NAME))),
            }
        }
    })
    .await
}

async fn serve<F, Fut>(cold_start: impl Future<Output = Result<App, StartupError>>, handler: F) -> Result<(), Error>
where
    F: Fn(Arc<App>, Value, Context) -> Fut,
    Fut: Future<Output = Result<Value, Diagnostic>>,
{
    crate::obs::telemetry::init();
    let app = Arc::new(start(cold_start).await?);
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| {
        handler(app.clone(), ev.payload, ev.context)
    }))
    .await
}

/// One invocation of a webhook function.
pub async fn handle<J: Job>(app: &App, job: &J, payload: Value, ctx: Context) -> Result<Value, Diagnostic> {
    let deadline = deadline_of(app, &ctx);
    match classify(&payload) {
        EventKind::Sqs => {
            let event: SqsEvent = serde_json::from_value(payload)
                .map_err(|e| failure("InvalidEvent", format!("not an SQS batch: {e}")))?;
            let answer = entry::sqs_batch(app, job, event, deadline).await;
            serde_json::to_value(answer).map_err(|e| failure("EncodingError", e.to_string()))
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
        EventKind::Schedule => Err(failure(
            "ScheduledEventRefused",
            format!("{} is a webhook function: scheduled events are not accepted", J::EVENT),
        )),
    }
}

/// One invocation of a scheduled task (any payload triggers a run). A retryable failure is
/// reported as an error, so EventBridge's retry policy applies.
pub async fn handle_scheduled<S: Scheduled>(app: &App, task: &S, ctx: Context) -> Result<Value, Diagnostic> {
    let started = Instant::now();
    let span = tracing::info_span!("run", request_id = %ctx.request_id, event = S::NAME);
    let result = tracing::Instrument::instrument(task.run(app, deadline_of(app, &ctx)), span.clone()).await;
    let line = JobLine {
        event: S::NAME,
        ticket_id: None,
        attempt: 0,
    };
    let (outcome, detail) = match &result {
        Ok(summary) => ("processed", Detail::Summary(summary.to_string())),
        Err(e) if e.is_retryable() => ("retried", Detail::Error(e.to_string())),
        Err(e) => ("failed", Detail::Error(e.to_string())),
    };
    span.in_scope(|| record_outcome(&line, outcome, started.elapsed(), &detail));
    result.map_err(|e| {
        let kind = if e.is_retryable() { "Retryable" } else { "Fatal" };
        failure(kind, e.to_string())
    })
}

/// An error as the Lambda console shows it: a named kind (not a Rust type name) and the message.
fn failure(error_type: &str, error_message: String) -> Diagnostic {
    Diagnostic {
        error_type: error_type.to_string(),
        error_message,
    }
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

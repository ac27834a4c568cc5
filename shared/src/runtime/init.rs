//! The cold start: configuration, secrets and clients once per container. A failure is one
//! log line naming the problem, reported to the runtime API's `/runtime/init/error` so the
//! Lambda console shows the variable at fault instead of a bare `Runtime.ExitError`.

use std::future::Future;
use std::time::Duration;

use serde_json::json;

use crate::setup::app::App;
use crate::setup::secrets::StartupError;

/// Awaits the cold start; a failure is logged, reported, and returned.
pub async fn start(cold_start: impl Future<Output = Result<App, StartupError>>) -> Result<App, lambda_runtime::Error> {
    match cold_start.await {
        Ok(app) => Ok(app),
        Err(e) => {
            tracing::error!("cold start failed: {e}");
            report_init_error(&e.to_string()).await;
            Err(lambda_runtime::Error::from(e.to_string()))
        }
    }
}

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

//! Logging: JSON lines in Lambda (CloudWatch's JSON log format), compact text elsewhere.
//! Level from `RUST_LOG` (default `info`). Never logs secrets or ticket bodies.

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let in_lambda = std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if in_lambda {
        builder
            .json()
            .with_current_span(false)
            .with_span_list(false)
            .without_time()
            .with_ansi(false)
            .try_init()
    } else {
        builder.compact().try_init()
    };
}

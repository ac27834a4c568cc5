//! One line per AWS SDK failure: the service's error code and message when it sent one, else
//! the cause chain (connection refused, timeout). Never the raw HTTP response.

use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};

pub fn describe<E: ProvideErrorMetadata + std::error::Error + 'static>(e: &E) -> String {
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => DisplayErrorContext(e).to_string(),
    }
}

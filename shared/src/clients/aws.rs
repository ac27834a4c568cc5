//! The AWS SDK as the functions use it: one configuration (a lazily built HTTPS client,
//! operation timeouts on every call, no stalled-stream watchdog), and one line per SDK failure:
//! the service's error code and message when it sent one, else the cause chain (connection
//! refused, timeout). Never the raw HTTP response.

use std::sync::OnceLock;
use std::time::Duration;

use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
use aws_sdk_dynamodb::error::{DisplayErrorContext, ProvideErrorMetadata};

/// The SDK configuration of a container: region and credentials from the environment as usual.
pub async fn sdk_config() -> aws_config::SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .http_client(LazySdkHttp::shared())
        .timeout_config(timeouts())
        // Small JSON bodies from DynamoDB/SQS: a stalled-stream watchdog per call is CPU spent
        // for nothing; the operation timeouts bound a stalled call.
        .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
        .load()
        .await
}

pub fn describe<E: ProvideErrorMetadata + std::error::Error + 'static>(e: &E) -> String {
    match (e.code(), e.message()) {
        (Some(code), Some(message)) => format!("{code}: {message}"),
        (Some(code), None) => code.to_string(),
        _ => DisplayErrorContext(e).to_string(),
    }
}

/// Every AWS call is bounded, so the bookkeeping after a job (release, visibility change, the
/// batch answer) cannot hang past the invocation's deadline: DynamoDB and SQS answer in
/// milliseconds, and an attempt that takes seconds is better cut and retried once.
fn timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(4))
        .build()
}

/// The AWS SDK's HTTPS client, built on the first AWS call instead of when the SDK config is
/// loaded (its root certificates cost as much as reqwest's).
#[derive(Debug, Default)]
struct LazySdkHttp(OnceLock<aws_smithy_runtime_api::client::http::SharedHttpClient>);

impl LazySdkHttp {
    fn shared() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
        aws_smithy_runtime_api::client::http::SharedHttpClient::new(Self::default())
    }
}

impl aws_smithy_runtime_api::client::http::HttpClient for LazySdkHttp {
    fn http_connector(
        &self,
        settings: &aws_smithy_runtime_api::client::http::HttpConnectorSettings,
        components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
    ) -> aws_smithy_runtime_api::client::http::SharedHttpConnector {
        self.0
            .get_or_init(|| {
                use aws_smithy_http_client::tls;
                aws_smithy_http_client::Builder::new()
                    .tls_provider(tls::Provider::Rustls(tls::rustls_provider::CryptoMode::AwsLc))
                    .build_https()
            })
            .http_connector(settings, components)
    }
}

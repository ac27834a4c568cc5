//! The HTTP client for Freshdesk and Simpli, built on first use rather than at cold start.
//!
//! Building it loads the platform's root certificates (~150 files, several ms of CPU). A
//! container that only answers webhooks in queue mode never calls Freshdesk or Simpli, and a
//! job container needs it only once its first job starts — so the cold start stays short.
//! It follows no redirects.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

#[derive(Clone, Debug, Default)]
pub struct LazyHttp(Arc<OnceLock<Result<reqwest::Client, String>>>);

impl LazyHttp {
    pub fn new() -> Self {
        Self::default()
    }

    /// The shared client (connection pool included), built once.
    pub fn client(&self) -> Result<&reqwest::Client, String> {
        self.0
            .get_or_init(|| {
                reqwest::Client::builder()
                    .connect_timeout(Duration::from_secs(5))
                    // A redirect would re-send the request (and its API key) somewhere we did
                    // not configure; a 3xx is an error to fix, not a hop to take.
                    .redirect(reqwest::redirect::Policy::none())
                    .pool_idle_timeout(Duration::from_secs(50))
                    .user_agent(concat!("simpli-freshdesk/", env!("CARGO_PKG_VERSION")))
                    .build()
                    .map_err(|e| format!("http client: {e}"))
            })
            .as_ref()
            .map_err(Clone::clone)
    }
}

/// Every AWS call is bounded, so the bookkeeping after a job (release, visibility change, the
/// batch answer) cannot hang past the invocation's deadline: DynamoDB and SQS answer in
/// milliseconds, and an attempt that takes seconds is better cut and retried once.
pub fn aws_timeouts() -> aws_config::timeout::TimeoutConfig {
    aws_config::timeout::TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(1))
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(4))
        .build()
}

/// The AWS SDK's HTTPS client, built on the first AWS call instead of when the SDK config is
/// loaded (its root certificates cost as much as reqwest's).
#[derive(Debug, Default)]
pub struct LazySdkHttp(OnceLock<aws_smithy_runtime_api::client::http::SharedHttpClient>);

impl LazySdkHttp {
    pub fn shared() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
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

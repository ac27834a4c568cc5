//! What `setup`, `doctor` and `show` start from: the bridge's configuration and secrets, read
//! exactly as the functions read them (the same variables, Secrets Manager ids resolved the
//! same way; secrets are never printed), and a Freshdesk client with the bridge's key.

use shared::setup::secrets::{self, Secrets, StartupError};
use shared::Config;

use crate::freshdesk::Freshdesk;
use crate::OpsError;

pub struct Ctx {
    pub config: Config,
    pub secrets: Secrets,
    pub aws: aws_config::SdkConfig,
    pub freshdesk: Freshdesk,
}

/// The configuration, or the one-line error naming the variable.
pub fn config() -> Result<Config, OpsError> {
    Config::from_env().map_err(|e| OpsError::Config(e.to_string()))
}

/// Secrets from the environment or Secrets Manager.
pub async fn secrets(config: &Config, aws: &aws_config::SdkConfig) -> Result<Secrets, OpsError> {
    secrets::resolve(config, Some(aws))
        .await
        .map_err(|e: StartupError| OpsError::Config(e.to_string()))
}

pub async fn load() -> Result<Ctx, OpsError> {
    let config = config()?;
    let aws = shared::clients::aws::sdk_config().await;
    let secrets = secrets(&config, &aws).await?;
    let freshdesk = Freshdesk::new(&config.freshdesk_base, &secrets.freshdesk_api_key).map_err(OpsError::Config)?;
    Ok(Ctx {
        config,
        secrets,
        aws,
        freshdesk,
    })
}

/// `WEBHOOK_BASE_URL` when set: the API's base URL (the stack's `WebhookBaseUrl` output).
pub fn webhook_base(flag: Option<String>) -> Option<String> {
    flag.or_else(|| std::env::var("WEBHOOK_BASE_URL").ok())
        .map(|v| v.trim().trim_end_matches('/').to_string())
        .filter(|v| !v.is_empty())
}

//! The clients and stores of one container, built once at cold start and shared by every
//! invocation. No network at init beyond Secrets Manager (when secrets are given by id);
//! account discovery happens lazily on the first job.

use std::sync::Arc;
use std::time::Instant;

use secrecy::SecretString;
use tokio::sync::OnceCell;

use crate::clients::freshdesk::{AccountInfo, FreshdeskClient, FreshdeskError};
use crate::clients::simpli::SimpliClients;
use crate::setup::config::{Config, SecretSource};
use crate::setup::secrets::{Secrets, StartupError};
use crate::store::{DedupStore, DynamoDedupStore, MarkerStore, MemoryDedupStore};

/// Everything a job needs.
#[derive(Debug)]
pub struct App {
    pub config: Arc<Config>,
    pub freshdesk: FreshdeskClient,
    pub simpli: SimpliClients,
    pub dedup: Arc<dyn DedupStore>,
    /// The same table's markers (kb-sync's cursor and article versions).
    pub markers: Arc<dyn MarkerStore>,
    pub queue: Option<crate::runtime::queue::JobQueue>,
    webhook_secret: Option<SecretString>,
    account: OnceCell<Arc<AccountInfo>>,
}

impl App {
    /// Cold start of a webhook function: configuration, secrets, clients. Fails with one line
    /// naming the problem; the webhook secret is required.
    pub async fn from_env() -> Result<Self, StartupError> {
        Self::from_webhook_config(Config::from_env()?).await
    }

    /// As [`App::from_env`], from a configuration the caller read and adjusted (the sandbox's
    /// `serve --shadow`).
    pub async fn from_webhook_config(config: Config) -> Result<Self, StartupError> {
        config.require_webhook_secret()?;
        Self::from_config(config).await
    }

    /// Cold start of a scheduled function: as [`App::from_env`], but it is given no webhook
    /// secret (its role cannot read it) and never uses one.
    pub async fn from_env_scheduled() -> Result<Self, StartupError> {
        let mut config = Config::from_env()?;
        config.webhook_secret = None;
        Self::from_config(config).await
    }

    async fn from_config(config: Config) -> Result<Self, StartupError> {
        let needs_aws = config.idempotency_table.is_some()
            || config.job_queue_url.is_some()
            || matches!(config.freshdesk_api_key, SecretSource::SecretsManager(_))
            || matches!(config.webhook_secret, Some(SecretSource::SecretsManager(_)))
            || matches!(config.simpli_api_key, Some(SecretSource::SecretsManager(_)));
        let aws = if needs_aws {
            Some(crate::clients::aws::sdk_config().await)
        } else {
            None
        };
        let secrets = crate::setup::secrets::resolve(&config, aws.as_ref()).await?;
        let dedup: Arc<dyn DedupStore> = match (&config.idempotency_table, &aws) {
            (Some(table), Some(aws)) => {
                Arc::new(DynamoDedupStore::new(aws_sdk_dynamodb::Client::new(aws), table.clone()))
            }
            _ => {
                tracing::warn!("IDEMPOTENCY_TABLE is unset: using the in-memory dedup store (dev only; duplicates across containers are not caught)");
                Arc::new(MemoryDedupStore::new())
            }
        };
        let queue = match (&config.job_queue_url, &aws) {
            (Some(url), Some(aws)) => Some(crate::runtime::queue::JobQueue::new(
                aws,
                url.clone(),
                config.job_dlq_url.clone(),
            )),
            _ => None,
        };
        Self::with_parts(config, secrets, dedup, queue)
    }

    /// Builds the app from parts (tests, the sandbox).
    pub fn with_parts(
        config: Config,
        secrets: Secrets,
        dedup: Arc<dyn DedupStore>,
        queue: Option<crate::runtime::queue::JobQueue>,
    ) -> Result<Self, StartupError> {
        let http = crate::clients::http::LazyHttp::new();
        let freshdesk = FreshdeskClient::new(
            http.clone(),
            config.freshdesk_base.clone(),
            &secrets.freshdesk_api_key,
            crate::clients::freshdesk::Pacer::new(config.rate_limit_reserve, config.rate_limit_window),
        );
        let simpli = SimpliClients::new(http, config.simpli.clone(), secrets.simpli_api_key.as_ref());
        Ok(Self {
            config: Arc::new(config),
            freshdesk,
            simpli,
            markers: dedup.clone(),
            dedup,
            queue,
            webhook_secret: secrets.webhook_secret,
            account: OnceCell::new(),
        })
    }

    /// The shared webhook secret (`None` in a scheduled function, which refuses every webhook).
    pub fn webhook_secret(&self) -> Option<&SecretString> {
        self.webhook_secret.as_ref()
    }

    /// The account's ticket types and AI field names: read once, on first use.
    pub async fn account(&self, deadline: Instant) -> Result<Arc<AccountInfo>, FreshdeskError> {
        self.account
            .get_or_try_init(|| async {
                let (tf, cf) = tokio::try_join!(
                    self.freshdesk.ticket_fields(deadline),
                    self.freshdesk.contact_fields(deadline)
                )?;
                let info = AccountInfo::from_fields(&tf, &cf, &self.config.fields);
                tracing::info!(ticket_types = info.ticket_types.len(), "account discovered");
                Ok(Arc::new(info))
            })
            .await
            .cloned()
    }
}

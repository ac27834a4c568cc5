//! The simulators and the app built against them: the embedded defaults of the sandbox.
//!
//! Configuration goes through [`shared::Config::from_lookup`], the parser the Lambdas use, fed
//! with the simulators' addresses, then (for `serve --with-simulators`) the environment, then
//! the demo defaults below. The dedup store is in memory and jobs run inline.

use std::net::SocketAddr;
use std::sync::Arc;

use secrecy::SecretString;
use shared::app::StartupError;
use shared::config::SecretSource;
use shared::dedup::MemoryDedupStore;
use shared::{App, Config, Secrets};
use sim::{FreshdeskSim, SimpliSim};

use crate::{SandboxError, API_KEY, SECRET};

/// Settings of the demo account that a deployment would set in its template parameters:
/// Triage categories → the account's ticket types, Triage teams → its groups.
pub const DEMO_ENV: [(&str, &str); 3] = [
    ("WEBHOOK_SECRET", SECRET),
    (
        "TYPE_MAP",
        r#"{"billing":"Refund","technical_issue":"Incident","general_inquiry":"Question","feature_request":"Feature Request"}"#,
    ),
    ("GROUP_MAP", r#"{"billing-team":42,"technical_issue-team":43,"general_inquiry-team":45}"#),
];

/// Variables that make no sense against the simulators: the app is built with the in-memory
/// store and inline jobs whatever they say.
pub const IGNORED_WITH_SIMULATORS: [&str; 5] =
    ["IDEMPOTENCY_TABLE", "JOB_QUEUE_URL", "JOB_DLQ_URL", "FRESHDESK_API_KEY_SECRET_ID", "WEBHOOK_SECRET_SECRET_ID"];

/// The Freshdesk simulator (seeded demo account) and the Simpli stand-ins, running on 127.0.0.1.
#[derive(Clone, Debug)]
pub struct Simulators {
    pub freshdesk: FreshdeskSim,
    pub simpli: SimpliSim,
    pub freshdesk_addr: SocketAddr,
    pub simpli_addr: SocketAddr,
}

impl Simulators {
    /// Starts both on ephemeral ports.
    pub async fn start() -> Result<Self, SandboxError> {
        let freshdesk = FreshdeskSim::seeded_demo(API_KEY);
        let simpli = SimpliSim::new();
        let freshdesk_addr = freshdesk.start(0).await.map_err(|source| SandboxError::Start { what: "the Freshdesk simulator", source })?;
        let simpli_addr = simpli.start(0).await.map_err(|source| SandboxError::Start { what: "the Simpli stand-ins", source })?;
        Ok(Self { freshdesk, simpli, freshdesk_addr, simpli_addr })
    }

    /// `FRESHDESK_BASE_URL`, the Freshdesk key, and every Simpli URL, pointing at the simulators.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let simpli = format!("http://{}", self.simpli_addr);
        let mut env = vec![("FRESHDESK_BASE_URL", FreshdeskSim::base_url(self.freshdesk_addr)), ("FRESHDESK_API_KEY", API_KEY.to_string())];
        env.extend(["TRIAGE_URL", "REPLY_URL", "SENTIMENT_URL", "QA_URL", "KB_URL"].map(|var| (var, simpli.clone())));
        env
    }

    /// Requests the simulators received so far: (Freshdesk, Simpli).
    pub fn calls(&self) -> (usize, usize) {
        (self.freshdesk.requests().len(), self.simpli.requests().len())
    }
}

/// The app of the scenario: simulators and demo defaults only (the environment is not read, so
/// a developer's variables cannot change the demo).
pub fn demo_app(sims: &Simulators) -> Result<Arc<App>, StartupError> {
    simulator_app(sims, |_| None)
}

/// The app of `serve --with-simulators`: the simulators win, then `outside` (the environment),
/// then the demo defaults.
pub fn simulator_app(sims: &Simulators, outside: impl Fn(&str) -> Option<String>) -> Result<Arc<App>, StartupError> {
    let pinned = sims.env();
    let config = Config::from_lookup(|name| {
        if let Some((_, v)) = pinned.iter().find(|(k, _)| *k == name) {
            return Some(v.clone());
        }
        if !IGNORED_WITH_SIMULATORS.contains(&name) {
            if let Some(v) = outside(name).filter(|v| !v.trim().is_empty()) {
                return Some(v);
            }
        }
        DEMO_ENV.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    })?;
    let secrets = Secrets {
        freshdesk_api_key: secret_value(&config.freshdesk_api_key, "FRESHDESK_API_KEY")?,
        webhook_secret: secret_value(&config.webhook_secret, "WEBHOOK_SECRET")?,
    };
    Ok(Arc::new(App::with_parts(config, secrets, Arc::new(MemoryDedupStore::new()), None)?))
}

/// A secret given as a value (the lookup above never yields a Secrets Manager id).
fn secret_value(source: &SecretSource, var: &'static str) -> Result<SecretString, StartupError> {
    match source {
        SecretSource::Value(v) => Ok(v.clone()),
        SecretSource::SecretsManager(_) => Err(StartupError::Secret { var, problem: "give the value itself when running with the simulators".into() }),
    }
}

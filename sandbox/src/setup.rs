//! The simulators and the app built against them: the embedded defaults of the sandbox.
//!
//! Configuration goes through [`shared::Config::from_lookup`], the parser the Lambdas use, fed
//! with the simulators' addresses, then (for `serve --with-simulators`) the environment, then
//! the demo defaults below. The dedup store is in memory and jobs run inline.

use std::net::SocketAddr;
use std::sync::Arc;

use secrecy::SecretString;
use shared::setup::config::SecretSource;
use shared::setup::secrets::StartupError;
use shared::store::MemoryDedupStore;
use shared::{App, Config, Secrets};
use sim::{FreshdeskSim, SimpliSim};
use tokio::net::TcpListener;

use crate::{SandboxError, API_KEY, SECRET};

/// Settings of the demo account that a deployment would set in its template parameters:
/// Triage categories → the account's ticket types, Triage teams → its groups.
pub const DEMO_ENV: [(&str, &str); 3] = [
    ("WEBHOOK_SECRET", SECRET),
    (
        "TYPE_MAP",
        r#"{"billing":"Refund","technical_issue":"Incident","general_inquiry":"Question","feature_request":"Feature Request"}"#,
    ),
    (
        "GROUP_MAP",
        r#"{"billing-team":42,"technical_issue-team":43,"general_inquiry-team":45}"#,
    ),
];

/// Variables that make no sense against the simulators: the app is built with the in-memory
/// store and inline jobs whatever they say.
pub const IGNORED_WITH_SIMULATORS: [&str; 5] = [
    "IDEMPOTENCY_TABLE",
    "JOB_QUEUE_URL",
    "JOB_DLQ_URL",
    "FRESHDESK_API_KEY_SECRET_ID",
    "WEBHOOK_SECRET_SECRET_ID",
];

/// Where `serve --with-simulators` puts the Freshdesk simulator, so other local tools (e.g.
/// `cargo lambda watch`) can use it too.
pub const FRESHDESK_SIM_PORT: u16 = 9100;
/// The Simpli services' default ports (the defaults of `TRIAGE_URL` ... `KB_URL`).
pub const SIMPLI_PORTS: [(&str, u16); 5] = [
    ("TRIAGE_URL", 8001),
    ("REPLY_URL", 8002),
    ("QA_URL", 8003),
    ("SENTIMENT_URL", 8004),
    ("KB_URL", 8006),
];

/// The Freshdesk simulator (seeded demo account) and the Simpli stand-ins, running on 127.0.0.1.
#[derive(Clone, Debug)]
pub struct Simulators {
    pub freshdesk: FreshdeskSim,
    pub simpli: SimpliSim,
    pub freshdesk_addr: SocketAddr,
    /// Each Simpli URL variable and the address serving it (all share one state).
    pub simpli_addrs: Vec<(&'static str, SocketAddr)>,
}

impl Simulators {
    /// Starts both on one ephemeral port each (the scenario, tests).
    pub async fn start() -> Result<Self, SandboxError> {
        Self::launch(0, SIMPLI_PORTS.map(|(var, _)| (var, 0))).await
    }

    /// Starts them on the well-known ports ([`FRESHDESK_SIM_PORT`], [`SIMPLI_PORTS`]); a port
    /// that is taken is replaced by an ephemeral one (the addresses say which).
    pub async fn start_well_known() -> Result<Self, SandboxError> {
        Self::launch(FRESHDESK_SIM_PORT, SIMPLI_PORTS).await
    }

    async fn launch(freshdesk_port: u16, simpli_ports: [(&'static str, u16); 5]) -> Result<Self, SandboxError> {
        let freshdesk = FreshdeskSim::seeded_demo(API_KEY);
        let simpli = SimpliSim::new();
        let listener = bind_preferring(freshdesk_port, "the Freshdesk simulator").await?;
        let freshdesk_addr = local_addr(&listener, "the Freshdesk simulator")?;
        let fd = freshdesk.clone();
        tokio::spawn(async move {
            if let Err(e) = fd.serve(listener).await {
                tracing::error!(error = %e, "freshdesk simulator stopped");
            }
        });
        let mut simpli_addrs: Vec<(&'static str, SocketAddr)> = Vec::new();
        for (var, port) in simpli_ports {
            let shared_ephemeral = simpli_addrs.first().filter(|_| port == 0).map(|(_, a)| *a);
            let addr = match shared_ephemeral {
                Some(addr) => addr,
                None => {
                    let listener = bind_preferring(port, "the Simpli stand-ins").await?;
                    let addr = local_addr(&listener, "the Simpli stand-ins")?;
                    let sim = simpli.clone();
                    tokio::spawn(async move {
                        if let Err(e) = sim.serve(listener).await {
                            tracing::error!(error = %e, "simpli stand-ins stopped");
                        }
                    });
                    addr
                }
            };
            simpli_addrs.push((var, addr));
        }
        Ok(Self {
            freshdesk,
            simpli,
            freshdesk_addr,
            simpli_addrs,
        })
    }

    /// The address of the Triage stand-in (every service answers on every Simpli address).
    pub fn simpli_addr(&self) -> Option<SocketAddr> {
        self.simpli_addrs.first().map(|(_, a)| *a)
    }

    /// `FRESHDESK_BASE_URL`, the Freshdesk key, and every Simpli URL, pointing at the simulators.
    pub fn env(&self) -> Vec<(String, String)> {
        sim::bridge_env(self.freshdesk_addr, API_KEY, &self.simpli_addrs)
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
        if let Some((_, v)) = pinned.iter().find(|(k, _)| k == name) {
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
        webhook_secret: Some(secret_value(config.require_webhook_secret()?, "WEBHOOK_SECRET")?),
        simpli_api_key: config
            .simpli_api_key
            .as_ref()
            .map(|k| secret_value(k, "SIMPLI_API_KEY"))
            .transpose()?,
    };
    Ok(Arc::new(App::with_parts(
        config,
        secrets,
        Arc::new(MemoryDedupStore::new()),
        None,
    )?))
}

/// Binds `127.0.0.1:port`, or an ephemeral port when that one is taken.
async fn bind_preferring(port: u16, what: &'static str) -> Result<TcpListener, SandboxError> {
    if port != 0 {
        if let Ok(listener) = TcpListener::bind(("127.0.0.1", port)).await {
            return Ok(listener);
        }
    }
    TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|source| SandboxError::Start { what, source })
}

fn local_addr(listener: &TcpListener, what: &'static str) -> Result<SocketAddr, SandboxError> {
    listener
        .local_addr()
        .map_err(|source| SandboxError::Start { what, source })
}

/// A secret given as a value (the lookup above never yields a Secrets Manager id).
fn secret_value(source: &SecretSource, var: &'static str) -> Result<SecretString, StartupError> {
    match source {
        SecretSource::Value(v) => Ok(v.clone()),
        SecretSource::SecretsManager(_) => Err(StartupError::Secret {
            var,
            problem: "give the value itself when running with the simulators".into(),
        }),
    }
}

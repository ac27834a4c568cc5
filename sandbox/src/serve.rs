//! `sandbox serve`: the webhook routes on a local port, configured from the same environment
//! variables as the Lambdas ([`shared::App::from_env`]: `FRESHDESK_DOMAIN`, `WEBHOOK_SECRET`,
//! `IDEMPOTENCY_TABLE`, ...), so a real Freshdesk account can call it through a tunnel. With
//! `--with-simulators`, Freshdesk and Simpli are the local simulators instead.

use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use secrecy::ExposeSecret;
use shared::setup::secrets::StartupError;
use shared::App;
use tokio::net::TcpListener;

use crate::bridge::WEBHOOK_ROUTES;
use crate::setup::{self, Simulators, IGNORED_WITH_SIMULATORS};
use crate::{bridge, SandboxError, SECRET};

pub const DEFAULT_PORT: u16 = 3000;

#[derive(Debug, Clone, PartialEq)]
pub struct ServeOptions {
    pub port: u16,
    pub with_simulators: bool,
    /// `BRIDGE_MODE=shadow`: notes only, no field changes.
    pub shadow: bool,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            port: DEFAULT_PORT,
            with_simulators: false,
            shadow: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// Misconfiguration: one line naming the variable (exit code 2).
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind { port: u16, source: io::Error },
    #[error("server stopped: {0}")]
    Serve(io::Error),
}

impl ServeError {
    /// 2 for configuration problems (as a failed cold start), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Startup(_) | Self::Sandbox(SandboxError::Startup(_)) => 2,
            _ => 1,
        }
    }
}

/// Builds the app, binds the port, prints what is served where, and serves until killed.
pub async fn serve(opts: &ServeOptions, out: &mut impl Write) -> Result<(), ServeError> {
    // --shadow wins over the environment's BRIDGE_MODE.
    let shadow = opts.shadow;
    let outside = move |name: &str| match name {
        "BRIDGE_MODE" if shadow => Some("shadow".to_string()),
        _ => std::env::var(name).ok(),
    };
    let (app, sims) = if opts.with_simulators {
        let sims = Simulators::start_well_known().await?;
        (setup::simulator_app(&sims, outside)?, Some(sims))
    } else {
        let config = shared::Config::from_lookup(outside).map_err(StartupError::from)?;
        (Arc::new(App::from_webhook_config(config).await?), None)
    };
    let listener = TcpListener::bind(("127.0.0.1", opts.port))
        .await
        .map_err(|source| ServeError::Bind {
            port: opts.port,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServeError::Bind {
        port: opts.port,
        source,
    })?;
    if let Err(e) = banner(out, &app, sims.as_ref(), addr) {
        tracing::warn!(error = %e, "could not print the banner; serving anyway");
    }
    axum::serve(listener, bridge::router(app))
        .await
        .map_err(ServeError::Serve)
}

fn banner(out: &mut impl Write, app: &App, sims: Option<&Simulators>, addr: SocketAddr) -> io::Result<()> {
    let c = &app.config;
    writeln!(out, "simpli-freshdesk sandbox: webhook routes on http://{addr}")?;
    for (path, event) in WEBHOOK_ROUTES {
        writeln!(out, "  POST {path:<30} → {event}")?;
    }
    writeln!(
        out,
        "  POST {:<30} → kb-sync (same secret; scheduled by EventBridge when deployed)",
        "/kb-sync"
    )?;
    writeln!(out, "  GET  {:<30} → ok", "/health")?;
    writeln!(out, "  Freshdesk  {}", c.freshdesk_base)?;
    writeln!(out, "  mode       {}", c.mode)?;
    let s = &c.simpli;
    writeln!(
        out,
        "  Simpli     triage {} · reply {} · sentiment {} · qa {} · kb {}",
        s.triage, s.reply, s.sentiment, s.qa, s.kb
    )?;
    match &c.idempotency_table {
        Some(table) if sims.is_none() => writeln!(out, "  dedup      DynamoDB table {table}")?,
        _ => writeln!(
            out,
            "  dedup      in memory (as with IDEMPOTENCY_TABLE unset; lost on restart)"
        )?,
    }
    match (&app.queue, &c.job_queue_url) {
        (Some(_), Some(url)) => writeln!(
            out,
            "  jobs       queued to {url}: the deployed functions run them, not this server"
        )?,
        _ => writeln!(
            out,
            "  jobs       inline (as with JOB_QUEUE_URL unset): each answer carries the job's outcome"
        )?,
    }
    if let Some(sims) = sims {
        for var in IGNORED_WITH_SIMULATORS.iter().filter(|v| std::env::var_os(v).is_some()) {
            writeln!(out, "  note: {var} is ignored with --with-simulators")?;
        }
        writeln!(
            out,
            "  simulators: Freshdesk demo account (tickets 101-104), Simpli stand-ins; other local tools"
        )?;
        writeln!(out, "  (e.g. cargo lambda watch) can use them with:")?;
        for (var, value) in sims.env() {
            writeln!(out, "    {var}={value}")?;
        }
    }
    let secret = if app.webhook_secret().is_some_and(|s| s.expose_secret() == SECRET) {
        SECRET
    } else {
        "$WEBHOOK_SECRET"
    };
    writeln!(
        out,
        "Send the secret as the Basic auth password (Freshdesk's \"requires authentication\") or in X-Webhook-Secret:"
    )?;
    writeln!(
        out,
        "  curl -u freshdesk:{secret} -H 'content-type: application/json' -d '{{\"ticket_id\": 101}}' http://{addr}/freshdesk/ticket-created"
    )?;
    out.flush()
}

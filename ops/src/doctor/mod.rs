//! `ops doctor`: read-only checks of everything the bridge depends on, one line each, ✔ or ✘
//! with the fix. Calls: Freshdesk 2 (fields; the first also checks the key) + 2 (rules) + 1
//! (groups, only with a GROUP_MAP); one `GET /health` per Simpli service; DynamoDB
//! DescribeTable + DescribeTimeToLive; per queue one GetQueueAttributes on the queue and one on
//! its DLQ.
//!
//! The Freshdesk checks are in `freshdesk.rs`, the Simpli, table and queue checks in
//! `services.rs`.

mod freshdesk;
mod services;

use std::fmt::Write as _;

use serde::Serialize;
use shared::Config;

use crate::context;
use crate::freshdesk::Freshdesk;

/// One check's result.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub check: String,
    pub ok: bool,
    pub detail: String,
    /// How to fix it (failed checks only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fix: Option<String>,
}

pub(crate) fn pass(check: impl Into<String>, detail: impl Into<String>) -> Check {
    Check {
        check: check.into(),
        ok: true,
        detail: detail.into(),
        fix: None,
    }
}

pub(crate) fn fail(check: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Check {
    Check {
        check: check.into(),
        ok: false,
        detail: detail.into(),
        fix: Some(fix.into()),
    }
}

/// Every check's result.
#[derive(Debug, Default, Serialize)]
pub struct DoctorReport {
    pub checks: Vec<Check>,
}

impl DoctorReport {
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        for c in &self.checks {
            let mark = if c.ok { '✔' } else { '✘' };
            let _ = write!(out, "{mark} {}: {}", c.check, c.detail);
            if let Some(fix) = &c.fix {
                let _ = write!(out, " → fix: {fix}");
            }
            out.push('\n');
        }
        let failed = self.checks.iter().filter(|c| !c.ok).count();
        let _ = writeln!(out, "{} checks, {failed} failed", self.checks.len());
        out
    }

    pub fn json(&self) -> String {
        serde_json::json!({"ok": self.ok(), "checks": self.checks}).to_string() + "\n"
    }
}

/// Runs every check; `webhook_base` lets it check where the rules point.
pub async fn run(webhook_base: Option<String>) -> DoctorReport {
    let mut report = DoctorReport::default();
    let config = match context::config() {
        Ok(c) => c,
        Err(e) => {
            report.checks.push(fail(
                "configuration",
                e.to_string(),
                "set the variable as the stack's template does (see docs/setup-and-doctor.md)",
            ));
            return report;
        }
    };
    report.checks.push(pass("configuration", summary(&config)));
    let aws = shared::clients::aws::sdk_config().await;
    let secrets = match context::secrets(&config, &aws).await {
        Ok(s) => s,
        Err(e) => {
            report.checks.push(fail(
                "secrets",
                e.to_string(),
                "check the secret id and that this role may read it",
            ));
            return report;
        }
    };
    report.checks.push(secrets_check(&secrets));
    match Freshdesk::new(&config.freshdesk_base, &secrets.freshdesk_api_key) {
        Ok(fd) => freshdesk::checks(&fd, &config, webhook_base.as_deref(), &mut report.checks).await,
        Err(e) => report
            .checks
            .push(fail("Freshdesk key", e, "store the bot agent's API key, nothing else")),
    }
    services::simpli_checks(&config, secrets.simpli_api_key.is_some(), &mut report.checks).await;
    report
        .checks
        .push(services::table_check(&aws, config.idempotency_table.as_deref()).await);
    report.checks.extend(services::queue_checks(&aws, &config).await);
    report
}

fn summary(config: &Config) -> String {
    format!("Freshdesk {}, mode {}", config.freshdesk_base, config.mode)
}

fn secrets_check(secrets: &shared::Secrets) -> Check {
    match &secrets.webhook_secret {
        Some(_) => pass("secrets", "Freshdesk key and webhook secret read (values not shown)"),
        None => fail(
            "secrets",
            "no webhook secret",
            "set WEBHOOK_SECRET_SECRET_ID (or WEBHOOK_SECRET) as the functions have it",
        ),
    }
}

//! `ops doctor`: read-only checks of everything the bridge depends on, one line each, ✔ or ✘
//! with the fix. Calls: Freshdesk 2 (fields; the first also checks the key) + 2 (rules) + 1
//! (groups, only with a GROUP_MAP);
//! one `GET /health` per Simpli service; DynamoDB DescribeTable + DescribeTimeToLive; per
//! queue one GetQueueAttributes on the queue and one on its DLQ.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::time::Duration;

use aws_sdk_sqs::types::QueueAttributeName;
use serde::Serialize;
use serde_json::Value;
use shared::clients::freshdesk::AccountInfo;
use shared::Config;

use crate::context;
use crate::freshdesk::Freshdesk;
use crate::guide::{GuideRule, FIELDS, RULES};
use crate::setup::{assess, defs, quoted, spec};

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

fn pass(check: impl Into<String>, detail: impl Into<String>) -> Check {
    Check {
        check: check.into(),
        ok: true,
        detail: detail.into(),
        fix: None,
    }
}

fn fail(check: impl Into<String>, detail: impl Into<String>, fix: impl Into<String>) -> Check {
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
        Ok(fd) => freshdesk_checks(&fd, &config, webhook_base.as_deref(), &mut report.checks).await,
        Err(e) => report
            .checks
            .push(fail("Freshdesk key", e, "store the bot agent's API key, nothing else")),
    }
    simpli_checks(&config, secrets.simpli_api_key.is_some(), &mut report.checks).await;
    report
        .checks
        .push(table_check(&aws, config.idempotency_table.as_deref()).await);
    report.checks.extend(queue_checks(&aws, &config).await);
    report
}

fn summary(config: &Config) -> String {
    let mode = std::env::var("BRIDGE_MODE").unwrap_or_else(|_| "live".into());
    format!("Freshdesk {}, mode {}", config.freshdesk_base, mode.trim())
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

async fn freshdesk_checks(fd: &Freshdesk, config: &Config, base: Option<&str>, checks: &mut Vec<Check>) {
    // The key check's answer is the ticket field list: one call for both.
    let (ticket, total) = match fd.get("ticket_fields").await {
        Ok(answer) => (defs(answer.body), answer.rate_limit_total),
        Err(e) => {
            let fix = match e.status {
                401 => "the key is wrong or revoked: store the bot agent's current API key (Profile settings › API key) in the Freshdesk key secret",
                403 => "the key's agent lacks permission: use an admin bot agent's key",
                _ => "check FRESHDESK_DOMAIN / FRESHDESK_BASE_URL and the network",
            };
            checks.push(fail("Freshdesk key", e.to_string(), fix));
            return;
        }
    };
    let plan = total.map_or("no X-RateLimit-Total header".into(), |t| {
        format!("X-RateLimit-Total {t}/min")
    });
    checks.push(pass("Freshdesk key", format!("accepted; {plan}")));
    let contact = match fd.get("contact_fields").await {
        Ok(answer) => defs(answer.body),
        Err(e) => {
            return checks.push(fail(
                "Freshdesk fields",
                e.to_string(),
                "retry; check the key's permissions",
            ))
        }
    };
    let info = AccountInfo::from_fields(&ticket, &contact, &config.fields);
    field_checks(&info, checks);
    checks.push(type_map_check(config, &info));
    if !config.group_map.is_empty() {
        checks.push(group_map_check(fd, config).await);
    }
    rule_checks(fd, base, checks).await;
}

fn field_checks(info: &AccountInfo, checks: &mut Vec<Check>) {
    for field in &FIELDS {
        let name = format!("field {}", field.label);
        let Some(found) = spec(info, field.label) else {
            checks.push(fail(
                name,
                "not found: the bridge leaves it out of every write",
                "run `ops setup` (or set its FIELD_* variable to its API name)",
            ));
            continue;
        };
        let refused = field.refused(found);
        if refused.is_empty() {
            checks.push(pass(name, assess(field, found)));
        } else {
            checks.push(fail(
                name,
                format!(
                    "{} ({}) cannot take {}",
                    found.name,
                    found.kind.name(),
                    quoted(&refused)
                ),
                format!(
                    "add {} as choices of the {} field in Freshdesk admin",
                    quoted(&refused),
                    field.container.name()
                ),
            ));
        }
    }
}

fn type_map_check(config: &Config, info: &AccountInfo) -> Check {
    let Some(map) = &config.type_map else {
        return pass(
            "TYPE_MAP",
            "not set: a category's title-cased name is used when the account has that type",
        );
    };
    let missing: Vec<String> = map
        .values()
        .filter(|t| info.ticket_type(t).is_none())
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    if missing.is_empty() {
        return pass("TYPE_MAP", format!("{} type(s), all in the account", map.len()));
    }
    fail(
        "TYPE_MAP",
        format!(
            "the account has no type {} (it has {})",
            quoted(&missing),
            info.ticket_types.join(", ")
        ),
        "add the type in Admin › Ticket Fields › Type, or fix TYPE_MAP",
    )
}

async fn group_map_check(fd: &Freshdesk, config: &Config) -> Check {
    let groups = match fd.get_all("groups").await {
        Ok(g) => g,
        Err(e) => return fail("GROUP_MAP", e.to_string(), "retry; the key's agent must see groups"),
    };
    let ids: BTreeSet<u64> = groups
        .iter()
        .filter_map(|g| g.get("id").and_then(Value::as_u64))
        .collect();
    let missing: Vec<String> = config
        .group_map
        .iter()
        .filter(|(_, id)| !ids.contains(id))
        .map(|(team, id)| format!("{team} → {id}"))
        .collect();
    if missing.is_empty() {
        return pass(
            "GROUP_MAP",
            format!("{} group(s), all in the account", config.group_map.len()),
        );
    }
    let known: Vec<String> = groups
        .iter()
        .map(|g| format!("{} {}", g["id"], g.get("name").and_then(Value::as_str).unwrap_or("")))
        .collect();
    fail(
        "GROUP_MAP",
        format!("no such group for {}", missing.join(", ")),
        format!("use one of the account's groups ({}) in GROUP_MAP", known.join(", ")),
    )
}

async fn rule_checks(fd: &Freshdesk, base: Option<&str>, checks: &mut Vec<Check>) {
    let mut lists = Vec::new();
    for kind in [1, 4] {
        match fd.get_all(&format!("automations/{kind}/rules")).await {
            Ok(rules) => lists.push((kind, rules)),
            Err(e) => {
                return checks.push(fail(
                    "automation rules",
                    e.to_string(),
                    "the key's agent must be an admin to read automations",
                ))
            }
        }
    }
    for rule in &RULES {
        let list = lists
            .iter()
            .find(|(k, _)| *k == rule.automation_type)
            .map(|(_, l)| l.as_slice())
            .unwrap_or(&[]);
        checks.push(rule_check(rule, list, base));
    }
}

fn rule_check(rule: &GuideRule, rules: &[Value], base: Option<&str>) -> Check {
    let name = format!("rule {}", rule.event);
    let Some(found) = rule.find(rules) else {
        return fail(
            name,
            format!(
                "no rule named \"{}\": Freshdesk sends no {} webhook",
                rule.name, rule.event
            ),
            "run `ops setup --rules --webhook-base URL`",
        );
    };
    let url = GuideRule::action_url(found).unwrap_or("");
    let active = found.get("active").and_then(Value::as_bool).unwrap_or(true);
    if !active {
        return fail(
            name,
            format!("\"{}\" is inactive", rule.name),
            "activate it in Admin › Automations",
        );
    }
    match base {
        Some(base) if url != rule.url(base) => fail(
            name,
            format!("\"{}\" posts to {url}, not {}", rule.name, rule.url(base)),
            "set the rule's webhook URL to the bridge's (Admin › Automations), or delete it and run `ops setup --rules`",
        ),
        Some(_) => pass(name, format!("\"{}\" posts to {url}", rule.name)),
        None if url.ends_with(&format!("/freshdesk/{}", rule.event)) => {
            pass(name, format!("\"{}\" posts to {url} (pass --webhook-base to check the host)", rule.name))
        }
        None => fail(name, format!("\"{}\" posts to {url}", rule.name), format!("point it at <API base>/freshdesk/{}", rule.event)),
    }
}

async fn simpli_checks(config: &Config, keyed: bool, checks: &mut Vec<Check>) {
    let http = match reqwest::Client::builder().timeout(Duration::from_secs(5)).build() {
        Ok(h) => h,
        Err(e) => return checks.push(fail("Simpli", e.to_string(), "retry")),
    };
    let s = &config.simpli;
    for (name, var, url) in [
        ("Triage", "TRIAGE_URL", &s.triage),
        ("Reply", "REPLY_URL", &s.reply),
        ("Sentiment", "SENTIMENT_URL", &s.sentiment),
        ("QA", "QA_URL", &s.qa),
        ("KB", "KB_URL", &s.kb),
    ] {
        let health = format!("{}/health", url.as_str().trim_end_matches('/'));
        let result = match http.get(&health).send().await {
            Ok(r) if r.status().is_success() => Ok(()),
            Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
            Err(e) => Err(shared::clients::http::root_cause(&e)),
        };
        let check = format!("Simpli {name}");
        checks.push(match result {
            Ok(()) => pass(
                check,
                format!("{health} ok{}", if keyed { " (X-API-Key set)" } else { "" }),
            ),
            Err(e) => fail(
                check,
                format!("{health}: {e}"),
                format!("start the service, or fix {var}"),
            ),
        });
    }
}

async fn table_check(aws: &aws_config::SdkConfig, table: Option<&str>) -> Check {
    let Some(table) = table else {
        return fail(
            "dedup table",
            "IDEMPOTENCY_TABLE not set: the functions would keep dedup in memory",
            "set IDEMPOTENCY_TABLE to the stack's IdempotencyTableName",
        );
    };
    let client = aws_sdk_dynamodb::Client::new(aws);
    if let Err(e) = client.describe_table().table_name(table).send().await {
        return fail(
            "dedup table",
            format!("{table}: {}", shared::clients::aws::describe(&e)),
            "deploy the stack, or fix IDEMPOTENCY_TABLE and the role's dynamodb:DescribeTable",
        );
    }
    let ttl = match client.describe_time_to_live().table_name(table).send().await {
        Ok(out) => out.time_to_live_description,
        Err(e) => {
            return fail(
                "dedup table",
                format!("{table}: {}", shared::clients::aws::describe(&e)),
                "allow dynamodb:DescribeTimeToLive",
            )
        }
    };
    let status = ttl
        .as_ref()
        .and_then(|t| t.time_to_live_status.as_ref())
        .map(|s| s.as_str().to_string());
    let attr = ttl.as_ref().and_then(|t| t.attribute_name.clone());
    match (status.as_deref(), attr.as_deref()) {
        (Some("ENABLED" | "ENABLING"), Some("expires_at")) => pass("dedup table", format!("{table}, TTL on expires_at")),
        _ => fail(
            "dedup table",
            format!("{table} has no TTL on expires_at: its items are never deleted"),
            format!("aws dynamodb update-time-to-live --table-name {table} --time-to-live-specification Enabled=true,AttributeName=expires_at"),
        ),
    }
}

/// The queues to check: each event's `*_QUEUE_URL`, else `JOB_QUEUE_URL` once.
fn queues(config: &Config) -> Vec<(String, String)> {
    let mut out = crate::show::event_queues(None);
    if out.is_empty() {
        if let Some(url) = &config.job_queue_url {
            out.push(("<event>".into(), url.clone()));
        }
    }
    out
}

async fn queue_checks(aws: &aws_config::SdkConfig, config: &Config) -> Vec<Check> {
    let queues = queues(config);
    if queues.is_empty() {
        return vec![fail(
            "queues",
            "no queue URL set (TICKET_CREATED_QUEUE_URL, … or JOB_QUEUE_URL)",
            "set them from the stack's outputs",
        )];
    }
    let client = aws_sdk_sqs::Client::new(aws);
    let mut checks = Vec::new();
    for (event, url) in queues {
        checks.push(queue_check(aws, &client, &event, &url, config.job_dlq_url.clone()).await);
    }
    checks
}

async fn queue_check(
    aws: &aws_config::SdkConfig,
    client: &aws_sdk_sqs::Client,
    event: &str,
    url: &str,
    dlq: Option<String>,
) -> Check {
    let name = format!("queue {event}");
    let depth = match depth_of(client, url).await {
        Ok(d) => d,
        Err(e) => {
            return fail(
                name,
                format!("{url}: {e}"),
                "deploy the stack, or fix the queue URL and the role's sqs:GetQueueAttributes",
            )
        }
    };
    let dlq_url = match crate::resolve_dlq_url(aws, url, dlq).await {
        Ok(u) => u,
        Err(e) => {
            return fail(
                name,
                e.to_string(),
                "give the queue a RedrivePolicy (the template does)",
            )
        }
    };
    match depth_of(client, &dlq_url).await {
        Ok(0) => pass(name, format!("{depth} waiting, DLQ empty")),
        Ok(n) => fail(
            name,
            format!("{depth} waiting, {n} message(s) in the DLQ"),
            format!("see why with `ops show --ticket N`, fix the cause, then `ops replay --event {event}`"),
        ),
        Err(e) => fail(
            name,
            format!("DLQ {dlq_url}: {e}"),
            "allow sqs:GetQueueAttributes on the DLQ",
        ),
    }
}

async fn depth_of(client: &aws_sdk_sqs::Client, url: &str) -> Result<u64, String> {
    let out = client
        .get_queue_attributes()
        .queue_url(url)
        .attribute_names(QueueAttributeName::ApproximateNumberOfMessages)
        .send()
        .await
        .map_err(|e| shared::clients::aws::describe(&e))?;
    Ok(out
        .attributes()
        .and_then(|a| a.get(&QueueAttributeName::ApproximateNumberOfMessages))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

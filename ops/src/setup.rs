//! `ops setup`: creates the AI custom fields the account lacks, with the guide's types and
//! choices, and (with `--rules`) the three automation rules. It never changes what exists: a
//! field of another type or a dropdown lacking choices is reported with what the bridge will
//! do about it, and a rule found by name is left as it is. A second run changes nothing.

use std::fmt::Write as _;

use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use shared::clients::freshdesk::discovery::FieldSpec;
use shared::clients::freshdesk::{AccountInfo, FieldDef};
use shared::setup::config::FieldOverrides;

use crate::freshdesk::{ApiError, Freshdesk};
use crate::guide::{Container, GuideField, GuideRule, FIELDS, RULES};
use crate::OpsError;

/// What to set up.
#[derive(Debug, Clone, Default)]
pub struct SetupOptions {
    pub dry_run: bool,
    /// Create the automation rules too (else print them).
    pub rules: bool,
    /// The API's base URL, e.g. `https://abc.execute-api.eu-west-1.amazonaws.com`.
    pub webhook_base: Option<String>,
}

/// The run's report: one line per field and rule, and what changed.
#[derive(Debug, Default)]
pub struct SetupReport {
    pub lines: Vec<String>,
    pub created_fields: usize,
    pub created_rules: usize,
    pub dry_run: bool,
    /// Why the automation rules could not be set up through the API (the account refused the
    /// Automations API, or a rule body): they are printed to create by hand, and `ops` exits 1.
    pub rules_failed: Option<String>,
}

impl SetupReport {
    pub fn render(&self) -> String {
        let mut out = String::new();
        for line in &self.lines {
            let _ = writeln!(out, "{line}");
        }
        let verb = if self.dry_run { "Would create" } else { "Created" };
        if let Some(why) = &self.rules_failed {
            let _ = writeln!(
                out,
                "{verb} {} field(s) and {} rule(s); the other rules could not be created through the API ({why}): create them by hand as printed above.",
                self.created_fields, self.created_rules
            );
        } else if self.created_fields + self.created_rules == 0 {
            out.push_str("Nothing to change: the account already has what the bridge needs.\n");
        } else {
            let _ = writeln!(
                out,
                "{verb} {} field(s) and {} rule(s).",
                self.created_fields, self.created_rules
            );
        }
        out
    }
}

/// The account's ticket and contact fields.
pub async fn read_fields(fd: &Freshdesk) -> Result<(Vec<FieldDef>, Vec<FieldDef>), ApiError> {
    let ticket = fd.get(Container::Ticket.list_path()).await?.body;
    let contact = fd.get(Container::Contact.list_path()).await?.body;
    Ok((defs(ticket), defs(contact)))
}

/// Field definitions from a `GET /…_fields` body.
pub fn defs(v: Value) -> Vec<FieldDef> {
    serde_json::from_value(v).unwrap_or_default()
}

/// The discovered field for a guide label.
pub fn spec<'a>(info: &'a AccountInfo, label: &str) -> Option<&'a FieldSpec> {
    match label {
        "AI Category" => info.ai_category.as_ref(),
        "AI Urgency" => info.ai_urgency.as_ref(),
        "AI Confidence" => info.ai_confidence.as_ref(),
        "Sentiment Score" => info.sentiment_score.as_ref(),
        _ => info.escalation_risk.as_ref(),
    }
}

pub async fn run(
    fd: &Freshdesk,
    overrides: &FieldOverrides,
    secret: Option<&SecretString>,
    opts: &SetupOptions,
) -> Result<SetupReport, OpsError> {
    if opts.rules && opts.webhook_base.is_none() {
        return Err(OpsError::Usage(
            "--rules needs --webhook-base URL (or WEBHOOK_BASE_URL)".into(),
        ));
    }
    let mut report = SetupReport {
        dry_run: opts.dry_run,
        ..SetupReport::default()
    };
    let (ticket, contact) = read_fields(fd).await?;
    let info = AccountInfo::from_fields(&ticket, &contact, overrides);
    for field in &FIELDS {
        setup_field(fd, field, spec(&info, field.label), opts.dry_run, &mut report).await?;
    }
    match (&opts.webhook_base, opts.rules) {
        (Some(base), true) => {
            let secret = secret.ok_or_else(|| {
                OpsError::Usage(
                    "the rules need the webhook secret: set WEBHOOK_SECRET or WEBHOOK_SECRET_SECRET_ID".into(),
                )
            })?;
            if let Err(e) = setup_rules(fd, base, secret, opts.dry_run, &mut report).await {
                // The Automations API is not documented for every plan: the rules the account
                // refused are printed to paste, and the fields created above stay reported.
                report.lines.push(format!("✘ automation rules: {e}"));
                report.rules_failed = Some(e.to_string());
                print_rules(Some(base), &mut report);
            }
        }
        (base, _) => print_rules(base.as_deref(), &mut report),
    }
    Ok(report)
}

async fn setup_field(
    fd: &Freshdesk,
    field: &GuideField,
    found: Option<&FieldSpec>,
    dry_run: bool,
    report: &mut SetupReport,
) -> Result<(), OpsError> {
    let head = format!("{} ({} field)", field.label, field.container.name());
    let Some(found) = found else {
        report.created_fields += 1;
        if dry_run {
            report
                .lines
                .push(format!("{head}: missing; would create it as a {}", field.kind_name()));
            return Ok(());
        }
        let created = fd.post(field.container.create_path(), &field.create_body()).await?;
        let name = created.get("name").and_then(Value::as_str).unwrap_or("?");
        report
            .lines
            .push(format!("{head}: created as a {} named {name}", field.kind_name()));
        return Ok(());
    };
    report.lines.push(format!("{head}: {}", assess(field, found)));
    Ok(())
}

/// One existing field against the guide: fine, or the mismatch and what the bridge does.
pub fn assess(field: &GuideField, found: &FieldSpec) -> String {
    let kind = found.kind.name();
    let refused = field.refused(found);
    let same_kind = kind == field.kind_name();
    let mut line = format!("present as {} ({kind})", found.name);
    if same_kind && refused.is_empty() {
        line.push_str("; as the guide has it");
        return line;
    }
    line.push_str("; left unchanged");
    if !same_kind {
        let _ = write!(
            line,
            "; not the guide's {}: the bridge writes {}",
            field.kind_name(),
            field.writes_as(&found.kind)
        );
    }
    if !refused.is_empty() {
        let _ = write!(
            line,
            "; it cannot take {}: the bridge leaves those values out (add them as choices in Freshdesk)",
            quoted(&refused)
        );
    }
    line
}

pub fn quoted(values: &[String]) -> String {
    values.iter().map(|v| format!("'{v}'")).collect::<Vec<_>>().join(", ")
}

async fn setup_rules(
    fd: &Freshdesk,
    base: &str,
    secret: &SecretString,
    dry_run: bool,
    report: &mut SetupReport,
) -> Result<(), OpsError> {
    let creation = fd.get_all("automations/1/rules").await?;
    let updates = fd.get_all("automations/4/rules").await?;
    for rule in &RULES {
        let existing = if rule.automation_type == 1 { &creation } else { &updates };
        let head = format!("rule \"{}\"", rule.name);
        let want = rule.url(base);
        if let Some(found) = rule.find(existing) {
            let line = match GuideRule::action_url(found) {
                Some(url) if url == want => format!("{head}: present, posts to {url}"),
                other => format!(
                    "{head}: present but posts to {}, not {want}; left unchanged: fix its URL in Admin › Automations",
                    other.unwrap_or("nothing")
                ),
            };
            report.lines.push(line);
            continue;
        }
        if dry_run {
            report.created_rules += 1;
            report
                .lines
                .push(format!("{head}: missing; would create it, posting to {want}"));
            continue;
        }
        let body = rule.body(base, secret.expose_secret());
        fd.post(&format!("automations/{}/rules", rule.automation_type), &body)
            .await?;
        report.created_rules += 1;
        report.lines.push(format!("{head}: created, posting to {want}"));
    }
    Ok(())
}

/// Without `--rules`, or when the API refused them: the rules to create by hand, the secret
/// left as a placeholder.
fn print_rules(base: Option<&str>, report: &mut SetupReport) {
    report.lines.push(
        "Automation rules were not touched (pass --rules --webhook-base URL to create them). To create them by hand:"
            .into(),
    );
    let base = base.unwrap_or("<WEBHOOK_BASE_URL>");
    for rule in &RULES {
        let body = rule.body(base, "<the webhook secret>");
        let kind = if rule.automation_type == 1 {
            "Ticket Creation"
        } else {
            "Ticket Updates"
        };
        let json = serde_json::to_string_pretty(&body).unwrap_or_default();
        report.lines.push(format!(
            "  {kind} rule (POST /automations/{}/rules):\n{json}",
            rule.automation_type
        ));
    }
}

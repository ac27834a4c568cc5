//! The Freshdesk checks of `ops doctor`: the key (and the plan's `X-RateLimit-Total`), each AI
//! field, `TYPE_MAP` types, `GROUP_MAP` groups and the three automation rules.

use std::collections::BTreeSet;

use serde_json::Value;
use shared::clients::freshdesk::AccountInfo;
use shared::Config;

use super::{fail, pass, Check};
use crate::freshdesk::Freshdesk;
use crate::guide::{GuideRule, FIELDS, RULES};
use crate::setup::{assess, defs, quoted, spec};

pub(super) async fn checks(fd: &Freshdesk, config: &Config, base: Option<&str>, checks: &mut Vec<Check>) {
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

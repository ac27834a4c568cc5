//! The readable report: one progress line per request, then per ticket what the bridge changed
//! (priority, type, group, tags, custom fields, the requester's sentiment fields, the notes as
//! text), the knowledge-base sync, what was refused or deduplicated, and the checks.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde_json::Value;
use shared::job::text::html_to_text;
use sim::FreshdeskSim;

use crate::scenario::{ScenarioReport, StepOutcome, DROPPED_TICKET, TICKETS};
use crate::Simulators;

/// The demo account's solution articles (3006 is a draft).
pub const DEMO_ARTICLES: std::ops::RangeInclusive<u64> = 3001..=3006;

/// Tickets and their requesters as the Freshdesk simulator serves them at one moment.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub tickets: BTreeMap<u64, Value>,
    pub contacts: BTreeMap<u64, Value>,
}

impl Snapshot {
    pub fn take(fd: &FreshdeskSim, ticket_ids: &[u64]) -> Self {
        let mut snap = Self::default();
        for &id in ticket_ids {
            let Some(ticket) = fd.ticket(id) else { continue };
            if let Some((cid, contact)) = requester(&ticket).and_then(|c| Some((c, fd.contact(c)?))) {
                snap.contacts.insert(cid, contact);
            }
            snap.tickets.insert(id, ticket);
        }
        snap
    }

    pub fn ticket(&self, id: u64) -> &Value {
        self.tickets.get(&id).unwrap_or(&Value::Null)
    }

    pub fn contact(&self, id: u64) -> &Value {
        self.contacts.get(&id).unwrap_or(&Value::Null)
    }
}

pub fn requester(ticket: &Value) -> Option<u64> {
    ticket.get("requester_id").and_then(Value::as_u64)
}

/// A value as a person reads it: `—` for nothing, lists joined by commas.
pub fn show(v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) if s.is_empty() => "—".into(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "—".into(),
        Value::Array(items) => items.iter().map(show).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

fn priority(v: &Value) -> String {
    let name = match v.as_i64() {
        Some(1) => "Low",
        Some(2) => "Medium",
        Some(3) => "High",
        Some(4) => "Urgent",
        _ => return show(v),
    };
    format!("{name} ({v})")
}

fn row(out: &mut impl Write, indent: &str, name: &str, before: String, after: String) -> io::Result<()> {
    if before == after {
        writeln!(out, "{indent}{name:<22} {after}  (unchanged)")
    } else {
        writeln!(out, "{indent}{name:<22} {before} → {after}")
    }
}

/// Custom fields set on either side, by API name.
fn custom_rows(out: &mut impl Write, indent: &str, before: &Value, after: &Value) -> io::Result<usize> {
    let empty = serde_json::Map::new();
    let b = before.get("custom_fields").and_then(Value::as_object).unwrap_or(&empty);
    let a = after.get("custom_fields").and_then(Value::as_object).unwrap_or(&empty);
    let mut names: Vec<&String> = a.keys().chain(b.keys()).collect();
    names.sort();
    names.dedup();
    let mut shown = 0;
    for name in names {
        let (bv, av) = (b.get(name).unwrap_or(&Value::Null), a.get(name).unwrap_or(&Value::Null));
        if !bv.is_null() || !av.is_null() {
            row(out, indent, name, show(bv), show(av))?;
            shown += 1;
        }
    }
    Ok(shown)
}

/// `  [1/8] ticket-created #101    events/ticket-created.json, Basic auth    → 200 processed  (Freshdesk 6, Simpli 4, 15 ms)`
pub fn progress_line(n: usize, total: usize, s: &StepOutcome) -> String {
    let mut line = format!(
        "  [{n}/{total}] {:<36} {:<48} → {} {}  (Freshdesk {}, Simpli {}, {} ms)",
        s.label,
        format!("{}, {}", s.source, s.auth),
        s.status,
        answer_text(s),
        s.freshdesk_calls.len(),
        s.simpli_calls.len(),
        s.elapsed.as_millis()
    );
    if !s.as_expected() {
        line.push_str(&format!(
            "  ✘ expected {} {}",
            s.expect_status,
            s.expect_outcome.unwrap_or("")
        ));
        line.truncate(line.trim_end().len());
    }
    line
}

/// The gist of an answer: its status word (with kb-sync's counts), or its error.
pub fn answer_text(s: &StepOutcome) -> String {
    match (s.outcome(), s.body.get("error").and_then(Value::as_str)) {
        (Some(status), _) if s.number("pushed").is_some() => format!(
            "{status}: pushed {}, unchanged {}, drafts {}",
            s.number("pushed").unwrap_or(0),
            s.number("unchanged").unwrap_or(0),
            s.number("drafts").unwrap_or(0)
        ),
        (Some(status), Some(error)) => format!("{status}: {error}"),
        (Some(status), None) => status.to_string(),
        (None, Some(error)) => error.to_string(),
        (None, None) => shared::job::text::truncate_chars(&s.body.to_string(), 80).to_string(),
    }
}

pub fn write_tickets(out: &mut impl Write, before: &Snapshot, after: &Snapshot, fd: &FreshdeskSim) -> io::Result<()> {
    for (id, how) in TICKETS {
        let (b, a) = (before.ticket(id), after.ticket(id));
        writeln!(out, "\n── Ticket #{id} “{}” — {how}", show(&a["subject"]))?;
        row(
            out,
            "  ",
            "priority",
            priority(&b["priority"]),
            priority(&a["priority"]),
        )?;
        row(out, "  ", "type", show(&b["type"]), show(&a["type"]))?;
        row(out, "  ", "group", show(&b["group_id"]), show(&a["group_id"]))?;
        row(out, "  ", "tags", show(&b["tags"]), show(&a["tags"]))?;
        custom_rows(out, "  ", b, a)?;
        if let Some(contact) = requester(a) {
            let (cb, ca) = (before.contact(contact), after.contact(contact));
            writeln!(out, "  contact {contact} {}", show(&ca["name"]))?;
            if custom_rows(out, "    ", cb, ca)? == 0 {
                writeln!(out, "    no custom fields set  (unchanged)")?;
            }
        }
        let notes = fd.notes(id);
        writeln!(out, "  notes written by the bridge: {}", notes.len())?;
        for note in notes {
            let kind = if note["private"].as_bool() == Some(true) {
                "private note"
            } else {
                "PUBLIC note"
            };
            writeln!(out, "    ┌ {kind}")?;
            for line in note_text(note["body"].as_str().unwrap_or_default())
                .lines()
                .filter(|l| !l.trim().is_empty())
            {
                writeln!(out, "    │ {line}")?;
            }
            writeln!(out, "    └")?;
        }
    }
    Ok(())
}

/// A note's HTML as text, list items bulleted.
fn note_text(html: &str) -> String {
    html_to_text(&html.replace("<li>", "<li>• "))
}

pub fn write_kb(out: &mut impl Write, steps: &[StepOutcome], sims: &Simulators) -> io::Result<()> {
    writeln!(out, "\n── Knowledge base (Freshdesk Solutions → Simpli KB)")?;
    for s in steps.iter().filter(|s| s.path == "/kb-sync") {
        writeln!(out, "  {:<22} {}", s.label, answer_text(s))?;
    }
    let titles: Vec<String> = sims.simpli.articles().iter().map(|a| show(&a["title"])).collect();
    writeln!(out, "  in the Simpli KB ({}): {}", titles.len(), titles.join(" · "))?;
    for id in DEMO_ARTICLES {
        let Some(article) = sims.freshdesk.article(id) else {
            continue;
        };
        if article["status"].as_u64() != Some(2) {
            writeln!(
                out,
                "  left out: #{id} “{}”, a draft (status {})",
                show(&article["title"]),
                article["status"]
            )?;
        }
    }
    Ok(())
}

pub fn write_reconcile(out: &mut impl Write, steps: &[StepOutcome], sims: &Simulators) -> io::Result<()> {
    writeln!(
        out,
        "\n── Dropped webhook (Freshdesk never called the bridge for #{DROPPED_TICKET})"
    )?;
    for s in steps.iter().filter(|s| s.path == "/reconcile") {
        writeln!(out, "  {:<22} {}", s.label, s.body)?;
    }
    let notes = sims.freshdesk.notes(DROPPED_TICKET).len();
    writeln!(
        out,
        "  #{DROPPED_TICKET} now has {notes} private note(s): the draft of its recovered ticket-created job"
    )?;
    Ok(())
}

pub fn write_refusals(out: &mut impl Write, steps: &[StepOutcome]) -> io::Result<()> {
    writeln!(out, "\n── Refused and deduplicated")?;
    for s in steps
        .iter()
        .filter(|s| s.id == "duplicate-101" || s.id == "wrong-secret")
    {
        writeln!(out, "  {} ({}) → {} {}", s.label, s.auth, s.status, s.body)?;
        let fd = if s.freshdesk_calls.is_empty() {
            "none".to_string()
        } else {
            s.freshdesk_calls.join(", ")
        };
        let simpli = if s.simpli_calls.is_empty() {
            "none".to_string()
        } else {
            s.simpli_calls.join(", ")
        };
        writeln!(out, "      Freshdesk calls: {fd}; Simpli calls: {simpli}")?;
    }
    Ok(())
}

pub fn write_checks(out: &mut impl Write, report: &ScenarioReport) -> io::Result<()> {
    writeln!(out, "\n── Checks")?;
    for c in &report.checks {
        if c.passed {
            writeln!(out, "  ✔ {}", c.name)?;
        } else {
            writeln!(out, "  ✘ {} — {}", c.name, c.detail)?;
        }
    }
    let (fd, simpli) = report.sims.calls();
    let failures = report.failures();
    writeln!(out)?;
    if failures.is_empty() {
        writeln!(
            out,
            "Sandbox OK: {} requests, {} checks passed ({fd} Freshdesk and {simpli} Simpli calls in all).",
            report.steps.len(),
            report.checks.len()
        )
    } else {
        let names: Vec<&str> = failures.iter().map(|c| c.name.as_str()).collect();
        writeln!(
            out,
            "Sandbox FAILED: {} of {} checks failed: {}",
            failures.len(),
            report.checks.len(),
            names.join("; ")
        )
    }
}

//! The expectations of the scenario, checked against the answers and the simulators' state.

use serde_json::Value;
use sim::fields::{FIELD_ESCALATION_RISK, FIELD_SENTIMENT_SCORE};

use crate::report::{show, Snapshot, DEMO_ARTICLES};
use crate::scenario::{Check, StepOutcome};
use crate::Simulators;

fn check(name: impl Into<String>, passed: bool, detail: impl Into<String>) -> Check {
    Check {
        name: name.into(),
        passed,
        detail: detail.into(),
    }
}

fn tags(ticket: &Value) -> Vec<String> {
    ticket["tags"]
        .as_array()
        .map(|t| t.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default()
}

fn notes_containing(sims: &Simulators, ticket: u64, text: &str) -> usize {
    sims.freshdesk
        .notes(ticket)
        .iter()
        .filter(|n| n["body"].as_str().unwrap_or_default().contains(text))
        .count()
}

/// The contact's sentiment fields hold exactly what the guide's field types take for the
/// stand-in's answer: Sentiment's label in the dropdown, the risk as a two-place string.
fn sentiment_check(after: &Snapshot, contact: u64, label: &str, risk: &str) -> Check {
    let fields = &after.contact(contact)["custom_fields"];
    let (score, written_risk) = (&fields[FIELD_SENTIMENT_SCORE], &fields[FIELD_ESCALATION_RISK]);
    check(
        format!("contact {contact} has sentiment {label} and escalation risk {risk}"),
        score.as_str() == Some(label) && written_risk.as_str() == Some(risk),
        format!(
            "{FIELD_SENTIMENT_SCORE} = {}, {FIELD_ESCALATION_RISK} = {}",
            show(score),
            show(written_risk)
        ),
    )
}

pub fn evaluate(steps: &[StepOutcome], before: &Snapshot, after: &Snapshot, sims: &Simulators) -> Vec<Check> {
    let mut checks = answers(steps);
    checks.extend(ticket_101(steps, before, after, sims));
    checks.extend(ticket_102_and_markup(sims));
    checks.extend(tickets_103_and_104(after, sims));
    checks.extend(kb_sync(steps, sims));
    checks.extend(refusals(steps));
    checks.push(reconciled(steps, sims));
    checks
}

/// The dropped webhook's job was recovered by reconcile: one run, one draft note.
fn reconciled(steps: &[StepOutcome], sims: &Simulators) -> Check {
    let sent = step(steps, "reconcile").map(|s| s.body["reconciled"]["ticket-created"].clone());
    let notes = notes_containing(sims, crate::scenario::DROPPED_TICKET, "AI Draft Response");
    check(
        "reconcile recovered the dropped ticket-created webhook of #105 (one draft note)",
        sent == Some(serde_json::json!(1)) && notes == 1,
        format!("reconciled ticket-created: {sent:?}, draft notes: {notes}"),
    )
}

fn step<'a>(steps: &'a [StepOutcome], id: &str) -> Option<&'a StepOutcome> {
    steps.iter().find(|s| s.id == id)
}

/// Each request got the answer the scenario expects.
fn answers(steps: &[StepOutcome]) -> Vec<Check> {
    steps
        .iter()
        .map(|s| {
            let expected = format!("{} {}", s.expect_status, s.expect_outcome.unwrap_or(""))
                .trim_end()
                .to_string();
            check(
                format!("{} is answered {expected}", s.label),
                s.as_expected(),
                format!("got {} {}", s.status, s.body),
            )
        })
        .collect()
}

/// #101: routed, tagged, one draft note, and a duplicate delivery that does nothing.
fn ticket_101(steps: &[StepOutcome], before: &Snapshot, after: &Snapshot, sims: &Simulators) -> Vec<Check> {
    let mut checks = Vec::new();
    let (b101, a101) = (before.ticket(101), after.ticket(101));
    // Triage reads #101 as a medium-urgency billing ticket: Medium (2), and TYPE_MAP's Refund.
    checks.push(check(
        "#101 has its priority changed to Medium (2)",
        a101["priority"] == 2 && b101["priority"] != 2,
        format!("priority {} → {}", b101["priority"], a101["priority"]),
    ));
    checks.push(check(
        "#101 has its type set to Refund",
        a101["type"] == "Refund" && b101["type"] != "Refund",
        format!("type {} → {}", show(&b101["type"]), show(&a101["type"])),
    ));
    let t101 = tags(a101);
    let added = |prefix: &str| t101.iter().any(|t| t.starts_with(prefix));
    checks.push(check(
        "#101 is tagged ai-category and ai-urgency, keeping its own tags",
        added("ai-category:") && added("ai-urgency:") && tags(b101).iter().all(|t| t101.contains(t)),
        format!("tags {}", t101.join(", ")),
    ));
    let drafts_101 = notes_containing(sims, 101, "AI Draft Response");
    checks.push(check(
        "#101 has exactly one AI draft note after the duplicate delivery",
        drafts_101 == 1 && sims.freshdesk.notes(101).len() == 1,
        format!(
            "{drafts_101} draft notes, {} notes in all",
            sims.freshdesk.notes(101).len()
        ),
    ));
    let duplicate_writes = step(steps, "duplicate-101").map_or(0, |s| {
        s.freshdesk_calls.iter().filter(|c| !c.starts_with("GET ")).count()
    });
    let duplicate_simpli = step(steps, "duplicate-101").map_or(0, |s| s.simpli_calls.len());
    checks.push(check(
        "the duplicate delivery writes nothing and calls no Simpli service",
        duplicate_writes == 0 && duplicate_simpli == 0,
        format!("{duplicate_writes} Freshdesk writes, {duplicate_simpli} Simpli calls"),
    ));
    // #101 mentions a refund once: the stand-in scores -0.35, risk 0.45
    checks.push(sentiment_check(after, 5001, "negative", "0.45"));

    checks
}

/// #102 gets its draft, and no note anywhere carries raw markup.
fn ticket_102_and_markup(sims: &Simulators) -> Vec<Check> {
    let mut checks = Vec::new();
    checks.push(check(
        "#102 gets its AI draft note",
        notes_containing(sims, 102, "AI Draft Response") == 1,
        format!("{} notes", sims.freshdesk.notes(102).len()),
    ));
    let raw_script: Vec<u64> = (101..=104)
        .filter(|&id| {
            sims.freshdesk.notes(id).iter().any(|n| {
                n["body"]
                    .as_str()
                    .unwrap_or_default()
                    .to_ascii_lowercase()
                    .contains("<script")
            })
        })
        .collect();
    checks.push(check(
        "no note contains a raw <script>",
        raw_script.is_empty(),
        format!("raw <script> in the notes of {raw_script:?}"),
    ));

    checks
}

/// #103 is tagged for escalation and its contact scored; #104 gets one QA note.
fn tickets_103_and_104(after: &Snapshot, sims: &Simulators) -> Vec<Check> {
    let mut checks = Vec::new();
    let t103 = tags(after.ticket(103));
    checks.push(check(
        "#103 is tagged escalation-risk:high",
        t103.iter().any(|t| t == "escalation-risk:high"),
        format!("tags {}", t103.join(", ")),
    ));
    // the new text of #103's reply has four angry phrases: -0.85, risk 0.9
    checks.push(sentiment_check(after, 5003, "negative", "0.90"));

    let qa = notes_containing(sims, 104, "QA Score");
    checks.push(check(
        "#104 has exactly one QA note",
        qa == 1 && sims.freshdesk.notes(104).len() == 1,
        format!("{qa} QA notes"),
    ));

    checks
}

/// kb-sync pushes the published articles once.
fn kb_sync(steps: &[StepOutcome], sims: &Simulators) -> Vec<Check> {
    let mut checks = Vec::new();
    let drafts: Vec<u64> = DEMO_ARTICLES
        .filter(|&id| {
            sims.freshdesk
                .article(id)
                .is_some_and(|a| a["status"].as_u64() != Some(2))
        })
        .collect();
    let kb_titles: Vec<String> = sims.simpli.articles().iter().map(|a| show(&a["title"])).collect();
    let draft_pushed = drafts.iter().any(|&id| {
        sims.freshdesk
            .article(id)
            .is_some_and(|a| kb_titles.contains(&show(&a["title"])))
    });
    let (first, second) = (step(steps, "kb-sync-1"), step(steps, "kb-sync-2"));
    checks.push(check(
        "kb-sync pushes the 5 published articles and leaves the draft out",
        first.and_then(|s| s.number("pushed")) == Some(5) && kb_titles.len() == 5 && drafts == [3006] && !draft_pushed,
        format!(
            "pushed {:?}, KB holds {}, drafts {drafts:?}",
            first.and_then(|s| s.number("pushed")),
            kb_titles.len()
        ),
    ));
    checks.push(check(
        "a second kb-sync pushes nothing (all 5 unchanged)",
        second.and_then(|s| s.number("pushed")) == Some(0)
            && second.and_then(|s| s.number("unchanged")) == Some(5)
            && kb_titles.len() == 5,
        format!("second run: {}", second.map_or(Value::Null, |s| s.body.clone())),
    ));

    checks
}

/// A wrong secret is refused before any work.
fn refusals(steps: &[StepOutcome]) -> Vec<Check> {
    let mut checks = Vec::new();
    let wrong = step(steps, "wrong-secret");
    let wrong_calls = wrong.map_or(0, |s| s.freshdesk_calls.len() + s.simpli_calls.len());
    checks.push(check(
        "the wrong secret gets 401 and causes no Freshdesk or Simpli call",
        wrong.is_some_and(|s| s.status == 401) && wrong_calls == 0,
        format!("status {:?}, {wrong_calls} calls", wrong.map(|s| s.status)),
    ));
    checks
}

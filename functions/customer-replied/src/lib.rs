//! customer-replied: score the sentiment of the customer's newest public reply (only its new
//! text, not the quoted thread), store it on the contact, and tag the ticket when the
//! escalation risk crosses the threshold.

use serde_json::json;
use shared::clients::freshdesk::{merge_tags, Conversation, Ticket, TicketUpdate};
use shared::clients::simpli::models::SentimentResult;
use shared::job::text::reply_new_text;
use shared::{Failures, Job, JobCtx, JobError, Outcome};

pub struct CustomerReplied;

pub use shared::clients::freshdesk::TAG_ESCALATION;

/// The newest public message from the customer (latest `created_at`, then highest id).
pub fn newest_public_incoming(conversations: &[Conversation]) -> Option<&Conversation> {
    conversations
        .iter()
        .filter(|c| c.is_public_incoming())
        .max_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)))
}

impl Job for CustomerReplied {
    const EVENT: &'static str = "customer-replied";

    async fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> Result<Outcome, JobError> {
        let app = ctx.app;
        let ticket = match ctx.ticket(false).await? {
            Ok(t) => t,
            Err(skipped) => return Ok(skipped),
        };
        let conversations = app.freshdesk.conversations(ticket.id, ctx.deadline).await?;
        let Some(reply) = newest_public_incoming(&conversations) else {
            return Ok(Outcome::Skipped("no public customer reply".into()));
        };
        if let Some(early) = ctx.claim(format!("{}#{}#{}", Self::EVENT, ticket.id, reply.id)).await? {
            if early == Outcome::Duplicate {
                mark_scored(ctx, ticket.id, reply).await?;
            }
            return Ok(early);
        }
        let result = score(ctx, &ticket, reply).await;
        if result.as_ref().is_ok() || result.as_ref().is_err_and(|e| !e.is_retryable()) {
            mark_scored(ctx, ticket.id, reply).await?;
        }
        result
    }
}

/// Keeps the time of the newest reply scored on the ticket, which reconcile compares with
/// `stats.requester_responded_at` to find replies no webhook brought.
async fn mark_scored(ctx: &JobCtx<'_>, ticket_id: u64, reply: &Conversation) -> Result<(), JobError> {
    if let Some(at) = &reply.created_at {
        shared::recover::mark_reply_scored(ctx.app, ticket_id, at).await?;
    }
    Ok(())
}

/// Scores the reply (claimed) and writes what follows from the score.
async fn score(ctx: &JobCtx<'_>, ticket: &Ticket, reply: &Conversation) -> Result<Outcome, JobError> {
    let app = ctx.app;
    let Some(requester) = ticket.requester_id else {
        return Ok(Outcome::Skipped("ticket has no requester".into()));
    };
    let text = reply_new_text(&reply.body, &reply.body_text);
    if text.is_empty() {
        return Ok(Outcome::Skipped("reply has no new text".into()));
    }
    let sentiment = app
        .simpli
        .analyze(
            &requester.to_string(),
            &text,
            ticket.source,
            &ctx.request_id_for("sentiment"),
            ctx.deadline,
        )
        .await?;
    if app.config.mode.is_shadow() {
        return Ok(shadow_outcome(ctx, ticket, reply.id, &sentiment));
    }

    let mut failures = Failures::default();
    if let Err(e) = update_contact(ctx, requester, &sentiment).await {
        failures.push(e);
    }
    let tagged = match tag_escalation(ctx, ticket, &sentiment).await {
        Ok(tagged) => tagged,
        Err(e) => {
            failures.push(e);
            true
        }
    };
    failures.into_result(Outcome::Processed(json!({
        "mode": "live",
        "conversation_id": reply.id,
        "score": sentiment.score,
        "label": sentiment.label,
        "escalation_risk": sentiment.escalation_risk,
        "escalation_tagged": tagged,
    })))
}

/// Shadow mode: no contact PUT, no tag; the writes live mode would make are logged and counted.
fn shadow_outcome(ctx: &JobCtx<'_>, ticket: &Ticket, conversation: u64, sentiment: &SentimentResult) -> Outcome {
    let would_tag = needs_tag(ctx, ticket, sentiment);
    let mut held = vec!["contact"];
    if would_tag {
        held.push("ticket-tag");
    }
    shared::job::shadow::record_skipped(CustomerReplied::EVENT, &held);
    Outcome::Processed(json!({
        "mode": "shadow",
        "conversation_id": conversation,
        "score": sentiment.score,
        "label": sentiment.label,
        "escalation_risk": sentiment.escalation_risk,
        "escalation_tagged": false,
        "held_back": held,
    }))
}

/// Whether the risk reaches the threshold and the ticket lacks the tag.
fn needs_tag(ctx: &JobCtx<'_>, ticket: &Ticket, sentiment: &SentimentResult) -> bool {
    sentiment.escalation_risk >= ctx.app.config.escalation_threshold
        && !ticket.tags.iter().any(|t| t.eq_ignore_ascii_case(TAG_ESCALATION))
}

/// The requester's sentiment fields (those the account's fields can take).
async fn update_contact(ctx: &JobCtx<'_>, requester: u64, sentiment: &SentimentResult) -> Result<(), JobError> {
    let account = ctx.app.account(ctx.deadline).await?;
    let fields = account.sentiment_fields(sentiment);
    if fields.is_empty() || ctx.step_done("contact") {
        return Ok(());
    }
    ctx.app
        .freshdesk
        .update_contact_fields(requester, fields, ctx.deadline)
        .await?;
    ctx.step_idempotent("contact");
    Ok(())
}

/// Tags the ticket `escalation-risk:high` when the risk reaches the threshold and the tag is
/// missing. Returns whether the ticket needed the tag.
async fn tag_escalation(ctx: &JobCtx<'_>, ticket: &Ticket, sentiment: &SentimentResult) -> Result<bool, JobError> {
    let tagged = needs_tag(ctx, ticket, sentiment);
    if tagged && !ctx.step_done("ticket-tag") {
        let update = TicketUpdate {
            tags: Some(merge_tags(&ticket.tags, &[TAG_ESCALATION.to_string()])),
            ..Default::default()
        };
        ctx.app
            .freshdesk
            .update_ticket(ticket.id, &update, ctx.deadline)
            .await?;
        ctx.step_idempotent("ticket-tag");
    }
    Ok(tagged)
}

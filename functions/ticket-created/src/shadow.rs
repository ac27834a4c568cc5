//! ticket-created in shadow mode: the same Simpli calls as live mode, then ONE private note with
//! the draft and what live mode would have set (priority, type, group, fields, tags, the
//! requester's sentiment fields), and no ticket or contact PUT.

use serde_json::json;
use shared::clients::freshdesk::discovery::AccountInfo;
use shared::clients::freshdesk::Ticket;
use shared::clients::simpli::models::DraftResponse;
use shared::job::{notes, shadow};
use shared::{JobCtx, JobError, Outcome};

use super::{draft, note_done, ticket_update, triage, STEP_NOTE};

pub(crate) async fn run(
    ctx: &JobCtx<'_>,
    ticket: &Ticket,
    text: &str,
    account: &AccountInfo,
) -> Result<Outcome, JobError> {
    if note_done(ctx, ticket).await? {
        return Ok(Outcome::Processed(json!({"mode": "shadow", "note": "already posted"})));
    }
    let app = ctx.app;
    let sentiment = async {
        match ticket.requester_id {
            Some(id) => {
                let request_id = ctx.request_id_for("sentiment");
                app.simpli
                    .analyze(&id.to_string(), text, ticket.source, &request_id, ctx.deadline)
                    .await
                    .map(Some)
            }
            None => Ok(None),
        }
    };
    let (triage, sentiment, draft) = tokio::join!(triage(ctx, ticket, text), sentiment, draft(ctx, ticket, text));
    let ((class, routing), sentiment, draft) = (triage?, sentiment?, draft?);
    let update = ticket_update(&app.config, account, ticket, &class, &routing, sentiment.as_ref());
    let contact = match (&sentiment, ticket.requester_id) {
        (Some(s), Some(_)) => account.sentiment_fields(s),
        _ => Default::default(),
    };
    let body = format!("{}{}", draft_part(&draft), shadow::would_set_block(&update, &contact));
    app.freshdesk.add_private_note(ticket.id, &body, ctx.deadline).await?;
    ctx.step(STEP_NOTE).await?;
    let mut held = Vec::new();
    if !update.is_empty() {
        held.push("ticket");
    }
    if !contact.is_empty() {
        held.push("contact");
    }
    shadow::record_skipped("ticket-created", &held);
    Ok(Outcome::Processed(json!({
        "mode": "shadow",
        "category": class.category,
        "urgency": class.urgency,
        "confidence": class.confidence,
        "sentiment": sentiment.map(|s| json!({"label": s.label, "escalation_risk": s.escalation_risk})),
        "held_back": held,
    })))
}

/// The draft note (its title lets a retry adopt the note), or the title alone when Reply
/// drafted nothing.
fn draft_part(draft: &DraftResponse) -> String {
    if draft.draft.trim().is_empty() {
        format!(
            "<p><strong>{}</strong></p><p><em>Reply returned no draft.</em></p>",
            notes::DRAFT_TITLE
        )
    } else {
        notes::draft_note(draft)
    }
}

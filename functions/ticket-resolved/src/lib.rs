//! ticket-resolved: score the whole conversation with QA and post the score as a private note.
//! The description is the first customer message; public conversations follow in order; private
//! notes (the bridge's own included) are left out. Keyed on `resolved_at`, so a reopened and
//! re-resolved ticket is scored again.

use serde_json::json;
use shared::clients::freshdesk::{Conversation, Ticket};
use shared::clients::simpli::models::{EvaluateRequest, Message, Role};
use shared::job::notes::qa_note;
use shared::job::text::reply_new_text;
use shared::{Job, JobCtx, JobError, Outcome};

pub struct TicketResolved;

const STEP_NOTE: &str = "note";

/// The conversation as QA reads it.
pub fn messages(ticket: &Ticket, conversations: &[Conversation]) -> Vec<Message> {
    let mut out = Vec::new();
    let description = ticket.customer_text();
    if !description.is_empty() {
        out.push(Message {
            role: Role::Customer,
            content: description,
        });
    }
    for c in conversations.iter().filter(|c| !c.private) {
        let content = reply_new_text(&c.body, &c.body_text);
        if content.is_empty() {
            continue;
        }
        let role = if c.incoming { Role::Customer } else { Role::Agent };
        out.push(Message { role, content });
    }
    out
}

/// The responder, else the author of the last public agent reply, else `unassigned`.
pub fn agent_id(ticket: &Ticket, conversations: &[Conversation]) -> String {
    ticket
        .responder_id
        .or_else(|| {
            conversations
                .iter()
                .rev()
                .filter(|c| c.is_public_agent_reply())
                .find_map(|c| c.user_id)
        })
        .map_or_else(|| "unassigned".to_string(), |id| id.to_string())
}

impl Job for TicketResolved {
    const EVENT: &'static str = "ticket-resolved";

    async fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> Result<Outcome, JobError> {
        let app = ctx.app;
        let ticket = match ctx.ticket(true).await? {
            Ok(t) => t,
            Err(skipped) => return Ok(skipped),
        };
        let stats = ticket.stats.clone().unwrap_or_default();
        let Some(resolved_at) = stats.resolved_at.or(stats.closed_at) else {
            return Ok(Outcome::Skipped("ticket is not resolved".into()));
        };
        if let Some(early) = ctx
            .claim(format!("{}#{}#{}", Self::EVENT, ticket.id, resolved_at))
            .await?
        {
            return Ok(early);
        }
        // Read after the claim: a note posted by an earlier attempt up to the moment we took
        // over is in this list, so it is adopted rather than posted twice.
        let conversations = app.freshdesk.conversations(ticket.id, ctx.deadline).await?;
        if ctx
            .adopt_note(
                STEP_NOTE,
                &conversations,
                shared::job::notes::QA_TITLE,
                Some(&resolved_at),
            )
            .await?
        {
            return Ok(Outcome::Processed(json!({"note": "already posted"})));
        }
        let messages = messages(&ticket, &conversations);
        if messages.is_empty() {
            return Ok(Outcome::Skipped("no conversation to score".into()));
        }
        let request = EvaluateRequest {
            conversation_id: ticket.id.to_string(),
            agent_id: agent_id(&ticket, &conversations),
            messages,
        };
        let qa = app
            .simpli
            .evaluate(&request, &ctx.request_id_for("evaluate"), ctx.deadline)
            .await?;
        app.freshdesk
            .add_private_note(ticket.id, &qa_note(&qa), ctx.deadline)
            .await?;
        ctx.step(STEP_NOTE).await?;
        Ok(Outcome::Processed(json!({
            "mode": app.config.mode.as_str(),
            "overall_score": qa.overall_score,
            "agent_id": request.agent_id,
            "messages": request.messages.len(),
        })))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conv(id: u64, incoming: bool, private: bool, source: i64, user: u64, body: &str) -> Conversation {
        Conversation {
            id,
            body: body.into(),
            incoming,
            private,
            source,
            user_id: Some(user),
            ..Default::default()
        }
    }

    #[test]
    fn description_first_private_notes_left_out() {
        let t = Ticket {
            id: 1,
            description_text: "Help".into(),
            ..Default::default()
        };
        let convs = [
            conv(1, false, false, 0, 7, "Hi"),
            conv(2, false, true, 2, 9, "internal"),
            conv(3, true, false, 0, 5, "Thanks"),
        ];
        let m = messages(&t, &convs);
        let roles: Vec<_> = m.iter().map(|m| (m.role, m.content.as_str())).collect();
        assert_eq!(
            roles,
            [
                (Role::Customer, "Help"),
                (Role::Agent, "Hi"),
                (Role::Customer, "Thanks")
            ]
        );
    }

    #[test]
    fn agent_falls_back_to_last_public_reply_then_unassigned() {
        let mut t = Ticket {
            id: 1,
            ..Default::default()
        };
        let convs = [
            conv(1, false, false, 0, 7, "a"),
            conv(2, false, true, 2, 9, "note"),
            conv(3, true, false, 0, 5, "c"),
        ];
        assert_eq!(agent_id(&t, &convs), "7");
        assert_eq!(agent_id(&t, &convs[1..]), "unassigned");
        t.responder_id = Some(42);
        assert_eq!(agent_id(&t, &convs), "42");
    }
}

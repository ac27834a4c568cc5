//! ticket-created: classify, route and prioritise a new ticket, draft a first reply as a
//! private note, and record the requester's sentiment, in one ticket PUT, one note and one
//! contact PUT. The three Simpli calls are independent and run concurrently.

use futures::future::{BoxFuture, Shared};
use futures::FutureExt;
use serde_json::{json, Map, Value};
use shared::clients::freshdesk::discovery::AccountInfo;
use shared::clients::freshdesk::{merge_tags, Ticket, TicketUpdate};
use shared::clients::simpli::models::{
    Classification, DraftRequest, DraftResponse, Message, Role, Routing, SentimentResult,
};
use shared::clients::simpli::SimpliError;
use shared::job::notes;
use shared::{Config, Failures, Job, JobCtx, JobError, Outcome};

mod shadow;

pub struct TicketCreated;

const STEP_TICKET: &str = "ticket";
const STEP_NOTE: &str = "note";
const STEP_CONTACT: &str = "contact";

pub const TAG_NEEDS_REVIEW: &str = "ai-needs-review";
pub use shared::clients::freshdesk::TAG_ESCALATION;

impl Job for TicketCreated {
    const EVENT: &'static str = "ticket-created";

    async fn run<'a>(&'a self, ctx: &'a JobCtx<'a>) -> Result<Outcome, JobError> {
        let ticket = match ctx.ticket(false).await? {
            Ok(t) => t,
            Err(skipped) => return Ok(skipped),
        };
        let text = ticket.customer_text();
        if text.is_empty() {
            // Nothing to classify, draft from or score: Triage would refuse it (422) and the job
            // would fail for good, or park in the DLQ, over a ticket that can never change that.
            return Ok(Outcome::Skipped(
                "the ticket has neither a subject nor a description".into(),
            ));
        }
        if let Some(early) = ctx.claim(format!("{}#{}", Self::EVENT, ticket.id)).await? {
            return Ok(early);
        }
        let account = ctx.app.account(ctx.deadline).await?;
        if ctx.app.config.mode.is_shadow() {
            return shadow::run(ctx, &ticket, &text, &account).await;
        }
        let plan = Plan::for_attempt(ctx, &ticket, &account).await?;
        let attempt = Attempt {
            ctx,
            ticket: &ticket,
            text: &text,
            account: &account,
        };
        attempt.run(&plan).await
    }
}

/// What this attempt still has to do: an earlier attempt may have done part of it.
struct Plan {
    ticket: bool,
    note: bool,
    contact: bool,
    sentiment: bool,
}

impl Plan {
    async fn for_attempt(ctx: &JobCtx<'_>, ticket: &Ticket, account: &AccountInfo) -> Result<Self, JobError> {
        let has_requester = ticket.requester_id.is_some();
        let has_contact_fields = account.sentiment_score.is_some() || account.escalation_risk.is_some();
        let need_ticket = !ctx.step_done(STEP_TICKET);
        let need_contact = !ctx.step_done(STEP_CONTACT) && has_requester && has_contact_fields;
        Ok(Self {
            ticket: need_ticket,
            note: !note_done(ctx, ticket).await?,
            contact: need_contact,
            sentiment: (need_ticket || need_contact) && has_requester,
        })
    }
}

/// Whether the draft note exists: recorded as a step, or (on a retry) posted by an attempt that
/// died before recording it, which is then adopted instead of posted again.
async fn note_done(ctx: &JobCtx<'_>, ticket: &Ticket) -> Result<bool, JobError> {
    if ctx.step_done(STEP_NOTE) {
        return Ok(true);
    }
    if ctx.attempt() <= 1 {
        return Ok(false);
    }
    let conversations = ctx.app.freshdesk.conversations(ticket.id, ctx.deadline).await?;
    ctx.adopt_note(STEP_NOTE, &conversations, notes::DRAFT_TITLE, None)
        .await
}

type SentimentCall<'a> = Shared<BoxFuture<'a, Option<Result<SentimentResult, SimpliError>>>>;
type Branch = Result<Option<Value>, JobError>;

/// One attempt's three concurrent branches, each write starting as soon as its inputs are
/// ready: draft → note; sentiment → contact; (classify → route) + sentiment → ticket PUT.
struct Attempt<'a> {
    ctx: &'a JobCtx<'a>,
    ticket: &'a Ticket,
    text: &'a str,
    account: &'a AccountInfo,
}

impl<'a> Attempt<'a> {
    async fn run(&self, plan: &Plan) -> Result<Outcome, JobError> {
        let sentiment = self.sentiment(plan.sentiment);
        let (note, contact, ticket) = tokio::join!(
            self.note(plan.note),
            self.contact(plan.contact, sentiment.clone()),
            self.ticket_put(plan.ticket, sentiment.clone()),
        );
        summarize(
            [("note", note), ("contact", contact), ("ticket", ticket)],
            sentiment.await,
        )
    }

    /// Sentiment on the customer's text, shared by the contact and the ticket branches.
    fn sentiment(&self, needed: bool) -> SentimentCall<'a> {
        let (ctx, ticket, text) = (self.ctx, self.ticket, self.text);
        async move {
            let id = ticket.requester_id.filter(|_| needed)?.to_string();
            let request_id = ctx.request_id_for("sentiment");
            Some(
                ctx.app
                    .simpli
                    .analyze(&id, text, ticket.source, &request_id, ctx.deadline)
                    .await,
            )
        }
        .boxed()
        .shared()
    }

    /// Reply's draft, posted as a private note and recorded at once (a note is not idempotent).
    async fn note(&self, needed: bool) -> Branch {
        if !needed {
            return Ok(None);
        }
        let (ctx, app) = (self.ctx, self.ctx.app);
        let draft = draft(ctx, self.ticket, self.text).await?;
        if draft.draft.trim().is_empty() {
            tracing::warn!("Reply returned an empty draft; no note posted");
            return Ok(None);
        }
        app.freshdesk
            .add_private_note(self.ticket.id, &notes::draft_note(&draft), ctx.deadline)
            .await?;
        ctx.step(STEP_NOTE).await?;
        Ok(Some(json!(true)))
    }

    /// The requester's sentiment fields. Fields that cannot take the value are left out;
    /// nothing left, nothing sent.
    async fn contact(&self, needed: bool, sentiment: SentimentCall<'a>) -> Branch {
        let (true, Some(contact)) = (needed, self.ticket.requester_id) else {
            return Ok(None);
        };
        let Some(Ok(s)) = sentiment.await else {
            return Ok(None);
        };
        let fields = self.account.sentiment_fields(&s);
        if fields.is_empty() {
            return Ok(None);
        }
        let ctx = self.ctx;
        ctx.app
            .freshdesk
            .update_contact_fields(contact, fields, ctx.deadline)
            .await?;
        ctx.step_idempotent(STEP_CONTACT);
        Ok(Some(json!(true)))
    }

    /// The one ticket PUT. It needs the escalation verdict: a sentiment failure that a retry
    /// can fix postpones it; one that cannot (bad data) lets it go ahead without the tag.
    async fn ticket_put(&self, needed: bool, sentiment: SentimentCall<'a>) -> Branch {
        if !needed {
            return Ok(None);
        }
        let (triage, sentiment) = tokio::join!(triage(self.ctx, self.ticket, self.text), sentiment);
        let (class, routing) = triage?;
        let sentiment = match sentiment {
            Some(Err(e)) if e.is_retryable() => return Ok(None),
            Some(Ok(s)) => Some(s),
            _ => None,
        };
        let ctx = self.ctx;
        let update = ticket_update(
            &ctx.app.config,
            self.account,
            self.ticket,
            &class,
            &routing,
            sentiment.as_ref(),
        );
        if update.is_empty() {
            tracing::info!("the ticket already holds every value; no PUT sent");
        } else {
            ctx.app
                .freshdesk
                .update_ticket(self.ticket.id, &update, ctx.deadline)
                .await?;
        }
        ctx.step_idempotent(STEP_TICKET);
        Ok(Some(json!({
            "category": class.category,
            "urgency": class.urgency,
            "confidence": class.confidence,
            "changed": update_keys(&update),
        })))
    }
}

/// The keys a ticket PUT carried (the outcome summary stays small: no values, no tags).
fn update_keys(update: &TicketUpdate) -> Vec<String> {
    match serde_json::to_value(update) {
        Ok(Value::Object(map)) => map.keys().cloned().collect(),
        _ => Vec::new(),
    }
}

/// The job's summary, or its failures: one failed branch does not undo the others.
fn summarize(
    branches: [(&str, Branch); 3],
    sentiment: Option<Result<SentimentResult, SimpliError>>,
) -> Result<Outcome, JobError> {
    let mut failures = Failures::default();
    let mut summary = Map::new();
    summary.insert("mode".into(), json!("live"));
    for (name, result) in branches {
        match result {
            Ok(Some(v)) => {
                summary.insert(name.into(), v);
            }
            Ok(None) => {}
            Err(e) => failures.push(e),
        }
    }
    match sentiment {
        Some(Ok(s)) => {
            summary.insert(
                "sentiment".into(),
                json!({"label": s.label, "score": s.score, "escalation_risk": s.escalation_risk}),
            );
        }
        Some(Err(e)) => failures.push(e),
        None => {}
    }
    failures.into_result(Outcome::Processed(Value::Object(summary)))
}

/// Reply's draft of a first answer to the customer's text.
async fn draft(ctx: &JobCtx<'_>, ticket: &Ticket, text: &str) -> Result<DraftResponse, SimpliError> {
    let app = ctx.app;
    let req = DraftRequest {
        ticket_id: ticket.id.to_string(),
        conversation: vec![Message {
            role: Role::Customer,
            content: text.to_string(),
        }],
        style: &app.config.draft_style,
        language: &app.config.draft_language,
    };
    app.simpli.draft(&req, &ctx.request_id_for("draft"), ctx.deadline).await
}

/// Triage `/classify` then `/route`. A route that cannot work (4xx) leaves the group alone.
async fn triage(ctx: &JobCtx<'_>, ticket: &Ticket, text: &str) -> Result<(Classification, Routing), SimpliError> {
    let app = ctx.app;
    let body = if text.is_empty() { ticket.subject.as_str() } else { text };
    let class = app
        .simpli
        .classify(&ticket.subject, body, &ctx.request_id_for("classify"), ctx.deadline)
        .await?;
    let routing = match app
        .simpli
        .route(ticket.id, &class, &ctx.request_id_for("route"), ctx.deadline)
        .await
    {
        Ok(r) => r,
        Err(e) if !e.is_retryable() => {
            tracing::warn!(error = %e, "routing failed; group left unchanged");
            Routing::default()
        }
        Err(e) => return Err(e),
    };
    Ok((class, routing))
}

/// Freshdesk priority for a Triage urgency (unknown → Medium).
pub fn priority_for(urgency: &str) -> i64 {
    match urgency.trim().to_ascii_lowercase().as_str() {
        "low" => 1,
        "medium" => 2,
        "high" => 3,
        "critical" | "urgent" => 4,
        _ => 2,
    }
}

/// The one PUT of the job: only changed keys, tags merged, `type` only if the account has it.
pub fn ticket_update(
    config: &Config,
    account: &AccountInfo,
    ticket: &Ticket,
    class: &Classification,
    routing: &Routing,
    sentiment: Option<&SentimentResult>,
) -> TicketUpdate {
    let confident = class.confidence >= config.confidence_threshold;
    let mut update = TicketUpdate::default();
    if confident {
        let priority = priority_for(&class.urgency);
        if priority != ticket.priority {
            update.priority = Some(priority);
        }
        match config.ticket_type_for(&class.category) {
            Some(wanted) => match account.ticket_type(&wanted) {
                Some(t) if ticket.ticket_type.as_deref() != Some(t.as_str()) => update.ticket_type = Some(t),
                Some(_) => {}
                None => {
                    tracing::warn!(ticket_type = %wanted, "not one of the account's ticket types; type left unchanged");
                    shared::obs::metrics::emit_field_left_out("Type");
                }
            },
            None => tracing::info!(category = %class.category, "no TYPE_MAP entry; type left unchanged"),
        }
        let group = routing
            .group_id
            .or_else(|| routing.team.as_ref().and_then(|t| config.group_map.get(t).copied()));
        if let Some(g) = group.filter(|g| ticket.group_id != Some(*g)) {
            update.group_id = Some(g);
        }
    }
    let mut fields = account.triage_fields(class);
    // Partial PUT: a field that already holds the value is not sent again.
    fields.retain(|name, value| ticket.custom_fields.get(name) != Some(value));
    update.custom_fields = fields;

    let mut added = Vec::new();
    if !class.category.is_empty() {
        added.push(format!("ai-category:{}", class.category));
    }
    if !class.urgency.is_empty() {
        added.push(format!("ai-urgency:{}", class.urgency.to_ascii_lowercase()));
    }
    if !confident {
        added.push(TAG_NEEDS_REVIEW.to_string());
    }
    if sentiment.is_some_and(|s| s.escalation_risk >= config.escalation_threshold) {
        added.push(TAG_ESCALATION.to_string());
    }
    let tags = merge_tags(&ticket.tags, &added);
    if tags != ticket.tags {
        update.tags = Some(tags);
    }
    update
}

//! In-process simulators for end-to-end tests and the local sandbox:
//!
//! * [`FreshdeskSim`] — a stateful Freshdesk API v2 account (tickets,
//!   conversations, notes, contacts, field definitions, solutions) with the
//!   real API's validation rules, Basic auth, rate-limit headers and 429s,
//!   pagination `Link` headers, fault injection and a request log.
//! * [`SimpliSim`] — the five Simpli services (Triage, Reply, Sentiment, QA,
//!   KB) on one server, with strict validation and deterministic answers.
//!
//! Both bind `127.0.0.1` (port 0 = ephemeral), run in a spawned tokio task and
//! are inspected/mutated through a cheap `Clone` handle:
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use sim::{Fault, FreshdeskSim, SimpliSim};
//! let fd = FreshdeskSim::seeded_demo("test-key");
//! let fd_addr = fd.start(0).await?;
//! let base = FreshdeskSim::base_url(fd_addr); // FRESHDESK_BASE_URL
//! let simpli = SimpliSim::new();
//! let simpli_addr = simpli.start(0).await?;   // every *_URL = http://{simpli_addr}
//! fd.inject(Fault::status("PUT", "/tickets/101", 503).times(2));
//! // ... run the bridge ...
//! assert_eq!(fd.notes(101).len(), 1);
//! assert_eq!(simpli.count("/classify"), 1);
//! # let _ = (base, simpli_addr); Ok(()) }
//! ```
//!
//! # Freshdesk simulator
//! * Routes under `/api/v2`: `GET|PUT /tickets/{id}` (`include=stats,requester,
//!   conversations,company`), `GET /tickets/{id}/conversations`, `POST
//!   /tickets/{id}/notes`, `POST /tickets/{id}/reply`, `GET|PUT /contacts/{id}`,
//!   `GET /ticket_fields`, `GET /contact_fields`, `GET /solutions/categories[/{id}[/folders]]`,
//!   `GET /solutions/folders/{id}[/subfolders|/articles]`, `GET /solutions/articles/{id}`;
//!   admin: `POST /admin/ticket_fields`, `POST /contact_fields` (custom field creation with
//!   Freshdesk-style validation: unique label, known type, dropdown choices), `GET|POST
//!   /automations/{1|3|4}/rules`, `GET /groups`. Tests bend an account with
//!   [`FreshdeskSim::without_ai_fields`], `remove_field`, `set_field_type`,
//!   `set_field_choices`, `add_rule`, `remove_rule`, `set_rule_url`.
//! * Order of checks: rate limit (every request spends one credit, 429 +
//!   `Retry-After` when exhausted) → injected fault → Basic auth (user = API
//!   key) → `Accept` (406) → route. Every response carries `X-RateLimit-Total`,
//!   `X-RateLimit-Remaining`, `X-RateLimit-Used-CurrentRequest: 1`.
//! * Rate limit: [`RateWindow::Fixed`] (default) starts a 60 s window at the
//!   first request; `Retry-After` = seconds left in it (≥ 1).
//!   [`RateWindow::Refill`] is a token bucket refilling limit/60 per second.
//! * Writes need `Content-Type: application/json` (else 415); bad JSON → 400
//!   `{"code":"invalid_json",...}`; validation problems → 400
//!   `{"description":"Validation failed","errors":[{field,message,code}]}`
//!   (all errors at once); duplicate contact email → 409 `duplicate_value`.
//! * `custom_number` fields take integers only, `custom_decimal` any number,
//!   `custom_text` strings ≤ 255 chars, dropdowns one of their choices.
//!
//! # Demo account ([`FreshdeskSim::seeded_demo`])
//! * Groups: 42 Billing, 43 Technical Support, 44 Accounts, 45 General.
//! * Agents: 9001 Simpli Bot (the API key's owner, author of API notes),
//!   9101 Alex Rivera, 9102 Sam Patel.
//! * Contacts: 5001 Dana Kim, 5002 Luis Ortega, 5003 Priya Natarajan, 5004 Tom Becker.
//! * Ticket 101 "Refund not received" — email, requester 5001, tags `["returns"]`.
//! * Ticket 102 "App crashes on login" — portal, requester 5002, text contains
//!   `<script>alert(1)</script>` (HTML-escaped in `description`).
//! * Ticket 103 "Where is my order?!" — email, requester 5003, group 45: an
//!   agent reply (9101) then an incoming customer email whose new text is angry
//!   ("third time", "unacceptable", "cancel", "refund") followed by a quoted
//!   history (`<blockquote>` / "On ... wrote:") containing older anger
//!   ("worst", "furious") that must not be scored again.
//! * Ticket 104 "Cannot download my invoice" — chat, requester 5004, status 4,
//!   responder 9102, `stats.resolved_at` = `2024-05-07T09:30:00Z`, four public
//!   conversations and one private note.
//! * Solutions: categories 1001 "Billing & Payments", 1002 "Technical Help";
//!   folders 2001 Refunds, 2002 Invoices (1001), 2003 Login & Access (1002) with
//!   subfolder 2004 Mobile App; articles 3001–3006, 3006 a draft (status 1).
//! * Custom fields (also in [`FreshdeskSim::new`]), as the integration guide's
//!   set-up creates them: ticket [`fields::FIELD_AI_CATEGORY`] `cf_ai_category`
//!   (dropdown of [`fields::CATEGORIES`]), `cf_ai_urgency` (dropdown
//!   low/medium/high/critical), `cf_ai_confidence2931` (text); contact
//!   `sentiment_score` (dropdown positive/neutral/negative), `escalation_risk`
//!   (text). Ticket types: Question, Incident, Problem,
//!   Feature Request, Refund.
//!
//! # Simpli stand-ins
//! `POST /classify`, `/route`, `/api/v1/draft`, `/analyze`, `/evaluate`,
//! `/articles` (201), `GET /gaps`, `GET /health` (injected faults apply to it too, so a test
//! can take a service "down"). Bad bodies → 422
//! `{"error_code":"VALIDATION_ERROR","detail",...,"errors":[{field,message}]}`;
//! with an API key configured a wrong/missing `X-API-Key` → 401. Answers:
//! classify by keywords (confidence 0.87); route `{team: "<category>-team",
//! reason}` plus `group_id` when [`SimpliSim::set_route_group`] was called;
//! draft `d_<n>` (confidence 0.74); analyze counts [`NEGATIVE_WORDS`]
//! (0 → score 0.05 / risk 0.1, 1 → -0.35 / 0.45, 2 → -0.6 / 0.8, 3+ → -0.85 /
//! 0.9; positive words alone → 0.6 / 0.05); evaluate 0.82 with empathy 0.9,
//! accuracy 0.8, resolution 0.75.

#![forbid(unsafe_code)]

/// Response header both simulators set when they held a request back on purpose (a
/// Freshdesk delay fault, a Simpli path delay): the delay in milliseconds, so tests can
/// assert the fact instead of timing the call.
pub const DELAY_HEADER: &str = "x-sim-delay-ms";

mod env;
pub mod freshdesk;
pub mod simpli;
mod util;

pub use env::{bridge_env, bridge_env_one_simpli, SIMPLI_URL_VARS};
pub use freshdesk::{
    fields, normalize_path, Fault, FaultKind, FreshdeskSim, RateWindow, RequestRecord, AI_FIELD_LABELS, BOT_AGENT_ID,
    DEFAULT_RATE_LIMIT,
};
pub use simpli::{SimpliRequest, SimpliSim, NEGATIVE_WORDS};

//! The simulated Freshdesk account: every object the API serves, the request
//! log, injected faults and the rate limiter. Objects are kept as JSON maps in
//! Freshdesk's GET shape so that whatever a test seeds is served back verbatim,
//! with missing fields filled the way Freshdesk would fill them.

use std::collections::{BTreeMap, HashSet};
use std::net::SocketAddr;
use std::time::Instant;

use serde_json::{json, Map, Value};

use super::faults::{Fault, FaultKind, RateLimiter, RateWindow};
use super::fields;
use crate::util::{html_to_text, Clock};

/// Id of the agent who owns the API key: author of every note the API creates.
pub const BOT_AGENT_ID: u64 = 9001;

/// One request as the simulator saw it (every request is logged, including
/// the ones answered 401, 429 or by an injected fault).
#[derive(Clone, Debug)]
pub struct RequestRecord {
    pub method: String,
    /// Path without the query string, e.g. `/api/v2/tickets/1`.
    pub path: String,
    pub query: Option<String>,
    pub status: u16,
    /// The JSON body, `Value::String` with the raw text if it was not JSON,
    /// `None` when empty.
    pub body: Option<Value>,
    /// When the request arrived (for pacing/drain measurements).
    pub at: Instant,
    /// The `X-RateLimit-Remaining` of its answer.
    pub remaining: u32,
}

#[derive(Debug)]
pub(crate) struct State {
    pub api_key: String,
    pub tickets: BTreeMap<u64, Map<String, Value>>,
    pub stats: BTreeMap<u64, Map<String, Value>>,
    pub conversations: BTreeMap<u64, Vec<Map<String, Value>>>,
    pub api_notes: HashSet<u64>,
    pub contacts: BTreeMap<u64, Map<String, Value>>,
    pub groups: BTreeMap<u64, String>,
    pub agents: BTreeMap<u64, Value>,
    pub ticket_fields: Vec<Value>,
    pub contact_fields: Vec<Value>,
    /// Automation rules by automation type id (1 creation, 3 time, 4 updates).
    pub rules: BTreeMap<u64, Vec<Value>>,
    pub next_field_id: u64,
    pub next_rule_id: u64,
    pub categories: BTreeMap<u64, Map<String, Value>>,
    pub folders: BTreeMap<u64, Map<String, Value>>,
    pub articles: BTreeMap<u64, Map<String, Value>>,
    pub next_ticket: u64,
    pub next_contact: u64,
    pub next_conversation: u64,
    pub next_category: u64,
    pub next_folder: u64,
    pub next_article: u64,
    pub next_request: u64,
    pub clock: Clock,
    pub log: Vec<RequestRecord>,
    pub faults: Vec<Fault>,
    pub limiter: RateLimiter,
    pub rate_mode: RateWindow,
    pub rate_limit: u32,
    pub bound: Option<SocketAddr>,
    /// The most pages one ticket-list query serves (Freshdesk: 300).
    pub list_page_cap: usize,
}

/// Default per-minute budget: high enough that only tests that ask for a
/// limit ever see a 429.
pub const DEFAULT_RATE_LIMIT: u32 = 10_000;

impl State {
    pub(crate) fn new(api_key: &str) -> Self {
        let mut agents = BTreeMap::new();
        agents.insert(
            BOT_AGENT_ID,
            json!({"id": BOT_AGENT_ID, "name": "Simpli Bot", "email": "simpli-bot@example.com"}),
        );
        Self {
            api_key: api_key.to_string(),
            tickets: BTreeMap::new(),
            stats: BTreeMap::new(),
            conversations: BTreeMap::new(),
            api_notes: HashSet::new(),
            contacts: BTreeMap::new(),
            groups: BTreeMap::new(),
            agents,
            ticket_fields: fields::default_ticket_fields(),
            contact_fields: fields::default_contact_fields(),
            rules: BTreeMap::new(),
            next_field_id: 80_000,
            next_rule_id: 0,
            categories: BTreeMap::new(),
            folders: BTreeMap::new(),
            articles: BTreeMap::new(),
            next_ticket: 1,
            next_contact: 5001,
            next_conversation: 800_001,
            next_category: 1001,
            next_folder: 2001,
            next_article: 3001,
            next_request: 1,
            clock: Clock::default(),
            log: Vec::new(),
            faults: Vec::new(),
            limiter: RateLimiter::new(DEFAULT_RATE_LIMIT, RateWindow::Fixed),
            rate_mode: RateWindow::Fixed,
            rate_limit: DEFAULT_RATE_LIMIT,
            bound: None,
            list_page_cap: super::listing::PAGE_CAP,
        }
    }

    /// Take one use of the first matching fault, dropping it when used up.
    pub(crate) fn take_fault(&mut self, method: &str, path: &str) -> Option<FaultKind> {
        let idx = self.faults.iter().position(|f| f.matches(method, path))?;
        let fault = &mut self.faults[idx];
        fault.times -= 1;
        let kind = fault.kind.clone();
        if fault.times == 0 {
            self.faults.remove(idx);
        }
        Some(kind)
    }

    /// Store a ticket, filling Freshdesk's defaults; returns its id.
    pub(crate) fn insert_ticket(&mut self, given: Value) -> u64 {
        let mut given = into_map(given);
        let id = take_id(&mut given, &mut self.next_ticket);
        let now = self.clock.now();
        let created = str_or(&given, "created_at", &now);
        let mut t = into_map(json!({
            "id": id, "subject": "", "description": "", "description_text": "",
            "status": 2, "priority": 1, "source": 1, "type": null,
            "requester_id": null, "responder_id": null, "group_id": null,
            "company_id": null, "product_id": null, "email_config_id": null,
            "tags": [], "custom_fields": {}, "cc_emails": [], "fwd_emails": [],
            "reply_cc_emails": [], "ticket_cc_emails": [], "to_emails": null,
            "spam": false, "deleted": false, "is_escalated": false, "fr_escalated": false,
            "nr_escalated": false, "due_by": created, "fr_due_by": created, "nr_due_by": null,
            "association_type": null, "attachments": [], "source_additional_info": null,
            "created_at": created, "updated_at": created,
        }));
        let given_stats = given.remove("stats");
        let text_given = given.contains_key("description_text");
        t.extend(given);
        if !text_given {
            let text = html_to_text(t.get("description").and_then(Value::as_str).unwrap_or(""));
            t.insert("description_text".into(), Value::String(text));
        }
        let status = t.get("status").and_then(Value::as_u64).unwrap_or(2);
        let updated = str_or(&t, "updated_at", &created);
        let mut stats = into_map(json!({
            "first_responded_at": null, "agent_responded_at": null, "requester_responded_at": null,
            "status_updated_at": updated, "pending_since": null, "resolved_at": null,
            "closed_at": null, "reopened_at": null,
        }));
        if status == 3 {
            stats.insert("pending_since".into(), json!(updated));
        }
        if status == 4 || status == 5 {
            stats.insert("resolved_at".into(), json!(updated));
        }
        if status == 5 {
            stats.insert("closed_at".into(), json!(updated));
        }
        if let Some(Value::Object(s)) = given_stats {
            stats.extend(s);
        }
        self.stats.insert(id, stats);
        self.tickets.insert(id, t);
        self.conversations.entry(id).or_default();
        id
    }

    /// Store a contact, filling Freshdesk's defaults; returns its id.
    pub(crate) fn insert_contact(&mut self, given: Value) -> u64 {
        let mut given = into_map(given);
        let id = take_id(&mut given, &mut self.next_contact);
        let now = self.clock.now();
        let mut c = into_map(json!({
            "id": id, "name": format!("Contact {id}"), "email": null, "other_emails": [],
            "phone": null, "mobile": null, "twitter_id": null, "facebook_id": null,
            "unique_external_id": null, "company_id": null, "other_companies": [],
            "view_all_tickets": false, "address": null, "avatar": null, "description": null,
            "job_title": null, "language": "en", "time_zone": "Eastern Time (US & Canada)",
            "tags": [], "custom_fields": {}, "active": true, "deleted": false,
            "created_at": now, "updated_at": now,
        }));
        c.extend(given);
        self.contacts.insert(id, c);
        id
    }

    /// Store a conversation on a ticket (no check that the ticket exists);
    /// returns its id. `created_at` defaults to "now" (strictly increasing).
    pub(crate) fn insert_conversation(&mut self, ticket_id: u64, given: Value) -> u64 {
        let mut given = into_map(given);
        let id = take_id(&mut given, &mut self.next_conversation);
        let now = self.clock.now();
        let created = str_or(&given, "created_at", &now);
        let mut c = into_map(json!({
            "id": id, "ticket_id": ticket_id, "body": "", "body_text": "",
            "incoming": false, "private": false, "source": 0, "user_id": BOT_AGENT_ID,
            "support_email": null, "from_email": null, "to_emails": [], "cc_emails": [],
            "bcc_emails": [], "attachments": [], "source_additional_info": null,
            "created_at": created, "updated_at": created,
        }));
        let text_given = given.contains_key("body_text");
        c.extend(given);
        if !text_given {
            let text = html_to_text(c.get("body").and_then(Value::as_str).unwrap_or(""));
            c.insert("body_text".into(), Value::String(text));
        }
        self.conversations.entry(ticket_id).or_default().push(c);
        id
    }

    /// Names of the custom fields among `fields` (types other than `default_*`).
    pub(crate) fn custom_names(fields: &[Value]) -> Vec<String> {
        fields
            .iter()
            .filter(|f| {
                !f.get("type")
                    .and_then(Value::as_str)
                    .unwrap_or("")
                    .starts_with("default_")
            })
            .filter_map(|f| f.get("name").and_then(Value::as_str).map(str::to_string))
            .collect()
    }

    /// Ticket in GET shape: every custom field present (null when unset).
    pub(crate) fn render_ticket(&self, id: u64) -> Option<Map<String, Value>> {
        let mut t = self.tickets.get(&id)?.clone();
        fill_custom(&mut t, &Self::custom_names(&self.ticket_fields));
        Some(t)
    }

    /// Contact in GET shape: every custom field present (null when unset).
    pub(crate) fn render_contact(&self, id: u64) -> Option<Map<String, Value>> {
        let mut c = self.contacts.get(&id)?.clone();
        fill_custom(&mut c, &Self::custom_names(&self.contact_fields));
        Some(c)
    }
}

fn fill_custom(obj: &mut Map<String, Value>, names: &[String]) {
    let entry = obj.entry("custom_fields").or_insert_with(|| json!({}));
    if let Value::Object(cf) = entry {
        for n in names {
            cf.entry(n.clone()).or_insert(Value::Null);
        }
    }
}

/// A JSON object as a map (anything else becomes an empty map).
pub(crate) fn into_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

/// Use the object's numeric `id` if given (moving the counter past it),
/// otherwise allocate the next one.
fn take_id(obj: &mut Map<String, Value>, next: &mut u64) -> u64 {
    let id = obj.remove("id").and_then(|v| v.as_u64()).unwrap_or(*next);
    *next = (*next).max(id + 1);
    id
}

fn str_or(obj: &Map<String, Value>, key: &str, default: &str) -> String {
    obj.get(key).and_then(Value::as_str).unwrap_or(default).to_string()
}

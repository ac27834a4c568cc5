//! `FreshdeskSim`: a stateful, in-process Freshdesk API v2 account for
//! end-to-end tests and the local sandbox. The handle is a cheap clone of an
//! `Arc<Mutex<State>>`: tests seed data, start the server, drive the code under
//! test, then inspect tickets, notes and the request log through the same
//! handle. Request pipeline in `server` (types and paging in `wire`);
//! resource handlers in `tickets`, `listing` (the ticket list, and changes made without a
//! webhook), `conversations`, `contacts`, `solutions`, `admin` (field creation, groups), `rules`
//! (automation rules); `broken` builds broken accounts for tests;
//! validation in `validate`; inspection and fault controls in `inspect`;
//! demo data in `seed`.

mod admin;
mod broken;
mod contacts;
mod conversations;
mod faults;
pub mod fields;
mod inspect;
mod listing;
mod rules;
mod seed;
mod server;
mod solutions;
mod state;
mod tickets;
mod validate;
mod wire;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use serde_json::Value;
use tokio::net::TcpListener;

pub use admin::AI_FIELD_LABELS;
pub use faults::{normalize_path, Fault, FaultKind, RateWindow};
pub use state::{RequestRecord, BOT_AGENT_ID, DEFAULT_RATE_LIMIT};

use state::State;

/// Handle to one simulated Freshdesk account (clone freely; all clones share state).
#[derive(Clone, Debug)]
pub struct FreshdeskSim {
    inner: Arc<Mutex<State>>,
}

impl FreshdeskSim {
    /// An empty account: default ticket/contact fields, the bot agent
    /// ([`BOT_AGENT_ID`]), no tickets, contacts or groups.
    pub fn new(api_key: &str) -> Self {
        Self {
            inner: Arc::new(Mutex::new(State::new(api_key))),
        }
    }

    /// A realistic small account (see the crate docs for its ids).
    pub fn seeded_demo(api_key: &str) -> Self {
        let sim = Self::new(api_key);
        seed::demo(&sim);
        sim
    }

    pub(crate) fn state(&self) -> MutexGuard<'_, State> {
        crate::util::lock(&self.inner)
    }

    /// Bind `127.0.0.1:port` (0 = ephemeral), serve in a spawned tokio task
    /// for the rest of the runtime's life, and return the bound address.
    pub async fn start(&self, port: u16) -> std::io::Result<SocketAddr> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        self.state().bound = Some(addr);
        let app = self.router();
        tokio::spawn(async move {
            if let Err(e) = axum::serve(listener, app).await {
                tracing::error!(error = %e, "freshdesk simulator stopped");
            }
        });
        Ok(addr)
    }

    /// Serve on an existing listener until the future is dropped (sandbox use).
    pub async fn serve(&self, listener: TcpListener) -> std::io::Result<()> {
        self.state().bound = listener.local_addr().ok();
        axum::serve(listener, self.router()).await
    }

    /// The axum router, for embedding in another server.
    pub fn router(&self) -> axum::Router {
        server::router(self.clone())
    }

    /// `http://{addr}/api/v2` — the value for `FRESHDESK_BASE_URL`.
    pub fn base_url(addr: SocketAddr) -> String {
        format!("http://{addr}/api/v2")
    }

    // ---- seeding -------------------------------------------------------

    /// Add a ticket (GET shape; missing fields get defaults, `id` auto-assigned
    /// if absent, a `stats` object is split off and served on `include=stats`).
    pub fn add_ticket(&self, ticket: Value) -> u64 {
        self.state().insert_ticket(ticket)
    }

    /// Add a contact (GET shape; missing fields get defaults; ids from 5001).
    pub fn add_contact(&self, contact: Value) -> u64 {
        self.state().insert_contact(contact)
    }

    /// Add a conversation to a ticket (reply by default: source 0, public,
    /// outgoing). `created_at` defaults to a strictly increasing "now".
    pub fn add_conversation(&self, ticket_id: u64, conversation: Value) -> u64 {
        self.state().insert_conversation(ticket_id, conversation)
    }

    /// Add (or rename) a group; PUTs may then use its id as `group_id`.
    pub fn add_group(&self, id: u64, name: &str) {
        self.state().groups.insert(id, name.to_string());
    }

    /// Add an agent; PUTs may then use its id as `responder_id`.
    pub fn add_agent(&self, id: u64, name: &str, email: &str) {
        let agent = serde_json::json!({"id": id, "name": name, "email": email});
        self.state().agents.insert(id, agent);
    }

    /// Replace the whole `GET /ticket_fields` array (validation follows it).
    pub fn set_ticket_fields(&self, fields: Value) {
        self.state().ticket_fields = array(fields);
    }

    /// Replace the whole `GET /contact_fields` array (validation follows it).
    pub fn set_contact_fields(&self, fields: Value) {
        self.state().contact_fields = array(fields);
    }

    /// Current ticket field definitions (to tweak and `set_ticket_fields`).
    pub fn ticket_fields(&self) -> Vec<Value> {
        self.state().ticket_fields.clone()
    }

    /// Current contact field definitions.
    pub fn contact_fields(&self) -> Vec<Value> {
        self.state().contact_fields.clone()
    }

    /// Add a solution category; ids from 1001.
    pub fn add_category(&self, name: &str) -> u64 {
        self.state().insert_category(name, "")
    }

    /// Add a folder (top-level when `parent_folder_id` is `None`); ids from
    /// 2001. `None` if the category or parent folder does not exist.
    pub fn add_folder(&self, category_id: u64, parent_folder_id: Option<u64>, name: &str) -> Option<u64> {
        self.state().insert_folder(category_id, parent_folder_id, name)
    }

    /// Add an article (`title`, `description` HTML, `status` 1 draft / 2
    /// published (default), `tags`...); ids from 3001. `None` if no such folder.
    pub fn add_article(&self, folder_id: u64, article: Value) -> Option<u64> {
        self.state().insert_article(folder_id, article)
    }

    /// Edit an article (merge keys, bump `updated_at`); false if absent.
    pub fn update_article(&self, id: u64, changes: Value) -> bool {
        self.state().update_article(id, changes)
    }

    /// Remove a ticket and its conversations: later GETs answer 404.
    pub fn delete_ticket(&self, id: u64) {
        let mut st = self.state();
        st.tickets.remove(&id);
        st.stats.remove(&id);
        st.conversations.remove(&id);
    }
}

fn array(v: Value) -> Vec<Value> {
    match v {
        Value::Array(items) => items,
        _ => Vec::new(),
    }
}

//! The Freshdesk API v2 client: Basic auth, JSON, partial PUTs, `Link` pagination, pacing under
//! the account's rate limit, `Retry-After` on 429 and jittered backoff on 5xx, all bounded by
//! the caller's deadline. A POST whose outcome is unknown (5xx, timeout, connection lost after
//! sending) is never repeated: it may have created the note, and the next attempt adopts it.

use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use nom_language::error::VerboseError;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{Map, Value};
use url::Url;

use super::error::FreshdeskError;
use super::models::*;
use super::pacing::{self, Pacer, Sent};
use crate::clients::http::root_cause;
use crate::job::retry::{self, Decision};
use crate::job::text::redact_quoted;

/// Attempts per call for 5xx/transport failures (429 is bounded by the pacer and the deadline).
const MAX_ATTEMPTS: u32 = 3;
const BACKOFF_BASE: Duration = Duration::from_millis(250);
const PER_PAGE: u32 = 100;
/// Safety net against a server that keeps sending `rel="next"`.
const MAX_PAGES: usize = 500;

#[derive(Clone)]
pub struct FreshdeskClient {
    inner: Arc<Inner>,
}

struct Inner {
    http: crate::clients::http::LazyHttp,
    base: Url,
    auth: HeaderValue,
    pacer: Pacer,
}

impl std::fmt::Debug for FreshdeskClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FreshdeskClient")
            .field("base", &self.inner.base.as_str())
            .finish_non_exhaustive()
    }
}

impl FreshdeskClient {
    pub fn new(http: crate::clients::http::LazyHttp, base: Url, api_key: &SecretString, pacer: Pacer) -> Self {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{}:X", api_key.expose_secret()));
        let mut auth =
            HeaderValue::from_str(&format!("Basic {token}")).unwrap_or_else(|_| HeaderValue::from_static(""));
        auth.set_sensitive(true);
        let mut base = base;
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Self {
            inner: Arc::new(Inner {
                http,
                base,
                auth,
                pacer,
            }),
        }
    }

    pub(super) fn pacer(&self) -> &Pacer {
        &self.inner.pacer
    }

    pub(super) fn url(&self, path_and_query: &str) -> Result<Url, FreshdeskError> {
        self.inner
            .base
            .join(path_and_query.trim_start_matches('/'))
            .map_err(|e| FreshdeskError::Decode(format!("bad path {path_and_query}: {e}")))
    }

    // ---- tickets -------------------------------------------------------------------------

    pub async fn get_ticket(&self, id: u64, with_stats: bool, deadline: Instant) -> Result<Ticket, FreshdeskError> {
        let path = if with_stats {
            format!("tickets/{id}?include=stats")
        } else {
            format!("tickets/{id}")
        };
        self.call(Method::GET, self.url(&path)?, None::<&()>, deadline)
            .await
            .and_then(|(v, _)| decode(v))
    }

    /// Every conversation of a ticket, following `Link` pagination (oldest first).
    pub async fn conversations(&self, ticket_id: u64, deadline: Instant) -> Result<Vec<Conversation>, FreshdeskError> {
        self.get_all(&format!("tickets/{ticket_id}/conversations"), deadline)
            .await
    }

    /// A partial update: sends only the keys set in `update`.
    pub async fn update_ticket(
        &self,
        id: u64,
        update: &TicketUpdate,
        deadline: Instant,
    ) -> Result<Ticket, FreshdeskError> {
        self.call(Method::PUT, self.url(&format!("tickets/{id}"))?, Some(update), deadline)
            .await
            .and_then(|(v, _)| decode(v))
    }

    /// A private note (HTML body).
    pub async fn add_private_note(
        &self,
        ticket_id: u64,
        html: &str,
        deadline: Instant,
    ) -> Result<Conversation, FreshdeskError> {
        let body = serde_json::json!({ "body": html, "private": true });
        self.call(
            Method::POST,
            self.url(&format!("tickets/{ticket_id}/notes"))?,
            Some(&body),
            deadline,
        )
        .await
        .and_then(|(v, _)| decode(v))
    }

    pub async fn update_contact_fields(
        &self,
        contact_id: u64,
        fields: Map<String, Value>,
        deadline: Instant,
    ) -> Result<Contact, FreshdeskError> {
        let body = serde_json::json!({ "custom_fields": fields });
        self.call(
            Method::PUT,
            self.url(&format!("contacts/{contact_id}"))?,
            Some(&body),
            deadline,
        )
        .await
        .and_then(|(v, _)| decode(v))
    }

    pub async fn ticket_fields(&self, deadline: Instant) -> Result<Vec<FieldDef>, FreshdeskError> {
        self.call(Method::GET, self.url("ticket_fields")?, None::<&()>, deadline)
            .await
            .and_then(|(v, _)| decode(v))
    }

    pub async fn contact_fields(&self, deadline: Instant) -> Result<Vec<FieldDef>, FreshdeskError> {
        self.call(Method::GET, self.url("contact_fields")?, None::<&()>, deadline)
            .await
            .and_then(|(v, _)| decode(v))
    }

    // ---- solutions -----------------------------------------------------------------------

    pub async fn solution_categories(&self, deadline: Instant) -> Result<Vec<Category>, FreshdeskError> {
        self.get_all("solutions/categories", deadline).await
    }
    pub async fn category_folders(&self, category_id: u64, deadline: Instant) -> Result<Vec<Folder>, FreshdeskError> {
        self.get_all(&format!("solutions/categories/{category_id}/folders"), deadline)
            .await
    }
    /// Subfolders; accounts without nested folders answer 404, which means "none".
    pub async fn subfolders(&self, folder_id: u64, deadline: Instant) -> Result<Vec<Folder>, FreshdeskError> {
        match self
            .get_all(&format!("solutions/folders/{folder_id}/subfolders"), deadline)
            .await
        {
            Err(FreshdeskError::NotFound { .. }) => Ok(Vec::new()),
            other => other,
        }
    }
    pub async fn folder_articles(&self, folder_id: u64, deadline: Instant) -> Result<Vec<Article>, FreshdeskError> {
        self.get_all(&format!("solutions/folders/{folder_id}/articles"), deadline)
            .await
    }

    // ---- transport -----------------------------------------------------------------------

    /// GETs `path` with `per_page=100` and follows `Link: <…>; rel="next"` to the end.
    async fn get_all<T: DeserializeOwned>(&self, path: &str, deadline: Instant) -> Result<Vec<T>, FreshdeskError> {
        let mut url = self.url(path)?;
        url.query_pairs_mut().append_pair("per_page", &PER_PAGE.to_string());
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let (value, headers) = self.call(Method::GET, url.clone(), None::<&()>, deadline).await?;
            let page: Vec<T> = decode(value)?;
            out.extend(page);
            match next_link(&headers) {
                Some(next) => url = self.same_origin(&next)?,
                None => return Ok(out),
            }
        }
        Err(FreshdeskError::Decode(format!("{path}: more than {MAX_PAGES} pages")))
    }

    /// A `Link` target must stay on the API's origin: the API key is never sent elsewhere.
    pub(super) fn same_origin(&self, link: &str) -> Result<Url, FreshdeskError> {
        let next = self
            .inner
            .base
            .join(link)
            .map_err(|e| FreshdeskError::Decode(format!("bad Link header: {e}")))?;
        if next.origin() != self.inner.base.origin() {
            return Err(FreshdeskError::Decode(format!(
                "Link header points off the API host: {}",
                next.origin().ascii_serialization()
            )));
        }
        Ok(next)
    }

    /// One logical call: pacing, then attempts until success, a non-retryable answer, or the
    /// deadline. Returns the JSON body (Null for an empty one) and the headers.
    async fn call<B: Serialize + ?Sized>(
        &self,
        method: Method,
        url: Url,
        body: Option<&B>,
        deadline: Instant,
    ) -> Result<(Value, HeaderMap), FreshdeskError> {
        self.call_costing(method, url, body, deadline, 1).await
    }

    /// [`Self::call`] for a call that costs `credits` of the account's budget, so the pacer
    /// counts what Freshdesk charges (a ticket list with `include=stats` costs 3).
    pub(super) async fn call_costing<B: Serialize + ?Sized>(
        &self,
        method: Method,
        url: Url,
        body: Option<&B>,
        deadline: Instant,
        credits: u32,
    ) -> Result<(Value, HeaderMap), FreshdeskError> {
        let what = format!("{method} {}", url.path());
        let mut attempt = 0;
        loop {
            let (status, err, never_sent) = match self.attempt(&method, &url, body, deadline, &what, credits).await? {
                Attempted::Done(value, headers) => return Ok((value, headers)),
                // The pacer now holds every call for the quiet period; pacing waits it out or
                // gives the job back with it.
                Attempted::RateLimited => continue,
                Attempted::Failed {
                    status,
                    err,
                    never_sent,
                } => (status, err, never_sent),
            };
            if outcome_unknown(&method, status, never_sent) {
                tracing::warn!(call = %what, status, "outcome unknown: the write may exist; not repeated in this attempt");
                return Err(err);
            }
            attempt += 1;
            match retry::decide(
                status,
                None,
                attempt,
                MAX_ATTEMPTS,
                BACKOFF_BASE,
                retry::remaining(deadline),
            ) {
                Decision::RetryAfter(wait) => {
                    tracing::warn!(call = %what, status, attempt, wait_ms = wait.as_millis() as u64, "freshdesk retry");
                    tokio::time::sleep(wait).await;
                }
                Decision::Stop => return Err(err),
            }
        }
    }

    /// One paced request and what came of it. The pacer learns every answer's rate headers.
    async fn attempt<B: Serialize + ?Sized>(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&B>,
        deadline: Instant,
        what: &str,
        credits: u32,
    ) -> Result<Attempted, FreshdeskError> {
        let http = self.inner.http.client().map_err(FreshdeskError::Transport)?;
        let sent = self.pace(deadline, credits).await?;
        let mut req = http
            .request(method.clone(), url.clone())
            .header(AUTHORIZATION, self.inner.auth.clone())
            .header("Accept", "application/json")
            .timeout(retry::remaining(deadline).max(Duration::from_millis(1)));
        if let Some(b) = body {
            req = req.json(b);
        }
        let started = Instant::now();
        let resp = match req.send().await {
            Ok(resp) => resp,
            Err(e) => {
                drop(sent);
                let cause = if e.is_timeout() {
                    "timeout".to_string()
                } else {
                    root_cause(&e)
                };
                return Ok(Attempted::Failed {
                    status: None,
                    err: FreshdeskError::Transport(format!("{what}: {cause}")),
                    never_sent: e.is_connect(),
                });
            }
        };
        let status = resp.status();
        let headers = resp.headers().clone();
        let retry_after = header_u32(&headers, "retry-after").map(|s| Duration::from_secs(s.into()));
        let limited = status == StatusCode::TOO_MANY_REQUESTS;
        sent.answered(
            header_u32(&headers, "x-ratelimit-total"),
            header_u32(&headers, "x-ratelimit-remaining"),
            limited.then(|| retry_after.unwrap_or(pacing::WINDOW)),
            Instant::now(),
        );
        let bytes = resp
            .bytes()
            .await
            .map_err(|e| FreshdeskError::Transport(e.to_string()))?;
        tracing::debug!(call = %what, status = status.as_u16(), ms = started.elapsed().as_millis() as u64, "freshdesk");
        if status.is_success() {
            return Ok(Attempted::Done(json_body(status, &bytes, what)?, headers));
        }
        if limited {
            tracing::warn!(call = %what, "freshdesk 429");
            crate::obs::metrics::emit_throttled();
            return Ok(Attempted::RateLimited);
        }
        Ok(Attempted::Failed {
            status: Some(status.as_u16()),
            err: FreshdeskError::from_response(status.as_u16(), &bytes, what, retry_after),
            never_sent: false,
        })
    }

    /// Waits until the pacer lets a call through, or gives the job back (a rate-limit error
    /// carrying the wait, in whole seconds) when the wait does not fit the deadline.
    async fn pace(&self, deadline: Instant, credits: u32) -> Result<Sent<'_>, FreshdeskError> {
        loop {
            let wait = match self.inner.pacer.acquire_credits(Instant::now(), credits) {
                Ok(sent) => return Ok(sent),
                Err(wait) => wait,
            };
            if wait + retry::DEADLINE_MARGIN > retry::remaining(deadline) {
                return Err(FreshdeskError::RateLimited {
                    retry_after: Duration::from_secs(wait.as_secs_f64().ceil() as u64).max(Duration::from_secs(1)),
                });
            }
            tracing::info!(
                wait_ms = wait.as_millis() as u64,
                "pacing under the Freshdesk rate limit"
            );
            crate::obs::metrics::emit_pacing_wait(wait.as_millis() as u64);
            tokio::time::sleep(wait).await;
        }
    }
}

/// Whether a failed call may have taken effect and must not be repeated in this attempt: a
/// POST (a note) that got a 5xx, timed out or lost its connection after sending. A 429 or a
/// connection that never opened means nothing was created, so those are retried as usual;
/// GETs and PUTs are idempotent and keep their in-process retries.
fn outcome_unknown(method: &Method, status: Option<u16>, never_sent: bool) -> bool {
    *method == Method::POST
        && match status {
            Some(s) => s >= 500,
            None => !never_sent,
        }
}

pub(super) fn decode<T: DeserializeOwned>(value: Value) -> Result<T, FreshdeskError> {
    serde_json::from_value(value).map_err(|e| FreshdeskError::Decode(redact_quoted(&e.to_string())))
}

fn header_u32(headers: &HeaderMap, name: &str) -> Option<u32> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// How one request of a call ended.
enum Attempted {
    Done(Value, HeaderMap),
    /// A 429: the pacer holds the next call for its quiet period.
    RateLimited,
    /// `never_sent`: the connection was never made, so even a write surely did not happen.
    Failed {
        status: Option<u16>,
        err: FreshdeskError,
        never_sent: bool,
    },
}

/// A success's JSON body (`Null` when empty); a parse error quotes no value from the body.
fn json_body(status: StatusCode, bytes: &[u8], what: &str) -> Result<Value, FreshdeskError> {
    if bytes.is_empty() || status == StatusCode::NO_CONTENT {
        return Ok(Value::Null);
    }
    serde_json::from_slice(bytes)
        .map_err(|e| FreshdeskError::Decode(format!("{what}: {}", redact_quoted(&e.to_string()))))
}

/// The `rel="next"` target of a `Link` header, if any (RFC 8288: quoted parameters may hold
/// commas, `rel` may list several relations). A header that does not parse is logged: paging
/// stops there, and the caller sees the pages it got.
pub fn next_link(headers: &HeaderMap) -> Option<String> {
    let raw = headers.get("link")?.to_str().ok()?;
    let Ok(links) = nom_rfc8288::complete::link_lenient::<VerboseError<&str>>(raw) else {
        tracing::warn!("freshdesk sent a Link header that does not parse; no next page followed");
        return None;
    };
    links
        .into_iter()
        .flatten()
        .find(|link| {
            link.params.iter().any(|p| {
                p.key.eq_ignore_ascii_case("rel")
                    && p.val
                        .as_deref()
                        .is_some_and(|rels| rels.split_ascii_whitespace().any(|r| r.eq_ignore_ascii_case("next")))
            })
        })
        .map(|link| link.url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_header_next_is_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert("link", HeaderValue::from_static("<https://a.freshdesk.com/api/v2/x?page=1>; rel=\"prev\", <https://a.freshdesk.com/api/v2/x?page=3&per_page=100>; rel=\"next\""));
        assert_eq!(
            next_link(&h).as_deref(),
            Some("https://a.freshdesk.com/api/v2/x?page=3&per_page=100")
        );
        h.insert("link", HeaderValue::from_static("<https://a/x?page=1>; rel=\"prev\""));
        assert_eq!(next_link(&h), None);
    }

    #[test]
    fn link_header_with_quoted_commas_and_several_relations() {
        let mut h = HeaderMap::new();
        h.insert(
            "link",
            HeaderValue::from_static(
                "<https://a/x?page=1>; title=\"one, two\"; rel=prev, <https://a/x?page=3>; rel=\"last next\"",
            ),
        );
        assert_eq!(next_link(&h).as_deref(), Some("https://a/x?page=3"));
        h.insert("link", HeaderValue::from_static("https://a/x?page=3; rel=next"));
        assert_eq!(next_link(&h), None, "no angle brackets: not a link");
    }

    #[test]
    fn a_post_that_may_have_been_applied_is_not_retried_but_idempotent_calls_are() {
        assert!(outcome_unknown(&Method::POST, Some(502), false));
        assert!(
            outcome_unknown(&Method::POST, None, false),
            "timeout or dropped connection"
        );
        assert!(
            !outcome_unknown(&Method::POST, None, true),
            "never connected: nothing sent"
        );
        assert!(
            !outcome_unknown(&Method::POST, Some(429), false),
            "rate-limited: not applied"
        );
        assert!(!outcome_unknown(&Method::PUT, Some(502), false));
        assert!(!outcome_unknown(&Method::GET, None, false));
    }

    #[test]
    fn links_off_the_api_host_are_refused() {
        let c = FreshdeskClient::new(
            crate::clients::http::LazyHttp::new(),
            Url::parse("https://acme.freshdesk.com/api/v2").unwrap(),
            &SecretString::from("k"),
            Pacer::new(0.2, pacing::WINDOW),
        );
        assert!(c.same_origin("https://evil.example.com/api/v2/x?page=2").is_err());
        assert!(c.same_origin("https://acme.freshdesk.com/api/v2/x?page=2").is_ok());
        assert_eq!(
            c.url("tickets/1").unwrap().as_str(),
            "https://acme.freshdesk.com/api/v2/tickets/1"
        );
    }
}

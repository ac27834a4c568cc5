//! `GET /tickets`: the ticket list as Freshdesk serves it: `updated_since` (inclusive),
//! `order_by` (`created_at` default, `updated_at`, `due_by`, `status`), `order_type` (`desc`
//! default, `asc`), `page`, `per_page` ≤ 100 (default 30), `include` of `stats`, `requester`,
//! `description` (each +2 credits), `filter=spam|deleted` (else spam and deleted tickets are not
//! listed), at most [`PAGE_CAP`] pages, and a `Link: <…>; rel="next"` keeping the query.
//! Also the test controls that change a ticket as the help desk would, without any webhook
//! (a webhook Freshdesk dropped).

use axum::http::header;
use serde_json::{json, Map, Value};

use super::state::State;
use super::validate::Errors;
use super::wire::{Req, Resp};
use super::FreshdeskSim;

/// Freshdesk serves at most this many pages of one query.
pub const PAGE_CAP: usize = 300;
const INCLUDES: [&str; 3] = ["stats", "requester", "description"];
const ORDER_BY: [&str; 4] = ["created_at", "updated_at", "due_by", "status"];

/// The credits a request costs: list tickets charges 2 more per embed.
pub(crate) fn credits(method: &str, path: &str, params: &[(String, String)]) -> u32 {
    if method != "GET" || path.trim_end_matches('/') != "/api/v2/tickets" {
        return 1;
    }
    let embeds = params
        .iter()
        .filter(|(k, _)| k == "include")
        .flat_map(|(_, v)| v.split(','))
        .filter(|s| !s.trim().is_empty())
        .count() as u32;
    1 + 2 * embeds
}

pub(crate) fn list(st: &State, r: &Req) -> Resp {
    let q = match Query::parse(r, st.list_page_cap) {
        Ok(q) => q,
        Err(resp) => return resp,
    };
    let mut items: Vec<&Map<String, Value>> = st.tickets.values().filter(|t| q.admits(t)).collect();
    items.sort_by(|a, b| {
        let (ka, kb) = (sort_key(a, &q.order_by), sort_key(b, &q.order_by));
        let ord = ka.cmp(&kb).then_with(|| id(a).cmp(&id(b)));
        if q.asc {
            ord
        } else {
            ord.reverse()
        }
    });
    let start = (q.page - 1) * q.per_page;
    let page: Vec<Value> = items
        .iter()
        .skip(start)
        .take(q.per_page)
        .map(|t| render(st, t, &q.includes))
        .collect();
    let resp = Resp::json(200, Value::Array(page));
    if items.len() > start + q.per_page && q.page < st.list_page_cap {
        resp.with_header("link", next_link(st, r, q.page + 1))
    } else {
        resp
    }
}

struct Query {
    since: Option<String>,
    order_by: String,
    asc: bool,
    page: usize,
    per_page: usize,
    includes: Vec<String>,
    filter: Option<String>,
}

impl Query {
    fn parse(r: &Req, cap: usize) -> Result<Self, Resp> {
        let mut errs = Errors::default();
        let page = positive(r.param("page"), 1);
        let per_page = positive(r.param("per_page"), 30);
        if page.is_none() {
            errs.push("page", "It should be a Positive Integer", "invalid_value");
        } else if page.is_some_and(|p| p > cap) {
            errs.push("page", format!("It should be at most {cap}"), "invalid_value");
        }
        if per_page.is_none_or(|p| p > 100) {
            errs.push(
                "per_page",
                "It should be a Positive Integer less than or equal to 100",
                "invalid_value",
            );
        }
        let since = r.param("updated_since").map(str::to_string);
        if since.as_deref().is_some_and(|s| parse_time(s).is_none()) {
            errs.push(
                "updated_since",
                "It should be in the 'YYYY-MM-DDTHH:MM:SSZ' format",
                "invalid_value",
            );
        }
        let order_by = r.param("order_by").unwrap_or("created_at").to_string();
        if !ORDER_BY.contains(&order_by.as_str()) {
            errs.not_one_of("order_by", &ORDER_BY.map(String::from));
        }
        let order_type = r.param("order_type").unwrap_or("desc");
        if !["asc", "desc"].contains(&order_type) {
            errs.not_one_of("order_type", &["asc".to_string(), "desc".to_string()]);
        }
        let includes: Vec<String> = r
            .param("include")
            .map(|s| {
                s.split(',')
                    .map(|i| i.trim().to_string())
                    .filter(|i| !i.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        if includes.iter().any(|i| !INCLUDES.contains(&i.as_str())) {
            errs.not_one_of("include", &INCLUDES.map(String::from));
        }
        let filter = r.param("filter").map(str::to_string);
        errs.into_result()?;
        Ok(Self {
            since,
            order_by,
            asc: order_type == "asc",
            page: page.unwrap_or(1),
            per_page: per_page.unwrap_or(30),
            includes,
            filter,
        })
    }

    fn admits(&self, t: &Map<String, Value>) -> bool {
        let flag = |k: &str| t.get(k).and_then(Value::as_bool).unwrap_or(false);
        let shown = match self.filter.as_deref() {
            Some("spam") => flag("spam"),
            Some("deleted") => flag("deleted"),
            _ => !flag("spam") && !flag("deleted"),
        };
        let recent = match &self.since {
            Some(since) => {
                let updated = t.get("updated_at").and_then(Value::as_str).and_then(parse_time);
                updated >= parse_time(since)
            }
            None => true,
        };
        shown && recent
    }
}

fn id(t: &Map<String, Value>) -> u64 {
    t.get("id").and_then(Value::as_u64).unwrap_or(0)
}

fn sort_key(t: &Map<String, Value>, order_by: &str) -> String {
    match t.get(order_by) {
        Some(Value::Number(n)) => format!("{:020}", n.as_u64().unwrap_or(0)),
        Some(Value::String(s)) => parse_time(s).map_or_else(|| s.clone(), |secs| format!("{secs:020}")),
        _ => String::new(),
    }
}

fn render(st: &State, t: &Map<String, Value>, includes: &[String]) -> Value {
    let tid = id(t);
    let mut out = st.render_ticket(tid).unwrap_or_else(|| t.clone());
    if !includes.iter().any(|i| i == "description") {
        out.remove("description");
        out.remove("description_text");
    }
    if includes.iter().any(|i| i == "stats") {
        let stats = st.stats.get(&tid).cloned().map(Value::Object).unwrap_or(Value::Null);
        out.insert("stats".into(), stats);
    }
    if includes.iter().any(|i| i == "requester") {
        let req = t
            .get("requester_id")
            .and_then(Value::as_u64)
            .and_then(|c| st.contacts.get(&c));
        let value = req.map_or(Value::Null, |c| {
            let pick = |k: &str| c.get(k).cloned().unwrap_or(Value::Null);
            json!({"id": pick("id"), "name": pick("name"), "email": pick("email")})
        });
        out.insert("requester".into(), value);
    }
    Value::Object(out)
}

/// The next page's link: the same query with `page` replaced.
fn next_link(st: &State, r: &Req, page: usize) -> String {
    let host = r
        .header(header::HOST)
        .map(str::to_string)
        .or_else(|| st.bound.map(|a| a.to_string()))
        .unwrap_or_else(|| "127.0.0.1".to_string());
    let mut url = url::Url::parse(&format!("http://{host}{}", r.path)).expect("a sim URL");
    {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in r.params.iter().filter(|(k, _)| k != "page") {
            pairs.append_pair(k, v);
        }
        pairs.append_pair("page", &page.to_string());
    }
    format!("<{url}>; rel=\"next\"")
}

fn positive(value: Option<&str>, default: usize) -> Option<usize> {
    match value {
        None => Some(default),
        Some(v) => v.parse::<usize>().ok().filter(|n| *n > 0),
    }
}

/// Seconds since the epoch of `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM[:SS]` with `Z` / `±hh:mm`.
pub(crate) fn parse_time(raw: &str) -> Option<i64> {
    let raw = raw.trim();
    let (date, rest) = raw.split_at(raw.len().min(10));
    let mut d = date.split('-').map(|p| p.parse::<i64>().ok());
    let (y, m, day) = (d.next()??, d.next()??, d.next()??);
    let days = days_from_civil(y, m, day);
    if rest.is_empty() {
        return Some(days * 86_400);
    }
    let rest = rest.strip_prefix('T')?;
    let (clock, offset) = match rest.find(['Z', '+', '-']) {
        Some(i) => rest.split_at(i),
        None => return None,
    };
    let mut c = clock
        .split(':')
        .map(|p| p.split('.').next().unwrap_or("").parse::<i64>().ok());
    let (hh, mm) = (c.next()??, c.next()??);
    let ss = c.next().flatten().unwrap_or(0);
    let off = match offset {
        "Z" => 0,
        o => {
            let sign = if o.starts_with('-') { -1 } else { 1 };
            let mut p = o[1..].split(':').map(|x| x.parse::<i64>().ok());
            sign * (p.next()?? * 3600 + p.next().flatten().unwrap_or(0) * 60)
        }
    };
    Some(days * 86_400 + hh * 3600 + mm * 60 + ss - off)
}

/// Howard Hinnant's days-from-civil.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

impl FreshdeskSim {
    /// The customer replies on a ticket, as the help desk records it (an incoming public
    /// conversation; `updated_at` and `stats.requester_responded_at` move), and no webhook
    /// fires. Returns the conversation id, `None` if no such ticket.
    pub fn customer_reply(&self, ticket_id: u64, body: &str) -> Option<u64> {
        let mut st = self.state();
        let requester = st.tickets.get(&ticket_id)?.get("requester_id").cloned();
        let conv = st.insert_conversation(
            ticket_id,
            json!({"body": body, "incoming": true, "private": false, "source": 0, "user_id": requester}),
        );
        let at = st.conversations.get(&ticket_id)?.last()?.get("created_at").cloned()?;
        if let Some(t) = st.tickets.get_mut(&ticket_id) {
            t.insert("updated_at".into(), at.clone());
        }
        if let Some(stats) = st.stats.get_mut(&ticket_id) {
            stats.insert("requester_responded_at".into(), at);
        }
        Some(conv)
    }

    /// An agent resolves a ticket (status 4; `stats.resolved_at` and `updated_at` move), and no
    /// webhook fires. False if no such ticket.
    pub fn resolve_ticket(&self, ticket_id: u64) -> bool {
        let mut st = self.state();
        let now = st.clock.now();
        let Some(t) = st.tickets.get_mut(&ticket_id) else {
            return false;
        };
        t.insert("status".into(), json!(4));
        t.insert("updated_at".into(), json!(now));
        if let Some(stats) = st.stats.get_mut(&ticket_id) {
            stats.insert("resolved_at".into(), json!(now));
            stats.insert("status_updated_at".into(), json!(now));
        }
        true
    }

    /// Marks a ticket spam or deleted (trash) as the help desk does: it leaves the default list.
    pub fn flag_ticket(&self, ticket_id: u64, flag: &str) -> bool {
        let mut st = self.state();
        let now = st.clock.now();
        match st.tickets.get_mut(&ticket_id) {
            Some(t) if flag == "spam" || flag == "deleted" => {
                t.insert(flag.into(), json!(true));
                t.insert("updated_at".into(), json!(now));
                true
            }
            _ => false,
        }
    }

    /// Lowers the 300-page cap of one list query (to test windows past it cheaply).
    pub fn set_list_page_cap(&self, pages: usize) {
        self.state().list_page_cap = pages.max(1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_like_freshdesk_accepts_them() {
        assert_eq!(parse_time("1970-01-02"), Some(86_400));
        assert_eq!(parse_time("2024-05-02T09:14:07Z"), Some(1_714_641_247));
        assert_eq!(parse_time("2024-05-02T11:14:07+02:00"), Some(1_714_641_247));
        assert_eq!(parse_time("2024-05-02T09:14Z"), Some(1_714_641_240));
        assert_eq!(parse_time("soon"), None);
    }

    #[test]
    fn embeds_cost_two_credits_each_on_the_list_only() {
        let p = |s: &str| vec![("include".to_string(), s.to_string())];
        assert_eq!(credits("GET", "/api/v2/tickets", &p("stats")), 3);
        assert_eq!(credits("GET", "/api/v2/tickets", &p("stats,requester")), 5);
        assert_eq!(credits("GET", "/api/v2/tickets", &[]), 1);
        assert_eq!(credits("GET", "/api/v2/tickets/1", &p("stats")), 1);
    }
}

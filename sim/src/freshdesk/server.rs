//! The HTTP side of the Freshdesk simulator: one axum fallback handler that
//! applies, in order, the rate limit (every request spends a credit), injected
//! faults, Basic auth and content negotiation, then routes to the resource
//! handlers. Every request is logged with its final status.

use std::time::Instant;

use axum::extract::{Query, Request, State as AxState};
use axum::http::header;
use axum::response::Response;
use axum::Router;
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde_json::{json, Value};

use super::faults::{FaultKind, RateDecision};
use super::listing;
use super::state::{RequestRecord, State};
use super::wire::{Req, Resp};
use super::{admin, contacts, conversations, fields, rules, solutions, tickets, FreshdeskSim};

const MAX_BODY: usize = 10 * 1024 * 1024;

pub(crate) fn router(sim: FreshdeskSim) -> Router {
    Router::new().fallback(handle).with_state(sim)
}

fn rate_limited(retry_after: u64) -> Resp {
    Resp::json(
        429,
        json!({"message": "You have exceeded the limit of requests per minute"}),
    )
    .with_header("retry-after", retry_after.to_string())
}

async fn handle(AxState(sim): AxState<FreshdeskSim>, req: Request) -> Response {
    let at = Instant::now();
    let r = read_request(req).await;
    let (decision, fault) = admit(&sim, &r, at);
    let (resp, drop_connection) = if decision.allowed {
        apply_fault(&sim, &r, fault).await
    } else {
        (rate_limited(decision.retry_after), false)
    };
    let remaining = if resp.status == 429 { 0 } else { decision.remaining };
    let request_id = record(&sim, &r, resp.status, at, remaining);
    if drop_connection {
        return dropped_connection();
    }
    resp.with_header("x-ratelimit-total", decision.total.to_string())
        .with_header("x-ratelimit-remaining", remaining.to_string())
        .with_header("x-ratelimit-used-currentrequest", decision.cost.to_string())
        .with_header("x-request-id", format!("fd-sim-{request_id}"))
        .with_header("x-freshdesk-api-version", "latest=v2; requested=v2".to_string())
        .into_axum()
}

/// The request as the resource handlers see it: method, path, query pairs, headers and body.
async fn read_request(req: Request) -> Req {
    let (parts, body) = req.into_parts();
    let body = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let params = Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
        .map(|q| q.0)
        .unwrap_or_default();
    Req {
        method: parts.method.as_str().to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        params,
        headers: parts.headers,
        body,
    }
}

/// Spend a rate-limit credit and, when the request is let through, take the next
/// injected fault that matches it.
fn admit(sim: &FreshdeskSim, r: &Req, at: Instant) -> (RateDecision, Option<FaultKind>) {
    let mut st = sim.state();
    let d = st.limiter.charge(at, listing::credits(&r.method, &r.path, &r.params));
    let f = if d.allowed {
        st.take_fault(&r.method, &r.path)
    } else {
        None
    };
    (d, f)
}

/// Serve an admitted request, bent by its fault if it has one. The flag says the
/// connection must be dropped instead of answering.
async fn apply_fault(sim: &FreshdeskSim, r: &Req, fault: Option<FaultKind>) -> (Resp, bool) {
    let resp = match fault {
        None => serve(&mut sim.state(), r),
        Some(FaultKind::AfterWrite { status }) => {
            let served = serve(&mut sim.state(), r);
            if (200..300).contains(&served.status) {
                Resp::json(
                    status,
                    json!({"code": "injected_fault", "message": format!("Simulated HTTP {status} after the write")}),
                )
            } else {
                served
            }
        }
        Some(FaultKind::DropAfterWrite) => return (serve(&mut sim.state(), r), true),
        Some(FaultKind::Delay(d)) => {
            tokio::time::sleep(d).await;
            serve(&mut sim.state(), r).with_header(crate::DELAY_HEADER, d.as_millis().to_string())
        }
        Some(FaultKind::RateLimited { retry_after }) => rate_limited(retry_after),
        Some(FaultKind::Status {
            status,
            body,
            retry_after,
        }) => injected_status(status, body, retry_after),
    };
    (resp, false)
}

fn injected_status(status: u16, body: Option<Value>, retry_after: Option<u64>) -> Resp {
    let body = body.unwrap_or_else(|| json!({"code": "injected_fault", "message": format!("Simulated HTTP {status}")}));
    let resp = Resp::json(status, body);
    match retry_after {
        Some(s) => resp.with_header("retry-after", s.to_string()),
        None => resp,
    }
}

/// Log the request with its final status and hand out its request number.
fn record(sim: &FreshdeskSim, r: &Req, status: u16, at: Instant, remaining: u32) -> u64 {
    let mut st = sim.state();
    let request_id = st.next_request;
    st.next_request += 1;
    let logged_body = if r.body.is_empty() {
        None
    } else {
        Some(
            serde_json::from_slice(&r.body)
                .unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&r.body).into_owned())),
        )
    };
    st.log.push(RequestRecord {
        method: r.method.clone(),
        path: r.path.clone(),
        query: r.query.clone(),
        status,
        body: logged_body,
        at,
        remaining,
    });
    request_id
}

/// A response whose body fails before anything is written: the server closes the connection
/// without sending a status line, as a crash or a network cut after the write would.
fn dropped_connection() -> Response {
    let failing =
        futures::stream::once(async { Err::<axum::body::Bytes, _>(std::io::Error::other("connection dropped")) });
    Response::new(axum::body::Body::from_stream(failing))
}

fn authorized(st: &State, r: &Req) -> bool {
    let Some(value) = r.header(header::AUTHORIZATION) else {
        return false;
    };
    let Some((scheme, encoded)) = value.split_once(' ') else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case("basic") {
        return false;
    }
    let Ok(decoded) = STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let decoded = String::from_utf8_lossy(&decoded);
    let user = decoded.split(':').next().unwrap_or("");
    !st.api_key.is_empty() && user == st.api_key
}

fn acceptable(r: &Req) -> bool {
    match r.header(header::ACCEPT) {
        None => true,
        Some(a) => {
            let a = a.to_ascii_lowercase();
            a.is_empty() || a.contains("application/json") || a.contains("*/*") || a.contains("application/*")
        }
    }
}

/// Authenticate and route one request (rate limit and faults already applied).
fn serve(st: &mut State, r: &Req) -> Resp {
    if !authorized(st, r) {
        return Resp::json(
            401,
            json!({"code": "invalid_credentials", "message": "You have to be logged in to perform this action."}),
        );
    }
    if !acceptable(r) {
        return Resp::json(
            406,
            json!({"code": "invalid_accept_header", "message": "This request only supports application/json responses"}),
        );
    }
    let Some(rest) = r.path.strip_prefix("/api/v2/") else {
        return Resp::not_found();
    };
    let segs: Vec<&str> = rest.split('/').filter(|s| !s.is_empty()).collect();
    let m = r.method.as_str();
    let id = |s: &str| s.parse::<u64>().ok();
    match segs.as_slice() {
        ["tickets"] if m == "GET" => listing::list(st, r),
        ["tickets", t] => match (m, id(t)) {
            (_, None) => Resp::not_found(),
            ("GET", Some(t)) => tickets::get(st, r, t),
            ("PUT", Some(t)) => tickets::put(st, r, t),
            _ => not_allowed("GET, PUT, DELETE"),
        },
        ["tickets", t, "conversations"] => match (m, id(t)) {
            ("GET", Some(t)) => conversations::list(st, r, t),
            ("GET", None) => Resp::not_found(),
            _ => not_allowed("GET"),
        },
        ["tickets", t, kind @ ("notes" | "reply")] => match (m, id(t)) {
            ("POST", Some(t)) => conversations::add(st, r, t, *kind == "notes"),
            ("POST", None) => Resp::not_found(),
            _ => not_allowed("POST"),
        },
        ["contacts", c] => match (m, id(c)) {
            (_, None) => Resp::not_found(),
            ("GET", Some(c)) => contacts::get(st, c),
            ("PUT", Some(c)) => contacts::put(st, r, c),
            _ => not_allowed("GET, PUT, DELETE"),
        },
        ["ticket_fields"] if m == "GET" => Resp::json(200, Value::Array(fields::served_ticket_fields(st))),
        ["contact_fields"] if m == "GET" => Resp::json(200, Value::Array(st.contact_fields.clone())),
        ["solutions", ..] if m == "GET" => solutions::get(st, r, &segs[1..]),
        ["admin", "ticket_fields"] if m == "POST" => admin::create_field(st, r, false),
        ["contact_fields"] if m == "POST" => admin::create_field(st, r, true),
        ["automations", kind, "rules"] => rules::handle(st, r, kind),
        ["groups"] if m == "GET" => admin::groups(st, r),
        ["ticket_fields" | "contact_fields"] => not_allowed("GET"),
        _ => Resp::not_found(),
    }
}

pub(crate) fn not_allowed(allow: &str) -> Resp {
    Resp::json(
        405,
        json!({"code": "method_not_allowed", "message": format!("Allowed methods: {allow}")}),
    )
    .with_header("allow", allow.to_string())
}

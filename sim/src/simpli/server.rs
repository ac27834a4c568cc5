//! HTTP side of the Simpli stand-ins: one fallback handler that applies the
//! configured latency, API-key auth (`/health` exempt), injected faults, body
//! validation and finally the (possibly overridden) answer. Every request is
//! logged and its `X-Request-ID` echoed.

use axum::body::Bytes;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde_json::{json, Value};

use super::{answers, validate, SimpliRequest, SimpliSim, SimpliState};

const MAX_BODY: usize = 2 * 1024 * 1024;
const POSTS: [&str; 6] = [
    "/classify",
    "/route",
    "/api/v1/draft",
    "/analyze",
    "/evaluate",
    "/articles",
];
const GETS: [&str; 3] = ["/gaps", "/health", "/articles"];

pub(crate) fn router(sim: SimpliSim) -> Router {
    Router::new().fallback(handle).with_state(sim)
}

fn header(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
}

fn error_code(status: u16) -> &'static str {
    match status {
        401 => "AUTHENTICATION_ERROR",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        405 => "METHOD_NOT_ALLOWED",
        422 => "VALIDATION_ERROR",
        429 => "RATE_LIMITED",
        500 => "INTERNAL_ERROR",
        502 => "EXTERNAL_SERVICE_ERROR",
        503 => "SERVICE_UNAVAILABLE",
        504 => "GATEWAY_TIMEOUT",
        _ => "ERROR",
    }
}

fn error(status: u16, detail: &str, request_id: &str) -> (u16, Value) {
    let body = json!({"error_code": error_code(status), "detail": detail, "request_id": request_id});
    (status, body)
}

async fn handle(State(sim): State<SimpliSim>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, MAX_BODY).await.unwrap_or_default();
    let path = parts.uri.path().to_string();
    let method = parts.method.as_str().to_string();
    let request_id = header(&parts.headers, "x-request-id");
    let api_key = header(&parts.headers, "x-api-key");
    sim.at_barrier(&path).await;
    let delay = sim.state().delays.get(&path).copied();
    if let Some(d) = delay {
        tokio::time::sleep(d).await;
    }
    let mut st = sim.state();
    st.next_request += 1;
    let rid = request_id
        .clone()
        .unwrap_or_else(|| format!("simpli-{}", st.next_request));
    let (status, out) = respond(&mut st, &method, &path, &bytes, api_key.as_deref(), &rid);
    let logged = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap_or_else(|_| Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    };
    st.log.push(SimpliRequest {
        method,
        path,
        body: logged,
        request_id,
        api_key,
        status,
    });
    drop(st);
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = (code, Json(out)).into_response();
    if let Ok(v) = HeaderValue::from_str(&rid) {
        resp.headers_mut().insert("x-request-id", v);
    }
    if status == 429 {
        resp.headers_mut().insert("retry-after", HeaderValue::from_static("1"));
    }
    if let Some(d) = delay.and_then(|d| HeaderValue::from_str(&d.as_millis().to_string()).ok()) {
        resp.headers_mut().insert(crate::DELAY_HEADER, d);
    }
    resp
}

fn respond(
    st: &mut SimpliState,
    method: &str,
    path: &str,
    bytes: &Bytes,
    api_key: Option<&str>,
    rid: &str,
) -> (u16, Value) {
    if let Some(refused) = refuse(st, method, path, api_key, rid) {
        return refused;
    }
    if let Some(i) = st.faults.iter().position(|(p, _, n)| p == path && *n > 0) {
        let status = st.faults[i].1;
        st.faults[i].2 -= 1;
        if st.faults[i].2 == 0 {
            st.faults.remove(i);
        }
        return error(status, "Simulated failure", rid);
    }
    if path == "/health" {
        return (200, json!({"status": "ok"}));
    }
    if method == "GET" {
        return get(st, path);
    }
    post(st, path, bytes, rid)
}

/// 404 for an unknown path, 405 for a known path with the wrong method, 401 for a
/// missing or wrong key (`/health` needs none).
fn refuse(st: &SimpliState, method: &str, path: &str, api_key: Option<&str>, rid: &str) -> Option<(u16, Value)> {
    let known_post = POSTS.contains(&path);
    let known_get = GETS.contains(&path);
    if !known_post && !known_get {
        return Some(error(404, "Not Found", rid));
    }
    if !((method == "POST" && known_post) || (method == "GET" && known_get)) {
        return Some(error(405, "Method Not Allowed", rid));
    }
    if path == "/health" {
        return None;
    }
    match &st.api_key {
        Some(key) if api_key != Some(key.as_str()) => Some(error(401, "Invalid or missing API key", rid)),
        _ => None,
    }
}

/// A POST: the body must be a valid JSON object for its path; the answer is the
/// computed one unless a test set an override for the path.
fn post(st: &mut SimpliState, path: &str, bytes: &Bytes, rid: &str) -> (u16, Value) {
    let body = match serde_json::from_slice::<Value>(bytes) {
        Ok(Value::Object(m)) => m,
        Ok(_) => return invalid(vec![("body".into(), "Input should be a valid dictionary".into())], rid),
        Err(e) => return invalid(vec![("body".into(), format!("JSON decode error: {e}"))], rid),
    };
    let errors = validate::body(path, &body);
    if !errors.is_empty() {
        return invalid(errors, rid);
    }
    let status = if path == "/articles" { 201 } else { 200 };
    let computed = match path {
        "/classify" => answers::classify(&body),
        "/route" => answers::route(&body, &st.route_groups),
        "/api/v1/draft" => {
            st.next_draft += 1;
            answers::draft(&body, st.next_draft)
        }
        "/analyze" => answers::analyze(&body),
        "/evaluate" => answers::evaluate(&body),
        _ => {
            st.next_article += 1;
            let mut article = body.clone();
            article.insert("id".into(), json!(format!("kb_{}", st.next_article)));
            article.entry("tags").or_insert_with(|| json!([]));
            let article = Value::Object(article);
            st.articles.push(article.clone());
            article
        }
    };
    (status, st.overrides.get(path).cloned().unwrap_or(computed))
}

fn get(st: &SimpliState, path: &str) -> (u16, Value) {
    if path == "/articles" {
        return (200, Value::Array(st.articles.clone()));
    }
    if let Some(v) = st.overrides.get(path) {
        return (200, v.clone());
    }
    let classified: Vec<String> = st
        .log
        .iter()
        .filter(|r| r.path == "/classify" && r.status == 200)
        .map(|r| {
            let part = |k: &str| r.body.get(k).and_then(Value::as_str).unwrap_or("").to_lowercase();
            answers::category(&format!("{} {}", part("subject"), part("body"))).to_string()
        })
        .collect();
    (200, answers::gaps(&classified, &st.articles))
}

fn invalid(errors: Vec<(String, String)>, rid: &str) -> (u16, Value) {
    let detail = errors
        .first()
        .map(|(f, m)| format!("Validation error: {f}: {m}"))
        .unwrap_or_else(|| "Validation error".into());
    let list: Vec<Value> = errors
        .into_iter()
        .map(|(field, message)| json!({"field": field, "message": message}))
        .collect();
    let (status, mut body) = error(422, &detail, rid);
    if let Some(obj) = body.as_object_mut() {
        obj.insert("errors".into(), Value::Array(list));
    }
    (status, body)
}

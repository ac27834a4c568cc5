//! Owned request/response types of the Freshdesk simulator (so resource
//! handlers are plain functions over `State`, with no axum types) and the
//! shared list pagination: `page`/`per_page` (≤ 100) with a `Link` header.

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};

use super::state::State;
/// A parsed request, owned so handlers need no axum types.
#[derive(Debug)]
pub(crate) struct Req {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub params: Vec<(String, String)>,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Req {
    pub(crate) fn param(&self, key: &str) -> Option<&str> {
        self.params.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
    }

    pub(crate) fn header(&self, name: header::HeaderName) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The JSON object body of a write, or Freshdesk's 415/400 answer.
    pub(crate) fn json_object(&self) -> Result<Map<String, Value>, Resp> {
        let ctype = self.header(header::CONTENT_TYPE).unwrap_or("");
        if !ctype.trim_start().to_ascii_lowercase().starts_with("application/json") {
            return Err(Resp::json(
                415,
                json!({"code": "invalid_content_type", "message": "Content-Type header should have application/json"}),
            ));
        }
        match serde_json::from_slice::<Value>(&self.body) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(Resp::json(
                400,
                json!({"code": "invalid_json", "message": "Request body has invalid json format"}),
            )),
        }
    }
}

/// A response under construction.
#[derive(Debug)]
pub(crate) struct Resp {
    pub status: u16,
    pub body: Option<Value>,
    pub headers: Vec<(&'static str, String)>,
}

impl Resp {
    pub(crate) fn json(status: u16, body: Value) -> Self {
        Self {
            status,
            body: Some(body),
            headers: Vec::new(),
        }
    }

    pub(crate) fn empty(status: u16) -> Self {
        Self {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    pub(crate) fn not_found() -> Self {
        Self::empty(404)
    }

    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> Self {
        self.headers.push((name, value));
        self
    }

    pub(crate) fn into_axum(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut resp = match self.body {
            Some(v) => (status, axum::Json(v)).into_response(),
            None => (status, Body::empty()).into_response(),
        };
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                resp.headers_mut().insert(name, v);
            }
        }
        resp
    }
}

/// Serve one page of `items` (`page`, `per_page` ≤ 100, default 30) with a
/// `Link: <...>; rel="next"` header when another page exists.
pub(crate) fn paginate(st: &State, r: &Req, items: Vec<Value>) -> Resp {
    let mut errs = super::validate::Errors::default();
    let page = positive(r.param("page"), 1);
    let per_page = positive(r.param("per_page"), 30);
    if page.is_none() {
        errs.push("page", "It should be a Positive Integer", "invalid_value");
    }
    if per_page.is_none_or(|p| p > 100) {
        errs.push(
            "per_page",
            "It should be a Positive Integer less than or equal to 100",
            "invalid_value",
        );
    }
    if let Err(resp) = errs.into_result() {
        return resp;
    }
    let (page, per_page) = (page.unwrap_or(1), per_page.unwrap_or(30));
    let start = (page - 1).saturating_mul(per_page);
    let chunk: Vec<Value> = items.iter().skip(start).take(per_page).cloned().collect();
    let resp = Resp::json(200, Value::Array(chunk));
    if items.len() > start.saturating_add(per_page) {
        let host = r
            .header(header::HOST)
            .map(str::to_string)
            .or_else(|| st.bound.map(|a| a.to_string()))
            .unwrap_or_else(|| "127.0.0.1".to_string());
        let next = format!(
            "<http://{host}{}?page={}&per_page={per_page}>; rel=\"next\"",
            r.path,
            page + 1
        );
        resp.with_header("link", next)
    } else {
        resp
    }
}

/// A positive integer query parameter, `default` when absent, `None` when bad.
fn positive(value: Option<&str>, default: usize) -> Option<usize> {
    match value {
        None => Some(default),
        Some(v) => v.parse::<usize>().ok().filter(|n| *n > 0),
    }
}

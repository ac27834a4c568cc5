//! Freshdesk failures, typed so callers can tell a bad field from a rate limit.

use std::fmt;
use std::time::Duration;

use serde::Deserialize;

/// One entry of Freshdesk's 400 body `{description, errors:[{field,message,code}]}`.
#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct FieldError {
    #[serde(default)]
    pub field: String,
    #[serde(default)]
    pub message: String,
    #[serde(default)]
    pub code: String,
}

/// The field and code only: Freshdesk's `message` may quote the value that was sent.
impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.code)
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum FreshdeskError {
    /// 404 (wrong id, deleted ticket, or wrong path).
    #[error("freshdesk: not found ({what})")]
    NotFound { what: String },
    /// 400 with the field errors Freshdesk named.
    #[error("freshdesk 400 {description}: {}", errors.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Validation {
        description: String,
        errors: Vec<FieldError>,
    },
    /// Other 4xx (401 credentials, 403 permission/plan, 409 conflict, 415, ...) and 3xx.
    /// `hint` is the bridge's own advice, never Freshdesk's message (which may quote input).
    #[error("freshdesk {status} {code}{}", hint.as_deref().map(|h| format!(": {h}")).unwrap_or_default())]
    Client {
        status: u16,
        code: String,
        hint: Option<String>,
    },
    /// 429, or our own pacing found no budget within the deadline.
    #[error("freshdesk rate limit: retry after {}s", retry_after.as_secs())]
    RateLimited { retry_after: Duration },
    /// 5xx after the in-process retries.
    #[error("freshdesk {status} server error")]
    Server { status: u16 },
    /// Connection refused/reset, timeout.
    #[error("freshdesk unreachable: {0}")]
    Transport(String),
    /// A 2xx whose body was not what the API documents.
    #[error("freshdesk response not understood: {0}")]
    Decode(String),
}

impl FreshdeskError {
    /// Worth trying again later: 429, 5xx, timeouts, connection errors.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::RateLimited { .. } | Self::Server { .. } | Self::Transport(_)
        )
    }

    /// The delay Freshdesk asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::RateLimited { retry_after } => Some(*retry_after),
            _ => None,
        }
    }

    /// Builds the error for a non-2xx answer.
    pub(crate) fn from_response(status: u16, body: &[u8], what: &str, retry_after: Option<Duration>) -> Self {
        #[derive(Deserialize, Default)]
        struct Body {
            #[serde(default)]
            description: Option<String>,
            #[serde(default)]
            errors: Vec<FieldError>,
            #[serde(default)]
            code: Option<String>,
        }
        let parsed: Body = serde_json::from_slice(body).unwrap_or_default();
        match status {
            404 => Self::NotFound { what: what.to_string() },
            429 => Self::RateLimited {
                retry_after: retry_after.unwrap_or(Duration::from_secs(60)),
            },
            400 => Self::Validation {
                description: parsed.description.unwrap_or_else(|| "Bad request".into()),
                errors: parsed.errors,
            },
            s if s >= 500 => Self::Server { status: s },
            s @ 300..=399 => Self::Client {
                status: s,
                code: "redirect_not_followed".into(),
                hint: Some("redirects are not followed: check FRESHDESK_DOMAIN / FRESHDESK_BASE_URL".into()),
            },
            s => Self::Client {
                status: s,
                code: parsed
                    .code
                    .or_else(|| parsed.errors.first().map(|e| e.code.clone()))
                    .unwrap_or_default(),
                hint: None,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_body_names_field_and_code() {
        let body = br#"{"description":"Validation failed","errors":[{"field":"type","message":"It should be one of these values: 'Question,Incident'","code":"invalid_value"}]}"#;
        let e = FreshdeskError::from_response(400, body, "PUT /tickets/1", None);
        assert!(!e.is_retryable());
        let FreshdeskError::Validation { errors, .. } = &e else {
            panic!("{e:?}")
        };
        assert_eq!(errors[0].field, "type");
        assert_eq!(errors[0].code, "invalid_value");
        assert!(e.to_string().contains("type invalid_value"));
    }

    #[test]
    fn error_text_names_status_code_and_field_but_never_the_echoed_input() {
        let echo = "Dana's card 4111";
        let body = format!(
            r#"{{"description":"Validation failed","errors":[{{"field":"email","message":"{echo} is not a valid email","code":"invalid_value"}}]}}"#
        );
        let e = FreshdeskError::from_response(400, body.as_bytes(), "PUT /contacts/1", None);
        assert_eq!(e.to_string(), "freshdesk 400 Validation failed: email invalid_value");
        let body = format!(r#"{{"code":"duplicate_value","message":"{echo} already exists"}}"#);
        let e = FreshdeskError::from_response(409, body.as_bytes(), "PUT /contacts/1", None);
        assert_eq!(e.to_string(), "freshdesk 409 duplicate_value");
        let body = format!(r#"{{"message":"{echo}"}}"#);
        let e = FreshdeskError::from_response(400, body.as_bytes(), "POST /tickets/1/notes", None);
        assert!(!e.to_string().contains("4111"), "{e}");
    }

    #[test]
    fn classification_of_statuses() {
        let e = FreshdeskError::from_response(429, b"{}", "x", Some(Duration::from_secs(37)));
        assert!(e.is_retryable());
        assert_eq!(e.retry_after(), Some(Duration::from_secs(37)));
        assert!(FreshdeskError::from_response(503, b"", "x", None).is_retryable());
        let auth = FreshdeskError::from_response(401, br#"{"code":"invalid_credentials","message":"no"}"#, "x", None);
        assert!(!auth.is_retryable());
        assert!(auth.to_string().contains("invalid_credentials"));
        assert!(matches!(
            FreshdeskError::from_response(404, b"", "x", None),
            FreshdeskError::NotFound { .. }
        ));
    }
}

//! Logging: one JSON object per line in Lambda (CloudWatch's JSON log format), compact text
//! elsewhere. Every line written inside a job carries the job's context (`request_id`,
//! `event`, `ticket_id`, `attempt`) as top-level fields, so a CloudWatch query on a ticket
//! finds every line about it, "freshdesk retry" and warnings included.
//!
//! Level and format follow Lambda's advanced logging controls (`AWS_LAMBDA_LOG_LEVEL`,
//! `AWS_LAMBDA_LOG_FORMAT`, which the template's logging config sets) when they are set, and
//! `RUST_LOG` otherwise (default `info`). Never logs secrets or ticket bodies.

use std::fmt;

use serde_json::{Map, Value};
use tracing::field::{Field, Visit};
use tracing::{Event, Subscriber};
use tracing_subscriber::fmt::format::{JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, FormattedFields};
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::EnvFilter;

/// How to log, from the environment's values (`None` = unset).
#[derive(Debug, Clone, PartialEq)]
pub struct LogSettings {
    /// An `EnvFilter` directive.
    pub filter: String,
    pub json: bool,
}

impl LogSettings {
    /// `lambda_level`/`lambda_format`: `AWS_LAMBDA_LOG_LEVEL`/`AWS_LAMBDA_LOG_FORMAT`;
    /// `rust_log`: `RUST_LOG`; `in_lambda`: whether `AWS_LAMBDA_FUNCTION_NAME` is set.
    pub fn from_values(
        lambda_level: Option<&str>,
        lambda_format: Option<&str>,
        rust_log: Option<&str>,
        in_lambda: bool,
    ) -> Self {
        let filter = match lambda_level.map(str::trim).filter(|l| !l.is_empty()) {
            // Lambda's levels: TRACE, DEBUG, INFO, WARN, ERROR, FATAL (no FATAL in tracing).
            Some(level) if level.eq_ignore_ascii_case("fatal") => "error".to_string(),
            Some(level) => level.to_ascii_lowercase(),
            None => rust_log
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .unwrap_or("info")
                .to_string(),
        };
        let json = match lambda_format.map(str::trim) {
            Some(f) if f.eq_ignore_ascii_case("json") => true,
            Some(f) if f.eq_ignore_ascii_case("text") => false,
            _ => in_lambda,
        };
        Self { filter, json }
    }

    fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok();
        Self::from_values(
            var("AWS_LAMBDA_LOG_LEVEL").as_deref(),
            var("AWS_LAMBDA_LOG_FORMAT").as_deref(),
            var("RUST_LOG").as_deref(),
            var("AWS_LAMBDA_FUNCTION_NAME").is_some(),
        )
    }
}

pub fn init() {
    let settings = LogSettings::from_env();
    let filter = EnvFilter::try_new(&settings.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if settings.json {
        builder
            .with_ansi(false)
            .fmt_fields(JsonFields::new())
            .event_format(ContextJson)
            .try_init()
    } else {
        builder.compact().try_init()
    };
}

/// A JSON line: `level`, `target`, the fields of every span in scope (outermost first, so the
/// job's context is on every line of the job), then the event's own fields.
pub struct ContextJson;

impl<S, N> FormatEvent<S, N> for ContextJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let mut line = Map::new();
        line.insert("level".into(), Value::from(event.metadata().level().as_str()));
        line.insert("target".into(), Value::from(event.metadata().target()));
        if let Some(scope) = ctx.event_scope() {
            for span in scope.from_root() {
                let extensions = span.extensions();
                let Some(fields) = extensions.get::<FormattedFields<JsonFields>>() else {
                    continue;
                };
                if let Ok(Value::Object(map)) = serde_json::from_str::<Value>(fields) {
                    line.extend(map);
                }
            }
        }
        event.record(&mut Fields(&mut line));
        writeln!(writer, "{}", Value::Object(line))
    }
}

/// Collects an event's fields into the line.
struct Fields<'a>(&'a mut Map<String, Value>);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().into(), Value::from(format!("{value:?}")));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.0.insert(field.name().into(), Value::from(value));
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().into(), Value::from(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambdas_level_and_format_win_over_rust_log() {
        let s = LogSettings::from_values(Some("DEBUG"), Some("Text"), Some("warn"), true);
        assert_eq!(
            s,
            LogSettings {
                filter: "debug".into(),
                json: false
            }
        );
        let s = LogSettings::from_values(Some("FATAL"), Some("JSON"), None, false);
        assert_eq!(
            s,
            LogSettings {
                filter: "error".into(),
                json: true
            }
        );
    }

    #[test]
    fn without_lambdas_controls_rust_log_and_the_environment_decide() {
        let s = LogSettings::from_values(None, None, Some("shared=debug"), true);
        assert_eq!(
            s,
            LogSettings {
                filter: "shared=debug".into(),
                json: true
            }
        );
        let s = LogSettings::from_values(None, None, None, false);
        assert_eq!(
            s,
            LogSettings {
                filter: "info".into(),
                json: false
            }
        );
    }
}

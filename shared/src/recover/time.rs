//! Freshdesk times (`2024-05-02T09:14:07Z`, or with an offset): parsed to compare them and to
//! step a cursor back, and written back in Freshdesk's own UTC form.

use std::cmp::Ordering;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};

/// Parses an ISO time with a zone (`Z` or `±hh:mm`); a bare date means its midnight UTC.
pub fn parse(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// `YYYY-MM-DDTHH:MM:SSZ`, as Freshdesk writes and accepts it.
pub fn format(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The current time in Freshdesk's form.
pub fn now() -> String {
    format(Utc::now())
}

/// `raw` moved back by `by` (the cursor's overlap); unparsable input is returned unchanged.
pub fn minus(raw: &str, by: Duration) -> String {
    match (parse(raw), chrono::Duration::from_std(by)) {
        (Some(t), Ok(d)) => format(t - d),
        _ => raw.to_string(),
    }
}

/// Orders two times by the instant they name (falling back to the text when one is unparsable).
pub fn cmp(a: &str, b: &str) -> Ordering {
    match (parse(a), parse(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_compare_and_step_back() {
        assert_eq!(
            minus("2026-01-01T00:03:00Z", Duration::from_secs(300)),
            "2025-12-31T23:58:00Z"
        );
        assert_eq!(
            cmp("2026-01-01T01:00:00+01:00", "2026-01-01T00:00:00Z"),
            Ordering::Equal
        );
        assert_eq!(cmp("2026-01-01T00:00:01Z", "2026-01-01T00:00:00Z"), Ordering::Greater);
        assert_eq!(format(parse("2026-02-03").unwrap()), "2026-02-03T00:00:00Z");
        assert!(parse("yesterday").is_none());
    }
}

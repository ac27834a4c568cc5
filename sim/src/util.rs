//! Small helpers shared by both simulators: a strictly increasing clock that
//! renders Freshdesk-style UTC timestamps, HTML → plain-text conversion (what
//! Freshdesk does to fill `description_text` / `body_text`), and a poison-tolerant
//! mutex lock.

use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

/// Lock a mutex, recovering the data if a previous holder panicked (a failed
/// test assertion must not take the whole simulator down with it).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Wall clock that never repeats a second: every call returns a later
/// timestamp than the previous one, so `updated_at` always changes on a write
/// even when several writes land within the same second.
#[derive(Debug, Default)]
pub(crate) struct Clock {
    last: u64,
}

impl Clock {
    /// Next timestamp, formatted like Freshdesk (`2024-05-02T09:14:07Z`).
    pub(crate) fn now(&mut self) -> String {
        let real = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        self.last = real.max(self.last + 1);
        iso8601(self.last)
    }
}

/// Format seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn iso8601(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let (hh, mm, ss) = (rem / 3600, rem % 3600 / 60, rem % 60);
    // Howard Hinnant's civil-from-days algorithm.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{hh:02}:{mm:02}:{ss:02}Z")
}

/// Strip tags and decode the common entities; block-level closings and `<br>`
/// become newlines. Good enough to mimic Freshdesk's `*_text` fields.
pub(crate) fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut chars = html.chars();
    while let Some(c) = chars.next() {
        if c != '<' {
            out.push(c);
            continue;
        }
        let mut tag = String::new();
        for t in chars.by_ref() {
            if t == '>' {
                break;
            }
            tag.push(t);
        }
        let closing = tag.starts_with('/');
        let name = tag
            .trim_start_matches('/')
            .split(|c: char| c.is_whitespace() || c == '/')
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        let block = matches!(
            name.as_str(),
            "p" | "div" | "li" | "blockquote" | "tr" | "h1" | "h2" | "h3"
        );
        if name == "br" || (closing && block) {
            out.push('\n');
        }
    }
    let decoded = html_escape::decode_html_entities(&out).replace('\u{a0}', " ");
    let mut text = String::with_capacity(decoded.len());
    let mut newlines = 0;
    for c in decoded.trim().chars() {
        newlines = if c == '\n' { newlines + 1 } else { 0 };
        if newlines <= 2 {
            text.push(c);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_epoch_and_leap_day() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(iso8601(1_714_641_247), "2024-05-02T09:14:07Z");
    }

    #[test]
    fn clock_is_strictly_increasing() {
        let mut c = Clock::default();
        let a = c.now();
        let b = c.now();
        assert!(b > a);
    }

    #[test]
    fn strips_tags_and_decodes_entities() {
        let t = html_to_text("<div>Hi &amp; bye</div><p>&lt;script&gt;x</p>a<br>b");
        assert_eq!(t, "Hi & bye\n<script>x\na\nb");
    }
}

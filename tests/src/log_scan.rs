//! No secret and no ticket body in any log line: every function binary the tests run
//! ([`crate::runtime_api::FunctionProcess`]) and every in-process harness ([`crate::Harness`],
//! whose tracing output is captured here) is scanned when it is dropped, and the test fails
//! if a line carries a known secret of the tests or a sentence of a seeded ticket or reply.
//! So a full run of `scripts/test.sh` is also a scan of everything the functions logged.

use std::sync::{Mutex, OnceLock};

use base64::Engine;
use serde_json::Value;
use sim::FreshdeskSim;

/// Pieces of customer text shorter than this are too common to mean a leak.
const MIN_SENTENCE: usize = 20;

/// What must never appear in a log line: the secrets the tests hand the functions (also as
/// the Basic credentials they travel in) and every sentence of the demo account's tickets
/// and conversations.
pub fn forbidden() -> &'static [String] {
    static NEEDLES: OnceLock<Vec<String>> = OnceLock::new();
    NEEDLES.get_or_init(|| {
        let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
        let mut needles = vec![
            crate::SECRET.to_string(),
            crate::API_KEY.to_string(),
            b64(&format!("{}:X", crate::API_KEY)),
            b64(&format!("freshdesk:{}", crate::SECRET)),
        ];
        let demo = FreshdeskSim::seeded_demo(crate::API_KEY);
        let mut texts = Vec::new();
        for id in 101..=104 {
            if let Some(t) = demo.ticket(id) {
                texts.push(t["description_text"].clone());
            }
            texts.extend(demo.conversations(id).into_iter().map(|c| c["body_text"].clone()));
        }
        for text in texts.iter().filter_map(Value::as_str) {
            needles.extend(
                text.split(['.', '!', '?', '\n'])
                    .map(|s| s.trim_start_matches(['>', ' ']).trim())
                    .filter(|s| s.chars().count() >= MIN_SENTENCE)
                    .map(str::to_string),
            );
        }
        // JSON log lines escape quotes and backslashes: look for that spelling too.
        let escaped: Vec<String> = needles
            .iter()
            .map(|n| Value::from(n.as_str()).to_string().trim_matches('"').to_string())
            .filter(|e| !needles.contains(e))
            .collect();
        needles.extend(escaped);
        needles
    })
}

/// The lines of `log` that carry a forbidden string, each with what it carries.
pub fn leaks(log: &str) -> Vec<String> {
    log.lines()
        .enumerate()
        .filter_map(|(n, line)| {
            forbidden()
                .iter()
                .find(|needle| line.contains(needle.as_str()))
                .map(|needle| format!("line {}: carries {needle:?}: {line}", n + 1))
        })
        .collect()
}

/// Fails the current test (unless it is already failing) when `log` leaks; `what` names it.
pub fn assert_no_leaks(what: &str, log: &str) {
    let found = leaks(log);
    if !found.is_empty() && !std::thread::panicking() {
        panic!("{what} logged a secret or a ticket body:\n{}", found.join("\n"));
    }
}

static CAPTURED: Mutex<Vec<u8>> = Mutex::new(Vec::new());

struct Capture;

impl std::io::Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURED
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Sends this test binary's tracing output (level `info`, as deployed) to the capture buffer
/// (once; later calls do nothing).
pub fn capture_logs() {
    static INSTALLED: OnceLock<()> = OnceLock::new();
    INSTALLED.get_or_init(|| {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
            .with_writer(|| Capture)
            .with_ansi(false)
            .try_init();
    });
}

/// Everything captured so far in this test binary.
pub fn captured() -> String {
    String::from_utf8_lossy(&CAPTURED.lock().unwrap_or_else(|e| e.into_inner())).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_with_a_secret_or_a_seeded_sentence_is_a_leak_and_others_are_not() {
        assert_eq!(leaks("INFO job outcome=processed ticket_id=101").len(), 0);
        assert_eq!(leaks("WARN auth failed with local-dev-secret").len(), 1);
        assert_eq!(
            leaks("INFO text=\"I still have not received my refund of $84.90\"").len(),
            1
        );
        assert_eq!(
            leaks("x\nDEBUG This is unacceptable. If the parcel is not here by Friday").len(),
            1
        );
        assert_eq!(
            leaks(r#"{"text":"app (v4.2.1) it crashes right after I tap \"Sign in\""}"#).len(),
            1,
            "as a JSON log line spells it"
        );
    }
}

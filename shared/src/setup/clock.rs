//! Wall-clock time as the dedup records and the Lambda deadline express it (epoch ms). One
//! function, so every stored time and every comparison reads the same clock.

use std::time::{SystemTime, UNIX_EPOCH};

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

//! The one clock: seconds since the Unix epoch. Pure code takes `now` as an argument; this is
//! where the edge reads it.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch (0 for a clock set before 1970).
pub fn now_unix() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_is_after_2024() {
        // 2024-01-01T00:00:00Z
        assert!(super::now_unix() > 1_704_067_200);
    }
}

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

/// An age for people: "5 s", "10 min", "2 h", "3 days".
pub fn describe_age(secs: i64) -> String {
    match secs {
        s if s < 90 => format!("{s} s"),
        s if s < 90 * 60 => format!("{} min", s / 60),
        s if s < 48 * 3600 => format!("{} h", s / 3600),
        s => format!("{} days", s / 86400),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn now_is_after_2024() {
        // 2024-01-01T00:00:00Z
        assert!(super::now_unix() > 1_704_067_200);
    }

    #[test]
    fn ages_read_naturally() {
        assert_eq!(super::describe_age(5), "5 s");
        assert_eq!(super::describe_age(600), "10 min");
        assert_eq!(super::describe_age(7200), "2 h");
        assert_eq!(super::describe_age(3 * 86400), "3 days");
    }
}

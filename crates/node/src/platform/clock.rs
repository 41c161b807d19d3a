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

/// Days since 1970-01-01 of an ISO 8601 date-time (`2026-04-29T12:34:56Z`), as GitHub's API
/// prints commit dates.
pub fn iso_days(text: &str) -> Option<i64> {
    let date = text.get(..10)?;
    let mut it = date.split('-');
    let (y, m, d): (i64, i64, i64) = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) || it.next().is_some() {
        return None;
    }
    // Days from civil (Howard Hinnant's algorithm).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

/// Seconds since 1970 of an RFC 3339 UTC time (`2026-11-20T10:00:00Z`; a zone other than `Z`
/// or `+00:00` is not accepted, as GitHub always writes UTC).
pub fn iso_secs(text: &str) -> Option<i64> {
    let days = iso_days(text)?;
    let rest = text.get(10..)?;
    let rest = rest.strip_prefix('T').or_else(|| rest.strip_prefix(' '))?;
    let time = rest
        .strip_suffix('Z')
        .or_else(|| rest.strip_suffix("+00:00"))?;
    let time = time.split('.').next()?;
    let mut it = time.split(':');
    let (h, m, sec): (i64, i64, i64) = (
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
        it.next()?.parse().ok()?,
    );
    if h > 23 || m > 59 || sec > 60 || it.next().is_some() {
        return None;
    }
    Some(days * 86_400 + h * 3600 + m * 60 + sec)
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

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

/// A UTC time stamp for file names: `20261127-024501` (civil date from days since the epoch,
/// after Howard Hinnant's algorithm).
pub fn file_stamp(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}{m:02}{d:02}-{:02}{:02}{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
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
    fn file_stamps_are_utc_civil_times() {
        use super::file_stamp;
        assert_eq!(file_stamp(0), "19700101-000000");
        // 2000-02-29 (a leap day in a century year), 23:59:59.
        assert_eq!(file_stamp(951_868_799), "20000229-235959");
        // 2026-11-27 02:45:01, and the second before the epoch.
        assert_eq!(file_stamp(1_795_747_501), "20261127-024501");
        assert_eq!(file_stamp(-1), "19691231-235959");
    }

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

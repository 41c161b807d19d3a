//! The uptime ledger: one row per node per minute (up or down), downsampled to hours after 7
//! days and kept 90 days. It lives in the store's SQLite file (WAL), so it survives restarts and
//! crashes; a minute written twice keeps "up" if either writer saw the node up.

use rusqlite::{params, Connection};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub const MINUTE_ROWS_DAYS: i64 = 7;
pub const KEEP_DAYS: i64 = 90;
/// A day counts towards qualification when the node was up this share of it.
pub const QUALIFYING_DAY_PCT: f64 = 90.0;
/// The contest asks for 30–45 days.
pub const REQUIRED_DAYS: u32 = 30;
/// Fewer observed minutes than this in the last 24 h: the figure is still being measured (a
/// percentage of a few minutes says nothing).
pub const MEASURING_MINUTES: i64 = 60;
/// Up minutes a UTC day needs to count: 90 % of 1,440.
pub const QUALIFYING_DAY_MINUTES: i64 = 1_296;

/// The ledger's tables (a store migration).
#[cfg(test)]
fn migrate(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(crate::store::LEDGER_SCHEMA)
}

pub fn record(conn: &Connection, node: u32, unix_secs: i64, up: bool) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO uptime_minutes (node_id, minute, up) VALUES (?1, ?2, ?3)
         ON CONFLICT(node_id, minute) DO UPDATE SET up = MAX(up, ?3)",
        params![node, unix_secs.div_euclid(60), up as i64],
    )?;
    Ok(())
}

/// Fold minute rows older than 7 days into hours; drop everything older than 90 days. The fold
/// is all or nothing (a savepoint, so it also holds inside the monitor's transaction): a failure
/// between copying minutes into hours and deleting them would count those minutes twice and
/// could qualify a day that did not.
pub fn maintain(conn: &Connection, now: i64) -> rusqlite::Result<()> {
    conn.execute_batch("SAVEPOINT ledger_fold")?;
    let r = fold(conn, now);
    match r {
        Ok(()) => conn.execute_batch("RELEASE ledger_fold"),
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK TO ledger_fold; RELEASE ledger_fold");
            Err(e)
        }
    }
}

fn fold(conn: &Connection, now: i64) -> rusqlite::Result<()> {
    let cutoff_minute = (now - MINUTE_ROWS_DAYS * 86_400).div_euclid(3600) * 60;
    conn.execute(
        "INSERT INTO uptime_hours (node_id, hour, up_minutes, seen_minutes)
             SELECT node_id, minute / 60, SUM(up), COUNT(*) FROM uptime_minutes WHERE minute < ?1 GROUP BY node_id, minute / 60
         ON CONFLICT(node_id, hour) DO UPDATE SET up_minutes = up_minutes + excluded.up_minutes,
             seen_minutes = seen_minutes + excluded.seen_minutes",
        params![cutoff_minute],
    )?;
    conn.execute(
        "DELETE FROM uptime_minutes WHERE minute < ?1",
        params![cutoff_minute],
    )?;
    conn.execute(
        "DELETE FROM uptime_hours WHERE hour < ?1",
        params![(now - KEEP_DAYS * 86_400).div_euclid(3600)],
    )?;
    Ok(())
}

/// Up and observed minutes of a node in [from, to) (the minute holding `to` counts when `to`
/// is inside it, so "now" includes the current minute).
pub fn minutes(conn: &Connection, node: u32, from: i64, to: i64) -> rusqlite::Result<(i64, i64)> {
    let (fm, tm) = (from.div_euclid(60), (to + 59).div_euclid(60));
    let (up_m, seen_m): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(up), 0), COUNT(*) FROM uptime_minutes WHERE node_id = ?1 AND minute >= ?2 AND minute < ?3",
        params![node, fm, tm],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (up_h, seen_h): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(up_minutes), 0), COALESCE(SUM(seen_minutes), 0) FROM uptime_hours WHERE node_id = ?1 AND hour * 60 >= ?2 AND hour * 60 < ?3",
        params![node, fm, tm],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok((up_m + up_h, seen_m + seen_h))
}

/// Uptime of a node over a window, as seen by the monitor.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Uptime {
    /// Up minutes / observed minutes in the last 24 h, 7 d and since the contest started (%).
    pub last_24h_pct: Option<f64>,
    pub last_7d_pct: Option<f64>,
    pub contest_pct: Option<f64>,
    /// Whole UTC days since the contest started with ≥ `required_day_pct` uptime.
    pub qualified_days: u32,
    /// The uptime (%) that makes a day count.
    pub required_day_pct: f64,
    pub required_days: u32,
    /// Days still needed, and the earliest date (unix seconds) they can be reached.
    pub days_to_go: u32,
    #[ts(type = "number | null")]
    pub qualifies_at: Option<i64>,
    /// Up and observed minutes in the last 24 h (what `last_24h_pct` is made of; a fleet's
    /// figure is their sums).
    #[ts(type = "number")]
    pub up_minutes_24h: i64,
    #[ts(type = "number")]
    pub seen_minutes_24h: i64,
    /// Under [`MEASURING_MINUTES`] observed: show "measuring", not a percentage.
    pub measuring: bool,
    /// Today (UTC) can no longer count: the node was there all day and too many of its
    /// minutes are already down.
    pub today_lost: bool,
}

fn pct(up: i64, seen: i64) -> Option<f64> {
    (seen > 0).then(|| up as f64 * 100.0 / seen as f64)
}

/// Uptime since `contest_start`, or since the node's first record if that is later (a node
/// cannot have qualified before it existed, and the ledger keeps 90 days).
pub fn uptime(
    conn: &Connection,
    node: u32,
    contest_start: i64,
    now: i64,
) -> rusqlite::Result<Uptime> {
    let first: Option<i64> = conn.query_row(
        "SELECT MIN(m) FROM (SELECT MIN(minute) * 60 AS m FROM uptime_minutes WHERE node_id = ?1
                            UNION ALL SELECT MIN(hour) * 3600 FROM uptime_hours WHERE node_id = ?1)",
        params![node],
        |r| r.get(0),
    )?;
    let contest_start = contest_start
        .max(first.unwrap_or(now))
        .max(now - KEEP_DAYS * 86_400);
    let (u24, s24) = minutes(conn, node, now - 86_400, now)?;
    let (u7, s7) = minutes(conn, node, now - 7 * 86_400, now)?;
    let (uc, sc) = minutes(conn, node, contest_start, now)?;
    let mut qualified = 0u32;
    let first_day = contest_start.div_euclid(86_400);
    let today = now.div_euclid(86_400);
    for day in first_day..today {
        let (up, _) = minutes(conn, node, day * 86_400, (day + 1) * 86_400)?;
        if up as f64 >= 1440.0 * QUALIFYING_DAY_PCT / 100.0 {
            qualified += 1;
        }
    }
    let to_go = REQUIRED_DAYS.saturating_sub(qualified);
    let today_start = today * 86_400;
    let (up_today, _) = minutes(conn, node, today_start, now)?;
    let minutes_left = (today_start + 86_400 - now).div_euclid(60);
    let today_lost =
        first.is_some_and(|f| f <= today_start) && up_today + minutes_left < QUALIFYING_DAY_MINUTES;
    Ok(Uptime {
        last_24h_pct: pct(u24, s24),
        last_7d_pct: pct(u7, s7),
        contest_pct: pct(uc, sc),
        qualified_days: qualified,
        required_day_pct: QUALIFYING_DAY_PCT,
        required_days: REQUIRED_DAYS,
        days_to_go: to_go,
        qualifies_at: Some((today + i64::from(to_go)) * 86_400)
            .filter(|_| to_go > 0)
            .or(if to_go == 0 { Some(now) } else { None }),
        up_minutes_24h: u24,
        seen_minutes_24h: s24,
        measuring: s24 < MEASURING_MINUTES,
        today_lost,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn db() -> Connection {
        let c = Connection::open_in_memory().unwrap();
        migrate(&c).unwrap();
        c
    }

    #[test]
    fn uptime_windows_and_qualified_days() {
        let c = db();
        let day0 = 20_000 * 86_400; // a UTC midnight
                                    // Day 0: up all day. Day 1: up 20 h of 24 (83 %). Day 2 (today, 12:00): up all morning.
        for m in 0..1440 {
            record(&c, 1, day0 + m * 60, true).unwrap();
            record(&c, 1, day0 + 86_400 + m * 60, m < 1200).unwrap();
        }
        for m in 0..720 {
            record(&c, 1, day0 + 2 * 86_400 + m * 60, true).unwrap();
        }
        let now = day0 + 2 * 86_400 + 720 * 60;
        let u = uptime(&c, 1, day0, now).unwrap();
        assert_eq!(u.qualified_days, 1, "day 1 at 83 % does not qualify");
        // Last 24 h: day 1 from 12:00 (720 min, of which 1200−720 = 480 up) + today 720 up.
        assert!((u.last_24h_pct.unwrap() - (480.0 + 720.0) * 100.0 / 1440.0).abs() < 1e-9);
        // Contest: (1440 + 1200 + 720) / (1440 + 1440 + 720).
        assert!((u.contest_pct.unwrap() - 3360.0 * 100.0 / 3600.0).abs() < 1e-9);
        assert_eq!(u.days_to_go, 29);
        assert_eq!(u.qualifies_at, Some((day0 / 86_400 + 2 + 29) * 86_400));
        assert_eq!((u.up_minutes_24h, u.seen_minutes_24h), (1200, 1440));
        assert!(!u.measuring);
        // Today: 720 up so far and 720 left can still reach 1,296.
        assert!(!u.today_lost);
    }

    #[test]
    fn a_new_node_is_measured_first_and_a_day_is_lost_only_when_it_cannot_count() {
        let c = db();
        let day0 = 20_000 * 86_400;
        // Started at 10:00 today, up since: 3 minutes observed.
        let start = day0 + 10 * 3600;
        for m in 0..3 {
            record(&c, 1, start + m * 60, true).unwrap();
        }
        let u = uptime(&c, 1, 0, start + 150).unwrap();
        assert!(u.measuring && u.seen_minutes_24h == 3);
        assert_eq!(u.last_24h_pct, Some(100.0));
        assert!(
            !u.today_lost,
            "a node that started today never had today to lose"
        );
        // Node 2: there since yesterday, down from 00:00 to 02:25 today (145 minutes): even up
        // for the rest of the day it reaches 1,295 of the 1,296 minutes a day needs.
        for m in 0..1440 {
            record(&c, 2, day0 - 86_400 + m * 60, true).unwrap();
        }
        for m in 0..145 {
            record(&c, 2, day0 + m * 60, false).unwrap();
        }
        let u = uptime(&c, 2, 0, day0 + 145 * 60).unwrap();
        assert!(u.today_lost);
        // 144 minutes down: exactly reachable, not lost.
        let c2 = db();
        for m in 0..1440 {
            record(&c2, 2, day0 - 86_400 + m * 60, true).unwrap();
        }
        for m in 0..144 {
            record(&c2, 2, day0 + m * 60, false).unwrap();
        }
        assert!(!uptime(&c2, 2, 0, day0 + 144 * 60).unwrap().today_lost);
    }

    #[test]
    fn a_minute_seen_up_stays_up_and_old_rows_are_downsampled() {
        let c = db();
        record(&c, 1, 600, false).unwrap();
        record(&c, 1, 610, true).unwrap();
        record(&c, 1, 620, false).unwrap();
        assert_eq!(minutes(&c, 1, 0, 3600).unwrap(), (1, 1));
        // 10 days of rows; after maintenance the first 3 days are hours, totals unchanged.
        let c = db();
        for m in 0..(10 * 1440) {
            record(&c, 2, m * 60, m % 2 == 0).unwrap();
        }
        let before = minutes(&c, 2, 0, 10 * 86_400).unwrap();
        maintain(&c, 10 * 86_400).unwrap();
        assert_eq!(minutes(&c, 2, 0, 10 * 86_400).unwrap(), before);
        let rows: i64 = c
            .query_row("SELECT COUNT(*) FROM uptime_minutes", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 7 * 1440);
        // A fold that fails half-way leaves nothing half-done: the totals stay the same.
        let c2 = db();
        for m in 0..(10 * 1440) {
            record(&c2, 3, m * 60, true).unwrap();
        }
        let before = minutes(&c2, 3, 0, 10 * 86_400).unwrap();
        c2.execute_batch(
            "CREATE TRIGGER no_delete BEFORE DELETE ON uptime_minutes BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END;",
        )
        .unwrap();
        assert!(maintain(&c2, 10 * 86_400).is_err());
        assert_eq!(
            minutes(&c2, 3, 0, 10 * 86_400).unwrap(),
            before,
            "counted twice"
        );
        c2.execute_batch("DROP TRIGGER no_delete").unwrap();
        maintain(&c2, 10 * 86_400).unwrap();
        assert_eq!(minutes(&c2, 3, 0, 10 * 86_400).unwrap(), before);
        // After 100 days nothing is left.
        maintain(&c, 100 * 86_400 + 10 * 86_400).unwrap();
        assert_eq!(minutes(&c, 2, 0, 10 * 86_400).unwrap(), (0, 0));
    }
}

/// One point of the uptime timeline: a minute (unix seconds) and whether the node was up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UptimePoint {
    #[ts(type = "number")]
    pub at: i64,
    pub up: bool,
}

/// The per-minute timeline of the last `hours` hours (minutes with no record are absent).
pub fn timeline(
    conn: &Connection,
    node: u32,
    now: i64,
    hours: i64,
) -> rusqlite::Result<Vec<UptimePoint>> {
    let from = (now - hours * 3600).div_euclid(60);
    let mut stmt = conn.prepare(
        "SELECT minute, up FROM uptime_minutes WHERE node_id = ?1 AND minute >= ?2 ORDER BY minute",
    )?;
    let rows = stmt.query_map(params![node, from], |r| {
        Ok(UptimePoint {
            at: r.get::<_, i64>(0)? * 60,
            up: r.get::<_, i64>(1)? != 0,
        })
    })?;
    rows.collect()
}

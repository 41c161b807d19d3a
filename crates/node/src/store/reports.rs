//! Bug reports and their outbox (one delivery per destination).

use rusqlite::{params, OptionalExtension, Row};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReportRecord {
    pub id: String,
    #[ts(type = "number")]
    pub created_at: i64,
    pub title: String,
    pub category: String,
    pub severity: String,
    /// The folder of plain files (readable without the app).
    pub dir: String,
    /// The zip, once the user has confirmed what goes.
    pub bundle: Option<String>,
    pub deliveries: Vec<Delivery>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum DeliveryStatus {
    /// Waiting for its next try.
    Queued,
    /// An attempt is under way (or was, when the app was killed: it is tried again, with the
    /// same idempotency key, once the lease ends).
    Sending,
    Sent,
    /// Refused by the destination (4xx): not retried.
    Failed,
    /// Handed to the user to finish (GitHub: the new-issue page, the bundle to attach).
    Manual,
}

impl DeliveryStatus {
    pub fn name(self) -> &'static str {
        match self {
            DeliveryStatus::Queued => "queued",
            DeliveryStatus::Sending => "sending",
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Manual => "manual",
        }
    }
    fn parse(s: &str) -> DeliveryStatus {
        match s {
            "sending" => DeliveryStatus::Sending,
            "sent" => DeliveryStatus::Sent,
            "failed" => DeliveryStatus::Failed,
            "manual" => DeliveryStatus::Manual,
            _ => DeliveryStatus::Queued,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Delivery {
    #[ts(type = "number")]
    pub id: i64,
    pub report_id: String,
    /// `endpoint`, `discord` or `github` (the address is in the report's targets file).
    pub kind: String,
    #[serde(skip_serializing)]
    #[ts(skip)]
    pub idempotency_key: String,
    pub status: DeliveryStatus,
    /// What the destination answered (its id for the report), or the page to finish it on.
    pub reference: Option<String>,
    pub attempts: u32,
    #[ts(type = "number")]
    pub next_try_at: i64,
    pub last_error: Option<String>,
    #[ts(type = "number | null")]
    pub sent_at: Option<i64>,
}

fn delivery(r: &Row) -> rusqlite::Result<Delivery> {
    Ok(Delivery {
        id: r.get(0)?,
        report_id: r.get(1)?,
        kind: r.get(2)?,
        idempotency_key: r.get(3)?,
        status: DeliveryStatus::parse(&r.get::<_, String>(4)?),
        reference: r.get(5)?,
        attempts: r.get(6)?,
        next_try_at: r.get(7)?,
        last_error: r.get(8)?,
        sent_at: r.get(9)?,
    })
}

const DELIVERY_COLS: &str = "id, report_id, kind, idempotency_key, status, reference, attempts, next_try_at, last_error, sent_at";

impl Store {
    pub fn add_report(&self, r: &ReportRecord) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO reports (id, created_at, title, category, severity, dir, bundle)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                r.id,
                r.created_at,
                r.title,
                r.category,
                r.severity,
                r.dir,
                r.bundle
            ],
        )?;
        Ok(())
    }

    pub fn set_report_bundle(&self, id: &str, bundle: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE reports SET bundle = ?2 WHERE id = ?1",
            params![id, bundle],
        )?;
        Ok(())
    }

    pub fn add_delivery(
        &self,
        report_id: &str,
        kind: &str,
        idempotency_key: &str,
        status: DeliveryStatus,
        now: i64,
    ) -> Result<i64, StoreError> {
        self.conn.execute(
            "INSERT INTO report_deliveries (report_id, kind, idempotency_key, status, next_try_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![report_id, kind, idempotency_key, status.name(), now],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn report(&self, id: &str) -> Result<Option<ReportRecord>, StoreError> {
        let r = self
            .conn
            .query_row(
                "SELECT id, created_at, title, category, severity, dir, bundle FROM reports WHERE id = ?1",
                [id],
                report_row,
            )
            .optional()?;
        match r {
            Some(mut r) => {
                r.deliveries = self.deliveries_of(&r.id)?;
                Ok(Some(r))
            }
            None => Ok(None),
        }
    }

    /// Every report, newest first, with its deliveries.
    pub fn reports(&self) -> Result<Vec<ReportRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, created_at, title, category, severity, dir, bundle FROM reports ORDER BY created_at DESC, id DESC",
        )?;
        let mut out: Vec<ReportRecord> =
            stmt.query_map([], report_row)?.collect::<Result<_, _>>()?;
        for r in &mut out {
            r.deliveries = self.deliveries_of(&r.id)?;
        }
        Ok(out)
    }

    fn deliveries_of(&self, report: &str) -> Result<Vec<Delivery>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {DELIVERY_COLS} FROM report_deliveries WHERE report_id = ?1 ORDER BY id"
        ))?;
        let v = stmt
            .query_map([report], delivery)?
            .collect::<Result<_, _>>()?;
        Ok(v)
    }

    /// Deliveries to try now: queued and due (or any queued with `force`), and sends a killed
    /// process left behind once their lease has ended (or at once with `force`).
    pub fn due_deliveries(&self, now: i64, force: bool) -> Result<Vec<Delivery>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {DELIVERY_COLS} FROM report_deliveries
             WHERE (status = 'queued' AND (?2 OR next_try_at <= ?1))
                OR (status = 'sending' AND (?2 OR lease_until <= ?1))
             ORDER BY id"
        ))?;
        let v = stmt
            .query_map(params![now, force], delivery)?
            .collect::<Result<_, _>>()?;
        Ok(v)
    }

    /// Take a delivery for one attempt (false: another process took it first).
    pub fn claim_delivery(
        &self,
        id: i64,
        now: i64,
        lease_until: i64,
        force: bool,
    ) -> Result<bool, StoreError> {
        let n = self.conn.execute(
            "UPDATE report_deliveries SET status = 'sending', attempts = attempts + 1, lease_until = ?3
             WHERE id = ?1 AND ((status = 'queued' AND (?4 OR next_try_at <= ?2))
                             OR (status = 'sending' AND (?4 OR lease_until <= ?2)))",
            params![id, now, lease_until, force],
        )?;
        Ok(n == 1)
    }

    pub fn finish_delivery(
        &self,
        id: i64,
        status: DeliveryStatus,
        reference: Option<&str>,
        error: Option<&str>,
        next_try_at: i64,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE report_deliveries SET status = ?2, reference = COALESCE(?3, reference), last_error = ?4,
                 next_try_at = ?5, lease_until = 0, sent_at = CASE WHEN ?2 IN ('sent', 'manual') THEN ?6 ELSE sent_at END
             WHERE id = ?1",
            params![id, status.name(), reference, error, next_try_at, now],
        )?;
        Ok(())
    }
}

fn report_row(r: &Row) -> rusqlite::Result<ReportRecord> {
    Ok(ReportRecord {
        id: r.get(0)?,
        created_at: r.get(1)?,
        title: r.get(2)?,
        category: r.get(3)?,
        severity: r.get(4)?,
        dir: r.get(5)?,
        bundle: r.get(6)?,
        deliveries: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delivery_is_claimed_once_and_a_dead_send_comes_back_after_its_lease() {
        let d = tempfile::tempdir().unwrap();
        let s = Store::open(d.path()).unwrap();
        s.add_report(&ReportRecord {
            id: "r1".into(),
            created_at: 10,
            title: "t".into(),
            category: "other".into(),
            severity: "minor".into(),
            dir: "/x".into(),
            bundle: None,
            deliveries: vec![],
        })
        .unwrap();
        let id = s
            .add_delivery("r1", "endpoint", "k1", DeliveryStatus::Queued, 100)
            .unwrap();
        assert!(s.due_deliveries(99, false).unwrap().is_empty());
        assert_eq!(s.due_deliveries(100, false).unwrap().len(), 1);
        assert!(s.claim_delivery(id, 100, 160, false).unwrap());
        // Another process cannot take it while the lease runs…
        assert!(!s.claim_delivery(id, 120, 180, false).unwrap());
        assert!(s.due_deliveries(159, false).unwrap().is_empty());
        // …but once it ends (the sender was killed), it is due again, same key.
        let due = s.due_deliveries(160, false).unwrap();
        assert_eq!((due.len(), due[0].idempotency_key.as_str()), (1, "k1"));
        assert!(s.claim_delivery(id, 160, 220, false).unwrap());
        s.finish_delivery(id, DeliveryStatus::Sent, Some("REF-1"), None, 0, 170)
            .unwrap();
        let r = s.report("r1").unwrap().unwrap();
        let dl = &r.deliveries[0];
        assert_eq!(
            (dl.status, dl.reference.as_deref(), dl.attempts, dl.sent_at),
            (DeliveryStatus::Sent, Some("REF-1"), 2, Some(170))
        );
        assert!(s.due_deliveries(10_000, true).unwrap().is_empty());
    }
}

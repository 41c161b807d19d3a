//! Alerts raised by the supervisor and the monitor.

use rusqlite::params;

use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct AlertRecord {
    #[ts(type = "number")]
    pub id: i64,
    pub node_id: Option<u32>,
    pub kind: String,
    pub message: String,
    #[ts(type = "number")]
    pub at: i64,
    /// When its condition ended (the node came back, the balance was refilled, …).
    #[serde(default)]
    #[ts(type = "number | null")]
    pub resolved_at: Option<i64>,
    /// When the user dismissed it.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub dismissed_at: Option<i64>,
}

impl AlertRecord {
    /// Still to be shown: neither resolved nor dismissed.
    pub fn active(&self) -> bool {
        self.resolved_at.is_none() && self.dismissed_at.is_none()
    }
}

impl Store {
    pub fn add_alert(
        &self,
        node_id: Option<u32>,
        kind: &str,
        message: &str,
        at: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO alerts (node_id, kind, message, at) VALUES (?1, ?2, ?3, ?4)",
            params![node_id, kind, message, at],
        )?;
        Ok(())
    }

    /// Alerts raised at or after `since` (unix seconds), oldest first.
    pub fn alerts(&self, since: i64) -> Result<Vec<AlertRecord>, StoreError> {
        self.query_alerts("WHERE at >= ?1", since)
    }

    /// Alerts with an id above `id` (the ones raised since that alert), oldest first.
    pub fn alerts_after(&self, id: i64) -> Result<Vec<AlertRecord>, StoreError> {
        self.query_alerts("WHERE id > ?1", id)
    }

    /// Alerts still to be shown (neither resolved nor dismissed), oldest first.
    pub fn active_alerts(&self) -> Result<Vec<AlertRecord>, StoreError> {
        self.query_alerts(
            "WHERE resolved_at IS NULL AND dismissed_at IS NULL AND ?1 = ?1",
            0,
        )
    }

    /// End the open alerts of `kind` for `node` (`None`: machine-wide ones): their condition is
    /// over. Returns how many were open.
    pub fn resolve_alerts(
        &self,
        node: Option<u32>,
        kind: &str,
        now: i64,
    ) -> Result<usize, StoreError> {
        Ok(self.conn.execute(
            "UPDATE alerts SET resolved_at = ?3 WHERE node_id IS ?1 AND kind = ?2 AND resolved_at IS NULL",
            params![node, kind, now],
        )?)
    }

    /// Whether `node` has an open alert of `kind`.
    pub fn has_open_alert(&self, node: Option<u32>, kind: &str) -> Result<bool, StoreError> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM alerts WHERE node_id IS ?1 AND kind = ?2 AND resolved_at IS NULL)",
            params![node, kind],
            |r| r.get(0),
        )?)
    }

    /// The user dismissed alert `id` (it stays in the history). `false`: no such alert.
    pub fn dismiss_alert(&self, id: i64, now: i64) -> Result<bool, StoreError> {
        Ok(self.conn.execute(
            "UPDATE alerts SET dismissed_at = COALESCE(dismissed_at, ?2) WHERE id = ?1",
            params![id, now],
        )? == 1)
    }

    /// The id of the newest alert (0 when there is none).
    /// Forget alerts raised before `before` (the history keeps 90 days).
    pub fn prune_alerts(&self, before: i64) -> Result<usize, StoreError> {
        Ok(self
            .conn
            .execute("DELETE FROM alerts WHERE at < ?1", params![before])?)
    }

    pub fn last_alert_id(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM alerts", [], |r| r.get(0))?)
    }

    fn query_alerts(&self, filter: &str, value: i64) -> Result<Vec<AlertRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT id, node_id, kind, message, at, resolved_at, dismissed_at FROM alerts {filter} ORDER BY id"
        ))?;
        let rows = stmt.query_map(params![value], |r| {
            Ok(AlertRecord {
                id: r.get(0)?,
                node_id: r.get(1)?,
                kind: r.get(2)?,
                message: r.get(3)?,
                at: r.get(4)?,
                resolved_at: r.get(5)?,
                dismissed_at: r.get(6)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

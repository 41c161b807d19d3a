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

    /// The id of the newest alert (0 when there is none).
    pub fn last_alert_id(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("SELECT COALESCE(MAX(id), 0) FROM alerts", [], |r| r.get(0))?)
    }

    fn query_alerts(&self, filter: &str, value: i64) -> Result<Vec<AlertRecord>, StoreError> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT id, node_id, kind, message, at FROM alerts {filter} ORDER BY id"
        ))?;
        let rows = stmt.query_map(params![value], |r| {
            Ok(AlertRecord {
                id: r.get(0)?,
                node_id: r.get(1)?,
                kind: r.get(2)?,
                message: r.get(3)?,
                at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}

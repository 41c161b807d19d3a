//! What each node should be doing and what its process last did.

use rusqlite::params;

use super::{Store, StoreError};

/// What the supervisor last recorded about a node's process.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct RuntimeRecord {
    pub node_id: u32,
    /// `running` or `stopped`: what the user asked for.
    pub desired: String,
    #[ts(type = "number")]
    pub restart_nonce: i64,
    pub pid: Option<u32>,
    #[ts(type = "number | null")]
    pub start_time: Option<i64>,
    /// starting | running | backoff | stopping | stopped | failed
    pub state: String,
    pub reason: String,
    pub restarts: u32,
    pub last_exit: Option<String>,
    #[ts(type = "number | null")]
    pub started_at: Option<i64>,
    #[ts(type = "number")]
    pub updated_at: i64,
}

impl Store {
    pub fn runtime(&self) -> Result<Vec<RuntimeRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT node_id, desired, restart_nonce, pid, start_time, state, reason, restarts, last_exit, started_at, updated_at
             FROM runtime ORDER BY node_id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(RuntimeRecord {
                node_id: r.get(0)?,
                desired: r.get(1)?,
                restart_nonce: r.get(2)?,
                pid: r.get(3)?,
                start_time: r.get(4)?,
                state: r.get(5)?,
                reason: r.get(6)?,
                restarts: r.get(7)?,
                last_exit: r.get(8)?,
                started_at: r.get(9)?,
                updated_at: r.get(10)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// What the user wants: `running` or `stopped`; `restart` bumps the nonce.
    pub fn set_desired(
        &self,
        node_id: u32,
        desired: &str,
        restart: bool,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO runtime (node_id, desired, restart_nonce) VALUES (?1, ?2, ?3)
             ON CONFLICT(node_id) DO UPDATE SET desired = ?2, restart_nonce = restart_nonce + ?3",
            params![node_id, desired, restart as i64],
        )?;
        Ok(())
    }

    /// The supervisor's view of a node's process.
    #[allow(clippy::too_many_arguments)]
    pub fn record_runtime(
        &self,
        node_id: u32,
        pid: Option<u32>,
        start_time: Option<u64>,
        state: &str,
        reason: &str,
        restarts: u32,
        last_exit: Option<&str>,
        started_at: Option<i64>,
        now: i64,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO runtime (node_id, pid, start_time, state, reason, restarts, last_exit, started_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
             ON CONFLICT(node_id) DO UPDATE SET pid = ?2, start_time = ?3, state = ?4, reason = ?5, restarts = ?6,
                 last_exit = ?7, started_at = ?8, updated_at = ?9",
            params![node_id, pid, start_time.map(|t| t as i64), state, reason, restarts, last_exit, started_at, now],
        )?;
        Ok(())
    }
}

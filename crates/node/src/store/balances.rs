//! Each node's ETH balance as last read from its RPC.

use std::collections::BTreeMap;

use rusqlite::params;

use super::{Store, StoreError};

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BalanceRecord {
    /// Wei, when the last read worked.
    pub wei: Option<u128>,
    /// The network's threshold at the time of the read.
    pub min_wei: u128,
    /// Why the last read failed.
    pub error: Option<String>,
    pub checked_at: i64,
}

impl Store {
    /// Record a read: the balance, or why it could not be read (the last known balance is
    /// kept beside the error).
    pub fn set_balance(
        &self,
        node: u32,
        read: Result<u128, String>,
        min_wei: u128,
        at: i64,
    ) -> Result<(), StoreError> {
        let min = min_wei.to_string();
        match read {
            Ok(wei) => self.conn.execute(
                "INSERT INTO balances (node_id, wei, min_wei, error, checked_at) VALUES (?1, ?2, ?3, NULL, ?4)
                 ON CONFLICT(node_id) DO UPDATE SET wei = ?2, min_wei = ?3, error = NULL, checked_at = ?4",
                params![node, wei.to_string(), min, at],
            )?,
            Err(why) => self.conn.execute(
                "INSERT INTO balances (node_id, wei, min_wei, error, checked_at) VALUES (?1, NULL, ?2, ?3, ?4)
                 ON CONFLICT(node_id) DO UPDATE SET min_wei = ?2, error = ?3, checked_at = ?4",
                params![node, min, why, at],
            )?,
        };
        Ok(())
    }

    pub fn balances(&self) -> Result<BTreeMap<u32, BalanceRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT node_id, wei, min_wei, error, checked_at FROM balances")?;
        let rows = stmt.query_map([], |r| {
            let wei: Option<String> = r.get(1)?;
            let min: String = r.get(2)?;
            Ok((
                r.get::<_, u32>(0)?,
                BalanceRecord {
                    wei: wei.and_then(|w| w.parse().ok()),
                    min_wei: min.parse().unwrap_or(0),
                    error: r.get(3)?,
                    checked_at: r.get(4)?,
                },
            ))
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

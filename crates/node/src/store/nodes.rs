//! The nodes of this machine and their registration.

use rusqlite::params;

use super::{Store, StoreError};

/// A node with what the app knows of its registration.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct NodeRecord {
    pub spec: crate::nodes::NodeSpec,
    /// The outcome of `tool register`, in the node's words (`None`: not tried yet).
    pub registered: Option<String>,
    pub verified: Option<String>,
}

impl Store {
    pub fn nodes(&self) -> Result<Vec<NodeRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, address, llm_port, worker_base_port, gateway_base_port, ipfs_server, cpu_threads, registered, verified,
                    network, key_store, gpu
             FROM nodes ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(NodeRecord {
                spec: crate::nodes::NodeSpec {
                    id: r.get(0)?,
                    address: r.get(1)?,
                    llm_port: r.get(2)?,
                    worker_base_port: r.get(3)?,
                    gateway_base_port: r.get(4)?,
                    ipfs_server: r.get(5)?,
                    cpu_threads: r.get(6)?,
                    network: r.get(9)?,
                    key_store: crate::nodes::KeyStore::parse(&r.get::<_, String>(10)?)
                        .unwrap_or_default(),
                    gpu: r.get(11)?,
                },
                registered: r.get(7)?,
                verified: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    pub fn add_node(&self, n: &crate::nodes::NodeSpec, now: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO nodes (id, address, llm_port, worker_base_port, gateway_base_port, ipfs_server, cpu_threads, created_at,
                                network, key_store, gpu)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            params![n.id, n.address, n.llm_port, n.worker_base_port, n.gateway_base_port, n.ipfs_server, n.cpu_threads, now,
                    n.network, n.key_store.name(), n.gpu],
        )?;
        Ok(())
    }

    pub fn set_registration(
        &self,
        id: u32,
        registered: Option<&str>,
        verified: Option<&str>,
    ) -> Result<(), StoreError> {
        self.conn.execute(
            "UPDATE nodes SET registered = COALESCE(?2, registered), verified = COALESCE(?3, verified) WHERE id = ?1",
            params![id, registered, verified],
        )?;
        Ok(())
    }

    /// Remove a node and every row about it (runtime, health, ledger, balance, alerts), at
    /// once: a later node with the same id starts clean.
    pub fn remove_node(&self, id: u32) -> Result<(), StoreError> {
        let tx = self.conn.unchecked_transaction()?;
        for table in [
            "DELETE FROM runtime WHERE node_id = ?1",
            "DELETE FROM health WHERE node_id = ?1",
            "DELETE FROM uptime_minutes WHERE node_id = ?1",
            "DELETE FROM uptime_hours WHERE node_id = ?1",
            "DELETE FROM balances WHERE node_id = ?1",
            "DELETE FROM alerts WHERE node_id = ?1",
            "DELETE FROM nodes WHERE id = ?1",
        ] {
            tx.execute(table, params![id])?;
        }
        tx.commit()?;
        Ok(())
    }
}

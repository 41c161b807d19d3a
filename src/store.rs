//! The app's SQLite store (WAL, migrations by `user_version`): HTTP cache and settings.
//! Later issues add their tables as new migrations; never edit a released migration.

use std::path::{Path, PathBuf};

use rusqlite::{params, Connection, OptionalExtension};
use rusqlite_migration::{Migrations, M};

pub const DB_FILE: &str = "cortensor-manager.sqlite3";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot create the data folder {path}: {source}. Check permissions and free space, or choose another folder with --data-dir.")]
    CreateDir {
        path: String,
        source: std::io::Error,
    },
    #[error("cannot open the database {path}: {source}. If another copy of the app is running, close it; if the file is damaged, move it away and restart.")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error("cannot upgrade the database {path}: {message}. It may come from a newer version of the app.")]
    Migrate { path: String, message: String },
    #[error("database error: {0}")]
    Sql(#[from] rusqlite::Error),
}

fn migrations() -> Migrations<'static> {
    Migrations::new(vec![
        M::up(
            "CREATE TABLE http_cache (
             url TEXT PRIMARY KEY,
             etag TEXT,
             last_modified TEXT,
             body TEXT NOT NULL,
             fetched_at INTEGER NOT NULL
         );
         CREATE TABLE settings (
             key TEXT PRIMARY KEY,
             value TEXT NOT NULL
         );",
        ),
        M::up(
            "CREATE TABLE install (
                 id INTEGER PRIMARY KEY CHECK (id = 1),
                 version TEXT NOT NULL,
                 sha256 TEXT NOT NULL,
                 source TEXT NOT NULL,
                 installed_at INTEGER NOT NULL,
                 previous_version TEXT,
                 previous_sha256 TEXT
             );
             CREATE TABLE nodes (
                 id INTEGER PRIMARY KEY,
                 address TEXT NOT NULL UNIQUE,
                 llm_port INTEGER NOT NULL,
                 worker_base_port INTEGER NOT NULL,
                 gateway_base_port INTEGER NOT NULL,
                 ipfs_server INTEGER NOT NULL,
                 cpu_threads INTEGER NOT NULL,
                 created_at INTEGER NOT NULL,
                 registered TEXT,
                 verified TEXT
             );",
        ),
        M::up(
            "CREATE TABLE runtime (
                 node_id INTEGER PRIMARY KEY,
                 desired TEXT NOT NULL DEFAULT 'stopped',
                 restart_nonce INTEGER NOT NULL DEFAULT 0,
                 pid INTEGER,
                 start_time INTEGER,
                 state TEXT NOT NULL DEFAULT 'stopped',
                 reason TEXT NOT NULL DEFAULT '',
                 restarts INTEGER NOT NULL DEFAULT 0,
                 last_exit TEXT,
                 started_at INTEGER,
                 updated_at INTEGER NOT NULL DEFAULT 0
             );
             CREATE TABLE alerts (
                 id INTEGER PRIMARY KEY,
                 node_id INTEGER,
                 kind TEXT NOT NULL,
                 message TEXT NOT NULL,
                 at INTEGER NOT NULL
             );",
        ),
        M::up(crate::health::ledger::SCHEMA),
    ])
}

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

/// The installed binary.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct InstallRecord {
    pub version: String,
    pub sha256: String,
    pub source: String,
    #[ts(type = "number")]
    pub installed_at: i64,
    pub previous_version: Option<String>,
    pub previous_sha256: Option<String>,
}

/// A node with what the app knows of its registration.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct NodeRecord {
    pub spec: crate::nodes::NodeSpec,
    /// The outcome of `tool register`, in the node's words (`None`: not tried yet).
    pub registered: Option<String>,
    pub verified: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CachedResponse {
    pub url: String,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    pub body: String,
    /// Unix seconds of the last time the server confirmed this body (200 or 304).
    pub fetched_at: i64,
}

pub struct Store {
    conn: Connection,
    path: PathBuf,
}

impl Store {
    /// Open (creating and migrating) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::CreateDir {
            path: dir.display().to_string(),
            source,
        })?;
        let path = dir.join(DB_FILE);
        let shown = path.display().to_string();
        let mut conn = Connection::open(&path).map_err(|source| StoreError::Open {
            path: shown.clone(),
            source,
        })?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(|source| StoreError::Open {
                path: shown.clone(),
                source,
            })?;
        // With WAL, NORMAL never corrupts the database; a power cut may lose the last second of
        // monitoring data, and it saves an fsync per write of the once-a-second monitor.
        conn.pragma_update(None, "synchronous", "NORMAL")
            .map_err(|source| StoreError::Open {
                path: shown.clone(),
                source,
            })?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        migrations()
            .to_latest(&mut conn)
            .map_err(|e| StoreError::Migrate {
                path: shown,
                message: e.to_string(),
            })?;
        Ok(Store { conn, path })
    }

    /// The connection, for modules that own their tables (the uptime ledger).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn cached(&self, url: &str) -> Result<Option<CachedResponse>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT url, etag, last_modified, body, fetched_at FROM http_cache WHERE url = ?1",
                params![url],
                |r| {
                    Ok(CachedResponse {
                        url: r.get(0)?,
                        etag: r.get(1)?,
                        last_modified: r.get(2)?,
                        body: r.get(3)?,
                        fetched_at: r.get(4)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn put_cached(&self, c: &CachedResponse) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO http_cache (url, etag, last_modified, body, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT(url) DO UPDATE SET etag = ?2, last_modified = ?3, body = ?4, fetched_at = ?5",
            params![c.url, c.etag, c.last_modified, c.body, c.fetched_at],
        )?;
        Ok(())
    }

    pub fn installed(&self) -> Result<Option<InstallRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT version, sha256, source, installed_at, previous_version, previous_sha256 FROM install WHERE id = 1",
                [],
                |r| {
                    Ok(InstallRecord {
                        version: r.get(0)?,
                        sha256: r.get(1)?,
                        source: r.get(2)?,
                        installed_at: r.get(3)?,
                        previous_version: r.get(4)?,
                        previous_sha256: r.get(5)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn set_installed(&self, i: &InstallRecord) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO install (id, version, sha256, source, installed_at, previous_version, previous_sha256)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(id) DO UPDATE SET version = ?1, sha256 = ?2, source = ?3, installed_at = ?4,
                 previous_version = ?5, previous_sha256 = ?6",
            params![i.version, i.sha256, i.source, i.installed_at, i.previous_version, i.previous_sha256],
        )?;
        Ok(())
    }

    pub fn clear_installed(&self) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM install", [])?;
        Ok(())
    }

    pub fn nodes(&self) -> Result<Vec<NodeRecord>, StoreError> {
        let mut stmt = self.conn.prepare(
            "SELECT id, address, llm_port, worker_base_port, gateway_base_port, ipfs_server, cpu_threads, registered, verified
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
                },
                registered: r.get(7)?,
                verified: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    pub fn add_node(&self, n: &crate::nodes::NodeSpec, now: i64) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO nodes (id, address, llm_port, worker_base_port, gateway_base_port, ipfs_server, cpu_threads, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![n.id, n.address, n.llm_port, n.worker_base_port, n.gateway_base_port, n.ipfs_server, n.cpu_threads, now],
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

    pub fn remove_node(&self, id: u32) -> Result<(), StoreError> {
        self.conn
            .execute("DELETE FROM nodes WHERE id = ?1", params![id])?;
        Ok(())
    }

    /// A number that changes whenever another connection (another process) commits: a cheap
    /// "has anything changed" before re-reading a table.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

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

    pub fn setting(&self, key: &str) -> Result<Option<String>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT value FROM settings WHERE key = ?1",
                params![key],
                |r| r.get(0),
            )
            .optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT(key) DO UPDATE SET value = ?2",
            params![key, value],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_valid() {
        migrations().validate().unwrap();
    }

    #[test]
    fn alerts_by_time_and_after_an_id() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        assert_eq!(s.last_alert_id().unwrap(), 0);
        s.add_alert(Some(1), "down", "node 1 down", 100).unwrap();
        s.add_alert(None, "low_disk", "disk", 200).unwrap();
        s.add_alert(Some(2), "crash_loop", "node 2 loops", 300)
            .unwrap();
        let first = s.alerts(0).unwrap()[0].id;
        assert_eq!(s.last_alert_id().unwrap(), first + 2);
        let kinds = |v: Vec<AlertRecord>| v.into_iter().map(|a| a.kind).collect::<Vec<_>>();
        assert_eq!(kinds(s.alerts(200).unwrap()), ["low_disk", "crash_loop"]);
        assert_eq!(
            kinds(s.alerts_after(first).unwrap()),
            ["low_disk", "crash_loop"]
        );
        assert!(s.alerts_after(first + 2).unwrap().is_empty());
    }

    #[test]
    fn cache_and_settings_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        {
            let s = Store::open(dir.path()).unwrap();
            s.put_cached(&CachedResponse {
                url: "http://127.0.0.1/x".into(),
                etag: Some("\"v1\"".into()),
                last_modified: None,
                body: "{}".into(),
                fetched_at: 42,
            })
            .unwrap();
            s.set_setting("operator", "0xabc").unwrap();
            s.set_setting("operator", "0xdef").unwrap();
        }
        let s = Store::open(dir.path()).unwrap();
        let c = s.cached("http://127.0.0.1/x").unwrap().unwrap();
        assert_eq!((c.etag.as_deref(), c.fetched_at), (Some("\"v1\""), 42));
        assert_eq!(s.setting("operator").unwrap().as_deref(), Some("0xdef"));
        assert_eq!(s.setting("missing").unwrap(), None);
    }

    #[test]
    fn unwritable_data_dir_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, "x").unwrap();
        let err = Store::open(&file.join("sub")).err().unwrap().to_string();
        assert!(err.contains("cannot create the data folder"), "{err}");
    }
}

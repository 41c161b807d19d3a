//! The app's SQLite store (WAL, migrations by `user_version`). Every table's schema is a
//! migration here, and every group of tables has its file: `cache` (HTTP), `settings`,
//! `install`, `nodes`, `runtime`, `alerts`; the uptime ledger's queries are in
//! `health::ledger`, its tables here. Never edit a released migration; add one.

mod alerts;
mod balances;
mod cache;
mod install;
mod nodes;
pub mod recover;
mod reports;
mod runtime;
mod settings;
mod written;

pub use alerts::AlertRecord;
pub use balances::BalanceRecord;
pub use cache::CachedResponse;
pub use install::InstallRecord;
pub use nodes::NodeRecord;
pub use reports::{Delivery, DeliveryStatus, ReportRecord};
pub use runtime::RuntimeRecord;
pub use written::Written;

use std::path::{Path, PathBuf};

use rusqlite::Connection;
use rusqlite_migration::{Migrations, M};

pub use crate::platform::paths::DB_FILE;
/// Held while the database is migrated.
const MIGRATE_LOCK: &str = ".migrate.lock";

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

/// The uptime ledger (minutes for 7 days, then hours, 90 days kept) and the last health
/// snapshot of each node.
pub(crate) const LEDGER_SCHEMA: &str = "CREATE TABLE IF NOT EXISTS uptime_minutes (node_id INTEGER NOT NULL, minute INTEGER NOT NULL, up INTEGER NOT NULL,
         PRIMARY KEY (node_id, minute)) WITHOUT ROWID;
     CREATE TABLE IF NOT EXISTS uptime_hours (node_id INTEGER NOT NULL, hour INTEGER NOT NULL, up_minutes INTEGER NOT NULL,
         seen_minutes INTEGER NOT NULL, PRIMARY KEY (node_id, hour)) WITHOUT ROWID;
     CREATE TABLE IF NOT EXISTS health (node_id INTEGER PRIMARY KEY, snapshot TEXT NOT NULL, updated_at INTEGER NOT NULL);";

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
        M::up(LEDGER_SCHEMA),
        // Each node's network, key store and GPU use (the real-network issue).
        M::up(
            "ALTER TABLE nodes ADD COLUMN network TEXT NOT NULL DEFAULT 'testnet0';
             ALTER TABLE nodes ADD COLUMN key_store TEXT NOT NULL DEFAULT 'keychain';
             ALTER TABLE nodes ADD COLUMN gpu INTEGER NOT NULL DEFAULT 0;",
        ),
        // Each node's ETH balance as last read from its RPC (the daemon reads it regularly).
        M::up(
            "CREATE TABLE balances (
                 node_id INTEGER PRIMARY KEY,
                 wei TEXT,
                 min_wei TEXT NOT NULL,
                 error TEXT,
                 checked_at INTEGER NOT NULL
             );",
        ),
        // An alert ends when its condition does (kept in history), or when the user dismisses it.
        M::up(
            "ALTER TABLE alerts ADD COLUMN resolved_at INTEGER;
             ALTER TABLE alerts ADD COLUMN dismissed_at INTEGER;",
        ),
        // Bug reports and their outbox: one delivery per destination, retried until it is
        // delivered; the idempotency key is sent with every attempt. Destination addresses are
        // not here (they carry tokens): see `report::outbox::targets_file`.
        M::up(
            "CREATE TABLE reports (
                 id TEXT PRIMARY KEY,
                 created_at INTEGER NOT NULL,
                 title TEXT NOT NULL,
                 category TEXT NOT NULL,
                 severity TEXT NOT NULL,
                 dir TEXT NOT NULL,
                 bundle TEXT
             );
             CREATE TABLE report_deliveries (
                 id INTEGER PRIMARY KEY,
                 report_id TEXT NOT NULL REFERENCES reports(id),
                 kind TEXT NOT NULL,
                 idempotency_key TEXT NOT NULL,
                 status TEXT NOT NULL,
                 reference TEXT,
                 attempts INTEGER NOT NULL DEFAULT 0,
                 next_try_at INTEGER NOT NULL DEFAULT 0,
                 lease_until INTEGER NOT NULL DEFAULT 0,
                 last_error TEXT,
                 sent_at INTEGER
             );",
        ),
        // When the installed release was made: an older one is not installed over it unasked.
        M::up("ALTER TABLE install ADD COLUMN released_at INTEGER;"),
        // What the app made on disk (folders it created, files it wrote): uninstall removes
        // only these, never a whole folder the app did not make.
        M::up(
            "CREATE TABLE written (
                 path TEXT PRIMARY KEY,
                 dir INTEGER NOT NULL,
                 at INTEGER NOT NULL
             );",
        ),
    ])
}

/// Whether `path` has not been integrity-checked by this process yet (the check reads the
/// whole file, so it runs once per process, not on every open).
fn first_open(path: &Path) -> bool {
    static SEEN: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
    #[cfg(test)]
    if FORGET.with(|f| f.replace(false)) {
        seen.retain(|p| p != path);
    }
    if seen.iter().any(|p| p == path) {
        return false;
    }
    seen.push(path.to_path_buf());
    true
}

#[cfg(test)]
pub(crate) fn forget_checked(path: &Path) {
    // Tests open the same path as "another process" would.
    let _ = path;
    FORGET.with(|f| f.set(true));
}

#[cfg(test)]
thread_local! {
    static FORGET: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A damaged file (not a database, or failing its check), as opposed to a busy or missing one.
fn is_damage(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

/// Open with the app's pragmas; with `check`, refuse a damaged file (`quick_check`).
fn open_checked(path: &Path, check: bool) -> Result<Connection, rusqlite::Error> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    // With WAL, NORMAL never corrupts the database; a power cut may lose the last second of
    // monitoring data, and it saves an fsync per write of the once-a-second monitor.
    conn.pragma_update(None, "synchronous", "NORMAL")?;
    if check {
        let verdict: String = conn.query_row("PRAGMA quick_check", [], |r| r.get(0))?;
        if verdict != "ok" {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
                Some(verdict),
            ));
        }
    }
    Ok(conn)
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
        // The data folder is the user's alone (keys in file stores, logs, reports), and so is
        // the database; SQLite gives its -wal and -shm files the database's mode.
        let _ = crate::platform::fs::set_mode(dir, 0o700);
        let path = dir.join(DB_FILE);
        if !path.exists() {
            let _ = crate::platform::fs::create_with_mode(&path, crate::platform::fs::SECRET_MODE);
        }
        let _ = crate::platform::fs::set_mode(&path, crate::platform::fs::SECRET_MODE);
        let shown = path.display().to_string();
        let take_lock = || {
            crate::platform::fs::lock_exclusive(&dir.join(MIGRATE_LOCK)).map_err(|source| {
                StoreError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                }
            })
        };
        // A new database is set up (WAL, tables) by one process at a time: switching a new
        // file to WAL while another process does the same fails at once ("locked").
        let mut lock = match std::fs::metadata(&path) {
            Ok(m) if m.len() > 0 => None,
            _ => Some(take_lock()?),
        };
        // A damaged database (a disk error, a half-copied file) is set aside once per process
        // and rebuilt: from the latest backup, then from the node folders.
        let mut recovered: Option<String> = None;
        let mut conn = match open_checked(&path, first_open(&path)) {
            Ok(c) => c,
            // Only damage is repaired; a busy or unreadable file is an error to show.
            Err(why) if !is_damage(&why) => {
                return Err(StoreError::Open {
                    path: shown,
                    source: why,
                })
            }
            Err(why) => {
                let aside = recover::set_aside(&path).map_err(|source| StoreError::CreateDir {
                    path: dir.display().to_string(),
                    source,
                })?;
                let restored = recover::restore_latest_backup(dir, &path);
                recovered = Some(format!(
                    "the database was damaged ({why}); it was moved to {} and {}",
                    aside.display(),
                    match &restored {
                        Some(b) => format!("restored from the backup {}", b.display()),
                        None => "rebuilt from the node folders".to_string(),
                    }
                ));
                open_checked(&path, false).map_err(|source| StoreError::Open {
                    path: shown.clone(),
                    source,
                })?
            }
        };
        let was_empty = recover::is_empty(&conn);
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // The app, the CLI and the daemon may open an older database at once: one migrates,
        // the others wait for it (a file lock; rusqlite_migration reads the version before
        // its transaction, so two could otherwise run the same migration).
        let migrate = |conn: &mut Connection| {
            migrations()
                .to_latest(conn)
                .map_err(|e| StoreError::Migrate {
                    path: shown.clone(),
                    message: e.to_string(),
                })
        };
        if migrations().pending_migrations(&conn).unwrap_or(1) != 0 {
            if lock.is_none() {
                lock = Some(take_lock()?);
            }
            migrate(&mut conn)?;
        }
        drop(lock);
        let store = Store { conn, path };
        // A new or restored database beside node folders: the folders' .env files name each
        // node (a deleted database loses settings and history, never the nodes).
        if was_empty || recovered.is_some() {
            let n = recover::rebuild_nodes(&store, dir);
            if n > 0 || recovered.is_some() {
                let said = recovered.unwrap_or_else(|| "the database was missing".to_string());
                let _ = store.add_alert(
                    None,
                    "store_rebuilt",
                    &format!("{said}; {n} node(s) were found in their folders and restored (settings and history before the backup are lost)"),
                    crate::platform::clock::now_unix(),
                );
            }
        }
        Ok(store)
    }

    /// The connection, for modules that own their tables (the uptime ledger).
    pub fn conn(&self) -> &Connection {
        &self.conn
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// A number that changes whenever another connection (another process) commits: a cheap
    /// "has anything changed" before re-reading a table.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .conn
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
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
    fn data_version_moves_only_when_another_connection_commits() {
        let dir = tempfile::tempdir().unwrap();
        let reader = Store::open(dir.path()).unwrap();
        let writer = Store::open(dir.path()).unwrap();
        let version = || reader.data_version().unwrap();
        let v0 = version();
        assert_eq!(version(), v0, "nothing committed");
        reader.set_setting("a", "1").unwrap();
        assert_eq!(version(), v0, "its own commit does not move it");
        writer.set_setting("b", "2").unwrap();
        assert_ne!(version(), v0, "another connection's does");
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
    fn removing_a_node_removes_its_rows_and_old_alerts_are_pruned() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        let spec = |id: u32| crate::nodes::NodeSpec {
            id,
            address: format!("0x{id:040x}"),
            llm_port: 8000 + id as u16,
            worker_base_port: 9000 + id as u16,
            gateway_base_port: 10_000 + id as u16,
            ipfs_server: false,
            cpu_threads: 1,
            network: "testnet0".into(),
            key_store: Default::default(),
            gpu: false,
        };
        for id in [1, 2] {
            s.add_node(&spec(id), 0).unwrap();
            s.set_desired(id, "running", false).unwrap();
            crate::health::ledger::record(s.conn(), id, 600, true).unwrap();
            s.add_alert(Some(id), "down", "down", 100).unwrap();
            s.conn()
                .execute(
                    "INSERT INTO health (node_id, snapshot, updated_at) VALUES (?1, '{}', 1)",
                    [id],
                )
                .unwrap();
        }
        s.remove_node(1).unwrap();
        let count = |sql: &str| -> i64 { s.conn().query_row(sql, [], |r| r.get(0)).unwrap() };
        for table in ["runtime", "health", "uptime_minutes", "alerts"] {
            assert_eq!(
                count(&format!("SELECT COUNT(*) FROM {table} WHERE node_id = 1")),
                0,
                "{table}"
            );
            assert_eq!(
                count(&format!("SELECT COUNT(*) FROM {table} WHERE node_id = 2")),
                1,
                "{table}"
            );
        }
        assert_eq!(s.nodes().unwrap().len(), 1);
        s.add_alert(None, "low_disk", "disk", 5_000).unwrap();
        assert_eq!(
            s.prune_alerts(5_000).unwrap(),
            1,
            "the node-2 alert raised at 100"
        );
        assert_eq!(s.alerts(0).unwrap().len(), 1);
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
    fn processes_opening_an_old_database_at_once_migrate_it_once() {
        for _ in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().to_path_buf();
            let opened: Vec<_> = (0..6)
                .map(|_| {
                    let p = path.clone();
                    std::thread::spawn(move || {
                        Store::open(&p).map(|_| ()).map_err(|e| e.to_string())
                    })
                })
                .collect();
            for t in opened {
                t.join().unwrap().unwrap();
            }
            let s = Store::open(&path).unwrap();
            assert_eq!(migrations().pending_migrations(s.conn()).unwrap(), 0);
        }
    }

    #[cfg(unix)]
    #[test]
    fn the_data_folder_and_the_database_are_the_users_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        let s = Store::open(&data).unwrap();
        s.set_setting("x", "y").unwrap();
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&data), 0o700);
        for f in [
            DB_FILE,
            "cortensor-manager.sqlite3-wal",
            "cortensor-manager.sqlite3-shm",
        ] {
            assert_eq!(mode(&data.join(f)), 0o600, "{f}");
        }
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

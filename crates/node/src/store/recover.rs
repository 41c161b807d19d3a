//! A damaged or lost database: set the file aside, restore the latest backup, and rebuild the
//! nodes from their folders (each `nodes/node-N/.env` names its node: address, ports, network,
//! key store). Backups are `VACUUM INTO` copies in `<data>/backups/`, one a day, 7 kept.

use std::path::{Path, PathBuf};

use super::Store;
use crate::nodes::{KeyStore, NodeSpec};

pub const BACKUP_DIR: &str = "backups";
pub const BACKUPS_KEPT: usize = 7;

/// Move the database and its -wal/-shm aside (`<name>.damaged-<unix time>`).
pub fn set_aside(db: &Path) -> std::io::Result<PathBuf> {
    let stamp = crate::platform::clock::now_unix();
    let aside = db.with_file_name(format!(
        "{}.damaged-{stamp}",
        db.file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default()
    ));
    std::fs::rename(db, &aside)?;
    for ext in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{ext}", db.display()));
        if side.exists() {
            let _ = std::fs::rename(&side, PathBuf::from(format!("{}{ext}", aside.display())));
        }
    }
    Ok(aside)
}

fn backups(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir.join(BACKUP_DIR))
        .map(|d| {
            d.flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "sqlite3"))
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Copy the newest backup (that passes its own check) into place. Returns it.
pub fn restore_latest_backup(dir: &Path, db: &Path) -> Option<PathBuf> {
    for b in backups(dir).into_iter().rev() {
        let sound = rusqlite::Connection::open(&b)
            .and_then(|c| c.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)))
            .is_ok_and(|v| v == "ok");
        if sound && std::fs::copy(&b, db).is_ok() {
            let _ = crate::platform::fs::set_mode(db, crate::platform::fs::SECRET_MODE);
            return Some(b);
        }
    }
    None
}

/// A database with no nodes and no install (new, or just restored to nothing).
pub fn is_empty(conn: &rusqlite::Connection) -> bool {
    let count = |sql: &str| conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap_or(0);
    count("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'nodes'") == 0
        || count("SELECT COUNT(*) FROM nodes") == 0
}

/// A node as its `.env` describes it. Pure.
pub fn spec_from_env(id: u32, text: &str) -> Option<NodeSpec> {
    let env = crate::nodes::parse_env(text);
    let port = |k: &str| env.get(k).and_then(|v| v.trim().parse::<u16>().ok());
    let flag = |k: &str| env.get(k).is_some_and(|v| v.trim() == "1");
    let address = env
        .get("NODE_PUBLIC_KEY")
        .filter(|a| a.starts_with("0x") && a.len() == 42)?
        .clone();
    Some(NodeSpec {
        id,
        address,
        llm_port: port("LLM_PORT")?,
        worker_base_port: port("LLM_WORKER_BASE_PORT")?,
        gateway_base_port: port("LLM_GATEWAY_WORKER_BASE_PORT")?,
        ipfs_server: flag("ENABLE_IPFS_SERVER"),
        cpu_threads: env
            .get("LLM_OPTION_CPU_THREADS")
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(1),
        network: if flag("IS_L3") {
            "testnet1"
        } else {
            "testnet0"
        }
        .into(),
        key_store: if env
            .get("NODE_PRIVATE_KEY")
            .is_some_and(|v| !v.trim().is_empty())
        {
            KeyStore::File
        } else {
            KeyStore::Keychain
        },
        gpu: flag("LLM_OPTION_GPU"),
    })
}

/// Insert every node whose folder has an `.env` and no row. Returns how many.
pub fn rebuild_nodes(store: &Store, dir: &Path) -> usize {
    let known: Vec<u32> = store
        .nodes()
        .unwrap_or_default()
        .iter()
        .map(|n| n.spec.id)
        .collect();
    let layout = crate::nodes::Layout::new(dir);
    let Ok(entries) = std::fs::read_dir(dir.join("nodes")) else {
        return 0;
    };
    let mut ids: Vec<u32> = entries
        .flatten()
        .filter_map(|e| {
            e.file_name()
                .to_string_lossy()
                .strip_prefix("node-")?
                .parse()
                .ok()
        })
        .filter(|id| !known.contains(id))
        .collect();
    ids.sort();
    let now = crate::platform::clock::now_unix();
    ids.into_iter()
        .filter_map(|id| spec_from_env(id, &std::fs::read_to_string(layout.env_file(id)).ok()?))
        .filter(|spec| store.add_node(spec, now).is_ok())
        .count()
}

/// Today's backup (`VACUUM INTO`), unless one is younger than a day; keeps the newest 7.
pub fn backup(store: &Store, dir: &Path, now: i64) -> Result<Option<PathBuf>, String> {
    let folder = dir.join(BACKUP_DIR);
    let newest = backups(dir).pop();
    let age = newest
        .as_ref()
        .and_then(|b| std::fs::metadata(b).ok()?.modified().ok())
        .and_then(|m| m.elapsed().ok())
        .map(|d| d.as_secs());
    if age.is_some_and(|a| a < 86_400) {
        return Ok(None);
    }
    std::fs::create_dir_all(&folder).map_err(|e| e.to_string())?;
    let _ = crate::platform::fs::set_mode(&folder, 0o700);
    let target = folder.join(format!("cortensor-manager-{now}.sqlite3"));
    store
        .conn()
        .execute("VACUUM INTO ?1", [target.display().to_string()])
        .map_err(|e| format!("cannot back up the database: {e}"))?;
    let _ = crate::platform::fs::set_mode(&target, crate::platform::fs::SECRET_MODE);
    let all = backups(dir);
    for old in all.iter().take(all.len().saturating_sub(BACKUPS_KEPT)) {
        let _ = std::fs::remove_file(old);
    }
    Ok(Some(target))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: u32) -> NodeSpec {
        NodeSpec {
            id,
            address: format!("0x{:040x}", 0xabc + id),
            llm_port: 8090 + id as u16,
            worker_base_port: 8190 + id as u16,
            gateway_base_port: 18_888 + id as u16,
            ipfs_server: id == 1,
            cpu_threads: 2,
            network: "testnet0".into(),
            key_store: KeyStore::File,
            gpu: false,
        }
    }

    /// A data folder with two nodes, as `node add` leaves it.
    fn data_folder(dir: &Path) {
        let store = Store::open(dir).unwrap();
        let layout = crate::nodes::Layout::new(dir);
        for id in [1, 2] {
            let s = spec(id);
            store.add_node(&s, 1).unwrap();
            std::fs::create_dir_all(layout.node_dir(id)).unwrap();
            std::fs::write(
                layout.env_file(id),
                format!(
                    "NODE_PUBLIC_KEY={}\nNODE_PRIVATE_KEY=0x{}\nLLM_PORT={}\nLLM_WORKER_BASE_PORT={}\nLLM_GATEWAY_WORKER_BASE_PORT={}\nENABLE_IPFS_SERVER={}\nLLM_OPTION_CPU_THREADS=2\nLLM_OPTION_GPU=0\n",
                    s.address, "11".repeat(32), s.llm_port, s.worker_base_port, s.gateway_base_port, u8::from(s.ipfs_server)
                ),
            )
            .unwrap();
        }
        store.set_setting("leaderboard", "kept").unwrap();
    }

    fn specs(store: &Store) -> Vec<NodeSpec> {
        store.nodes().unwrap().into_iter().map(|n| n.spec).collect()
    }

    #[test]
    fn a_deleted_database_is_rebuilt_from_the_node_folders() {
        let d = tempfile::tempdir().unwrap();
        data_folder(d.path());
        for f in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(d.path().join(format!("{}{f}", super::super::DB_FILE)));
        }
        let store = Store::open(d.path()).unwrap();
        assert_eq!(specs(&store), vec![spec(1), spec(2)]);
        let alerts = store.alerts(0).unwrap();
        assert!(
            alerts
                .iter()
                .any(|a| a.kind == "store_rebuilt" && a.message.contains("2 node(s)")),
            "{alerts:?}"
        );
    }

    #[test]
    fn a_damaged_database_is_set_aside_and_restored_from_its_backup_then_the_folders() {
        let d = tempfile::tempdir().unwrap();
        data_folder(d.path());
        {
            let store = Store::open(d.path()).unwrap();
            assert!(backup(&store, d.path(), 1_000).unwrap().is_some());
            // A second backup the same day is not made.
            assert_eq!(backup(&store, d.path(), 1_001).unwrap(), None);
            store.remove_node(2).unwrap();
        }
        // Garbage over the database (a disk error, a half-copied file).
        let db = d.path().join(super::super::DB_FILE);
        for f in ["-wal", "-shm"] {
            let _ = std::fs::remove_file(PathBuf::from(format!("{}{f}", db.display())));
        }
        std::fs::write(&db, vec![0x5au8; 64 * 1024]).unwrap();
        // A new process would check it: this test process already opened the path, so check
        // the way a new process does.
        assert!(open_fresh_check(&db).is_err());
        let store = reopen_as_new_process(d.path());
        // The backup had both nodes and the setting; node 2 was removed after it, but its
        // folder remains, so it is back too.
        assert_eq!(specs(&store), vec![spec(1), spec(2)]);
        assert_eq!(
            store.setting("leaderboard").unwrap().as_deref(),
            Some("kept")
        );
        let aside: Vec<_> = std::fs::read_dir(d.path())
            .unwrap()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains(".damaged-"))
            .collect();
        assert!(!aside.is_empty(), "the damaged file is kept for a look");
        assert!(store
            .alerts(0)
            .unwrap()
            .iter()
            .any(|a| a.kind == "store_rebuilt" && a.message.contains("restored from the backup")));
    }

    fn open_fresh_check(db: &Path) -> Result<rusqlite::Connection, rusqlite::Error> {
        super::super::open_checked(db, true)
    }

    /// Open as a process that has not checked the file yet.
    fn reopen_as_new_process(dir: &Path) -> Store {
        super::super::forget_checked(&dir.join(super::super::DB_FILE));
        Store::open(dir).unwrap()
    }

    #[test]
    fn only_damage_is_repaired() {
        let busy = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
            None,
        );
        let corrupt = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CORRUPT),
            None,
        );
        let notadb = rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_NOTADB),
            None,
        );
        assert!(!super::super::is_damage(&busy));
        assert!(super::super::is_damage(&corrupt) && super::super::is_damage(&notadb));
    }

    #[test]
    fn an_env_without_a_node_is_not_a_node() {
        assert_eq!(spec_from_env(3, "CHAINID=421614\n"), None);
        assert_eq!(spec_from_env(3, "NODE_PUBLIC_KEY=0x12\nLLM_PORT=1\n"), None);
        let l3 = format!("NODE_PUBLIC_KEY=0x{}\nLLM_PORT=1\nLLM_WORKER_BASE_PORT=2\nLLM_GATEWAY_WORKER_BASE_PORT=3\nIS_L3=1\nLLM_OPTION_GPU=1\n", "a".repeat(40));
        let s = spec_from_env(3, &l3).unwrap();
        assert_eq!(
            (s.network.as_str(), s.gpu, s.key_store),
            ("testnet1", true, KeyStore::Keychain)
        );
    }
}

//! Where the app keeps its data: `--data-dir`, else `$CORTENSOR_MANAGER_DATA_DIR`, else the OS
//! data folder: `~/.local/share/cortensor-manager` on Linux (`$XDG_DATA_HOME` respected),
//! `~/Library/Application Support/network.cortensor.manager` on macOS,
//! `%LOCALAPPDATA%\cortensor\manager\data` on Windows (Local, not Roaming: node data and logs
//! must not follow a roaming profile).
//!
//! Earlier versions used `~/.local/share/manager` (Linux) and the Roaming folder (Windows): an
//! existing one is moved to the new place on first use, and on Unix a link is left at the old
//! path, so services written with the old absolute paths keep working.

use std::path::{Path, PathBuf};

use super::Os;

pub const DATA_DIR_ENV: &str = "CORTENSOR_MANAGER_DATA_DIR";

/// The database's file name in the data folder (the store opens it; an earlier data folder is
/// known to be ours by it).
pub const DB_FILE: &str = "cortensor-manager.sqlite3";

/// The folders the default depends on (from `directories`, or a test's own).
#[derive(Debug, Clone)]
pub struct Bases {
    /// `~/.local/share` (Linux), `~/Library/Application Support` (macOS), Roaming AppData.
    pub data: PathBuf,
    /// Local AppData (Windows); the same as `data` elsewhere.
    pub data_local: PathBuf,
}

/// The default data folder, and an older one to move from, for `os`. Pure.
pub fn default_for(os: Os, b: &Bases) -> (PathBuf, Option<PathBuf>) {
    match os {
        Os::Linux => (
            b.data.join("cortensor-manager"),
            Some(b.data.join("manager")),
        ),
        Os::Macos => (b.data.join("network.cortensor.manager"), None),
        Os::Windows => (
            b.data_local.join("cortensor").join("manager").join("data"),
            Some(b.data.join("cortensor").join("manager").join("data")),
        ),
    }
}

/// A folder an earlier version of this app made: it holds our database.
fn ours(dir: &Path) -> bool {
    dir.join(DB_FILE).is_file()
}

/// Move an earlier version's data folder to `new` when `new` does not exist yet. Returns what
/// happened, in words (`None`: nothing to do). A failure leaves the old folder in use.
pub fn migrate(old: &Path, new: &Path) -> Result<Option<String>, String> {
    if new.exists() || !ours(old) || std::fs::symlink_metadata(old).is_ok_and(|m| m.is_symlink()) {
        return Ok(None);
    }
    if let Some(parent) = new.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::rename(old, new).map_err(|e| {
        format!(
            "cannot move the data folder {} to {}: {e}",
            old.display(),
            new.display()
        )
    })?;
    #[cfg(unix)]
    {
        // Services and login items written by the earlier version name the old path.
        let _ = std::os::unix::fs::symlink(new, old);
    }
    Ok(Some(format!(
        "moved the data folder from {} to {}",
        old.display(),
        new.display()
    )))
}

/// A short name for a data folder, the same for every process that uses it: the app is one
/// window per data folder (a second launch on the same folder hands over to the first).
pub fn folder_key(dir: &Path) -> String {
    use sha2::Digest;
    let abs = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    hex::encode(&sha2::Sha256::digest(abs.to_string_lossy().as_bytes())[..6])
}

pub fn data_dir(explicit: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(p) = explicit {
        return Ok(p);
    }
    if let Some(p) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    let base = directories::BaseDirs::new().ok_or_else(|| {
        format!("cannot find your home folder; set {DATA_DIR_ENV} or pass --data-dir")
    })?;
    let bases = Bases {
        data: base.data_dir().to_path_buf(),
        data_local: base.data_local_dir().to_path_buf(),
    };
    let (dir, old) = default_for(Os::current(), &bases);
    if let Some(old) = old {
        match migrate(&old, &dir) {
            Ok(Some(said)) => eprintln!("{said}"),
            Ok(None) => {}
            // Keep using the old folder rather than start empty beside it.
            Err(why) => {
                eprintln!("{why}; using it where it is");
                return Ok(old);
            }
        }
    }
    Ok(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_folder_has_one_key_however_it_is_named() {
        let d = tempfile::tempdir().unwrap();
        let a = folder_key(d.path());
        assert_eq!(a.len(), 12);
        assert_eq!(folder_key(&d.path().join(".")), a, "the same folder");
        assert_ne!(folder_key(&d.path().join("other")), a);
    }

    #[test]
    fn each_os_has_its_folder_named_after_the_app() {
        let b = Bases {
            data: PathBuf::from("/h/.local/share"),
            data_local: PathBuf::from("/h/local"),
        };
        assert_eq!(
            default_for(Os::Linux, &b),
            (
                PathBuf::from("/h/.local/share/cortensor-manager"),
                Some(PathBuf::from("/h/.local/share/manager"))
            )
        );
        assert_eq!(
            default_for(Os::Macos, &b).0,
            PathBuf::from("/h/.local/share/network.cortensor.manager")
        );
        let w = Bases {
            data: PathBuf::from("C:/Users/u/AppData/Roaming"),
            data_local: PathBuf::from("C:/Users/u/AppData/Local"),
        };
        let (dir, old) = default_for(Os::Windows, &w);
        assert!(dir.starts_with("C:/Users/u/AppData/Local"));
        assert!(old.unwrap().starts_with("C:/Users/u/AppData/Roaming"));
    }

    #[cfg(unix)]
    #[test]
    fn an_earlier_folder_is_moved_once_and_linked_and_others_are_left_alone() {
        let d = tempfile::tempdir().unwrap();
        let (old, new) = (d.path().join("manager"), d.path().join("cortensor-manager"));
        // A folder named `manager` that is not ours is never taken.
        std::fs::create_dir_all(&old).unwrap();
        std::fs::write(old.join("notes.txt"), "someone else's").unwrap();
        assert_eq!(migrate(&old, &new).unwrap(), None);
        assert!(!new.exists());
        // Ours: moved, with a link left behind; a second call does nothing.
        std::fs::write(old.join(DB_FILE), "db").unwrap();
        assert!(migrate(&old, &new)
            .unwrap()
            .unwrap()
            .contains("moved the data folder"));
        assert_eq!(
            std::fs::read_to_string(new.join("notes.txt")).unwrap(),
            "someone else's"
        );
        assert!(std::fs::symlink_metadata(&old).unwrap().is_symlink());
        assert_eq!(std::fs::read_to_string(old.join(DB_FILE)).unwrap(), "db");
        assert_eq!(migrate(&old, &new).unwrap(), None);
        // When the new folder exists already, the old one is not touched.
        let d2 = tempfile::tempdir().unwrap();
        let (o2, n2) = (
            d2.path().join("manager"),
            d2.path().join("cortensor-manager"),
        );
        std::fs::create_dir_all(&o2).unwrap();
        std::fs::write(o2.join(DB_FILE), "old").unwrap();
        std::fs::create_dir_all(&n2).unwrap();
        assert_eq!(migrate(&o2, &n2).unwrap(), None);
        assert!(o2.join(DB_FILE).is_file());
    }
}

//! Stress sandboxes: one folder per cycle under `<data>/stress/sandboxes/`, each its own data
//! folder, marked with the run that owns it. Whatever a run leaves (killed with kill -9, a
//! crash) is removed by the next run or `stress --clean`: the processes running from it are
//! killed, then the folder goes. A sandbox whose owner still runs is left alone.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// `<data>/stress`: reports (`<id>/`, `latest/`) and sandboxes.
pub fn root(data: &Path) -> PathBuf {
    data.join("stress")
}

pub fn sandboxes(data: &Path) -> PathBuf {
    root(data).join("sandboxes")
}

const OWNER: &str = "owner.json";

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Owner {
    pid: u32,
    /// The owner's start time (`platform::process::start_time`), so a reused pid is not taken
    /// for it; 0 where the OS does not say.
    start_time: u64,
    run: String,
}

/// A cycle's sandbox.
#[derive(Debug)]
pub struct Sandbox {
    pub dir: PathBuf,
    /// Its data folder (the app's layout inside).
    pub data: PathBuf,
}

impl Sandbox {
    /// Make `<data>/stress/sandboxes/<run>-<cycle>/`, owned by this process.
    pub fn create(data: &Path, run: &str, cycle: u32) -> std::io::Result<Sandbox> {
        let dir = sandboxes(data).join(format!("{run}-{cycle}"));
        if dir.exists() {
            remove(&dir);
        }
        std::fs::create_dir_all(dir.join("data"))?;
        let me = std::process::id();
        let owner = Owner {
            pid: me,
            start_time: crate::platform::process::start_time(me).unwrap_or(0),
            run: run.into(),
        };
        crate::platform::fs::write_atomic(
            &dir.join(OWNER),
            serde_json::to_string(&owner).unwrap_or_default().as_bytes(),
            0o600,
        )?;
        Ok(Sandbox {
            data: dir.join("data"),
            dir,
        })
    }

    /// Kill what runs from it and remove it.
    pub fn remove(self) -> usize {
        remove(&self.dir)
    }
}

/// Kill what runs from `dir`, then remove it; how many processes were killed.
fn remove(dir: &Path) -> usize {
    let killed = crate::platform::process::kill_running_from(dir);
    // A killed process may hold its files a moment (Windows): a few tries.
    for _ in 0..20 {
        match std::fs::remove_dir_all(dir) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                std::thread::sleep(std::time::Duration::from_millis(100))
            }
            _ => break,
        }
    }
    killed
}

/// What a clean-up removed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct Cleaned {
    pub sandboxes: u32,
    pub processes: u32,
    /// Sandboxes left alone: their run is still going on (another window, another terminal).
    pub in_use: u32,
}

fn owner_alive(o: &Owner) -> bool {
    if o.pid == std::process::id() {
        return true;
    }
    match crate::platform::process::start_time(o.pid) {
        Some(t) => o.start_time == 0 || t == o.start_time,
        None => false,
    }
}

/// Remove every sandbox whose run is over (its owner gone); with `all`, those of this process
/// too (a run cancelled here cleans up after itself).
pub fn clean(data: &Path, all: bool) -> Cleaned {
    let mut c = Cleaned::default();
    let Ok(entries) = std::fs::read_dir(sandboxes(data)) else {
        return c;
    };
    for e in entries.flatten() {
        let dir = e.path();
        if !dir.is_dir() {
            continue;
        }
        let owner: Option<Owner> = std::fs::read_to_string(dir.join(OWNER))
            .ok()
            .and_then(|t| serde_json::from_str(&t).ok());
        let mine = owner.as_ref().is_some_and(|o| o.pid == std::process::id());
        if owner.as_ref().is_some_and(owner_alive) && !(all && mine) {
            c.in_use += 1;
            continue;
        }
        c.processes += remove(&dir) as u32;
        c.sandboxes += 1;
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_dead_runs_sandbox_is_removed_a_live_ones_kept() {
        let d = tempfile::tempdir().unwrap();
        let mine = Sandbox::create(d.path(), "r1", 1).unwrap();
        assert!(mine.data.is_dir());
        // Another run's sandbox whose owner is gone (pid 0 never names a user process).
        let dead = sandboxes(d.path()).join("r0-3");
        std::fs::create_dir_all(dead.join("data/bin")).unwrap();
        std::fs::write(
            dead.join(OWNER),
            r#"{"pid": 4294967290, "start_time": 1, "run": "r0"}"#,
        )
        .unwrap();
        // One with no owner file at all (a crash before it was written).
        std::fs::create_dir_all(sandboxes(d.path()).join("r9-1")).unwrap();
        let c = clean(d.path(), false);
        assert_eq!((c.sandboxes, c.in_use), (2, 1));
        assert!(!dead.exists() && mine.dir.exists());
        // This process's own, when it asks.
        assert_eq!(clean(d.path(), true).sandboxes, 1);
        assert!(!mine.dir.exists());
    }
}

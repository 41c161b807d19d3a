//! The machine context, opened once per process: where the data lives and which service
//! backend this machine has (probing for it runs a service-manager command, so it is done once
//! and reused by every later call).

use std::path::PathBuf;
use std::sync::OnceLock;

use cortensor_node::machine::Machine;
use cortensor_node::platform::paths;
use cortensor_node::services::Backend;
use cortensor_node::store::Store;

use crate::{user, UserError};

/// The environment variable that moves the data folder (as `--data-dir` does).
pub const DATA_DIR_ENV: &str = paths::DATA_DIR_ENV;

/// One per process: the CLI makes one per command, the desktop app one for its whole life.
#[derive(Debug, Default)]
pub struct Session {
    data_dir: Option<PathBuf>,
    backend: OnceLock<Backend>,
}

impl Session {
    /// `data_dir`: `--data-dir`, else `$CORTENSOR_MANAGER_DATA_DIR`, else the OS data folder.
    pub fn new(data_dir: Option<PathBuf>) -> Session {
        Session {
            data_dir,
            backend: OnceLock::new(),
        }
    }

    pub fn data_dir(&self) -> Option<PathBuf> {
        self.data_dir.clone()
    }

    /// The machine context; the backend is detected on the first call only.
    pub(crate) fn machine(&self) -> Result<Machine, UserError> {
        let m = Machine::open_with(self.data_dir.clone(), None, self.backend.get().copied())?;
        let _ = self.backend.set(m.backend);
        Ok(m)
    }

    /// The name of this session's data folder for "one window per data folder" (the desktop
    /// shell's single-instance lock): the same for every process that uses the folder.
    pub fn instance_key(&self) -> Result<String, UserError> {
        let dir = paths::data_dir(self.data_dir.clone()).map_err(user)?;
        // Made first, so the key is the same before and after the first run made it.
        let _ = std::fs::create_dir_all(&dir);
        Ok(paths::folder_key(&dir))
    }

    /// The files through which the desktop app's window and tray find each other.
    pub fn handover(&self) -> Result<crate::handover::Handover, UserError> {
        crate::handover::Handover::of(self)
    }

    /// Send this process's log (`tracing`) to `<data>/logs/<name>.log` (size-bounded, rotated);
    /// the file, or `None` when it cannot be written (the process runs on without it).
    pub fn start_log(&self, name: &str) -> Option<PathBuf> {
        let dir = paths::data_dir(self.data_dir.clone()).ok()?;
        cortensor_node::platform::logs::init(&dir, name)
    }

    /// The app's own logs (`<data>/logs/`): each file's name and size, newest first.
    pub fn log_files(&self) -> Result<Vec<LogFile>, UserError> {
        let dir = cortensor_node::platform::logs::dir(
            &paths::data_dir(self.data_dir.clone()).map_err(user)?,
        );
        let mut v: Vec<(std::time::SystemTime, LogFile)> = std::fs::read_dir(&dir)
            .map(|rd| {
                rd.flatten()
                    .filter_map(|e| {
                        let m = e.metadata().ok().filter(|m| m.is_file())?;
                        Some((
                            m.modified().unwrap_or(std::time::UNIX_EPOCH),
                            LogFile {
                                name: e.file_name().to_string_lossy().into_owned(),
                                bytes: m.len(),
                            },
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        v.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.name.cmp(&b.1.name)));
        Ok(v.into_iter().map(|(_, f)| f).collect())
    }

    /// The store alone (settings, caches), without probing the machine.
    pub fn store(&self) -> Result<Store, UserError> {
        let dir = paths::data_dir(self.data_dir.clone()).map_err(user)?;
        Store::open(&dir).map_err(user)
    }
}

/// One of the app's own log files.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct LogFile {
    pub name: String,
    #[ts(type = "number")]
    pub bytes: u64,
}

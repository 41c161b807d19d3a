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

    /// The store alone (settings, caches), without probing the machine.
    pub fn store(&self) -> Result<Store, UserError> {
        let dir = paths::data_dir(self.data_dir.clone()).map_err(user)?;
        Store::open(&dir).map_err(user)
    }
}

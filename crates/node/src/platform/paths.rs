//! Where the app keeps its data: `--data-dir`, else `$CORTENSOR_MANAGER_DATA_DIR`, else the OS
//! data directory (`~/.local/share/cortensor-manager` on Linux, `~/Library/Application Support/
//! network.cortensor.manager` on macOS, `%APPDATA%\cortensor\manager\data` on Windows).

use std::path::PathBuf;

pub const DATA_DIR_ENV: &str = "CORTENSOR_MANAGER_DATA_DIR";

pub fn data_dir(explicit: Option<PathBuf>) -> Result<PathBuf, String> {
    if let Some(p) = explicit {
        return Ok(p);
    }
    if let Some(p) = std::env::var_os(DATA_DIR_ENV).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    directories::ProjectDirs::from("network", "cortensor", "manager")
        .map(|d| d.data_dir().to_path_buf())
        .ok_or_else(|| {
            format!("cannot find your home folder; set {DATA_DIR_ENV} or pass --data-dir")
        })
}

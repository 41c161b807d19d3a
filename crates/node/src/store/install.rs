//! The installed `cortensord` and the one before it.

use rusqlite::{params, OptionalExtension};

use super::{Store, StoreError};

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
    /// When the installed release was made (unix seconds), if its source says.
    #[serde(default)]
    #[ts(type = "number | null")]
    pub released_at: Option<i64>,
}

impl Store {
    pub fn installed(&self) -> Result<Option<InstallRecord>, StoreError> {
        Ok(self
            .conn
            .query_row(
                "SELECT version, sha256, source, installed_at, previous_version, previous_sha256, released_at FROM install WHERE id = 1",
                [],
                |r| {
                    Ok(InstallRecord {
                        version: r.get(0)?,
                        sha256: r.get(1)?,
                        source: r.get(2)?,
                        installed_at: r.get(3)?,
                        previous_version: r.get(4)?,
                        previous_sha256: r.get(5)?,
                        released_at: r.get(6)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn set_installed(&self, i: &InstallRecord) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT INTO install (id, version, sha256, source, installed_at, previous_version, previous_sha256, released_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT(id) DO UPDATE SET version = ?1, sha256 = ?2, source = ?3, installed_at = ?4,
                 previous_version = ?5, previous_sha256 = ?6, released_at = ?7",
            params![i.version, i.sha256, i.source, i.installed_at, i.previous_version, i.previous_sha256, i.released_at],
        )?;
        Ok(())
    }

    pub fn clear_installed(&self) -> Result<(), StoreError> {
        self.conn.execute("DELETE FROM install", [])?;
        Ok(())
    }
}

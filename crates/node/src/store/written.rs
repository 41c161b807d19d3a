//! What the app made on disk: the folders it created and the files it wrote, so uninstall
//! removes those and nothing else.

use std::path::PathBuf;

use rusqlite::params;

use super::{Store, StoreError};

/// A path the app made: a folder it created (`dir`) or a file it wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub dir: bool,
}

impl Written {
    pub fn dir(path: impl Into<PathBuf>) -> Written {
        Written {
            path: path.into(),
            dir: true,
        }
    }
    pub fn file(path: impl Into<PathBuf>) -> Written {
        Written {
            path: path.into(),
            dir: false,
        }
    }
}

impl Store {
    /// Remember that the app made these paths (again: a later write keeps the first record).
    pub fn record_written(&self, made: &[Written]) -> Result<(), StoreError> {
        if made.is_empty() {
            return Ok(());
        }
        let tx = self.conn.unchecked_transaction()?;
        let now = crate::platform::clock::now_unix();
        for w in made {
            tx.execute(
                "INSERT INTO written (path, dir, at) VALUES (?1, ?2, ?3) ON CONFLICT(path) DO NOTHING",
                params![w.path.to_string_lossy(), w.dir, now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Everything the app made, in no particular order.
    pub fn written(&self) -> Result<Vec<Written>, StoreError> {
        let mut st = self.conn.prepare("SELECT path, dir FROM written")?;
        let rows = st.query_map([], |r| {
            Ok(Written {
                path: PathBuf::from(r.get::<_, String>(0)?),
                dir: r.get(1)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Forget `paths` and everything recorded under them (they were removed).
    pub fn forget_written(&self, paths: &[PathBuf]) -> Result<(), StoreError> {
        let all = self.written()?;
        let tx = self.conn.unchecked_transaction()?;
        for w in all
            .iter()
            .filter(|w| paths.iter().any(|p| w.path.starts_with(p)))
        {
            tx.execute(
                "DELETE FROM written WHERE path = ?1",
                params![w.path.to_string_lossy()],
            )?;
        }
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_kept_once_and_forgotten_with_their_folder() {
        let dir = tempfile::tempdir().unwrap();
        let s = Store::open(dir.path()).unwrap();
        s.record_written(&[
            Written::dir("/d/nodes/node-1"),
            Written::file("/d/bin/cortensord"),
        ])
        .unwrap();
        s.record_written(&[Written::file("/d/nodes/node-1")])
            .unwrap();
        let mut w = s.written().unwrap();
        w.sort_by(|a, b| a.path.cmp(&b.path));
        assert_eq!(
            w,
            vec![
                Written::file("/d/bin/cortensord"),
                Written::dir("/d/nodes/node-1")
            ],
            "the first record stands"
        );
        s.record_written(&[Written::file("/d/nodes/node-1/.env")])
            .unwrap();
        s.forget_written(&[PathBuf::from("/d/nodes/node-1")])
            .unwrap();
        assert_eq!(
            s.written().unwrap(),
            vec![Written::file("/d/bin/cortensord")]
        );
    }
}

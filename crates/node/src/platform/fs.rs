//! Files written so that a crash never leaves a half-written one in place: write a temp file in
//! the same folder, fsync, set the mode, rename over the target, fsync the folder.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Mode of files holding secrets (`.env` with a private key): owner read/write only.
pub const SECRET_MODE: u32 = 0o600;

/// A temporary name beside `target`, unguessable (another user cannot pre-create it, and it is
/// created exclusively anyway): `.<name>.tmp-<random>`.
fn temp_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut r = [0u8; 8];
    if getrandom::getrandom(&mut r).is_err() {
        r = (u64::from(std::process::id()) ^ super::clock::now_unix() as u64).to_le_bytes();
    }
    target.with_file_name(format!(".{name}{TEMP_MARK}{}", hex::encode(r)))
}

/// What marks the app's temporary files (swept at start-up when a crash left them).
pub const TEMP_MARK: &str = ".tmp-";

/// Atomically replace `path` with `contents`, with `mode` on Unix (ignored elsewhere). The
/// temporary file is created exclusively (never an existing one, which another user could have
/// made), born with `mode`.
pub fn write_atomic(path: &Path, contents: &[u8], mode: u32) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir)?;
    }
    let (tmp, mut f) = {
        let mut tries = 0;
        loop {
            let tmp = temp_path(path);
            match create_new_with_mode(&tmp, mode) {
                Ok(f) => break (tmp, f),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && tries < 5 => tries += 1,
                Err(e) => return Err(e),
            }
        }
    };
    let result = (|| {
        f.write_all(contents)?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(path)
    })();
    drop(f);
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// `create_dir_all`, returning the folders it made (outermost first): those, and only those,
/// are the app's to remove.
pub fn create_dirs(path: &Path) -> io::Result<Vec<PathBuf>> {
    let mut missing: Vec<PathBuf> = path
        .ancestors()
        .take_while(|a| !a.as_os_str().is_empty() && !a.exists())
        .map(Path::to_path_buf)
        .collect();
    missing.reverse();
    fs::create_dir_all(path)?;
    Ok(missing)
}

/// Create a new file (never opening an existing one) born with `mode`.
pub fn create_new_with_mode(path: &Path, mode: u32) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(mode);
    }
    #[cfg(not(unix))]
    let _ = mode;
    o.open(path)
}

/// Remove the temporary files a crash left in `dir` and its node folders (older than `age`, so
/// a write in flight in another process is left alone). Returns how many.
pub fn sweep_temps(dir: &Path, age: std::time::Duration) -> usize {
    let mut dirs = vec![dir.to_path_buf()];
    if let Ok(nodes) = fs::read_dir(dir.join("nodes")) {
        dirs.extend(nodes.flatten().map(|e| e.path()).filter(|p| p.is_dir()));
    }
    let mut n = 0;
    for d in dirs {
        let Ok(entries) = fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let old = e
                .metadata()
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| t.elapsed().ok())
                .is_some_and(|a| a >= age);
            if name.starts_with('.')
                && name.contains(TEMP_MARK)
                && old
                && fs::remove_file(e.path()).is_ok()
            {
                n += 1;
            }
        }
    }
    n
}

/// Create (truncating) a file that is born with `mode`, so a secret is never readable by others
/// even for an instant.
pub fn create_with_mode(path: &Path, mode: u32) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(mode);
    }
    let f = o.open(path)?;
    set_mode(path, mode)?;
    Ok(f)
}

pub fn set_mode(path: &Path, mode: u32) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(path, fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = (path, mode);
    Ok(())
}

/// fsync the folder holding `path`, so a rename survives a power cut (no-op off Unix).
pub fn sync_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    if let Some(dir) = path.parent() {
        File::open(dir)?.sync_all()?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// "the disk is full" and friends, in words, for messages.
pub fn explain_io(e: &io::Error) -> String {
    match e.kind() {
        io::ErrorKind::StorageFull => "the disk is full; free some space and retry".into(),
        io::ErrorKind::PermissionDenied => {
            "permission denied; check the folder's owner and permissions".into()
        }
        io::ErrorKind::ReadOnlyFilesystem => "the disk is read-only".into(),
        _ => e.to_string(),
    }
}

/// Copy-truncate rotation: `log` → `log.1` → … → `log.<keep>`; the writer keeps its
/// append-mode descriptor and continues at the start of the emptied file.
pub fn rotate(log: &std::path::Path, max_bytes: u64, keep: u32) -> std::io::Result<bool> {
    let len = match std::fs::metadata(log) {
        Ok(m) => m.len(),
        Err(_) => return Ok(false),
    };
    if len < max_bytes || keep == 0 {
        return Ok(false);
    }
    let name = |i: u32| std::path::PathBuf::from(format!("{}.{i}", log.display()));
    let _ = std::fs::remove_file(name(keep));
    for i in (1..keep).rev() {
        let _ = std::fs::rename(name(i), name(i + 1));
    }
    std::fs::copy(log, name(1))?;
    std::fs::OpenOptions::new()
        .write(true)
        .open(log)?
        .set_len(0)?;
    Ok(true)
}

/// Open (creating, never truncating) a lock file: what it holds (a pid) stays readable.
pub fn open_lock_file(path: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
}

/// Open a lock file and wait for its exclusive lock, held as long as the file lives.
pub fn lock_exclusive(path: &Path) -> io::Result<File> {
    let f = open_lock_file(path)?;
    f.lock()?;
    Ok(f)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_and_sets_mode() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("sub/.env");
        write_atomic(&p, b"A=1\n", SECRET_MODE).unwrap();
        write_atomic(&p, b"A=2\n", SECRET_MODE).unwrap();
        assert_eq!(fs::read_to_string(&p).unwrap(), "A=2\n");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // No temp file left behind.
        assert_eq!(fs::read_dir(p.parent().unwrap()).unwrap().count(), 1);
    }
}

//! The app's and the daemon's own logs: `tracing` to `<data>/logs/<name>.log`, the user's alone
//! (0600), bounded in size by rotation (`<name>.log.1` … `.N`, the oldest dropped). Bug reports
//! include every log of `<data>/logs/` (redacted there).

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// The largest a log grows before it is rotated, and how many rotated parts are kept.
pub const MAX_BYTES: u64 = 5 << 20;
pub const KEEP: usize = 3;

/// The folder of the app's own logs.
pub fn dir(data: &Path) -> PathBuf {
    data.join("logs")
}

/// A file that rotates itself when it passes `max_bytes`.
#[derive(Clone)]
pub struct RotatingFile {
    inner: Arc<Mutex<Inner>>,
}

struct Inner {
    path: PathBuf,
    file: Option<File>,
    size: u64,
    max_bytes: u64,
    keep: usize,
    /// The last write ended a line: only there is the file rotated (a line is never split).
    at_line_start: bool,
}

fn open(path: &Path) -> io::Result<File> {
    let mut o = OpenOptions::new();
    o.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    o.open(path)
}

impl RotatingFile {
    pub fn new(path: PathBuf, max_bytes: u64, keep: usize) -> io::Result<RotatingFile> {
        if let Some(d) = path.parent() {
            std::fs::create_dir_all(d)?;
        }
        let file = open(&path)?;
        let size = file.metadata().map(|m| m.len()).unwrap_or(0);
        Ok(RotatingFile {
            inner: Arc::new(Mutex::new(Inner {
                path,
                file: Some(file),
                size,
                max_bytes,
                keep,
                at_line_start: true,
            })),
        })
    }
}

impl Inner {
    fn rotate(&mut self) -> io::Result<()> {
        self.file = None;
        let part = |n: usize| {
            let mut p = self.path.clone().into_os_string();
            p.push(format!(".{n}"));
            PathBuf::from(p)
        };
        let _ = std::fs::remove_file(part(self.keep));
        for n in (1..self.keep).rev() {
            let _ = std::fs::rename(part(n), part(n + 1));
        }
        if self.keep > 0 {
            std::fs::rename(&self.path, part(1))?;
        } else {
            std::fs::remove_file(&self.path)?;
        }
        self.file = Some(open(&self.path)?);
        self.size = 0;
        Ok(())
    }
}

impl Write for RotatingFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut i = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if i.at_line_start && i.size > 0 && i.size + buf.len() as u64 > i.max_bytes {
            // A failed rotation keeps writing to the file as it is (a log must not stop the app).
            let _ = i.rotate();
        }
        if i.file.is_none() {
            i.file = Some(open(&i.path)?);
        }
        let n = i.file.as_mut().map_or(Ok(0), |f| f.write(buf))?;
        i.size += n as u64;
        if n > 0 {
            i.at_line_start = buf[n - 1] == b'\n';
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut i = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        i.file.as_mut().map_or(Ok(()), |f| f.flush())
    }
}

/// Send this process's `tracing` events (info and above; `CORTENSOR_MANAGER_LOG` sets another
/// filter) to `<data>/logs/<name>.log`. Once per process; a second call, or a log that cannot
/// be opened, leaves things as they were (the app runs without its log rather than not at all).
pub fn init(data: &Path, name: &str) -> Option<PathBuf> {
    let path = dir(data).join(format!("{name}.log"));
    let file = RotatingFile::new(path.clone(), MAX_BYTES, KEEP).ok()?;
    let filter = tracing_subscriber::EnvFilter::try_from_env("CORTENSOR_MANAGER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(false)
        .with_target(true)
        .with_writer(move || file.clone())
        .finish();
    tracing::subscriber::set_global_default(subscriber).ok()?;
    Some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_log_rotates_at_its_size_and_keeps_its_parts() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("logs/app.log");
        let mut f = RotatingFile::new(p.clone(), 100, 2).unwrap();
        // One write per line, as tracing's formatter writes an event.
        for i in 0..10 {
            f.write_all(format!("line {i:02} {}\n", "x".repeat(30)).as_bytes())
                .unwrap();
        }
        // 10 lines of 40 bytes, 100 bytes a file: 2 lines per file; the two newest parts kept.
        let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_default();
        assert_eq!(read(&p).lines().count(), 2);
        assert!(read(&p).starts_with("line 08"));
        assert!(read(&d.path().join("logs/app.log.1")).starts_with("line 06"));
        assert!(read(&d.path().join("logs/app.log.2")).starts_with("line 04"));
        assert!(!d.path().join("logs/app.log.3").exists());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&p).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        // A new handle on the same file goes on where it was.
        let mut g = RotatingFile::new(p.clone(), 100, 2).unwrap();
        g.write_all(format!("line 10 {}\n", "x".repeat(30)).as_bytes())
            .unwrap();
        assert!(read(&p).starts_with("line 10"), "rotated: it was full");
    }

    #[test]
    fn a_line_written_in_pieces_is_never_split_across_files() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.log");
        let mut f = RotatingFile::new(p.clone(), 50, 5).unwrap();
        for i in 0..12 {
            // writeln! writes a line in several pieces.
            writeln!(f, "piece {i:02} {}", "y".repeat(20)).unwrap();
        }
        for part in std::fs::read_dir(d.path()).unwrap() {
            let text = std::fs::read_to_string(part.unwrap().path()).unwrap();
            assert!(text.ends_with('\n'), "{text:?}");
            assert!(
                text.lines()
                    .all(|l| l.starts_with("piece ") && l.len() == 29),
                "{text:?}"
            );
        }
    }
}

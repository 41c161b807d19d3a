//! The app's own operation logs: one line per install, update and IPFS install (what was asked,
//! what came of it) in `<data>/logs/<name>.log`, redacted, 0600, rotated at 1 MiB (3 kept).
//! Bug-report bundles include the ends of every log in `<data>/logs/`.

use std::io::Write;
use std::path::{Path, PathBuf};

pub const MAX_BYTES: u64 = 1 << 20;
pub const KEEP: u32 = 3;

pub fn path(data_dir: &Path, name: &str) -> PathBuf {
    data_dir.join("logs").join(format!("{name}.log"))
}

/// Append `line` (redacted, stamped with the time) to the `name` log. Failing to log never
/// fails the operation: the error is returned for the caller to ignore or show.
pub fn record(data_dir: &Path, name: &str, line: &str) -> std::io::Result<()> {
    let p = path(data_dir, name);
    if let Some(dir) = p.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::platform::fs::rotate(&p, MAX_BYTES, KEEP)?;
    let stamp = httpdate::fmt_http_date(
        std::time::UNIX_EPOCH
            + std::time::Duration::from_secs(crate::platform::clock::now_unix().max(0) as u64),
    );
    let mut f = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&p)?;
    crate::platform::fs::set_mode(&p, crate::platform::fs::SECRET_MODE)?;
    let text = crate::redact::Redactor::default()
        .redact(line.trim())
        .text
        .replace('\n', " ⏎ ");
    writeln!(f, "[{stamp}] {text}")
}

/// Record how an operation ended: `what` and its outcome or error, in one line.
pub fn outcome<T: std::fmt::Debug, E: std::fmt::Display>(
    data_dir: &Path,
    name: &str,
    what: &str,
    r: &Result<T, E>,
) {
    let line = match r {
        Ok(v) => format!("{what}: ok {v:?}"),
        Err(e) => format!("{what}: failed: {e}"),
    };
    let _ = record(data_dir, name, &line);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_stamped_redacted_private_and_rotated() {
        let d = tempfile::tempdir().unwrap();
        outcome::<u8, String>(
            d.path(),
            "install",
            "install from https://m.example/v2/SeCrEt123",
            &Err(format!("key 0x{}", "ab".repeat(32))),
        );
        outcome::<&str, String>(d.path(), "install", "install again", &Ok("v2"));
        let text = std::fs::read_to_string(path(d.path(), "install")).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2, "{text}");
        assert!(lines[0].starts_with('[') && lines[0].ends_with("install from https://m.example/v2/…[redacted key]: failed: key 0x…[redacted key]"), "{text}");
        assert!(lines[1].ends_with("install again: ok \"v2\""));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(path(d.path(), "install"))
                .unwrap()
                .permissions()
                .mode()
                & 0o777,
            0o600
        );
        std::fs::write(path(d.path(), "install"), vec![b'x'; MAX_BYTES as usize]).unwrap();
        record(d.path(), "install", "after rotation").unwrap();
        assert!(std::fs::read_to_string(path(d.path(), "install"))
            .unwrap()
            .ends_with("after rotation\n"));
        assert!(d.path().join("logs/install.log.1").exists());
    }
}

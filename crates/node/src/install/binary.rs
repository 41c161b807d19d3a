//! Installing and updating the `cortensord` binary: verified fetch to `cortensord.new`, then a
//! swap that keeps the previous binary for rollback. Every state a crash can leave is safe:
//!
//! | left behind                  | meaning                          | next run            |
//! |------------------------------|----------------------------------|---------------------|
//! | `.cortensord.new.part`       | unverified bytes (never run)     | resumes the download|
//! | `cortensord.new`             | verified, swap not done          | [`recover`] swaps   |
//! | `cortensord` + `.previous`   | swapped                          | nothing to do       |

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::download::{self, DownloadOptions, Expected, Progress};
use super::source::{resolve, ReleaseSource, Resolved};
use crate::nodes::Layout;
use crate::platform::{Arch, Os};
use crate::store::{InstallRecord, Store};

#[derive(Debug, thiserror::Error)]
pub enum BinaryError {
    #[error(transparent)]
    Source(#[from] super::source::SourceError),
    #[error(transparent)]
    Download(#[from] download::DownloadError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cannot {what}: {reason}")]
    Disk { what: String, reason: String },
    #[error("nothing to roll back to: no previous binary is kept")]
    NoPrevious,
    #[error("{0}")]
    Signing(String),
    #[error("refusing to install {to} (released {to_date}) over {from} (released {from_date}): it is an older release. If you mean to go back, ask for it (--allow-downgrade)")]
    Downgrade {
        from: String,
        from_date: String,
        to: String,
        to_date: String,
    },
}

fn day(secs: i64) -> String {
    httpdate::fmt_http_date(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs.max(0) as u64),
    )
}

/// What the user allowed for this install or update.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct InstallFlags {
    /// Install an older release than the installed one.
    pub allow_downgrade: bool,
    /// Accept a mirror's new signing key (and pin it).
    pub trust_new_key: bool,
}

/// A signature and the key it must verify with (base64 both).
pub type Signature = (String, String);

/// The signature the download must check, per the source's pinned key; and the key to pin
/// when this install pins one for the first time (or anew).
pub fn signing_for(
    store: &Store,
    source: &ReleaseSource,
    resolved: &super::source::Resolved,
    flags: &InstallFlags,
) -> Result<(Option<Signature>, Option<String>), BinaryError> {
    let where_ = source.describe();
    let pinned = super::signing::pinned(store, &where_);
    let sig = super::signing::decide(
        pinned.as_deref(),
        resolved.public_key.as_deref(),
        resolved.artifact.ed25519.as_deref(),
        flags.trust_new_key,
    )
    .map_err(BinaryError::Signing)?;
    let note = match (&sig, &pinned) {
        (Some((_, key)), p) if p.as_deref() != Some(key.as_str()) => Some(key.clone()),
        _ => None,
    };
    Ok((sig, note))
}

/// Pin `key` for `source` after a verified install, and say so.
pub fn pin_key(store: &Store, source: &ReleaseSource, key: &str) -> Result<String, BinaryError> {
    super::signing::pin(store, &source.describe(), key)?;
    Ok(format!(
        "pinned this mirror's signing key {}: every later release from it must be signed with it",
        super::signing::fingerprint(key)
    ))
}

/// An older release than the installed one (both dates known) is refused unless `allow`.
pub fn check_not_older(
    installed: Option<&InstallRecord>,
    resolved: &super::source::Resolved,
    allow: bool,
) -> Result<(), BinaryError> {
    match (
        installed.and_then(|i| i.released_at.map(|d| (i, d))),
        resolved.released_at,
    ) {
        (Some((i, old)), Some(new)) if new < old && !allow => Err(BinaryError::Downgrade {
            from: i.version.clone(),
            from_date: day(old),
            to: resolved.version.clone(),
            to_date: day(new),
        }),
        _ => Ok(()),
    }
}

fn disk(what: String, e: std::io::Error) -> BinaryError {
    BinaryError::Disk {
        what,
        reason: crate::platform::fs::explain_io(&e),
    }
}

fn new_binary(layout: &Layout) -> PathBuf {
    let b = layout.binary();
    b.with_file_name(format!("{}.new", b.file_name().unwrap().to_string_lossy()))
}

/// What `install`/`update` did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BinaryOutcome {
    pub version: String,
    pub sha256: String,
    /// Already installed and intact: nothing was downloaded.
    pub already_current: bool,
    pub previous_version: Option<String>,
    /// What the user should know about this release (e.g. a macOS build far behind Linux's).
    #[serde(default)]
    pub warnings: Vec<String>,
    /// Where it came from, in words.
    #[serde(default)]
    pub source: String,
}

/// Finish a swap that a crash interrupted (a verified `cortensord.new` is waiting).
pub fn recover(layout: &Layout) -> Result<bool, BinaryError> {
    let new = new_binary(layout);
    if !new.exists() {
        return Ok(false);
    }
    swap_in(layout, &new)?;
    Ok(true)
}

fn swap_in(layout: &Layout, new: &Path) -> Result<(), BinaryError> {
    let current = layout.binary();
    if current.exists() {
        std::fs::rename(&current, layout.previous_binary()).map_err(|e| {
            disk(
                format!(
                    "keep the previous binary as {}",
                    layout.previous_binary().display()
                ),
                e,
            )
        })?;
    }
    std::fs::rename(new, &current)
        .map_err(|e| disk(format!("put the new binary at {}", current.display()), e))?;
    crate::platform::fs::sync_dir(&current).map_err(|e| disk("sync the binary folder".into(), e))
}

/// Fetch (verified) the release for this machine into `cortensord.new`.
pub fn fetch(
    layout: &Layout,
    resolved: &Resolved,
    signature: Option<Signature>,
    opts: &DownloadOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<PathBuf, BinaryError> {
    let a = &resolved.artifact;
    let mut expected = Expected::sha256(a.size, &a.sha256);
    expected.signature = signature;
    let dest = new_binary(layout);
    match &resolved.local_file {
        Some(file) => {
            download::copy_verified(file, &expected, &dest, opts.mode)?;
            progress(&Progress {
                downloaded: a.size,
                total: a.size,
                bytes_per_sec: 0.0,
                eta_secs: Some(0.0),
            });
        }
        None => download::download(&a.url, &expected, &dest, opts, cancel, progress)?,
    }
    Ok(dest)
}

/// Remember what the app put in its binary folder (and the folder, when the app made it), for
/// uninstall; `files` that do not exist are not recorded.
pub fn record_bin(
    store: &Store,
    layout: &Layout,
    made_folder: bool,
    files: &[PathBuf],
) -> Result<(), BinaryError> {
    let mut made: Vec<crate::store::Written> = files
        .iter()
        .filter(|f| f.exists())
        .map(crate::store::Written::file)
        .collect();
    if made_folder {
        made.push(crate::store::Written::dir(layout.bin_dir()));
    }
    store.record_written(&made)?;
    Ok(())
}

/// Install (or update) the binary from `source`. Returns early when the installed binary is the
/// same release and still intact.
pub fn install(
    layout: &Layout,
    store: &Store,
    source: &ReleaseSource,
    opts: &DownloadOptions,
    flags: &InstallFlags,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<BinaryOutcome, BinaryError> {
    recover(layout)?;
    let resolved = resolve(source, Os::current(), Arch::current())?;
    let installed = store.installed()?;
    if let Some(i) = &installed {
        if i.sha256 == resolved.artifact.sha256 && intact(layout, &i.sha256) {
            return Ok(BinaryOutcome {
                version: i.version.clone(),
                sha256: i.sha256.clone(),
                already_current: true,
                previous_version: i.previous_version.clone(),
                warnings: resolved.warnings.clone(),
                source: source.describe_for_people(),
            });
        }
    }
    check_not_older(installed.as_ref(), &resolved, flags.allow_downgrade)?;
    let (signature, new_key) = signing_for(store, source, &resolved, flags)?;
    let bin_made = !layout.bin_dir().exists();
    let new = fetch(layout, &resolved, signature, opts, cancel, progress)?;
    swap_in(layout, &new)?;
    record_bin(
        store,
        layout,
        bin_made,
        &[layout.binary(), layout.previous_binary()],
    )?;
    let mut warnings = resolved.warnings.clone();
    if let Some(key) = new_key {
        warnings.push(pin_key(store, source, &key)?);
    }
    keep_env_example(layout, resolved.env_example_url.as_deref());
    record_bin(
        store,
        layout,
        false,
        &[layout.bin_dir().join("env-example")],
    )?;
    let record = InstallRecord {
        version: resolved.version.clone(),
        sha256: resolved.artifact.sha256.clone(),
        source: source.describe(),
        installed_at: crate::platform::clock::now_unix(),
        previous_version: installed.as_ref().map(|i| i.version.clone()),
        previous_sha256: installed.as_ref().map(|i| i.sha256.clone()),
        released_at: resolved.released_at,
    };
    store.set_installed(&record)?;
    Ok(BinaryOutcome {
        version: record.version,
        sha256: record.sha256,
        already_current: false,
        previous_version: record.previous_version,
        warnings,
        source: source.describe_for_people(),
    })
}

/// Keep the release's `.env-example` beside the binary (nodes' `.env` files are rendered from
/// it, comments included). Without one (or when it cannot be read), the embedded table of its
/// keys serves, and a stale copy is removed so it never pairs with another release.
fn keep_env_example(layout: &Layout, location: Option<&str>) {
    let dest = layout.bin_dir().join("env-example");
    let text = location.and_then(|l| {
        if l.contains("://") {
            let opts = crate::fetch::FetchOptions {
                max_body: 1 << 20,
                ..Default::default()
            };
            crate::fetch::get_text(l, &opts).ok()
        } else {
            std::fs::read_to_string(l).ok()
        }
    });
    // Only a file that reads as a .env example with the keys every node needs.
    let usable = text.filter(|t| {
        let keys = crate::node_env::entries(t);
        ["HOST", "NODE_PUBLIC_KEY", "CONTRACT_ADDRESS_RUNTIME"]
            .iter()
            .all(|k| keys.iter().any(|(key, _)| key == k))
    });
    match usable {
        Some(t) => {
            let _ = crate::platform::fs::write_atomic(&dest, t.as_bytes(), 0o644);
        }
        None => {
            let _ = std::fs::remove_file(&dest);
        }
    }
}

/// Whether the binary in place still has the recorded checksum.
pub fn intact(layout: &Layout, sha256: &str) -> bool {
    download::sha256_file(&layout.binary()).is_ok_and(|s| s == sha256)
}

/// Put the previous binary back (the failed one is kept as `cortensord.failed` for a bug report).
pub fn rollback(layout: &Layout, store: &Store) -> Result<InstallRecord, BinaryError> {
    let prev = layout.previous_binary();
    if !prev.exists() {
        return Err(BinaryError::NoPrevious);
    }
    let current = layout.binary();
    let failed = current.with_file_name(format!(
        "{}.failed",
        current.file_name().unwrap().to_string_lossy()
    ));
    if current.exists() {
        std::fs::rename(&current, &failed)
            .map_err(|e| disk("set the failed binary aside".into(), e))?;
    }
    std::fs::rename(&prev, &current).map_err(|e| disk("restore the previous binary".into(), e))?;
    crate::platform::fs::sync_dir(&current)
        .map_err(|e| disk("sync the binary folder".into(), e))?;
    let mut record = store.installed()?.ok_or(BinaryError::NoPrevious)?;
    if let (Some(v), Some(s)) = (
        record.previous_version.take(),
        record.previous_sha256.take(),
    ) {
        record.version = v;
        record.sha256 = s;
    }
    record.installed_at = crate::platform::clock::now_unix();
    store.set_installed(&record)?;
    Ok(record)
}

//! Verified downloads: streaming, resumable (HTTP Range), sha256 computed while downloading,
//! retries with backoff, timeouts, progress (bytes, rate, ETA), cancellable.
//!
//! Atomic: bytes go to `.<name>.part` in the target folder; only after the size, the sha256 and
//! (when given) the ed25519 signature check out is the file fsynced, made executable and renamed
//! over the target. Unverified bytes are never at the target path, so they are never executed.
//! A cancelled or interrupted download keeps its `.part` and resumes on the next call.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use base64::Engine;
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use ts_rs::TS;

use crate::platform::fs as fsutil;
use crate::platform::http;

/// What the downloaded bytes must be.
#[derive(Debug, Clone)]
pub struct Expected {
    pub size: Size,
    pub digest: Digest,
    /// (base64 signature over the raw sha256, base64 ed25519 public key).
    pub signature: Option<(String, String)>,
}

impl Expected {
    /// A release artifact: its exact size and sha256.
    pub fn sha256(size: u64, sha256: &str) -> Expected {
        Expected {
            size: Size::Exact(size),
            digest: Digest::Sha256(sha256.to_string()),
            signature: None,
        }
    }
}

/// How big the file is, as far as the publisher says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Size {
    Exact(u64),
    /// Not published (kubo publishes only a checksum): more than this many bytes is refused.
    AtMost(u64),
}

impl Size {
    fn limit(self) -> u64 {
        match self {
            Size::Exact(n) | Size::AtMost(n) => n,
        }
    }
}

/// The published checksum, lower-case hex.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Digest {
    Sha256(String),
    Sha512(String),
}

impl Digest {
    fn hex(&self) -> &str {
        match self {
            Digest::Sha256(h) | Digest::Sha512(h) => h,
        }
    }
    fn name(&self) -> &'static str {
        match self {
            Digest::Sha256(_) => "sha256",
            Digest::Sha512(_) => "sha512",
        }
    }
    fn hasher(&self) -> Hasher {
        match self {
            Digest::Sha256(_) => Hasher::Sha256(Sha256::new()),
            Digest::Sha512(_) => Hasher::Sha512(sha2::Sha512::new()),
        }
    }
}

enum Hasher {
    Sha256(Sha256),
    Sha512(sha2::Sha512),
}

impl Hasher {
    fn update(&mut self, bytes: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(bytes),
            Hasher::Sha512(h) => h.update(bytes),
        }
    }
    fn finalize(self) -> Vec<u8> {
        match self {
            Hasher::Sha256(h) => h.finalize().to_vec(),
            Hasher::Sha512(h) => h.finalize().to_vec(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct DownloadOptions {
    pub connect_timeout: Duration,
    /// The body must arrive within `body_timeout_base + size / min_rate`.
    pub body_timeout_base: Duration,
    pub min_rate_bytes_per_sec: u64,
    pub retries: u32,
    pub backoff: Duration,
    /// File mode of the result on Unix.
    pub mode: u32,
}

impl Default for DownloadOptions {
    fn default() -> Self {
        DownloadOptions {
            connect_timeout: Duration::from_secs(15),
            body_timeout_base: Duration::from_secs(60),
            min_rate_bytes_per_sec: 32 * 1024,
            retries: 5,
            backoff: Duration::from_secs(1),
            mode: 0o755,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Progress {
    #[ts(type = "number")]
    pub downloaded: u64,
    #[ts(type = "number")]
    pub total: u64,
    pub bytes_per_sec: f64,
    pub eta_secs: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    #[error("'{0}' is not a download address (http or https)")]
    BadUrl(String),
    #[error("the download server has no file at {url} (HTTP {status}); the release source may be out of date")]
    NotFound { url: String, status: u16 },
    /// The server refused, in its own words (GitHub's LFS: over its data quota, rate limited).
    #[error("the download server refused (HTTP {status}): “{message}”. Retry later, or use a mirror of the release (`--source MANIFEST_URL`)")]
    Refused {
        url: String,
        status: u16,
        message: String,
    },
    #[error("could not download {url} after {attempts} attempts: {reason}. Check your connection; the next try resumes where this one stopped.")]
    Network {
        url: String,
        attempts: u32,
        reason: String,
    },
    #[error("the download is bigger than the release can be ({got} > {expected} bytes): it is not the published file, so it was deleted and nothing was installed")]
    TooBig { expected: u64, got: u64 },
    #[error("the downloaded file does not match the published checksum (expected {algorithm} {expected}, got {got}): it is corrupt or was tampered with, so it was deleted and nothing was installed")]
    Checksum {
        algorithm: &'static str,
        expected: String,
        got: String,
    },
    #[error("the downloaded file's signature is not valid for the release key: it was deleted and nothing was installed")]
    BadSignature,
    #[error("cannot write the download to {path}: {reason}")]
    Disk { path: String, reason: String },
    #[error("the download was cancelled; it resumes where it stopped next time")]
    Cancelled,
}

fn disk_err(path: &Path, e: std::io::Error) -> DownloadError {
    DownloadError::Disk {
        path: path.display().to_string(),
        reason: fsutil::explain_io(&e),
    }
}

/// Where a resumable download of `dest` keeps its bytes: named after the digest it must
/// have, so a partial file of another artifact (an older release, another mirror's build) is
/// never resumed as this one.
pub fn download_part_path(dest: &Path, digest: &Digest) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let hex = digest.hex();
    let tag: String = hex
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .take(16)
        .collect();
    dest.with_file_name(format!(".{name}.{tag}.part"))
}

/// Partial downloads of `dest` for other digests (and the unnamed kind of earlier versions):
/// never resumed, so removed.
fn sweep_other_parts(dest: &Path, keep: &Path) {
    let (Some(dir), Some(name)) = (dest.parent(), dest.file_name()) else {
        return;
    };
    let prefix = format!(".{}.", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n.starts_with(&prefix) && n.ends_with(".part") && e.path() != keep {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Where a one-shot copy to `dest` is written before it is renamed into place.
pub fn part_path(dest: &Path) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dest.with_file_name(format!(".{name}.part"))
}

struct Rate {
    start: Instant,
    start_bytes: u64,
    last_emit: Option<Instant>,
}

/// Download `url` to `dest`, verified against `expected`. Calls `progress` at most ~10 times a
/// second and once at the end.
pub fn download(
    url: &str,
    expected: &Expected,
    dest: &Path,
    opts: &DownloadOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<(), DownloadError> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(DownloadError::BadUrl(url.into()));
    }
    let dir = dest.parent().unwrap_or(Path::new("."));
    fs::create_dir_all(dir).map_err(|e| disk_err(dir, e))?;
    let part = download_part_path(dest, &expected.digest);
    sweep_other_parts(dest, &part);

    // Hash what an earlier attempt left, so the network bytes are hashed once, as they arrive.
    // Only a file of published size is resumed: without one, a partial file cannot be trusted
    // to be a prefix of this release.
    let limit = expected.size.limit();
    let mut hasher = expected.digest.hasher();
    let mut have = match (expected.size, File::open(&part)) {
        (Size::Exact(size), Ok(mut f)) => {
            let len = f.metadata().map_err(|e| disk_err(&part, e))?.len();
            if len > size {
                0
            } else {
                let mut buf = vec![0u8; 1 << 16];
                loop {
                    let n = f.read(&mut buf).map_err(|e| disk_err(&part, e))?;
                    if n == 0 {
                        break;
                    }
                    hasher.update(&buf[..n]);
                }
                len
            }
        }
        _ => 0,
    };
    if have == 0 {
        hasher = expected.digest.hasher();
        fsutil::create_with_mode(&part, 0o600).map_err(|e| disk_err(&part, e))?;
    }

    let body_timeout =
        opts.body_timeout_base + Duration::from_secs(limit / opts.min_rate_bytes_per_sec.max(1));
    let agent = http::agent(http::Timeouts::Split {
        connect: opts.connect_timeout,
        body: body_timeout,
    });
    let mut rate = Rate {
        start: Instant::now(),
        start_bytes: have,
        last_emit: None,
    };
    // What progress counts to: the published size, else what the server announces.
    let mut total = limit;
    let mut attempts = 0;
    let mut backoff = opts.backoff;
    let mut buf = vec![0u8; 1 << 17];

    let complete = |have: u64| matches!(expected.size, Size::Exact(n) if have == n);
    while !complete(have) {
        if cancel.load(Ordering::Relaxed) {
            return Err(DownloadError::Cancelled);
        }
        attempts += 1;
        let range: Vec<(&str, String)> = if have > 0 {
            vec![("Range", format!("bytes={have}-"))]
        } else {
            vec![]
        };
        let failure: String = match http::get(&agent, url, &range) {
            Err(e) => e.to_string(),
            Ok(mut resp) => {
                let status = resp.status().as_u16();
                match status {
                    200 | 206 => {
                        if status == 200 && have > 0 {
                            // The server ignored the range: start over.
                            have = 0;
                            hasher = expected.digest.hasher();
                            rate = Rate {
                                start: Instant::now(),
                                start_bytes: 0,
                                last_emit: None,
                            };
                        }
                        if let Size::AtMost(_) = expected.size {
                            total = resp
                                .headers()
                                .get("content-length")
                                .and_then(|v| v.to_str().ok())
                                .and_then(|v| v.parse::<u64>().ok())
                                .map_or(limit, |n| (have + n).min(limit));
                        }
                        let mut file = OpenOptions::new()
                            .write(true)
                            .open(&part)
                            .map_err(|e| disk_err(&part, e))?;
                        file.set_len(have).map_err(|e| disk_err(&part, e))?;
                        std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(have))
                            .map_err(|e| disk_err(&part, e))?;
                        let mut reader = resp.body_mut().with_config().limit(u64::MAX).reader();
                        let mut failure = None;
                        loop {
                            if cancel.load(Ordering::Relaxed) {
                                file.flush().map_err(|e| disk_err(&part, e))?;
                                return Err(DownloadError::Cancelled);
                            }
                            let n = match reader.read(&mut buf) {
                                Ok(0) => break,
                                Ok(n) => n,
                                Err(e) => {
                                    failure = Some(e.to_string());
                                    break;
                                }
                            };
                            if have + n as u64 > limit {
                                drop(file);
                                let _ = fs::remove_file(&part);
                                return Err(DownloadError::TooBig {
                                    expected: limit,
                                    got: have + n as u64,
                                });
                            }
                            file.write_all(&buf[..n]).map_err(|e| disk_err(&part, e))?;
                            hasher.update(&buf[..n]);
                            have += n as u64;
                            emit(&mut rate, have, total.max(have), progress, false);
                        }
                        file.flush().map_err(|e| disk_err(&part, e))?;
                        match (failure, expected.size) {
                            (Some(f), _) => f,
                            (None, Size::Exact(size)) if have < size => format!(
                                "the server closed the connection at {have} of {size} bytes"
                            ),
                            (None, _) => break,
                        }
                    }
                    416 => {
                        // Our partial file does not fit the server's file: start over (and so
                        // does the rate, which counts from the bytes we had).
                        have = 0;
                        hasher = expected.digest.hasher();
                        rate = Rate {
                            start: Instant::now(),
                            start_bytes: 0,
                            last_emit: None,
                        };
                        fsutil::create_with_mode(&part, 0o600).map_err(|e| disk_err(&part, e))?;
                        "the server refused to resume (HTTP 416)".into()
                    }
                    403 | 429 | 509 => {
                        // GitHub's LFS says why (over its data quota, rate limited): show it.
                        let said = resp
                            .body_mut()
                            .with_config()
                            .limit(4096)
                            .read_to_string()
                            .unwrap_or_default();
                        let message = said.split_whitespace().collect::<Vec<_>>().join(" ");
                        if status == 403 && message.is_empty() {
                            return Err(DownloadError::NotFound {
                                url: url.into(),
                                status,
                            });
                        }
                        return Err(DownloadError::Refused {
                            url: url.into(),
                            status,
                            message: if message.is_empty() {
                                "too many requests".into()
                            } else {
                                message.chars().take(300).collect()
                            },
                        });
                    }
                    404 | 410 | 401 => {
                        return Err(DownloadError::NotFound {
                            url: url.into(),
                            status,
                        })
                    }
                    _ => format!("HTTP {status}"),
                }
            }
        };
        if attempts > opts.retries {
            return Err(DownloadError::Network {
                url: url.into(),
                attempts,
                reason: failure,
            });
        }
        std::thread::sleep(backoff);
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
    emit(&mut rate, have, have, progress, true);
    install_verified(&part, dest, hasher.finalize(), have, expected, opts.mode)
}

/// The last step of every fetch: check size, sha256 and signature of the bytes in `part`
/// (deleting them if they fail), then fsync, set `mode` and rename over `dest`.
fn install_verified(
    part: &Path,
    dest: &Path,
    digest: Vec<u8>,
    size: u64,
    expected: &Expected,
    mode: u32,
) -> Result<(), DownloadError> {
    let got = hex::encode(&digest);
    let size_ok = match expected.size {
        Size::Exact(n) => size == n,
        Size::AtMost(n) => size <= n,
    };
    if !size_ok || got != expected.digest.hex().to_ascii_lowercase() {
        let _ = fs::remove_file(part);
        return Err(DownloadError::Checksum {
            algorithm: expected.digest.name(),
            expected: expected.digest.hex().to_string(),
            got,
        });
    }
    if let Some((sig, key)) = &expected.signature {
        // The release key signs the raw sha256.
        if !matches!(expected.digest, Digest::Sha256(_)) || !verify_signature(&digest, sig, key) {
            let _ = fs::remove_file(part);
            return Err(DownloadError::BadSignature);
        }
    }
    File::open(part)
        .and_then(|f| f.sync_all())
        .map_err(|e| disk_err(part, e))?;
    fsutil::set_mode(part, mode).map_err(|e| disk_err(part, e))?;
    fs::rename(part, dest).map_err(|e| disk_err(dest, e))?;
    fsutil::sync_dir(dest).map_err(|e| disk_err(dest, e))
}

fn verify_signature(digest: &[u8], sig_b64: &str, key_b64: &str) -> bool {
    let b64 = base64::engine::general_purpose::STANDARD;
    let (Ok(sig), Ok(key)) = (b64.decode(sig_b64.trim()), b64.decode(key_b64.trim())) else {
        return false;
    };
    let (Ok(sig), Ok(key)) = (
        <[u8; 64]>::try_from(sig.as_slice()),
        <[u8; 32]>::try_from(key.as_slice()),
    ) else {
        return false;
    };
    let Ok(key) = ed25519_dalek::VerifyingKey::from_bytes(&key) else {
        return false;
    };
    key.verify_strict(digest, &ed25519_dalek::Signature::from_bytes(&sig))
        .is_ok()
}

fn emit(rate: &mut Rate, have: u64, total: u64, progress: &mut dyn FnMut(&Progress), last: bool) {
    let now = Instant::now();
    if !last
        && rate
            .last_emit
            .is_some_and(|t| now.duration_since(t) < Duration::from_millis(100))
    {
        return;
    }
    rate.last_emit = Some(now);
    let secs = now.duration_since(rate.start).as_secs_f64();
    let bytes_per_sec = if secs > 0.0 {
        have.saturating_sub(rate.start_bytes) as f64 / secs
    } else {
        0.0
    };
    let eta_secs = (bytes_per_sec > 0.0).then(|| total.saturating_sub(have) as f64 / bytes_per_sec);
    progress(&Progress {
        downloaded: have,
        total,
        bytes_per_sec,
        eta_secs,
    });
}

/// sha256 of a file, hex.
pub fn sha256_file(path: &Path) -> std::io::Result<String> {
    let mut f = File::open(path)?;
    let mut h = Sha256::new();
    let mut buf = vec![0u8; 1 << 17];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(hex::encode(h.finalize()))
}

/// Copy a local file to `dest` with the same guarantees as [`download`]: hashed while copied,
/// verified, then made executable and renamed into place.
pub fn copy_verified(
    src: &Path,
    expected: &Expected,
    dest: &Path,
    mode: u32,
) -> Result<(), DownloadError> {
    let part = part_path(dest);
    if let Some(dir) = dest.parent() {
        fs::create_dir_all(dir).map_err(|e| disk_err(dir, e))?;
    }
    let mut input = File::open(src).map_err(|e| DownloadError::Disk {
        path: src.display().to_string(),
        reason: fsutil::explain_io(&e),
    })?;
    let mut out = fsutil::create_with_mode(&part, 0o600).map_err(|e| disk_err(&part, e))?;
    let mut hasher = expected.digest.hasher();
    let mut buf = vec![0u8; 1 << 17];
    let mut total = 0u64;
    loop {
        let n = input.read(&mut buf).map_err(|e| disk_err(src, e))?;
        if n == 0 {
            break;
        }
        total += n as u64;
        if total > expected.size.limit() {
            drop(out);
            let _ = fs::remove_file(&part);
            return Err(DownloadError::TooBig {
                expected: expected.size.limit(),
                got: total,
            });
        }
        hasher.update(&buf[..n]);
        out.write_all(&buf[..n]).map_err(|e| disk_err(&part, e))?;
    }
    drop(out);
    install_verified(&part, dest, hasher.finalize(), total, expected, mode)
}

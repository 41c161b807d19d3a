//! kubo, the IPFS daemon the machine's first node runs (`ENABLE_IPFS_SERVER=1`): the release the
//! network profile pins, from kubo's distribution site, verified against the sha512 kubo
//! publishes beside each archive, unpacked into the app's `bin/` (which is first on every node's
//! `PATH`). Nothing outside the app's folder is touched and no administrator rights are needed.
//!
//! What to fetch is decided by pure functions ([`archive_name`], [`parse_sha512`]); [`install`]
//! is the one place that downloads and unpacks.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::download::{self, Digest, DownloadError, DownloadOptions, Expected, Progress, Size};
use crate::network::Ipfs;
use crate::nodes::Layout;
use crate::platform::fs as fsutil;
use crate::platform::{Arch, Os};

/// kubo's archives are about 40 MB; anything past this is not one.
pub const MAX_ARCHIVE: u64 = 256 << 20;
/// Nor is an `ipfs` program past this size.
const MAX_PROGRAM: u64 = 512 << 20;
/// A checksum file is one line.
const MAX_CHECKSUM_FILE: u64 = 4096;

#[derive(Debug, thiserror::Error)]
pub enum KuboError {
    #[error("kubo publishes no build for this computer ({0}); install IPFS yourself (https://docs.ipfs.tech/install/command-line/)")]
    NoBuild(String),
    #[error("kubo's checksum file {url} is not one (expected a sha512 line for {archive}): {why}")]
    BadChecksumFile {
        url: String,
        archive: String,
        why: String,
    },
    #[error("cannot download kubo's checksum {url}: {why}")]
    Checksum { url: String, why: String },
    #[error("kubo: {0}")]
    Download(#[from] DownloadError),
    #[error("kubo's archive {archive} has no {program} inside: it is not a kubo release")]
    NotInArchive { archive: String, program: String },
    #[error("cannot unpack kubo's archive {archive}: {why}")]
    Unpack { archive: String, why: String },
    #[error("cannot install kubo into {path}: {why}")]
    Disk { path: String, why: String },
}

/// What was installed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct KuboInstall {
    pub version: String,
    pub path: String,
    /// The sha512 the archive was checked against (kubo's published one).
    pub archive_sha512: String,
}

/// kubo's archive for an OS and CPU, e.g. `kubo_v0.33.0_linux-amd64.tar.gz`.
pub fn archive_name(version: &str, os: Os, arch: Option<Arch>) -> Result<String, KuboError> {
    let arch = match arch {
        Some(Arch::X86_64) => "amd64",
        Some(Arch::Aarch64) => "arm64",
        None => return Err(KuboError::NoBuild(std::env::consts::ARCH.into())),
    };
    let (os, ext) = match os {
        Os::Linux => ("linux", "tar.gz"),
        Os::Macos => ("darwin", "tar.gz"),
        Os::Windows => ("windows", "zip"),
    };
    Ok(format!("kubo_{version}_{os}-{arch}.{ext}"))
}

/// The archive's URL and its checksum file's URL.
pub fn urls(ipfs: &Ipfs, archive: &str) -> (String, String) {
    let base = format!(
        "{}/{}/{archive}",
        ipfs.dist.trim_end_matches('/'),
        ipfs.version
    );
    let sum = format!("{base}.sha512");
    (base, sum)
}

/// The sha512 for `archive` in a checksum file: `sha512sum` lines (`HEX  NAME`, `HEX *NAME`)
/// or a lone hash.
pub fn parse_sha512(text: &str, archive: &str) -> Result<String, String> {
    let is_hash = |h: &str| h.len() == 128 && h.bytes().all(|b| b.is_ascii_hexdigit());
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    for line in &lines {
        let mut parts = line.split_whitespace();
        let (Some(hash), name) = (parts.next(), parts.next()) else {
            continue;
        };
        let name = name.map(|n| n.trim_start_matches('*'));
        let for_us = match name {
            Some(n) => n == archive || n.rsplit('/').next() == Some(archive),
            None => lines.len() == 1,
        };
        if for_us {
            return if is_hash(hash) {
                Ok(hash.to_ascii_lowercase())
            } else {
                Err(format!("'{hash}' is not a sha512 (128 hex digits)"))
            };
        }
    }
    Err("no line names it".into())
}

/// The `ipfs` program the app installed, if any.
pub fn installed(layout: &Layout) -> Option<PathBuf> {
    let p = layout.bin_dir().join(layout.exe("ipfs"));
    p.is_file().then_some(p)
}

/// Download kubo's archive for this machine, check it against kubo's published sha512, and put
/// its `ipfs` into the app's `bin/` (atomically: a half-written program is never there).
pub fn install(
    layout: &Layout,
    ipfs: &Ipfs,
    arch: Option<Arch>,
    opts: &DownloadOptions,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<KuboInstall, KuboError> {
    let archive = archive_name(&ipfs.version, layout.os, arch)?;
    let (url, sum_url) = urls(ipfs, &archive);
    let fetch = crate::fetch::FetchOptions {
        max_body: MAX_CHECKSUM_FILE,
        ..Default::default()
    };
    let text = crate::fetch::get_text(&sum_url, &fetch).map_err(|e| KuboError::Checksum {
        url: sum_url.clone(),
        why: e.to_string(),
    })?;
    let sha512 = parse_sha512(&text, &archive).map_err(|why| KuboError::BadChecksumFile {
        url: sum_url.clone(),
        archive: archive.clone(),
        why,
    })?;
    let bin = layout.bin_dir();
    let disk = |path: &Path, e: std::io::Error| KuboError::Disk {
        path: path.display().to_string(),
        why: fsutil::explain_io(&e),
    };
    std::fs::create_dir_all(&bin).map_err(|e| disk(&bin, e))?;
    let downloaded = bin.join(format!(".{archive}"));
    let expected = Expected {
        size: Size::AtMost(MAX_ARCHIVE),
        digest: Digest::Sha512(sha512.clone()),
        signature: None,
    };
    let opts = DownloadOptions {
        mode: 0o600,
        ..opts.clone()
    };
    download::download(&url, &expected, &downloaded, &opts, cancel, progress)?;
    let program = layout.exe("ipfs");
    let dest = bin.join(&program);
    let result = unpack(&downloaded, &archive, &program, &dest);
    let _ = std::fs::remove_file(&downloaded);
    result?;
    Ok(KuboInstall {
        version: ipfs.version.clone(),
        path: dest.display().to_string(),
        archive_sha512: sha512,
    })
}

/// Copy `kubo/<program>` out of the archive to `dest` (through a `.part` file, then renamed).
fn unpack(archive_path: &Path, archive: &str, program: &str, dest: &Path) -> Result<(), KuboError> {
    let unpack_err = |why: String| KuboError::Unpack {
        archive: archive.into(),
        why,
    };
    let part = download::part_path(dest);
    let disk = |e: std::io::Error| KuboError::Disk {
        path: part.display().to_string(),
        why: fsutil::explain_io(&e),
    };
    let wanted = format!("kubo/{program}");
    let file = std::fs::File::open(archive_path).map_err(|e| unpack_err(e.to_string()))?;
    let mut out = fsutil::create_with_mode(&part, 0o600).map_err(disk)?;
    let copied = if archive.ends_with(".zip") {
        let mut zip = zip::ZipArchive::new(file).map_err(|e| unpack_err(e.to_string()))?;
        let copied = match zip.by_name(&wanted) {
            Ok(entry) => Some(copy_capped(entry, &mut out).map_err(unpack_err)?),
            Err(zip::result::ZipError::FileNotFound) => None,
            Err(e) => return Err(unpack_err(e.to_string())),
        };
        copied
    } else {
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let mut found = None;
        for entry in tar.entries().map_err(|e| unpack_err(e.to_string()))? {
            let entry = entry.map_err(|e| unpack_err(e.to_string()))?;
            let path = entry.path().map_err(|e| unpack_err(e.to_string()))?;
            let path = path.to_string_lossy().trim_start_matches("./").to_string();
            if path == wanted && entry.header().entry_type().is_file() {
                found = Some(copy_capped(entry, &mut out).map_err(unpack_err)?);
                break;
            }
        }
        found
    };
    drop(out);
    if copied.is_none() {
        let _ = std::fs::remove_file(&part);
        return Err(KuboError::NotInArchive {
            archive: archive.into(),
            program: wanted,
        });
    }
    std::fs::File::open(&part)
        .and_then(|f| f.sync_all())
        .map_err(disk)?;
    fsutil::set_mode(&part, 0o755).map_err(disk)?;
    std::fs::rename(&part, dest).map_err(disk)?;
    fsutil::sync_dir(dest).map_err(disk)
}

fn copy_capped(entry: impl Read, out: &mut std::fs::File) -> Result<u64, String> {
    let n = std::io::copy(&mut entry.take(MAX_PROGRAM + 1), out).map_err(|e| e.to_string())?;
    if n > MAX_PROGRAM {
        return Err(format!(
            "its ipfs program is over {} MiB",
            MAX_PROGRAM >> 20
        ));
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn archive_names_follow_kubos_dist_layout() {
        let name = |os, arch| archive_name("v0.33.0", os, arch).map_err(|e| e.to_string());
        assert_eq!(
            name(Os::Linux, Some(Arch::X86_64)).unwrap(),
            "kubo_v0.33.0_linux-amd64.tar.gz"
        );
        assert_eq!(
            name(Os::Linux, Some(Arch::Aarch64)).unwrap(),
            "kubo_v0.33.0_linux-arm64.tar.gz"
        );
        assert_eq!(
            name(Os::Macos, Some(Arch::Aarch64)).unwrap(),
            "kubo_v0.33.0_darwin-arm64.tar.gz"
        );
        assert_eq!(
            name(Os::Windows, Some(Arch::X86_64)).unwrap(),
            "kubo_v0.33.0_windows-amd64.zip"
        );
        assert!(name(Os::Linux, None).unwrap_err().contains("no build"));
        let ipfs = Ipfs {
            version: "v0.33.0".into(),
            dist: "https://dist.ipfs.tech/kubo/".into(),
        };
        assert_eq!(
            urls(&ipfs, "kubo_v0.33.0_linux-amd64.tar.gz"),
            (
                "https://dist.ipfs.tech/kubo/v0.33.0/kubo_v0.33.0_linux-amd64.tar.gz".into(),
                "https://dist.ipfs.tech/kubo/v0.33.0/kubo_v0.33.0_linux-amd64.tar.gz.sha512".into()
            )
        );
    }

    #[test]
    fn checksum_files_are_read_strictly() {
        let h = "ab".repeat(64);
        let a = "kubo_v0.33.0_linux-amd64.tar.gz";
        assert_eq!(parse_sha512(&format!("{h}  {a}\n"), a).unwrap(), h);
        assert_eq!(parse_sha512(&format!("{h} *{a}"), a).unwrap(), h);
        assert_eq!(
            parse_sha512(&format!("{}\n", h.to_uppercase()), a).unwrap(),
            h
        );
        // Another archive's line is not ours; a short hash is not a sha512.
        let other = format!("{h}  kubo_v0.33.0_darwin-arm64.tar.gz\n");
        assert!(parse_sha512(&other, a).is_err());
        assert!(parse_sha512(&format!("{}  {a}", "ab".repeat(32)), a)
            .unwrap_err()
            .contains("128 hex"));
        assert!(parse_sha512("<html>Not Found</html>\n<p>x</p>", a).is_err());
        assert!(parse_sha512("", a).is_err());
    }
}

//! Release manifests: which `cortensord` to download for this OS and architecture, its size,
//! sha256, and the signature of a signing mirror (see `signing`).
//!
//! Format (JSON, `format: 1`; URLs may be relative to the manifest):
//! ```json
//! {"format": 1, "version": "0.0.1-3f2a9c1",
//!  "artifacts": [{"os": "linux", "arch": "x86_64", "url": "cortensord", "size": 133169152,
//!                 "sha256": "<64 hex>", "ed25519": "<base64 signature of the 32-byte sha256>"}]}
//! ```
//! The official distribution publishes no manifest: its only integrity anchor is the Git LFS
//! pointer of each binary (`oid sha256:…`, `size …`). [`from_lfs_pointer`] turns a pointer into
//! an artifact, so the official source is "read the pointer, download the LFS object, verify".

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::platform::{Arch, Os};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Artifact {
    pub os: Os,
    pub arch: Arch,
    pub url: String,
    #[ts(type = "number")]
    pub size: u64,
    /// Lower-case hex.
    pub sha256: String,
    /// Base64 ed25519 signature over the 32 raw bytes of the sha256, when the source signs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ed25519: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Manifest {
    pub format: u32,
    pub version: String,
    pub artifacts: Vec<Artifact>,
    /// Upstream's `.env-example` of this release (a URL or path relative to the manifest).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub env_example: Option<String>,
    /// When the release was made (RFC 3339, `2026-11-20T10:00:00Z`): an older release than the
    /// installed one is not installed unless the user asks for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub released_at: Option<String>,
    /// The mirror's ed25519 public key (base64): pinned on first use; from then on every
    /// artifact of this mirror must carry a valid `ed25519` signature by it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub public_key: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ManifestError {
    #[error("the release manifest is not valid: {0}")]
    Invalid(String),
    #[error(
        "the release has no cortensord for {os}/{arch}; Cortensor may not support this machine yet"
    )]
    NoArtifact { os: &'static str, arch: String },
    #[error("this is not a Git LFS pointer (expected `oid sha256:…` and `size …` lines)")]
    NotAPointer,
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.bytes()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

impl Manifest {
    pub fn parse(text: &str) -> Result<Manifest, ManifestError> {
        let m: Manifest =
            serde_json::from_str(text).map_err(|e| ManifestError::Invalid(e.to_string()))?;
        if m.format != 1 {
            return Err(ManifestError::Invalid(format!(
                "format {} is not supported (this app reads 1)",
                m.format
            )));
        }
        if m.version.trim().is_empty() {
            return Err(ManifestError::Invalid("`version` is empty".into()));
        }
        if let Some(when) = &m.released_at {
            if crate::platform::clock::iso_secs(when).is_none() {
                return Err(ManifestError::Invalid(format!(
                    "`released_at` must be a UTC time like 2026-11-20T10:00:00Z (got '{when}')"
                )));
            }
        }
        for (i, a) in m.artifacts.iter().enumerate() {
            if !is_sha256_hex(&a.sha256) {
                return Err(ManifestError::Invalid(format!(
                    "artifacts[{i}].sha256 must be 64 lower-case hex digits"
                )));
            }
            if a.size == 0 {
                return Err(ManifestError::Invalid(format!(
                    "artifacts[{i}].size must be above 0"
                )));
            }
            if a.url.trim().is_empty() {
                return Err(ManifestError::Invalid(format!(
                    "artifacts[{i}].url is empty"
                )));
            }
        }
        Ok(m)
    }

    pub fn artifact_for(&self, os: Os, arch: Option<Arch>) -> Result<&Artifact, ManifestError> {
        let no = || ManifestError::NoArtifact {
            os: os.name(),
            arch: std::env::consts::ARCH.to_string(),
        };
        let arch = arch.ok_or_else(no)?;
        self.artifacts
            .iter()
            .find(|a| a.os == os && a.arch == arch)
            .ok_or_else(no)
    }
}

/// An artifact from a Git LFS pointer file (`version …`, `oid sha256:<hex>`, `size <n>`).
pub fn from_lfs_pointer(
    pointer: &str,
    os: Os,
    arch: Arch,
    object_url: &str,
) -> Result<Artifact, ManifestError> {
    let mut sha = None;
    let mut size = None;
    for line in pointer.lines() {
        if let Some(v) = line.strip_prefix("oid sha256:") {
            sha = Some(v.trim().to_ascii_lowercase());
        } else if let Some(v) = line.strip_prefix("size ") {
            size = v.trim().parse::<u64>().ok();
        }
    }
    match (sha, size) {
        (Some(sha256), Some(size)) if is_sha256_hex(&sha256) && size > 0 => Ok(Artifact {
            os,
            arch,
            url: object_url.to_string(),
            size,
            sha256,
            ed25519: None,
        }),
        _ => Err(ManifestError::NotAPointer),
    }
}

/// The pointer's version tag for display: the first 7 hex digits of the object id.
pub fn lfs_version(artifact: &Artifact) -> String {
    format!("lfs-{}", &artifact.sha256[..7])
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

    #[test]
    fn parses_and_picks_the_artifact() {
        let text = format!(
            r#"{{"format": 1, "version": "0.0.1-abc", "artifacts": [
                {{"os": "linux", "arch": "x86_64", "url": "cortensord", "size": 4, "sha256": "{SHA}"}},
                {{"os": "macos", "arch": "aarch64", "url": "cortensord-darwin", "size": 4, "sha256": "{SHA}"}}]}}"#
        );
        let m = Manifest::parse(&text).unwrap();
        assert_eq!(
            m.artifact_for(Os::Macos, Some(Arch::Aarch64)).unwrap().url,
            "cortensord-darwin"
        );
        let err = m
            .artifact_for(Os::Windows, Some(Arch::X86_64))
            .unwrap_err()
            .to_string();
        assert!(err.contains("no cortensord for windows"), "{err}");
    }

    #[test]
    fn rejects_bad_manifests() {
        for (text, expect) in [
            ("{", "not valid"),
            (
                r#"{"format": 2, "version": "x", "artifacts": []}"#,
                "format 2",
            ),
            (
                r#"{"format": 1, "version": "x", "artifacts": [{"os": "linux", "arch": "x86_64", "url": "u", "size": 4, "sha256": "abc"}]}"#,
                "sha256",
            ),
            (
                r#"{"format": 1, "version": "x", "artifacts": [{"os": "beos", "arch": "x86_64", "url": "u", "size": 4, "sha256": "abc"}]}"#,
                "beos",
            ),
            (
                r#"{"format": 1, "version": "x", "released_at": "last tuesday", "artifacts": []}"#,
                "released_at",
            ),
        ] {
            let err = Manifest::parse(text).unwrap_err().to_string();
            assert!(err.contains(expect), "{text}: {err}");
        }
    }

    #[test]
    fn reads_a_git_lfs_pointer() {
        let pointer = format!(
            "version https://git-lfs.github.com/spec/v1\noid sha256:{SHA}\nsize 133169152\n"
        );
        let a =
            from_lfs_pointer(&pointer, Os::Linux, Arch::X86_64, "http://127.0.0.1/obj").unwrap();
        assert_eq!((a.size, a.sha256.as_str()), (133169152, SHA));
        assert_eq!(lfs_version(&a), "lfs-9f86d08");
        assert_eq!(
            from_lfs_pointer("\x7fELF binary", Os::Linux, Arch::X86_64, "u"),
            Err(ManifestError::NotAPointer)
        );
    }
}

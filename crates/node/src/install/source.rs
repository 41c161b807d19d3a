//! Where `cortensord` comes from: the official distribution (Git LFS pointers of the official
//! installer repository, by default), a mirror's manifest URL, or a local folder holding a
//! `manifest.json` and the binaries.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::manifest::{from_lfs_pointer, lfs_version, Arch, Artifact, Manifest, ManifestError, Os};

/// The official installer repository's raw files (LFS pointers) and LFS objects.
pub const OFFICIAL_POINTER_BASE: &str =
    "https://raw.githubusercontent.com/cortensor/installer/main/dist/";
pub const OFFICIAL_OBJECT_BASE: &str =
    "https://media.githubusercontent.com/media/cortensor/installer/main/dist/";

#[derive(Debug, Clone, PartialEq)]
pub enum ReleaseSource {
    /// The official binaries, verified against their Git LFS pointers.
    Official {
        pointer_base: String,
        object_base: String,
    },
    /// A manifest at a URL (a mirror).
    Manifest(String),
    /// A folder with `manifest.json` (URLs relative to the folder).
    Dir(PathBuf),
}

impl ReleaseSource {
    pub fn official() -> ReleaseSource {
        ReleaseSource::Official {
            pointer_base: OFFICIAL_POINTER_BASE.into(),
            object_base: OFFICIAL_OBJECT_BASE.into(),
        }
    }

    /// `official`, an http(s) manifest URL, or a folder.
    pub fn parse(text: &str) -> Result<ReleaseSource, SourceError> {
        let t = text.trim();
        if t.is_empty() || t == "official" {
            return Ok(ReleaseSource::official());
        }
        if t.contains("://") {
            let url = url::Url::parse(t)
                .map_err(|e| SourceError::BadSource(format!("'{t}' is not a URL: {e}")))?;
            if !matches!(url.scheme(), "http" | "https") {
                return Err(SourceError::BadSource(format!(
                    "'{t}': only http and https are supported"
                )));
            }
            return Ok(ReleaseSource::Manifest(url.to_string()));
        }
        let p = PathBuf::from(t);
        if !p.join("manifest.json").is_file() {
            return Err(SourceError::BadSource(format!(
                "the folder {} has no manifest.json",
                p.display()
            )));
        }
        Ok(ReleaseSource::Dir(p))
    }

    pub fn describe(&self) -> String {
        match self {
            ReleaseSource::Official { .. } => "official".into(),
            ReleaseSource::Manifest(u) => u.clone(),
            ReleaseSource::Dir(p) => p.display().to_string(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    #[error("{0}")]
    BadSource(String),
    #[error("cannot read the release information at {location}: {reason}")]
    Fetch { location: String, reason: String },
    #[error("{location}: {source}")]
    Manifest {
        location: String,
        source: ManifestError,
    },
}

/// What to install: a version and the artifact for this machine, with an absolute URL (or a
/// local file for folder sources).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub version: String,
    pub artifact: Artifact,
    pub local_file: Option<PathBuf>,
}

fn get_text(url: &str) -> Result<String, SourceError> {
    let opts = crate::fetch::FetchOptions {
        timeout: Duration::from_secs(30),
        retries: 2,
        backoff: Duration::from_millis(600),
    };
    crate::fetch::get_text(url, &opts).map_err(|e| SourceError::Fetch {
        location: url.into(),
        reason: match e {
            crate::fetch::FetchError::Http {
                reason, attempts, ..
            } => format!("{reason} (tried {attempts} times)"),
            crate::fetch::FetchError::Status { status, hint, .. } => {
                format!("HTTP {status}: {hint}")
            }
            other => other.to_string(),
        },
    })
}

/// The official file name of `cortensord` for an OS and architecture.
pub fn official_file(os: Os, arch: Arch) -> &'static str {
    match (os, arch) {
        (Os::Linux, _) => "cortensord",
        (Os::Macos, Arch::Aarch64) => "cortensord-darwin",
        (Os::Macos, Arch::X86_64) => "cortensord-darwin-amd64",
        (Os::Windows, _) => "cortensord.exe",
    }
}

pub fn resolve(
    source: &ReleaseSource,
    os: Os,
    arch: Option<Arch>,
) -> Result<Resolved, SourceError> {
    match source {
        ReleaseSource::Official {
            pointer_base,
            object_base,
        } => {
            let arch = arch.ok_or_else(|| SourceError::Manifest {
                location: "official".into(),
                source: ManifestError::NoArtifact {
                    os: os.name(),
                    arch: std::env::consts::ARCH.into(),
                },
            })?;
            let file = official_file(os, arch);
            let pointer_url = format!("{pointer_base}{file}");
            let pointer = get_text(&pointer_url)?;
            let artifact = from_lfs_pointer(&pointer, os, arch, &format!("{object_base}{file}"))
                .map_err(|source| SourceError::Manifest {
                    location: pointer_url,
                    source,
                })?;
            Ok(Resolved {
                version: lfs_version(&artifact),
                artifact,
                local_file: None,
            })
        }
        ReleaseSource::Manifest(url) => {
            let m = Manifest::parse(&get_text(url)?).map_err(|source| SourceError::Manifest {
                location: url.clone(),
                source,
            })?;
            let mut artifact = m
                .artifact_for(os, arch)
                .map_err(|source| SourceError::Manifest {
                    location: url.clone(),
                    source,
                })?
                .clone();
            let base = url::Url::parse(url).expect("validated");
            artifact.url = base
                .join(&artifact.url)
                .map_err(|e| {
                    SourceError::BadSource(format!("artifact URL '{}': {e}", artifact.url))
                })?
                .to_string();
            Ok(Resolved {
                version: m.version,
                artifact,
                local_file: None,
            })
        }
        ReleaseSource::Dir(dir) => {
            let path = dir.join("manifest.json");
            let text = std::fs::read_to_string(&path).map_err(|e| SourceError::Fetch {
                location: path.display().to_string(),
                reason: e.to_string(),
            })?;
            let location = path.display().to_string();
            let m = Manifest::parse(&text).map_err(|source| SourceError::Manifest {
                location: location.clone(),
                source,
            })?;
            let artifact = m
                .artifact_for(os, arch)
                .map_err(|source| SourceError::Manifest { location, source })?
                .clone();
            let file = resolve_local(dir, &artifact.url);
            Ok(Resolved {
                version: m.version,
                artifact,
                local_file: Some(file),
            })
        }
    }
}

fn resolve_local(dir: &Path, rel: &str) -> PathBuf {
    let p = Path::new(rel);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        dir.join(p)
    }
}

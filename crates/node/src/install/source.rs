//! Where `cortensord` comes from: the official distribution (Git LFS pointers of the official
//! installer repository, by default), a mirror's manifest URL, or a local folder holding a
//! `manifest.json` and the binaries.

use std::path::{Path, PathBuf};
use std::time::Duration;

pub use crate::platform::clock::{iso_days, iso_secs};

use super::manifest::{from_lfs_pointer, lfs_version, Arch, Artifact, Manifest, ManifestError, Os};
use crate::store::Store;

/// The official installer repository: its API (to pin `main` to one commit), its raw files
/// (LFS pointers, `.env-example`) and its LFS objects, each at a commit.
pub const OFFICIAL_API: &str = "https://api.github.com/repos/cortensor/installer";
pub const OFFICIAL_RAW: &str = "https://raw.githubusercontent.com/cortensor/installer";
pub const OFFICIAL_MEDIA: &str = "https://media.githubusercontent.com/media/cortensor/installer";
/// Tests (and mirrors of the same layout) point the official source elsewhere:
/// `<base>/api`, `<base>/raw`, `<base>/media` stand for the three above.
pub const OFFICIAL_BASE_ENV: &str = "CORTENSOR_MANAGER_OFFICIAL_BASE";

/// A Git LFS pointer is about 130 bytes; a larger file there is a binary, not a pointer.
const POINTER_MAX: u64 = 1024;

#[derive(Debug, Clone, PartialEq)]
pub enum ReleaseSource {
    /// The official binaries, verified against their Git LFS pointers at one commit of `main`.
    Official {
        api: String,
        raw: String,
        media: String,
    },
    /// A manifest at a URL (a mirror).
    Manifest(String),
    /// A folder with `manifest.json` (URLs relative to the folder).
    Dir(PathBuf),
}

impl ReleaseSource {
    pub fn official() -> ReleaseSource {
        match std::env::var(OFFICIAL_BASE_ENV)
            .ok()
            .filter(|b| !b.is_empty())
        {
            Some(base) => {
                let base = base.trim_end_matches('/');
                ReleaseSource::Official {
                    api: format!("{base}/api"),
                    raw: format!("{base}/raw"),
                    media: format!("{base}/media"),
                }
            }
            None => ReleaseSource::Official {
                api: OFFICIAL_API.into(),
                raw: OFFICIAL_RAW.into(),
                media: OFFICIAL_MEDIA.into(),
            },
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
            secure_url(&url, "a release manifest")?;
            return Ok(ReleaseSource::Manifest(url.to_string()));
        }
        let p = PathBuf::from(t);
        if !p.exists() && looks_like_web_address(t) {
            return Err(SourceError::BadSource(format!(
                "'{t}' looks like a web address with a typo: write it in full, starting with https:// (or give a folder that exists)"
            )));
        }
        if !p.is_dir() {
            return Err(SourceError::BadSource(format!(
                "there is no folder {}: give `official`, a release manifest's https:// address, or a folder holding manifest.json",
                p.display()
            )));
        }
        if !p.join("manifest.json").is_file() {
            return Err(SourceError::BadSource(format!(
                "the folder {} has no manifest.json",
                p.display()
            )));
        }
        Ok(ReleaseSource::Dir(p))
    }

    /// The source in words, for the install screen ("Cortensor's official distribution", a
    /// mirror's address, a folder).
    pub fn describe_for_people(&self) -> String {
        match self {
            ReleaseSource::Official { .. } => {
                "Cortensor's official distribution (GitHub, cortensor/installer)".into()
            }
            ReleaseSource::Manifest(u) => format!("the release manifest at {u}"),
            ReleaseSource::Dir(p) => format!("the folder {}", p.display()),
        }
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
    #[error("there is no current cortensord for {0}: Cortensor publishes it for Linux on x86-64 and macOS on Apple silicon only (the Windows and Intel-Mac files upstream predate the current network and would be refused by it). Run your nodes on a Linux x86-64 machine (a server, or WSL2 on Windows)")]
    NoCurrentRelease(String),
}

/// Manifests and their artifacts only over https (plain http only on this machine, for a
/// local mirror or a test): on the way, anyone could swap a manifest and its checksums.
fn secure_url(u: &url::Url, what: &str) -> Result<(), SourceError> {
    match (u.scheme(), u.host_str()) {
        ("https", Some(_)) => Ok(()),
        ("http", Some("127.0.0.1" | "localhost")) => Ok(()),
        ("http", _) => Err(SourceError::BadSource(format!(
            "{what} must come over https:// ({u} is plain http; http:// only on 127.0.0.1)"
        ))),
        _ => Err(SourceError::BadSource(format!(
            "'{u}': {what} must be an https:// address"
        ))),
    }
}

/// What to install: a version and the artifact for this machine, with an absolute URL (or a
/// local file for folder sources).
#[derive(Debug, Clone, PartialEq)]
pub struct Resolved {
    pub version: String,
    pub artifact: Artifact,
    pub local_file: Option<PathBuf>,
    /// The installer commit the official release was read at (pointer, object and
    /// `.env-example` all from it).
    pub commit: Option<String>,
    /// Upstream's `.env-example` of the same release, when the source publishes one.
    pub env_example_url: Option<String>,
    /// What the user should know about this release (e.g. a macOS build far behind Linux's).
    pub warnings: Vec<String>,
    /// When it was released (unix seconds): the pinned commit's date (official), the
    /// manifest's `released_at` (a mirror), unknown for a folder without one.
    pub released_at: Option<i64>,
    /// The mirror's signing key (its manifest's `public_key`); none for the official source.
    pub public_key: Option<String>,
}

/// Whether `t` (no `://` in it) was meant as a web address: `http:/…`, `https:…`, `www.…`, or
/// a host name with a dot before the first `/`.
fn looks_like_web_address(t: &str) -> bool {
    let lower = t.to_ascii_lowercase();
    if lower.starts_with("http") || lower.starts_with("www.") {
        return true;
    }
    let first = lower.split('/').next().unwrap_or("");
    !t.starts_with('.')
        && !t.starts_with('/')
        && !t.starts_with('~')
        && first.contains('.')
        && first
            .rsplit('.')
            .next()
            .is_some_and(|tld| tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_alphabetic()))
        && t.contains('/')
}

/// How far behind Linux's build the macOS one may fall before the user is told. A guess:
/// upstream publishes no support policy for its macOS build.
pub const MAC_LAG_WARN_DAYS: i64 = 30;

/// A warning when the Apple-silicon build was last changed much earlier than Linux's.
pub fn mac_lag_warning(mac_days: i64, linux_days: i64) -> Option<String> {
    let lag = linux_days - mac_days;
    (lag > MAC_LAG_WARN_DAYS).then(|| {
        format!(
            "the macOS build of cortensord is {lag} days older than the Linux build; the network may refuse it. If your node does not register or earn, run it on Linux (a server, or a Linux VM)"
        )
    })
}

/// The day (since 1970) of the last commit that changed `path`, at `commit`.
fn last_change(api: &str, commit: &str, path: &str, cache: Option<&Store>) -> Option<i64> {
    let url = format!("{api}/commits?path={path}&sha={commit}&per_page=1");
    let text = get_text_capped(&url, 1 << 20, cache).ok()?;
    let v: serde_json::Value = serde_json::from_str(&text).ok()?;
    iso_days(v.pointer("/0/commit/committer/date")?.as_str()?)
}

fn get_text(url: &str, cache: Option<&Store>) -> Result<String, SourceError> {
    get_text_capped(url, 16 << 20, cache)
}

fn get_text_capped(url: &str, max_body: u64, cache: Option<&Store>) -> Result<String, SourceError> {
    let opts = crate::fetch::FetchOptions {
        timeout: Duration::from_secs(30),
        retries: 2,
        backoff: Duration::from_millis(600),
        max_body,
    };
    crate::fetch::get_text_cached(url, &opts, cache).map_err(|e| SourceError::Fetch {
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

/// The official file of the current `cortensord` for an OS and architecture: only the Git LFS
/// files are current (`dist/cortensord` for Linux x86-64, `dist/cortensord-darwin` for Apple
/// silicon); `cortensord.exe` and `cortensord-darwin-amd64` are plain files that predate the
/// current network, and there is no ARM Linux build.
pub fn official_file(os: Os, arch: Arch) -> Option<&'static str> {
    match (os, arch) {
        (Os::Linux, Arch::X86_64) => Some("cortensord"),
        (Os::Macos, Arch::Aarch64) => Some("cortensord-darwin"),
        _ => None,
    }
}

/// The commit `main` points at now: every file of one release is read at it, so a push during
/// a download is not mistaken for tampering.
pub fn main_commit(api: &str, cache: Option<&Store>) -> Result<String, SourceError> {
    main_commit_dated(api, cache).map(|(sha, _)| sha)
}

/// [`main_commit`] and its committer date (unix seconds), when the answer has one.
pub fn main_commit_dated(
    api: &str,
    cache: Option<&Store>,
) -> Result<(String, Option<i64>), SourceError> {
    let url = format!("{api}/commits/main");
    let text = get_text_capped(&url, 1 << 20, cache)?;
    let v = serde_json::from_str::<serde_json::Value>(&text).ok();
    let sha = v
        .as_ref()
        .and_then(|v| v.get("sha").and_then(|s| s.as_str()).map(str::to_string))
        .filter(|s| s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit()));
    let date = v
        .as_ref()
        .and_then(|v| v.pointer("/commit/committer/date")?.as_str())
        .and_then(iso_secs);
    sha.map(|s| (s, date)).ok_or_else(|| SourceError::Fetch {
        location: url,
        reason: "the answer has no commit id (`sha`)".into(),
    })
}

pub fn resolve(
    source: &ReleaseSource,
    os: Os,
    arch: Option<Arch>,
) -> Result<Resolved, SourceError> {
    resolve_with(source, os, arch, None)
}

/// [`resolve`], asking conditionally when `cache` holds earlier answers (the daemon's hourly
/// check: an unchanged `main` costs a 304, not a rate-limited API call).
pub fn resolve_with(
    source: &ReleaseSource,
    os: Os,
    arch: Option<Arch>,
    cache: Option<&Store>,
) -> Result<Resolved, SourceError> {
    match source {
        ReleaseSource::Official { api, raw, media } => {
            let label = |a: &str| format!("{}/{a}", os.name());
            let arch =
                arch.ok_or_else(|| SourceError::NoCurrentRelease(label(std::env::consts::ARCH)))?;
            let file = official_file(os, arch).ok_or_else(|| {
                SourceError::NoCurrentRelease(label(match arch {
                    Arch::X86_64 => "x86_64",
                    Arch::Aarch64 => "aarch64",
                }))
            })?;
            let (commit, released_at) = main_commit_dated(api, cache)?;
            let pointer_url = format!("{raw}/{commit}/dist/{file}");
            let pointer = match get_text_capped(&pointer_url, POINTER_MAX, cache) {
                Err(SourceError::Fetch { reason, .. }) if reason.contains("larger than") => {
                    return Err(SourceError::NoCurrentRelease(format!(
                        "{} ({file} upstream is a plain file, not a current release)",
                        label(std::env::consts::ARCH)
                    )))
                }
                other => other?,
            };
            let artifact =
                from_lfs_pointer(&pointer, os, arch, &format!("{media}/{commit}/dist/{file}"))
                    .map_err(|source| SourceError::Manifest {
                        location: pointer_url,
                        source,
                    })?;
            // Apple silicon: say so when its build lags far behind Linux's.
            let warnings = match (os, arch) {
                (Os::Macos, Arch::Aarch64) => {
                    let linux = official_file(Os::Linux, Arch::X86_64).unwrap_or("cortensord");
                    last_change(api, &commit, &format!("dist/{file}"), cache)
                        .zip(last_change(api, &commit, &format!("dist/{linux}"), cache))
                        .and_then(|(mac, linux)| mac_lag_warning(mac, linux))
                        .into_iter()
                        .collect()
                }
                _ => Vec::new(),
            };
            Ok(Resolved {
                version: format!("{}@{}", lfs_version(&artifact), &commit[..7]),
                artifact,
                local_file: None,
                env_example_url: Some(format!("{raw}/{commit}/dist/.env-example")),
                commit: Some(commit),
                released_at,
                public_key: None,
                warnings,
            })
        }
        ReleaseSource::Manifest(url) => {
            let m = Manifest::parse(&get_text(url, cache)?).map_err(|source| {
                SourceError::Manifest {
                    location: url.clone(),
                    source,
                }
            })?;
            let mut artifact = m
                .artifact_for(os, arch)
                .map_err(|source| SourceError::Manifest {
                    location: url.clone(),
                    source,
                })?
                .clone();
            let base = url::Url::parse(url).expect("validated");
            let joined = base.join(&artifact.url).map_err(|e| {
                SourceError::BadSource(format!("artifact URL '{}': {e}", artifact.url))
            })?;
            // A manifest fetched over https cannot send the download to plain http.
            secure_url(&joined, "the manifest's artifact")?;
            artifact.url = joined.to_string();
            Ok(Resolved {
                env_example_url: m
                    .env_example
                    .as_ref()
                    .and_then(|e| base.join(e).ok())
                    .map(|u| u.to_string()),
                version: m.version,
                artifact,
                local_file: None,
                commit: None,
                released_at: m.released_at.as_deref().and_then(iso_secs),
                public_key: m.public_key.clone(),
                warnings: Vec::new(),
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
                env_example_url: m
                    .env_example
                    .as_ref()
                    .map(|e| resolve_local(dir, e).display().to_string()),
                version: m.version,
                artifact,
                local_file: Some(file),
                commit: None,
                released_at: m.released_at.as_deref().and_then(iso_secs),
                public_key: m.public_key.clone(),
                warnings: Vec::new(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_times_in_seconds() {
        assert_eq!(iso_secs("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            iso_secs("2026-11-20T10:00:01Z"),
            Some(iso_days("2026-11-20").unwrap() * 86_400 + 36_001)
        );
        assert_eq!(
            iso_secs("2026-11-20T10:00:01.250+00:00"),
            iso_secs("2026-11-20T10:00:01Z")
        );
        for bad in [
            "2026-11-20",
            "2026-11-20T25:00:00Z",
            "2026-11-20T10:00:00+02:00",
            "2026-11-20T10:00Z",
        ] {
            assert_eq!(iso_secs(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_typed_web_address_is_not_taken_for_a_folder() {
        for typo in [
            "http:/mirror.example/manifest.json",
            "https:mirror.example/m.json",
            "www.mirror.example/manifest.json",
            "mirror.example.com/cortensor/manifest.json",
        ] {
            let e = ReleaseSource::parse(typo).unwrap_err().to_string();
            assert!(e.contains("looks like a web address"), "{typo}: {e}");
        }
        let e = ReleaseSource::parse("./no-such-release")
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("there is no folder ./no-such-release"), "{e}");
        let e = ReleaseSource::parse("ftp://mirror.example/m.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("must be an https:// address"), "{e}");
        // Plain http only on this machine.
        let e = ReleaseSource::parse("http://mirror.example/m.json")
            .unwrap_err()
            .to_string();
        assert!(e.contains("must come over https://"), "{e}");
        assert!(ReleaseSource::parse("http://127.0.0.1:8080/m.json").is_ok());
        assert!(ReleaseSource::parse("https://mirror.example/m.json").is_ok());
        let dir = std::env::temp_dir();
        let e = ReleaseSource::parse(dir.to_str().unwrap())
            .unwrap_err()
            .to_string();
        assert!(e.contains("has no manifest.json"), "{e}");
    }

    #[test]
    fn commit_dates_and_the_mac_lag() {
        // Worked by hand: 2000-03-01 is 30 years (7 leap days) plus Jan and Feb of 2000.
        assert_eq!(iso_days("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(
            iso_days("2000-03-01T12:00:00Z"),
            Some(30 * 365 + 7 + 31 + 29)
        );
        assert_eq!(iso_days("2024-02-29"), Some(19_782));
        assert_eq!(iso_days("2024-03-01"), Some(19_783));
        assert_eq!(iso_days("2026-13-01T00:00:00Z"), None);
        assert_eq!(iso_days("yesterday"), None);
        assert_eq!(mac_lag_warning(100, 130), None);
        let w = mac_lag_warning(100, 131).unwrap();
        assert!(
            w.starts_with("the macOS build of cortensord is 31 days older"),
            "{w}"
        );
    }
}

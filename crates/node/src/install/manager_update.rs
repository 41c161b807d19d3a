//! The manager updating itself — the headless CLI's `self-update` (the desktop app uses Tauri's
//! updater with the same release's `latest.json`). The feed is a static release manifest
//! (`manifest.json`, the `self_update` crate's schema 1) published with every release beside the
//! CLI's `.tar.gz` per OS/arch (`scripts/package.sh` names them); each archive carries an
//! ed25519 signature (zipsign) that must match the release key built into this program, and the
//! manifest's sha256 digest. A download that fails either check is refused and nothing changes.
//!
//! What to decide is pure here ([`asset_target`], [`feed_for`], [`packaged_by`], [`trusted_keys`]);
//! [`check`] and [`apply`] are the edge that talks to the feed and replaces the executable.

use std::path::{Path, PathBuf};

use base64::Engine;

/// Where the project publishes its releases' CLI manifest, per channel. GUESS (marked): the
/// project's release page on GitHub; a mirror is given with `--feed`.
pub const STABLE_FEED: &str = "https://github.com/cortensor-community/cortensor-node-manager/releases/latest/download/manifest.json";
/// The beta channel's manifest (pre-releases included).
pub const BETA_FEED: &str = "https://github.com/cortensor-community/cortensor-node-manager/releases/download/beta/manifest.json";

/// The release key's public half (ed25519, base64): every archive the CLI installs must carry a
/// zipsign signature by its private half, which only the release workflow holds (secret
/// `ZIPSIGN_KEY`, see installers/README.md).
pub const RELEASE_KEY: &str = "Ud7GHyAj6OLQlNy53j+Ly5gUyJPidvwQhS8ZRP58XgE=";

/// In debug builds only (the tests' builds), this variable names one more trusted key (base64),
/// so the tests can sign their own releases; release builds ignore it.
pub const TEST_KEY_VAR: &str = "CORTENSOR_MANAGER_UPDATE_KEY";

/// The program's name inside the archives and on disk.
const BIN: &str = "cortensor-manager";

#[derive(Debug, thiserror::Error)]
pub enum ManagerUpdateError {
    #[error("{0}")]
    BadFeed(String),
    #[error("could not read the release feed {feed}: {reason}")]
    Feed { feed: String, reason: String },
    #[error("refused the download of {version}: {reason}. Nothing was changed; the running version keeps working")]
    Refused { version: String, reason: String },
    #[error("{0}")]
    Packaged(String),
    #[error("could not install {version}: {reason}. The running version keeps working")]
    Install { version: String, reason: String },
}

/// The update channel: stable releases, or beta (pre-releases too).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Stable,
    Beta,
}

impl Channel {
    pub fn parse(s: &str) -> Option<Channel> {
        match s.trim() {
            "stable" => Some(Channel::Stable),
            "beta" => Some(Channel::Beta),
            _ => None,
        }
    }
}

/// The feed to read: the one given (a mirror), else the channel's. Only https (plain http only
/// on this machine, for a local mirror or a test).
pub fn feed_for(given: Option<&str>, channel: Channel) -> Result<String, ManagerUpdateError> {
    let feed = match given {
        Some(f) => f.trim().to_string(),
        None => match channel {
            Channel::Stable => STABLE_FEED.to_string(),
            Channel::Beta => BETA_FEED.to_string(),
        },
    };
    let u = url::Url::parse(&feed)
        .map_err(|e| ManagerUpdateError::BadFeed(format!("'{feed}' is not a feed address: {e}")))?;
    match (u.scheme(), u.host_str()) {
        ("https", Some(_)) => Ok(feed),
        ("http", Some("127.0.0.1" | "localhost")) => Ok(feed),
        _ => Err(ManagerUpdateError::BadFeed(format!(
            "'{feed}': the release feed must be an https:// address (http:// only on 127.0.0.1)"
        ))),
    }
}

/// This build's name in the release's archive names (`cortensor-manager-<version>-<target>.tar.gz`,
/// as `scripts/package.sh` names them from `uname`).
pub fn asset_target(os: &str, arch: &str) -> String {
    let os = match os {
        "macos" => "darwin",
        other => other,
    };
    format!("{os}-{arch}")
}

/// Whether a package manager owns the executable (it would undo or break a replaced file): the
/// advice to update through it instead.
pub fn packaged_by(exe: &Path) -> Option<String> {
    let s = exe.to_string_lossy();
    if s.starts_with("/usr/bin/") || s.starts_with("/usr/sbin/") || s.starts_with("/bin/") {
        Some(format!(
            "{} was installed by your package manager: update it there (download the new .deb or .rpm from the release page and install it with `sudo apt install ./cortensor-manager_….deb` or `sudo dnf install ./cortensor-manager-….rpm`)",
            exe.display()
        ))
    } else {
        None
    }
}

/// The keys a download may be signed by: the release key, and in debug builds the tests' key.
pub fn trusted_keys(
    test_key: Option<&str>,
) -> Result<Vec<self_update::VerifyingKey>, ManagerUpdateError> {
    let decode = |b64: &str, what: &str| -> Result<self_update::VerifyingKey, ManagerUpdateError> {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|e| ManagerUpdateError::BadFeed(format!("{what} is not base64: {e}")))?;
        <[u8; 32]>::try_from(raw.as_slice()).map_err(|_| {
            ManagerUpdateError::BadFeed(format!("{what} is not a 32-byte ed25519 public key"))
        })
    };
    let mut keys = vec![decode(RELEASE_KEY, "the release key")?];
    if cfg!(debug_assertions) {
        if let Some(k) = test_key.filter(|k| !k.trim().is_empty()) {
            keys.push(decode(k, TEST_KEY_VAR)?);
        }
    }
    Ok(keys)
}

/// What the feed offers this build.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Offer {
    pub current: String,
    /// The newest release newer than `current` (`None`: up to date).
    pub newer: Option<String>,
    pub feed: String,
}

/// What [`apply`] did.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Applied {
    pub from: String,
    /// The version now installed (`from` when already up to date).
    pub to: String,
    pub updated: bool,
    pub exe: PathBuf,
}

fn updater(
    feed: &str,
    current: &str,
    exe: &Path,
    progress: Option<Box<dyn Fn(u64, Option<u64>) + Send + Sync>>,
) -> Result<self_update::backends::manifest::Update, ManagerUpdateError> {
    let keys = trusted_keys(std::env::var(TEST_KEY_VAR).ok().as_deref())?;
    let target = asset_target(std::env::consts::OS, std::env::consts::ARCH);
    let mut b = self_update::backends::manifest::Update::configure();
    b.manifest_url(feed)
        .bin_name(BIN)
        .current_version(current)
        .target(&target)
        .bin_path_in_archive(format!("{BIN}-{{{{ version }}}}-{target}/{{{{ bin }}}}"))
        .bin_install_path(exe)
        .verifying_keys(keys)
        .verify_release_digest(true)
        .unattended()
        .show_download_progress(false);
    if let Some(p) = progress {
        b.progress_callback(p);
    }
    b.build()
        .map_err(|e| ManagerUpdateError::BadFeed(e.to_string()))
}

/// The desktop app's feed (`latest.json`, Tauri's updater format) read for a newer version
/// than `current` — what the tray process shows ("Update available"); the app's own updater
/// downloads and checks the signature when the user installs it.
pub fn newer_in_app_feed(latest_json: &str, current: &str) -> Result<Option<String>, String> {
    let v: serde_json::Value = serde_json::from_str(latest_json)
        .map_err(|e| format!("the app's update feed is not JSON: {e}"))?;
    let version = v
        .get("version")
        .and_then(|v| v.as_str())
        .ok_or("the app's update feed names no version")?;
    let version = version.trim_start_matches('v');
    match self_update::version::bump_is_greater(current, version) {
        Ok(true) => Ok(Some(version.to_string())),
        Ok(false) => Ok(None),
        Err(e) => Err(format!(
            "the app's update feed names version '{version}': {e}"
        )),
    }
}

/// Ask the feed whether a newer release exists for this build.
pub fn check(feed: &str, current: &str) -> Result<Offer, ManagerUpdateError> {
    let exe = std::env::current_exe().unwrap_or_else(|_| PathBuf::from(BIN));
    let u = updater(feed, current, &exe, None)?;
    let newer = u
        .is_update_available()
        .map_err(|e| ManagerUpdateError::Feed {
            feed: feed.to_string(),
            reason: e.to_string(),
        })?;
    Ok(Offer {
        current: current.to_string(),
        newer: newer.map(|r| r.version().to_string()),
        feed: feed.to_string(),
    })
}

/// Download the newest release, check its signature and digest, and replace `exe` with it (the
/// running program keeps running; the next start is the new version). Refused (nothing changed)
/// when the signature or digest do not match, or a package manager owns `exe`.
pub fn apply(
    feed: &str,
    current: &str,
    exe: &Path,
    progress: Box<dyn Fn(u64, Option<u64>) + Send + Sync>,
) -> Result<Applied, ManagerUpdateError> {
    if let Some(advice) = packaged_by(exe) {
        return Err(ManagerUpdateError::Packaged(advice));
    }
    let offer = check(feed, current)?;
    let Some(version) = offer.newer else {
        return Ok(Applied {
            from: current.to_string(),
            to: current.to_string(),
            updated: false,
            exe: exe.to_path_buf(),
        });
    };
    let u = updater(feed, current, exe, Some(progress))?;
    match u.update() {
        Ok(s) => Ok(Applied {
            from: current.to_string(),
            to: s.version().to_string(),
            updated: matches!(s, self_update::VersionStatus::Updated(_)),
            exe: exe.to_path_buf(),
        }),
        Err(e) => Err(classify(&version, e)),
    }
}

/// A refusal (signature, digest) says so; anything else is an install failure.
fn classify(version: &str, e: self_update::errors::Error) -> ManagerUpdateError {
    use self_update::errors::Error as E;
    let reason = e.to_string();
    match e {
        E::NoSignatures(_) | E::Signature(_) => ManagerUpdateError::Refused {
            version: version.to_string(),
            reason: format!("it is not signed by the release key ({reason})"),
        },
        E::ChecksumMismatch { .. } => ManagerUpdateError::Refused {
            version: version.to_string(),
            reason: format!("it is not the file the feed describes ({reason})"),
        },
        _ => ManagerUpdateError::Install {
            version: version.to_string(),
            reason,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_feed_is_read_for_a_newer_version_only() {
        let feed = |v: &str| format!(r#"{{"version":"{v}","notes":"n","platforms":{{}}}}"#);
        assert_eq!(
            newer_in_app_feed(&feed("0.2.0"), "0.1.0"),
            Ok(Some("0.2.0".into()))
        );
        assert_eq!(
            newer_in_app_feed(&feed("v0.1.1"), "0.1.0"),
            Ok(Some("0.1.1".into()))
        );
        assert_eq!(
            newer_in_app_feed(&feed("0.1.0"), "0.1.0"),
            Ok(None),
            "the same"
        );
        assert_eq!(
            newer_in_app_feed(&feed("0.0.9"), "0.1.0"),
            Ok(None),
            "older"
        );
        assert!(newer_in_app_feed("<html>", "0.1.0")
            .unwrap_err()
            .contains("not JSON"));
        assert!(newer_in_app_feed("{}", "0.1.0")
            .unwrap_err()
            .contains("no version"));
        assert!(newer_in_app_feed(&feed("soon"), "0.1.0")
            .unwrap_err()
            .contains("'soon'"));
    }

    #[test]
    fn the_feed_is_the_channels_or_a_secure_mirror() {
        assert_eq!(feed_for(None, Channel::Stable).unwrap(), STABLE_FEED);
        assert_eq!(feed_for(None, Channel::Beta).unwrap(), BETA_FEED);
        assert_eq!(
            feed_for(Some(" https://mirror.example/m.json "), Channel::Stable).unwrap(),
            "https://mirror.example/m.json"
        );
        assert!(feed_for(Some("http://127.0.0.1:9/m.json"), Channel::Stable).is_ok());
        for bad in [
            "http://mirror.example/m.json",
            "file:///etc/passwd",
            "not a url",
            "",
        ] {
            let e = feed_for(Some(bad), Channel::Stable)
                .unwrap_err()
                .to_string();
            assert!(e.contains(bad.trim()) || bad.is_empty(), "{e}");
        }
        assert_eq!(Channel::parse("beta"), Some(Channel::Beta));
        assert_eq!(Channel::parse("nightly"), None);
    }

    #[test]
    fn archive_names_follow_the_package_script() {
        assert_eq!(asset_target("linux", "x86_64"), "linux-x86_64");
        assert_eq!(asset_target("macos", "aarch64"), "darwin-aarch64");
        assert_eq!(asset_target("windows", "x86_64"), "windows-x86_64");
    }

    #[test]
    fn a_package_managers_file_is_not_replaced() {
        assert!(packaged_by(Path::new("/usr/bin/cortensor-manager"))
            .unwrap()
            .contains("package manager"));
        assert_eq!(
            packaged_by(Path::new("/home/op/.local/bin/cortensor-manager")),
            None
        );
        assert_eq!(
            packaged_by(Path::new("/usr/local/bin/cortensor-manager")),
            None
        );
    }

    #[test]
    fn only_well_formed_keys_are_trusted() {
        let keys = trusted_keys(None).unwrap();
        assert_eq!(keys.len(), 1, "the release key alone");
        let extra = base64::engine::general_purpose::STANDARD.encode([7u8; 32]);
        assert_eq!(
            trusted_keys(Some(&extra)).unwrap().len(),
            2,
            "debug build: the test key too"
        );
        assert!(trusted_keys(Some("short")).is_err());
        let e = trusted_keys(Some("AAAA")).unwrap_err().to_string();
        assert!(e.contains("32-byte"), "{e}");
    }
}

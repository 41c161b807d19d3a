//! Verified, resumable downloads against a real release server on 127.0.0.1.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine;
use cortensor_node::install::download::{
    download, download_part_path, sha256_file, Digest, DownloadError, DownloadOptions, Expected,
    Progress, Size,
};
use cortensor_test_support::{Behaviour, FileSpec, FixtureServer};
use ed25519_dalek::Signer;
use sha2::{Digest as _, Sha256};

fn payload(len: usize) -> Arc<Vec<u8>> {
    let mut x: u32 = 12345;
    Arc::new(
        (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
                (x >> 16) as u8
            })
            .collect(),
    )
}

/// The partial download of `dest` (named after the digest it must have), or a path that does
/// not exist.
fn part_of(dest: &Path) -> std::path::PathBuf {
    let prefix = format!(".{}.", dest.file_name().unwrap().to_string_lossy());
    std::fs::read_dir(dest.parent().unwrap())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .find(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with(&prefix) && n.ends_with(".part")
        })
        .unwrap_or_else(|| dest.with_file_name("no-part"))
}

fn expected(bytes: &[u8]) -> Expected {
    Expected::sha256(bytes.len() as u64, &hex::encode(Sha256::digest(bytes)))
}

fn fast() -> DownloadOptions {
    DownloadOptions {
        backoff: Duration::from_millis(10),
        body_timeout_base: Duration::from_secs(10),
        ..DownloadOptions::default()
    }
}

fn fetch(
    url: &str,
    exp: &Expected,
    dest: &Path,
    opts: &DownloadOptions,
) -> (Result<(), DownloadError>, Vec<Progress>) {
    let mut seen = Vec::new();
    let r = download(url, exp, dest, opts, &AtomicBool::new(false), &mut |p| {
        seen.push(p.clone())
    });
    (r, seen)
}

#[test]
fn happy_path_verifies_reports_progress_and_is_executable() {
    let server = FixtureServer::start();
    let bytes = payload(3 << 20);
    let url = server.route(
        "/cortensord",
        Behaviour::File(FileSpec {
            bytes: bytes.clone(),
            ranges: true,
            ..Default::default()
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("bin/cortensord");
    let (r, progress) = fetch(&url, &expected(&bytes), &dest, &fast());
    r.unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), *bytes);
    assert!(!part_of(&dest).exists());
    let last = progress.last().unwrap();
    assert_eq!(
        (last.downloaded, last.total),
        (bytes.len() as u64, bytes.len() as u64)
    );
    assert!(progress
        .windows(2)
        .all(|w| w[0].downloaded <= w[1].downloaded));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&dest).unwrap().permissions().mode() & 0o777,
            0o755
        );
    }
    assert_eq!(
        sha256_file(&dest).unwrap(),
        hex::encode(Sha256::digest(&*bytes))
    );
}

#[test]
fn an_interrupted_download_resumes_with_a_range_request() {
    let server = FixtureServer::start();
    let bytes = payload(2 << 20);
    let url = server.route(
        "/c",
        Behaviour::File(FileSpec {
            bytes: bytes.clone(),
            ranges: true,
            cut_after: Some(700_000),
            cuts: 1,
            stall: None,
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cortensord");
    fetch(&url, &expected(&bytes), &dest, &fast()).0.unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), *bytes);
    let seen = server.requests("/c");
    assert_eq!(seen.len(), 2);
    assert_eq!(
        (seen[1].status, seen[1].if_none_match.as_deref()),
        (206, Some("range 700000"))
    );
}

#[test]
fn a_server_without_ranges_restarts_from_zero() {
    let server = FixtureServer::start();
    let bytes = payload(1 << 20);
    let url = server.route(
        "/c",
        Behaviour::File(FileSpec {
            bytes: bytes.clone(),
            ranges: false,
            cut_after: Some(300_000),
            cuts: 1,
            stall: None,
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cortensord");
    fetch(&url, &expected(&bytes), &dest, &fast()).0.unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), *bytes);
    assert_eq!(server.requests("/c")[1].status, 200);
}

#[test]
fn a_truncated_file_fails_keeps_its_part_and_a_later_run_resumes() {
    let server = FixtureServer::start();
    let bytes = payload(1 << 20);
    let cut = FileSpec {
        bytes: bytes.clone(),
        ranges: true,
        cut_after: Some(0),
        cuts: 0,
        stall: None,
    };
    // Every response stops after 100 000 bytes: three attempts get 300 000 bytes.
    let url = server.route(
        "/c",
        Behaviour::File(FileSpec {
            cut_after: Some(100_000),
            cuts: u32::MAX,
            ..cut.clone()
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cortensord");
    let opts = DownloadOptions {
        retries: 2,
        ..fast()
    };
    let err = fetch(&url, &expected(&bytes), &dest, &opts).0.unwrap_err();
    assert!(
        matches!(err, DownloadError::Network { attempts: 3, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("resumes"), "{err}");
    assert!(
        !dest.exists(),
        "a half-written binary must never be at the target path"
    );
    assert_eq!(std::fs::metadata(part_of(&dest)).unwrap().len(), 300_000);

    server.route(
        "/c",
        Behaviour::File(FileSpec {
            cut_after: None,
            ..cut
        }),
    );
    fetch(&url, &expected(&bytes), &dest, &fast()).0.unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), *bytes);
    assert_eq!(
        server
            .requests("/c")
            .last()
            .unwrap()
            .if_none_match
            .as_deref(),
        Some("range 300000")
    );
}

#[test]
fn a_wrong_checksum_installs_nothing() {
    let server = FixtureServer::start();
    let bytes = payload(100_000);
    let url = server.route(
        "/c",
        Behaviour::File(FileSpec {
            bytes: bytes.clone(),
            ranges: true,
            ..Default::default()
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cortensord");
    std::fs::write(&dest, b"previous version").unwrap();
    let mut exp = expected(&bytes);
    exp.digest = Digest::Sha256("0".repeat(64));
    let err = fetch(&url, &exp, &dest, &fast()).0.unwrap_err();
    assert!(matches!(err, DownloadError::Checksum { .. }), "{err}");
    assert!(err.to_string().contains("tampered"));
    assert_eq!(
        std::fs::read(&dest).unwrap(),
        b"previous version",
        "the installed binary is untouched"
    );
    assert!(!part_of(&dest).exists(), "unverified bytes are deleted");
}

#[test]
fn a_bigger_file_than_published_is_refused() {
    let server = FixtureServer::start();
    let bytes = payload(100_000);
    let url = server.route(
        "/c",
        Behaviour::File(FileSpec {
            bytes: bytes.clone(),
            ranges: true,
            ..Default::default()
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let mut exp = expected(&bytes[..50_000]);
    exp.size = Size::Exact(50_000);
    let err = fetch(&url, &exp, &dir.path().join("c"), &fast())
        .0
        .unwrap_err();
    assert!(
        matches!(
            err,
            DownloadError::TooBig {
                expected: 50_000,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn signatures_are_checked_when_given() {
    let server = FixtureServer::start();
    let bytes = payload(64_000);
    let url = server.route(
        "/c",
        Behaviour::File(FileSpec {
            bytes: bytes.clone(),
            ranges: true,
            ..Default::default()
        }),
    );
    let b64 = base64::engine::general_purpose::STANDARD;
    let key = ed25519_dalek::SigningKey::from_bytes(&[7u8; 32]);
    let digest = Sha256::digest(&*bytes);
    let good = b64.encode(key.sign(&digest).to_bytes());
    let public = b64.encode(key.verifying_key().to_bytes());
    let dir = tempfile::tempdir().unwrap();

    let mut exp = expected(&bytes);
    exp.signature = Some((good, public.clone()));
    fetch(&url, &exp, &dir.path().join("ok"), &fast())
        .0
        .unwrap();

    let other = ed25519_dalek::SigningKey::from_bytes(&[8u8; 32]);
    exp.signature = Some((b64.encode(other.sign(&digest).to_bytes()), public));
    let err = fetch(&url, &exp, &dir.path().join("bad"), &fast())
        .0
        .unwrap_err();
    assert!(matches!(err, DownloadError::BadSignature), "{err}");
    assert!(!dir.path().join("bad").exists());
}

#[test]
fn http_errors() {
    let server = FixtureServer::start();
    let dir = tempfile::tempdir().unwrap();
    let exp = expected(b"abc");
    let err = fetch(
        &format!("{}/missing", server.base),
        &exp,
        &dir.path().join("a"),
        &fast(),
    )
    .0
    .unwrap_err();
    assert!(
        matches!(err, DownloadError::NotFound { status: 404, .. }),
        "{err}"
    );
    assert_eq!(server.requests("/missing").len(), 1, "a 404 is not retried");

    let url = server.route("/boom", Behaviour::Status(500));
    let err = fetch(
        &url,
        &exp,
        &dir.path().join("b"),
        &DownloadOptions {
            retries: 2,
            ..fast()
        },
    )
    .0
    .unwrap_err();
    assert!(err.to_string().contains("HTTP 500"), "{err}");
    assert_eq!(server.requests("/boom").len(), 3);

    let err = fetch("ftp://127.0.0.1/x", &exp, &dir.path().join("c"), &fast())
        .0
        .unwrap_err();
    assert!(matches!(err, DownloadError::BadUrl(_)));
}

#[test]
fn a_stalled_server_times_out() {
    let server = FixtureServer::start();
    let bytes = payload(10_000);
    let url = server.route(
        "/c",
        Behaviour::File(FileSpec {
            bytes: bytes.clone(),
            ranges: true,
            stall: Some(Duration::from_secs(5)),
            ..Default::default()
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let opts = DownloadOptions {
        retries: 0,
        connect_timeout: Duration::from_millis(400),
        body_timeout_base: Duration::from_millis(400),
        ..fast()
    };
    let start = Instant::now();
    let err = fetch(&url, &expected(&bytes), &dir.path().join("c"), &opts)
        .0
        .unwrap_err();
    assert!(matches!(err, DownloadError::Network { .. }), "{err}");
    assert!(start.elapsed() < Duration::from_secs(4));
}

#[test]
fn cancel_keeps_the_part_for_a_resume() {
    let server = FixtureServer::start();
    let bytes = payload(4 << 20);
    let url = server.route(
        "/c",
        Behaviour::File(FileSpec {
            bytes: bytes.clone(),
            ranges: true,
            ..Default::default()
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cortensord");
    let cancel = AtomicBool::new(false);
    let err = download(&url, &expected(&bytes), &dest, &fast(), &cancel, &mut |p| {
        if p.downloaded > 0 {
            cancel.store(true, Ordering::Relaxed);
        }
    })
    .unwrap_err();
    assert!(matches!(err, DownloadError::Cancelled));
    let kept = std::fs::metadata(part_of(&dest)).unwrap().len();
    assert!(kept > 0 && kept < bytes.len() as u64);
    fetch(&url, &expected(&bytes), &dest, &fast()).0.unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), *bytes);
}

#[test]
fn a_full_disk_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let mnt = dir.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=256k", "tmpfs"])
        .arg(&mnt)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !mounted {
        eprintln!("SKIPPED disk-full test: mounting a small tmpfs needs root (and a mount namespace that allows it)");
        return;
    }
    let server = FixtureServer::start();
    let bytes = payload(1 << 20);
    let url = server.route(
        "/c",
        Behaviour::File(FileSpec {
            bytes: bytes.clone(),
            ranges: true,
            ..Default::default()
        }),
    );
    let result = fetch(&url, &expected(&bytes), &mnt.join("cortensord"), &fast()).0;
    let _ = std::process::Command::new("umount").arg(&mnt).status();
    let err = result.unwrap_err();
    assert!(matches!(err, DownloadError::Disk { .. }), "{err}");
    assert!(err.to_string().contains("disk is full"), "{err}");
}

/// GitHub's LFS refuses with a message of its own (over its data quota, rate limited): the user
/// sees that message and what to do, and the refusal is not hammered with retries.
#[test]
fn an_lfs_refusal_is_shown_in_the_servers_own_words() {
    let server = FixtureServer::start();
    let dir = tempfile::tempdir().unwrap();
    let quota = "This repository is over its data quota. Account responsible for LFS bandwidth should purchase more data packs to restore access.";
    let url = server.route("/media/quota", Behaviour::StatusBody(403, quota.into()));
    let err = fetch(&url, &expected(b"abc"), &dir.path().join("a"), &fast())
        .0
        .unwrap_err();
    let text = err.to_string();
    assert!(
        matches!(err, DownloadError::Refused { status: 403, .. }),
        "{text}"
    );
    assert!(
        text.contains("over its data quota") && text.contains("use a mirror"),
        "{text}"
    );
    assert_eq!(server.requests("/media/quota").len(), 1, "not retried");
    let url = server.route("/media/limited", Behaviour::StatusBody(429, String::new()));
    let err = fetch(&url, &expected(b"abc"), &dir.path().join("b"), &fast())
        .0
        .unwrap_err();
    assert!(
        err.to_string().contains("HTTP 429") && err.to_string().contains("Retry later"),
        "{err}"
    );
    // A bare 403 (no message) is still "no file there".
    let url = server.route(
        "/media/forbidden",
        Behaviour::StatusBody(403, String::new()),
    );
    let err = fetch(&url, &expected(b"abc"), &dir.path().join("c"), &fast())
        .0
        .unwrap_err();
    assert!(
        matches!(err, DownloadError::NotFound { status: 403, .. }),
        "{err}"
    );
}

#[test]
fn a_partial_file_of_another_release_is_never_resumed() {
    let server = FixtureServer::start();
    let bytes = payload(200_000);
    let url = server.route(
        "/c",
        Behaviour::File(FileSpec {
            bytes: bytes.clone(),
            ranges: true,
            cut_after: None,
            cuts: 0,
            stall: None,
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cortensord");
    // What an older release's interrupted download left, under both naming schemes.
    let old_digest = Digest::Sha256("0".repeat(64));
    std::fs::write(download_part_path(&dest, &old_digest), vec![7u8; 50_000]).unwrap();
    std::fs::write(dir.path().join(".cortensord.part"), vec![7u8; 60_000]).unwrap();
    fetch(&url, &expected(&bytes), &dest, &fast()).0.unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), *bytes);
    let first = server.requests("/c")[0].if_none_match.clone();
    assert_eq!(
        first, None,
        "no Range: nothing of another release was resumed"
    );
    assert!(!download_part_path(&dest, &old_digest).exists());
    assert!(!dir.path().join(".cortensord.part").exists());
}

#[test]
fn a_416_starts_over_and_progress_stays_sane() {
    let server = FixtureServer::start();
    // The server's file is shorter than our partial one: it refuses the range (416).
    let short = payload(1_000);
    let url = server.route(
        "/c",
        Behaviour::File(FileSpec {
            bytes: short,
            ranges: true,
            cut_after: None,
            cuts: 0,
            stall: None,
        }),
    );
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cortensord");
    let published = payload(2_000);
    let exp = expected(&published);
    std::fs::write(download_part_path(&dest, &exp.digest), &published[..1_500]).unwrap();
    let opts = DownloadOptions {
        retries: 2,
        ..fast()
    };
    let (r, seen) = fetch(&url, &exp, &dest, &opts);
    assert!(matches!(r, Err(DownloadError::Network { .. })), "{r:?}");
    assert!(
        seen.iter().all(|p| p.downloaded <= p.total
            && p.bytes_per_sec.is_finite()
            && p.bytes_per_sec >= 0.0),
        "{seen:?}"
    );
    assert!(server.requests("/c").iter().any(|s| s.status == 416));
    assert!(!dest.exists());
}

#[test]
fn redirects_are_followed_with_the_range_and_a_loop_is_refused() {
    let server = FixtureServer::start();
    let bytes = payload(300_000);
    let file = server.route(
        "/media/c",
        Behaviour::File(FileSpec {
            bytes: bytes.clone(),
            ranges: true,
            cut_after: Some(100_000),
            cuts: 1,
            stall: None,
        }),
    );
    // Two hops, the second relative, as GitHub's LFS links go.
    server.route("/dist/c", Behaviour::Redirect("/lfs/c".into()));
    let start = server.route("/lfs/c", Behaviour::Redirect(file));
    let dir = tempfile::tempdir().unwrap();
    let dest = dir.path().join("cortensord");
    // The first response is cut: the resume goes through the redirects with its Range.
    fetch(
        &format!("{}/dist/c", server.base),
        &expected(&bytes),
        &dest,
        &fast(),
    )
    .0
    .unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), *bytes);
    let last = server
        .requests("/media/c")
        .last()
        .unwrap()
        .if_none_match
        .clone();
    assert_eq!(last.as_deref(), Some("range 100000"));
    let _ = start;
    // A loop ends with a clear error, not a hang.
    server.route("/loop", Behaviour::Redirect("/loop".into()));
    let opts = DownloadOptions {
        retries: 0,
        ..fast()
    };
    let err = fetch(
        &format!("{}/loop", server.base),
        &expected(&bytes),
        &dir.path().join("x"),
        &opts,
    )
    .0
    .unwrap_err();
    assert!(err.to_string().to_lowercase().contains("redirect"), "{err}");
    assert_eq!(server.requests("/loop").len(), 6, "at most 5 hops followed");
}

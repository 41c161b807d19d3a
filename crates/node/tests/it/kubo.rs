//! kubo (IPFS) from a loopback mirror laid out like kubo's dist site: installed only when the
//! archive matches kubo's published sha512, and only its `ipfs` ends up in the app's `bin/`.

use std::sync::atomic::AtomicBool;
use std::time::Duration;

use cortensor_node::install::download::{DownloadError, DownloadOptions};
use cortensor_node::install::kubo::{self, KuboError};
use cortensor_node::network::Ipfs;
use cortensor_node::nodes::Layout;
use cortensor_node::platform::{Arch, Os};
use cortensor_test_support::{kubo_archive, kubo_mirror, Behaviour, FixtureServer, FAKE_IPFS};

fn fast() -> DownloadOptions {
    DownloadOptions {
        retries: 1,
        backoff: Duration::from_millis(10),
        ..DownloadOptions::default()
    }
}

fn install(layout: &Layout, dist: &str) -> Result<kubo::KuboInstall, KuboError> {
    let ipfs = Ipfs {
        version: "v0.33.0".into(),
        dist: dist.into(),
    };
    let mut seen = 0;
    let r = kubo::install(
        layout,
        &ipfs,
        Some(Arch::X86_64),
        &fast(),
        &AtomicBool::new(false),
        &mut |_| seen += 1,
    );
    if r.is_ok() {
        assert!(seen > 0, "progress is reported");
    }
    r
}

fn layout() -> (tempfile::TempDir, Layout) {
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout {
        root: dir.path().to_path_buf(),
        os: Os::Linux,
    };
    (dir, layout)
}

/// Nothing but the program the app asked for is left in `bin/`.
fn bin_listing(layout: &Layout) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(layout.bin_dir())
        .map(|d| {
            d.flatten()
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn kubo_is_installed_from_a_mirror_when_its_checksum_matches() {
    let server = FixtureServer::start();
    let dist = kubo_mirror(&server, "v0.33.0", kubo_archive(Some(FAKE_IPFS)), None);
    let (_d, layout) = layout();
    let got = install(&layout, &dist).unwrap();
    assert_eq!(got.version, "v0.33.0");
    assert_eq!(got.archive_sha512.len(), 128);
    let program = layout.bin_dir().join("ipfs");
    assert_eq!(got.path, program.display().to_string());
    assert_eq!(bin_listing(&layout), ["ipfs"]);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&program).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o755);
    }
    // It is the program from the archive, and it runs.
    let out = std::process::Command::new(&program)
        .args(["version", "--number"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), "0.33.0");
    assert_eq!(kubo::installed(&layout), Some(program));
}

#[test]
fn a_wrong_checksum_installs_nothing() {
    let server = FixtureServer::start();
    let dist = kubo_mirror(
        &server,
        "v0.33.0",
        kubo_archive(Some(FAKE_IPFS)),
        Some(&"0f".repeat(64)),
    );
    let (_d, layout) = layout();
    let err = install(&layout, &dist).unwrap_err();
    assert!(
        matches!(
            err,
            KuboError::Download(DownloadError::Checksum {
                algorithm: "sha512",
                ..
            })
        ),
        "{err}"
    );
    assert!(err.to_string().contains("tampered"), "{err}");
    assert!(kubo::installed(&layout).is_none());
    assert!(
        bin_listing(&layout).is_empty(),
        "{:?}",
        bin_listing(&layout)
    );
}

#[test]
fn what_is_not_a_kubo_release_is_refused() {
    // The checksum file is a web page (a mirror's error page served with 200).
    let server = FixtureServer::start();
    let dist = kubo_mirror(&server, "v0.33.0", kubo_archive(Some(FAKE_IPFS)), None);
    server.route(
        "/kubo/v0.33.0/kubo_v0.33.0_linux-amd64.tar.gz.sha512",
        Behaviour::Json {
            body: "<html><body>Mirror maintenance</body></html>".into(),
            etag: "\"x\"".into(),
        },
    );
    let (_d, layout) = layout();
    let err = install(&layout, &dist).unwrap_err();
    assert!(matches!(err, KuboError::BadChecksumFile { .. }), "{err}");

    // An archive that matches its checksum but has no kubo/ipfs inside.
    let server = FixtureServer::start();
    let dist = kubo_mirror(&server, "v0.33.0", kubo_archive(None), None);
    let err = install(&layout, &dist).unwrap_err();
    assert!(matches!(err, KuboError::NotInArchive { .. }), "{err}");
    assert!(kubo::installed(&layout).is_none());
    assert!(
        bin_listing(&layout).is_empty(),
        "{:?}",
        bin_listing(&layout)
    );

    // No release at that version on the mirror.
    let server = FixtureServer::start();
    let dist = kubo_mirror(&server, "v0.34.1", kubo_archive(Some(FAKE_IPFS)), None);
    let err = install(&layout, &dist).unwrap_err();
    assert!(err.to_string().contains("checksum"), "{err}");
}

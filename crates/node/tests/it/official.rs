//! The official source against a loopback server laid out like the installer repository: `main`
//! resolved to one commit, the Git LFS pointer and object and `.env-example` all read at it.

use std::sync::atomic::AtomicBool;
use std::sync::Arc;
use std::time::Duration;

use cortensor_node::install::binary;
use cortensor_node::install::download::DownloadOptions;
use cortensor_node::install::source::{resolve, ReleaseSource, SourceError};
use cortensor_node::nodes::Layout;
use cortensor_node::platform::{Arch, Os};
use cortensor_node::store::Store;
use cortensor_test_support::{Behaviour, FileSpec, FixtureServer};
use sha2::{Digest, Sha256};

const COMMIT_A: &str = "0c55cedf7c3ea8e7b5d95d8fbf76be1385f7d488";
const COMMIT_B: &str = "3afcfd9704678d0bf6d14736b5be3ac7e167be99";

fn pointer(bytes: &[u8]) -> String {
    format!(
        "version https://git-lfs.github.com/spec/v1\noid sha256:{}\nsize {}\n",
        hex::encode(Sha256::digest(bytes)),
        bytes.len()
    )
}

/// Serve `body` at `path` with an ETag of its content, as GitHub does.
fn json(server: &FixtureServer, path: &str, body: String) {
    let etag = format!(
        "\"{}\"",
        &hex::encode(Sha256::digest(body.as_bytes()))[..16]
    );
    server.route(path, Behaviour::Json { body, etag });
}

fn official(server: &FixtureServer) -> ReleaseSource {
    ReleaseSource::Official {
        api: format!("{}/api", server.base),
        raw: format!("{}/raw", server.base),
        media: format!("{}/media", server.base),
    }
}

fn publish(server: &FixtureServer, commit: &str, bytes: Arc<Vec<u8>>, stall: Option<Duration>) {
    json(
        server,
        &format!("/raw/{commit}/dist/cortensord"),
        pointer(&bytes),
    );
    server.route(
        &format!("/media/{commit}/dist/cortensord"),
        Behaviour::File(FileSpec {
            bytes,
            ranges: true,
            stall,
            ..Default::default()
        }),
    );
}

#[test]
fn a_push_to_main_during_the_download_is_not_tampering() {
    if Os::current() != Os::Linux || Arch::current() != Some(Arch::X86_64) {
        return; // the official source has a current build for Linux x86-64 (and Apple silicon) only
    }
    let server = FixtureServer::start();
    let v1 = Arc::new(vec![7u8; 200_000]);
    let v2 = Arc::new(vec![9u8; 210_000]);
    json(
        &server,
        "/api/commits/main",
        format!(r#"{{"sha": "{COMMIT_A}", "commit": {{}}}}"#),
    );
    publish(
        &server,
        COMMIT_A,
        v1.clone(),
        Some(Duration::from_millis(800)),
    );
    publish(&server, COMMIT_B, v2, None);
    let example = std::fs::read_to_string(cortensor_test_support::workspace_path(
        "crates/node/upstream/env-example.keys",
    ))
    .unwrap();
    json(
        &server,
        &format!("/raw/{COMMIT_A}/dist/.env-example"),
        format!("# upstream's own comment\n{example}"),
    );

    // While the object downloads, main moves on to another release.
    let s2 = &server;
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(dir.path());
    let store = Store::open(dir.path()).unwrap();
    let outcome = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(Duration::from_millis(300));
            json(
                s2,
                "/api/commits/main",
                format!(r#"{{"sha": "{COMMIT_B}"}}"#),
            );
        });
        binary::install(
            &layout,
            &store,
            &official(&server),
            &DownloadOptions::default(),
            &Default::default(),
            &AtomicBool::new(false),
            &mut |_| {},
        )
    })
    .expect("the release of commit A, verified against A's pointer");
    assert_eq!(std::fs::read(layout.binary()).unwrap(), *v1);
    assert!(outcome.version.ends_with("@0c55ced"), "{}", outcome.version);
    // The release's .env-example (with upstream's comments) is kept beside the binary.
    let kept = std::fs::read_to_string(layout.bin_dir().join("env-example")).unwrap();
    assert!(kept.starts_with("# upstream's own comment"));
    // Nothing of commit B was read.
    assert!(server
        .requests(&format!("/raw/{COMMIT_B}/dist/cortensord"))
        .is_empty());
}

#[test]
fn a_plain_file_where_the_pointer_should_be_is_no_current_release() {
    let server = FixtureServer::start();
    json(
        &server,
        "/api/commits/main",
        format!(r#"{{"sha": "{COMMIT_A}"}}"#),
    );
    // A binary committed as a plain file: kilobytes, not a 130-byte pointer.
    server.route(
        &format!("/raw/{COMMIT_A}/dist/cortensord"),
        Behaviour::File(FileSpec {
            bytes: Arc::new(vec![0x7f; 64 * 1024]),
            ..Default::default()
        }),
    );
    let err = resolve(&official(&server), Os::Linux, Some(Arch::X86_64)).unwrap_err();
    assert!(matches!(err, SourceError::NoCurrentRelease(_)), "{err}");
    assert!(err.to_string().contains("no current cortensord"), "{err}");
}

#[test]
fn windows_intel_macs_and_arm_linux_have_no_current_release() {
    let server = FixtureServer::start();
    for (os, arch) in [
        (Os::Windows, Arch::X86_64),
        (Os::Macos, Arch::X86_64),
        (Os::Linux, Arch::Aarch64),
    ] {
        let err = resolve(&official(&server), os, Some(arch)).unwrap_err();
        assert!(
            matches!(err, SourceError::NoCurrentRelease(_)),
            "{os:?}/{arch:?}: {err}"
        );
        assert!(
            err.to_string().contains("Linux x86-64"),
            "says what to do: {err}"
        );
    }
    assert!(
        server.requests("/api/commits/main").is_empty(),
        "refused without asking the network"
    );
}

#[test]
fn a_main_that_names_no_commit_is_an_error() {
    let server = FixtureServer::start();
    json(
        &server,
        "/api/commits/main",
        r#"{"message": "API rate limit exceeded"}"#.into(),
    );
    let err = resolve(&official(&server), Os::Linux, Some(Arch::X86_64)).unwrap_err();
    assert!(err.to_string().contains("no commit id"), "{err}");
}

/// The daemon's hourly look: a newer release at the install's source raises one alert and is
/// remembered for the app's banner and `node status`.
#[test]
fn a_newer_release_at_the_installs_source_is_announced_once() {
    use cortensor_node::runtime::updates::{check_once, AVAILABLE_SETTING};
    let dir = tempfile::tempdir().unwrap();
    let release = dir.path().join("release");
    std::fs::create_dir_all(&release).unwrap();
    let write = |version: &str, bytes: &[u8]| {
        std::fs::write(release.join("cortensord"), bytes).unwrap();
        std::fs::write(
            release.join("manifest.json"),
            format!(
                r#"{{"format": 1, "version": "{version}", "artifacts": [{{"os": "{}", "arch": "{}", "url": "cortensord", "size": {}, "sha256": "{}"}}]}}"#,
                Os::current().name(),
                std::env::consts::ARCH,
                bytes.len(),
                hex::encode(Sha256::digest(bytes))
            ),
        )
        .unwrap();
    };
    write("1.0", b"#!/bin/sh\necho one\n");
    let data = dir.path().join("data");
    let layout = Layout::new(&data);
    let store = Store::open(&data).unwrap();
    let source = ReleaseSource::parse(release.to_str().unwrap()).unwrap();
    binary::install(
        &layout,
        &store,
        &source,
        &DownloadOptions::default(),
        &Default::default(),
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .unwrap();
    assert_eq!(check_once(&store, 100).unwrap(), None, "up to date");
    assert!(store.alerts(0).unwrap().is_empty());

    write("2.0", b"#!/bin/sh\necho two\n");
    assert_eq!(check_once(&store, 200).unwrap().as_deref(), Some("2.0"));
    assert_eq!(check_once(&store, 300).unwrap().as_deref(), Some("2.0"));
    let alerts = store.alerts(0).unwrap();
    assert_eq!(alerts.len(), 1, "one alert per new release: {alerts:?}");
    assert!(alerts[0]
        .message
        .contains("cortensord 2.0 is available (installed: 1.0)"));
    assert_eq!(
        store.setting(AVAILABLE_SETTING).unwrap().as_deref(),
        Some("2.0")
    );
}

/// The hourly check asks conditionally: an unchanged `main` is a 304 (GitHub does not count it
/// against the API's rate limit) and so is the pointer; a moved `main` is seen at once.
#[test]
fn the_hourly_check_asks_the_official_source_conditionally() {
    use cortensor_node::install::update::check;
    if Os::current() != Os::Linux || Arch::current() != Some(Arch::X86_64) {
        return; // the official source has a current build for Linux x86-64 (and Apple silicon) only
    }
    let server = FixtureServer::start();
    json(
        &server,
        "/api/commits/main",
        format!(r#"{{"sha": "{COMMIT_A}"}}"#),
    );
    publish(&server, COMMIT_A, Arc::new(vec![7u8; 50_000]), None);
    publish(&server, COMMIT_B, Arc::new(vec![9u8; 60_000]), None);
    let dir = tempfile::tempdir().unwrap();
    let layout = Layout::new(dir.path());
    let store = Store::open(dir.path()).unwrap();
    let source = official(&server);
    binary::install(
        &layout,
        &store,
        &source,
        &DownloadOptions::default(),
        &Default::default(),
        &AtomicBool::new(false),
        &mut |_| {},
    )
    .unwrap();
    let main = "/api/commits/main";
    let pointer_a = format!("/raw/{COMMIT_A}/dist/cortensord");
    let before = server.requests(main).len();
    // What the daemon's hourly look asks (with the source the install record names).
    assert!(!check(&store, &source).unwrap().update_available);
    assert!(!check(&store, &source).unwrap().update_available);
    let seen = server.requests(main);
    let last = seen.last().unwrap();
    assert_eq!(seen.len(), before + 2);
    assert!(last.if_none_match.is_some(), "{last:?}");
    assert_eq!(last.status, 304, "an unchanged main costs a 304");
    assert_eq!(server.requests(&pointer_a).last().unwrap().status, 304);

    // main moves on: the check sees the new release at once.
    json(&server, main, format!(r#"{{"sha": "{COMMIT_B}"}}"#));
    let c = check(&store, &source).unwrap();
    assert!(
        c.update_available && c.available.ends_with("@3afcfd9"),
        "{c:?}"
    );
    assert_eq!(server.requests(main).last().unwrap().status, 200);
}

/// Apple silicon: when its build was last changed long before Linux's (dates from the API's
/// commit history at the pinned commit), the install says so.
#[test]
fn a_mac_build_far_behind_linuxs_is_pointed_out() {
    let server = FixtureServer::start();
    json(
        &server,
        "/api/commits/main",
        format!(r#"{{"sha": "{COMMIT_A}"}}"#),
    );
    let mac = Arc::new(vec![3u8; 1000]);
    json(
        &server,
        &format!("/raw/{COMMIT_A}/dist/cortensord-darwin"),
        pointer(&mac),
    );
    let dated = |file: &str, date: &str| {
        json(
            &server,
            &format!("/api/commits?path=dist/{file}&sha={COMMIT_A}&per_page=1"),
            format!(
                r#"[{{"sha": "{COMMIT_A}", "commit": {{"committer": {{"date": "{date}"}}}}}}]"#
            ),
        )
    };
    dated("cortensord-darwin", "2026-01-10T09:00:00Z");
    dated("cortensord", "2026-04-29T08:15:00Z");
    let r = resolve(&official(&server), Os::Macos, Some(Arch::Aarch64)).unwrap();
    assert_eq!(r.warnings.len(), 1, "{:?}", r.warnings);
    assert!(
        r.warnings[0]
            .starts_with("the macOS build of cortensord is 109 days older than the Linux build"),
        "{}",
        r.warnings[0]
    );
    // Close enough: nothing to say. Linux itself is never compared.
    dated("cortensord-darwin", "2026-04-20T09:00:00Z");
    let r = resolve(&official(&server), Os::Macos, Some(Arch::Aarch64)).unwrap();
    assert!(r.warnings.is_empty(), "{:?}", r.warnings);
}

//! `self-update` against a loopback feed made by the release tooling (`scripts/package.sh`, a
//! zipsign signature, `scripts/release-manifest.sh`): a newer signed build is installed; one
//! without a signature, one signed by another key and a tampered one are refused, the running
//! version untouched and working.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use cortensor_test_support::*;
use sha2::Digest;

const RELEASE_SEED: [u8; 32] = [41; 32];
const OTHER_SEED: [u8; 32] = [42; 32];
const NEW_BUILD: &str = "#!/bin/sh\necho 'cortensor-manager 0.2.0 (the update)'\n";

fn sha(p: &Path) -> String {
    hex::encode(sha2::Sha256::digest(std::fs::read(p).unwrap()))
}

/// Run one of the release scripts; it must succeed.
fn script(path: &str, args: &[&std::ffi::OsStr]) {
    let st = Command::new("bash")
        .arg(workspace_path(path))
        .args(args)
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{path}: {}",
        String::from_utf8_lossy(&st.stderr)
    );
}

/// A copy of `archive` under the same name in `tmp/<case>/`.
fn copy_for(tmp: &Path, case: &str, archive: &Path) -> PathBuf {
    let to = tmp.join(case).join(archive.file_name().unwrap());
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(archive, &to).unwrap();
    to
}

/// The 0.2.0 release's archive for this machine, made by the package script from `NEW_BUILD`.
fn packaged(tmp: &Path) -> PathBuf {
    let build = tmp.join("build/cortensor-manager");
    std::fs::create_dir_all(build.parent().unwrap()).unwrap();
    std::fs::write(&build, NEW_BUILD).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&build, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let out = tmp.join("dist");
    script(
        "scripts/package.sh",
        &[
            "--version".as_ref(),
            "0.2.0".as_ref(),
            "--binary".as_ref(),
            build.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ],
    );
    std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .expect("a .tar.gz")
}

/// Publish `archive` (as it is) with a manifest from the release script; the feed's URL.
fn publish(server: &FixtureServer, tmp: &Path, case: &str, archive: &Path) -> String {
    let copy = copy_for(tmp, case, archive);
    let dir = tmp.join(case);
    let name = archive.file_name().unwrap().to_string_lossy().into_owned();
    script(
        "scripts/release-manifest.sh",
        &[
            dir.as_os_str(),
            "0.2.0".as_ref(),
            "2026-11-27T00:00:00Z".as_ref(),
        ],
    );
    server.route(
        &format!("/{case}/{name}"),
        Behaviour::File(FileSpec {
            bytes: Arc::new(std::fs::read(&copy).unwrap()),
            ..Default::default()
        }),
    );
    server.route(
        &format!("/{case}/manifest.json"),
        Behaviour::Json {
            body: std::fs::read_to_string(dir.join("manifest.json")).unwrap(),
            etag: format!("\"{case}\""),
        },
    )
}

#[test]
fn self_update_installs_a_newer_signed_build_and_refuses_unsigned_foreign_or_tampered_ones() {
    let tmp = tempfile::tempdir().unwrap();
    let sb = Sandbox::new(Backend::Supervisor);
    let server = FixtureServer::start();
    let plain = packaged(tmp.path());

    let signed = copy_for(tmp.path(), "signed", &plain);
    let release_key = zipsign_tar(&signed, RELEASE_SEED);

    let foreign = copy_for(tmp.path(), "foreign", &plain);
    zipsign_tar(&foreign, OTHER_SEED);

    // Tampered after signing (the manifest's digest is of the tampered file: only the signature
    // can tell).
    let tampered = copy_for(tmp.path(), "tampered", &signed);
    let mut bytes = std::fs::read(&signed).unwrap();
    let at = bytes.len() - 200;
    bytes[at] ^= 0x5a;
    std::fs::write(&tampered, bytes).unwrap();

    // The program being updated: this CLI, copied into a folder of the user's.
    let exe = sb.home.join(".local/bin/cortensor-manager");
    std::fs::create_dir_all(exe.parent().unwrap()).unwrap();
    std::fs::copy(env!("CARGO_BIN_EXE_cortensor-manager"), &exe).unwrap();
    let before = sha(&exe);
    let run = |args: &[&str]| -> Output {
        sb.command(&exe)
            .args(args)
            .env("CORTENSOR_MANAGER_UPDATE_KEY", &release_key)
            .output()
            .unwrap()
    };
    let works = || {
        let out = run(&["--version"]);
        assert!(out.status.success());
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("0.1.0"),
            "the running version keeps working: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert_eq!(sha(&exe), before, "the program was not touched");
    };

    // --check sees the newer release and changes nothing.
    let feed = publish(&server, tmp.path(), "good", &signed);
    let out = run(&["self-update", "--check", "--json", "--feed", &feed]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["newer"], "0.2.0");
    assert_eq!(v["current"], "0.1.0");
    works();

    for (case, archive, why) in [
        ("unsigned", &plain, "not signed by the release key"),
        ("foreign", &foreign, "not signed by the release key"),
        ("tampered", &tampered, "not signed by the release key"),
    ] {
        let feed = publish(&server, tmp.path(), case, archive);
        let out = run(&["self-update", "--feed", &feed]);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{case}: must be refused");
        assert!(
            err.contains("refused the download of 0.2.0") && err.contains(why),
            "{case}: {err}"
        );
        assert!(err.contains("Nothing was changed"), "{case}: {err}");
        works();
    }

    // The signed one is installed: the next start is the new build.
    let out = run(&["self-update", "--feed", &feed]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("0.1.0 → 0.2.0"), "{said}");
    let out = Command::new(&exe).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "cortensor-manager 0.2.0 (the update)"
    );
    assert!(server.requests("/good/manifest.json").len() >= 2);
}

#[test]
fn self_update_refuses_a_plain_http_feed() {
    let sb = Sandbox::new(Backend::Supervisor);
    let out = sb
        .command(env!("CARGO_BIN_EXE_cortensor-manager"))
        .args([
            "self-update",
            "--check",
            "--feed",
            "http://updates.example/manifest.json",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("must be an https:// address"), "{err}");
}

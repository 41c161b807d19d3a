//! The real OS keychain on Linux: a GNOME Keyring Secret Service started for this test on the
//! session bus (the test command runs under `dbus-run-session`).

#![cfg(target_os = "linux")]

use std::io::Write;
use std::process::{Command, Stdio};

use cortensor_manager::keys::{KeyError, Keychain, NodeKey, KEYCHAIN_SERVICE};

fn secret_service_available() -> Result<tempfile::TempDir, String> {
    if std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_none() {
        return Err("no session bus (run under dbus-run-session)".into());
    }
    let home = tempfile::tempdir().unwrap();
    let mut child = Command::new("gnome-keyring-daemon")
        .args(["--unlock", "--components=secrets"])
        .env("HOME", home.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .map_err(|e| format!("gnome-keyring-daemon: {e}"))?;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"test-password")
        .unwrap();
    let status = child.wait().unwrap();
    if !status.success() {
        return Err(format!("gnome-keyring-daemon exited with {status}"));
    }
    Ok(home)
}

#[test]
fn node_keys_round_trip_through_the_secret_service() {
    let required = std::env::var("CM_E2E_REQUIRED").is_ok_and(|v| v == "1");
    let _home = match secret_service_available() {
        Ok(h) => h,
        Err(why) => {
            assert!(
                !required,
                "Secret Service test required but unavailable: {why}"
            );
            eprintln!("SKIPPED keychain test: {why}");
            return;
        }
    };
    let kc = Keychain::platform().expect("connect to the Secret Service");
    let key = NodeKey::generate().unwrap();
    kc.save(&key).unwrap();
    assert_eq!(kc.load(&key.address).unwrap(), key);

    // It is really in the OS store: another client (libsecret's secret-tool) finds it.
    let out = Command::new("secret-tool")
        .args(["search", "--all", "service", KEYCHAIN_SERVICE])
        .output()
        .expect("secret-tool (Debian package libsecret-tools)");
    let listing = String::from_utf8_lossy(&out.stdout) + String::from_utf8_lossy(&out.stderr);
    assert!(
        listing.contains(&key.address),
        "secret-tool does not list the key: {listing}"
    );

    kc.delete(&key.address).unwrap();
    assert!(matches!(kc.load(&key.address), Err(KeyError::Missing(_))));
}

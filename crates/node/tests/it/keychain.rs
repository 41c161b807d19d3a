//! The real OS keychain on Linux: a GNOME Keyring Secret Service started for this test on the
//! session bus (the test command runs under `dbus-run-session`), the one every test shares.

#![cfg(target_os = "linux")]

use std::process::Command;

use cortensor_node::keys::{KeyError, Keychain, NodeKey, KEYCHAIN_SERVICE};
use cortensor_test_support::{require, secret_service};

#[test]
fn node_keys_round_trip_through_the_secret_service() {
    if !require("Secret Service", secret_service()) {
        return;
    }
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

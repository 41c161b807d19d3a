//! The desktop package's `cortensor-manager` as a program: the CLI's commands and `tray`'s own
//! command line (the tray itself, with a display, runs in the app's end-to-end test, which
//! also needs this program built — an integration test makes `cargo test` build it).

use std::process::Command;

/// The program on a data folder of its own (removed with the returned guard), no display.
fn program() -> (Command, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_cortensor-manager-tray"));
    c.env("CORTENSOR_MANAGER_DATA_DIR", data.path())
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY");
    (c, data)
}

fn run(args: &[&str]) -> std::process::Output {
    let (mut c, _data) = program();
    c.args(args).output().unwrap()
}

#[test]
fn it_is_the_cli_and_the_tray() {
    let out = run(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        format!("cortensor-manager {}", env!("CARGO_PKG_VERSION"))
    );
    let out = run(&["rules", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rules: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        rules["name"].as_str().is_some_and(|n| !n.is_empty()),
        "{rules}"
    );

    let out = run(&["tray", "--help"]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("usage: cortensor-manager tray"));
}

#[test]
fn the_tray_refuses_what_it_does_not_know_and_says_when_none_runs() {
    let out = run(&["tray", "explode"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'explode' is not understood"));
    let out = run(&["tray", "open", "quit"]);
    assert_eq!(out.status.code(), Some(2));
    // No tray runs on a fresh data folder: Quit has nothing to end.
    let out = run(&["tray", "quit"]);
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "no tray runs on this data folder"
    );
}

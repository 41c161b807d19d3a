//! Install, nodes, register, update with rollback, adopt and uninstall, end to end through the
//! CLI: a release server on 127.0.0.1, the test node binary as `cortensord`, a real Secret
//! Service for keys, and stand-ins for systemctl/loginctl (tests/fake-services) that really run
//! the units' commands.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Arc;
use std::time::Duration;

use cortensor_test_support::*;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// A sandbox with the OS-service backend (the stand-in systemd) and the CLI to run in it.
struct Box_ {
    sb: Sandbox,
    home: PathBuf,
    data: PathBuf,
}

impl Box_ {
    fn new() -> Box_ {
        let sb = Sandbox::new(Backend::OsServices);
        Box_ {
            home: sb.home.clone(),
            data: sb.data.clone(),
            sb,
        }
    }

    fn cmd(&self) -> Command {
        self.sb.command(env!("CARGO_BIN_EXE_cortensor-manager"))
    }

    fn run(&self, args: &[&str]) -> Output {
        let out = self.cmd().args(args).output().unwrap();
        out
    }

    fn ok_json(&self, args: &[&str]) -> Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?}: not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.home.join(".fake-systemd/calls.log")).unwrap_or_default()
    }

    fn binary(&self) -> PathBuf {
        self.data.join("bin/cortensord")
    }
}

/// A release that runs the test node with extra environment (a different file, so a new sha).
fn wrapper(env: &str) -> Vec<u8> {
    format!(
        "#!/bin/sh\n{env} exec {} \"$@\"\n",
        test_node_bin().display()
    )
    .into_bytes()
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn install_nodes_register_update_rollback_uninstall() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let server = FixtureServer::start();
    let v1 = publish_release(&server, "1.0", std::fs::read(test_node_bin()).unwrap());
    let b = Box_::new();

    // Install.
    let out = b.ok_json(&["install", "--source", &v1, "--json"]);
    assert_eq!(out["install"]["version"], "1.0");
    assert_eq!(out["install"]["already_current"], false);
    assert_eq!(
        std::fs::read(b.binary()).unwrap(),
        std::fs::read(test_node_bin()).unwrap()
    );
    assert_eq!(mode(&b.binary()), 0o755);
    // Again: nothing downloaded.
    let again = b.ok_json(&["install", "--source", &v1, "--json"]);
    assert_eq!(again["install"]["already_current"], true);
    assert_eq!(server.requests("/cortensord-1.0").len(), 1);

    // Two nodes, with a port of node 1 taken by another program.
    let base = b.sb.llm_port;
    let _busy = std::net::TcpListener::bind(("0.0.0.0", base)).ok();
    let added = b.ok_json(&["node", "add", "--count", "2", "--json"]);
    let nodes = added["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 2);
    if _busy.is_some() {
        assert_ne!(nodes[0]["llm_port"], base, "a busy port is skipped");
    }
    let env1 = b.data.join("nodes/node-1/.env");
    assert_eq!(mode(&env1), 0o600);
    let env_text = std::fs::read_to_string(&env1).unwrap();
    let address1 = nodes[0]["address"].as_str().unwrap().to_string();
    // Upstream writes the address in EIP-55 checksum case.
    assert!(env_text
        .to_ascii_lowercase()
        .contains(&format!("node_public_key={address1}")));
    assert!(!env_text.contains(&format!("NODE_PUBLIC_KEY={address1}")));
    assert!(
        env_text.contains("NODE_PRIVATE_KEY=0x"),
        "OS services read the key from the 0600 .env"
    );
    assert!(env_text.contains("ENABLE_IPFS_SERVER=1"));
    assert!(std::fs::read_to_string(b.data.join("nodes/node-2/.env"))
        .unwrap()
        .contains("ENABLE_IPFS_SERVER=0"));
    let unit =
        std::fs::read_to_string(b.home.join(".config/systemd/user/cortensor-node-2.service"))
            .unwrap();
    assert!(
        unit.contains("KillSignal=SIGINT")
            && unit.contains(&format!("ExecStart={}", b.binary().display()))
    );
    let calls = b.calls();
    for c in [
        "systemctl --user daemon-reload",
        "systemctl --user enable cortensor-node-1.service",
        "loginctl enable-linger tester",
    ] {
        assert!(calls.contains(c), "missing `{c}` in\n{calls}");
    }

    // Register and verify node 1; a careless binary that prints the key gets redacted.
    let private_key = env_text
        .lines()
        .find_map(|l| l.strip_prefix("NODE_PRIVATE_KEY="))
        .unwrap()
        .to_string();
    let out = b
        .cmd()
        .args(["node", "register", "1", "--json"])
        .env("TEST_NODE_LEAK_KEY", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reg: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (reg["registered"].as_bool(), reg["verified"].as_bool()),
        (Some(true), Some(true))
    );
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !all.contains(&private_key[2..]),
        "the private key leaked into the output:\n{all}"
    );
    assert!(all.contains("redacted"));
    let list = b.ok_json(&["node", "list", "--json"]);
    assert_eq!(list["nodes"][0]["registered"], "ok");
    assert_eq!(list["nodes"][1]["registered"], Value::Null);

    // A healthy update: nodes restart on 2.0.
    let v2 = publish_release(
        &server,
        "2.0",
        wrapper("TEST_NODE_VERSION=2.0 TEST_NODE_TICK_MS=100"),
    );
    // --check says so and changes nothing.
    let check = b.ok_json(&["update", "--check", "--source", &v2, "--json"]);
    assert_eq!(
        (
            check["update_available"].as_bool(),
            check["installed"].as_str(),
            check["available"].as_str()
        ),
        (Some(true), Some("1.0"), Some("2.0"))
    );
    assert_eq!(
        b.ok_json(&["node", "list", "--json"])["installed"]["version"],
        "1.0"
    );
    let up = b.ok_json(&["update", "--source", &v2, "--window", "3", "--json"]);
    assert_eq!(
        (up["to"].as_str(), up["rolled_back"].is_null()),
        (Some("2.0"), true),
        "{up}"
    );
    let log1 = b.data.join("nodes/node-1/logs/cortensord.log");
    wait_until("node 1 to log on 2.0", Duration::from_secs(10), || {
        std::fs::read_to_string(&log1)
            .unwrap_or_default()
            .contains("cortensord 2.0 starting")
    });
    assert!(
        b.data.join("bin/cortensord.previous").exists(),
        "the previous binary is kept"
    );

    // A bad update: 3.0 crashes at start, so 2.0 comes back by itself.
    let v3 = publish_release(
        &server,
        "3.0",
        wrapper("TEST_NODE_BEHAVIOUR=crash_after_ms:200 TEST_NODE_TICK_MS=100"),
    );
    let up = b.ok_json(&[
        "update",
        "--source",
        &v3,
        "--window",
        "5",
        "--traceback-grace",
        "2",
        "--json",
    ]);
    let why = up["rolled_back"]
        .as_str()
        .unwrap_or_else(|| panic!("expected a rollback: {up}"));
    assert!(
        why.contains("3.0") && why.contains("crashed") && why.contains("rolled back to 2.0"),
        "{why}"
    );
    assert_eq!(
        std::fs::read(b.binary()).unwrap(),
        wrapper("TEST_NODE_VERSION=2.0 TEST_NODE_TICK_MS=100")
    );
    assert_eq!(
        b.ok_json(&["node", "list", "--json"])["installed"]["version"],
        "2.0"
    );
    let calls = b.calls();
    assert!(
        calls
            .matches("systemctl --user stop cortensor-node-1.service")
            .count()
            >= 2,
        "{calls}"
    );

    // An update whose node prints a Python exception but goes on making progress within the
    // grace: not a crash, no rollback.
    let v4 = publish_release(
        &server,
        "4.0",
        wrapper("TEST_NODE_BEHAVIOUR=traceback_ms:300 TEST_NODE_TICK_MS=100"),
    );
    let up = b.ok_json(&[
        "update",
        "--source",
        &v4,
        // Longer than the others: the verdict needs progress seen, which a loaded machine
        // (the whole suite at once) can delay past 3 s.
        "--window",
        "6",
        "--traceback-grace",
        "2",
        "--json",
    ]);
    assert!(up["rolled_back"].is_null(), "{up}");
    assert_eq!(up["to"], "4.0");
    let log = std::fs::read_to_string(b.data.join("nodes/node-1/logs/cortensord.log")).unwrap();
    assert!(
        log.contains("ConnectionError: RPC request failed; retrying"),
        "the node did print one"
    );

    // Uninstall: export first, then delete keys.
    let export = b.home.join("keys.csv");
    let out = b.run(&["uninstall", "--delete-keys", "--yes", "--json"]);
    assert!(
        !out.status.success(),
        "deleting keys without an export is refused"
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--passphrase-file"),
        "a copy first: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(b.binary().exists(), "nothing removed");
    let un = b.ok_json(&[
        "uninstall",
        "--export-keys",
        export.to_str().unwrap(),
        "--delete-keys",
        "--yes",
        "--json",
    ]);
    assert_eq!(un["removed_nodes"], 2);
    assert_eq!(mode(&export), 0o600);
    let exported = std::fs::read_to_string(&export).unwrap();
    assert!(exported.contains(&address1) && exported.contains(&private_key));
    assert!(!b.binary().exists() && !b.data.join("nodes/node-1").exists());
    assert!(!b
        .home
        .join(".config/systemd/user/cortensor-node-1.service")
        .exists());
    assert!(b
        .calls()
        .contains("systemctl --user disable cortensor-node-2.service"));
    // The keys are gone from the keychain: exporting again finds no nodes, and node list is empty.
    assert_eq!(
        b.ok_json(&["node", "list", "--json"])["nodes"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
}

#[test]
fn bad_downloads_install_nothing() {
    let server = FixtureServer::start();
    let b = Box_::new();
    let bytes = std::fs::read(test_node_bin()).unwrap();
    // The manifest promises one file, the server sends another (tampered).
    let sha = hex::encode(Sha256::digest(b"something else"));
    server.route(
        "/evil",
        Behaviour::File(FileSpec {
            bytes: Arc::new(bytes.clone()),
            ranges: true,
            ..Default::default()
        }),
    );
    let manifest = manifest_json("6.6.6", "evil", bytes.len(), &sha);
    let url = server.route(
        "/evil.json",
        Behaviour::Json {
            body: manifest,
            etag: "\"e\"".into(),
        },
    );
    let out = b.run(&["install", "--source", &url]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("tampered") && err.contains("nothing was installed"),
        "{err}"
    );
    assert!(!b.binary().exists());

    // A manifest that sends the download to plain http elsewhere is refused.
    let plain = manifest_json(
        "6.6.7",
        "http://mirror.example/cortensord",
        bytes.len(),
        &sha,
    );
    let plain_url = server.route(
        "/plain.json",
        Behaviour::Json {
            body: plain,
            etag: "\"p\"".into(),
        },
    );
    for (source, expect) in [
        (format!("{}/missing.json", server.base), "HTTP 404"),
        (
            "ftp://127.0.0.1/x.json".to_string(),
            "must be an https:// address",
        ),
        (
            "http://mirror.example/m.json".to_string(),
            "must come over https://",
        ),
        (plain_url, "the manifest's artifact must come over https://"),
        (
            "/no/such/folder".to_string(),
            "there is no folder /no/such/folder",
        ),
        (
            "mirror.example/cortensor/manifest.json".to_string(),
            "looks like a web address with a typo",
        ),
    ] {
        let out = b.run(&["install", "--source", &source]);
        assert!(!out.status.success(), "{source}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{source}: {err}");
    }
    let out = b.run(&["node", "add", "--count", "1"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not installed yet"));
}

#[test]
fn an_installer_killed_mid_download_never_leaves_a_runnable_half_binary() {
    let server = FixtureServer::start();
    let b = Box_::new();
    let bytes = std::fs::read(test_node_bin()).unwrap();
    let sha = hex::encode(Sha256::digest(&bytes));
    // The first response sends 1 MB then stalls for a long time.
    server.route(
        "/slow",
        Behaviour::File(FileSpec {
            bytes: Arc::new(bytes.clone()),
            ranges: true,
            cut_after: None,
            cuts: 0,
            stall: Some(Duration::from_secs(30)),
        }),
    );
    let manifest = manifest_json("1.0", "slow", bytes.len(), &sha);
    let url = server.route(
        "/m.json",
        Behaviour::Json {
            body: manifest,
            etag: "\"m\"".into(),
        },
    );
    let mut child = b
        .cmd()
        .args(["install", "--source", &url])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("the download to start", Duration::from_secs(10), || {
        server.requests("/slow").len() == 1
    });
    std::thread::sleep(Duration::from_millis(200));
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(
        !b.binary().exists(),
        "no binary at the target path after a kill"
    );

    server.route(
        "/slow",
        Behaviour::File(FileSpec {
            bytes: Arc::new(bytes.clone()),
            ranges: true,
            ..Default::default()
        }),
    );
    let out = b.ok_json(&["install", "--source", &url, "--json"]);
    assert_eq!(out["install"]["version"], "1.0");
    assert_eq!(std::fs::read(b.binary()).unwrap(), bytes);
}

#[test]
fn an_official_install_is_adopted() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let server = FixtureServer::start();
    let url = publish_release(&server, "1.0", std::fs::read(test_node_bin()).unwrap());
    let b = Box_::new();
    // Private key 2 (a textbook key: never funded) and its address.
    let (private_key, address) = (
        format!("0x{:064x}", 2),
        "0x2b5ad5c4795c026514f8317c7a215e218dccd6cf",
    );
    let official = b.home.join(".cortensor/.env");
    std::fs::create_dir_all(official.parent().unwrap()).unwrap();
    std::fs::write(
        &official,
        format!(
            "HOST=https://arb-sepolia.example/v2/PLANTEDAPIKEY\nCHAINID=421614\nCONTRACT_ADDRESS_RUNTIME=0x{}\nWS_PORT_ROUTER=9009\nNODE_PUBLIC_KEY={}\nNODE_PRIVATE_KEY={}\n",
            "c".repeat(40),
            address,
            private_key
        ),
    )
    .unwrap();
    let out = b.ok_json(&["install", "--source", &url, "--yes", "--json"]);
    assert_eq!(out["adopted"]["address"], address);
    assert_eq!(out["official_installs"][0]["has_private_key"], true);
    let env = std::fs::read_to_string(b.data.join("nodes/node-1/.env")).unwrap();
    // The network's contract (not a stale one of the adopted file); its other settings come along.
    assert!(
        env.contains("CONTRACT_ADDRESS_RUNTIME=0xa438cE917a5740267e0f7217f81cbbAA23E7e106"),
        "{env}"
    );
    assert!(env.contains("WS_PORT_ROUTER=9009"), "{env}");
    assert!(env.contains("HOST=https://arb-sepolia.example/v2/PLANTEDAPIKEY"));
    // The planted secrets are in the 0600 .env and the keychain only: not in the store.
    let db = std::fs::read(b.data.join("cortensor-manager.sqlite3")).unwrap();
    let db = String::from_utf8_lossy(&db);
    assert!(
        !db.contains("PLANTEDAPIKEY") && !db.contains(&private_key[2..]),
        "a secret reached the database"
    );
    // Adopting twice does not duplicate the node.
    b.ok_json(&["adopt", official.to_str().unwrap(), "--json"]);
    assert_eq!(
        b.ok_json(&["node", "list", "--json"])["nodes"]
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn doctor_reports_and_fixes_docker_with_consent() {
    let b = Box_::new();
    // Only the stand-ins on the tools' PATH: no docker, so the check fails, with an automatic fix.
    let fake = cortensor_test_support::workspace_path("tests/fake-services");
    let doctor = |args: &[&str]| {
        b.cmd()
            .env("CORTENSOR_MANAGER_SERVICE_PATH", &fake)
            .args(args)
            .output()
            .unwrap()
    };
    let out = doctor(&["doctor", "--json", "--time-url", "http://127.0.0.1:9/"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let docker = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "docker")
        .unwrap()
        .clone();
    assert_eq!(docker["status"], "fail");
    assert_eq!(docker["fix"]["automatic"], true);
    assert!(report["affordable_nodes"].as_u64().unwrap() >= 1);

    // Without consent nothing runs.
    assert!(docker["explanation"]
        .as_str()
        .unwrap()
        .contains("not installed"));
    let out = doctor(&["doctor", "--fix", "docker"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("answer yes"));
    assert!(!b.calls().contains("pkexec"));
    // With consent the plan runs through pkexec.
    let out = doctor(&["doctor", "--fix", "docker", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let calls = b.calls();
    assert!(
        calls.contains("pkexec apt-get install -y docker.io")
            && calls.contains("pkexec usermod -aG docker tester"),
        "{calls}"
    );
    let out = doctor(&["doctor", "--fix", "clock", "--yes"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot fix 'clock' by itself"));
}

/// The pid in the daemon's lock file, if that process is alive.
fn daemon_pid(b: &Box_) -> Option<i32> {
    let pid: i32 = std::fs::read_to_string(b.data.join("daemon.lock"))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Path::new(&format!("/proc/{pid}")).exists().then_some(pid)
}

#[test]
fn os_service_nodes_are_watched_by_a_monitor_service() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let server = FixtureServer::start();
    let v1 = publish_release(&server, "1.0", wrapper("TEST_NODE_TICK_MS=100"));
    let b = Box_::new();
    // The binary folder is there before the app, with a file of the user's in it.
    std::fs::create_dir_all(b.data.join("bin")).unwrap();
    std::fs::write(b.data.join("bin/my-notes.txt"), "mine").unwrap();
    b.ok_json(&["install", "--source", &v1, "--json"]);
    let added = b.ok_json(&["node", "add", "--count", "1", "--json"]);
    let address = added["nodes"][0]["address"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase();

    // Starting the nodes installs and starts the monitor as a service of its own.
    let out = b.run(&["node", "start", "all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("started the node monitor as a service"));
    let unit = std::fs::read_to_string(
        b.home
            .join(".config/systemd/user/cortensor-manager-monitor.service"),
    )
    .unwrap();
    assert!(
        unit.contains(&format!("--data-dir \"{}\" daemon", b.data.display())),
        "{unit}"
    );
    for call in [
        "systemctl --user enable cortensor-manager-monitor.service",
        "systemctl --user start cortensor-manager-monitor.service",
    ] {
        assert!(b.calls().contains(call), "missing `{call}`");
    }
    wait_until(
        "the monitor to hold the daemon lock",
        Duration::from_secs(10),
        || daemon_pid(&b).is_some(),
    );

    // The monitor (not this CLI, not an app) probes systemd and keeps health and the ledger.
    let status = || b.ok_json(&["node", "status", "--json"]);
    wait_until(
        "node 1 seen running and healthy",
        Duration::from_secs(20),
        || status()["health"][0]["state"] == "healthy",
    );
    let s = status();
    assert_eq!(s["runtime"][0]["reason"], "run by the service manager");
    let pid = s["runtime"][0]["pid"].as_i64().expect("the service's pid");
    assert_eq!(
        std::fs::read_to_string(b.home.join(".fake-systemd/cortensor-node-1.service.pid"))
            .unwrap()
            .trim(),
        pid.to_string()
    );
    assert_eq!(s["health"][0]["uptime"]["last_24h_pct"], 100.0);
    // The monitor only watches: it never starts a second copy of a node systemd runs.
    std::thread::sleep(Duration::from_secs(2));
    let running = std::process::Command::new("pgrep")
        .args([
            "-f",
            &b.data.join("nodes/node-1/.env").display().to_string(),
        ])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&running.stdout).lines().count(),
        1,
        "one process for node 1"
    );

    // Stopped from here: "stopped", not "down".
    let out = b.run(&["node", "stop", "all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    wait_until("node 1 stopped", Duration::from_secs(20), || {
        status()["health"][0]["state"] == "stopped"
    });

    // Uninstalling first keeps an encrypted copy of the keys: without a passphrase for it,
    // nothing is removed.
    let monitor = daemon_pid(&b).unwrap();
    let out = b.run(&["uninstall", "--yes", "--json"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("--passphrase-file"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(b.binary().exists(), "nothing removed");
    let pass = b.home.join("pass.txt");
    std::fs::write(&pass, "correct horse battery staple\n").unwrap();
    let un = b.ok_json(&[
        "uninstall",
        "--passphrase-file",
        pass.to_str().unwrap(),
        "--yes",
        "--json",
    ]);
    // The copy: one V3 keystore for the node, in a new folder of the home, the user's alone.
    let backup = PathBuf::from(un["key_backup"].as_str().expect("a key backup"));
    assert!(backup.starts_with(&b.home), "{backup:?}");
    assert_eq!(mode(&backup), 0o700);
    let files: Vec<PathBuf> = std::fs::read_dir(&backup)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&files[0]), 0o600);
    let keystore: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files[0]).unwrap()).unwrap();
    assert!(
        files[0]
            .to_string_lossy()
            .to_ascii_lowercase()
            .contains(&address),
        "{files:?}"
    );
    assert_eq!(keystore["version"], 3);
    assert_eq!(keystore["crypto"]["kdf"], "scrypt");
    // Only what the app made went: the binary, the node's folder, the units; the folder the
    // user made, and their file in it, stay (and the uninstall says so).
    assert!(!b.binary().exists() && !b.data.join("nodes/node-1").exists());
    assert_eq!(
        std::fs::read_to_string(b.data.join("bin/my-notes.txt")).unwrap(),
        "mine"
    );
    assert!(
        un["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().contains("kept the folder")),
        "{un}"
    );
    // The key stays in the keychain, labeled for people.
    let found = std::process::Command::new("secret-tool")
        .args([
            "search",
            "--all",
            "service",
            "network.cortensor.manager.node-key",
            "username",
            &address,
        ])
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&found.stdout).into_owned()
        + &String::from_utf8_lossy(&found.stderr);
    assert!(
        listing.to_ascii_lowercase().contains(&format!(
            "label = cortensor node key {address} (cortensor node manager)"
        )),
        "{listing}"
    );
    assert!(!b
        .home
        .join(".config/systemd/user/cortensor-manager-monitor.service")
        .exists());
    wait_until("the monitor to stop", Duration::from_secs(15), || {
        !Path::new(&format!("/proc/{monitor}")).exists()
            || std::fs::read_to_string(format!("/proc/{monitor}/stat"))
                .unwrap_or_default()
                .contains(") Z ")
    });
}

#[test]
fn a_running_official_node_is_stopped_before_its_key_is_imported() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let server = FixtureServer::start();
    let url = publish_release(&server, "1.0", std::fs::read(test_node_bin()).unwrap());
    let b = Box_::new();
    b.ok_json(&["install", "--source", &url, "--json"]);
    // The official install: ~/.cortensor/.env, its node running, the pid file its scripts write,
    // and the installer's system service (played by the stand-in systemctl).
    let (private_key, address) = (
        format!("0x{:064x}", 3),
        "0x6813eb9362372eef6200f3b1dbc3f819671cba69",
    );
    let dir = b.home.join(".cortensor");
    std::fs::create_dir_all(&dir).unwrap();
    let env = dir.join(".env");
    std::fs::write(
        &env,
        format!(
            "HOST=http://127.0.0.1:9/rpc\nCONTRACT_ADDRESS_RUNTIME=0xa438cE917a5740267e0f7217f81cbbAA23E7e106\nNODE_PUBLIC_KEY={address}\nNODE_PRIVATE_KEY={private_key}\nENABLE_IPFS_SERVER=1\nTEST_NODE_TICK_MS=100\n"
        ),
    )
    .unwrap();
    let mut official = Command::new(test_node_bin())
        .env_clear()
        .arg(&env)
        .arg("minerv4")
        .current_dir(&dir)
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let pid = official.id();
    // Reaped as soon as it exits, as its service manager would (no zombie left to look alive).
    let exited = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = exited.clone();
    std::thread::spawn(move || {
        let _ = official.wait();
        flag.store(true, std::sync::atomic::Ordering::SeqCst);
    });
    let running = || !exited.load(std::sync::atomic::Ordering::SeqCst);
    std::fs::write(dir.join("cortensord.pid"), pid.to_string()).unwrap();
    let system = b.home.join(".fake-systemd/system");
    std::fs::create_dir_all(&system).unwrap();
    std::fs::write(
        system.join("cortensor.service"),
        "[Service]\nExecStart=/usr/local/bin/cortensord .env minerv4 1 docker\n",
    )
    .unwrap();
    std::fs::write(system.join("cortensor.service.pid"), pid.to_string()).unwrap();

    // Without consent: refused, saying what runs; nothing imported, the official node untouched.
    let out = b.run(&["adopt", env.to_str().unwrap(), "--json"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cortensor.service is running") && err.contains("--yes"),
        "{err}"
    );
    assert!(running(), "still running");
    assert_eq!(
        b.ok_json(&["node", "list", "--json"])["nodes"]
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // With consent: stopped through the administrator's systemctl, disabled, then imported.
    let out = b.run(&["adopt", env.to_str().unwrap(), "--yes", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(r["adopted"]["address"], address);
    assert!(
        r["notes"][0].as_str().unwrap().contains("stopped it"),
        "{r}"
    );
    wait_until("the official node to exit", Duration::from_secs(5), || {
        !running()
    });
    let calls = b.calls();
    assert!(
        calls.contains("pkexec systemctl stop cortensor.service"),
        "{calls}"
    );
    assert!(
        calls.contains("pkexec systemctl disable cortensor.service"),
        "{calls}"
    );
    // One IPFS server on the machine: the adopted node (the official one is gone).
    let nodes = b.ok_json(&["node", "list", "--json"]);
    assert_eq!(nodes["nodes"].as_array().unwrap().len(), 1);
    assert_eq!(nodes["nodes"][0]["spec"]["ipfs_server"], true);
}

/// With OS services, a first start starts only node 1's service; the monitor service starts
/// node 2's once node 1 shows progress.
#[test]
fn os_services_first_start_node_1_alone_then_the_monitor_starts_the_rest() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let server = FixtureServer::start();
    let v1 = publish_release(&server, "1.0", wrapper("TEST_NODE_TICK_MS=200"));
    let b = Box_::new();
    b.ok_json(&["install", "--source", &v1, "--json"]);
    b.ok_json(&["node", "add", "--count", "2", "--json"]);
    let env1 = b.data.join("nodes/node-1/.env");
    let mut text = std::fs::read_to_string(&env1).unwrap();
    text.push_str("TEST_NODE_BEHAVIOUR=pull_ms:4000\n");
    std::fs::write(&env1, text).unwrap();

    let out = b.run(&["node", "start", "all"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("node 2 starts when it is up"), "{said}");
    let calls = b.calls();
    assert!(
        calls.contains("systemctl --user start cortensor-node-1.service"),
        "{calls}"
    );
    assert!(!calls.contains("start cortensor-node-2.service"), "{calls}");

    let status = || b.ok_json(&["node", "status", "--json"]);
    wait_until("node 2 waiting, said so", Duration::from_secs(20), || {
        status()["health"][1]["reason"]
            .as_str()
            .is_some_and(|r| r.starts_with("waiting for node 1"))
    });
    assert_eq!(status()["health"][1]["state"], "starting");
    // The monitor starts node 2's service once node 1 shows progress.
    wait_until(
        "node 2's service started by the monitor",
        Duration::from_secs(30),
        || {
            b.calls()
                .contains("systemctl --user start cortensor-node-2.service")
        },
    );
    wait_until("node 2 running", Duration::from_secs(20), || {
        status()["runtime"][1]["pid"].is_i64()
    });
    b.run(&["node", "stop", "all"]);
}

//! Against the real network's shapes: the node's `.env` rendered from upstream's example, the
//! file key store on a machine without a keychain (no session bus at all), RPC URLs as secrets,
//! the L3 network's chain id read from a JSON-RPC endpoint on 127.0.0.1, and a stand-in node
//! that refuses what the real one refuses.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Command, Output};
use std::time::Duration;

use cortensor_test_support::*;
use serde_json::Value;

/// A sandbox with the supervisor backend and no session bus: no keychain answers here.
pub(crate) struct Headless {
    pub(crate) sb: Sandbox,
}

impl Headless {
    pub(crate) fn new() -> Headless {
        let h = Headless {
            sb: Sandbox::new(Backend::Supervisor),
        };
        // Installed from a folder source holding the test node.
        let release = folder_release(&h.sb.home.join("release"), "t", None);
        h.ok(&["install", "--source", release.to_str().unwrap()]);
        let cli = env!("CARGO_BIN_EXE_cortensor-manager").to_string();
        let env = h.sb.env();
        h.sb.on_drop(move || {
            let _ = Command::new(&cli)
                .envs(env)
                .env_remove("DBUS_SESSION_BUS_ADDRESS")
                .args(["node", "stop", "all"])
                .output();
        });
        h
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.sb
            .command(env!("CARGO_BIN_EXE_cortensor-manager"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .args(args)
            .output()
            .unwrap()
    }

    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn json(&self, args: &[&str]) -> Value {
        serde_json::from_str(&self.ok(args)).unwrap()
    }

    pub(crate) fn env_of(&self, id: u32) -> BTreeMap<String, String> {
        let text = std::fs::read_to_string(self.env_path(id)).unwrap();
        text.lines()
            .filter(|l| !l.trim_start().starts_with('#'))
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_string(), v.trim_matches('"').to_string()))
            .collect()
    }

    /// `node add --count N --key-store file --json`.
    pub(crate) fn add_file_nodes(&self, count: u32) -> Value {
        self.json(&[
            "node",
            "add",
            "--count",
            &count.to_string(),
            "--key-store",
            "file",
            "--json",
        ])
    }

    /// The nodes whose process runs (starting or running), by id.
    fn running(&self) -> Vec<u64> {
        self.json(&["node", "status", "--json"])["runtime"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["state"] == "running" || r["state"] == "starting")
            .filter_map(|r| r["node_id"].as_u64())
            .collect()
    }

    fn env_path(&self, id: u32) -> std::path::PathBuf {
        self.sb.data.join(format!("nodes/node-{id}/.env"))
    }
}

fn mode(p: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(p).unwrap().permissions().mode() & 0o777
}

#[test]
fn without_a_keychain_node_add_names_the_choice_and_the_file_store_works() {
    let h = Headless::new();
    // No keychain and no --key-store: refused, with the choice spelled out.
    let out = h.run(&["node", "add", "--count", "1"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--key-store file"), "{err}");
    assert!(
        !h.sb.data.join("nodes/node-1").exists(),
        "nothing was created"
    );

    let added = h.json(&[
        "node",
        "add",
        "--count",
        "2",
        "--key-store",
        "file",
        "--rpc-url",
        "https://arb.example/v2/PLANTEDRPCKEY",
        "--json",
    ]);
    assert_eq!(added["nodes"][0]["key_store"], "file");
    assert_eq!(mode(&h.env_path(1)), 0o600);
    let env = h.env_of(1);
    let pk = env["NODE_PRIVATE_KEY"].clone();
    assert!(
        pk.len() == 66 && pk.starts_with("0x"),
        "the key is in the .env"
    );
    assert_eq!(env["HOST"], "https://arb.example/v2/PLANTEDRPCKEY");
    // The key store is remembered per node and shown.
    let list = h.json(&["node", "list", "--json"]);
    assert_eq!(list["nodes"][1]["spec"]["key_store"], "file");
    // The RPC URL and the keys are secrets: in the 0600 files only, never in the database.
    let db = String::from_utf8_lossy(
        &std::fs::read(h.sb.data.join("cortensor-manager.sqlite3")).unwrap(),
    )
    .into_owned();
    assert!(!db.contains("PLANTEDRPCKEY") && !db.contains(&pk[2..]));
    assert_eq!(mode(&h.sb.data.join("rpc-urls")), 0o600);
    let shown = h.ok(&["node", "rpc", "show"]);
    assert!(
        shown.contains("https://arb.example/…[redacted]") && !shown.contains("PLANTED"),
        "{shown}"
    );

    // The nodes run from their .env alone (the stand-in refuses a missing key).
    h.ok(&["node", "start", "all"]);
    wait_until(
        "both nodes up and node 1 logging progress",
        Duration::from_secs(20),
        || {
            let log = std::fs::read_to_string(h.sb.data.join("nodes/node-1/logs/cortensord.log"))
                .unwrap_or_default();
            h.running().len() == 2 && log.contains("Latest ID")
        },
    );
    // CORTENSOR_PATH is the node's folder: its application log is there.
    assert!(h
        .sb
        .data
        .join("nodes/node-1/agent_miner_node1.log")
        .exists());

    // `node rpc set` rewrites every .env (several URLs: upstream's multi-RPC keys).
    h.ok(&[
        "node",
        "rpc",
        "set",
        "https://one.example/k1",
        "https://two.example/k2",
    ]);
    let env = h.env_of(2);
    assert_eq!(
        (
            env["HOST"].as_str(),
            env["ENABLE_MULTIPLE_RPC_HOST"].as_str(),
            env["NUM_RPC_HOST"].as_str(),
            env["RPC_HOST_1"].as_str()
        ),
        ("https://one.example/k1", "1", "2", "https://two.example/k2")
    );
    assert_eq!(
        env["NODE_PRIVATE_KEY"].len(),
        66,
        "the key stays in the file"
    );
    let bad = h.run(&["node", "rpc", "set", "http://rpc.example/plain"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("https://"));

    // Uninstall would delete the only copy of file-store keys: refused until it can keep an
    // encrypted copy first (a passphrase for it); nothing is removed.
    let out = h.run(&["uninstall", "--yes"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--passphrase-file"));
    assert!(h.sb.data.join("nodes/node-1/.env").exists());
}

#[test]
fn the_env_is_upstreams_example_with_the_node_values() {
    let h = Headless::new();
    h.add_file_nodes(2);
    let text = std::fs::read_to_string(h.env_path(2)).unwrap();
    let keys: Vec<&str> = text
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    // Every key of upstream's example (200 at installer main 0c55ced), once each.
    let example =
        std::fs::read_to_string(workspace_path("crates/node/upstream/env-example.keys")).unwrap();
    let want: Vec<&str> = example
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('=').map(|(k, _)| k))
        .collect();
    assert_eq!(want.len(), 200);
    for k in &want {
        assert_eq!(keys.iter().filter(|x| *x == k).count(), 1, "{k}");
    }
    let env = h.env_of(2);
    let address = h.json(&["node", "list", "--json"])["nodes"][1]["spec"]["address"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(env["NODE_PUBLIC_KEY"].to_ascii_lowercase(), address);
    assert_ne!(env["NODE_PUBLIC_KEY"], address, "EIP-55 mixed case");
    for (k, v) in [
        ("HOST", "http://127.0.0.1:9/rpc"),
        ("HOST_MAINNET", "http://127.0.0.1:9/mainnet"),
        ("CHAINID", "421614"),
        (
            "CONTRACT_ADDRESS_RUNTIME",
            "0xa438cE917a5740267e0f7217f81cbbAA23E7e106",
        ),
        ("DEV_MODE_ENABLE_DEBUG_PRINT", "1"),
        ("DOCKER_LLM_MANAGER", "1"),
        ("LOG_FILE_NAME", "agent_miner_node2.log"),
        ("ENABLE_IPFS_SERVER", "0"),
        ("LLM_WORKER_CONTAINER_NAME_PREFIX", "cortensor-node2-"),
        ("IS_L3", "0"),
    ] {
        assert_eq!(env.get(k).map(String::as_str), Some(v), "{k}");
    }
    assert_eq!(
        h.env_of(1)["ENABLE_IPFS_SERVER"],
        "1",
        "exactly one IPFS server"
    );
    // No RPC URL given: the public endpoint, with a plain warning.
    let out = h.run(&["node", "add", "--count", "1", "--key-store", "file"]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("public endpoint"));
}

#[test]
fn the_l3_reads_its_chain_id_from_the_rpc_url() {
    let h = Headless::new();
    let rpc = JsonRpcServer::start(HashMap::from([(
        "eth_chainId".to_string(),
        "\"0x15b38\"".to_string(),
    )]));
    // testnet1 publishes no RPC URL: one is needed.
    let out = h.run(&[
        "node",
        "add",
        "--network",
        "testnet1",
        "--key-store",
        "file",
    ]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--rpc-url"));
    h.json(&[
        "node",
        "add",
        "--network",
        "testnet1",
        "--key-store",
        "file",
        "--rpc-url",
        &rpc.url,
        "--json",
    ]);
    assert_eq!(rpc.calls.lock().unwrap().as_slice(), ["eth_chainId"]);
    let env = h.env_of(1);
    assert_eq!(env["CHAINID"], "88888");
    assert_eq!(env["IS_L3"], "1");
    assert_eq!(
        env["CONTRACT_ADDRESS_RUNTIME"],
        "0x0188C7F0c23c8be756F7b56486193E086f48E64b"
    );
    assert_eq!(
        h.json(&["node", "list", "--json"])["nodes"][0]["spec"]["network"],
        "testnet1"
    );
    // An endpoint that is not JSON-RPC is a clear refusal.
    let dead = h.run(&[
        "node",
        "add",
        "--network",
        "testnet1",
        "--key-store",
        "file",
        "--rpc-url",
        "http://127.0.0.1:9/rpc",
    ]);
    let err = String::from_utf8_lossy(&dead.stderr);
    assert!(
        err.contains("cannot read the chain id of testnet1"),
        "{err}"
    );
    assert!(
        !err.contains("127.0.0.1:9/rpc"),
        "the URL (a secret) is not echoed"
    );
}

#[test]
fn the_stand_in_node_refuses_what_the_real_one_refuses() {
    let dir = tempfile::tempdir().unwrap();
    let env = dir.path().join(".env");
    let key = format!("0x{:064x}", 2);
    let address = "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF";
    let full = format!(
        "HOST=http://127.0.0.1:9/rpc\nCONTRACT_ADDRESS_RUNTIME=0xa438cE917a5740267e0f7217f81cbbAA23E7e106\nNODE_PUBLIC_KEY={address}\nNODE_PRIVATE_KEY={key}\nTEST_NODE_TICK_MS=50\n"
    );
    let run = |text: &str| {
        std::fs::write(&env, text).unwrap();
        Command::new(test_node_bin())
            .env_clear()
            .arg(&env)
            .args(["tool", "verify"])
            .output()
            .unwrap()
    };
    assert!(run(&full).status.success());
    for (missing, said) in [
        ("HOST=", "HOST is not set"),
        ("CONTRACT_ADDRESS_RUNTIME=", "CONTRACT_ADDRESS_RUNTIME"),
        ("NODE_PUBLIC_KEY=", "NODE_PUBLIC_KEY"),
        ("NODE_PRIVATE_KEY=", "NODE_PRIVATE_KEY"),
    ] {
        let text: String = full
            .lines()
            .map(|l| {
                if l.starts_with(missing) {
                    missing.to_string()
                } else {
                    l.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        let out = run(&text);
        assert!(!out.status.success(), "{missing}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(said),
            "{missing}"
        );
    }
}

#[test]
fn register_checks_the_nodes_balance_through_its_rpc_first() {
    let h = Headless::new();
    let poor = JsonRpcServer::start(HashMap::from([(
        "eth_getBalance".to_string(),
        "\"0x2386f26fc10000\"".to_string(), // 0.01 ETH, below the 0.05 the profile asks
    )]));
    let added = h.json(&[
        "node",
        "add",
        "--count",
        "1",
        "--key-store",
        "file",
        "--rpc-url",
        &poor.url,
        "--json",
    ]);
    let address = added["nodes"][0]["address"].as_str().unwrap().to_string();
    let out = h.run(&["node", "register", "1", "--json"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("0.010000 ETH") && err.contains("0.050000 ETH"),
        "{err}"
    );
    assert!(
        err.to_ascii_lowercase().contains(&address),
        "the address to fund is named: {err}"
    );
    assert_eq!(poor.calls.lock().unwrap().as_slice(), ["eth_getBalance"]);
    assert!(
        h.json(&["node", "list", "--json"])["nodes"][0]["registered"].is_null(),
        "nothing was sent to the network"
    );

    let funded = JsonRpcServer::start(HashMap::from([(
        "eth_getBalance".to_string(),
        "\"0xde0b6b3a7640000\"".to_string(), // 1 ETH
    )]));
    h.ok(&["node", "rpc", "set", &funded.url]);
    let r = h.json(&["node", "register", "1", "--json"]);
    assert_eq!(
        (r["registered"].as_bool(), r["verified"].as_bool()),
        (Some(true), Some(true))
    );
    assert_eq!(r["balance"], "1.000000 ETH");

    // An RPC that does not answer: the check is skipped with a note, registration goes on.
    h.ok(&["node", "rpc", "set", "http://127.0.0.1:9/rpc"]);
    let r = h.json(&["node", "register", "1", "--json"]);
    assert!(r["balance"].is_null());
    assert!(
        r["output"]
            .as_str()
            .unwrap()
            .contains("balance could not be checked"),
        "{r}"
    );
}

/// A folder release of the test node run through a shell wrapper with `env` set.
fn wrapped_release(dir: &Path, version: &str, env: &str) -> String {
    let bytes = format!(
        "#!/bin/sh\n{env} exec {} \"$@\"\n",
        test_node_bin().display()
    );
    folder_release(
        &dir.join(format!("release-{version}")),
        version,
        Some(bytes.as_bytes()),
    )
    .display()
    .to_string()
}

#[test]
fn updates_on_the_supervisor_restart_the_running_nodes_and_roll_back_a_crashing_release() {
    let h = Headless::new();
    h.add_file_nodes(2);
    // Only node 1 is meant to run.
    h.ok(&["node", "start", "1"]);
    let wait_running = |what: &str| {
        wait_until(what, Duration::from_secs(20), || h.running().contains(&1));
    };
    wait_running("node 1 up");
    let bad = wrapped_release(
        &h.sb.home,
        "2.0",
        "TEST_NODE_BEHAVIOUR=crash_after_ms:300 TEST_NODE_TICK_MS=100",
    );
    let up = h.json(&[
        "update",
        "--source",
        &bad,
        "--window",
        "3",
        "--traceback-grace",
        "1",
        "--json",
    ]);
    let why = up["rolled_back"]
        .as_str()
        .unwrap_or_else(|| panic!("expected a rollback: {up}"));
    assert!(why.contains("node 1") && why.contains("crashed"), "{why}");
    assert!(
        !why.contains("node 2"),
        "node 2 is not meant to run and was not restarted: {why}"
    );
    assert_eq!(
        h.json(&["node", "list", "--json"])["installed"]["version"],
        "t"
    );
    wait_running("node 1 back on the old release");

    let good = wrapped_release(&h.sb.home, "3.0", "TEST_NODE_TICK_MS=100");
    let up = h.json(&["update", "--source", &good, "--window", "2", "--json"]);
    assert!(up["rolled_back"].is_null(), "{up}");
    assert_eq!(up["to"], "3.0");
    let s = h.json(&["node", "status", "--json"]);
    assert!(
        s["runtime"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["node_id"] != 2 || r["pid"].is_null()),
        "node 2 stays stopped: {s}"
    );
}

#[test]
fn keys_export_as_encrypted_keystores_and_plain_text_only_when_asked() {
    let h = Headless::new();
    h.add_file_nodes(2);
    let pk1 = h.env_of(1)["NODE_PRIVATE_KEY"].clone();
    let dir = h.sb.home.join("backup");
    // No terminal and no passphrase file: refused, nothing written.
    let out = h.run(&["keys", "export", "--out", dir.to_str().unwrap()]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("--passphrase-file"));
    assert!(!dir.exists());
    let pass = h.sb.home.join("pass.txt");
    std::fs::write(&pass, "a long passphrase\n").unwrap();
    h.ok(&[
        "keys",
        "export",
        "--out",
        dir.to_str().unwrap(),
        "--passphrase-file",
        pass.to_str().unwrap(),
    ]);
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    assert_eq!(files.len(), 2);
    for f in &files {
        assert_eq!(mode(f), 0o600);
        let text = std::fs::read_to_string(f).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            (v["version"].as_u64(), v["crypto"]["kdf"].as_str()),
            (Some(3), Some("scrypt"))
        );
        assert!(!text.contains(&pk1[2..]), "encrypted");
    }
    let csv = h.sb.home.join("keys.csv");
    h.ok(&[
        "keys",
        "export",
        "--out",
        csv.to_str().unwrap(),
        "--plaintext",
    ]);
    assert!(std::fs::read_to_string(&csv).unwrap().contains(&pk1));
    assert_eq!(mode(&csv), 0o600);
}

/// On a machine without IPFS, `install` fetches kubo from its mirror and refuses an archive that
/// does not match kubo's published sha512; the doctor then fails IPFS for the node that runs the
/// IPFS server, and `doctor --fix ipfs` installs it once the mirror is right.
#[test]
fn kubo_is_installed_verified_and_its_absence_fails_the_doctor() {
    let sb = Sandbox::new(Backend::Supervisor);
    let server = FixtureServer::start();
    let good = kubo_archive(Some(FAKE_IPFS));
    let dist = kubo_mirror(&server, "v0.33.0", good.clone(), Some(&"0f".repeat(64)));
    let profile = sb.home.join("network.toml");
    let loopback = std::fs::read_to_string(&sb.network).unwrap();
    assert!(loopback.contains("dist = \"http://127.0.0.1:9/kubo\""));
    std::fs::write(&profile, loopback.replace("http://127.0.0.1:9/kubo", &dist)).unwrap();
    // The stand-in docker only: no ipfs on the tools' PATH.
    let tools = format!(
        "{}:/usr/bin:/bin",
        workspace_path("tests/fake-docker").display()
    );
    let run = |args: &[&str]| {
        sb.command(env!("CARGO_BIN_EXE_cortensor-manager"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env("CORTENSOR_MANAGER_NETWORK", &profile)
            .env("CORTENSOR_MANAGER_SERVICE_PATH", &tools)
            .args(args)
            .output()
            .unwrap()
    };
    let ipfs_check = |args: &[&str]| -> Value {
        let out = run(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "ipfs")
            .unwrap()
            .clone()
    };

    let release = folder_release(&sb.home.join("release"), "t", None);
    let out = run(&["install", "--source", release.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(r["ipfs"].is_null(), "{r}");
    let warning = r["warnings"][0].as_str().unwrap();
    assert!(
        warning.contains("cortensord is installed, but IPFS is not")
            && warning.contains("sha512")
            && warning.contains("doctor --fix ipfs"),
        "{warning}"
    );
    let ipfs_path = sb.data.join("bin/ipfs");
    assert!(!ipfs_path.exists());
    assert!(sb.data.join("bin/cortensord").exists());

    // Before any node: a warning with an automatic fix.
    let check = ipfs_check(&["doctor", "--json", "--time-url", "http://127.0.0.1:9/"]);
    assert_eq!(check["status"], "warn", "{check}");
    assert_eq!(check["fix"]["automatic"], true);
    // With node 1 running the IPFS server: a failure naming it.
    let out = run(&[
        "node",
        "add",
        "--count",
        "1",
        "--key-store",
        "file",
        "--json",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let check = ipfs_check(&["doctor", "--json", "--time-url", "http://127.0.0.1:9/"]);
    assert_eq!(check["status"], "fail", "{check}");
    assert!(
        check["explanation"]
            .as_str()
            .unwrap()
            .starts_with("Node 1 runs this machine's IPFS server"),
        "{check}"
    );

    // The fix says what it will do, and needs consent.
    let out = run(&["doctor", "--fix", "ipfs"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(!out.status.success());
    assert!(
        said.contains("kubo_v0.33.0_linux-amd64.tar.gz.sha512") && said.contains("bin"),
        "{said}"
    );
    assert!(!ipfs_path.exists());

    // The mirror is right now: the fix installs kubo's ipfs, and the check passes.
    kubo_mirror(&server, "v0.33.0", good, None);
    let out = run(&["doctor", "--fix", "ipfs", "--yes"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(ipfs_path.exists());
    let check = ipfs_check(&["doctor", "--json", "--time-url", "http://127.0.0.1:9/"]);
    assert_eq!(check["status"], "ok", "{check}");
    assert!(check["explanation"].as_str().unwrap().contains("0.33.0"));
}

/// The daemon reads each node's balance through the node's own RPC URL: a node short of gas
/// money shows it in `node status` (with the address to fund) and raises one alert.
#[test]
fn a_node_short_of_gas_money_is_shown_with_its_address_to_fund() {
    let h = Headless::new();
    let rpc = JsonRpcServer::start(HashMap::from([
        ("eth_chainId".to_string(), "\"0x66eee\"".to_string()),
        // 0.01 ETH, below Testnet-0's 0.05.
        (
            "eth_getBalance".to_string(),
            "\"0x2386f26fc10000\"".to_string(),
        ),
    ]));
    let added = h.json(&[
        "node",
        "add",
        "--count",
        "1",
        "--key-store",
        "file",
        "--rpc-url",
        &rpc.url,
        "--json",
    ]);
    let address = added["nodes"][0]["address"].as_str().unwrap().to_string();
    h.ok(&["node", "start", "all"]);
    wait_until(
        "the balance on the node's health",
        Duration::from_secs(30),
        || h.json(&["node", "status", "--json"])["health"][0]["balance"]["eth"] == "0.010000 ETH",
    );
    let status = h.json(&["node", "status", "--json"]);
    let b = &status["health"][0]["balance"];
    assert_eq!(
        (b["low"].as_bool(), b["min_eth"].as_str()),
        (Some(true), Some("0.050000 ETH"))
    );
    assert_eq!(b["wei"], "10000000000000000");
    let text = h.ok(&["node", "status"]);
    assert!(
        text.contains(&format!(
            "Node 1 has 0.010000 ETH, below 0.050000 ETH: send ETH on testnet0 to {address}"
        )),
        "{text}"
    );
    assert!(rpc
        .calls
        .lock()
        .unwrap()
        .iter()
        .any(|m| m == "eth_getBalance"));
}

/// A machine's first start: node 1 (the IPFS server) starts alone and pulls the LLM images,
/// shown with what Docker pulled so far; nodes 2 and 3 wait, said so, and start when node 1
/// shows progress. Later starts hold nothing back.
#[test]
fn the_first_start_pulls_images_with_one_node_while_the_others_wait() {
    let h = Headless::new();
    h.add_file_nodes(3);
    // Node 1 prints no session progress for 5 s (its images are being pulled).
    let env1 = h.env_path(1);
    let mut text = std::fs::read_to_string(&env1).unwrap();
    text.push_str("TEST_NODE_BEHAVIOUR=pull_ms:5000\nTEST_NODE_TICK_MS=200\n");
    std::fs::write(&env1, text).unwrap();
    // What Docker saw meanwhile: two images pulled (Docker 25's event shape), with their sizes.
    let docker = &h.sb.docker;
    std::fs::create_dir_all(docker.join("images")).unwrap();
    std::fs::write(
        docker.join("events.jsonl"),
        concat!(
            r#"{"Type":"image","Action":"pull","Actor":{"ID":"cortensor/llm-engine:latest","Attributes":{"name":"cortensor/llm-engine"}},"scope":"local","time":1764150000,"timeNano":1764150000000000000}"#,
            "\n",
            r#"{"Type":"image","Action":"pull","Actor":{"ID":"ollama/ollama:0.5.7","Attributes":{"name":"ollama/ollama"}},"scope":"local","time":1764150100,"timeNano":1764150100000000000}"#,
            "\n"
        ),
    )
    .unwrap();
    std::fs::write(
        docker.join("images/cortensor_llm-engine_latest.size"),
        "5800000000\n",
    )
    .unwrap();
    std::fs::write(
        docker.join("images/ollama_ollama_0.5.7.size"),
        "512000000\n",
    )
    .unwrap();

    let out = h.ok(&["node", "start", "all"]);
    assert!(
        out.contains("first start: node 1 starts first and pulls the LLM images")
            && out.contains("nodes 2, 3 start when it is up"),
        "{out}"
    );
    let health = |id: u64| -> Value {
        h.json(&["node", "status", "--json"])["health"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    };
    wait_until(
        "node 1 pulling, shown with Docker's pulls",
        Duration::from_secs(20),
        || {
            health(1)["reason"]
                .as_str()
                .is_some_and(|r| r.contains("2 images pulled (6.3 GB)"))
        },
    );
    let one = health(1);
    assert_eq!(one["state"], "starting");
    assert!(
        one["reason"]
            .as_str()
            .unwrap()
            .starts_with("first start: pulling the LLM images ("),
        "{one}"
    );
    for id in [2, 3] {
        let n = health(id);
        assert_eq!(n["state"], "starting", "{n}");
        assert!(n["pid"].is_null(), "node {id} is held back: {n}");
        assert!(
            n["reason"]
                .as_str()
                .unwrap()
                .starts_with("waiting for node 1 to finish its first start"),
            "{n}"
        );
    }
    assert_eq!(h.running(), [1]);

    // Node 1 shows progress: the others start.
    wait_until(
        "nodes 2 and 3 started after node 1",
        Duration::from_secs(30),
        || h.running() == [1, 2, 3],
    );
    let status = h.json(&["node", "status", "--json"]);
    let started = |id: u64| {
        status["runtime"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["node_id"] == id)
            .unwrap()["started_at"]
            .as_i64()
            .unwrap()
    };
    assert!(
        started(2) >= started(1) + 4,
        "node 2 waited for node 1's pull"
    );

    // The first start is over: a later start holds nothing back.
    h.ok(&["node", "stop", "all"]);
    wait_until("all stopped", Duration::from_secs(30), || {
        h.running().is_empty()
    });
    let out = h.ok(&["node", "start", "all"]);
    assert!(!out.contains("first start"), "{out}");
    wait_until("all three start together", Duration::from_secs(20), || {
        h.running() == [1, 2, 3]
    });
}

/// `node add --gpu` writes upstream's GPU keys and says what is missing: no NVIDIA GPU at all,
/// or a GPU without the container toolkit its containers need.
#[test]
fn gpu_nodes_say_what_the_machine_lacks() {
    let h = Headless::new();
    let added = h.json(&[
        "node",
        "add",
        "--count",
        "1",
        "--key-store",
        "file",
        "--gpu",
        "--json",
    ]);
    let env = h.env_of(1);
    assert_eq!(
        (
            env["LLM_OPTION_GPU"].as_str(),
            env["LLM_GPU_CONTAINER"].as_str()
        ),
        ("1", "1")
    );
    let warnings = added["warnings"].to_string();
    assert!(warnings.contains("no NVIDIA GPU was found"), "{warnings}");

    // A GPU (a stand-in nvidia-smi printing a captured line), no nvidia-ctk, Docker without
    // an nvidia runtime.
    let tools = h.sb.home.join("gpu-tools");
    std::fs::create_dir_all(&tools).unwrap();
    let smi = tools.join("nvidia-smi");
    std::fs::write(
        &smi,
        "#!/bin/sh\necho 'NVIDIA GeForce RTX 3090, 24576, 1043, 7, 46'\n",
    )
    .unwrap();
    std::fs::set_permissions(&smi, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let out =
        h.sb.command(env!("CARGO_BIN_EXE_cortensor-manager"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .env(
                "CORTENSOR_MANAGER_SERVICE_PATH",
                format!("{}:{}", tools.display(), h.sb.service_path()),
            )
            .args([
                "node",
                "add",
                "--count",
                "1",
                "--key-store",
                "file",
                "--gpu",
                "--json",
            ])
            .output()
            .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let added: Value = serde_json::from_slice(&out.stdout).unwrap();
    let warnings = added["warnings"].to_string();
    assert!(
        warnings.contains("NVIDIA Container Toolkit is not installed")
            && !warnings.contains("no NVIDIA GPU"),
        "{warnings}"
    );
}

/// The participant's truths through `node status --json`: three nodes started together show
/// one uptime each ("measuring" at first, the same in every view), raise no qualification
/// alert, and with Docker stopped none is earning, the reason naming Docker. An alert whose
/// condition ends is resolved; one can be dismissed and stays in the history.
#[test]
fn three_nodes_one_uptime_no_false_alerts_and_docker_stops_earning() {
    let h = Headless::new();
    let rpc = JsonRpcServer::start(HashMap::from([(
        "eth_getBalance".to_string(),
        "\"0x0\"".to_string(),
    )]));
    h.json(&[
        "node",
        "add",
        "--count",
        "3",
        "--key-store",
        "file",
        "--rpc-url",
        &rpc.url,
        "--json",
    ]);
    h.ok(&["node", "start", "all"]);
    // Running, and seen so by the monitor (which runs apart from the supervisor).
    wait_until("three nodes running", Duration::from_secs(30), || {
        h.running() == [1, 2, 3]
            && h.json(&["node", "status", "--json"])["health"]
                .as_array()
                .is_some_and(|a| {
                    a.len() == 3
                        && a.iter()
                            .all(|n| n["uptime"]["seen_minutes_24h"].as_i64() >= Some(1))
                })
    });
    let status = h.json(&["node", "status", "--json"]);
    for n in status["health"].as_array().unwrap() {
        let u = &n["uptime"];
        assert_eq!(u["measuring"], true, "{n}");
        assert!(u["seen_minutes_24h"].as_i64().unwrap() >= 1, "{n}");
        assert_eq!(
            u["up_minutes_24h"], u["seen_minutes_24h"],
            "up every observed minute: {n}"
        );
        // No Docker here (the stand-in's folder is absent): not earning, and Docker is why.
        wait_until("Docker looked at", Duration::from_secs(40), || {
            h.json(&["node", "status", "--json"])["health"][0]["earning"]["blocker"]
                .as_str()
                .is_some_and(|b| b.starts_with("Docker is stopped"))
        });
    }
    let status = h.json(&["node", "status", "--json"]);
    for n in status["health"].as_array().unwrap() {
        assert_eq!(n["earning"]["earning"], false, "{n}");
        assert_eq!(n["earning"]["action"], "Start Docker", "{n}");
    }
    assert!(
        status["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["kind"] != "uptime_at_risk"),
        "no qualification alert for nodes that just started: {}",
        status["alerts"]
    );
    let text = h.ok(&["node", "status"]);
    assert!(text.contains("measuring"), "{text}");
    assert!(
        text.contains("Node 1 is not earning: Docker is stopped"),
        "{text}"
    );

    // Each node's balance is read through its RPC: all three short of gas money, three
    // alerts; one dismissed leaves the open list and stays in the history.
    wait_until("three low-balance alerts", Duration::from_secs(30), || {
        h.json(&["alerts", "--json"])
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["kind"] == "low_balance")
            .count()
            == 3
    });
    let out = h.run(&["alerts", "dismiss", "999"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no alert 999"));
    let all = h.json(&["alerts", "--all", "--json"]);
    let first = all[0]["id"].as_i64().unwrap().to_string();
    h.ok(&["alerts", "dismiss", &first]);
    let open = h.json(&["alerts", "--json"]);
    assert_eq!(
        open.as_array().unwrap().len(),
        all.as_array().unwrap().len() - 1
    );
    assert!(open
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a["id"].to_string() != first));
    let history = h.json(&["alerts", "--all", "--json"]);
    assert_eq!(
        history.as_array().unwrap().len(),
        all.as_array().unwrap().len(),
        "dismissed alerts stay in the history"
    );
    assert!(history[0]["dismissed_at"].is_i64());
    assert!(h.ok(&["alerts", "--all"]).contains("(dismissed)"));
}

/// "Start my nodes when I log in" on a machine whose nodes the supervisor runs: a desktop
/// login item running this program's daemon; turned off, it is gone.
#[test]
fn autostart_is_a_login_item_that_runs_the_daemon() {
    let h = Headless::new();
    let entry =
        h.sb.home
            .join(".config/autostart/cortensor-node-manager-autostart.desktop");
    assert!(h
        .ok(&["autostart", "status"])
        .contains("do not start by themselves"));
    assert!(h.ok(&["autostart", "on"]).contains("start when you log in"));
    let text = std::fs::read_to_string(&entry).unwrap();
    let exe = env!("CARGO_BIN_EXE_cortensor-manager");
    assert!(
        text.contains(&format!(
            "Exec=\"{exe}\" --data-dir \"{}\" daemon\n",
            h.sb.data.display()
        )),
        "{text}"
    );
    assert!(h
        .ok(&["autostart", "status"])
        .contains("start when you log in"));
    // Removed by hand: the status says so (it is not taken on trust).
    std::fs::remove_file(&entry).unwrap();
    assert!(h
        .ok(&["autostart", "status"])
        .contains("do not start by themselves"));
    h.ok(&["autostart", "on"]);
    h.ok(&["autostart", "off"]);
    assert!(!entry.exists());
    let out = h.run(&["autostart", "sometimes"]);
    assert!(!out.status.success());
}

#[test]
fn two_node_adds_at_once_give_distinct_ids_ports_and_keys() {
    let h = Headless::new();
    let add = || {
        h.sb.command(env!("CARGO_BIN_EXE_cortensor-manager"))
            .env_remove("DBUS_SESSION_BUS_ADDRESS")
            .args([
                "node",
                "add",
                "--count",
                "3",
                "--key-store",
                "file",
                "--json",
            ])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (a, b) = (add(), add());
    for child in [a, b] {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let list = h.json(&["node", "list", "--json"]);
    let nodes = list["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 6);
    // The backend of the first setup is remembered (a later run never detects another).
    let db = rusqlite::Connection::open(h.sb.data.join("cortensor-manager.sqlite3")).unwrap();
    let backend: String = db
        .query_row(
            "SELECT value FROM settings WHERE key = 'backend'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(backend, "supervisor");
    let ids: std::collections::BTreeSet<u64> = nodes
        .iter()
        .map(|n| n["spec"]["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, (1..=6).collect());
    let ports: std::collections::BTreeSet<u64> = nodes
        .iter()
        .map(|n| n["spec"]["llm_port"].as_u64().unwrap())
        .collect();
    assert_eq!(ports.len(), 6);
    // Each node's .env holds the key of its own address.
    for n in nodes {
        let id = n["spec"]["id"].as_u64().unwrap() as u32;
        let env = h.env_of(id);
        assert!(
            env["NODE_PUBLIC_KEY"].eq_ignore_ascii_case(n["spec"]["address"].as_str().unwrap()),
            "node {id}"
        );
    }
}

/// A release folder of `version` released at `when` (RFC 3339), with `bytes` as the binary.
fn dated_release(dir: &Path, version: &str, when: &str, bytes: &[u8]) -> String {
    folder_release(dir, version, Some(bytes));
    let m = dir.join("manifest.json");
    let text = std::fs::read_to_string(&m).unwrap();
    let text = text.replacen(
        &format!(r#""version": "{version}","#),
        &format!(r#""version": "{version}", "released_at": "{when}","#),
        1,
    );
    std::fs::write(&m, text).unwrap();
    dir.to_str().unwrap().to_string()
}

#[test]
fn an_older_release_is_not_installed_over_a_newer_one_unless_asked() {
    let h = Headless::new();
    let node = std::fs::read(test_node_bin()).unwrap();
    // Two builds, both other than the one the sandbox installed.
    let build = |tag: &[u8]| [node.as_slice(), tag].concat();
    let other = build(b"\n#1.9.0\n");
    let newer = dated_release(
        &h.sb.home.join("r-new"),
        "2.0.0",
        "2026-11-20T10:00:00Z",
        &build(b"\n#2.0.0\n"),
    );
    let older = dated_release(
        &h.sb.home.join("r-old"),
        "1.9.0",
        "2026-11-20T09:59:59Z",
        &other,
    );
    h.ok(&["install", "--source", &newer]);
    // One second older is older: refused, nothing changed.
    let out = h.run(&["install", "--source", &older]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("refusing to install 1.9.0") && err.contains("--allow-downgrade"),
        "{err}"
    );
    let list = h.json(&["node", "list", "--json"]);
    assert_eq!(list["installed"]["version"], "2.0.0");
    // An update check does not offer it either.
    let check = h.json(&["update", "--check", "--source", &older, "--json"]);
    assert_eq!(check["update_available"], false, "{check}");
    // Asked for: done.
    h.ok(&["install", "--source", &older, "--allow-downgrade"]);
    let list = h.json(&["node", "list", "--json"]);
    assert_eq!(list["installed"]["version"], "1.9.0");
}

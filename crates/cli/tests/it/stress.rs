//! `stress`: cycles in sandboxes beside the machine's "real" nodes (which it never touches),
//! the report, failures classified from injected faults, and nothing left after a run, a cancel
//! or a kill -9.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use cortensor_test_support::*;
use serde_json::Value;

use crate::runtime::{alive, Env};

/// Processes running from (or in) the stress folder.
fn stress_processes(data: &Path) -> Vec<u32> {
    let root = data.join("stress");
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|d| d.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let p = PathBuf::from(format!("/proc/{pid}"));
            let under =
                |link: &str| std::fs::read_link(p.join(link)).is_ok_and(|t| t.starts_with(&root));
            under("exe") || under("cwd")
        })
        .collect()
}

fn sandboxes_left(data: &Path) -> usize {
    std::fs::read_dir(data.join("stress/sandboxes")).map_or(0, |d| d.count())
}

/// The Secret Service's node keys (their addresses), to show the stress run adds none.
fn keychain_entries() -> Vec<String> {
    let out = std::process::Command::new("secret-tool")
        .args([
            "search",
            "--all",
            "service",
            "network.cortensor.manager.node-key",
        ])
        .output()
        .unwrap();
    let mut v: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .chain(String::from_utf8_lossy(&out.stderr).lines())
        .filter_map(|l| l.strip_prefix("attribute.username = ").map(str::to_string))
        .collect();
    v.sort();
    v
}

fn wrapper_release(dir: &Path, script: &str) -> PathBuf {
    let body = format!(
        "#!/bin/sh\n{script}\nexec {} \"$@\"\n",
        test_node_bin().display()
    );
    folder_release(dir, "7.0", Some(body.as_bytes()))
}

fn stress(e: &Env, args: &[&str]) -> (bool, Value, String) {
    let out = e
        .cmd()
        .arg("stress")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
    (
        out.status.success(),
        json,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn stress_cycles_run_beside_real_nodes_and_touch_none_of_them() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    // The keychain to itself: other tests' keys come and go in the same Secret Service.
    let mut e = Env::with_keychain_alone(1);
    e.start_daemon(&[]);
    e.ok(&["node", "start", "1"]);
    wait_until("the real node running", Duration::from_secs(20), || {
        e.pid(1).is_some()
    });
    let real_pid = e.pid(1).unwrap();
    let real_env = std::fs::read_to_string(e.data.join("nodes/node-1/.env")).unwrap();
    let real_nodes = e.ok(&["node", "list", "--json"]);
    let keys_before = keychain_entries();
    assert!(
        !keys_before.is_empty(),
        "the real node's key is in the keychain"
    );
    let calls_before =
        std::fs::read_to_string(e.sb.home.join(".fake-systemd/calls.log")).unwrap_or_default();

    let release = folder_release(&e.sb.home.join("stress-release"), "5.0", None);
    let (ok, out, err) = stress(
        &e,
        &[
            "--cycles",
            "3",
            "--parallel",
            "2",
            "--source",
            release.to_str().unwrap(),
            "--timeout",
            "40",
        ],
    );
    assert!(ok, "{err}\n{out}");
    let r = &out["report"];
    assert_eq!(r["schema"], 1);
    assert_eq!(r["cycles"].as_array().unwrap().len(), 3);
    assert_eq!(r["failures"].as_array().unwrap().len(), 0, "{r}");
    assert_eq!(r["environment"]["cortensord_version"], "5.0");
    // The stand-in docker answers as one whose daemon is not running.
    assert_eq!(r["environment"]["docker"], "not running");
    assert!(
        r["notes"][0]
            .as_str()
            .unwrap()
            .contains("earning needs Docker"),
        "{r}"
    );
    // Every phase timed in every cycle, the statistics ordered.
    let phases = r["phases"].as_array().unwrap();
    assert_eq!(
        phases
            .iter()
            .map(|p| p["phase"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["install", "launch", "healthy", "stop", "uninstall"]
    );
    for p in phases {
        assert_eq!(p["count"], 3);
        let v: Vec<u64> = ["min_ms", "p50_ms", "p95_ms", "max_ms"]
            .iter()
            .map(|k| p[*k].as_u64().unwrap())
            .collect();
        assert!(v.windows(2).all(|w| w[0] <= w[1]), "{p}");
    }
    // The healthy wait really waited for progress (the test node logs once a second).
    assert!(
        phases[2]["min_ms"].as_u64().unwrap() >= 500,
        "{}",
        phases[2]
    );
    assert!(r["peaks"]["rss_bytes"].as_u64().unwrap() > 0);
    // The report's three files, and the copy bug reports attach.
    let dir = PathBuf::from(out["dir"].as_str().unwrap());
    for f in ["report.json", "report.md", "chart.svg"] {
        assert!(dir.join(f).is_file(), "{f}");
        assert!(e.data.join("stress/latest").join(f).is_file(), "latest {f}");
    }
    let md = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(
        md.contains("3 of 3 cycles passed · 2 node(s) per cycle"),
        "{md}"
    );
    let svg = std::fs::read_to_string(dir.join("chart.svg")).unwrap();
    assert_eq!(
        svg.matches("<title>cycle ").count(),
        15,
        "5 phases × 3 cycles"
    );

    // Nothing left, and nothing of the real node's touched.
    assert_eq!(sandboxes_left(&e.data), 0);
    assert!(stress_processes(&e.data).is_empty());
    assert_eq!(e.pid(1), Some(real_pid));
    assert!(alive(real_pid));
    assert_eq!(
        std::fs::read_to_string(e.data.join("nodes/node-1/.env")).unwrap(),
        real_env
    );
    assert_eq!(e.ok(&["node", "list", "--json"]), real_nodes);
    assert_eq!(keychain_entries(), keys_before, "no key added or removed");
    assert_eq!(
        std::fs::read_to_string(e.sb.home.join(".fake-systemd/calls.log")).unwrap_or_default(),
        calls_before,
        "no service manager called"
    );

    // A bug report filed now carries the run's report.
    let filed: Value = serde_json::from_str(&e.ok(&[
        "report",
        "--title",
        "stress run",
        "--what",
        "see the stress report",
        "--save-only",
        "--json",
    ]))
    .unwrap();
    let files: Vec<&str> = filed["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    for f in ["stress/report.json", "stress/report.md", "stress/chart.svg"] {
        assert!(files.contains(&f), "{f} in {files:?}");
    }
}

#[test]
fn stress_failures_are_classified() {
    let e = Env::new(0);
    let home = e.sb.home.clone();

    // A mirror that damages every second download: cycle 2 fails to verify.
    let server = FixtureServer::start();
    let bytes = std::fs::read(test_node_bin()).unwrap();
    let sha = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(&bytes))
    };
    server.route(
        "/c",
        Behaviour::CorruptEvery(
            FileSpec {
                bytes: Arc::new(bytes.clone()),
                ..Default::default()
            },
            2,
        ),
    );
    let manifest = server.route(
        "/m.json",
        Behaviour::Json {
            body: manifest_json("6.0", "c", bytes.len(), &sha),
            etag: "\"m\"".into(),
        },
    );
    let (ok, out, err) = stress(
        &e,
        &[
            "--cycles",
            "2",
            "--phases",
            "install",
            "--source",
            &manifest,
            "--timeout",
            "20",
        ],
    );
    assert!(!ok, "a failed cycle fails the command");
    assert!(err.contains("1 of 2 cycle(s) failed"), "{err}");
    let f = &out["report"]["failures"][0];
    assert_eq!(
        (
            f["cycle"].as_u64(),
            f["phase"].as_str(),
            f["class"].as_str()
        ),
        (Some(2), Some("install"), Some("verify")),
        "{f}"
    );

    // A node that crashes at start.
    let crash = wrapper_release(
        &home.join("crash"),
        "export TEST_NODE_BEHAVIOUR=crash_after_ms:0",
    );
    let (_, out, _) = stress(
        &e,
        &[
            "--cycles",
            "1",
            "--source",
            crash.to_str().unwrap(),
            "--timeout",
            "20",
        ],
    );
    let f = &out["report"]["failures"][0];
    // It starts (a pid), then dies before any progress: seen at launch or in the healthy wait.
    assert!(
        matches!(f["phase"].as_str(), Some("launch" | "healthy")),
        "{f}"
    );
    assert_eq!(f["class"], "crash", "{f}");
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .ends_with("RuntimeError: test node crash requested"),
        "{f}"
    );

    // A launch that hangs (the node runs but never makes progress): the healthy wait times out.
    let hang = wrapper_release(&home.join("hang"), "export TEST_NODE_BEHAVIOUR=hang");
    let (_, out, _) = stress(
        &e,
        &[
            "--cycles",
            "1",
            "--source",
            hang.to_str().unwrap(),
            "--timeout",
            "3",
        ],
    );
    let f = &out["report"]["failures"][0];
    assert_eq!(
        (f["phase"].as_str(), f["class"].as_str()),
        (Some("healthy"), Some("timeout")),
        "{f}"
    );
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("did not become healthy within 3 s"),
        "{f}"
    );

    // A port taken by another program between the node's setup and its start.
    let slow = wrapper_release(&home.join("slow"), "sleep 1");
    let child = e
        .cmd()
        .args([
            "stress",
            "--cycles",
            "1",
            "--source",
            slow.to_str().unwrap(),
            "--timeout",
            "20",
            "--json",
        ])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut taken = None;
    wait_until("the sandbox node's .env", Duration::from_secs(20), || {
        let Ok(d) = std::fs::read_dir(e.data.join("stress/sandboxes")) else {
            return false;
        };
        for s in d.flatten() {
            let env = std::fs::read_to_string(s.path().join("data/nodes/node-1/.env"))
                .unwrap_or_default();
            if let Some(port) = env
                .lines()
                .find_map(|l| l.strip_prefix("LLM_PORT="))
                .and_then(|p| p.trim().parse::<u16>().ok())
            {
                taken = std::net::TcpListener::bind(("127.0.0.1", port)).ok();
                return true;
            }
        }
        false
    });
    assert!(taken.is_some(), "the port could be taken");
    let out = child.wait_with_output().unwrap();
    drop(taken);
    let out: Value = serde_json::from_slice(&out.stdout).unwrap();
    let f = &out["report"]["failures"][0];
    // The node starts (its wrapper waits a second), then cannot bind its port.
    assert!(
        matches!(f["phase"].as_str(), Some("launch" | "healthy")),
        "{f}"
    );
    assert_eq!(f["class"], "port", "{f}");

    // None of these left anything.
    assert_eq!(sandboxes_left(&e.data), 0);
    assert!(stress_processes(&e.data).is_empty());
}

#[test]
fn a_cancelled_run_and_a_killed_one_leave_nothing() {
    let e = Env::new(0);
    let release = folder_release(&e.sb.home.join("release"), "5.0", None);
    let src = release.to_str().unwrap().to_string();
    // Cancelled (SIGINT, as Ctrl-C) while its nodes run: it cleans up and reports the cancel.
    let child = e
        .cmd()
        .args([
            "stress",
            "--cycles",
            "50",
            "--parallel",
            "2",
            "--source",
            &src,
            "--timeout",
            "30",
            "--json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    wait_until("the stress nodes running", Duration::from_secs(30), || {
        !stress_processes(&e.data).is_empty()
    });
    let _ = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status();
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("cancelled"));
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["report"]["cancelled"], true);
    assert!(v["report"]["cycles"].as_array().unwrap().len() < 50);
    assert_eq!(sandboxes_left(&e.data), 0);
    assert!(stress_processes(&e.data).is_empty());

    // Killed with kill -9 while its nodes run: they are orphans until `stress --clean`.
    let mut child = e
        .cmd()
        .args([
            "stress",
            "--cycles",
            "50",
            "--source",
            &src,
            "--timeout",
            "30",
            "--json",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("the stress node running", Duration::from_secs(30), || {
        !stress_processes(&e.data).is_empty()
    });
    let _ = child.kill();
    let _ = child.wait();
    std::thread::sleep(Duration::from_millis(300));
    let orphans = stress_processes(&e.data);
    assert!(
        !orphans.is_empty() && sandboxes_left(&e.data) == 1,
        "left behind by the kill"
    );
    let cleaned: Value = serde_json::from_str(&e.ok(&["stress", "--clean", "--json"])).unwrap();
    assert_eq!(cleaned["sandboxes"], 1);
    assert!(cleaned["processes"].as_u64().unwrap() >= 1, "{cleaned}");
    wait_until("the orphans gone", Duration::from_secs(10), || {
        orphans.iter().all(|p| !alive(*p as i32))
    });
    assert_eq!(sandboxes_left(&e.data), 0);
}

#[test]
fn the_workflows_release_script_makes_a_source_stress_runs_from() {
    // What .github/workflows/stress.yml does on each runner, here on Linux: a release folder
    // from the test node (scripts/stress-release.sh), then one stress cycle from it.
    let e = Env::new(0);
    let dir = e.sb.home.join("ci-release");
    let out = std::process::Command::new("bash")
        .arg(workspace_path("scripts/stress-release.sh"))
        .arg(&dir)
        .arg(test_node_bin())
        .arg("0.0.1-ci.7")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["artifacts"][0]["os"], "linux");
    assert_eq!(
        manifest["artifacts"][0]["size"].as_u64(),
        Some(std::fs::metadata(test_node_bin()).unwrap().len())
    );
    let report = e.sb.home.join("stress-report/ubuntu-latest");
    let (ok, v, err) = stress(
        &e,
        &[
            "--cycles",
            "1",
            "--source",
            dir.to_str().unwrap(),
            "--timeout",
            "60",
            "--out",
            report.to_str().unwrap(),
        ],
    );
    assert!(ok, "{err}");
    assert_eq!(
        v["report"]["environment"]["cortensord_version"],
        "0.0.1-ci.7"
    );
    assert!(report.join("report.json").is_file() && report.join("chart.svg").is_file());
}

#![cfg(target_os = "linux")]
//! What launchd and Task Scheduler say of a node's service becomes its runtime record, on any
//! OS: their answers (captured output, with the pid of a real process put in) go through the
//! same probe the app runs. A real process stands in for the node: a copy of `sh` named
//! `cortensord`, with the node's env file on its command line, as the real service runs it.
//! (systemd's side runs for real against the stand-in `systemctl` in the install and e2e tests.)

use std::path::Path;
use std::process::{Child, Command};

use cortensor_node::network::NetworkProfile;
use cortensor_node::nodes::{Layout, NodeSpec};
use cortensor_node::platform::exec::Runner;
use cortensor_node::platform::Os;
use cortensor_node::runtime::control::record_services;
use cortensor_node::services::plan::Target;
use cortensor_node::store::{RuntimeRecord, Store};
use cortensor_test_support::fixture;

/// The service manager's answer, whatever was asked; every question is kept.
struct Answers {
    text: String,
    asked: Vec<String>,
}

impl Runner for Answers {
    fn run(&mut self, program: &str, args: &[String]) -> Result<String, String> {
        self.asked.push(format!("{program} {}", args.join(" ")));
        Ok(self.text.clone())
    }
}

struct Node(Child);

impl Drop for Node {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A process named `cortensord` (comm) whose command line holds `env_file`.
fn fake_node(dir: &Path, env_file: &str) -> Node {
    // A symlink, not a copy: a copied executable still open for writing in this process when
    // another test forks could not be run ("text file busy"). The process is named after it.
    let exe = dir.join("cortensord");
    if !exe.exists() {
        std::os::unix::fs::symlink("/bin/sh", &exe).unwrap();
    }
    // `; true` keeps the shell from exec'ing sleep (the process stays `cortensord`).
    Node(
        Command::new(&exe)
            .args(["-c", "sleep 60; true", env_file])
            .spawn()
            .unwrap(),
    )
}

fn spec(id: u32) -> NodeSpec {
    NodeSpec {
        id,
        address: format!("0x{id:040x}"),
        llm_port: 8090 + id as u16,
        worker_base_port: 18000 + id as u16,
        gateway_base_port: 19000 + id as u16,
        ipfs_server: id == 1,
        cpu_threads: 1,
        network: "testnet0".into(),
        key_store: Default::default(),
        gpu: false,
    }
}

fn runtime(store: &Store, id: u32) -> RuntimeRecord {
    store
        .runtime()
        .unwrap()
        .into_iter()
        .find(|r| r.node_id == id)
        .expect("a runtime record")
}

fn wait_until_named(pid: u32) {
    // Until exec has happened, the child is still named after the test binary.
    for _ in 0..100 {
        if std::fs::read_to_string(format!("/proc/{pid}/comm"))
            .is_ok_and(|c| c.trim() == "cortensord")
        {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn launchd_reports_the_pid_restarts_and_last_exit() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.add_node(&spec(1), 0).unwrap();
    let layout = Layout::for_os(dir.path().join("data"), Os::Macos);
    let profile = NetworkProfile::testnet();
    let t = Target {
        os: Os::Macos,
        layout: &layout,
        profile: &profile,
        home: dir.path(),
        user: "ann",
        uid: 501,
    };
    let node = fake_node(dir.path(), &layout.env_file(1).display().to_string());
    let pid = node.0.id();
    let captured = fixture("services/launchctl-print.txt");
    let mut launchd = Answers {
        text: captured.replace("pid = 4242", &format!("pid = {pid}")),
        asked: vec![],
    };

    assert_eq!(record_services(&store, &t, &mut launchd, 1000), 1);
    assert_eq!(
        launchd.asked,
        vec!["launchctl print gui/501/network.cortensor.node-1"]
    );
    let r = runtime(&store, 1);
    assert_eq!(
        (r.pid, r.state.as_str(), r.restarts, r.desired.as_str()),
        (Some(pid), "running", 2, "running")
    );
    assert!(r.start_time.is_some());
    assert_eq!(r.started_at, Some(1000));
    // Probed again: the same process keeps its start.
    record_services(&store, &t, &mut launchd, 1060);
    assert_eq!(runtime(&store, 1).started_at, Some(1000));

    // launchd names a pid that is no process any more (or never was ours): not taken as the node.
    drop(node);
    record_services(&store, &t, &mut launchd, 1120);
    let r = runtime(&store, 1);
    assert_eq!((r.pid, r.state.as_str()), (None, "stopped"));
    assert_eq!(r.reason, "the service is not running (exit code 1)");
    assert_eq!(
        r.desired, "running",
        "still wanted: the node counts as down, not stopped"
    );
}

#[test]
fn task_scheduler_nodes_are_found_by_their_env_file() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path()).unwrap();
    store.add_node(&spec(1), 0).unwrap();
    store.add_node(&spec(2), 0).unwrap();
    let layout = Layout::for_os("C:\\Users\\ann\\AppData\\Local\\Cortensor", Os::Windows);
    let profile = NetworkProfile::testnet();
    let t = Target {
        os: Os::Windows,
        layout: &layout,
        profile: &profile,
        home: dir.path(),
        user: "ann",
        uid: 0,
    };
    // Node 2's process runs; Task Scheduler says both tasks run (and gives no pids).
    let node = fake_node(dir.path(), &layout.env_file(2).display().to_string());
    wait_until_named(node.0.id());
    let mut scheduler = Answers {
        text: fixture("services/schtasks-query.csv"),
        asked: vec![],
    };

    record_services(&store, &t, &mut scheduler, 1000);
    assert_eq!(
        scheduler.asked[1],
        "schtasks /Query /TN \\Cortensor\\node-2 /V /FO CSV"
    );
    let r2 = runtime(&store, 2);
    assert_eq!((r2.pid, r2.state.as_str()), (Some(node.0.id()), "running"));
    // Node 1's task "runs" but no cortensord holds its env file: not running, and why.
    let r1 = runtime(&store, 1);
    assert_eq!((r1.pid, r1.state.as_str()), (None, "stopped"));
    assert_eq!(r1.reason, "the service is not running (last result 267009)");
}

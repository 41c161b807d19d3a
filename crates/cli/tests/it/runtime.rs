//! The embedded supervisor with real processes (the test node binary as cortensord): restart
//! after a crash, backoff and an alert in a crash loop, nodes outliving a killed daemon and
//! re-adopted, pid reuse, log rotation followed, 25 nodes at once.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use cortensor_test_support::*;
use serde_json::Value;

/// Tests here run one at a time: their nodes bind real ports, allocated from the same profile.
pub(crate) static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub(crate) struct Env {
    pub(crate) daemon: Option<Child>,
    pub(crate) sb: Sandbox,
    _serial: std::sync::MutexGuard<'static, ()>,
    pub(crate) data: PathBuf,
    docker: PathBuf,
}

impl Drop for Env {
    fn drop(&mut self) {
        // Stop every node and the daemon, whatever the test did.
        let _ = self.run(&["node", "stop", "all"]);
        let until = Instant::now() + Duration::from_secs(10);
        while Instant::now() < until
            && self.status()["runtime"]
                .as_array()
                .is_some_and(|r| r.iter().any(|x| !x["pid"].is_null()))
        {
            std::thread::sleep(Duration::from_millis(100));
        }
        if let Some(mut d) = self.daemon.take() {
            let _ = d.kill();
            let _ = d.wait();
        }
        // The sandbox kills a daemon left behind (by its lock file) when it drops.
    }
}

impl Env {
    /// Installed (from a folder source) with `nodes` nodes, supervisor backend.
    pub(crate) fn new(nodes: u32) -> Env {
        Env::in_sandbox(nodes, Sandbox::new)
    }

    /// Like [`Env::new`], with the Secret Service to itself (no other test adds or removes
    /// entries meanwhile), for a test that compares them before and after.
    pub(crate) fn with_keychain_alone(nodes: u32) -> Env {
        Env::in_sandbox(nodes, Sandbox::with_keychain_alone)
    }

    fn in_sandbox(nodes: u32, make: fn(Backend) -> Sandbox) -> Env {
        let serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
        let sb = make(Backend::Supervisor);
        let (data, docker) = (sb.data.clone(), sb.docker.clone());
        let release = folder_release(&sb.home.join("release"), "t", None);
        let e = Env {
            sb,
            _serial: serial,
            data,
            docker,
            daemon: None,
        };
        e.ok(&["install", "--source", release.to_str().unwrap()]);
        if nodes > 0 {
            e.ok(&["node", "add", "--count", &nodes.to_string()]);
        }
        for n in 1..=nodes {
            e.set_env(n, "TEST_NODE_TICK_MS", "100");
        }
        e
    }

    pub(crate) fn cmd(&self) -> Command {
        self.sb.command(env!("CARGO_BIN_EXE_cortensor-manager"))
    }

    pub(crate) fn run(&self, args: &[&str]) -> Output {
        self.cmd().args(args).output().unwrap()
    }

    pub(crate) fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub(crate) fn status(&self) -> Value {
        serde_json::from_str(&self.ok(&["node", "status", "--json"])).unwrap()
    }

    pub(crate) fn runtime(&self, id: u32) -> Value {
        self.status()["runtime"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["node_id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Node `id`'s health snapshot (`null` before the first).
    fn health(&self, id: u32) -> Value {
        self.status()["health"]
            .as_array()
            .unwrap()
            .iter()
            .find(|h| h["id"] == id)
            .cloned()
            .unwrap_or(Value::Null)
    }

    pub(crate) fn pid(&self, id: u32) -> Option<i32> {
        self.runtime(id)["pid"].as_i64().map(|p| p as i32)
    }

    /// Add a line to a node's .env (the test node reads TEST_NODE_* from it at start).
    pub(crate) fn set_env(&self, id: u32, k: &str, v: &str) {
        let p = self.data.join(format!("nodes/node-{id}/.env"));
        let mut text = std::fs::read_to_string(&p).unwrap();
        text.push_str(&format!("{k}={v}\n"));
        std::fs::write(p, text).unwrap();
    }

    pub(crate) fn start_daemon(&mut self, extra: &[&str]) {
        let child = self
            .cmd()
            .arg("daemon")
            .args(extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.daemon = Some(child);
        wait_until(
            "the daemon to hold its lock",
            Duration::from_secs(10),
            || {
                std::fs::read_to_string(self.data.join("daemon.lock"))
                    .is_ok_and(|s| !s.trim().is_empty())
            },
        );
    }

    fn log(&self, id: u32) -> String {
        std::fs::read_to_string(
            self.data
                .join(format!("nodes/node-{id}/logs/cortensord.log")),
        )
        .unwrap_or_default()
    }
}

/// The text of the daemon's `/metrics` on `port`.
fn scrape(port: u16) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    agent
        .get(&format!("http://127.0.0.1:{port}/metrics"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

/// `promtool check metrics` on `body` (skipped without promtool, unless the suite is required).
fn lint_metrics(body: &str) {
    let found = std::process::Command::new("promtool")
        .arg("--version")
        .output()
        .is_ok();
    if !found {
        assert!(
            std::env::var("CM_E2E_REQUIRED").is_err(),
            "promtool required (Debian package prometheus)"
        );
        eprintln!("SKIPPED promtool check: promtool not installed");
        return;
    }
    let mut child = std::process::Command::new("promtool")
        .args(["check", "metrics"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), body.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "promtool: {}{}\n{body}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

pub(crate) fn alive(pid: i32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat"))
            .unwrap_or_default()
            .contains(") Z ")
}

#[test]
fn crash_restart_and_crash_loop() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let mut e = Env::new(1);
    e.start_daemon(&[]);
    e.ok(&["node", "start", "1"]);
    wait_until("node 1 running", Duration::from_secs(10), || {
        e.pid(1).is_some()
    });
    let first = e.pid(1).unwrap();
    wait_until("node 1 logging", Duration::from_secs(10), || {
        e.log(1).contains("* Latest ID:")
    });

    // kill -9: a new process within 1 s.
    let t = Instant::now();
    unsafe { libc::kill(first, libc::SIGKILL) };
    wait_until("a restart", Duration::from_secs(5), || {
        e.pid(1).is_some_and(|p| p != first)
    });
    assert!(
        t.elapsed() < Duration::from_secs(1),
        "restart took {:?}",
        t.elapsed()
    );
    assert!(e.runtime(1)["last_exit"]
        .as_str()
        .unwrap()
        .contains("signal 9"));

    // A crash loop: restarts slow down and an alert is raised once.
    e.set_env(1, "TEST_NODE_BEHAVIOUR", "crash_after_ms:50");
    e.ok(&["node", "restart", "1"]);
    wait_until("a crash-loop alert", Duration::from_secs(20), || {
        e.status()["alerts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["kind"] == "crash_loop")
    });
    let reason = e.runtime(1)["reason"].as_str().unwrap().to_string();
    let delay: f64 = reason
        .split("restarting in ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|d| d.parse().ok())
        .unwrap_or(0.0);
    assert!(delay >= 2.0, "backoff grew: {reason}");
    std::thread::sleep(Duration::from_millis(500));
    let alerts = e.status()["alerts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["kind"] == "crash_loop")
        .count();
    assert_eq!(alerts, 1, "the alert is not repeated for the same loop");
    assert!(e.log(1).contains("Traceback (most recent call last):"));
}

#[test]
fn nodes_outlive_a_killed_daemon_and_are_adopted() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let e = Env::new(2);
    // `node start` launches the daemon in the background.
    let out = e.ok(&["node", "start", "all"]);
    assert!(out.contains("started the background supervisor"), "{out}");
    wait_until("both nodes running", Duration::from_secs(15), || {
        e.pid(1).is_some() && e.pid(2).is_some()
    });
    let (p1, p2) = (e.pid(1).unwrap(), e.pid(2).unwrap());
    let daemon: i32 = std::fs::read_to_string(e.data.join("daemon.lock"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    unsafe { libc::kill(daemon, libc::SIGKILL) };
    wait_until("the daemon to die", Duration::from_secs(5), || {
        !alive(daemon)
    });
    std::thread::sleep(Duration::from_millis(500));
    assert!(
        alive(p1) && alive(p2),
        "nodes keep running without the daemon"
    );
    let before = e.log(1).len();
    wait_until("node 1 still logging", Duration::from_secs(5), || {
        e.log(1).len() > before
    });

    // A new daemon adopts them (same pids) and can stop them.
    e.ok(&["node", "start", "all"]);
    wait_until("adoption", Duration::from_secs(10), || {
        e.runtime(1)["reason"]
            .as_str()
            .is_some_and(|r| r.contains("adopted"))
    });
    assert_eq!((e.pid(1), e.pid(2)), (Some(p1), Some(p2)));
    e.ok(&["node", "stop", "all"]);
    wait_until("both nodes stopped", Duration::from_secs(10), || {
        !alive(p1) && !alive(p2)
    });
    assert!(
        e.log(1).contains("shutting down gracefully"),
        "stopped with SIGINT, not killed"
    );
    wait_until("the stop to be recorded", Duration::from_secs(5), || {
        e.runtime(1)["state"] == "stopped"
    });
}

#[test]
fn a_reused_pid_is_never_signalled() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let mut e = Env::new(1);
    // A stranger whose pid the store claims for node 1, with another start time.
    let mut stranger = Command::new("sleep").arg("60").spawn().unwrap();
    let db = rusqlite::Connection::open(e.data.join("cortensor-manager.sqlite3")).unwrap();
    db.execute(
        "INSERT INTO runtime (node_id, desired, pid, start_time, state) VALUES (1, 'stopped', ?1, 12345, 'running')
         ON CONFLICT(node_id) DO UPDATE SET pid = ?1, start_time = 12345, state = 'running', desired = 'stopped'",
        [stranger.id()],
    )
    .unwrap();
    e.start_daemon(&[]);
    e.ok(&["node", "start", "1"]);
    wait_until("node 1 started", Duration::from_secs(10), || {
        e.pid(1).is_some_and(|p| p as u32 != stranger.id())
    });
    e.ok(&["node", "stop", "1"]);
    wait_until("node 1 stopped", Duration::from_secs(10), || {
        e.pid(1).is_none()
    });
    assert!(
        stranger.try_wait().unwrap().is_none(),
        "the stranger was signalled"
    );
    stranger.kill().unwrap();
    stranger.wait().unwrap();
}

#[test]
fn logs_rotate_and_the_follower_keeps_up() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let mut e = Env::new(1);
    e.set_env(1, "TEST_NODE_TICK_MS", "10");
    e.start_daemon(&["--log-max-bytes", "4000"]);
    e.ok(&["node", "start", "1"]);
    let mut follower = e
        .cmd()
        .args(["node", "logs", "1", "-f", "-n", "0"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let rotated = e.data.join("nodes/node-1/logs/cortensord.log.2");
    wait_until("two rotations", Duration::from_secs(20), || {
        rotated.exists()
    });
    std::thread::sleep(Duration::from_millis(500));
    follower.kill().unwrap();
    let out = follower.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    // The follower saw more than any single file holds: it followed across rotations.
    assert!(text.len() > 8000, "the follower saw {} bytes", text.len());
    let ids: Vec<u64> = text
        .lines()
        // Both forms the stand-in prints: "* Latest ID:  N  / …" and "Latest ID: N | …".
        .filter_map(|l| l.split_once("Latest ID:").map(|(_, r)| r))
        .filter_map(|r| r.split_whitespace().next()?.parse().ok())
        .collect();
    assert!(
        ids.windows(2).all(|w| w[1] == w[0] || w[1] == w[0] + 1),
        "a gap in the followed log: {ids:?}"
    );
    assert!(
        std::fs::metadata(e.data.join("nodes/node-1/logs/cortensord.log"))
            .unwrap()
            .len()
            < 20_000
    );
}

#[test]
fn twenty_five_nodes_at_once() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let mut e = Env::new(25);
    e.start_daemon(&["--stagger-ms", "20"]);
    e.ok(&["node", "start", "all"]);
    wait_until("25 nodes running", Duration::from_secs(30), || {
        e.status()["runtime"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| !r["pid"].is_null())
            .count()
            == 25
    });
    let ports: std::collections::HashSet<i64> = e.status()["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["spec"]["llm_port"].as_i64().unwrap())
        .collect();
    assert_eq!(
        ports.len(),
        25,
        "every node has its own port (the test node binds it)"
    );
    wait_until("every node logging", Duration::from_secs(20), || {
        (1..=25).all(|n| e.log(n).contains("* Latest ID:"))
    });
    e.ok(&["node", "stop", "all"]);
    wait_until("25 nodes stopped", Duration::from_secs(30), || {
        e.status()["runtime"]
            .as_array()
            .unwrap()
            .iter()
            .all(|r| r["pid"].is_null() && r["state"] == "stopped")
    });
}

#[test]
fn health_state_log_summary_uptime_and_metrics() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let mut e = Env::new(2);
    e.set_env(2, "TEST_NODE_BEHAVIOUR", "garbage");
    // Node 1 runs two worker processes of 16 MiB each: its tree is what is measured.
    e.set_env(1, "TEST_NODE_WORKERS", "2");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    e.start_daemon(&["--metrics-port", &port.to_string()]);
    e.ok(&["node", "start", "all"]);
    let health = |id: u32| e.health(id);
    wait_until("node 1 healthy", Duration::from_secs(20), || {
        health(1)["state"] == "healthy"
    });
    let h1 = health(1);
    assert!(
        h1["reason"].as_str().unwrap().starts_with("session 11"),
        "{h1}"
    );
    assert!(h1["log"]["pings"].as_u64().unwrap() > 0);
    // Every line variant the stand-in prints (with and without the bullet, "|", the Python-style
    // miner list, `CL:`, `Event Stats`) is read: none is malformed.
    assert_eq!(h1["log"]["malformed"], 0);
    wait_until(
        "node 1's cognitive level and tasks read",
        Duration::from_secs(20),
        || {
            let l = &health(1)["log"];
            l["cognitive_level"] == 3 && l["tasks_assigned"].as_u64().unwrap_or(0) >= 2
        },
    );
    // The whole tree is sampled: the node and its two workers (each touching its 16 MiB as it
    // starts), their memory summed.
    let tree_sampled =
        |h: &Value| h["processes"] == 3 && h["rss_bytes"].as_u64().unwrap_or(0) > 2 * (16 << 20);
    wait_until(
        "node 1's workers and their memory in its tree",
        Duration::from_secs(10),
        || tree_sampled(&health(1)),
    );
    let h1 = health(1);
    // The node's main and signal threads, and each worker's main thread.
    assert!(h1["threads"].as_u64().unwrap() >= 4, "{h1}");
    assert_eq!(health(2)["processes"], 1);
    assert_eq!(h1["uptime"]["last_24h_pct"], 100.0);
    // The garbage node: malformed and unknown lines are counted, not fatal.
    wait_until("node 2's garbage counted", Duration::from_secs(20), || {
        health(2)["log"]["malformed"].as_u64().unwrap_or(0) > 0
            && health(2)["log"]["other"].as_u64().unwrap_or(0) > 0
    });
    assert_eq!(health(2)["state"], "healthy");

    let body = scrape(port);
    assert!(body.contains("# TYPE cortensor_node_up gauge"), "{body}");
    // What it serves passes Prometheus's own linter (Debian's `prometheus` package; the test
    // script installs it).
    lint_metrics(&body);
    // Another name for this machine (a rebinding web page's) is refused.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let refused = agent
        .get(&format!("http://127.0.0.1:{port}/metrics"))
        .header("Host", &format!("evil.example:{port}"))
        .call()
        .unwrap();
    assert_eq!(refused.status().as_u16(), 403);
    assert!(
        body.lines()
            .any(|l| l.starts_with("cortensor_node_up{node=\"1\"") && l.ends_with(" 1")),
        "{body}"
    );
    assert!(body.contains("cortensor_node_state{node=\"2\""));
    assert!(
        body.lines().any(
            |l| l.starts_with("cortensor_node_malformed_lines_total{node=\"2\"")
                && !l.ends_with(" 0")
        ),
        "{body}"
    );

    // Stopped: the state says so, and the text status shows it.
    e.ok(&["node", "stop", "1"]);
    wait_until("node 1 stopped", Duration::from_secs(10), || {
        health(1)["state"] == "stopped"
    });
    let text = e.ok(&["node", "status"]);
    assert!(
        text.lines()
            .any(|l| l.trim_start().starts_with("1 ") && l.contains("stopped")),
        "{text}"
    );
}

/// Write a container as `docker inspect` describes it, into the stand-in Docker's folder.
fn put_container(
    e: &Env,
    template: &Value,
    name: &str,
    status: &str,
    exit_code: i64,
    restarts: u32,
    started_at: &str,
) {
    let mut c = template.clone();
    c["Name"] = format!("/{name}").into();
    c["State"]["Status"] = status.into();
    c["State"]["Running"] = (status == "running").into();
    c["State"]["ExitCode"] = exit_code.into();
    c["State"]["StartedAt"] = started_at.into();
    c["RestartCount"] = restarts.into();
    std::fs::create_dir_all(&e.docker).unwrap();
    std::fs::write(e.docker.join(format!("{name}.json")), c.to_string()).unwrap();
}

#[test]
fn llm_containers_restarts_and_ports_in_node_health() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let mut e = Env::new(2);
    let fixture: Value = serde_json::from_str(&fixture("docker/inspect.json")).unwrap();
    let template = &fixture[0];
    put_container(
        &e,
        template,
        "cortensor-node1-llm-0",
        "running",
        0,
        0,
        "2026-11-26T08:00:00Z",
    );
    put_container(
        &e,
        template,
        "cortensor-node2-llm-0",
        "exited",
        137,
        0,
        "2026-11-26T08:00:00Z",
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    e.start_daemon(&[
        "--probe-secs",
        "1",
        "--docker-secs",
        "1",
        "--metrics-port",
        &port.to_string(),
    ]);
    e.ok(&["node", "start", "all"]);
    let health = |id: u32| e.health(id);
    wait_until(
        "node 1 healthy with its container",
        Duration::from_secs(20),
        || health(1)["state"] == "healthy" && health(1)["containers"][0]["state"] == "running",
    );
    let h1 = health(1);
    assert_eq!(h1["containers"][0]["name"], "cortensor-node1-llm-0");
    assert_eq!(h1["container_restarts"], 0);
    // The test node binds its LLM port, as the LLM engine would (seen at the next port probe);
    // nothing binds the worker ports.
    let llm_listening = |h: &Value| {
        h["ports"].as_array().is_some_and(|p| {
            p.iter()
                .any(|p| p["name"] == "llm" && p["listening"] == true)
        })
    };
    wait_until(
        "node 1's LLM port seen listening",
        Duration::from_secs(10),
        || llm_listening(&health(1)),
    );
    let h1 = health(1);
    let ports = h1["ports"].as_array().unwrap();
    assert_eq!(
        ports.iter().find(|p| p["name"] == "llm").unwrap()["listening"],
        true,
        "{h1}"
    );
    assert_eq!(
        ports.iter().find(|p| p["name"] == "worker").unwrap()["listening"],
        false,
        "{h1}"
    );
    // Node 2 makes progress but its LLM container is down: degraded, and the reason says why.
    wait_until(
        "node 2 degraded by its container",
        Duration::from_secs(20),
        || {
            let h = health(2);
            h["state"] == "degraded"
                && h["reason"] == "its LLM container cortensor-node2-llm-0 is exited with code 137"
        },
    );

    // Docker restarts node 1's container twice (restart policy), then the node re-creates it.
    put_container(
        &e,
        template,
        "cortensor-node1-llm-0",
        "running",
        0,
        2,
        "2026-11-26T08:05:00Z",
    );
    wait_until("Docker's restarts counted", Duration::from_secs(10), || {
        health(1)["container_restarts"] == 2
    });
    put_container(
        &e,
        template,
        "cortensor-node1-llm-0",
        "running",
        0,
        0,
        "2026-11-26T08:09:00Z",
    );
    wait_until(
        "the re-created container counted",
        Duration::from_secs(10),
        || health(1)["container_restarts"] == 3,
    );
    // Node 2's container is back: healthy again.
    put_container(
        &e,
        template,
        "cortensor-node2-llm-0",
        "running",
        0,
        0,
        "2026-11-26T08:10:00Z",
    );
    wait_until("node 2 healthy again", Duration::from_secs(10), || {
        health(2)["state"] == "healthy"
    });

    let body = scrape(port);
    assert!(
        body.lines().any(
            |l| l.starts_with("cortensor_node_container_restarts_total{node=\"1\"")
                && l.ends_with(" 3")
        ),
        "{body}"
    );
    assert!(
        body.lines().any(
            |l| l.starts_with("cortensor_node_port_listening{node=\"1\"")
                && l.contains("name=\"llm\"")
                && l.ends_with(" 1")
        ),
        "{body}"
    );

    // Docker goes away: containers are unknown, not "none", and the node is judged without them.
    std::fs::remove_dir_all(&e.docker).unwrap();
    wait_until("containers unknown", Duration::from_secs(10), || {
        health(1)["containers"].is_null()
    });
    assert_eq!(health(1)["state"], "healthy");
}

#[test]
fn the_metrics_endpoint_follows_the_setting() {
    if !require("Secret Service", secret_service()) {
        return;
    }
    let mut e = Env::new(1);
    e.start_daemon(&[]);
    e.ok(&["node", "start", "all"]);
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/metrics");
    // A connection accepted just as the endpoint closes gets no answer: a timeout, as Prometheus has.
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(2)))
        .build()
        .into();
    let get = || {
        agent
            .get(&url)
            .call()
            .ok()
            .map(|mut r| r.body_mut().read_to_string().unwrap_or_default())
    };
    assert!(get().is_none(), "off until turned on");
    assert!(e.ok(&["metrics", "status"]).contains("Metrics: off"));

    let said = e.ok(&["metrics", "on", "--port", &port.to_string()]);
    assert!(
        said.contains(&format!("http://127.0.0.1:{port}/metrics")),
        "{said}"
    );
    wait_until(
        "the daemon to serve metrics",
        Duration::from_secs(10),
        || get().is_some_and(|b| b.contains("cortensor_node_up{node=\"1\"")),
    );

    // A port another program holds is refused, and the endpoint stays where it was.
    let busy = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let busy_port = busy.local_addr().unwrap().port().to_string();
    let out = e.run(&["metrics", "on", "--port", &busy_port]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains(&format!("port {busy_port} is already in use")));
    assert!(get().is_some());

    e.ok(&["metrics", "off"]);
    wait_until("the endpoint to close", Duration::from_secs(10), || {
        get().is_none()
    });
}

#[test]
fn os_service_node_logs_are_rotated_by_the_monitor() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let sb = Sandbox::new(Backend::OsServices);
    let release = folder_release(&sb.home.join("release"), "t", None);
    let run = |args: &[&str]| {
        let out = sb
            .command(env!("CARGO_BIN_EXE_cortensor-manager"))
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&["install", "--source", release.to_str().unwrap()]);
    run(&["node", "add", "--count", "1"]);
    // The service manager appends to the log (here: it grew past the limit while nodes ran).
    let log = sb.data.join("nodes/node-1/logs/cortensord.log");
    std::fs::create_dir_all(log.parent().unwrap()).unwrap();
    std::fs::write(&log, "x".repeat(5_000) + "\n").unwrap();
    let mut daemon = sb
        .command(env!("CARGO_BIN_EXE_cortensor-manager"))
        .args(["daemon", "--log-max-bytes", "1000"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until("the log rotated", Duration::from_secs(20), || {
        std::fs::metadata(&log).is_ok_and(|m| m.len() < 1_000)
            && sb.data.join("nodes/node-1/logs/cortensord.log.1").exists()
    });
    let _ = daemon.kill();
    let _ = daemon.wait();
}

#[test]
fn a_store_error_in_a_tick_is_survived() {
    let mut e = Env::new(1);
    e.start_daemon(&[]);
    e.ok(&["node", "start", "1"]);
    wait_until("node 1 runs", Duration::from_secs(20), || {
        e.pid(1).is_some()
    });
    // The supervisor's next reads fail (as with a damaged or locked table)…
    let db = rusqlite::Connection::open(e.data.join("cortensor-manager.sqlite3")).unwrap();
    db.busy_timeout(Duration::from_secs(5)).unwrap();
    db.execute_batch("ALTER TABLE nodes RENAME TO nodes_away")
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    let d = e.daemon.as_mut().unwrap();
    assert!(
        d.try_wait().unwrap().is_none(),
        "the daemon died of a store error"
    );
    // …and when the store is back, it goes on: a stop request is acted on.
    db.execute_batch("ALTER TABLE nodes_away RENAME TO nodes")
        .unwrap();
    e.ok(&["node", "stop", "1"]);
    wait_until("node 1 stopped", Duration::from_secs(30), || {
        e.pid(1).is_none()
    });
}

#[test]
fn node_stop_without_a_daemon_stops_the_process_itself() {
    let mut e = Env::new(1);
    e.start_daemon(&[]);
    e.ok(&["node", "start", "1"]);
    wait_until("node 1 runs", Duration::from_secs(20), || {
        e.pid(1).is_some()
    });
    let pid = e.pid(1).unwrap();
    // The daemon dies (kill -9); the node, detached, runs on.
    let mut d = e.daemon.take().unwrap();
    d.kill().unwrap();
    d.wait().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    assert!(alive(pid));
    let said = e.ok(&["node", "stop", "1"]);
    assert!(said.contains("node 1 stopped directly"), "{said}");
    wait_until("node 1's process gone", Duration::from_secs(10), || {
        !alive(pid)
    });
    assert_eq!(e.runtime(1)["state"], "stopped");
}

/// The pids of `sleep 300` processes whose parent is `parent` (the stand-in docker hanging).
fn hung_docker_calls(parent: u32) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|d| {
            let p = d.path();
            let cmd = std::fs::read(p.join("cmdline")).unwrap_or_default();
            let stat = std::fs::read_to_string(p.join("stat")).unwrap_or_default();
            let ppid = stat
                .rsplit_once(") ")
                .and_then(|(_, rest)| rest.split(' ').nth(1))
                .and_then(|v| v.parse::<u32>().ok());
            cmd == b"sleep\x00300\x00" && ppid == Some(parent)
        })
        .count()
}

#[test]
fn a_hung_docker_does_not_delay_a_restart() {
    // Supervision runs apart from the monitor's probes: while a docker call hangs (it waits out
    // the runner's 20 s timeout), a crashed node is restarted as fast as ever.
    let mut e = Env::new(1);
    std::fs::create_dir_all(&e.docker).unwrap();
    std::fs::write(e.docker.join("HANG"), "").unwrap();
    e.start_daemon(&[]);
    // The daemon's own log (tracing, rotated) says it started.
    wait_until("the daemon's log", Duration::from_secs(10), || {
        std::fs::read_to_string(e.data.join("logs/daemon-events.log"))
            .is_ok_and(|l| l.contains("started (version 0.1.0, supervisor)"))
    });
    e.ok(&["node", "start", "1"]);
    wait_until("node 1 to run", Duration::from_secs(20), || {
        e.pid(1).is_some()
    });
    let daemon = e.daemon.as_ref().unwrap().id();
    wait_until(
        "the monitor to be inside a hung docker call",
        Duration::from_secs(40),
        || hung_docker_calls(daemon) > 0,
    );
    let pid = e.pid(1).unwrap();
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
    let t = Instant::now();
    wait_until("node 1 to be restarted", Duration::from_secs(30), || {
        e.pid(1).is_some_and(|p| p != pid && alive(p))
    });
    let took = t.elapsed();
    assert!(
        hung_docker_calls(daemon) > 0,
        "the docker call must still hang, else the test proves nothing"
    );
    assert!(
        took < Duration::from_secs(5),
        "restart took {took:?} while docker hung"
    );
    std::fs::remove_file(e.docker.join("HANG")).unwrap();
}

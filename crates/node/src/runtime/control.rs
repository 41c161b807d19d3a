//! Start, stop and restart nodes through whichever backend runs them: the OS service manager
//! (an install plan) or the embedded supervisor (the desired state in the store, acted on by the
//! daemon, which is launched in the background when it is not running).

use std::path::Path;

use crate::install::setup::Backend;
use crate::machine::Machine;
use crate::services::apply as exec;
use crate::services::plan::{self, Target};
use crate::store::Store;
use crate::UserError;

use crate::services::status as service;

/// What a start/stop/restart button or command asks of the selected nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Action {
    Start,
    Stop,
    Restart,
}

/// What starting the nodes did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct StartReport {
    pub started: Vec<u32>,
    /// What was done besides (the daemon started) and optional steps that failed, in words.
    pub notes: Vec<String>,
    /// The nodes start again after a reboot (OS services); with the supervisor they need the
    /// app or `node start` after one.
    pub survives_reboot: bool,
}

/// Start every node (through the service manager or the supervisor), and the daemon that
/// watches (or runs) them: `daemon_exe daemon`.
pub fn start_all(m: &Machine, daemon_exe: &Path) -> Result<StartReport, UserError> {
    let ids = node_ids(m)?;
    if ids.is_empty() {
        return Err(UserError::new(
            "there are no nodes to start yet; create them first",
        ));
    }
    let mut notes = apply(m, &ids, Action::Start, daemon_exe)?;
    // Started is not earning: say so at once when Docker, which runs the LLM engine, is not
    // usable.
    if m.profile.docker {
        let mut runner = m.runner.clone();
        match crate::doctor::probe_docker(&mut runner) {
            crate::doctor::DockerState::Ready(_) => {}
            crate::doctor::DockerState::Missing => notes.insert(
                0,
                "Docker is not installed: the nodes run but cannot earn until it is (Setup → Fix)"
                    .into(),
            ),
            _ => notes.insert(
                0,
                "Docker is not running: the nodes run but cannot earn until it does (Setup → Fix)"
                    .into(),
            ),
        }
    }
    Ok(StartReport {
        started: ids,
        notes,
        survives_reboot: m.backend == Backend::OsService,
    })
}

/// The ids of every node, in order.
pub fn node_ids(m: &Machine) -> Result<Vec<u32>, UserError> {
    Ok(m.store
        .nodes()
        .map_err(UserError::new)?
        .into_iter()
        .map(|r| r.spec.id)
        .collect())
}

/// Which nodes: one id or all.
pub fn select(m: &Machine, which: &str) -> Result<Vec<u32>, UserError> {
    let ids = node_ids(m)?;
    if which == "all" {
        if ids.is_empty() {
            return Err(UserError::new(
                "there are no nodes yet; `cortensor-manager node add` creates them",
            ));
        }
        return Ok(ids);
    }
    let id: u32 = which.parse().map_err(|_| {
        UserError::new(format!(
            "'{which}' is not a node id; use a number from `node list`, or `all`"
        ))
    })?;
    if !ids.contains(&id) {
        return Err(UserError::new(format!(
            "there is no node {id}; `cortensor-manager node list` shows your nodes"
        )));
    }
    Ok(vec![id])
}

/// Apply `action` to `ids`. The daemon (`daemon_exe daemon`) is made sure to run when nodes
/// start: with the supervisor it runs them; with OS services it watches them (as a service of
/// its own, so the uptime ledger goes on while the app is closed).
pub fn apply(
    m: &Machine,
    ids: &[u32],
    action: Action,
    daemon_exe: &Path,
) -> Result<Vec<String>, UserError> {
    let mut notes = Vec::new();
    // A machine's first start: one node pulls the LLM images while the others wait.
    let all = m.store.nodes().map_err(UserError::new)?;
    let first = match action {
        Action::Stop => None,
        _ => crate::first_start::load(&m.store).or_else(|| {
            crate::first_start::plan(
                crate::first_start::done(&m.store),
                ids,
                all.iter().find(|n| n.spec.ipfs_server).map(|n| n.spec.id),
                crate::platform::clock::now_unix(),
                crate::first_start::DEFAULT_TIMEOUT_SECS,
            )
        }),
    };
    if let Some(fs) = &first {
        crate::first_start::save(&m.store, fs).map_err(UserError::new)?;
        let waiting: Vec<String> = fs
            .held
            .iter()
            .filter(|h| ids.contains(h))
            .map(|h| h.to_string())
            .collect();
        if !waiting.is_empty() {
            notes.push(format!(
                "first start: node {} starts first and pulls the LLM images (several GB); node{} {} start{} when it is up, or after {} minutes",
                fs.leader,
                if waiting.len() == 1 { "" } else { "s" },
                waiting.join(", "),
                if waiting.len() == 1 { "s" } else { "" },
                fs.timeout_secs / 60
            ));
        }
    }
    // Nodes held back are wanted running; the daemon starts them when the first node is up.
    let held = |id: &u32| first.as_ref().is_some_and(|f| f.held.contains(id));
    match m.backend {
        Backend::OsService => {
            let specs: Vec<_> = all
                .into_iter()
                .map(|r| r.spec)
                .filter(|s| ids.contains(&s.id))
                .filter(|s| action == Action::Stop || !held(&s.id))
                .collect();
            let t = m.target();
            let plans = match action {
                Action::Start => vec![plan::control_plan(&t, &specs, true)],
                Action::Stop => vec![plan::control_plan(&t, &specs, false)],
                Action::Restart => vec![
                    plan::control_plan(&t, &specs, false),
                    plan::control_plan(&t, &specs, true),
                ],
            };
            let mut runner = m.runner.clone();
            for p in plans {
                notes.extend(
                    exec::apply(&p, &mut runner)
                        .map_err(UserError::new)?
                        .warnings,
                );
            }
            // What the user wants, so a node stopped here is "stopped", not "down".
            let desired = if action == Action::Stop {
                "stopped"
            } else {
                "running"
            };
            for id in ids {
                m.store
                    .set_desired(*id, desired, false)
                    .map_err(UserError::new)?;
            }
        }
        Backend::Supervisor => {
            for id in ids {
                let (desired, restart) = match action {
                    Action::Start => ("running", false),
                    Action::Stop => ("stopped", false),
                    Action::Restart => ("running", true),
                };
                m.store
                    .set_desired(*id, desired, restart)
                    .map_err(UserError::new)?;
            }
        }
    }
    if action != Action::Stop {
        notes.extend(ensure_daemon(m, daemon_exe)?);
    } else if m.backend == Backend::Supervisor && !super::supervisor::daemon_running(&m.layout) {
        // No daemon to act on "stopped": stop the processes here, each re-identified first.
        notes.extend(stop_directly(m, ids, STOP_WAIT));
    }
    Ok(notes)
}

/// How long a node has after SIGINT, when stopped without a daemon, before SIGKILL.
pub const STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(20);

/// Stop the recorded processes of `ids` (only those still the very process recorded: same pid
/// and start time): SIGINT to the node's group, SIGKILL after `wait`. Says what it did.
pub fn stop_directly(m: &Machine, ids: &[u32], wait: std::time::Duration) -> Vec<String> {
    use crate::platform::process::{self, ProcId};
    let mut said = Vec::new();
    let records = m.store.runtime().unwrap_or_default();
    for id in ids {
        let Some(r) = records.iter().find(|r| r.node_id == *id) else {
            continue;
        };
        let (Some(pid), Some(start)) = (r.pid, r.start_time) else {
            continue;
        };
        let p = ProcId {
            pid,
            start_time: start as u64,
        };
        if !process::is_alive(p) {
            continue;
        }
        let send = |sig| process::signal_group(p, sig) || process::signal(p, sig);
        send(process::SIGINT);
        let t = std::time::Instant::now();
        while process::is_alive(p) && t.elapsed() < wait {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        let how = if process::is_alive(p) {
            send(process::SIGKILL);
            "killed after it did not stop"
        } else {
            "stopped"
        };
        let now = crate::platform::clock::now_unix();
        let _ = m.store.record_runtime(
            *id,
            None,
            None,
            "stopped",
            "stopped by the user",
            r.restarts,
            Some(how),
            None,
            now,
        );
        said.push(format!("no daemon was running: node {id} {how} directly"));
    }
    said
}

/// Start the daemon if none runs: launched in the background for the supervisor, installed as
/// a service (starting at login) next to OS-service nodes. Says what it did.
pub fn ensure_daemon(m: &Machine, exe: &Path) -> Result<Option<String>, UserError> {
    if super::supervisor::daemon_running(&m.layout) {
        return Ok(None);
    }
    match m.backend {
        Backend::Supervisor => {
            spawn_daemon(exe, &m.layout.root)?;
            Ok(Some(
                "started the background supervisor (cortensor-manager daemon)".into(),
            ))
        }
        Backend::OsService => {
            let mut runner = m.runner.clone();
            let done = exec::apply(&plan::monitor_plan(&m.target(), exe), &mut runner)
                .map_err(UserError::new)?;
            m.store.record_written(&done.made).map_err(UserError::new)?;
            Ok(Some("started the node monitor as a service (health, alerts and uptime go on while the app is closed)".into()))
        }
    }
}

/// Launch `cortensor-manager daemon` detached, logging to `<data>/daemon.log`.
pub fn spawn_daemon(exe: &Path, data_dir: &Path) -> Result<(), UserError> {
    let args = [
        "--data-dir".to_string(),
        data_dir.display().to_string(),
        "daemon".to_string(),
    ];
    // Detached like a node: its own process group, output appended to daemon.log. The child
    // handle is dropped; the daemon outlives this process.
    crate::platform::process::spawn(
        exe,
        &args,
        data_dir,
        &data_dir.join("daemon.log"),
        crate::platform::process::EnvBase::Inherit,
        &[],
    )
    .map(drop)
    .map_err(|e| {
        UserError::new(format!(
            "cannot start the supervisor {}: {e}",
            exe.display()
        ))
    })
}

/// With the OS service backend, ask the service manager which nodes run and record it, so
/// health and uptime see services the app did not start. Returns how many were probed.
pub fn probe_services(m: &Machine) -> usize {
    if m.backend != Backend::OsService {
        return 0;
    }
    let mut runner = m.runner.clone();
    record_services(
        &m.store,
        &m.target(),
        &mut runner,
        super::supervisor::now_unix(),
    )
}

/// Ask `t.os`'s service manager about every node (through `runner`) and record its pid (with
/// the process start time, so a reused pid is never taken for a node), its restarts and why
/// it is not running. A service manager that reports no pid (Task Scheduler) has the node's
/// `cortensord` found by its env file.
pub fn record_services(
    store: &Store,
    t: &Target,
    runner: &mut dyn crate::platform::exec::Runner,
    now: i64,
) -> usize {
    let Ok(nodes) = store.nodes() else { return 0 };
    let runtime = store.runtime().unwrap_or_default();
    let mut processes: Option<Vec<(u32, String, Vec<String>)>> = None;
    for n in &nodes {
        let id = n.spec.id;
        let (program, args) = service::status_command(t, id);
        let status = match runner.run(&program, &args) {
            Ok(out) => service::parse_status(t.os, &out),
            Err(_) => service::ServiceStatus::default(),
        };
        let pid = status.pid.or_else(|| {
            let env_file = t.layout.env_file(id).display().to_string();
            status
                .running
                .then(|| {
                    service::find_node_process(
                        processes.get_or_insert_with(service::processes),
                        &env_file,
                    )
                })
                .flatten()
        });
        let start_time = pid.and_then(crate::platform::process::start_time);
        let pid = pid.filter(|_| start_time.is_some());
        let prev = runtime.iter().find(|r| r.node_id == id);
        let same =
            prev.is_some_and(|r| r.pid == pid && r.start_time == start_time.map(|t| t as i64));
        let started_at = if same {
            prev.and_then(|r| r.started_at)
        } else {
            pid.map(|_| now)
        };
        let desired = if pid.is_some() {
            "running"
        } else {
            prev.map_or("stopped", |r| r.desired.as_str())
        };
        let _ = store.set_desired(id, desired, false);
        let reason = match (&pid, &status.last_exit) {
            (Some(_), _) => "run by the service manager".to_string(),
            (None, Some(exit)) => format!("the service is not running ({exit})"),
            (None, None) => "the service is not running".to_string(),
        };
        let state = if pid.is_some() { "running" } else { "stopped" };
        let restarts = status
            .restarts
            .unwrap_or_else(|| prev.map_or(0, |r| r.restarts));
        let _ = store.record_runtime(
            id,
            pid,
            start_time,
            state,
            &reason,
            restarts,
            status.last_exit.as_deref(),
            started_at,
            now,
        );
    }
    nodes.len()
}

//! Start, stop and restart nodes through whichever backend runs them: the OS service manager
//! (an install plan) or the embedded supervisor (the desired state in the store, acted on by the
//! daemon, which is launched in the background when it is not running).

use std::path::Path;
use std::process::{Command, Stdio};

use crate::api::UserError;
use crate::install::exec;
use crate::install::plan;
use crate::install::setup::Backend;
use crate::machine::Machine;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Start,
    Stop,
    Restart,
}

/// Which nodes: one id or all.
pub fn select(m: &Machine, which: &str) -> Result<Vec<u32>, UserError> {
    let ids: Vec<u32> = m
        .store
        .nodes()
        .map_err(UserError::new)?
        .into_iter()
        .map(|r| r.spec.id)
        .collect();
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

/// Apply `action` to `ids`. With the supervisor backend, `daemon_exe` is launched in the
/// background if no daemon runs.
pub fn apply(
    m: &Machine,
    ids: &[u32],
    action: Action,
    daemon_exe: &Path,
) -> Result<Vec<String>, UserError> {
    let mut notes = Vec::new();
    match m.backend {
        Backend::OsService => {
            let specs: Vec<_> = m
                .store
                .nodes()
                .map_err(UserError::new)?
                .into_iter()
                .map(|r| r.spec)
                .filter(|s| ids.contains(&s.id))
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
            if action != Action::Stop && !super::supervisor::daemon_running(&m.layout) {
                spawn_daemon(daemon_exe, &m.layout.root)?;
                notes.push("started the background supervisor (cortensor-manager daemon)".into());
            }
        }
    }
    Ok(notes)
}

/// Launch `cortensor-manager daemon` detached, logging to `<data>/daemon.log`.
pub fn spawn_daemon(exe: &Path, data_dir: &Path) -> Result<(), UserError> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data_dir.join("daemon.log"))
        .map_err(|e| UserError::new(format!("cannot open the supervisor's log: {e}")))?;
    let err = log.try_clone().map_err(UserError::new)?;
    let mut cmd = Command::new(exe);
    cmd.arg("--data-dir")
        .arg(data_dir)
        .arg("daemon")
        .stdin(Stdio::null())
        .stdout(log)
        .stderr(err);
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    cmd.spawn().map_err(|e| {
        UserError::new(format!(
            "cannot start the supervisor {}: {e}",
            exe.display()
        ))
    })?;
    Ok(())
}

/// With the OS service backend, ask the service manager which nodes run (main pid) and record
/// it, so health and uptime see services the app did not start. Returns how many were probed.
pub fn probe_services(m: &Machine) -> usize {
    if m.backend != Backend::OsService || m.target().os != crate::install::manifest::Os::Linux {
        return 0;
    }
    let Ok(nodes) = m.store.nodes() else { return 0 };
    let runtime = m.store.runtime().unwrap_or_default();
    let mut runner = m.runner.clone();
    let now = super::supervisor::now_unix();
    for n in &nodes {
        let unit = plan::service_name(crate::install::manifest::Os::Linux, n.spec.id);
        let args: Vec<String> = ["--user", "show", "--property=MainPID", "--value", &unit]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let pid = exec::Runner::run(&mut runner, "systemctl", &args)
            .ok()
            .and_then(|o| o.trim().parse::<u32>().ok())
            .filter(|p| *p > 0);
        let start_time = pid.and_then(super::process::start_time);
        let prev = runtime.iter().find(|r| r.node_id == n.spec.id);
        let same =
            prev.is_some_and(|r| r.pid == pid && r.start_time == start_time.map(|t| t as i64));
        let started_at = if same {
            prev.and_then(|r| r.started_at)
        } else {
            pid.map(|_| now)
        };
        let _ = m.store.set_desired(
            n.spec.id,
            if pid.is_some() {
                "running"
            } else {
                prev.map_or("stopped", |r| r.desired.as_str())
            },
            false,
        );
        let (state, reason) = if pid.is_some() {
            ("running", "run by the service manager")
        } else {
            ("stopped", "the service is not running")
        };
        let _ = m.store.record_runtime(
            n.spec.id,
            pid,
            start_time,
            state,
            reason,
            prev.map_or(0, |r| r.restarts),
            None,
            started_at,
            now,
        );
    }
    nodes.len()
}

//! A node's state, always with its reason, from what the supervisor and the log say.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::logs::LogSummary;
use super::system::Container;
use crate::store::RuntimeRecord;

/// One of a node's ports and whether something listens on it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PortStatus {
    /// What the port is for: `llm`, `worker`, `gateway`.
    pub name: String,
    pub port: u16,
    pub listening: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NodeState {
    Starting,
    Healthy,
    Degraded,
    Down,
    Stopped,
}

impl NodeState {
    pub fn name(self) -> &'static str {
        match self {
            NodeState::Starting => "starting",
            NodeState::Healthy => "healthy",
            NodeState::Degraded => "degraded",
            NodeState::Down => "down",
            NodeState::Stopped => "stopped",
        }
    }

    /// Counts as up in the uptime ledger.
    pub fn is_up(self) -> bool {
        matches!(
            self,
            NodeState::Starting | NodeState::Healthy | NodeState::Degraded
        )
    }
}

#[derive(Debug, Clone)]
pub struct Thresholds {
    /// After a start, this long to show the first session update before "degraded".
    pub starting_grace_secs: i64,
    /// No log line for this long: degraded (stalled).
    pub silent_secs: i64,
    /// Pinging but no session progress for this long: degraded.
    pub no_progress_secs: i64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            starting_grace_secs: 180,
            silent_secs: 300,
            no_progress_secs: 900,
        }
    }
}

fn ago(secs: i64) -> String {
    crate::platform::clock::describe_age(secs.max(0))
}

pub fn classify(
    runtime: Option<&RuntimeRecord>,
    log: &LogSummary,
    now: i64,
    t: &Thresholds,
) -> (NodeState, String) {
    let Some(r) = runtime else {
        return (NodeState::Stopped, "never started".into());
    };
    if r.pid.is_none() {
        return if r.desired == "running" {
            let why = if r.reason.is_empty() {
                "not running".to_string()
            } else {
                r.reason.clone()
            };
            (NodeState::Down, why)
        } else {
            (NodeState::Stopped, "stopped".into())
        };
    }
    let started = r.started_at.unwrap_or(now);
    let up_for = now - started;
    let progressed_since_start = log.last_progress_at.is_some_and(|p| p >= started);
    if !progressed_since_start && up_for < t.starting_grace_secs {
        return (
            NodeState::Starting,
            format!(
                "started {} ago; waiting for its first session update",
                ago(up_for)
            ),
        );
    }
    if let Some(last) = log.last_line_at {
        if now - last >= t.silent_secs {
            return (
                NodeState::Degraded,
                format!("no log output for {}", ago(now - last)),
            );
        }
    } else if up_for >= t.silent_secs {
        return (
            NodeState::Degraded,
            format!("no log output since it started {} ago", ago(up_for)),
        );
    }
    match log.last_progress_at {
        None => (
            NodeState::Degraded,
            format!("no session progress in {} of running", ago(up_for)),
        ),
        Some(p) if now - p >= t.no_progress_secs => (
            NodeState::Degraded,
            format!(
                "no session progress for {} ({} pings without progress)",
                ago(now - p),
                log.pings_since_progress
            ),
        ),
        Some(_) => (
            NodeState::Healthy,
            match (log.session_id, log.state_name.as_deref()) {
                (Some(id), Some(st)) => format!("session {id}, state {st}"),
                _ => "running".into(),
            },
        ),
    }
}

/// A healthy node whose LLM engine is not there is degraded: a container of its own is not
/// running, or (after the start-up grace) nothing listens on the LLM port of a dedicated node.
/// An ephemeral node (the default) starts its worker containers on demand: its `LLM_PORT` is
/// not expected to listen, so only its containers count.
#[allow(clippy::too_many_arguments)]
pub fn refine(
    state: NodeState,
    reason: String,
    started_at: Option<i64>,
    containers: Option<&[Container]>,
    ports: &[PortStatus],
    dedicated: bool,
    now: i64,
    t: &Thresholds,
) -> (NodeState, String) {
    if state != NodeState::Healthy {
        return (state, reason);
    }
    if let Some(c) = containers
        .unwrap_or_default()
        .iter()
        .find(|c| !c.is_running())
    {
        return (
            NodeState::Degraded,
            format!("its LLM container {} is {}", c.name, c.status),
        );
    }
    let settled = started_at.is_some_and(|s| now - s >= t.starting_grace_secs);
    if let Some(p) = ports
        .iter()
        .find(|p| p.name == "llm" && !p.listening)
        .filter(|_| settled && dedicated)
    {
        return (
            NodeState::Degraded,
            format!(
                "nothing listens on its LLM port {}; the LLM engine is not serving",
                p.port
            ),
        );
    }
    (state, reason)
}

/// Whether a node is earning, apart from whether it is "up" for the contest's ledger: its
/// process runs and makes progress, it is registered, and its LLM engine can run. When it is
/// not, what stops it, in one line, and the one action that helps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Earning {
    pub earning: bool,
    /// What stops it ("Docker is stopped"); `None` when earning.
    pub blocker: Option<String>,
    /// The action that helps, as a button label ("Start Docker", "Register", "Start").
    pub action: Option<String>,
}

/// What the earning judgement needs besides the node's state.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarningFacts {
    /// Registration succeeded (`tool register`), or the node came from an official install.
    pub registered: bool,
    /// The node runs its LLM engine in Docker (`DOCKER_LLM_MANAGER=1`).
    pub uses_docker: bool,
    /// Docker answers (`None`: not looked at yet).
    pub docker_usable: Option<bool>,
    /// The node's balance is known to be zero: it cannot pay for a transaction.
    pub no_gas: bool,
}

pub fn earning(state: NodeState, reason: &str, f: EarningFacts) -> Earning {
    let not = |blocker: String, action: Option<&str>| Earning {
        earning: false,
        blocker: Some(blocker),
        action: action.map(str::to_string),
    };
    match state {
        NodeState::Stopped => return not("Stopped".into(), Some("Start")),
        NodeState::Down => return not(format!("Not running: {reason}"), Some("Restart")),
        _ => {}
    }
    if f.uses_docker && f.docker_usable == Some(false) {
        return not(
            "Docker is stopped: the node's LLM engine cannot run".into(),
            Some("Start Docker"),
        );
    }
    if !f.registered {
        return not("Not registered with the network".into(), Some("Register"));
    }
    if f.no_gas {
        return not("No ETH to pay for its transactions".into(), Some("Fund it"));
    }
    match state {
        NodeState::Starting => not(format!("Starting: {reason}"), None),
        NodeState::Degraded => not(format!("Not making progress: {reason}"), Some("Restart")),
        _ => Earning {
            earning: true,
            blocker: None,
            action: None,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn earning_needs_progress_registration_docker_and_gas() {
        let ok = EarningFacts {
            registered: true,
            uses_docker: true,
            docker_usable: Some(true),
            no_gas: false,
        };
        assert!(earning(NodeState::Healthy, "", ok).earning);
        // Docker not looked at yet: no verdict against it.
        let unknown = EarningFacts {
            docker_usable: None,
            ..ok
        };
        assert!(earning(NodeState::Healthy, "", unknown).earning);
        let e = earning(
            NodeState::Healthy,
            "",
            EarningFacts {
                docker_usable: Some(false),
                ..ok
            },
        );
        assert!(!e.earning);
        assert!(e.blocker.unwrap().starts_with("Docker is stopped"));
        assert_eq!(e.action.as_deref(), Some("Start Docker"));
        // A GPU subprocess node does not need Docker.
        let gpu = EarningFacts {
            uses_docker: false,
            docker_usable: Some(false),
            ..ok
        };
        assert!(earning(NodeState::Healthy, "", gpu).earning);
        let e = earning(
            NodeState::Healthy,
            "",
            EarningFacts {
                registered: false,
                ..ok
            },
        );
        assert_eq!(
            (e.blocker.as_deref(), e.action.as_deref()),
            (Some("Not registered with the network"), Some("Register"))
        );
        let e = earning(NodeState::Healthy, "", EarningFacts { no_gas: true, ..ok });
        assert_eq!(e.action.as_deref(), Some("Fund it"));
        let e = earning(NodeState::Down, "crashed (exit code 1)", ok);
        assert_eq!(
            e.blocker.as_deref(),
            Some("Not running: crashed (exit code 1)")
        );
        let e = earning(
            NodeState::Stopped,
            "",
            EarningFacts {
                docker_usable: Some(false),
                ..ok
            },
        );
        assert_eq!(
            (e.blocker.as_deref(), e.action.as_deref()),
            (Some("Stopped"), Some("Start"))
        );
        let e = earning(NodeState::Degraded, "no session progress for 12 min", ok);
        assert!(!e.earning && e.blocker.unwrap().contains("no session progress"));
        assert!(!earning(NodeState::Starting, "started 5 s ago", ok).earning);
    }

    fn rt(pid: Option<u32>, desired: &str, started_at: i64, reason: &str) -> RuntimeRecord {
        RuntimeRecord {
            node_id: 1,
            desired: desired.into(),
            restart_nonce: 0,
            pid,
            start_time: pid.map(|_| 1),
            state: "running".into(),
            reason: reason.into(),
            restarts: 0,
            last_exit: None,
            started_at: Some(started_at),
            updated_at: 0,
        }
    }

    #[test]
    fn every_state_has_a_reason() {
        let t = Thresholds::default();
        let mut log = LogSummary::default();
        assert_eq!(classify(None, &log, 1000, &t).0, NodeState::Stopped);
        assert_eq!(
            classify(Some(&rt(None, "stopped", 0, "")), &log, 1000, &t),
            (NodeState::Stopped, "stopped".into())
        );
        let down = classify(
            Some(&rt(
                None,
                "running",
                0,
                "crashed (exit code 1); restarting in 2.0 s",
            )),
            &log,
            1000,
            &t,
        );
        assert_eq!(
            down,
            (
                NodeState::Down,
                "crashed (exit code 1); restarting in 2.0 s".into()
            )
        );
        let (s, why) = classify(Some(&rt(Some(9), "running", 990, "")), &log, 1000, &t);
        assert_eq!(s, NodeState::Starting);
        assert!(why.contains("10 s ago"), "{why}");
        log.last_line_at = Some(1000);
        log.last_progress_at = Some(995);
        log.session_id = Some(1101);
        log.state_name = Some("Precommit".into());
        assert_eq!(
            classify(Some(&rt(Some(9), "running", 990, "")), &log, 1000, &t),
            (NodeState::Healthy, "session 1101, state Precommit".into())
        );
        // Silent for 10 minutes.
        let (s, why) = classify(Some(&rt(Some(9), "running", 0, "")), &log, 1600, &t);
        assert_eq!(s, NodeState::Degraded);
        assert!(why.contains("no log output for 10 min"), "{why}");
        // Pinging without progress for 20 minutes.
        log.last_line_at = Some(2195);
        log.pings_since_progress = 40;
        let (s, why) = classify(Some(&rt(Some(9), "running", 0, "")), &log, 2200, &t);
        assert_eq!(s, NodeState::Degraded);
        assert!(why.contains("40 pings without progress"), "{why}");
    }

    #[test]
    fn a_missing_llm_engine_degrades_a_healthy_node() {
        let t = Thresholds::default();
        let healthy = || (NodeState::Healthy, "session 7, state Commit".to_string());
        let running = Container {
            name: "cortensor-node1-llm-0".into(),
            state: "running".into(),
            status: "running since x".into(),
            restarts: 0,
            started_at: Some("x".into()),
        };
        let exited = Container {
            state: "exited".into(),
            status: "exited with code 137".into(),
            ..running.clone()
        };
        let llm = |listening| {
            vec![PortStatus {
                name: "llm".into(),
                port: 8091,
                listening,
            }]
        };
        let (h, r) = healthy();
        assert_eq!(
            refine(
                h,
                r,
                Some(0),
                Some(&[running.clone()]),
                &llm(true),
                true,
                1000,
                &t
            ),
            healthy()
        );
        let (h, r) = healthy();
        assert_eq!(
            refine(
                h,
                r,
                Some(0),
                Some(&[running.clone(), exited.clone()]),
                &llm(true),
                true,
                1000,
                &t
            ),
            (
                NodeState::Degraded,
                "its LLM container cortensor-node1-llm-0 is exited with code 137".into()
            )
        );
        let (h, r) = healthy();
        let (s, why) = refine(h, r, Some(0), None, &llm(false), true, 1000, &t);
        assert_eq!(s, NodeState::Degraded);
        assert!(why.contains("LLM port 8091"), "{why}");
        // An ephemeral node (the default) is not degraded by a closed LLM port.
        let (h, r) = healthy();
        assert_eq!(
            refine(h, r, Some(0), None, &llm(false), false, 1000, &t),
            healthy()
        );
        // Within the start-up grace a closed port is expected; a degraded node keeps its own reason.
        let (h, r) = healthy();
        assert_eq!(
            refine(h, r, Some(950), None, &llm(false), true, 1000, &t),
            healthy()
        );
        assert_eq!(
            refine(
                NodeState::Degraded,
                "silent".into(),
                Some(0),
                Some(&[exited]),
                &llm(false),
                true,
                1000,
                &t
            ),
            (NodeState::Degraded, "silent".into())
        );
    }
}

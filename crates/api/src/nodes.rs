//! Nodes at work: start/stop/restart a selection, what each node is doing, its log, its uptime
//! timeline, alerts, and the live feed the desktop app pushes to its window.

use std::path::Path;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use cortensor_node::health::{ledger, logs::LiveLog, monitor};
use cortensor_node::machine::Machine;
use cortensor_node::platform::clock::now_unix;
use cortensor_node::runtime::control;
use cortensor_node::runtime::feed;

use crate::{user, Session, UserError};

pub use cortensor_node::health::ledger::UptimePoint;
pub use cortensor_node::health::logs::LogLines;
pub use cortensor_node::health::monitor::NodeHealth;
pub use cortensor_node::health::system::SystemHealth;
pub use cortensor_node::runtime::control::Action;
pub use cortensor_node::services::Backend;
pub use cortensor_node::store::{AlertRecord, NodeRecord, RuntimeRecord};

/// Which nodes a control acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum NodeSelection {
    All,
    One(u32),
}

impl FromStr for NodeSelection {
    type Err = UserError;

    /// `all` or a node id, as typed on the command line.
    fn from_str(s: &str) -> Result<NodeSelection, UserError> {
        if s.trim() == "all" {
            return Ok(NodeSelection::All);
        }
        s.trim().parse().map(NodeSelection::One).map_err(|_| {
            UserError::new(format!(
                "'{s}' is not a node id; use a number from `node list`, or `all`"
            ))
        })
    }
}

/// What a control did: the nodes asked, and notes (the daemon started, optional steps failed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ControlResponse {
    pub nodes: Vec<u32>,
    pub notes: Vec<String>,
}

/// `node status`: every node, what runs it, its health, and the alerts still open.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StatusResponse {
    pub nodes: Vec<NodeRecord>,
    pub runtime: Vec<RuntimeRecord>,
    pub health: Vec<NodeHealth>,
    pub alerts: Vec<AlertRecord>,
    pub backend: Backend,
    /// A newer `cortensord` the daemon saw at the install's source (outdated nodes are refused).
    pub update_available: Option<String>,
}

/// Start, stop or restart the selected nodes; `daemon_exe` is the program whose `daemon`
/// subcommand runs (or watches) the nodes, started when it is not running.
pub fn control(
    s: &Session,
    selection: NodeSelection,
    action: Action,
    daemon_exe: &Path,
) -> Result<ControlResponse, UserError> {
    let m = s.machine()?;
    let which = match selection {
        NodeSelection::All => "all".to_string(),
        NodeSelection::One(id) => id.to_string(),
    };
    let ids = control::select(&m, &which)?;
    let notes = control::apply(&m, &ids, action, daemon_exe)?;
    Ok(ControlResponse { nodes: ids, notes })
}

/// Watches the nodes for `node status` (once or `--watch`): the daemon's snapshots, or a
/// monitor pass of its own when no daemon runs.
pub struct StatusWatch {
    machine: Machine,
    feed: feed::Feed,
}

impl StatusWatch {
    pub fn open(s: &Session) -> Result<StatusWatch, UserError> {
        let machine = s.machine()?;
        let feed = feed::Feed::new(&machine);
        Ok(StatusWatch { machine, feed })
    }

    pub fn next(&mut self) -> Result<StatusResponse, UserError> {
        let m = &self.machine;
        let health = self.feed.next(m).0;
        Ok(StatusResponse {
            nodes: m.store.nodes().map_err(user)?,
            runtime: m.store.runtime().map_err(user)?,
            health,
            alerts: m.store.active_alerts().map_err(user)?,
            backend: m.backend,
            update_available: m
                .store
                .setting(cortensor_node::runtime::updates::AVAILABLE_SETTING)
                .map_err(user)?
                .filter(|v| !v.is_empty()),
        })
    }
}

/// The live feed of the desktop app: node health when what it says changed, new
/// alerts, machine health every ten seconds. Poll it every [`FEED_POLL_EVERY`].
pub struct Feed {
    machine: Machine,
    feed: feed::Feed,
}

pub const FEED_POLL_EVERY: std::time::Duration = feed::POLL_EVERY;

impl Feed {
    pub fn open(s: &Session) -> Result<Feed, UserError> {
        let machine = s.machine()?;
        let feed = feed::Feed::new(&machine);
        Ok(Feed { machine, feed })
    }

    /// Node health and new alerts, when there is something to send.
    pub fn poll(&mut self) -> Option<(Vec<NodeHealth>, Vec<AlertRecord>)> {
        self.feed.poll(&self.machine)
    }

    /// The open alerts, when they changed since the last call.
    pub fn active_alerts(&mut self) -> Option<Vec<AlertRecord>> {
        self.feed.active_alerts(&self.machine)
    }

    /// Machine health, every ten seconds (`None` in between).
    pub fn system(&mut self) -> Option<SystemHealth> {
        self.feed.system(&self.machine)
    }
}

/// A node's log as a reader sees it: its last lines, then new ones (across rotations).
pub struct NodeLog(LiveLog, cortensor_node::redact::Redactor);

impl NodeLog {
    /// Open node `id`'s log: the reader and its last `lines` lines.
    pub fn open(s: &Session, id: u32, lines: usize) -> Result<(NodeLog, Vec<String>), UserError> {
        let m = s.machine()?;
        if !m
            .store
            .nodes()
            .map_err(user)?
            .iter()
            .any(|r| r.spec.id == id)
        {
            return Err(UserError::new(format!(
                "there is no node {id}; `cortensor-manager node list` shows your nodes"
            )));
        }
        // What the window shows of node output passes the redactor (a careless binary may
        // print its key or the RPC URL).
        let redactor = crate::reports::redactor_for(&m)?;
        let (live, last) = LiveLog::open(id, &m.layout.log_file(id), lines);
        let last = last.iter().map(|l| redactor.redact(l).text).collect();
        Ok((NodeLog(live, redactor), last))
    }

    /// Lines added since the last call, if any (redacted).
    pub fn poll(&mut self) -> Option<LogLines> {
        let mut l = self.0.poll()?;
        for line in &mut l.lines {
            *line = self.1.redact(line).text;
        }
        Some(l)
    }
}

/// The last snapshot of every node's health (what the daemon wrote).
pub fn node_health(s: &Session) -> Result<Vec<NodeHealth>, UserError> {
    Ok(monitor::snapshots(&s.machine()?.store))
}

/// The machine's health now.
pub fn system_health(s: &Session) -> Result<SystemHealth, UserError> {
    Ok(feed::system_now(&s.machine()?, None))
}

/// Node `id`'s uptime minute by minute over the last `hours` (1 hour to 90 days).
pub fn uptime_timeline(s: &Session, id: u32, hours: i64) -> Result<Vec<UptimePoint>, UserError> {
    let m = s.machine()?;
    ledger::timeline(m.store.conn(), id, now_unix(), hours.clamp(1, 24 * 90)).map_err(user)
}

/// The alerts still open (neither resolved nor dismissed), oldest first.
pub fn active_alerts(s: &Session) -> Result<Vec<AlertRecord>, UserError> {
    s.store()?.active_alerts().map_err(user)
}

/// Dismiss alert `id` (it stays in the history).
pub fn dismiss_alert(s: &Session, id: i64) -> Result<(), UserError> {
    if s.store()?.dismiss_alert(id, now_unix()).map_err(user)? {
        Ok(())
    } else {
        Err(UserError::new(format!(
            "there is no alert {id}; `cortensor-manager alerts --all` lists them"
        )))
    }
}

/// Alerts of the last `hours` (1 hour to 90 days).
pub fn recent_alerts(s: &Session, hours: i64) -> Result<Vec<AlertRecord>, UserError> {
    s.store()?
        .alerts(now_unix() - hours.clamp(1, 24 * 90) * 3600)
        .map_err(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_selection_is_all_or_a_node_id() {
        assert_eq!("all".parse::<NodeSelection>().unwrap(), NodeSelection::All);
        assert_eq!(
            " 3 ".parse::<NodeSelection>().unwrap(),
            NodeSelection::One(3)
        );
        let e = "two".parse::<NodeSelection>().unwrap_err();
        assert!(e.message.contains("'two' is not a node id"), "{e}");
        assert!("-1".parse::<NodeSelection>().is_err());
    }

    #[test]
    fn selection_and_action_travel_as_the_ui_sends_them() {
        let one: NodeSelection = serde_json::from_str(r#"{"one":2}"#).unwrap();
        assert_eq!(one, NodeSelection::One(2));
        let all: NodeSelection = serde_json::from_str(r#""all""#).unwrap();
        assert_eq!(all, NodeSelection::All);
        let a: Action = serde_json::from_str(r#""restart""#).unwrap();
        assert_eq!(a, Action::Restart);
        assert!(serde_json::from_str::<Action>(r#""explode""#).is_err());
    }
}

//! What the desktop app shows, batch by batch: the daemon's snapshots when a daemon runs (it owns
//! the monitor), else the app's own monitor pass (probing OS services first).

use super::monitor::{self, Monitor, NodeHealth};
use crate::machine::Machine;
use crate::runtime::supervisor::{daemon_running, now_unix};
use crate::store::AlertRecord;

pub struct Feed {
    own: Monitor,
    last_alert: i64,
}

impl Feed {
    pub fn new(m: &Machine) -> Feed {
        let last_alert = m.store.alerts(0).ok().and_then(|a| a.last().map(|a| a.id)).unwrap_or(0);
        Feed { own: Monitor::new(Default::default()), last_alert }
    }

    /// The current health of every node, and the alerts raised since the last call.
    pub fn next(&mut self, m: &Machine) -> (Vec<NodeHealth>, Vec<AlertRecord>) {
        let health = if daemon_running(&m.layout) {
            monitor::snapshots(&m.store)
        } else {
            crate::runtime::control::probe_services(m);
            self.own.tick(&m.layout, &m.store, now_unix())
        };
        let alerts: Vec<AlertRecord> = m.store.alerts(0).unwrap_or_default().into_iter().filter(|a| a.id > self.last_alert).collect();
        if let Some(a) = alerts.last() {
            self.last_alert = a.id;
        }
        (health, alerts)
    }
}

//! What the desktop app shows, batch by batch: the daemon's snapshots when a daemon runs (it owns
//! the monitor), else the app's own monitor pass (probing OS services first).

use std::time::{Duration, Instant};

use crate::health::monitor::{self, Monitor, NodeHealth};
use crate::machine::Machine;
use crate::runtime::supervisor::{daemon_running, now_unix};
use crate::store::AlertRecord;

pub struct Feed {
    own: Monitor,
    last_alert: i64,
    sys: Option<sysinfo::System>,
    last_system: Option<Instant>,
    /// When the last batch went out, and the states it carried.
    last_sent: Option<(
        Instant,
        Vec<(u32, crate::health::state::NodeState, String, Option<u32>)>,
    )>,
    last_own_pass: Option<Instant>,
    /// The ids of the open alerts last sent.
    last_active: Option<Vec<i64>>,
}

/// Sample the machine now (`sys` keeps CPU usage between calls; without one, CPU usage is
/// measured over a short pause).
pub fn system_now(
    m: &Machine,
    sys: Option<&mut sysinfo::System>,
) -> crate::health::system::SystemHealth {
    // Without a kept `System`, CPU usage is measured over a short pause.
    let mut fresh = if sys.is_none() {
        sysinfo::System::new().ok().map(|mut s| {
            s.refresh_cpu_usage();
            std::thread::sleep(sysinfo::MINIMUM_CPU_UPDATE_INTERVAL);
            s
        })
    } else {
        None
    };
    let sys = sys.or(fresh.as_mut());
    let rpc = m
        .keychain
        .as_ref()
        .ok()
        .and_then(|k| k.load_secret(crate::install::setup::RPC_SECRET).ok());
    let mut runner = m.runner.clone();
    crate::health::system::sample(
        sys,
        &m.layout.root,
        &mut runner,
        rpc.as_ref().map(|s| s.expose()),
        &m.profile.dashboard_url,
        &m.profile.global_ping,
        "cortensor-node",
    )
}

/// How often the machine-wide probes run (GPU, Docker, pings).
pub const SYSTEM_EVERY: Duration = Duration::from_secs(10);
/// How often the app looks for new snapshots ([`Feed::poll`]'s intended cadence).
pub const POLL_EVERY: Duration = Duration::from_millis(250);
/// A batch is sent at least this often, changed or not (the UI's charts are per second).
const HEARTBEAT: Duration = Duration::from_secs(1);

impl Feed {
    pub fn new(m: &Machine) -> Feed {
        let last_alert = m.store.last_alert_id().unwrap_or(0);
        Feed {
            own: Monitor::new(Default::default()).with_docker(Box::new(m.runner.clone())),
            last_alert,
            sys: sysinfo::System::new().ok(),
            last_system: None,
            last_sent: None,
            last_own_pass: None,
            last_active: None,
        }
    }

    /// Machine-wide health, every [`SYSTEM_EVERY`] (`None` in between).
    pub fn system(&mut self, m: &Machine) -> Option<crate::health::system::SystemHealth> {
        if self.last_system.is_some_and(|t| t.elapsed() < SYSTEM_EVERY) {
            return None;
        }
        self.last_system = Some(Instant::now());
        Some(system_now(m, self.sys.as_mut()))
    }

    /// The current health of every node, and the alerts raised since the last call. With a
    /// daemon its snapshots are read; without one this feed runs a monitor pass itself (at
    /// most once a second).
    pub fn next(&mut self, m: &Machine) -> (Vec<NodeHealth>, Vec<AlertRecord>) {
        let passed_recently = self.last_own_pass.is_some_and(|t| t.elapsed() < HEARTBEAT);
        let health = if passed_recently || daemon_running(&m.layout) {
            monitor::snapshots(&m.store)
        } else {
            self.last_own_pass = Some(Instant::now());
            crate::runtime::control::probe_services(m);
            self.own.tick(&m.layout, &m.store, now_unix())
        };
        let alerts = m.store.alerts_after(self.last_alert).unwrap_or_default();
        if let Some(a) = alerts.last() {
            self.last_alert = a.id;
        }
        (health, alerts)
    }

    /// The open alerts, when they differ from the last call's (one raised, resolved or
    /// dismissed); else `None`.
    pub fn active_alerts(&mut self, m: &Machine) -> Option<Vec<AlertRecord>> {
        let active = m.store.active_alerts().ok()?;
        let ids: Vec<i64> = active.iter().map(|a| a.id).collect();
        if self.last_active.as_ref() == Some(&ids) {
            return None;
        }
        self.last_active = Some(ids);
        Some(active)
    }

    /// For a caller polling every [`POLL_EVERY`]: a batch when a node's state, reason or pid
    /// changed, when there are new alerts, or once a second; else `None`. A state change
    /// reaches the UI a fraction of a second after the daemon saw it.
    pub fn poll(&mut self, m: &Machine) -> Option<(Vec<NodeHealth>, Vec<AlertRecord>)> {
        let (health, alerts) = self.next(m);
        let key: Vec<(u32, crate::health::state::NodeState, String, Option<u32>)> = health
            .iter()
            .map(|h| (h.id, h.state, h.reason.clone(), h.pid))
            .collect();
        let due = self
            .last_sent
            .as_ref()
            .is_none_or(|(t, k)| t.elapsed() >= HEARTBEAT || *k != key);
        if !due && alerts.is_empty() {
            return None;
        }
        self.last_sent = Some((Instant::now(), key));
        Some((health, alerts))
    }
}

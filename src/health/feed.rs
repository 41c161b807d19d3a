//! What the desktop app shows, batch by batch: the daemon's snapshots when a daemon runs (it owns
//! the monitor), else the app's own monitor pass (probing OS services first).

use super::monitor::{self, Monitor, NodeHealth};
use crate::machine::Machine;
use crate::runtime::supervisor::{daemon_running, now_unix};
use crate::store::AlertRecord;

pub struct Feed {
    own: Monitor,
    last_alert: i64,
    sys: Option<sysinfo::System>,
    calls: u64,
}

/// Sample the machine now (`sys` keeps CPU usage between calls; without one, CPU usage is
/// measured over a short pause).
pub fn system_now(m: &Machine, sys: Option<&mut sysinfo::System>) -> super::system::SystemHealth {
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
    super::system::sample(
        sys,
        &m.layout.root,
        &mut runner,
        rpc.as_ref().map(|s| s.expose()),
        &m.profile.dashboard_url,
        &m.profile.global_ping,
        "cortensor-node",
    )
}

/// How often (in calls, i.e. seconds) the machine-wide probes run (GPU, Docker, pings).
pub const SYSTEM_EVERY: u64 = 10;

impl Feed {
    pub fn new(m: &Machine) -> Feed {
        let last_alert = m
            .store
            .alerts(0)
            .ok()
            .and_then(|a| a.last().map(|a| a.id))
            .unwrap_or(0);
        Feed {
            own: Monitor::new(Default::default()).with_docker(Box::new(m.runner.clone())),
            last_alert,
            sys: sysinfo::System::new().ok(),
            calls: 0,
        }
    }

    /// Machine-wide health, every [`SYSTEM_EVERY`] calls (`None` in between).
    pub fn system(&mut self, m: &Machine) -> Option<super::system::SystemHealth> {
        self.calls += 1;
        if (self.calls - 1) % SYSTEM_EVERY != 0 {
            return None;
        }
        Some(system_now(m, self.sys.as_mut()))
    }

    /// The current health of every node, and the alerts raised since the last call.
    pub fn next(&mut self, m: &Machine) -> (Vec<NodeHealth>, Vec<AlertRecord>) {
        let health = if daemon_running(&m.layout) {
            monitor::snapshots(&m.store)
        } else {
            crate::runtime::control::probe_services(m);
            self.own.tick(&m.layout, &m.store, now_unix())
        };
        let alerts: Vec<AlertRecord> = m
            .store
            .alerts(0)
            .unwrap_or_default()
            .into_iter()
            .filter(|a| a.id > self.last_alert)
            .collect();
        if let Some(a) = alerts.last() {
            self.last_alert = a.id;
        }
        (health, alerts)
    }
}

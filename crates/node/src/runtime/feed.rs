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
    /// What the last batch carried, without its time stamps ([`content`]).
    last_sent: Option<Vec<serde_json::Value>>,
    last_own_pass: Option<Instant>,
    /// The ids of the open alerts last sent.
    last_active: Option<Vec<i64>>,
    /// The snapshots last read and the store's `data_version` then: nothing committed since,
    /// nothing to read again.
    cached: Option<(i64, Vec<NodeHealth>)>,
    /// The store's `data_version` when the last own pass found no node: until another
    /// connection commits (a node added, a daemon's write), there is nothing to watch and no
    /// pass runs (an app idling without nodes wakes for one SQLite pragma, not a /proc scan
    /// and a write transaction).
    empty_at: Option<i64>,
    /// The store's `data_version` when the open alerts were last read ([`Feed::active_alerts`]).
    active_at: Option<i64>,
    /// Own monitor passes run (what the tests count).
    own_passes: u64,
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
/// Without a daemon, the feed's own monitor pass runs at most this often.
const OWN_PASS_EVERY: Duration = Duration::from_secs(1);

/// What a batch says, without the time each snapshot was taken: two batches with the same
/// content are the same news (push, don't poll: a window with nothing changing gets nothing).
pub fn content(health: &[NodeHealth]) -> Vec<serde_json::Value> {
    health
        .iter()
        .map(|h| {
            let mut v = serde_json::to_value(h).unwrap_or(serde_json::Value::Null);
            if let Some(o) = v.as_object_mut() {
                o.remove("at");
            }
            v
        })
        .collect()
}

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
            cached: None,
            empty_at: None,
            active_at: None,
            own_passes: 0,
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
        let (health, alerts, _) = self.read(m);
        (health, alerts)
    }

    /// [`Feed::next`], and whether anything was read afresh (`false`: the store has not
    /// changed since the last read, the snapshots are that read's).
    fn read(&mut self, m: &Machine) -> (Vec<NodeHealth>, Vec<AlertRecord>, bool) {
        let passed_recently = self
            .last_own_pass
            .is_some_and(|t| t.elapsed() < OWN_PASS_EVERY);
        let mut own = !passed_recently && !daemon_running(&m.layout);
        // No node at the last pass and nothing committed since: no pass (the snapshots below
        // are that pass's, cached); looked at again in a second.
        let version = m.store.data_version().ok();
        if own && version.is_some() && self.empty_at == version {
            own = false;
            self.last_own_pass = Some(Instant::now());
        }
        let health = if !own {
            // Nothing committed by another connection since the last read: the same news.
            if let (Some(v), Some((seen, health))) = (version, &self.cached) {
                if v == *seen {
                    return (health.clone(), Vec::new(), false);
                }
            }
            let health = monitor::snapshots(&m.store);
            self.cached = version.map(|v| (v, health.clone()));
            health
        } else {
            self.last_own_pass = Some(Instant::now());
            self.own_passes += 1;
            // This connection's own writes do not move `data_version`: read afresh next time.
            self.cached = None;
            self.active_at = None;
            crate::runtime::control::probe_services(m);
            let health = self.own.tick(&m.layout, &m.store, now_unix());
            self.empty_at = if health.is_empty() { version } else { None };
            health
        };
        let alerts = m.store.alerts_after(self.last_alert).unwrap_or_default();
        if let Some(a) = alerts.last() {
            self.last_alert = a.id;
        }
        (health, alerts, true)
    }

    /// The open alerts, when they differ from the last call's (one raised, resolved or
    /// dismissed); else `None`.
    pub fn active_alerts(&mut self, m: &Machine) -> Option<Vec<AlertRecord>> {
        // Nothing committed by another connection and no own pass since the last read: the
        // same alerts.
        let version = m.store.data_version().ok();
        if version.is_some() && self.active_at == version {
            return None;
        }
        let active = m.store.active_alerts().ok()?;
        self.active_at = version;
        let ids: Vec<i64> = active.iter().map(|a| a.id).collect();
        if self.last_active.as_ref() == Some(&ids) {
            return None;
        }
        self.last_active = Some(ids);
        Some(active)
    }

    /// For a caller polling every [`POLL_EVERY`]: a batch when anything a node's health says
    /// changed (its state, pid, CPU, log age…, not the time it was taken) or there are new
    /// alerts; else `None`. Nothing changing, nothing is sent: an idle window is not woken.
    /// A state change reaches the UI a fraction of a second after the daemon saw it.
    pub fn poll(&mut self, m: &Machine) -> Option<(Vec<NodeHealth>, Vec<AlertRecord>)> {
        let (health, alerts, fresh) = self.read(m);
        // Nothing read afresh: the batch last compared, which was sent or found unchanged.
        if !fresh && alerts.is_empty() && self.last_sent.is_some() {
            return None;
        }
        let now = content(&health);
        if alerts.is_empty() && self.last_sent.as_ref() == Some(&now) {
            return None;
        }
        self.last_sent = Some(now);
        Some((health, alerts))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: u32, at: i64, cpu: Option<f32>) -> NodeHealth {
        let mut h: NodeHealth = serde_json::from_value(serde_json::json!({
            "id": id, "address": "0xabc", "state": "healthy", "reason": "", "pid": 42,
            "restarts": 0, "up_since": 100, "cpu_pct": null, "rss_bytes": null, "threads": null,
            "open_files": null, "processes": null, "log_age_secs": 3,
            "log": serde_json::to_value(crate::health::logs::LogSummary::default()).unwrap(),
            "uptime": null, "containers": null, "container_restarts": 0, "ports": [],
            "balance": null,
            "earning": {"earning": true, "blocker": null, "action": null},
            "at": at
        }))
        .expect("a NodeHealth");
        h.cpu_pct = cpu;
        h
    }

    #[test]
    fn the_same_health_taken_later_is_no_news_and_any_change_is() {
        let a = content(&[node(1, 100, Some(1.0))]);
        assert_eq!(
            a,
            content(&[node(1, 105, Some(1.0))]),
            "only the time differs"
        );
        assert_ne!(a, content(&[node(1, 100, Some(2.0))]), "CPU changed");
        assert_ne!(a, content(&[node(2, 100, Some(1.0))]), "another node");
        assert_ne!(a, content(&[]), "the node went away");
        assert_eq!(content(&[]), content(&[]));
        assert!(a[0].get("at").is_none() && a[0].get("id").is_some());
    }

    #[test]
    fn without_nodes_no_pass_runs_until_another_connection_commits() {
        let dir = tempfile::tempdir().unwrap();
        let profile = crate::network::NetworkProfile::load(None).unwrap();
        let m = Machine::sandbox(dir.path().to_path_buf(), profile).unwrap();
        let mut feed = Feed::new(&m);
        let (health, _, fresh) = feed.read(&m);
        assert!(health.is_empty() && fresh);
        assert_eq!(feed.own_passes, 1, "the first read passes");
        // A second later (the pace forgotten), nothing committed: no pass, nothing new.
        feed.last_own_pass = None;
        let (health, alerts, _) = feed.read(&m);
        assert!(health.is_empty() && alerts.is_empty());
        assert_eq!(feed.own_passes, 1, "no node, nothing changed: no pass");
        feed.last_own_pass = None;
        assert!(
            !feed.read(&m).2,
            "the snapshots cached: nothing read afresh"
        );
        assert!(
            feed.poll(&m).is_some(),
            "the first poll sends the empty fleet"
        );
        feed.last_own_pass = None;
        assert!(feed.poll(&m).is_none());
        assert_eq!(feed.own_passes, 1);

        // The open alerts: read once, then only after a commit.
        assert_eq!(feed.active_alerts(&m).map(|a| a.len()), Some(0));
        assert!(feed.active_alerts(&m).is_none(), "nothing committed since");

        // Another connection (the window's command) adds a node: the next read passes.
        let other = crate::store::Store::open(dir.path()).unwrap();
        let spec = crate::nodes::NodeSpec {
            id: 1,
            address: format!("0x{:040x}", 1),
            llm_port: 8001,
            worker_base_port: 9001,
            gateway_base_port: 10_001,
            ipfs_server: false,
            cpu_threads: 1,
            network: "testnet0".into(),
            key_store: Default::default(),
            gpu: false,
        };
        other.add_node(&spec, 0).unwrap();
        feed.last_own_pass = None;
        let (health, _, fresh) = feed.read(&m);
        assert_eq!(feed.own_passes, 2, "a node appeared: a pass");
        assert_eq!(health.len(), 1);
        assert!(fresh);
        // With a node, a pass every second whether or not anything was committed.
        feed.last_own_pass = None;
        feed.read(&m);
        assert_eq!(feed.own_passes, 3);

        other
            .add_alert(Some(1), "down", "node 1 is down", 5)
            .unwrap();
        let active = feed.active_alerts(&m).expect("an alert was raised");
        assert_eq!(active.len(), 1);
        assert_eq!(active[0].message, "node 1 is down");
        assert!(feed.active_alerts(&m).is_none());
    }
}

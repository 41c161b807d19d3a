//! Pushes node health to the window once a second as `node-health` events (and new alerts as
//! `alert` events). When a daemon runs it owns the monitor and the app reads its snapshots;
//! otherwise the app monitors by itself.

use std::time::Duration;

use cortensor_manager::health::monitor::{self, Monitor};
use cortensor_manager::machine::Machine;
use cortensor_manager::runtime::supervisor::{daemon_running, now_unix};
use tauri::{AppHandle, Emitter};

pub const NODE_HEALTH: &str = "node-health";
pub const ALERT: &str = "alert";

pub fn spawn(app: AppHandle) {
    std::thread::spawn(move || {
        let Ok(m) = Machine::open(None, None) else { return };
        let mut own = Monitor::new(Default::default());
        let mut last_alert = m.store.alerts(0).ok().and_then(|a| a.last().map(|a| a.id)).unwrap_or(0);
        loop {
            let health = if daemon_running(&m.layout) {
                monitor::snapshots(&m.store)
            } else {
                cortensor_manager::runtime::control::probe_services(&m);
                own.tick(&m.layout, &m.store, now_unix())
            };
            let _ = app.emit(NODE_HEALTH, &health);
            if let Ok(alerts) = m.store.alerts(0) {
                let seen = last_alert;
                for a in alerts.into_iter().filter(|a| a.id > seen) {
                    last_alert = a.id;
                    let _ = app.emit(ALERT, &a);
                }
            }
            std::thread::sleep(Duration::from_secs(1));
        }
    });
}

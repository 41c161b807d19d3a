//! The daemon's loop: supervise (every tick) and monitor (every second), optionally serving
//! Prometheus metrics.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::supervisor::{now_unix, DaemonError, Supervisor};
use crate::health::monitor::{self, Monitor};
use crate::nodes::Layout;
use crate::store::Store;

/// Run until `stop`; returns with the nodes still running.
pub fn run(sup: &mut Supervisor, monitor: &mut Monitor, layout: &Layout, store: &Store, metrics: Option<Arc<Mutex<String>>>, stop: &AtomicBool) -> Result<(), DaemonError> {
    let mut last_monitor: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        sup.tick()?;
        if last_monitor.is_none_or(|t| t.elapsed() >= Duration::from_secs(1)) {
            last_monitor = Some(Instant::now());
            let health = monitor.tick(layout, store, now_unix());
            if let Some(m) = &metrics {
                if let Ok(mut s) = m.lock() {
                    *s = monitor::prometheus(&health);
                }
            }
        }
        std::thread::sleep(sup.tick_interval());
    }
    sup.tick()
}

//! Pushes node health to the window as `node-health` events (at once when a node's state
//! changes, else once a second), new alerts as `alert` events and desktop notifications,
//! machine health as `system-health` events every ten seconds (see
//! `cortensor_manager::health::feed`), and the watched node's new log lines as `node-log`.

use cortensor_manager::health::feed::{Feed, POLL_EVERY};
use cortensor_manager::machine::Machine;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

pub const NODE_HEALTH: &str = "node-health";
pub const ALERT: &str = "alert";
pub const SYSTEM_HEALTH: &str = "system-health";
pub const NODE_LOG: &str = "node-log";

pub fn spawn(app: AppHandle) {
    std::thread::spawn(move || {
        let Ok(m) = Machine::open(None, None) else {
            return;
        };
        let mut feed = Feed::new(&m);
        loop {
            if let Some((health, alerts)) = feed.poll(&m) {
                let _ = app.emit(NODE_HEALTH, &health);
                for a in alerts {
                    let _ = app.emit(ALERT, &a);
                    // A desktop notification too (ignored where the desktop has no notification service).
                    let _ = app
                        .notification()
                        .builder()
                        .title("Cortensor node alert")
                        .body(&a.message)
                        .show();
                }
            }
            if let Some(sys) = feed.system(&m) {
                let _ = app.emit(SYSTEM_HEALTH, &sys);
            }
            let state = app.state::<crate::AppState>();
            let lines = state
                .live_log
                .lock()
                .ok()
                .and_then(|mut l| l.as_mut()?.poll());
            if let Some(lines) = lines {
                let _ = app.emit(NODE_LOG, &lines);
            }
            std::thread::sleep(POLL_EVERY);
        }
    });
}

//! The daemon's hourly look at the release source: outdated nodes are refused by the network,
//! so a newer `cortensord` is announced at once (an alert, a setting the app shows as a banner,
//! a line in `node status`). It runs on a thread of its own: a slow source never holds up
//! supervision or monitoring.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::install::source::ReleaseSource;
use crate::install::update;
use crate::store::Store;

/// The setting holding the newest release seen when it differs from the installed one.
pub const AVAILABLE_SETTING: &str = "update.available";

/// One look: compare the installed release with its source's newest; record and alert once
/// per new release. Returns the version available, if newer. Nothing installed: nothing to do.
pub fn check_once(store: &Store, now: i64) -> Result<Option<String>, String> {
    let Some(installed) = store.installed().map_err(|e| e.to_string())? else {
        return Ok(None);
    };
    let source = ReleaseSource::parse(&installed.source).map_err(|e| e.to_string())?;
    let c = update::check(store, &source).map_err(|e| e.to_string())?;
    if !c.update_available {
        let _ = store.set_setting(AVAILABLE_SETTING, "");
        let _ = store.resolve_alerts(None, "update_available", now);
        return Ok(None);
    }
    let seen = store.setting(AVAILABLE_SETTING).ok().flatten();
    if seen.as_deref() != Some(c.available.as_str()) {
        store
            .set_setting(AVAILABLE_SETTING, &c.available)
            .map_err(|e| e.to_string())?;
        let _ = store.add_alert(
            None,
            "update_available",
            &format!(
                "cortensord {} is available (installed: {}); outdated nodes are refused by the network: update with `cortensor-manager update` or the app's Update button",
                c.available, installed.version
            ),
            now,
        );
    }
    Ok(Some(c.available))
}

/// Look every `every` (first after `first`) until `stop`.
pub fn spawn(data_dir: PathBuf, first: Duration, every: Duration, stop: Arc<AtomicBool>) {
    std::thread::spawn(move || {
        let mut next = Instant::now() + first;
        while !stop.load(Ordering::SeqCst) {
            if Instant::now() >= next {
                next = Instant::now() + every;
                if let Ok(store) = Store::open(&data_dir) {
                    if let Err(e) = check_once(&store, crate::platform::clock::now_unix()) {
                        eprintln!("update check: {e}");
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(500));
        }
    });
}

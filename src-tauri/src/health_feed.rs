//! Pushes node health to the window as `node-health` events when what it says changed (an idle
//! window gets nothing), new alerts as `alert` events and desktop notifications, machine health
//! as `system-health` events every ten seconds while a screen shows it (`watch_system`), and the watched node's new log lines as
//! `node-log`; keeps the tray's icon and tooltip. With the window closed to the tray it looks
//! once a second and sends nothing to a page. With the window open it looks four times a second
//! while anything changes, once a second after two quiet seconds, and every two seconds after a
//! quiet minute ([`pace`]). Event names live in `cortensor_api::events`.

use cortensor_api::events;
use cortensor_api::nodes::{Feed, FEED_POLL_EVERY};
use std::time::Duration;
use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

/// How often the feed looks while the window is closed (the tray and notifications only).
const IN_TRAY_EVERY: Duration = Duration::from_secs(1);
/// How often it looks once nothing has changed for [`QUIET_LOOKS`] looks, and once nothing has
/// for [`STILL_LOOKS`] looks (about a minute): a window left open costs a look every two
/// seconds; anything new brings back [`FEED_POLL_EVERY`].
const QUIET_EVERY: Duration = Duration::from_secs(1);
const QUIET_LOOKS: u32 = 8;
const STILL_EVERY: Duration = Duration::from_secs(2);
const STILL_LOOKS: u32 = QUIET_LOOKS + 60;

/// The wait before the next look, after `quiet` looks in a row found nothing new.
fn pace(quiet: u32) -> Duration {
    if quiet < QUIET_LOOKS {
        FEED_POLL_EVERY
    } else if quiet < STILL_LOOKS {
        QUIET_EVERY
    } else {
        STILL_EVERY
    }
}

pub fn spawn(app: AppHandle) {
    let _ = std::thread::Builder::new()
        .name("health-feed".into())
        .spawn(move || {
            let state = app.state::<crate::AppState>();
            let Ok(mut feed) = Feed::open(&state.session) else {
                return;
            };
            let mut quiet = 0u32;
            loop {
                let window = app.get_webview_window(crate::tray::MAIN).is_some();
                let mut news = false;
                if let Some((health, alerts)) = feed.poll() {
                    news = true;
                    if window {
                        let _ = app.emit(events::NODE_HEALTH, &health);
                    }
                    crate::tray::show_fleet(&app, &health);
                    // Notifications as the user set them (read once per batch of alerts).
                    let notify = !alerts.is_empty()
                        && cortensor_api::settings::notifications_on(&state.session);
                    for a in alerts {
                        if window {
                            let _ = app.emit(events::ALERT, &a);
                        }
                        if !notify {
                            continue;
                        }
                        // A desktop notification too (ignored where the desktop has no notification service).
                        let _ = app
                            .notification()
                            .builder()
                            .title(crate::tray::words(&app).t("shell.notify.alertTitle", &[]))
                            .body(&a.message)
                            .show();
                    }
                }
                if !window {
                    // In the tray: the icon and notifications only, at a calmer pace.
                    std::thread::sleep(IN_TRAY_EVERY);
                    continue;
                }
                if let Some(active) = feed.active_alerts() {
                    news = true;
                    let _ = app.emit(events::ACTIVE_ALERTS, &active);
                }
                // The machine (GPU, Docker, pings: processes and requests) only while shown.
                if state.watch_system.load(std::sync::atomic::Ordering::SeqCst) {
                    if let Some(sys) = feed.system() {
                        let _ = app.emit(events::SYSTEM_HEALTH, &sys);
                    }
                }
                let lines = state
                    .live_log
                    .lock()
                    .ok()
                    .and_then(|mut l| l.as_mut()?.poll());
                if let Some(lines) = lines {
                    news = true;
                    let _ = app.emit(events::NODE_LOG, &lines);
                }
                quiet = if news { 0 } else { quiet.saturating_add(1) };
                std::thread::sleep(pace(quiet));
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pace_calms_down_while_nothing_changes() {
        assert_eq!(pace(0), FEED_POLL_EVERY, "news: the quick pace");
        assert_eq!(pace(QUIET_LOOKS - 1), FEED_POLL_EVERY);
        assert_eq!(pace(QUIET_LOOKS), Duration::from_secs(1));
        assert_eq!(pace(STILL_LOOKS - 1), Duration::from_secs(1));
        assert_eq!(pace(STILL_LOOKS), Duration::from_secs(2));
        assert_eq!(pace(u32::MAX), Duration::from_secs(2));
        // About a minute of quiet before the slowest pace.
        let calm: Duration = (0..STILL_LOOKS).map(pace).sum();
        assert!(
            calm >= Duration::from_secs(60) && calm < Duration::from_secs(65),
            "{calm:?}"
        );
    }
}

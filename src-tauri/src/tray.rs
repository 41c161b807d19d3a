//! The tray: an icon that says how the fleet is (a red dot when something needs attention), a
//! tooltip with the counts, and a menu — open, start all, stop all, check for updates, quit
//! (the nodes keep running). Closing the window hides it here; the app keeps watching.
//! `tray_action` runs the same actions as the menu (the end-to-end test drives them that way,
//! since WebDriver cannot reach a tray).

use std::sync::atomic::{AtomicBool, Ordering};

use cortensor_api::desktop::{fleet_of, TrayAction, Words};
use cortensor_api::nodes::{self, Action, NodeHealth, NodeSelection};
use cortensor_api::UserError;
use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

use crate::AppState;

const TRAY: &str = "fleet";

/// Set when the user quits (the tray's Quit): the window's close and the app's exit go ahead.
pub static QUITTING: AtomicBool = AtomicBool::new(false);

/// The app's icon with a red dot in its lower right corner: "something needs attention".
fn with_dot(icon: &Image<'_>) -> Image<'static> {
    let (w, h) = (icon.width(), icon.height());
    let mut rgba = icon.rgba().to_vec();
    cortensor_api::desktop::attention_dot(&mut rgba, w, h);
    Image::new_owned(rgba, w, h)
}

/// The menu's items, in `TrayAction::ALL`'s order (relabelled when the language changes; "Check
/// for updates" says "Update available" once one is found).
static ITEMS: std::sync::OnceLock<Vec<MenuItem<tauri::Wry>>> = std::sync::OnceLock::new();

/// The shell's words in the user's language, read once (the tooltip is worded on every health
/// batch: no store to open each time) and again when Settings changes the language.
static WORDS: std::sync::Mutex<Option<Words>> = std::sync::Mutex::new(None);

/// The shell's words in the user's language.
pub fn words(app: &AppHandle) -> Words {
    let mut cached = WORDS.lock().unwrap_or_else(|e| e.into_inner());
    *cached.get_or_insert_with(|| Words::of(&app.state::<AppState>().session))
}

/// The menu's texts again, in the language just chosen in Settings.
pub fn relabel(app: &AppHandle) {
    *WORDS.lock().unwrap_or_else(|e| e.into_inner()) = None;
    let w = words(app);
    for (item, action) in ITEMS.get().into_iter().flatten().zip(TrayAction::ALL) {
        let _ = item.set_text(action.label(&w));
    }
}

/// Ask for an app update; when there is one, the tray's menu says so (Settings installs it).
pub async fn check_app_update(
    app: &AppHandle,
) -> Result<cortensor_api::desktop::AppUpdate, UserError> {
    let u = crate::updater::check(app).await?;
    if let (Some(version), Some(item)) = (&u.available, ITEMS.get().and_then(|i| i.get(3))) {
        let _ = item.set_text(words(app).t(
            "shell.tray.updateAvailable",
            &[("version", version.clone())],
        ));
    }
    Ok(u)
}

/// Look for an app update a minute after start, then once a day (failures, e.g. offline, are
/// only logged).
pub fn spawn_update_checks(app: AppHandle) {
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_secs(60));
        loop {
            if let Err(e) = tauri::async_runtime::block_on(check_app_update(&app)) {
                tracing::info!("app update check: {}", e.message);
            }
            std::thread::sleep(std::time::Duration::from_secs(24 * 3600));
        }
    });
}

/// Make the tray on the main thread, once (after the page's first paint, so that its
/// making — the desktop's tray protocol over D-Bus — does not hold up the page's loading).
pub fn build_soon(app: &AppHandle) {
    static ASKED: AtomicBool = AtomicBool::new(false);
    if ASKED.swap(true, Ordering::SeqCst) {
        return;
    }
    let handle = app.clone();
    let _ = app.run_on_main_thread(move || build(&handle));
}

/// [`build_soon`] once the page painted, or after `wait` if it never says so.
pub fn build_after_paint(app: &AppHandle, wait: std::time::Duration) {
    let app = app.clone();
    std::thread::spawn(move || {
        std::thread::sleep(wait);
        build_soon(&app);
    });
}

/// Make the tray (where the desktop has one; elsewhere the app runs on without it).
fn build(app: &AppHandle) {
    let made = (|| -> tauri::Result<()> {
        let w = words(app);
        let items: Vec<MenuItem<tauri::Wry>> = TrayAction::ALL
            .into_iter()
            .map(|a| MenuItem::with_id(app, a.id(), a.label(&w), true, None::<&str>))
            .collect::<tauri::Result<_>>()?;
        let sep = || PredefinedMenuItem::separator(app);
        let (s1, s2) = (sep()?, sep()?);
        let menu = Menu::with_items(
            app,
            &[
                &items[0], &s1, &items[1], &items[2], &items[3], &s2, &items[4],
            ],
        )?;
        let mut b = TrayIconBuilder::with_id(TRAY)
            .tooltip("Cortensor Node Manager")
            .menu(&menu)
            .on_menu_event(|app, e| {
                let Some(a) = TrayAction::from_id(e.id().as_ref()) else {
                    return;
                };
                // Starting, stopping and checking take a while: off the UI thread.
                let app = app.clone();
                let run = move || {
                    if let Err(err) = act(&app, a) {
                        tracing::warn!("tray: {err}");
                    }
                };
                if matches!(a, TrayAction::Open | TrayAction::Quit) {
                    run();
                } else {
                    std::thread::spawn(run);
                }
            });
        if let Some(icon) = app.default_window_icon() {
            b = b.icon(icon.clone());
        }
        b.build(app)?;
        let _ = ITEMS.set(items.clone());
        // Made after the feed's first batch (once the page painted): the fleet as it stands
        // now, not only from the next change.
        if let Ok(health) = nodes::node_health(&app.state::<AppState>().session) {
            show_fleet(app, &health);
        }
        Ok(())
    })();
    if let Err(e) = made {
        tracing::warn!("no tray here ({e}); the app runs without one");
    }
}

/// The fleet's state on the tray: the icon (a dot when a node needs attention) and the tooltip.
pub fn show_fleet(app: &AppHandle, health: &[NodeHealth]) {
    let Some(tray) = app.tray_by_id(TRAY) else {
        return;
    };
    let (tip, attention) = fleet_of(&words(app), health);
    // The feed comes every second: the tray changes only when what it says does.
    static SHOWN: std::sync::Mutex<Option<(String, bool)>> = std::sync::Mutex::new(None);
    {
        let mut shown = SHOWN.lock().unwrap_or_else(|e| e.into_inner());
        if shown.as_ref() == Some(&(tip.clone(), attention)) {
            return;
        }
        *shown = Some((tip.clone(), attention));
    }
    let _ = tray.set_tooltip(Some(&tip));
    if let Some(icon) = app.default_window_icon() {
        let _ = tray.set_icon(Some(if attention {
            with_dot(icon)
        } else {
            icon.clone().to_owned()
        }));
    }
}

/// Show and focus the main window, creating it (and its web view) when it was closed to the
/// tray.
pub fn open(app: &AppHandle) {
    let window = match app.get_webview_window(MAIN) {
        Some(w) => w,
        None => match create_main(app) {
            Ok(w) => w,
            Err(e) => {
                tracing::error!("could not open the window: {e}");
                return;
            }
        },
    };
    let _ = window.unminimize();
    let _ = window.show();
    let _ = window.set_focus();
}

/// When the process started, or the window was last made: the start of "time to first paint".
static OPENED: std::sync::Mutex<Option<std::time::Instant>> = std::sync::Mutex::new(None);

/// Mark the process's start (first thing in `run`).
pub fn started() {
    if let Ok(mut o) = OPENED.lock() {
        o.get_or_insert_with(std::time::Instant::now);
    }
}

/// The page's first paint since the start or the window's opening, in the app's log (what the
/// desktop benchmark reads).
pub fn painted() {
    let since = OPENED.lock().ok().and_then(|mut o| o.take());
    if let Some(t) = since {
        tracing::info!(
            "first paint {} ms after the start or opening",
            t.elapsed().as_millis()
        );
    }
}

/// The main window's label (its settings are the config's first window, `create: false`).
pub const MAIN: &str = "main";

/// Create the main window from the config (hidden; [`open`] shows it). The window-state plugin
/// gives it the size and place it was left at.
fn create_main(app: &AppHandle) -> tauri::Result<tauri::WebviewWindow> {
    let config = app
        .config()
        .app
        .windows
        .iter()
        .find(|w| w.label == MAIN)
        .cloned()
        .ok_or_else(|| tauri::Error::WindowNotFound)?;
    if let Ok(mut o) = OPENED.lock() {
        o.get_or_insert_with(std::time::Instant::now);
    }
    let window = tauri::WebviewWindowBuilder::from_config(app, &config)?.build()?;
    crate::remember_window(&window);
    tracing::info!("window opened");
    Ok(window)
}

/// Say once (a notification, remembered in `setting`) what the user may not expect.
fn tell_once(app: &AppHandle, setting: &str, title: &str, body: &str) {
    if cortensor_api::handover::first_time(&app.state::<AppState>().session, setting) {
        let _ = app.notification().builder().title(title).body(body).show();
    }
}

/// Run a tray action; what happened, in words.
pub fn act(app: &AppHandle, action: TrayAction) -> Result<String, UserError> {
    let state = app.state::<AppState>();
    let said = match action {
        TrayAction::Open => {
            open(app);
            "opened".to_string()
        }
        TrayAction::StartAll | TrayAction::StopAll => {
            let exe = std::env::current_exe().map_err(UserError::new)?;
            let what = if action == TrayAction::StartAll {
                Action::Start
            } else {
                Action::Stop
            };
            let r = nodes::control(&state.session, NodeSelection::All, what, &exe)?;
            let said = format!("{r:?}");
            tracing::info!("tray: {} all nodes", action.id());
            said
        }
        TrayAction::CheckUpdates => {
            let w = words(app);
            let said = cortensor_api::desktop::cortensord_update_said(&state.session, &w)?;
            let app_said = match tauri::async_runtime::block_on(check_app_update(app)) {
                Ok(u) => match u.available {
                    Some(v) if u.installed => w.t("shell.check.appInstalled", &[("version", v)]),
                    Some(v) => w.t("shell.check.appAvailable", &[("version", v)]),
                    None => w.t("shell.check.appUpToDate", &[]),
                },
                Err(e) => e.message,
            };
            let said = format!("{said}; {app_said}");
            let _ = app
                .notification()
                .builder()
                .title("Cortensor Node Manager")
                .body(&said)
                .show();
            said
        }
        TrayAction::Quit => {
            quit(app);
            "quitting; the nodes keep running".to_string()
        }
    };
    Ok(said)
}

/// End the app (the tray's Quit, or `--quit` given to a second launch); the nodes keep
/// running, which the first Quit says in a notification.
pub fn quit(app: &AppHandle) {
    let running = cortensor_api::handover::running_nodes(&app.state::<AppState>().session);
    tracing::info!("quit; {running} node(s) keep running");
    if running > 0 {
        let w = words(app);
        tell_once(
            app,
            "ui.quit_hint_shown",
            &w.t("shell.notify.quitTitle", &[]),
            &w.t("shell.notify.quit", &[("n", running.to_string())]),
        );
    }
    QUITTING.store(true, Ordering::SeqCst);
    app.exit(0);
}

/// The window's close button: the window goes, with its web view (a month in the tray costs
/// the core process only), and the app stays in the tray; the first time, a notification
/// says where it went. [`open`] makes the window again.
pub fn on_close(window: &tauri::Window, _api: &tauri::CloseRequestApi) {
    closed(window.app_handle(), window.label());
}

/// Close the main window to the tray (a second launch with `--hidden` does this too).
pub fn close_to_tray(app: &AppHandle) {
    if let Some(w) = app.get_webview_window(MAIN) {
        let _ = w.close();
    }
}

fn closed(app: &AppHandle, label: &str) {
    if QUITTING.load(Ordering::SeqCst) || label != MAIN {
        return;
    }
    // Nobody reads the node log the window showed.
    if let Ok(mut l) = app.state::<AppState>().live_log.lock() {
        *l = None;
    }
    let w = words(app);
    tell_once(
        app,
        "ui.tray_hint_shown",
        &w.t("shell.notify.stillRunningTitle", &[]),
        &w.t("shell.notify.stillRunning", &[]),
    );
    if start_tray_process(app, false) {
        tracing::info!("window closed: the tray's own process takes over");
        QUITTING.store(true, Ordering::SeqCst);
        app.exit(0);
    } else {
        tracing::info!("window closed: the app waits in the tray");
    }
}

/// Start the tray's own process (`cortensor-manager-tray`, no WebKit), which waits for this
/// one to exit and takes over the tray (`cortensor_api::handover`); `false` when its program is
/// not beside this one (a build without it): this process stays in the tray itself.
pub fn start_tray_process(app: &AppHandle, at_login: bool) -> bool {
    let Ok(me) = std::env::current_exe() else {
        return false;
    };
    let session = &app.state::<AppState>().session;
    match cortensor_api::handover::start_tray(session, &me, at_login) {
        Ok(Some(pid)) => {
            tracing::info!("the tray's process started (pid {pid})");
            true
        }
        Ok(None) => {
            tracing::info!("no tray program beside the app: it stays in the tray itself");
            false
        }
        Err(e) => {
            tracing::warn!("{}", e.message);
            false
        }
    }
}

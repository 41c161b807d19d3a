//! The desktop shell's own commands: the tray menu's actions, opening at login, the app's own
//! updates.

use cortensor_api::desktop::{AppUpdate, TrayAction};
use cortensor_api::UserError;
use tauri::AppHandle;

/// The tray menu's actions, for the window too (the end-to-end test drives the tray this way,
/// since WebDriver cannot reach a tray); what happened, in words.
#[tauri::command(async)]
pub fn tray_action(action: TrayAction, app: AppHandle) -> Result<String, UserError> {
    // On a thread of its own, as from the menu: "check for updates" waits for the updater's
    // future, which cannot be blocked on from the runtime's worker this command runs on.
    std::thread::spawn(move || crate::tray::act(&app, action))
        .join()
        .unwrap_or_else(|_| Err(UserError::new("the tray action failed; see the app's log")))
}

/// Whether the app opens (in the tray) when the user logs in.
#[tauri::command(async)]
pub fn app_autostart(app: AppHandle) -> Result<bool, UserError> {
    use tauri_plugin_autostart::ManagerExt;
    app.autolaunch()
        .is_enabled()
        .map_err(|e| UserError::new(format!("cannot read the login item: {e}")))
}

/// Open the app (in the tray) when the user logs in, or not; the state now.
#[tauri::command(async)]
pub fn set_app_autostart(on: bool, app: AppHandle) -> Result<bool, UserError> {
    use tauri_plugin_autostart::ManagerExt;
    let l = app.autolaunch();
    let r = if on { l.enable() } else { l.disable() };
    r.map_err(|e| UserError::new(format!("cannot change the login item: {e}")))?;
    tracing::info!("open at login: {}", if on { "on" } else { "off" });
    l.is_enabled()
        .map_err(|e| UserError::new(format!("cannot read the login item: {e}")))
}

/// Whether a newer app exists on the update channel (Settings' "Check for updates").
#[tauri::command]
pub async fn app_update_check(app: AppHandle) -> Result<AppUpdate, UserError> {
    crate::tray::check_app_update(&app).await
}

/// What the last check found (no request to the feed).
#[tauri::command]
pub fn app_update_known(app: AppHandle) -> AppUpdate {
    crate::updater::known(&app)
}

/// Download, check and install the update the last check found (progress as
/// `app-update-progress` events); it runs from the next start.
#[tauri::command]
pub async fn app_update_install(app: AppHandle) -> Result<AppUpdate, UserError> {
    crate::updater::install(&app).await
}

/// Start again now, into the installed update (the nodes keep running).
#[tauri::command]
pub fn app_restart(app: AppHandle) {
    tracing::info!("restarting into the installed update");
    crate::tray::QUITTING.store(true, std::sync::atomic::Ordering::SeqCst);
    app.restart();
}

/// The page painted for the first time: the app's log says how long after the start (or the
/// window's opening) — what the desktop benchmark reads; the tray's icon is made now.
#[tauri::command]
pub fn ui_ready(app: AppHandle) {
    crate::tray::painted();
    crate::tray::build_soon(&app);
}

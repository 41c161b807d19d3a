//! The desktop shell's own commands: the tray menu's actions.

use cortensor_api::desktop::TrayAction;
use cortensor_api::UserError;
use tauri::AppHandle;

/// The tray menu's actions, for the window too (the end-to-end test drives the tray this way,
/// since WebDriver cannot reach a tray); what happened, in words.
#[tauri::command(async)]
pub fn tray_action(action: TrayAction, app: AppHandle) -> Result<String, UserError> {
    crate::tray::act(&app, action)
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

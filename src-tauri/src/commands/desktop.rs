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

use cortensor_api::{daemon, settings, UserError};
use tauri::State;

use crate::AppState;

/// A setting a screen keeps (typed keys only: the page cannot write the machine's settings).
#[tauri::command]
pub fn get_setting(
    key: settings::UiSetting,
    state: State<'_, AppState>,
) -> Result<Option<String>, UserError> {
    settings::get(&state.session, key)
}

#[tauri::command]
pub fn set_setting(
    key: settings::UiSetting,
    value: String,
    state: State<'_, AppState>,
    app: tauri::AppHandle,
) -> Result<(), UserError> {
    settings::set(&state.session, key, &value)?;
    // The tray's menu speaks the language just chosen.
    if key == settings::UiSetting::Language {
        crate::tray::relabel(&app);
    }
    Ok(())
}

/// The Prometheus metrics port (`None`: off).
#[tauri::command]
pub fn metrics_port(state: State<'_, AppState>) -> Result<Option<u16>, UserError> {
    daemon::metrics_port(&state.session)
}

/// Turn the metrics endpoint on (`port`) or off (`null`); the daemon follows within seconds.
#[tauri::command]
pub fn set_metrics_port(port: Option<u16>, state: State<'_, AppState>) -> Result<(), UserError> {
    daemon::set_metrics_port(&state.session, port)
}

/// Open the data folder in the system's file manager (the folder the app uses; the page names
/// no path).
#[tauri::command(async)]
pub fn open_data_folder(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Result<(), UserError> {
    use tauri_plugin_opener::OpenerExt;
    let dir = cortensor_api::setup::machine_status(&state.session)?.data_dir;
    app.opener()
        .open_path(dir, None::<&str>)
        .map_err(|e| UserError::new(format!("cannot open the data folder: {e}")))
}

/// The app's own log files (Settings lists them; bug reports include them).
#[tauri::command(async)]
pub fn app_logs(
    state: State<'_, AppState>,
) -> Result<Vec<cortensor_api::session::LogFile>, UserError> {
    state.session.log_files()
}

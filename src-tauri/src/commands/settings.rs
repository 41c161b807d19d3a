use cortensor_manager::api::UserError;
use tauri::State;

use crate::AppState;

#[tauri::command]
pub fn get_setting(key: String, state: State<'_, AppState>) -> Result<Option<String>, UserError> {
    super::store(&state)?.setting(&key).map_err(UserError::new)
}

#[tauri::command]
pub fn set_setting(
    key: String,
    value: String,
    state: State<'_, AppState>,
) -> Result<(), UserError> {
    super::store(&state)?
        .set_setting(&key, &value)
        .map_err(UserError::new)
}

/// The Prometheus metrics port (`None`: off).
#[tauri::command]
pub fn metrics_port(state: State<'_, AppState>) -> Result<Option<u16>, UserError> {
    Ok(cortensor_manager::runtime::daemon::metrics_port(
        &*super::store(&state)?,
    ))
}

/// Turn the metrics endpoint on (`port`) or off (`null`); the daemon follows within seconds.
#[tauri::command]
pub fn set_metrics_port(port: Option<u16>, state: State<'_, AppState>) -> Result<(), UserError> {
    cortensor_manager::runtime::daemon::set_metrics_port(&*super::store(&state)?, port)
}

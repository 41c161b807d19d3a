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

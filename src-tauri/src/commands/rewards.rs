use cortensor_manager::api::{self, UserError};
use cortensor_manager::rewards::{RewardsBreakdown, RewardsInput};
use cortensor_manager::rules::Ruleset;
use tauri::State;

use crate::AppState;

#[tauri::command]
pub fn compute_rewards(
    input: RewardsInput,
    state: State<'_, AppState>,
) -> Result<RewardsBreakdown, UserError> {
    api::compute_rewards(&input, &state.rules)
}

#[tauri::command]
pub fn ruleset(state: State<'_, AppState>) -> Ruleset {
    state.rules.clone()
}

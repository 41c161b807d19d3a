use cortensor_api::contest::{self, RewardsBreakdown, RewardsInput, Ruleset};
use cortensor_api::UserError;
use tauri::State;

use crate::AppState;

#[tauri::command]
pub fn compute_rewards(
    input: RewardsInput,
    state: State<'_, AppState>,
) -> Result<RewardsBreakdown, UserError> {
    contest::compute_rewards(&input, &state.rules)
}

#[tauri::command]
pub fn ruleset(state: State<'_, AppState>) -> Ruleset {
    state.rules.clone()
}

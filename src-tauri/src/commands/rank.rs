use cortensor_manager::api::{self, RankRequest, RankResponse, UserError};
use cortensor_manager::fetch::FetchOptions;
use tauri::State;

use crate::AppState;

/// Runs off the main thread: it may wait on the network.
#[tauri::command(async)]
pub fn project_rank(
    request: RankRequest,
    state: State<'_, AppState>,
) -> Result<RankResponse, UserError> {
    let store = super::store(&state)?;
    api::project_rank(
        &request,
        &state.rules,
        Some(&store),
        &FetchOptions::default(),
    )
}

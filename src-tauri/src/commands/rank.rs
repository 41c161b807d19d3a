use cortensor_api::contest::{self, RankRequest, RankResponse};
use cortensor_api::UserError;
use tauri::State;

use crate::AppState;

/// Runs off the main thread: it may wait on the network.
#[tauri::command(async)]
pub fn project_rank(
    request: RankRequest,
    state: State<'_, AppState>,
) -> Result<RankResponse, UserError> {
    let store = state.session.store()?;
    contest::project_rank(&request, &state.rules, Some(&store), None)
}

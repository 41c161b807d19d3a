use cortensor_api::contest::{self, LeaderboardAddress, RankRequest, RankResponse};
use cortensor_api::UserError;
use tauri::State;

use crate::AppState;

/// Runs off the main thread: it may wait on the network.
#[tauri::command(async)]
pub fn project_rank(
    request: RankRequest,
    state: State<'_, AppState>,
) -> Result<RankResponse, UserError> {
    // A web address, or a file the user chose in the dialog (never a typed path).
    let request = RankRequest {
        leaderboard: state.grants.source(
            &request.leaderboard,
            cortensor_api::paths::PathPurpose::LeaderboardFile,
        )?,
        ..request
    };
    let store = state.session.store()?;
    contest::project_rank(&request, &state.rules, Some(&store), None)
}

/// Where the leaderboard of this machine's network is read from (none known: said plainly).
#[tauri::command(async)]
pub fn leaderboard_address(state: State<'_, AppState>) -> Result<LeaderboardAddress, UserError> {
    contest::leaderboard_address(&state.session, None)
}

/// Remember `url` as this network's leaderboard address (empty: forget it).
#[tauri::command(async)]
pub fn set_leaderboard_address(
    url: String,
    state: State<'_, AppState>,
) -> Result<LeaderboardAddress, UserError> {
    contest::set_leaderboard_address(&state.session, None, Some(&url))
}

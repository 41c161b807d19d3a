//! The Stress page: run (progress as `stress-progress` events), cancel, the latest report, and
//! the clean-up of what a killed run left.

use std::sync::atomic::Ordering;

use cortensor_api::paths::PathPurpose;
use cortensor_api::stress::{self, StressOutcome, StressProgress, StressRequest};
use cortensor_api::{events, UserError};
use tauri::{AppHandle, Emitter, State};

use crate::AppState;

/// Run the stress test. The source is `official`, a web address, or a folder the user chose in
/// the dialog (its token); the report goes to the data folder.
#[tauri::command(async)]
pub fn stress_run(
    request: StressRequest,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<StressOutcome, UserError> {
    let request = StressRequest {
        source: state
            .grants
            .source(&request.source, PathPurpose::ReleaseFolder)?,
        ..request
    };
    state.cancel_stress.store(false, Ordering::SeqCst);
    let mut emit = |p: &StressProgress| {
        let _ = app.emit(events::STRESS_PROGRESS, p);
    };
    stress::run(
        &state.session,
        &request,
        None,
        &mut emit,
        &state.cancel_stress,
    )
}

/// Stop the run under way; it cleans up and reports the cycles that ran.
#[tauri::command]
pub fn stress_cancel(state: State<'_, AppState>) {
    state.cancel_stress.store(true, Ordering::SeqCst);
}

#[tauri::command(async)]
pub fn stress_latest(state: State<'_, AppState>) -> Result<Option<StressOutcome>, UserError> {
    stress::latest(&state.session)
}

#[tauri::command(async)]
pub fn stress_clean(
    state: State<'_, AppState>,
) -> Result<cortensor_api::stress::Cleaned, UserError> {
    stress::clean(&state.session)
}

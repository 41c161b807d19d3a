//! Bug reports: check and prepare the form, preview the files, submit, the history and the
//! outbox, the destinations, and the redactor for text the user copies.

use cortensor_api::reports::{
    self, Attempt, Destinations, Draft, FieldProblem, ReportForm, ReportHistory, ReportResult,
    SubmitRequest,
};
use cortensor_api::UserError;
use tauri::{AppHandle, Manager, State};
use tauri_plugin_opener::OpenerExt;

use crate::AppState;

/// The form with its attachments turned from tokens (files chosen in the dialog) into paths.
fn with_chosen_files(mut form: ReportForm, state: &AppState) -> Result<ReportForm, UserError> {
    form.attachments = form
        .attachments
        .iter()
        .map(|t| {
            state
                .grants
                .resolve(t, cortensor_api::paths::PathPurpose::Attachments)
                .map(|p| p.display().to_string())
        })
        .collect::<Result<_, _>>()?;
    Ok(form)
}

#[tauri::command(async)]
pub fn report_check(
    form: ReportForm,
    state: State<'_, AppState>,
) -> Result<Vec<FieldProblem>, UserError> {
    reports::check(&state.session, &with_chosen_files(form, &state)?)
}

#[tauri::command(async)]
pub fn report_prepare(form: ReportForm, state: State<'_, AppState>) -> Result<Draft, UserError> {
    reports::prepare(&state.session, &with_chosen_files(form, &state)?)
}

#[tauri::command(async)]
pub fn report_view(
    id: String,
    path: String,
    state: State<'_, AppState>,
) -> Result<String, UserError> {
    reports::view(&state.session, &id, &path)
}

/// Submit a prepared report (the page cannot choose where the zip is written).
#[tauri::command(async)]
pub fn report_submit(
    id: String,
    leave_out: Vec<String>,
    save_only: bool,
    state: State<'_, AppState>,
) -> Result<ReportResult, UserError> {
    reports::submit(
        &state.session,
        &SubmitRequest {
            id,
            leave_out,
            save_only,
            endpoint: None,
            out: None,
        },
    )
}

#[tauri::command(async)]
pub fn report_history(state: State<'_, AppState>) -> Result<ReportHistory, UserError> {
    reports::history(&state.session)
}

#[tauri::command(async)]
pub fn report_flush(state: State<'_, AppState>) -> Result<Vec<Attempt>, UserError> {
    reports::flush(&state.session, true)
}

#[tauri::command(async)]
pub fn report_destinations(state: State<'_, AppState>) -> Result<Destinations, UserError> {
    reports::destinations(&state.session)
}

#[tauri::command(async)]
pub fn set_report_destination(
    kind: String,
    value: String,
    state: State<'_, AppState>,
) -> Result<Destinations, UserError> {
    reports::set_destination(&state.session, &kind, &value)
}

/// The user's extra redaction patterns (one regular expression per line).
#[tauri::command(async)]
pub fn redaction_patterns(state: State<'_, AppState>) -> Result<String, UserError> {
    reports::patterns(&state.session)
}

/// Set the extra redaction patterns (a bad one is refused, naming it).
#[tauri::command(async)]
pub fn set_redaction_patterns(text: String, state: State<'_, AppState>) -> Result<(), UserError> {
    reports::set_patterns(&state.session, &text)
}

/// Open a report's GitHub page (only the page the app made for that report).
#[tauri::command(async)]
pub fn open_report_page(
    id: String,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<(), UserError> {
    let h = reports::history(&state.session)?;
    let page = h
        .reports
        .iter()
        .find(|r| r.id == id)
        .and_then(|r| {
            r.deliveries
                .iter()
                .find(|d| d.kind == "github")
                .and_then(|d| d.reference.clone())
        })
        .ok_or_else(|| UserError::new(format!("report {id} has no GitHub page")))?;
    app.opener()
        .open_url(page, None::<&str>)
        .map_err(|e| UserError::new(format!("cannot open the browser: {e}")))
}

/// Text the user copies (an error's details), through the one redactor.
#[tauri::command(async)]
pub fn redact_text(text: String, state: State<'_, AppState>) -> Result<String, UserError> {
    reports::redact(&state.session, &text)
}

/// Reports waiting in the outbox are tried by the app too (when no daemon runs, e.g. before
/// any node exists), as their backoff allows.
pub fn spawn_outbox(app: AppHandle) {
    let state = app.state::<AppState>();
    let _ = reports::spawn_outbox(&state.session);
}

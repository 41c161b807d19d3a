//! The dashboard's commands: node and machine health, control, the live log, uptime timeline,
//! alerts.

use cortensor_api::nodes::{
    self, Action, AlertRecord, ControlResponse, NodeHealth, NodeLog, NodeSelection, SystemHealth,
    UptimePoint,
};
use cortensor_api::UserError;
use tauri::State;

use crate::AppState;

#[tauri::command(async)]
pub fn node_health(state: State<'_, AppState>) -> Result<Vec<NodeHealth>, UserError> {
    nodes::node_health(&state.session)
}

/// The machine's health now: the dashboard's first paint (then `system-health` events follow).
#[tauri::command(async)]
pub fn system_health(state: State<'_, AppState>) -> Result<SystemHealth, UserError> {
    nodes::system_health(&state.session)
}

/// Every start, stop and restart button.
#[tauri::command(async)]
pub fn node_control(
    selection: NodeSelection,
    action: Action,
    state: State<'_, AppState>,
) -> Result<ControlResponse, UserError> {
    let exe = std::env::current_exe().map_err(UserError::new)?;
    nodes::control(&state.session, selection, action, &exe)
}

/// Show node `id`'s log: its last `lines` lines now; new ones follow as `node-log` events.
#[tauri::command(async)]
pub fn watch_node_log(
    id: u32,
    lines: usize,
    state: State<'_, AppState>,
) -> Result<Vec<String>, UserError> {
    let (live, last) = NodeLog::open(&state.session, id, lines.min(10_000))?;
    *state
        .live_log
        .lock()
        .map_err(|_| UserError::new("the log view is unavailable; restart the app"))? = Some(live);
    Ok(last)
}

/// Stop pushing a node's log (the node page closed).
#[tauri::command]
pub fn unwatch_node_log(state: State<'_, AppState>) {
    if let Ok(mut l) = state.live_log.lock() {
        *l = None;
    }
}

/// The machine bar is shown (the Nodes screen) or not: machine health is sampled and pushed as
/// `system-health` events only while a screen shows it.
#[tauri::command]
pub fn watch_system(on: bool, state: State<'_, AppState>) {
    state
        .watch_system
        .store(on, std::sync::atomic::Ordering::SeqCst);
}

#[tauri::command(async)]
pub fn uptime_timeline(
    id: u32,
    hours: i64,
    state: State<'_, AppState>,
) -> Result<Vec<UptimePoint>, UserError> {
    nodes::uptime_timeline(&state.session, id, hours)
}

/// The alerts still open.
#[tauri::command(async)]
pub fn active_alerts(state: State<'_, AppState>) -> Result<Vec<AlertRecord>, UserError> {
    nodes::active_alerts(&state.session)
}

/// Dismiss an alert (it stays in the history).
#[tauri::command(async)]
pub fn dismiss_alert(id: i64, state: State<'_, AppState>) -> Result<(), UserError> {
    nodes::dismiss_alert(&state.session, id)
}

#[tauri::command(async)]
pub fn recent_alerts(
    hours: i64,
    state: State<'_, AppState>,
) -> Result<Vec<AlertRecord>, UserError> {
    nodes::recent_alerts(&state.session, hours)
}

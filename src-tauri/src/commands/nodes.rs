//! The dashboard's commands: node and machine health, control, the live log, uptime timeline,
//! alerts.

use cortensor_manager::api::UserError;
use cortensor_manager::health::feed;
use cortensor_manager::health::ledger::{self, UptimePoint};
use cortensor_manager::health::logs::LiveLog;
use cortensor_manager::health::monitor::{self, NodeHealth};
use cortensor_manager::health::system::SystemHealth;
use cortensor_manager::machine::Machine;
use cortensor_manager::runtime::control::{self, Action};
use cortensor_manager::runtime::supervisor::now_unix;
use cortensor_manager::store::AlertRecord;

fn machine() -> Result<Machine, UserError> {
    Machine::open(None, None)
}

#[tauri::command(async)]
pub fn node_health() -> Result<Vec<NodeHealth>, UserError> {
    Ok(monitor::snapshots(&machine()?.store))
}

/// The machine's health now: the dashboard's first paint (then `system-health` events follow).
#[tauri::command(async)]
pub fn system_health() -> Result<SystemHealth, UserError> {
    Ok(feed::system_now(&machine()?, None))
}

/// `which`: a node id or `all`; `action`: start, stop or restart.
#[tauri::command(async)]
pub fn node_control(which: String, action: String) -> Result<Vec<String>, UserError> {
    let m = machine()?;
    let action = match action.as_str() {
        "start" => Action::Start,
        "stop" => Action::Stop,
        "restart" => Action::Restart,
        other => return Err(UserError::new(format!("unknown action '{other}'"))),
    };
    let ids = control::select(&m, &which)?;
    let exe = std::env::current_exe().map_err(UserError::new)?;
    control::apply(&m, &ids, action, &exe)
}

/// Show node `id`'s log: its last `lines` lines now; new ones follow as `node-log` events.
#[tauri::command(async)]
pub fn watch_node_log(
    id: u32,
    lines: usize,
    state: tauri::State<'_, crate::AppState>,
) -> Result<Vec<String>, UserError> {
    let m = machine()?;
    let (live, last) = LiveLog::open(id, &m.layout.log_file(id), lines);
    *state
        .live_log
        .lock()
        .map_err(|_| UserError::new("the log view is unavailable; restart the app"))? = Some(live);
    Ok(last)
}

/// Stop pushing a node's log (the node page closed).
#[tauri::command]
pub fn unwatch_node_log(state: tauri::State<'_, crate::AppState>) {
    if let Ok(mut l) = state.live_log.lock() {
        *l = None;
    }
}

#[tauri::command(async)]
pub fn uptime_timeline(id: u32, hours: i64) -> Result<Vec<UptimePoint>, UserError> {
    let m = machine()?;
    ledger::timeline(m.store.conn(), id, now_unix(), hours.clamp(1, 24 * 90))
        .map_err(UserError::new)
}

#[tauri::command(async)]
pub fn recent_alerts(hours: i64) -> Result<Vec<AlertRecord>, UserError> {
    let m = machine()?;
    m.store
        .alerts(now_unix() - hours.clamp(1, 24 * 90) * 3600)
        .map_err(UserError::new)
}

//! The dashboard's commands: node and machine health, control, logs, uptime timeline, alerts.

use cortensor_manager::api::UserError;
use cortensor_manager::health::feed;
use cortensor_manager::health::ledger::{self, UptimePoint};
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

#[tauri::command(async)]
pub fn node_log_tail(id: u32, lines: usize) -> Result<Vec<String>, UserError> {
    let m = machine()?;
    let text = std::fs::read_to_string(m.layout.log_file(id)).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    Ok(all[all.len().saturating_sub(lines)..]
        .iter()
        .map(|s| cortensor_manager::health::logs::strip_ansi(s))
        .collect())
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

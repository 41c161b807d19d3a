//! The first-run wizard's commands: thin calls into `cortensor_manager::machine` and `install`.

use std::sync::atomic::Ordering;

use cortensor_manager::api::UserError;
use cortensor_manager::install::binary::{self, BinaryOutcome};
use cortensor_manager::install::download::{DownloadOptions, Progress};
use cortensor_manager::install::setup::{self, Registration};
use cortensor_manager::install::source::ReleaseSource;
use cortensor_manager::machine::{DoctorReport, Machine, MachineStatus, StartReport};
use cortensor_manager::nodes::NodeSpec;
use tauri::{AppHandle, Emitter, State};

use crate::AppState;

/// Event carrying [`Progress`] while cortensord downloads.
pub const INSTALL_PROGRESS: &str = "install-progress";

fn machine() -> Result<Machine, UserError> {
    Machine::open(None, None)
}

#[tauri::command(async)]
pub fn machine_status() -> Result<MachineStatus, UserError> {
    machine()?.status()
}

#[tauri::command(async)]
pub fn run_doctor() -> Result<DoctorReport, UserError> {
    Ok(machine()?.doctor(None))
}

#[tauri::command(async)]
pub fn install_binary(
    source: String,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<BinaryOutcome, UserError> {
    let m = machine()?;
    let source = ReleaseSource::parse(&source).map_err(UserError::new)?;
    state.cancel_install.store(false, Ordering::SeqCst);
    let mut emit = |p: &Progress| {
        let _ = app.emit(INSTALL_PROGRESS, p);
    };
    binary::install(
        &m.layout,
        &m.store,
        &source,
        &DownloadOptions::default(),
        &state.cancel_install,
        &mut emit,
    )
    .map_err(UserError::new)
}

#[tauri::command]
pub fn cancel_install(state: State<'_, AppState>) {
    state.cancel_install.store(true, Ordering::SeqCst);
}

#[tauri::command(async)]
pub fn add_nodes(count: u32) -> Result<Vec<NodeSpec>, UserError> {
    let m = machine()?;
    let cx = m.context()?;
    let mut runner = m.runner.clone();
    setup::add_nodes(&cx, count, m.cores(), &mut runner)
        .map(|(specs, _)| specs)
        .map_err(UserError::new)
}

#[tauri::command(async)]
pub fn register_node(id: u32) -> Result<Registration, UserError> {
    let m = machine()?;
    let cx = m.context()?;
    setup::register(&cx, id).map_err(UserError::new)
}

#[tauri::command(async)]
pub fn adopt_official(env_file: String) -> Result<Option<NodeSpec>, UserError> {
    let m = machine()?;
    let cx = m.context()?;
    let mut runner = m.runner.clone();
    setup::adopt(&cx, std::path::Path::new(&env_file), m.cores(), &mut runner)
        .map_err(UserError::new)
}

#[tauri::command(async)]
pub fn start_nodes() -> Result<StartReport, UserError> {
    let exe = std::env::current_exe().map_err(UserError::new)?;
    machine()?.start_nodes(&exe)
}

/// Run a doctor check's automatic fix (the UI asked the user first; polkit asks for the password).
#[tauri::command(async)]
pub fn fix_check(id: String) -> Result<Vec<String>, UserError> {
    machine()?.fix(&id).map(|r| r.warnings)
}

/// Back up every node's key to `path` (mode 0600).
#[tauri::command(async)]
pub fn export_keys(path: String) -> Result<usize, UserError> {
    let m = machine()?;
    let cx = m.context()?;
    setup::export_keys(&m.store, cx.keychain, std::path::Path::new(&path)).map_err(UserError::new)
}

/// Save redacted diagnostics for a bug report about `what`.
#[tauri::command(async)]
pub fn prepare_bug_report(
    what: String,
) -> Result<cortensor_manager::diagnostics::BugReportDraft, UserError> {
    let m = machine()?;
    cortensor_manager::diagnostics::save(&what, &m.layout, &m.store, m.keychain.as_ref().ok())
        .map_err(UserError::new)
}

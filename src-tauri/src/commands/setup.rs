//! The first-run wizard's commands.

use std::sync::atomic::Ordering;

use cortensor_api::setup::{
    self, AddNodesRequest, AddNodesResponse, BinaryOutcome, DoctorReport, MachineStatus, NodeSpec,
    Progress, Registration, StartReport, UpdateOutcome,
};
use cortensor_api::{events, UserError};
use tauri::{AppHandle, Emitter, State};

use crate::AppState;

#[tauri::command(async)]
pub fn machine_status(state: State<'_, AppState>) -> Result<MachineStatus, UserError> {
    setup::machine_status(&state.session)
}

#[tauri::command(async)]
pub fn run_doctor(state: State<'_, AppState>) -> Result<DoctorReport, UserError> {
    setup::doctor(&state.session, None)
}

#[tauri::command(async)]
pub fn install_binary(
    source: String,
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<BinaryOutcome, UserError> {
    state.cancel_install.store(false, Ordering::SeqCst);
    let mut emit = |p: &Progress| {
        let _ = app.emit(events::INSTALL_PROGRESS, p);
    };
    // `official`, a web address, or a folder the user chose in the dialog (never a typed path).
    let source = state
        .grants
        .source(&source, cortensor_api::paths::PathPurpose::ReleaseFolder)?;
    // The window never installs an older release over a newer one (the CLI can, when asked).
    setup::install(
        &state.session,
        &source,
        setup::InstallFlags::default(),
        &state.cancel_install,
        &mut emit,
    )
}

/// Install IPFS (kubo) unless one is installed or running; progress as `install-progress`.
#[tauri::command(async)]
pub fn install_ipfs(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<setup::IpfsOutcome, UserError> {
    state.cancel_install.store(false, Ordering::SeqCst);
    let mut emit = |p: &Progress| {
        let _ = app.emit(events::INSTALL_PROGRESS, p);
    };
    setup::ensure_ipfs(&state.session, &state.cancel_install, &mut emit)
}

#[tauri::command]
pub fn cancel_install(state: State<'_, AppState>) {
    state.cancel_install.store(true, Ordering::SeqCst);
}

#[tauri::command(async)]
pub fn add_nodes(
    request: AddNodesRequest,
    state: State<'_, AppState>,
) -> Result<AddNodesResponse, UserError> {
    setup::add_nodes(&state.session, &request)
}

#[tauri::command(async)]
pub fn register_node(id: u32, state: State<'_, AppState>) -> Result<Registration, UserError> {
    setup::register(&state.session, id)
}

#[tauri::command(async)]
pub fn adopt_official(
    env_file: String,
    state: State<'_, AppState>,
) -> Result<Option<NodeSpec>, UserError> {
    // An install the app found itself, or a `.env` the user chose in the dialog.
    let path = if env_file.starts_with(cortensor_api::paths::TOKEN_PREFIX) {
        state
            .grants
            .resolve(&env_file, cortensor_api::paths::PathPurpose::OfficialEnv)?
    } else {
        let found = setup::machine_status(&state.session)?.official_installs;
        if !found.iter().any(|o| o.env_file == env_file) {
            return Err(UserError::new(
                "that is not an official install the app found; choose its .env with Choose…",
            ));
        }
        std::path::PathBuf::from(env_file)
    };
    // The wizard's "Import the existing install" checkbox is the consent to stop its node.
    setup::adopt(&state.session, Some(path), true).map(|r| r.adopted)
}

#[tauri::command(async)]
pub fn start_nodes(state: State<'_, AppState>) -> Result<StartReport, UserError> {
    let exe = std::env::current_exe().map_err(UserError::new)?;
    setup::start_nodes(&state.session, &exe)
}

/// Run a doctor check's automatic fix (the UI asked the user first; polkit asks for the password).
#[tauri::command(async)]
pub fn fix_check(id: String, state: State<'_, AppState>) -> Result<Vec<String>, UserError> {
    setup::fix(&state.session, &id)
}

/// Back up every node's key (mode 0600) to the file the user chose in the save dialog (`token`).
#[tauri::command(async)]
pub fn export_keys(token: String, state: State<'_, AppState>) -> Result<usize, UserError> {
    let path = state
        .grants
        .resolve(&token, cortensor_api::paths::PathPurpose::KeyBackup)?;
    setup::export_keys(&state.session, &path)
}

/// A newer `cortensord` the daemon saw at the install's source, if any.
#[tauri::command(async)]
pub fn update_available(state: State<'_, AppState>) -> Result<Option<String>, UserError> {
    setup::update_available(&state.session)
}

/// Update `cortensord` from the install's source: verified swap, nodes restarted one at a time,
/// rolled back if they do not come up. Progress as `install-progress` events.
#[tauri::command(async)]
pub fn update_binary(
    app: AppHandle,
    state: State<'_, AppState>,
) -> Result<UpdateOutcome, UserError> {
    state.cancel_install.store(false, Ordering::SeqCst);
    let mut emit = |p: &Progress| {
        let _ = app.emit(events::INSTALL_PROGRESS, p);
    };
    setup::update_from_install_source(&state.session, &state.cancel_install, &mut emit)
}

/// Start the nodes when the user logs in (this app's headless `daemon` as a login item).
#[tauri::command(async)]
pub fn set_autostart(on: bool, state: State<'_, AppState>) -> Result<bool, UserError> {
    let exe = std::env::current_exe().map_err(UserError::new)?;
    setup::set_autostart(&state.session, on, &exe)
}

/// Whether the nodes start again after the user logs in.
#[tauri::command(async)]
pub fn autostart(state: State<'_, AppState>) -> Result<bool, UserError> {
    setup::autostart(&state.session)
}

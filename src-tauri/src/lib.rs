//! The desktop shell: window, app state, and one small file per group of commands, each a
//! few lines into `cortensor_manager`. No business logic lives here.

mod commands;

use std::sync::atomic::AtomicBool;
use std::sync::Mutex;

use cortensor_manager::api;
use cortensor_manager::rules::Ruleset;
use cortensor_manager::store::Store;

/// Shared state of the commands.
pub struct AppState {
    pub rules: Ruleset,
    /// `Err` keeps the reason the store could not be opened, shown by the commands that need it.
    pub store: Result<Mutex<Store>, api::UserError>,
    /// Set by `cancel_install`; the download stops and keeps its partial file for a resume.
    pub cancel_install: AtomicBool,
}

pub fn run() {
    let state = AppState {
        rules: Ruleset::phase3(),
        store: api::open_store(None).map(Mutex::new),
        cancel_install: AtomicBool::new(false),
    };
    tauri::Builder::default()
        .manage(state)
        .invoke_handler(tauri::generate_handler![
            commands::rewards::compute_rewards,
            commands::rewards::ruleset,
            commands::rank::project_rank,
            commands::settings::get_setting,
            commands::settings::set_setting,
            commands::setup::machine_status,
            commands::setup::run_doctor,
            commands::setup::install_binary,
            commands::setup::cancel_install,
            commands::setup::add_nodes,
            commands::setup::register_node,
            commands::setup::adopt_official,
            commands::setup::start_nodes,
            commands::setup::fix_check,
            commands::setup::export_keys,
            commands::setup::prepare_bug_report,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Cortensor Node Manager window");
}

//! The desktop shell: window, app state, and one small file per group of commands, each a
//! few lines into `cortensor_manager`. No business logic lives here.

mod commands;
mod health_feed;

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
    /// The node log the window shows; its new lines are pushed as `node-log` events.
    pub live_log: Mutex<Option<cortensor_manager::health::logs::LiveLog>>,
}

pub fn run() {
    let state = AppState {
        rules: Ruleset::phase3(),
        store: api::open_store(None).map(Mutex::new),
        cancel_install: AtomicBool::new(false),
        live_log: Mutex::new(None),
    };
    tauri::Builder::default()
        .plugin(tauri_plugin_notification::init())
        .manage(state)
        .setup(|app| {
            health_feed::spawn(app.handle().clone());
            Ok(())
        })
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
            commands::nodes::node_health,
            commands::nodes::system_health,
            commands::settings::metrics_port,
            commands::settings::set_metrics_port,
            commands::nodes::node_control,
            commands::nodes::watch_node_log,
            commands::nodes::unwatch_node_log,
            commands::nodes::uptime_timeline,
            commands::nodes::recent_alerts,
        ])
        .run(tauri::generate_context!())
        .expect("error while running the Cortensor Node Manager window");
}

/// `cortensor-manager-app [--data-dir DIR] daemon`: the embedded supervisor without a window
/// (what "Start" launches on machines without a service manager).
pub fn run_daemon_from_args(args: &[String]) -> Option<i32> {
    if !args.iter().any(|a| a == "daemon") {
        return None;
    }
    let data_dir = args
        .iter()
        .position(|a| a == "--data-dir")
        .and_then(|i| args.get(i + 1))
        .map(std::path::PathBuf::from);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let s = stop.clone();
    let _ = ctrlc::set_handler(move || s.store(true, std::sync::atomic::Ordering::SeqCst));
    let opts = cortensor_manager::runtime::daemon::Options::default();
    match cortensor_manager::runtime::daemon::run_foreground(data_dir, opts, &stop) {
        Ok(()) => Some(0),
        Err(e) => {
            eprintln!("error: {e}");
            Some(1)
        }
    }
}

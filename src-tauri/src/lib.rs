//! The desktop shell: window, app state, and one small file per group of commands, each one
//! call into `cortensor_api` (the only workspace crate this shell depends on). No business
//! logic lives here.

mod commands;
mod health_feed;
mod tray;
mod updater;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use cortensor_api::contest::Ruleset;
use cortensor_api::daemon::{self, HeadlessApp};
use cortensor_api::nodes::NodeLog;
use cortensor_api::Session;

/// Shared state of the commands.
pub struct AppState {
    /// The machine context, opened once for the app's life.
    pub session: Session,
    pub rules: Ruleset,
    /// Set by `cancel_install`; the download stops and keeps its partial file for a resume.
    pub cancel_install: AtomicBool,
    /// Set by `stress_cancel`; the stress run cleans up and stops.
    pub cancel_stress: AtomicBool,
    /// The node log the window shows; its new lines are pushed as `node-log` events.
    pub live_log: Mutex<Option<NodeLog>>,
    /// Whether a screen shows the machine bar (`watch_system`): machine health is sampled only then.
    pub watch_system: AtomicBool,
    /// The files and folders the user chose in the app's dialogs (the page names them by token).
    pub grants: cortensor_api::paths::Grants,
}

/// Held while this process runs a window for its data folder (`cortensor_api::handover`).
static WINDOW_LOCK: std::sync::OnceLock<std::fs::File> = std::sync::OnceLock::new();

/// The argument the login item passes: start in the tray, the window hidden (given to a second
/// launch: close the running app's window to the tray).
pub const HIDDEN_FLAG: &str = "--hidden";
/// Given to a second launch: the running app quits (the nodes keep running) — for scripts and
/// installers that replace the app.
pub const QUIT_FLAG: &str = "--quit";

/// What of the window is remembered: size, place, maximized — not whether it was shown (a
/// window hidden to the tray when the app quit must not start hidden).
fn window_flags() -> tauri_plugin_window_state::StateFlags {
    use tauri_plugin_window_state::StateFlags;
    StateFlags::all() & !StateFlags::VISIBLE
}

/// Save the window's size and place half a second after it was last moved or resized, so a
/// crash or a killed app keeps them too (the plugin itself saves when the app exits).
pub(crate) fn remember_window(window: &tauri::WebviewWindow) {
    use std::sync::atomic::AtomicU64;
    use std::sync::Arc;
    use tauri::Manager;
    use tauri_plugin_window_state::AppHandleExt;
    let generation = Arc::new(AtomicU64::new(0));
    let handle = window.app_handle().clone();
    window.on_window_event(move |e| {
        if !matches!(
            e,
            tauri::WindowEvent::Resized(_) | tauri::WindowEvent::Moved(_)
        ) {
            return;
        }
        let mine = generation.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
        let (generation, handle) = (generation.clone(), handle.clone());
        std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(500));
            if generation.load(std::sync::atomic::Ordering::SeqCst) == mine {
                let _ = handle.save_window_state(window_flags());
            }
        });
    });
}

pub fn run() {
    tray::started();
    let state = AppState {
        session: Session::new(None),
        rules: Ruleset::phase3(),
        cancel_install: AtomicBool::new(false),
        cancel_stress: AtomicBool::new(false),
        watch_system: AtomicBool::new(false),
        live_log: Mutex::new(None),
        grants: Default::default(),
    };
    // How WebKitGTK draws the window (Settings, from the next start): by default in software,
    // without GPU compositing. Set before any thread starts or GTK reads the environment; the
    // web and network processes inherit it.
    let rendering = cortensor_api::settings::rendering_env_of(&state.session);
    if let Some((var, value)) = rendering {
        std::env::set_var(var, value);
    }
    // The app's own log (<data>/logs/app.log, rotated), which bug reports include.
    if let Some(log) = state.session.start_log("app") {
        tracing::info!(
            "Cortensor Node Manager {} started (log {})",
            env!("CARGO_PKG_VERSION"),
            log.display()
        );
        if let Some((var, value)) = rendering {
            tracing::info!("the window is drawn in software ({var}={value}; Settings changes it)");
        }
    }
    // One window per data folder: a second launch on the same folder hands over to the first,
    // which shows and focuses its window (on Linux the lock is a D-Bus name with the folder's
    // key; on macOS and Windows the plugin's own lock for the app). The CLI is another program.
    let instance = state
        .session
        .instance_key()
        .map(|k| format!("network.cortensor.manager.d{k}"))
        .unwrap_or_else(|_| "network.cortensor.manager".into());
    tauri::Builder::default()
        .plugin(
            tauri_plugin_single_instance::Builder::new()
                .dbus_id(instance)
                .callback(|app, argv, _cwd| {
                    if argv.iter().any(|a| a == QUIT_FLAG) {
                        tracing::info!("a second launch asked this app to quit");
                        tray::quit(app);
                    } else if argv.iter().any(|a| a == HIDDEN_FLAG) {
                        tracing::info!("a second launch asked for the tray: closing the window");
                        tray::close_to_tray(app);
                    } else {
                        tracing::info!("a second launch on this data folder: showing this window");
                        tray::open(app);
                    }
                })
                .build(),
        )
        // The window's size, position and maximized state, restored at the next start.
        .plugin(
            tauri_plugin_window_state::Builder::default()
                .with_state_flags(window_flags())
                .build(),
        )
        // "Open the app when I log in": an autostart entry that starts it hidden in the tray.
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .args([HIDDEN_FLAG])
                .app_name("cortensor-node-manager")
                .build(),
        )
        // The app's own updates (minisign-signed, the public key in tauri.conf.json).
        .plugin(tauri_plugin_updater::Builder::new().build())
        .manage(updater::Updates::default())
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_dialog::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .setup(|app| {
            let handover = tauri::Manager::state::<AppState>(app)
                .session
                .handover()
                .map_err(|e| e.message)?;
            if std::env::args().any(|a| a == QUIT_FLAG) {
                // No window runs on this data folder; its tray may.
                if handover.tray_pid().is_some() {
                    tracing::info!("--quit: asking the tray's process to quit");
                    let _ = handover.ask_tray(cortensor_api::desktop::TrayAction::Quit);
                } else {
                    tracing::info!("--quit with no app running on this data folder: nothing to do");
                }
                std::process::exit(0);
            }
            // Started at login: the tray's own small process waits there (no web view, no
            // WebKit); this one ends.
            if std::env::args().any(|a| a == HIDDEN_FLAG)
                && tray::start_tray_process(app.handle(), true)
            {
                std::process::exit(0);
            }
            // The window's lock, for this process's life: a tray of this folder leaves.
            let _ = WINDOW_LOCK.set(handover.hold_window().map_err(|e| e.message)?);
            // The window is made here (the config's `create: false`), unless the app was
            // started at login: it waits in the tray with no web view until opened. The tray's
            // icon once the page painted (`ui_ready`), so the page loads sooner.
            if !std::env::args().any(|a| a == HIDDEN_FLAG) {
                tray::open(app.handle());
                tray::build_after_paint(app.handle(), std::time::Duration::from_secs(5));
            } else {
                tracing::info!("started at login: waiting in the tray");
                tray::build_soon(app.handle());
            }
            health_feed::spawn(app.handle().clone());
            tray::spawn_update_checks(app.handle().clone());
            commands::reports::spawn_outbox(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::rewards::compute_rewards,
            commands::rewards::ruleset,
            commands::rank::project_rank,
            commands::rank::leaderboard_address,
            commands::rank::set_leaderboard_address,
            commands::settings::get_setting,
            commands::settings::set_setting,
            commands::settings::open_data_folder,
            commands::settings::app_logs,
            commands::desktop::tray_action,
            commands::desktop::app_autostart,
            commands::desktop::set_app_autostart,
            commands::desktop::app_update_check,
            commands::desktop::app_update_known,
            commands::desktop::app_update_install,
            commands::desktop::app_restart,
            commands::desktop::ui_ready,
            commands::setup::machine_status,
            commands::setup::run_doctor,
            commands::setup::install_binary,
            commands::setup::install_ipfs,
            commands::setup::set_autostart,
            commands::setup::autostart,
            commands::setup::cancel_install,
            commands::setup::add_nodes,
            commands::setup::register_node,
            commands::setup::adopt_official,
            commands::setup::start_nodes,
            commands::setup::fix_check,
            commands::setup::export_keys,
            commands::paths::choose_path,
            commands::stress::stress_run,
            commands::stress::stress_cancel,
            commands::stress::stress_latest,
            commands::stress::stress_clean,
            commands::reports::report_check,
            commands::reports::report_prepare,
            commands::reports::report_view,
            commands::reports::report_submit,
            commands::reports::report_history,
            commands::reports::report_flush,
            commands::reports::report_destinations,
            commands::reports::set_report_destination,
            commands::reports::open_report_page,
            commands::reports::redact_text,
            commands::reports::redaction_patterns,
            commands::reports::set_redaction_patterns,
            commands::setup::update_available,
            commands::setup::update_binary,
            commands::nodes::node_health,
            commands::nodes::system_health,
            commands::settings::metrics_port,
            commands::settings::set_metrics_port,
            commands::nodes::node_control,
            commands::nodes::watch_node_log,
            commands::nodes::unwatch_node_log,
            commands::nodes::watch_system,
            commands::nodes::uptime_timeline,
            commands::nodes::recent_alerts,
            commands::nodes::active_alerts,
            commands::nodes::dismiss_alert,
        ])
        // The close button hides the window to the tray; the app keeps watching the nodes.
        .on_window_event(|window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                tray::on_close(window, api);
            }
        })
        .build(tauri::generate_context!())
        .expect("error while building the Cortensor Node Manager window")
        .run(|_app, event| {
            // No window left is no reason to stop: only Quit (or the system) ends the app.
            if let tauri::RunEvent::ExitRequested { api, code, .. } = event {
                if code.is_none() && !tray::QUITTING.load(std::sync::atomic::Ordering::SeqCst) {
                    api.prevent_exit();
                }
            }
        });
}

/// `cortensor-manager-app [--data-dir DIR] daemon [OPTIONS]`: the daemon without a window
/// (what "Start" launches on machines without a service manager), parsed by the same parser
/// as the CLI's `daemon`. `None`: no `daemon` in `args`, open the window.
pub fn run_daemon_from_args(args: &[String]) -> Option<i32> {
    let parsed = match HeadlessApp::from_args(args)? {
        Ok(p) => p,
        Err(message) => {
            eprintln!("{message}");
            return Some(2);
        }
    };
    let session = Session::new(parsed.data_dir.clone());
    let opts = parsed.daemon();
    let stop = Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    let _ = ctrlc::set_handler(move || s.store(true, Ordering::SeqCst));
    match daemon::run(&session, &opts, &stop) {
        Ok(()) => Some(0),
        Err(e) => {
            eprintln!("error: {e}");
            Some(1)
        }
    }
}

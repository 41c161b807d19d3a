// Prevents an extra console window on Windows in release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(code) = cortensor_manager_app::run_daemon_from_args(&args) {
        std::process::exit(code);
    }
    cortensor_manager_app::run()
}

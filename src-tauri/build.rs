//! The app's commands, declared so that the window is granted exactly these (capabilities/
//! default.json lists an `allow-…` permission for each; `scripts/check-architecture.sh` checks
//! this list, the handler list in src/lib.rs and the capability agree).

const COMMANDS: &[&str] = &[
    "compute_rewards",
    "ruleset",
    "project_rank",
    "leaderboard_address",
    "set_leaderboard_address",
    "get_setting",
    "set_setting",
    "open_data_folder",
    "app_logs",
    "tray_action",
    "app_autostart",
    "set_app_autostart",
    "machine_status",
    "run_doctor",
    "install_binary",
    "install_ipfs",
    "set_autostart",
    "autostart",
    "cancel_install",
    "add_nodes",
    "register_node",
    "adopt_official",
    "start_nodes",
    "fix_check",
    "export_keys",
    "choose_path",
    "stress_run",
    "stress_cancel",
    "stress_latest",
    "stress_clean",
    "report_check",
    "report_prepare",
    "report_view",
    "report_submit",
    "report_history",
    "report_flush",
    "report_destinations",
    "set_report_destination",
    "open_report_page",
    "redact_text",
    "redaction_patterns",
    "set_redaction_patterns",
    "update_available",
    "update_binary",
    "node_health",
    "system_health",
    "metrics_port",
    "set_metrics_port",
    "node_control",
    "watch_node_log",
    "unwatch_node_log",
    "uptime_timeline",
    "recent_alerts",
    "active_alerts",
    "dismiss_alert",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new()
            .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("the app's build configuration");
}

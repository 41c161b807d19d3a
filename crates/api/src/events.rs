//! The names of the events the desktop shell pushes to the window, in one place. The payload
//! types are generated to TypeScript like every other type of the door.

/// `Vec<NodeHealth>`: every node, when what their health says changed.
pub const NODE_HEALTH: &str = "node-health";
/// `AlertRecord`: a new alert (also shown as a desktop notification).
pub const ALERT: &str = "alert";
/// `Vec<AlertRecord>`: the alerts still open (neither resolved nor dismissed), when they change.
pub const ACTIVE_ALERTS: &str = "active-alerts";
/// `SystemHealth`: the machine's health, every ten seconds while a screen shows it (`watch_system`).
pub const SYSTEM_HEALTH: &str = "system-health";
/// `LogLines`: new lines of the node whose log the window shows.
pub const NODE_LOG: &str = "node-log";
/// `Progress`: the download of `cortensord`.
pub const INSTALL_PROGRESS: &str = "install-progress";

/// A stress run's progress (`stress::StressProgress`): each phase and each finished cycle.
pub const STRESS_PROGRESS: &str = "stress-progress";

/// `AppUpdateProgress`: the download of the app's own update.
pub const APP_UPDATE_PROGRESS: &str = "app-update-progress";

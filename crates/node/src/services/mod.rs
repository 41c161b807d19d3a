//! Services per OS: what installing, starting and stopping nodes means for each service manager
//! (systemd user units, launchd agents, Task Scheduler tasks) as plans of data (`plan`), the thin
//! executor that applies a plan (`apply`), and what each service manager says of a node
//! (`status`: the query and its parser). Plans and parsers compile and are tested on every OS.

pub mod apply;
pub mod autostart;
pub mod launchd;
pub mod plan;
pub mod schtasks;
pub mod status;
pub mod systemd;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::network::NetworkProfile;
use crate::nodes::Layout;
use crate::platform::exec::Runner;
use crate::platform::Os;
use std::path::Path;

/// How nodes are kept running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Backend {
    /// systemd user units / launchd agents / scheduled tasks: nodes outlive the app and start at
    /// boot. The service manager reads the private key from the node's 0600 `.env`.
    OsService,
    /// The embedded supervisor (`cortensor-manager daemon`) for machines without a per-user
    /// service manager (containers, CI): no service registration; the key stays in the keychain
    /// and is handed to the process at launch.
    Supervisor,
}

/// Whether this machine has a usable per-user service manager.
pub fn detect_backend(runner: &mut dyn Runner) -> Backend {
    let ok = match crate::platform::Os::current() {
        crate::platform::Os::Linux => runner
            .run("systemctl", &["--user".into(), "show-environment".into()])
            .is_ok(),
        crate::platform::Os::Macos => runner.run("launchctl", &["version".into()]).is_ok(),
        crate::platform::Os::Windows => runner.run("schtasks", &["/Query".into()]).is_ok(),
    };
    if ok {
        Backend::OsService
    } else {
        Backend::Supervisor
    }
}

/// Everything the per-OS builders need.
#[derive(Debug, Clone)]
pub struct Target<'a> {
    pub os: Os,
    pub layout: &'a Layout,
    pub profile: &'a NetworkProfile,
    /// The user's home folder (unit/agent locations).
    pub home: &'a Path,
    /// The user name (systemd lingering) and numeric uid (launchd's `gui/<uid>` domain).
    pub user: &'a str,
    pub uid: u32,
}

/// The service name of node `id` on `os`.
pub fn service_name(os: Os, id: u32) -> String {
    match os {
        Os::Linux => format!("cortensor-node-{id}.service"),
        Os::Macos => format!("network.cortensor.node-{id}"),
        Os::Windows => format!("\\Cortensor\\node-{id}"),
    }
}

pub(crate) fn node_args(t: &Target, id: u32) -> Vec<String> {
    crate::nodes::cortensord_args(t.layout, t.profile, id)
}

pub(crate) fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// One node's service, as its service manager reports it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceStatus {
    /// The service runs (systemd `active`, launchd `running`, Task Scheduler `Running`).
    pub running: bool,
    /// Its main process, when the service manager says (Task Scheduler does not).
    pub pid: Option<u32>,
    /// Restarts the service manager made (systemd `NRestarts`, launchd `runs` − 1).
    pub restarts: Option<u32>,
    /// The last exit status, in the service manager's words.
    pub last_exit: Option<String>,
}

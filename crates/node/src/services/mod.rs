//! Services per OS: what installing, starting and stopping nodes means for each service manager
//! (systemd user units, launchd agents, Task Scheduler tasks) as plans of data (`plan`), the thin
//! executor that applies a plan (`apply`), and what each service manager says of a node
//! (`status`: the query and its parser). Plans and parsers compile and are tested on every OS.

pub mod apply;
pub mod launchd;
pub mod plan;
pub mod schtasks;
pub mod status;
pub mod systemd;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::platform::exec::Runner;

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

//! systemd (Linux): a user unit per node, the text of each unit, and the parser of
//! `systemctl --user show`. Pure; the plans in `plan` put them into steps.

use super::{node_args, ServiceStatus, Target};
use crate::nodes::NodeSpec;

/// A systemd user unit for one node.
pub fn node_unit(t: &Target, n: &NodeSpec) -> String {
    let args = node_args(t, n.id).join(" ");
    let log = t.layout.log_file(n.id);
    format!(
        "[Unit]
Description=Cortensor node {id} ({address})
Documentation=https://docs.cortensor.network
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=600
StartLimitBurst=20

[Service]
Type=simple
WorkingDirectory={dir}
EnvironmentFile={env}
{environment}
ExecStart={bin} {args}
Restart=on-failure
RestartSec=10
RestartSteps=6
RestartMaxDelaySec=300
KillSignal=SIGINT
TimeoutStopSec=60
LimitNOFILE=1000000
MemorySwapMax=0
StandardOutput=append:{log}
StandardError=append:{log}

[Install]
WantedBy=default.target
",
        id = n.id,
        address = n.address,
        environment = crate::nodes::launch_env(t.layout, n.id, crate::platform::Os::Linux)
            .iter()
            .map(|(k, v)| format!("Environment=\"{k}={v}\""))
            .collect::<Vec<_>>()
            .join("\n"),
        dir = t.layout.node_dir(n.id).display(),
        env = t.layout.env_file(n.id).display(),
        bin = t.layout.binary().display(),
        log = log.display(),
    )
}

/// `systemctl show --property=…`: `Key=Value` lines.
pub fn parse_show(text: &str) -> ServiceStatus {
    let get = |key: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(key)?.strip_prefix('='))
            .map(str::trim)
    };
    let pid = get("MainPID")
        .and_then(|v| v.parse::<u32>().ok())
        .filter(|p| *p > 0);
    let active = get("ActiveState").unwrap_or("");
    ServiceStatus {
        running: matches!(active, "active" | "activating" | "reloading") && pid.is_some(),
        pid,
        restarts: get("NRestarts").and_then(|v| v.parse().ok()),
        last_exit: get("ExecMainStatus")
            .filter(|v| !v.is_empty())
            .map(|v| format!("exit status {v}")),
    }
}

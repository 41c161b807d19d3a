//! launchd (macOS): a user agent per node, the plist of each agent, and the parser of
//! `launchctl print`. Pure; the plans in `plan` put them into steps.

use super::{node_args, service_name, xml_escape, ServiceStatus, Target};
use crate::nodes::NodeSpec;
use crate::platform::Os;

/// A launchd agent: runs `program` at login, again when it fails, output appended to `log`.
/// `extra`: more keys of the agent's dictionary (already indented plist XML).
pub(super) fn agent_xml(label: &str, program: &[String], log: &str, extra: &str) -> String {
    let args: String = program
        .iter()
        .map(|a| format!("    <string>{}</string>\n", xml_escape(a)))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>{label}</string>
  <key>ProgramArguments</key>
  <array>
{args}  </array>
{extra}  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>StandardOutPath</key>
  <string>{log}</string>
  <key>StandardErrorPath</key>
  <string>{log}</string>
</dict>
</plist>
"#,
        label = xml_escape(label),
        log = xml_escape(log),
    )
}

/// A launchd agent for one node.
pub fn node_plist(t: &Target, n: &NodeSpec) -> String {
    let mut program = vec![t.layout.binary().display().to_string()];
    program.extend(node_args(t, n.id));
    let vars: String = crate::nodes::launch_env(t.layout, n.id, Os::Macos)
        .iter()
        .map(|(k, v)| {
            format!(
                "    <key>{}</key>\n    <string>{}</string>\n",
                xml_escape(k),
                xml_escape(v)
            )
        })
        .collect();
    let extra = format!(
        "  <key>EnvironmentVariables</key>
  <dict>
{vars}  </dict>
  <key>WorkingDirectory</key>
  <string>{dir}</string>
  <key>ThrottleInterval</key>
  <integer>10</integer>
  <key>ExitTimeOut</key>
  <integer>60</integer>
  <key>SoftResourceLimits</key>
  <dict>
    <key>NumberOfFiles</key>
    <integer>1000000</integer>
  </dict>
",
        dir = xml_escape(&t.layout.node_dir(n.id).display().to_string()),
    );
    agent_xml(
        &service_name(Os::Macos, n.id),
        &program,
        &t.layout.log_file(n.id).display().to_string(),
        &extra,
    )
}

/// `launchctl print gui/<uid>/<label>`: the service's top-level `key = value` lines (one tab in;
/// nested blocks are indented further).
pub fn parse_print(text: &str) -> ServiceStatus {
    let top: Vec<(&str, &str)> = text
        .lines()
        .filter(|l| l.starts_with('\t') && !l.starts_with("\t\t"))
        .filter_map(|l| l.trim().split_once(" = "))
        .collect();
    let get = |key: &str| top.iter().find(|(k, _)| *k == key).map(|(_, v)| v.trim());
    let pid = get("pid").and_then(|v| v.parse::<u32>().ok());
    ServiceStatus {
        running: get("state") == Some("running") && pid.is_some(),
        pid,
        restarts: get("runs")
            .and_then(|v| v.parse::<u32>().ok())
            .map(|r| r.saturating_sub(1)),
        last_exit: get("last exit code")
            .filter(|v| !v.starts_with('('))
            .map(|v| format!("exit code {v}")),
    }
}

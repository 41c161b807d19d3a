//! Task Scheduler (Windows): a scheduled task per node, the XML of each task, and the parser of
//! `schtasks /Query /V /FO CSV` (columns by name, or by position on translated Windows). Pure;
//! the plans in `plan` put them into steps.

use super::{node_args, xml_escape, ServiceStatus, Target};
use crate::nodes::NodeSpec;

/// A Task Scheduler task (imported with `schtasks /Create /XML`): starts at the user's logon,
/// restarts every minute after a failure, no time limit, least privilege.
pub(super) fn task_xml(
    t: &Target,
    description: &str,
    command: &str,
    arguments: &str,
    dir: Option<&str>,
) -> String {
    let dir = dir
        .map(|d| {
            format!(
                "\n      <WorkingDirectory>{}</WorkingDirectory>",
                xml_escape(d)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<?xml version="1.0" encoding="UTF-16"?>
<Task version="1.4" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">
  <RegistrationInfo>
    <Description>{description}</Description>
  </RegistrationInfo>
  <Triggers>
    <LogonTrigger>
      <Enabled>true</Enabled>
      <UserId>{user}</UserId>
    </LogonTrigger>
  </Triggers>
  <Principals>
    <Principal id="Author">
      <UserId>{user}</UserId>
      <LogonType>InteractiveToken</LogonType>
      <RunLevel>LeastPrivilege</RunLevel>
    </Principal>
  </Principals>
  <Settings>
    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>
    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>
    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>
    <ExecutionTimeLimit>PT0S</ExecutionTimeLimit>
    <RestartOnFailure>
      <Interval>PT1M</Interval>
      <Count>999</Count>
    </RestartOnFailure>
    <StartWhenAvailable>true</StartWhenAvailable>
    <Enabled>true</Enabled>
  </Settings>
  <Actions Context="Author">
    <Exec>
      <Command>{command}</Command>
      <Arguments>{arguments}</Arguments>{dir}
    </Exec>
  </Actions>
</Task>
"#,
        description = xml_escape(description),
        user = xml_escape(t.user),
        command = xml_escape(command),
        arguments = xml_escape(arguments),
    )
}

/// A Task Scheduler task for one node.
pub fn node_task_xml(t: &Target, n: &NodeSpec) -> String {
    let quoted: Vec<String> = std::iter::once(t.layout.binary().display().to_string())
        .chain(node_args(t, n.id))
        .map(|a| format!("\"{a}\""))
        .collect();
    let sets: String = crate::nodes::launch_env(t.layout, n.id, crate::platform::Os::Windows)
        .iter()
        .map(|(k, v)| format!("set \"{k}={v}\" && "))
        .collect();
    let command = format!(
        "/d /s /c \"{sets}{} >> \"{}\" 2>&1\"",
        quoted.join(" "),
        t.layout.log_file(n.id).display()
    );
    task_xml(
        t,
        &format!(
            "Cortensor node {} ({}), managed by Cortensor Node Manager",
            n.id, n.address
        ),
        "cmd.exe",
        &command,
        Some(&t.layout.node_dir(n.id).display().to_string()),
    )
}

/// `schtasks /Query /V /FO CSV`: a header row, then the task's row. Columns are found by their
/// English names, else by position (Windows translates the headers, not their order).
pub fn parse_query_csv(text: &str) -> ServiceStatus {
    let rows: Vec<Vec<String>> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(csv_fields)
        .collect();
    let Some((header, row)) = rows.first().zip(rows.get(1)) else {
        return ServiceStatus::default();
    };
    let col = |name: &str, position: usize| {
        header
            .iter()
            .position(|h| h == name)
            .or(Some(position))
            .and_then(|i| row.get(i))
            .map(|v| v.trim())
    };
    let status = col("Status", 3).unwrap_or("");
    ServiceStatus {
        running: status.eq_ignore_ascii_case("Running"),
        pid: None,
        restarts: None,
        last_exit: col("Last Result", 6)
            .filter(|v| !v.is_empty())
            .map(|v| format!("last result {v}")),
    }
}

/// One CSV line with double-quoted fields (`""` inside quotes is a quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

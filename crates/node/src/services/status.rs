//! What the OS service manager says of a node's service, on every OS: the command that asks
//! (systemd `show`, launchd `print`, Task Scheduler `/Query`) and a parser of its answer. Pure
//! functions, tested on captured output; `control::probe_services` runs them.

pub use super::ServiceStatus;
use super::{service_name, Target};
use crate::platform::Os;

/// The command (program, arguments) that asks about node `id`'s service.
pub fn status_command(t: &Target, id: u32) -> (String, Vec<String>) {
    let name = service_name(t.os, id);
    let (program, args): (&str, Vec<String>) = match t.os {
        Os::Linux => (
            "systemctl",
            vec![
                "--user".into(),
                "show".into(),
                "--property=MainPID,ActiveState,SubState,NRestarts,ExecMainStatus".into(),
                name,
            ],
        ),
        Os::Macos => (
            "launchctl",
            vec!["print".into(), format!("gui/{}/{name}", t.uid)],
        ),
        Os::Windows => (
            "schtasks",
            ["/Query", "/TN", &name, "/V", "/FO", "CSV"]
                .iter()
                .map(|s| s.to_string())
                .collect(),
        ),
    };
    (program.to_string(), args)
}

/// Parse the answer of [`status_command`] on `os`.
pub fn parse_status(os: Os, text: &str) -> ServiceStatus {
    match os {
        Os::Linux => super::systemd::parse_show(text),
        Os::Macos => super::launchd::parse_print(text),
        Os::Windows => super::schtasks::parse_query_csv(text),
    }
}

/// The pid of node `env_file`'s `cortensord` among `processes` (pid, name, command line): how
/// a node run by Task Scheduler (which reports no pid) is found.
pub fn find_node_process(processes: &[(u32, String, Vec<String>)], env_file: &str) -> Option<u32> {
    processes
        .iter()
        .filter(|(_, name, _)| name.to_ascii_lowercase().starts_with("cortensord"))
        .find(|(_, _, cmd)| cmd.iter().any(|a| a == env_file))
        .map(|(pid, _, _)| *pid)
}

/// The running processes (pid, name, command line), for [`find_node_process`].
pub fn processes() -> Vec<(u32, String, Vec<String>)> {
    let Ok(mut sys) = sysinfo::System::new() else {
        return Vec::new();
    };
    sys.refresh_processes_specifics(
        sysinfo::ProcessesToUpdate::All,
        true,
        sysinfo::ProcessRefreshKind::nothing().with_cmd(sysinfo::UpdateKind::Always),
    );
    sys.processes()
        .iter()
        .map(|(pid, p)| {
            let cmd = p
                .cmd()
                .iter()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            (pid.as_u32(), p.name().to_string_lossy().into_owned(), cmd)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        std::fs::read_to_string(format!(
            "{}/../../tests/fixtures/services/{name}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn systemd_show() {
        let s = parse_status(Os::Linux, &fixture("systemctl-show.txt"));
        assert_eq!(
            s,
            ServiceStatus {
                running: true,
                pid: Some(48213),
                restarts: Some(2),
                last_exit: Some("exit status 0".into())
            }
        );
        let stopped = parse_status(
            Os::Linux,
            "MainPID=0\nActiveState=failed\nSubState=failed\nNRestarts=5\nExecMainStatus=1\n",
        );
        assert!(!stopped.running);
        assert_eq!((stopped.pid, stopped.restarts), (None, Some(5)));
        assert_eq!(stopped.last_exit.as_deref(), Some("exit status 1"));
    }

    #[test]
    fn launchctl_print() {
        let s = parse_status(Os::Macos, &fixture("launchctl-print.txt"));
        assert_eq!(
            s,
            ServiceStatus {
                running: true,
                pid: Some(4242),
                restarts: Some(2),
                last_exit: Some("exit code 1".into())
            }
        );
        // Not running yet: no pid, and "(never exited)" is no exit code.
        let idle = "gui/501/network.cortensor.node-2 = {\n\tactive count = 0\n\tstate = not running\n\truns = 0\n\tlast exit code = (never exited)\n}\n";
        assert_eq!(
            parse_status(Os::Macos, idle),
            ServiceStatus {
                restarts: Some(0),
                ..Default::default()
            }
        );
    }

    #[test]
    fn schtasks_query() {
        let s = parse_status(Os::Windows, &fixture("schtasks-query.csv"));
        assert_eq!(
            s,
            ServiceStatus {
                running: true,
                pid: None,
                restarts: None,
                last_exit: Some("last result 267009".into())
            }
        );
        // A German Windows: headers translated, columns in the same places.
        let de = "\"Hostname\",\"Aufgabenname\",\"Nächste Laufzeit\",\"Status\",\"Anmeldemodus\",\"Letzte Laufzeit\",\"Letztes Ergebnis\"\n\"PC\",\"\\Cortensor\\node-1\",\"N/A\",\"Bereit\",\"Interaktiv\",\"26.11.2026 08:00:00\",\"1\"\n";
        let s = parse_status(Os::Windows, de);
        assert!(!s.running);
        assert_eq!(s.last_exit.as_deref(), Some("last result 1"));
        assert_eq!(
            parse_status(
                Os::Windows,
                "ERROR: The system cannot find the file specified.\n"
            ),
            ServiceStatus::default()
        );
    }

    #[test]
    fn the_node_process_is_found_by_its_env_file() {
        let procs = vec![
            (
                10,
                "cmd.exe".to_string(),
                vec!["cmd.exe".into(), "/c".into(), "C:\\n\\node-1\\.env".into()],
            ),
            (
                11,
                "cortensord.exe".to_string(),
                vec!["cortensord.exe".into(), "C:\\n\\node-2\\.env".into()],
            ),
            (
                12,
                "cortensord.exe".to_string(),
                vec![
                    "cortensord.exe".into(),
                    "C:\\n\\node-1\\.env".into(),
                    "minerv4".into(),
                ],
            ),
        ];
        assert_eq!(find_node_process(&procs, "C:\\n\\node-1\\.env"), Some(12));
        assert_eq!(find_node_process(&procs, "C:\\n\\node-3\\.env"), None);
    }

    #[test]
    fn commands_per_os() {
        let layout = crate::nodes::Layout::for_os("/d", Os::Linux);
        let profile = crate::network::NetworkProfile::testnet();
        let home = std::path::Path::new("/home/ann");
        for (os, want) in [
            (Os::Linux, "systemctl --user show --property=MainPID,ActiveState,SubState,NRestarts,ExecMainStatus cortensor-node-3.service"),
            (Os::Macos, "launchctl print gui/501/network.cortensor.node-3"),
            (Os::Windows, "schtasks /Query /TN \\Cortensor\\node-3 /V /FO CSV"),
        ] {
            let t = Target { os, layout: &layout, profile: &profile, home, user: "ann", uid: 501 };
            let (p, a) = status_command(&t, 3);
            assert_eq!(format!("{p} {}", a.join(" ")), want);
        }
    }
}

//! An official install's node, found before its key is imported: the system unit the official
//! Linux installer writes (`cortensor.service`), the pid file its manual scripts write
//! (`~/.cortensor/cortensord.pid`), or a `cortensord` process running that `.env`. Two processes
//! must never run with one key (and two IPFS servers must never run on one machine), so an
//! adoption stops and disables it first, with the user's consent. Deciding is pure
//! ([`find`], [`stop_plan`]); the caller gathers the facts and applies the plan.

use std::path::{Path, PathBuf};

use crate::platform::exec::Runner;
use crate::platform::Os;
use crate::services::plan::{Plan, Step};

/// The official installer's system unit.
pub const OFFICIAL_UNIT: &str = "cortensor.service";

/// A running official node, and how it was found.
#[derive(Debug, Clone, PartialEq)]
pub enum Found {
    /// The system unit is active (its main process, when systemd says).
    SystemUnit { unit: String, pid: Option<u32> },
    /// A pid file naming a live `cortensord`.
    PidFile { path: PathBuf, pid: u32 },
    /// A `cortensord` process whose command line names the `.env`.
    Process { pid: u32 },
}

impl Found {
    pub fn describe(&self) -> String {
        match self {
            Found::SystemUnit { unit, pid } => format!(
                "the system service {unit} is running{}",
                pid.map(|p| format!(" (process {p})")).unwrap_or_default()
            ),
            Found::PidFile { path, pid } => {
                format!("cortensord process {pid} (from {})", path.display())
            }
            Found::Process { pid } => format!("cortensord process {pid} runs that .env"),
        }
    }
}

/// What the machine says, gathered by the caller.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// `systemctl show --property=ActiveState,MainPID cortensor.service` (system scope).
    pub unit_show: Option<String>,
    /// Pid files that exist, with the pid they name.
    pub pid_files: Vec<(PathBuf, u32)>,
    /// Running processes: pid, name, command line.
    pub processes: Vec<(u32, String, Vec<String>)>,
}

/// Where the official scripts write their pid file, for an `.env` in `~/.cortensor/`.
pub fn pid_file_candidates(env_file: &Path, home: &Path) -> Vec<PathBuf> {
    let mut out = vec![home.join(".cortensor/cortensord.pid")];
    if let Some(dir) = env_file.parent() {
        let p = dir.join("cortensord.pid");
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

/// Gather the facts (the system unit through `runner`, the pid files, the processes).
pub fn gather(runner: &mut dyn Runner, env_file: &Path, home: &Path) -> Facts {
    let unit_show = runner
        .run(
            "systemctl",
            &[
                "show".into(),
                "--property=ActiveState,MainPID".into(),
                OFFICIAL_UNIT.into(),
            ],
        )
        .ok();
    let pid_files = pid_file_candidates(env_file, home)
        .into_iter()
        .filter_map(|p| {
            let pid = std::fs::read_to_string(&p).ok()?.trim().parse().ok()?;
            Some((p, pid))
        })
        .collect();
    Facts {
        unit_show,
        pid_files,
        processes: crate::services::status::processes(),
    }
}

fn is_cortensord(name: &str) -> bool {
    name.to_ascii_lowercase().starts_with("cortensord")
}

/// The running official nodes of `env_file` among `facts`.
pub fn find(facts: &Facts, env_file: &Path) -> Vec<Found> {
    let mut out = Vec::new();
    if let Some(show) = &facts.unit_show {
        let get = |k: &str| {
            show.lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .map(str::trim)
        };
        if get("ActiveState") == Some("active") {
            out.push(Found::SystemUnit {
                unit: OFFICIAL_UNIT.into(),
                pid: get("MainPID")
                    .and_then(|p| p.parse().ok())
                    .filter(|p| *p > 0),
            });
        }
    }
    let known = |out: &Vec<Found>, pid: u32| {
        out.iter().any(|f| match f {
            Found::SystemUnit { pid: Some(p), .. } => *p == pid,
            Found::PidFile { pid: p, .. } | Found::Process { pid: p } => *p == pid,
            _ => false,
        })
    };
    for (path, pid) in &facts.pid_files {
        let alive = facts
            .processes
            .iter()
            .any(|(p, name, _)| p == pid && is_cortensord(name));
        if alive && !known(&out, *pid) {
            out.push(Found::PidFile {
                path: path.clone(),
                pid: *pid,
            });
        }
    }
    let env = env_file.display().to_string();
    for (pid, name, cmd) in &facts.processes {
        if is_cortensord(name) && cmd.iter().any(|a| *a == env) && !known(&out, *pid) {
            out.push(Found::Process { pid: *pid });
        }
    }
    out
}

/// Stop (and for the service, disable) what was found. The system service needs the
/// administrator (the same consent path as the Docker fix); a process is sent SIGINT, as its
/// service manager would.
pub fn stop_plan(found: &[Found], os: Os) -> Plan {
    let mut steps = Vec::new();
    let run = |program: &str, args: &[&str], why: &str| Step::Run {
        program: program.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        why: why.into(),
        optional: false,
    };
    for f in found {
        match f {
            Found::SystemUnit { unit, .. } => {
                steps.push(run(
                    "pkexec",
                    &["systemctl", "stop", unit],
                    "stop the official node's service",
                ));
                steps.push(run(
                    "pkexec",
                    &["systemctl", "disable", unit],
                    "keep it from starting again at boot",
                ));
            }
            Found::PidFile { pid, .. } | Found::Process { pid } => steps.push(run(
                "kill",
                &["-INT", &pid.to_string()],
                "stop the official node's process",
            )),
        }
    }
    Plan { os, steps }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(unit: Option<&str>, pid_file: Option<u32>, procs: &[(u32, &str, &[&str])]) -> Facts {
        Facts {
            unit_show: unit.map(str::to_string),
            pid_files: pid_file
                .map(|p| vec![(PathBuf::from("/home/u/.cortensor/cortensord.pid"), p)])
                .unwrap_or_default(),
            processes: procs
                .iter()
                .map(|(p, n, c)| (*p, n.to_string(), c.iter().map(|s| s.to_string()).collect()))
                .collect(),
        }
    }

    #[test]
    fn finds_each_kind_of_running_official_node_once() {
        let env = Path::new("/home/u/.cortensor/.env");
        // Nothing runs.
        assert!(find(
            &facts(Some("ActiveState=inactive\nMainPID=0"), None, &[]),
            env
        )
        .is_empty());
        // A stale pid file (its process is gone, or is not cortensord) is not a node.
        assert!(find(&facts(None, Some(77), &[(77, "bash", &[])]), env).is_empty());
        // The service, its process also in the pid file and running the .env: one finding.
        let f = find(
            &facts(
                Some("ActiveState=active\nMainPID=42"),
                Some(42),
                &[(
                    42,
                    "cortensord",
                    &["cortensord", "/home/u/.cortensor/.env", "minerv4"],
                )],
            ),
            env,
        );
        assert_eq!(
            f,
            vec![Found::SystemUnit {
                unit: OFFICIAL_UNIT.into(),
                pid: Some(42)
            }]
        );
        // A manual start: pid file and process.
        let f = find(
            &facts(
                None,
                Some(43),
                &[
                    (
                        43,
                        "cortensord",
                        &["cortensord", "/home/u/.cortensor/.env", "minerv4"],
                    ),
                    (
                        44,
                        "cortensord",
                        &["cortensord", "/home/u/.cortensor/.env", "minerv4"],
                    ),
                ],
            ),
            env,
        );
        assert_eq!(f.len(), 2);
        let plan = stop_plan(&f, Os::Linux);
        let text = plan.to_string();
        assert!(
            text.contains("kill -INT 43") && text.contains("kill -INT 44"),
            "{text}"
        );
        let plan = stop_plan(
            &[Found::SystemUnit {
                unit: OFFICIAL_UNIT.into(),
                pid: None,
            }],
            Os::Linux,
        )
        .to_string();
        assert!(plan.contains("pkexec systemctl stop cortensor.service"));
        assert!(plan.contains("pkexec systemctl disable cortensor.service"));
    }
}

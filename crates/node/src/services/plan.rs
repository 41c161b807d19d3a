//! Install plans: what installing nodes means on each OS, as data (files to write with modes,
//! commands to run). Built by pure functions that compile and are tested on every OS; only
//! [`super::apply`] touches the system. A plan prints as a readable script (`--dry-run`), with
//! secrets redacted.
//!
//! * Linux: a systemd **user** unit per node (no sudo, no `deploy` user), mirroring the official
//!   unit (SIGINT stop, LimitNOFILE, EnvironmentFile, MemorySwapMax=0) plus restart backoff, and
//!   lingering so nodes start at boot without a login.
//! * macOS: a launchd agent per node (RunAtLoad, KeepAlive on failure, throttled restarts, logs).
//! * Windows: a Task Scheduler task per node (at logon, restart on failure, no time limit); see
//!   ARCHITECTURE.md for why not a service or the Cygwin flow.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::nodes::NodeSpec;
use crate::platform::Os;

pub use super::{service_name, Target};

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    CreateDir {
        path: PathBuf,
    },
    WriteFile {
        path: PathBuf,
        contents: String,
        mode: u32,
        /// Contents hold a secret: never printed.
        secret: bool,
    },
    Run {
        program: String,
        args: Vec<String>,
        /// Why, in words, for the plan's printout and for errors.
        why: String,
        /// A failure is reported but does not stop the plan (e.g. lingering without polkit).
        optional: bool,
    },
    Remove {
        path: PathBuf,
    },
    /// Remove a folder only if nothing is left in it (one the app did not make).
    RemoveIfEmpty {
        path: PathBuf,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub os: Os,
    pub steps: Vec<Step>,
}

impl fmt::Display for Plan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "# install plan for {}", self.os.name())?;
        for s in &self.steps {
            match s {
                Step::CreateDir { path } => writeln!(f, "mkdir -p {}", path.display())?,
                Step::WriteFile {
                    path,
                    contents,
                    mode,
                    secret,
                } => {
                    writeln!(
                        f,
                        "write {} (mode {mode:o}, {} bytes)",
                        path.display(),
                        contents.len()
                    )?;
                    if *secret {
                        writeln!(f, "  «contents hidden: they hold a secret»")?;
                    } else {
                        for line in contents.lines() {
                            writeln!(f, "  | {line}")?;
                        }
                    }
                }
                Step::Run {
                    program,
                    args,
                    why,
                    optional,
                } => writeln!(
                    f,
                    "run {program} {}{}   # {why}",
                    args.join(" "),
                    if *optional { " (optional)" } else { "" }
                )?,
                Step::Remove { path } => writeln!(f, "remove {}", path.display())?,
                Step::RemoveIfEmpty { path } => {
                    writeln!(f, "remove {} if it is empty", path.display())?
                }
            }
        }
        Ok(())
    }
}

fn run(program: &str, args: &[&str], why: &str, optional: bool) -> Step {
    Step::Run {
        program: program.into(),
        args: args.iter().map(|s| s.to_string()).collect(),
        why: why.into(),
        optional,
    }
}

/// Where the service definition of node `id` is written.
pub fn service_file(t: &Target, id: u32) -> PathBuf {
    match t.os {
        Os::Linux => t
            .home
            .join(".config/systemd/user")
            .join(service_name(Os::Linux, id)),
        Os::Macos => t
            .home
            .join("Library/LaunchAgents")
            .join(format!("{}.plist", service_name(Os::Macos, id))),
        Os::Windows => PathBuf::from(format!("{}\\task.xml", t.layout.node_dir(id).display())),
    }
}

/// Register and enable the services of `nodes` (their folders and `.env` are written by the
/// caller, which holds the secrets). Starting is a separate plan ([`start_plan`]).
pub fn install_plan(t: &Target, nodes: &[NodeSpec]) -> Plan {
    let mut steps = vec![Step::CreateDir {
        path: t.layout.bin_dir(),
    }];
    for n in nodes {
        steps.push(Step::CreateDir {
            path: t.layout.log_dir(n.id),
        });
        let (contents, mode) = match t.os {
            Os::Linux => (super::systemd::node_unit(t, n), 0o644),
            Os::Macos => (super::launchd::node_plist(t, n), 0o644),
            Os::Windows => (super::schtasks::node_task_xml(t, n), 0o644),
        };
        let path = service_file(t, n.id);
        if let Some(dir) = path.parent() {
            steps.push(Step::CreateDir {
                path: dir.to_path_buf(),
            });
        }
        steps.push(Step::WriteFile {
            path: path.clone(),
            contents,
            mode,
            secret: false,
        });
        if t.os == Os::Windows {
            let xml = path.display().to_string();
            let name = service_name(Os::Windows, n.id);
            steps.push(run(
                "schtasks",
                &["/Create", "/F", "/TN", &name, "/XML", &xml],
                "register the node's task (starts at logon, restarts on failure)",
                false,
            ));
        }
    }
    match t.os {
        Os::Linux => {
            steps.push(run(
                "systemctl",
                &["--user", "daemon-reload"],
                "load the new units",
                false,
            ));
            for n in nodes {
                let unit = service_name(Os::Linux, n.id);
                steps.push(run(
                    "systemctl",
                    &["--user", "enable", &unit],
                    "start the node at boot",
                    false,
                ));
            }
            steps.push(run(
                "loginctl",
                &["enable-linger", t.user],
                "keep your nodes running when you are logged out",
                true,
            ));
        }
        Os::Macos => {
            let domain = format!("gui/{}", t.uid);
            for n in nodes {
                let plist = service_file(t, n.id).display().to_string();
                steps.push(run(
                    "launchctl",
                    &["bootstrap", &domain, &plist],
                    "load the node's agent (starts at login)",
                    false,
                ));
            }
        }
        Os::Windows => {}
    }
    Plan { os: t.os, steps }
}

/// Start (or stop) the services of `nodes`.
pub fn control_plan(t: &Target, nodes: &[NodeSpec], start: bool) -> Plan {
    let mut steps = Vec::new();
    for n in nodes {
        let name = service_name(t.os, n.id);
        let step = match (t.os, start) {
            (Os::Linux, true) => run(
                "systemctl",
                &["--user", "start", &name],
                "start the node",
                false,
            ),
            (Os::Linux, false) => run(
                "systemctl",
                &["--user", "stop", &name],
                "stop the node (SIGINT, then SIGKILL after 60 s)",
                false,
            ),
            (Os::Macos, true) => run(
                "launchctl",
                &["kickstart", &format!("gui/{}/{name}", t.uid)],
                "start the node",
                false,
            ),
            (Os::Macos, false) => run(
                "launchctl",
                &["kill", "SIGINT", &format!("gui/{}/{name}", t.uid)],
                "stop the node",
                false,
            ),
            (Os::Windows, true) => {
                run("schtasks", &["/Run", "/TN", &name], "start the node", false)
            }
            (Os::Windows, false) => {
                run("schtasks", &["/End", "/TN", &name], "stop the node", false)
            }
        };
        steps.push(step);
    }
    Plan { os: t.os, steps }
}

pub fn start_plan(t: &Target, nodes: &[NodeSpec]) -> Plan {
    control_plan(t, nodes, true)
}

/// Limit a plan's removals to what the app made. A `Remove` of a path in `written` (a folder
/// the app created, a file it wrote) or in `ours` (files only the app names, such as its
/// service units) stays. A `Remove` of any other folder — one the app did not make, which may
/// hold the user's files — becomes the removal of what the app made inside it, deepest first,
/// then of each folder on the way only if nothing else is left in it.
pub fn scope_removals(plan: Plan, written: &[crate::store::Written], ours: &[PathBuf]) -> Plan {
    let mut steps = Vec::with_capacity(plan.steps.len());
    for step in plan.steps {
        let Step::Remove { path } = &step else {
            steps.push(step);
            continue;
        };
        if ours.contains(path) || written.iter().any(|w| &w.path == path) {
            steps.push(step);
            continue;
        }
        let mut inside: Vec<&PathBuf> = written
            .iter()
            .map(|w| &w.path)
            .filter(|p| p.starts_with(path) && *p != path)
            .collect();
        // Deepest first, so a folder's contents go before it is looked at.
        inside.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
        let mut folders: Vec<PathBuf> = Vec::new();
        for p in &inside {
            steps.push(Step::Remove { path: (*p).clone() });
            for a in p.ancestors().skip(1).take_while(|a| a.starts_with(path)) {
                if !folders.iter().any(|f| f == a) {
                    folders.push(a.to_path_buf());
                }
            }
        }
        folders.sort_by_key(|p| std::cmp::Reverse(p.components().count()));
        if !folders.contains(path) {
            folders.push(path.clone());
        }
        steps.extend(folders.into_iter().map(|path| Step::RemoveIfEmpty { path }));
    }
    Plan { os: plan.os, steps }
}

/// Stop and unregister the services, then remove the app's files. Keys in the keychain are not
/// touched here (the caller offers an export and asks).
pub fn uninstall_plan(t: &Target, nodes: &[NodeSpec]) -> Plan {
    let mut steps = control_plan(t, nodes, false)
        .steps
        .into_iter()
        .map(|s| match s {
            Step::Run {
                program, args, why, ..
            } => Step::Run {
                program,
                args,
                why,
                optional: true,
            },
            other => other,
        })
        .collect::<Vec<_>>();
    for n in nodes {
        let name = service_name(t.os, n.id);
        match t.os {
            Os::Linux => steps.push(run(
                "systemctl",
                &["--user", "disable", &name],
                "do not start it at boot any more",
                true,
            )),
            Os::Macos => steps.push(run(
                "launchctl",
                &["bootout", &format!("gui/{}/{name}", t.uid)],
                "unload the agent",
                true,
            )),
            Os::Windows => steps.push(run(
                "schtasks",
                &["/Delete", "/F", "/TN", &name],
                "remove the task",
                true,
            )),
        }
        steps.push(Step::Remove {
            path: service_file(t, n.id),
        });
        steps.push(Step::Remove {
            path: t.layout.node_dir(n.id),
        });
    }
    steps.extend(monitor_removal(t));
    if t.os == Os::Linux {
        steps.push(run(
            "systemctl",
            &["--user", "daemon-reload"],
            "forget the removed units",
            true,
        ));
    }
    steps.push(Step::Remove {
        path: t.layout.bin_dir(),
    });
    Plan { os: t.os, steps }
}

/// The service that keeps the manager's monitor (`<exe> daemon`) running beside OS-service
/// nodes, so health, alerts and the uptime ledger go on while the app is closed and after a
/// reboot. (With OS services the daemon only watches; the service manager runs the nodes.)
fn monitor_name(os: Os) -> String {
    match os {
        Os::Linux => "cortensor-manager-monitor.service".into(),
        Os::Macos => "network.cortensor.manager-monitor".into(),
        Os::Windows => "\\Cortensor\\monitor".into(),
    }
}

pub fn monitor_file(t: &Target) -> PathBuf {
    match t.os {
        Os::Linux => t
            .home
            .join(".config/systemd/user")
            .join(monitor_name(Os::Linux)),
        Os::Macos => t
            .home
            .join("Library/LaunchAgents")
            .join(format!("{}.plist", monitor_name(Os::Macos))),
        Os::Windows => PathBuf::from(format!("{}\\monitor-task.xml", t.layout.root.display())),
    }
}

/// The monitor's service definition for `t.os`, running `exe --data-dir <root> daemon`.
pub fn monitor_service(t: &Target, exe: &Path) -> String {
    let root = t.layout.root.display().to_string();
    let log = format!("{}", t.layout.root.join("daemon.log").display());
    match t.os {
        Os::Linux => format!(
            "[Unit]
Description=Cortensor Node Manager monitor (node health, alerts, uptime ledger)
After=network-online.target

[Service]
Type=simple
ExecStart=\"{exe}\" --data-dir \"{root}\" daemon
Restart=on-failure
RestartSec=5
KillSignal=SIGINT
StandardOutput=append:{log}
StandardError=append:{log}

[Install]
WantedBy=default.target
",
            exe = exe.display(),
        ),
        Os::Macos => super::launchd::agent_xml(
            &monitor_name(Os::Macos),
            &[
                exe.display().to_string(),
                "--data-dir".into(),
                root,
                "daemon".into(),
            ],
            &log,
            "",
        ),
        Os::Windows => super::schtasks::task_xml(
            t,
            "Cortensor Node Manager monitor (node health, alerts, uptime ledger)",
            &exe.display().to_string(),
            &format!("--data-dir \"{root}\" daemon"),
            None,
        ),
    }
}

/// Register the monitor's service (starting at login) and start it now.
pub fn monitor_plan(t: &Target, exe: &Path) -> Plan {
    let path = monitor_file(t);
    let name = monitor_name(t.os);
    let mut steps = Vec::new();
    if let Some(dir) = path.parent() {
        steps.push(Step::CreateDir {
            path: dir.to_path_buf(),
        });
    }
    steps.push(Step::WriteFile {
        path: path.clone(),
        contents: monitor_service(t, exe),
        mode: 0o644,
        secret: false,
    });
    let file = path.display().to_string();
    match t.os {
        Os::Linux => {
            steps.push(run(
                "systemctl",
                &["--user", "daemon-reload"],
                "load the monitor's unit",
                false,
            ));
            steps.push(run(
                "systemctl",
                &["--user", "enable", &name],
                "watch the nodes from boot",
                false,
            ));
            steps.push(run(
                "systemctl",
                &["--user", "start", &name],
                "start watching the nodes",
                false,
            ));
        }
        Os::Macos => {
            // Loading an agent that is already loaded fails: unload it first (optional).
            let target = format!("gui/{}/{name}", t.uid);
            steps.push(run(
                "launchctl",
                &["bootout", &target],
                "unload the previous monitor",
                true,
            ));
            steps.push(run(
                "launchctl",
                &["bootstrap", &format!("gui/{}", t.uid), &file],
                "load the monitor (starts at login)",
                false,
            ));
        }
        Os::Windows => {
            steps.push(run(
                "schtasks",
                &["/Create", "/F", "/TN", &name, "/XML", &file],
                "register the monitor (starts at logon)",
                false,
            ));
            steps.push(run(
                "schtasks",
                &["/Run", "/TN", &name],
                "start watching the nodes",
                false,
            ));
        }
    }
    Plan { os: t.os, steps }
}

/// Stop and remove the monitor's service.
fn monitor_removal(t: &Target) -> Vec<Step> {
    let name = monitor_name(t.os);
    let mut steps = match t.os {
        Os::Linux => vec![
            run(
                "systemctl",
                &["--user", "stop", &name],
                "stop the monitor",
                true,
            ),
            run(
                "systemctl",
                &["--user", "disable", &name],
                "do not start the monitor at boot",
                true,
            ),
        ],
        Os::Macos => vec![run(
            "launchctl",
            &["bootout", &format!("gui/{}/{name}", t.uid)],
            "unload the monitor",
            true,
        )],
        Os::Windows => vec![
            run(
                "schtasks",
                &["/End", "/TN", &name],
                "stop the monitor",
                true,
            ),
            run(
                "schtasks",
                &["/Delete", "/F", "/TN", &name],
                "remove the monitor's task",
                true,
            ),
        ],
    };
    steps.push(Step::Remove {
        path: monitor_file(t),
    });
    steps
}

/// The data folder the user's alone. Unix: its mode (0700, set where it is made). Windows: an
/// ACL with inheritance cut and full control for the user only (`icacls`), as the mode does on
/// Unix; Local AppData is the user's already, a `--data-dir` elsewhere may not be.
pub fn private_folder_plan(os: Os, dir: &Path, user: &str) -> Plan {
    let steps = match os {
        Os::Windows if !user.is_empty() => vec![Step::Run {
            program: "icacls".into(),
            args: vec![
                dir.display().to_string(),
                "/inheritance:r".into(),
                "/grant:r".into(),
                format!("{user}:(OI)(CI)F"),
            ],
            why: "make the data folder readable by you only".into(),
            optional: true,
        }],
        _ => Vec::new(),
    };
    Plan { os, steps }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_data_folder_is_made_private_on_windows_by_an_acl() {
        let p = private_folder_plan(
            Os::Windows,
            Path::new(r"C:\Users\ann\AppData\Local\cortensor\manager\data"),
            "ann",
        );
        assert_eq!(
            p.steps,
            vec![Step::Run {
                program: "icacls".into(),
                args: vec![
                    r"C:\Users\ann\AppData\Local\cortensor\manager\data".into(),
                    "/inheritance:r".into(),
                    "/grant:r".into(),
                    "ann:(OI)(CI)F".into()
                ],
                why: "make the data folder readable by you only".into(),
                optional: true,
            }]
        );
        // Unix: the mode does it (set where the folder is made); no user, no plan.
        assert!(private_folder_plan(Os::Linux, Path::new("/d"), "ann")
            .steps
            .is_empty());
        assert!(private_folder_plan(Os::Macos, Path::new("/d"), "ann")
            .steps
            .is_empty());
        assert!(private_folder_plan(Os::Windows, Path::new("C:/d"), "")
            .steps
            .is_empty());
    }

    use super::*;

    #[test]
    fn removals_are_limited_to_what_the_app_made() {
        use crate::store::Written;
        let rm = |p: &str| Step::Remove { path: p.into() };
        let rm_empty = |p: &str| Step::RemoveIfEmpty { path: p.into() };
        let stop = run("systemctl", &["--user", "stop", "x"], "stop", true);
        let plan = Plan {
            os: Os::Linux,
            steps: vec![
                stop.clone(),
                rm("/u/.config/systemd/user/cortensor-node-1.service"),
                rm("/d/nodes/node-1"),
                rm("/d/nodes/node-2"),
                rm("/d/bin"),
            ],
        };
        let written = [
            Written::dir("/d/nodes/node-1"),
            Written::file("/d/nodes/node-2/.env"),
            Written::dir("/d/nodes/node-2/logs/old"),
            Written::file("/d/bin/cortensord"),
            Written::file("/elsewhere/x"),
        ];
        let ours = [PathBuf::from(
            "/u/.config/systemd/user/cortensor-node-1.service",
        )];
        let scoped = scope_removals(plan, &written, &ours);
        assert_eq!(
            scoped.steps,
            vec![
                stop,
                rm("/u/.config/systemd/user/cortensor-node-1.service"),
                // A folder the app made goes whole.
                rm("/d/nodes/node-1"),
                // One it did not make: what the app made in it, deepest first, then the
                // folders on the way if they are left empty.
                rm("/d/nodes/node-2/logs/old"),
                rm("/d/nodes/node-2/.env"),
                rm_empty("/d/nodes/node-2/logs"),
                rm_empty("/d/nodes/node-2"),
                rm("/d/bin/cortensord"),
                rm_empty("/d/bin"),
            ]
        );
        // With nothing recorded, nothing is removed but empty folders.
        let bare = scope_removals(
            Plan {
                os: Os::Linux,
                steps: vec![rm("/home/u")],
            },
            &[],
            &[],
        );
        assert_eq!(bare.steps, vec![rm_empty("/home/u")]);
    }

    #[test]
    fn removing_only_what_was_made_keeps_the_users_files() {
        // Through the executor, on a real folder: the user's file in the binary folder stays.
        let d = tempfile::tempdir().unwrap();
        let bin = d.path().join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        std::fs::write(bin.join("users-own-tool"), "mine").unwrap();
        let made = crate::services::apply::apply(
            &Plan {
                os: Os::Linux,
                steps: vec![
                    Step::WriteFile {
                        path: bin.join("cortensord"),
                        contents: "x".into(),
                        mode: 0o755,
                        secret: false,
                    },
                    Step::CreateDir {
                        path: d.path().join("nodes/node-1/logs"),
                    },
                ],
            },
            &mut crate::platform::exec::SystemRunner::default(),
        )
        .unwrap()
        .made;
        assert_eq!(
            made,
            vec![
                crate::store::Written::file(bin.join("cortensord")),
                crate::store::Written::dir(d.path().join("nodes")),
                crate::store::Written::dir(d.path().join("nodes/node-1")),
                crate::store::Written::dir(d.path().join("nodes/node-1/logs")),
            ],
            "the folder that existed is not counted as made"
        );
        let plan = scope_removals(
            Plan {
                os: Os::Linux,
                steps: vec![
                    Step::Remove { path: bin.clone() },
                    Step::Remove {
                        path: d.path().join("nodes/node-1"),
                    },
                ],
            },
            &made,
            &[],
        );
        crate::services::apply::apply(&plan, &mut crate::platform::exec::SystemRunner::default())
            .unwrap();
        assert!(!bin.join("cortensord").exists());
        assert_eq!(
            std::fs::read_to_string(bin.join("users-own-tool")).unwrap(),
            "mine"
        );
        assert!(!d.path().join("nodes/node-1").exists());
    }
    use crate::network::NetworkProfile;
    use crate::nodes::Layout;

    fn nodes() -> Vec<NodeSpec> {
        (1..=2)
            .map(|id| NodeSpec {
                id,
                address: format!("0x{:040x}", id),
                llm_port: 8091 + 10 * id as u16,
                worker_base_port: 8090,
                gateway_base_port: 18888,
                ipfs_server: id == 1,
                cpu_threads: 2,
                network: "testnet0".into(),
                key_store: Default::default(),
                gpu: false,
            })
            .collect()
    }

    fn with_target<R>(os: Os, f: impl FnOnce(&Target) -> R) -> R {
        let layout = Layout::for_os(
            match os {
                Os::Windows => "C:\\Users\\ann\\AppData\\Roaming\\cortensor\\manager\\data",
                Os::Macos => "/Users/ann/Library/Application Support/network.cortensor.manager",
                Os::Linux => "/home/ann/.local/share/manager",
            },
            os,
        );
        let profile = NetworkProfile::testnet();
        let home = PathBuf::from(if os == Os::Macos {
            "/Users/ann"
        } else {
            "/home/ann"
        });
        f(&Target {
            os,
            layout: &layout,
            profile: &profile,
            home: &home,
            user: "ann",
            uid: 501,
        })
    }

    #[test]
    fn linux_plan_writes_user_units_like_the_official_one() {
        with_target(Os::Linux, |t| {
            let plan = install_plan(t, &nodes());
            let unit = plan.steps.iter().find_map(|s| match s {
                Step::WriteFile { path, contents, .. }
                    if path.ends_with(".config/systemd/user/cortensor-node-2.service") =>
                {
                    Some(contents.clone())
                }
                _ => None,
            });
            let unit = unit.expect("node 2's unit");
            for line in [
                "KillSignal=SIGINT",
                "LimitNOFILE=1000000",
                "MemorySwapMax=0",
                "Restart=on-failure",
                "RestartSteps=6",
                "EnvironmentFile=/home/ann/.local/share/manager/nodes/node-2/.env",
                "ExecStart=/home/ann/.local/share/manager/bin/cortensord /home/ann/.local/share/manager/nodes/node-2/.env minerv4 1 docker",
                "StandardOutput=append:/home/ann/.local/share/manager/nodes/node-2/logs/cortensord.log",
                "WantedBy=default.target",
            ] {
                assert!(unit.lines().any(|l| l == line), "missing {line}\n{unit}");
            }
            let runs: Vec<String> = plan
                .steps
                .iter()
                .filter_map(|s| match s {
                    Step::Run { program, args, .. } => {
                        Some(format!("{program} {}", args.join(" ")))
                    }
                    _ => None,
                })
                .collect();
            assert_eq!(
                runs,
                vec![
                    "systemctl --user daemon-reload",
                    "systemctl --user enable cortensor-node-1.service",
                    "systemctl --user enable cortensor-node-2.service",
                    "loginctl enable-linger ann",
                ]
            );
            assert!(
                !runs.iter().any(|r| r.contains("sudo")),
                "no sudo by default"
            );
        });
    }

    #[test]
    fn macos_plan_writes_launchd_agents() {
        with_target(Os::Macos, |t| {
            let plan = install_plan(t, &nodes());
            let plist = plan
                .steps
                .iter()
                .find_map(|s| match s {
                    Step::WriteFile { path, contents, .. }
                        if path
                            .ends_with("Library/LaunchAgents/network.cortensor.node-1.plist") =>
                    {
                        Some(contents.clone())
                    }
                    _ => None,
                })
                .expect("node 1's agent");
            assert!(plist.contains("<string>network.cortensor.node-1</string>"));
            assert!(plist.contains("<key>SuccessfulExit</key>\n    <false/>"));
            assert!(plist.contains("<key>RunAtLoad</key>\n  <true/>"));
            assert!(plist.contains("<string>/Users/ann/Library/Application Support/network.cortensor.manager/nodes/node-1/logs/cortensord.log</string>"));
            assert!(plist.contains("    <string>minerv4</string>\n    <string>1</string>\n    <string>docker</string>\n"));
            assert!(plan.to_string().contains("run launchctl bootstrap gui/501 /Users/ann/Library/LaunchAgents/network.cortensor.node-1.plist"));
        });
    }

    #[test]
    fn windows_plan_registers_scheduled_tasks() {
        with_target(Os::Windows, |t| {
            let plan = install_plan(t, &nodes());
            let xml = plan
                .steps
                .iter()
                .find_map(|s| match s {
                    Step::WriteFile { path, contents, .. }
                        if path.to_string_lossy().ends_with("task.xml") =>
                    {
                        Some(contents.clone())
                    }
                    _ => None,
                })
                .expect("a task");
            assert!(xml.contains("<LogonTrigger>"));
            assert!(xml.contains(
                "<RestartOnFailure>\n      <Interval>PT1M</Interval>\n      <Count>999</Count>"
            ));
            assert!(xml.contains("<ExecutionTimeLimit>PT0S</ExecutionTimeLimit>"));
            assert!(
                xml.contains("<RunLevel>LeastPrivilege</RunLevel>"),
                "no admin rights needed"
            );
            assert!(xml.contains("data\\bin\\cortensord.exe&quot; &quot;C:\\Users\\ann\\AppData\\Roaming\\cortensor\\manager\\data\\nodes\\node-1\\.env&quot; &quot;minerv4&quot; &quot;1&quot; &quot;docker&quot;"), "{xml}");
            assert!(xml.contains("&gt;&gt; &quot;C:\\Users\\ann\\AppData\\Roaming\\cortensor\\manager\\data\\nodes\\node-1\\logs\\cortensord.log&quot; 2&gt;&amp;1"), "{xml}");
            assert!(plan
                .to_string()
                .contains("run schtasks /Create /F /TN \\Cortensor\\node-1 /XML"));
        });
    }

    #[test]
    fn control_and_uninstall_plans() {
        with_target(Os::Linux, |t| {
            let stop = control_plan(t, &nodes(), false).to_string();
            assert!(stop.contains("run systemctl --user stop cortensor-node-1.service"));
            let un = uninstall_plan(t, &nodes());
            let text = un.to_string();
            assert!(text.contains("systemctl --user disable cortensor-node-2.service (optional)"));
            assert!(text.contains("remove /home/ann/.local/share/manager/nodes/node-1"));
            assert!(text.contains("remove /home/ann/.local/share/manager/bin"));
        });
    }

    #[test]
    fn secret_files_are_not_printed() {
        let plan = Plan {
            os: Os::Linux,
            steps: vec![Step::WriteFile {
                path: "/x/.env".into(),
                contents: "NODE_PRIVATE_KEY=0xdeadbeef".into(),
                mode: 0o600,
                secret: true,
            }],
        };
        let shown = plan.to_string();
        assert!(
            !shown.contains("deadbeef") && shown.contains("hidden"),
            "{shown}"
        );
    }

    #[test]
    fn the_monitor_runs_as_a_service_on_every_os_and_is_removed_with_the_nodes() {
        let runs = |p: &Plan| -> Vec<String> {
            p.steps
                .iter()
                .filter_map(|s| match s {
                    Step::Run { program, args, .. } => {
                        Some(format!("{program} {}", args.join(" ")))
                    }
                    _ => None,
                })
                .collect()
        };
        let written = |p: &Plan| -> (PathBuf, String) {
            p.steps
                .iter()
                .find_map(|s| match s {
                    Step::WriteFile { path, contents, .. } => {
                        Some((path.clone(), contents.clone()))
                    }
                    _ => None,
                })
                .expect("a service file")
        };
        with_target(Os::Linux, |t| {
            let p = monitor_plan(t, Path::new("/opt/Cortensor Manager/cortensor-manager"));
            let (path, unit) = written(&p);
            assert!(path.ends_with(".config/systemd/user/cortensor-manager-monitor.service"));
            assert!(
                unit.lines().any(|l| l == "ExecStart=\"/opt/Cortensor Manager/cortensor-manager\" --data-dir \"/home/ann/.local/share/manager\" daemon"),
                "{unit}"
            );
            assert!(unit.contains("KillSignal=SIGINT") && unit.contains("WantedBy=default.target"));
            assert_eq!(
                runs(&p),
                [
                    "systemctl --user daemon-reload",
                    "systemctl --user enable cortensor-manager-monitor.service",
                    "systemctl --user start cortensor-manager-monitor.service"
                ]
            );
            let gone = uninstall_plan(t, &nodes()).to_string();
            assert!(
                gone.contains("systemctl --user stop cortensor-manager-monitor.service"),
                "{gone}"
            );
            assert!(gone.contains("cortensor-manager-monitor.service"));
        });
        with_target(Os::Macos, |t| {
            let p = monitor_plan(
                t,
                Path::new(
                    "/Applications/Cortensor Node Manager.app/Contents/MacOS/cortensor-manager-app",
                ),
            );
            let (path, plist) = written(&p);
            assert!(path.ends_with("Library/LaunchAgents/network.cortensor.manager-monitor.plist"));
            assert!(plist.contains("<string>--data-dir</string>\n    <string>/Users/ann/Library/Application Support/network.cortensor.manager</string>\n    <string>daemon</string>"), "{plist}");
            assert!(plist.contains("<key>RunAtLoad</key>"));
            assert_eq!(
                runs(&p)[1],
                format!("launchctl bootstrap gui/501 {}", path.display())
            );
            assert!(uninstall_plan(t, &nodes())
                .to_string()
                .contains("launchctl bootout gui/501/network.cortensor.manager-monitor"));
        });
        with_target(Os::Windows, |t| {
            let p = monitor_plan(
                t,
                Path::new("C:\\Program Files\\Cortensor\\cortensor-manager-app.exe"),
            );
            let (_, xml) = written(&p);
            assert!(
                xml.contains(
                    "<Command>C:\\Program Files\\Cortensor\\cortensor-manager-app.exe</Command>"
                ),
                "{xml}"
            );
            assert!(xml.contains("<Arguments>--data-dir &quot;C:\\Users\\ann\\AppData\\Roaming\\cortensor\\manager\\data&quot; daemon</Arguments>"), "{xml}");
            assert!(
                !xml.contains("<WorkingDirectory>"),
                "the monitor needs no working folder"
            );
            assert!(xml.contains("<LogonTrigger>"));
            assert_eq!(runs(&p)[1], "schtasks /Run /TN \\Cortensor\\monitor");
            assert!(uninstall_plan(t, &nodes())
                .to_string()
                .contains("schtasks /Delete /F /TN \\Cortensor\\monitor"));
        });
    }
}

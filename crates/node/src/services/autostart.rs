//! "Start my nodes when I log in" for machines whose nodes the embedded supervisor runs (no
//! per-user service manager to bring them back): the desktop's own login items start
//! `<exe> --data-dir DIR daemon`, which starts the nodes meant to run. As plans (data) for every
//! OS: an XDG autostart entry on Linux, a launchd agent on macOS, the `Run` registry key on
//! Windows.

use std::path::{Path, PathBuf};

use super::plan::{Plan, Step};
use super::Target;
use crate::platform::Os;

/// The name of the login item.
pub const NAME: &str = "cortensor-node-manager-autostart";
const WINDOWS_RUN_KEY: &str = r"HKCU\Software\Microsoft\Windows\CurrentVersion\Run";
const WINDOWS_VALUE: &str = "CortensorNodeManager";

/// Where the login item lives (Linux and macOS; Windows keeps it in the registry).
pub fn file(t: &Target) -> Option<PathBuf> {
    match t.os {
        Os::Linux => Some(
            t.home
                .join(".config/autostart")
                .join(format!("{NAME}.desktop")),
        ),
        Os::Macos => Some(
            t.home
                .join("Library/LaunchAgents")
                .join(format!("network.cortensor.{NAME}.plist")),
        ),
        Os::Windows => None,
    }
}

fn desktop_quote(s: &str) -> String {
    // The Desktop Entry spec: arguments with spaces in double quotes, `"`, `` ` ``, `$` and `\`
    // escaped with a backslash.
    let escaped: String = s
        .chars()
        .flat_map(|c| match c {
            '"' | '`' | '$' | '\\' => vec!['\\', c],
            c => vec![c],
        })
        .collect();
    format!("\"{escaped}\"")
}

/// The plan that turns the login item on (`on`) or off.
pub fn plan(t: &Target, exe: &Path, on: bool) -> Plan {
    let root = t.layout.root.display().to_string();
    let mut steps = Vec::new();
    match (t.os, file(t)) {
        (Os::Windows, _) => {
            let args: Vec<String> = if on {
                vec![
                    "add".into(),
                    WINDOWS_RUN_KEY.into(),
                    "/v".into(),
                    WINDOWS_VALUE.into(),
                    "/t".into(),
                    "REG_SZ".into(),
                    "/d".into(),
                    format!("\"{}\" --data-dir \"{root}\" daemon", exe.display()),
                    "/f".into(),
                ]
            } else {
                vec![
                    "delete".into(),
                    WINDOWS_RUN_KEY.into(),
                    "/v".into(),
                    WINDOWS_VALUE.into(),
                    "/f".into(),
                ]
            };
            steps.push(Step::Run {
                program: "reg".into(),
                args,
                why: if on {
                    "start the nodes when you log in".into()
                } else {
                    "no longer start the nodes at login".into()
                },
                // Deleting a value that is not there fails: nothing to undo then.
                optional: !on,
            });
        }
        (_, Some(path)) if !on => steps.push(Step::Remove { path }),
        (os, Some(path)) => {
            if let Some(dir) = path.parent() {
                steps.push(Step::CreateDir {
                    path: dir.to_path_buf(),
                });
            }
            let contents = match os {
                Os::Linux => format!(
                    "[Desktop Entry]\nType=Application\nName=Cortensor Node Manager (start nodes)\nComment=Starts your Cortensor nodes when you log in\nExec={} --data-dir {} daemon\nTerminal=false\nNoDisplay=true\nX-GNOME-Autostart-enabled=true\n",
                    desktop_quote(&exe.display().to_string()),
                    desktop_quote(&root)
                ),
                _ => super::launchd::agent_xml(
                    &format!("network.cortensor.{NAME}"),
                    &[
                        exe.display().to_string(),
                        "--data-dir".into(),
                        root.clone(),
                        "daemon".into(),
                    ],
                    &t.layout.root.join("daemon.log").display().to_string(),
                    "",
                ),
            };
            steps.push(Step::WriteFile {
                path,
                contents,
                mode: 0o644,
                secret: false,
            });
        }
        (_, None) => {}
    }
    Plan { os: t.os, steps }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::NetworkProfile;
    use crate::nodes::Layout;

    fn with_target(os: Os, f: impl FnOnce(&Target)) {
        let layout = Layout {
            root: PathBuf::from("/data/cm"),
            os,
        };
        let profile = NetworkProfile::testnet();
        let home = PathBuf::from("/home/ann");
        let t = Target {
            os,
            layout: &layout,
            profile: &profile,
            home: &home,
            user: "ann",
            uid: 1000,
        };
        f(&t);
    }

    #[test]
    fn login_items_for_every_os() {
        with_target(Os::Linux, |t| {
            let p = plan(t, Path::new("/opt/Cortensor Manager/cm"), true);
            let Step::WriteFile { path, contents, .. } = &p.steps[1] else {
                panic!("{p}")
            };
            assert_eq!(
                path,
                Path::new("/home/ann/.config/autostart/cortensor-node-manager-autostart.desktop")
            );
            assert!(
                contents.contains(
                    "Exec=\"/opt/Cortensor Manager/cm\" --data-dir \"/data/cm\" daemon\n"
                ),
                "{contents}"
            );
            assert_eq!(
                plan(t, Path::new("/x"), false).steps,
                vec![Step::Remove { path: path.clone() }]
            );
        });
        with_target(Os::Macos, |t| {
            let p = plan(t, Path::new("/Applications/CM.app/Contents/MacOS/cm"), true);
            let Step::WriteFile { path, contents, .. } = &p.steps[1] else {
                panic!("{p}")
            };
            assert!(path.ends_with(
                "Library/LaunchAgents/network.cortensor.cortensor-node-manager-autostart.plist"
            ));
            assert!(
                contents.contains("<string>daemon</string>") && contents.contains("RunAtLoad"),
                "{contents}"
            );
        });
        with_target(Os::Windows, |t| {
            let p = plan(t, Path::new(r"C:\Program Files\CM\cm.exe"), true).to_string();
            assert!(
                p.contains(r"reg add HKCU\Software\Microsoft\Windows\CurrentVersion\Run /v CortensorNodeManager"),
                "{p}"
            );
            let off = plan(t, Path::new(r"C:\cm.exe"), false).to_string();
            assert!(
                off.contains("reg delete") && off.contains("CortensorNodeManager"),
                "{off}"
            );
        });
        assert_eq!(desktop_quote("a \"b\" $c"), "\"a \\\"b\\\" \\$c\"");
    }
}

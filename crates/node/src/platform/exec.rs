//! Running external commands: the [`Runner`] trait (plans and probes take one, tests hand in
//! stand-ins) and [`SystemRunner`], which spawns real processes.

use std::ffi::OsString;
use std::process::Command;

/// Run `program args` in `cwd` with `env` added, and wait for its output (both streams kept).
pub fn output(
    program: &std::path::Path,
    args: &[String],
    cwd: &std::path::Path,
    env: &[(&str, &str)],
) -> std::io::Result<std::process::Output> {
    let mut cmd = Command::new(program);
    cmd.args(args).current_dir(cwd);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output()
}

/// Runs a plan's commands. [`SystemRunner`] spawns real processes.
pub trait Runner {
    /// Run `program args`; `Err` carries what the program said.
    fn run(&mut self, program: &str, args: &[String]) -> Result<String, String>;
}

/// Real processes, optionally with another `PATH` (tests put stand-ins for systemctl there).
#[derive(Debug, Default, Clone)]
pub struct SystemRunner {
    pub path: Option<OsString>,
}

impl Runner for SystemRunner {
    fn run(&mut self, program: &str, args: &[String]) -> Result<String, String> {
        let mut cmd = Command::new(program);
        cmd.args(args);
        if let Some(p) = &self.path {
            cmd.env("PATH", p);
        }
        match cmd.output() {
            Ok(out) if out.status.success() => {
                Ok(String::from_utf8_lossy(&out.stdout).into_owned())
            }
            Ok(out) => {
                let said = String::from_utf8_lossy(&out.stderr).trim().to_string();
                let said = if said.is_empty() {
                    String::from_utf8_lossy(&out.stdout).trim().to_string()
                } else {
                    said
                };
                Err(format!("exited with {}: {said}", out.status))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                Err(format!("`{program}` is not installed or not on PATH"))
            }
            Err(e) => Err(e.to_string()),
        }
    }
}

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

/// How long a command may take by default: probes and service-manager calls answer in
/// seconds; a hung `docker` (its daemon stuck) must not stall the daemon's loop.
pub const DEFAULT_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(20);
/// For fixes that install packages (they download).
pub const LONG_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(3600);

/// Real processes, optionally with another `PATH` (tests put stand-ins for systemctl there),
/// each given `timeout` (default [`DEFAULT_TIMEOUT`]) and killed after it.
#[derive(Debug, Default, Clone)]
pub struct SystemRunner {
    pub path: Option<OsString>,
    pub timeout: Option<std::time::Duration>,
}

impl SystemRunner {
    pub fn with_timeout(mut self, t: std::time::Duration) -> SystemRunner {
        self.timeout = Some(t);
        self
    }
}

/// Wait for `child` at most `timeout`, reading both streams meanwhile (a full pipe would stall
/// it); kill it when the time is up. `Ok(None)`: it was killed.
fn wait_bounded(
    mut child: std::process::Child,
    timeout: std::time::Duration,
) -> std::io::Result<Option<std::process::Output>> {
    use std::io::Read;
    let read = |s: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            if let Some(mut s) = s {
                let _ = s.read_to_end(&mut buf);
            }
            buf
        })
    };
    let out = read(
        child
            .stdout
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let err = read(
        child
            .stderr
            .take()
            .map(|s| Box::new(s) as Box<dyn Read + Send>),
    );
    let start = std::time::Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait()? {
            break Some(st);
        }
        if start.elapsed() >= timeout {
            // The whole group: a script's children hold the pipes too.
            super::process::kill_group(&child);
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    let (stdout, stderr) = (
        out.join().unwrap_or_default(),
        err.join().unwrap_or_default(),
    );
    Ok(status.map(|status| std::process::Output {
        status,
        stdout,
        stderr,
    }))
}

impl Runner for SystemRunner {
    fn run(&mut self, program: &str, args: &[String]) -> Result<String, String> {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .stdin(std::process::Stdio::null())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        if let Some(p) = &self.path {
            cmd.env("PATH", p);
        }
        super::process::own_group(&mut cmd);
        let timeout = self.timeout.unwrap_or(DEFAULT_TIMEOUT);
        match cmd.spawn().and_then(|c| wait_bounded(c, timeout)) {
            Ok(None) => Err(format!(
                "`{program}` did not answer within {} s (hung?); it was stopped",
                timeout.as_secs()
            )),
            Ok(Some(out)) if out.status.success() => {
                Ok(String::from_utf8_lossy(&out.stdout).into_owned())
            }
            Ok(Some(out)) => {
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

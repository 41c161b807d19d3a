//! Processes by identity: a pid plus its start time, so a pid reused by another program is never
//! mistaken for a node (and never signalled).

use std::path::Path;
use std::process::{Child, Command, Stdio};

/// A process we started (or adopted): pid and start time (clock ticks since boot on Linux).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProcId {
    pub pid: u32,
    pub start_time: u64,
}

/// The start time of `pid`, if it is alive.
pub fn start_time(pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // Field 22, counted after the command name, which is in parentheses and may hold spaces.
        let after = &stat[stat.rfind(')')? + 2..];
        let fields: Vec<&str> = after.split_whitespace().collect();
        // `after` starts at field 3 (state); starttime is field 22.
        let state = fields.first()?;
        if *state == "Z" || *state == "X" {
            return None; // a zombie is dead
        }
        fields.get(22 - 3)?.parse().ok()
    }
    #[cfg(not(target_os = "linux"))]
    {
        let mut sys = sysinfo::System::new().ok()?;
        let p = sysinfo::Pid::from_u32(pid);
        sys.refresh_processes(sysinfo::ProcessesToUpdate::Some(&[p]), true);
        sys.process(p).map(|p| p.start_time())
    }
}

/// Whether `id` is still the very process we know (same pid, same start time).
pub fn is_alive(id: ProcId) -> bool {
    start_time(id.pid) == Some(id.start_time)
}

/// Send `signal` to `id` only if it is still that process.
pub fn signal(id: ProcId, signal: i32) -> bool {
    if !is_alive(id) {
        return false;
    }
    #[cfg(unix)]
    {
        // SAFETY: kill() has no memory-safety preconditions; the pid was just re-identified.
        unsafe { libc::kill(id.pid as i32, signal) == 0 }
    }
    #[cfg(not(unix))]
    {
        let _ = signal;
        false
    }
}

#[cfg(unix)]
pub const SIGINT: i32 = libc::SIGINT;
#[cfg(unix)]
pub const SIGKILL: i32 = libc::SIGKILL;
#[cfg(not(unix))]
pub const SIGINT: i32 = 2;
#[cfg(not(unix))]
pub const SIGKILL: i32 = 9;

/// Spawn a node: its own process group (it outlives the daemon and ignores the daemon's
/// terminal signals), output appended straight to `log` (no pipe through the daemon, so a
/// daemon crash cannot take the node down with SIGPIPE), `env` added to the environment.
pub fn spawn(
    program: &Path,
    args: &[String],
    cwd: &Path,
    log: &Path,
    env: &[(&str, &str)],
) -> std::io::Result<(Child, ProcId)> {
    if let Some(dir) = log.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)?;
    let err = out.try_clone()?;
    let mut cmd = Command::new(program);
    cmd.args(args)
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(out)
        .stderr(err);
    for (k, v) in env {
        cmd.env(k, v);
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    let child = cmd.spawn()?;
    let pid = child.id();
    // The start time is readable as soon as the process exists.
    let start_time = start_time(pid).unwrap_or(0);
    Ok((child, ProcId { pid, start_time }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_of_a_real_process() {
        let mut child = Command::new("sleep").arg("5").spawn().unwrap();
        let id = ProcId {
            pid: child.id(),
            start_time: start_time(child.id()).unwrap(),
        };
        assert!(is_alive(id));
        // Same pid, another start time: a stranger. Never signalled.
        let stranger = ProcId {
            pid: id.pid,
            start_time: id.start_time + 1,
        };
        assert!(!is_alive(stranger));
        assert!(!signal(stranger, SIGKILL));
        assert!(
            is_alive(id),
            "the stranger check must not have touched the process"
        );
        assert!(signal(id, SIGKILL));
        child.wait().unwrap();
        assert!(!is_alive(id));
    }
}

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

/// The fields of `/proc/<pid>/stat` from field 3 (state) on: the command name before them is
/// in parentheses and may hold spaces. Field N is at index N − 3.
#[cfg(target_os = "linux")]
fn stat_fields(pid: u32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after = stat.get(stat.rfind(')')? + 2..)?;
    Some(after.split_whitespace().map(String::from).collect())
}

/// The start time of `pid`, if it is alive.
pub fn start_time(pid: u32) -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let fields = stat_fields(pid)?;
        let state = fields.first()?;
        if state == "Z" || state == "X" {
            return None; // a zombie is dead
        }
        // starttime is field 22.
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

/// One process's counters from `/proc/<pid>/stat` (Linux): one small read per sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatSample {
    /// User + system CPU time in clock ticks.
    pub cpu_ticks: u64,
    pub rss_bytes: u64,
    pub threads: u32,
}

/// Clock ticks per second (for [`StatSample::cpu_ticks`]).
pub fn clock_ticks_per_sec() -> f64 {
    #[cfg(unix)]
    {
        // SAFETY: sysconf has no preconditions.
        let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
        if t > 0 {
            return t as f64;
        }
    }
    100.0
}

/// `pid`'s CPU time, resident memory and threads; `None` off Linux or when it is gone.
pub fn stat_sample(pid: u32) -> Option<StatSample> {
    #[cfg(target_os = "linux")]
    {
        let f = stat_fields(pid)?;
        let field = |n: usize| f.get(n - 3)?.parse::<u64>().ok();
        // SAFETY: sysconf has no preconditions.
        let page = unsafe { libc::sysconf(libc::_SC_PAGESIZE) }.max(4096) as u64;
        Some(StatSample {
            cpu_ticks: field(14)? + field(15)?,
            rss_bytes: field(24)? * page,
            threads: field(20)? as u32,
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

/// Open files of `pid` (entries of `/proc/<pid>/fd`); `None` off Linux or when unreadable.
pub fn open_files(pid: u32) -> Option<u32> {
    #[cfg(target_os = "linux")]
    {
        Some(std::fs::read_dir(format!("/proc/{pid}/fd")).ok()?.count() as u32)
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = pid;
        None
    }
}

/// Every process's children (parent pid → child pids), from each `/proc/<pid>/stat`'s parent
/// field (field 4). `None` where the OS has no `/proc`: the caller scans with sysinfo.
pub fn children_map() -> Option<std::collections::HashMap<u32, Vec<u32>>> {
    #[cfg(target_os = "linux")]
    {
        let mut map: std::collections::HashMap<u32, Vec<u32>> = std::collections::HashMap::new();
        for entry in std::fs::read_dir("/proc").ok()?.flatten() {
            let Some(pid) = entry
                .file_name()
                .to_str()
                .and_then(|n| n.parse::<u32>().ok())
            else {
                continue;
            };
            if let Some(ppid) = stat_fields(pid).and_then(|f| f.get(4 - 3)?.parse::<u32>().ok()) {
                map.entry(ppid).or_default().push(pid);
            }
        }
        Some(map)
    }
    #[cfg(not(target_os = "linux"))]
    {
        None
    }
}

/// Let a closed standard output end the process quietly, as it does other command-line tools
/// (`cortensor-manager … | head`): Rust ignores SIGPIPE, so a write to a closed pipe would
/// otherwise panic in `println!`. Unix only; elsewhere nothing to do.
pub fn default_sigpipe() {
    #[cfg(unix)]
    // SAFETY: restoring a signal's default disposition at start-up, before any thread exists.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

/// Whether `p`'s executable or working folder is inside `dir` (a sandbox's processes: the
/// supervisor starts each node in its folder). `p` must have been refreshed with both.
pub fn runs_in(p: &sysinfo::Process, dir: &std::path::Path) -> bool {
    p.exe().is_some_and(|e| e.starts_with(dir)) || p.cwd().is_some_and(|c| c.starts_with(dir))
}

/// Kill (SIGKILL / TerminateProcess) every process whose executable or working folder is inside
/// `dir`, other than this one; how many. For sandboxes the app made and is removing (a stress
/// run's nodes: the supervisor starts each in its node folder).
pub fn kill_running_from(dir: &std::path::Path) -> usize {
    use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};
    let Ok(mut sys) = System::new() else {
        return 0;
    };
    sys.refresh_processes_specifics(
        ProcessesToUpdate::All,
        true,
        ProcessRefreshKind::nothing()
            .with_exe(UpdateKind::Always)
            .with_cmd(UpdateKind::Always)
            .with_cwd(UpdateKind::Always),
    );
    let me = std::process::id();
    let mut killed = 0;
    for (pid, p) in sys.processes() {
        if pid.as_u32() == me {
            continue;
        }
        let from_dir = runs_in(p, dir)
            || p.cmd()
                .first()
                .is_some_and(|c| std::path::Path::new(c).starts_with(dir));
        if from_dir && p.kill() {
            killed += 1;
        }
    }
    killed
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

/// Send `signal` to the process group `id` leads (a node and the workers it started), only if
/// `id` is still that process. Nodes are spawned as group leaders ([`spawn`]); for a process
/// that leads no group, this signals nothing and says so.
pub fn signal_group(id: ProcId, signal: i32) -> bool {
    if !is_alive(id) {
        return false;
    }
    #[cfg(unix)]
    {
        // SAFETY: getpgid/kill have no memory-safety preconditions; the pid was re-identified.
        unsafe {
            if libc::getpgid(id.pid as i32) != id.pid as i32 {
                return false;
            }
            libc::kill(-(id.pid as i32), signal) == 0
        }
    }
    #[cfg(not(unix))]
    {
        let _ = signal;
        false
    }
}

/// Put `cmd` in a process group of its own, so that it and what it starts can be killed
/// together ([`kill_group`]).
pub fn own_group(cmd: &mut Command) {
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    #[cfg(not(unix))]
    {
        let _ = cmd;
    }
}

/// SIGKILL the group led by our own child `child` (not reaped yet, so its pid is still ours).
pub fn kill_group(child: &Child) {
    #[cfg(unix)]
    {
        // SAFETY: kill() has no memory-safety preconditions; an unreaped child's pid cannot
        // have been reused.
        unsafe {
            libc::kill(-(child.id() as i32), libc::SIGKILL);
        }
    }
    #[cfg(not(unix))]
    {
        let _ = child;
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

/// The environment a detached process starts from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvBase {
    /// Ours, whole (the daemon: it needs the app's settings).
    Inherit,
    /// Only the user's identity and locale (a node, like under systemd): a variable of the
    /// caller's shell, such as `HOST`, never overrides the node's `.env`.
    Clean,
}

/// What a clean environment keeps of ours.
const KEPT: [&str; 10] = [
    "HOME",
    "USER",
    "LOGNAME",
    "LANG",
    "LC_ALL",
    "TZ",
    "TMPDIR",
    "XDG_RUNTIME_DIR",
    "DOCKER_HOST",
    "SYSTEMROOT",
];

/// Spawn detached: its own process group (it outlives the daemon and ignores the daemon's
/// terminal signals), output appended straight to `log` (no pipe through the parent, so a
/// parent crash cannot take it down with SIGPIPE), `env` added to the `base` environment.
pub fn spawn(
    program: &Path,
    args: &[String],
    cwd: &Path,
    log: &Path,
    base: EnvBase,
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
    if base == EnvBase::Clean {
        cmd.env_clear();
        for k in KEPT {
            if let Some(v) = std::env::var_os(k) {
                cmd.env(k, v);
            }
        }
    }
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

    #[cfg(unix)]
    #[test]
    fn signalling_a_group_reaches_the_workers_it_started() {
        let dir = tempfile::tempdir().unwrap();
        let marker = dir.path().join("worker.pid");
        let (mut child, id) = spawn(
            Path::new("/bin/sh"),
            &[
                "-c".into(),
                format!("/bin/sleep 300 & echo $! > {}; wait", marker.display()),
            ],
            dir.path(),
            &dir.path().join("log"),
            EnvBase::Inherit,
            &[],
        )
        .unwrap();
        let t = std::time::Instant::now();
        while !marker.exists() && t.elapsed() < std::time::Duration::from_secs(5) {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        let worker: u32 = std::fs::read_to_string(&marker)
            .unwrap()
            .trim()
            .parse()
            .unwrap();
        let worker_id = ProcId {
            pid: worker,
            start_time: start_time(worker).unwrap(),
        };
        assert!(signal_group(id, SIGKILL));
        let _ = child.wait();
        let t = std::time::Instant::now();
        while is_alive(worker_id) && t.elapsed() < std::time::Duration::from_secs(5) {
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        // (A zombie until init reaps it counts as gone: its start time is still readable, so
        // look at its state.)
        let state = std::fs::read_to_string(format!("/proc/{worker}/stat")).unwrap_or_default();
        assert!(
            state.is_empty() || state.contains(") Z "),
            "the worker survived: {state}"
        );
        // A process that leads no group is not signalled as one.
        let mut plain = Command::new("sleep").arg("5").spawn().unwrap();
        let pid = plain.id();
        let plain_id = ProcId {
            pid,
            start_time: start_time(pid).unwrap(),
        };
        assert!(!signal_group(plain_id, SIGKILL));
        assert!(signal(plain_id, SIGKILL));
        let _ = plain.wait();
    }

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

    #[cfg(target_os = "linux")]
    #[test]
    fn threads_and_children_from_proc() {
        let mut child = Command::new("sleep").arg("30").spawn().unwrap();
        let me = std::process::id();
        let helper =
            std::thread::spawn(|| std::thread::sleep(std::time::Duration::from_millis(300)));
        assert!(
            stat_sample(me).unwrap().threads >= 2,
            "this test and its helper thread"
        );
        assert_eq!(stat_sample(child.id()).map(|s| s.threads), Some(1));
        let sample = stat_sample(me).unwrap();
        assert!(
            sample.threads >= 2 && sample.rss_bytes > 1 << 20,
            "{sample:?}"
        );
        assert!(
            open_files(me).unwrap() >= 3,
            "stdin, stdout, stderr at least"
        );
        assert!(children_map().unwrap()[&me].contains(&child.id()));
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(
            stat_sample(child.id()).is_none(),
            "a reaped process has no stat"
        );
        helper.join().unwrap();
    }
}

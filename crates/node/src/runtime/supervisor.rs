//! The embedded supervisor (`cortensor-manager daemon`) for machines without a per-user service
//! manager: spawns nodes, restarts crashed ones with capped exponential backoff (reset after a
//! stable period), stops them gracefully (SIGINT, then SIGKILL after a timeout), rotates their
//! logs (copy-truncate), and re-adopts nodes left running by a previous daemon, identified by
//! pid *and* start time so that a reused pid is never signalled.
//!
//! What the user wants (`desired`) and what is (`state`) meet in the store's `runtime` table:
//! the CLI and the app write `desired`, the daemon acts and records what it sees.

use std::collections::{BTreeMap, VecDeque};
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

use crate::keys::{Keychain, Secret};
use crate::network::NetworkProfile;
use crate::nodes::Layout;
use crate::platform::process::{self, ProcId};
use crate::store::Store;

#[derive(Debug, Clone)]
pub struct Config {
    pub tick: Duration,
    pub backoff_initial: Duration,
    pub backoff_max: Duration,
    /// A node that ran this long without crashing gets its backoff reset.
    pub stable_after: Duration,
    pub stop_timeout: Duration,
    /// This many crashes within `crash_window` is a crash loop (an alert).
    pub crash_loop_count: usize,
    pub crash_window: Duration,
    /// Pause between two node starts, so they do not all pull images at once.
    pub stagger: Duration,
    pub log_max_bytes: u64,
    pub log_keep: u32,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            tick: Duration::from_millis(200),
            backoff_initial: Duration::from_millis(250),
            backoff_max: Duration::from_secs(60),
            stable_after: Duration::from_secs(300),
            stop_timeout: Duration::from_secs(20),
            crash_loop_count: 5,
            crash_window: Duration::from_secs(120),
            stagger: Duration::from_millis(500),
            log_max_bytes: 10 << 20,
            log_keep: 5,
        }
    }
}

#[derive(Debug)]
struct Running {
    id: ProcId,
    /// Our child (reaped with try_wait); `None` for a process adopted from an earlier daemon.
    child: Option<Child>,
    since: Instant,
    started_at: i64,
}

#[derive(Debug)]
struct Slot {
    running: Option<Running>,
    stopping_since: Option<Instant>,
    backoff: Duration,
    next_start: Option<Instant>,
    crashes: VecDeque<Instant>,
    restarts: u32,
    last_exit: Option<String>,
    nonce: i64,
    looping_alerted: bool,
    reason: String,
    /// What was last written to the store, to write only changes.
    recorded: Option<(Option<u32>, &'static str, String, u32, Option<String>)>,
}

impl Slot {
    fn new(backoff: Duration) -> Slot {
        Slot {
            running: None,
            stopping_since: None,
            backoff,
            next_start: None,
            crashes: VecDeque::new(),
            restarts: 0,
            last_exit: None,
            nonce: 0,
            looping_alerted: false,
            reason: String::new(),
            recorded: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DaemonError {
    #[error("another supervisor is already running for {0}; stop it first, or use it")]
    AlreadyRunning(String),
    #[error("cannot lock {path}: {reason}")]
    Lock { path: String, reason: String },
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

pub use crate::platform::clock::now_unix;

/// The daemon's lock file; held for the daemon's whole life.
pub fn lock_path(layout: &Layout) -> PathBuf {
    layout.root.join("daemon.lock")
}

fn open_lock(layout: &Layout) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(lock_path(layout))
}

/// Whether a daemon holds the lock.
pub fn daemon_running(layout: &Layout) -> bool {
    let Ok(f) = open_lock(layout) else {
        return false;
    };
    match f.try_lock() {
        Ok(()) => {
            let _ = f.unlock();
            false
        }
        Err(_) => true,
    }
}

/// Take the daemon's lock (one daemon per data folder) and write our pid in it. Held as long
/// as the returned file lives.
pub fn take_lock(layout: &Layout) -> Result<std::fs::File, DaemonError> {
    let path = lock_path(layout);
    let failed = |e: std::io::Error| DaemonError::Lock {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    std::fs::create_dir_all(&layout.root).map_err(failed)?;
    let lock = open_lock(layout).map_err(failed)?;
    if lock.try_lock().is_err() {
        return Err(DaemonError::AlreadyRunning(
            layout.root.display().to_string(),
        ));
    }
    // The holder's pid, for people and tools (the lock itself is what counts).
    {
        use std::io::Write;
        let _ = lock.set_len(0);
        let _ = writeln!(&lock, "{}", std::process::id());
    }
    Ok(lock)
}

/// How often the nodes' log sizes are checked for rotation.
const ROTATION_CHECK_EVERY: Duration = Duration::from_secs(5);

pub struct Supervisor<'a> {
    layout: &'a Layout,
    store: &'a Store,
    keychain: Option<&'a Keychain>,
    profile: &'a NetworkProfile,
    cfg: Config,
    slots: BTreeMap<u32, Slot>,
    keys: BTreeMap<u32, Secret>,
    last_start: Option<Instant>,
    last_rotation_check: Instant,
    /// The node list, re-read every few seconds (it changes only when nodes are added).
    nodes: Vec<crate::store::NodeRecord>,
    nodes_read: Option<Instant>,
    /// Desired state and restart nonce per node, with the store's data version they were read at.
    wanted: Option<(i64, BTreeMap<u32, (String, i64)>)>,
    _lock: std::fs::File,
}

impl<'a> Supervisor<'a> {
    /// Take the lock and adopt the nodes a previous daemon left running.
    pub fn new(
        layout: &'a Layout,
        store: &'a Store,
        keychain: Option<&'a Keychain>,
        profile: &'a NetworkProfile,
        cfg: Config,
    ) -> Result<Supervisor<'a>, DaemonError> {
        let lock = take_lock(layout)?;
        let mut s = Supervisor {
            layout,
            store,
            keychain,
            profile,
            slots: BTreeMap::new(),
            keys: BTreeMap::new(),
            last_start: None,
            last_rotation_check: Instant::now(),
            nodes: Vec::new(),
            nodes_read: None,
            wanted: None,
            cfg,
            _lock: lock,
        };
        s.adopt()?;
        Ok(s)
    }

    fn adopt(&mut self) -> Result<(), DaemonError> {
        for r in self.store.runtime()? {
            let mut slot = Slot::new(self.cfg.backoff_initial);
            slot.restarts = r.restarts;
            slot.last_exit = r.last_exit.clone();
            slot.nonce = r.restart_nonce;
            if let (Some(pid), Some(st)) = (r.pid, r.start_time) {
                let id = ProcId {
                    pid,
                    start_time: st as u64,
                };
                if process::is_alive(id) {
                    slot.running = Some(Running {
                        id,
                        child: None,
                        since: Instant::now(),
                        started_at: r.started_at.unwrap_or_else(now_unix),
                    });
                    slot.reason = "adopted from the previous supervisor".into();
                }
            }
            self.slots.insert(r.node_id, slot);
        }
        Ok(())
    }

    fn key(&mut self, id: u32, address: &str) -> Option<Secret> {
        if let Some(k) = self.keys.get(&id) {
            return Some(k.clone());
        }
        let k = self.keychain?.load(address).ok()?.private_key;
        self.keys.insert(id, k.clone());
        Some(k)
    }

    fn args(&self, id: u32) -> Vec<String> {
        crate::nodes::cortensord_args(self.layout, self.profile, id)
    }

    fn alert(&self, node: u32, kind: &str, message: &str) {
        let _ = self.store.add_alert(Some(node), kind, message, now_unix());
    }

    /// One pass: reap, restart, start, stop, record, rotate. Returns whether a node's recorded
    /// state changed (so the monitor can look at once rather than at its next sample).
    pub fn tick(&mut self) -> Result<bool, DaemonError> {
        let mut changed = false;
        let now = Instant::now();
        if self
            .nodes_read
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(3))
        {
            self.nodes = self.store.nodes()?;
            self.nodes_read = Some(now);
        }
        let nodes = self.nodes.clone();
        // What the user wants changes only when another process (CLI, app) writes it.
        let version = self.store.data_version()?;
        if self.wanted.as_ref().is_none_or(|(v, _)| *v != version) {
            let read = self
                .store
                .runtime()?
                .into_iter()
                .map(|r| (r.node_id, (r.desired, r.restart_nonce)))
                .collect();
            self.wanted = Some((version, read));
        }
        let wanted = self
            .wanted
            .as_ref()
            .map(|(_, w)| w.clone())
            .unwrap_or_default();
        for n in &nodes {
            let id = n.spec.id;
            let (desired, nonce) = wanted.get(&id).cloned().unwrap_or(("stopped".into(), 0));
            let initial = self.cfg.backoff_initial;
            let slot = self.slots.entry(id).or_insert_with(|| Slot::new(initial));

            // 1. Has the process exited?
            let mut exited: Option<String> = None;
            if let Some(run) = slot.running.as_mut() {
                match run.child.as_mut() {
                    Some(c) => match c.try_wait() {
                        Ok(Some(status)) => exited = Some(describe_exit(status)),
                        Ok(None) => {}
                        Err(e) => exited = Some(format!("lost track of it ({e})")),
                    },
                    None => {
                        if !process::is_alive(run.id) {
                            exited = Some("exited while adopted (exit status unknown)".into());
                        }
                    }
                }
            }
            if let Some(how) = exited {
                let run = slot.running.take().expect("was running");
                slot.last_exit = Some(how.clone());
                if slot.stopping_since.take().is_some() || desired != "running" {
                    slot.reason = "stopped".into();
                } else {
                    // A crash: restart after the backoff.
                    if now.duration_since(run.since) >= self.cfg.stable_after {
                        slot.backoff = self.cfg.backoff_initial;
                        slot.looping_alerted = false;
                    }
                    slot.crashes.push_back(now);
                    while slot
                        .crashes
                        .front()
                        .is_some_and(|t| now.duration_since(*t) > self.cfg.crash_window)
                    {
                        slot.crashes.pop_front();
                    }
                    slot.next_start = Some(now + slot.backoff);
                    slot.reason = format!(
                        "crashed ({how}); restarting in {:.1} s",
                        slot.backoff.as_secs_f64()
                    );
                    slot.backoff = (slot.backoff * 2).min(self.cfg.backoff_max);
                    if slot.crashes.len() >= self.cfg.crash_loop_count && !slot.looping_alerted {
                        slot.looping_alerted = true;
                        let msg = format!(
                            "node {id} crashed {} times in {} s (last: {how}); restarts are slowed down (next in {:.0} s)",
                            slot.crashes.len(),
                            self.cfg.crash_window.as_secs(),
                            slot.backoff.as_secs_f64()
                        );
                        let _ = self
                            .store
                            .add_alert(Some(id), "crash_loop", &msg, now_unix());
                    }
                }
            }

            // 2. A restart was asked: stop, and start again once stopped.
            if nonce != slot.nonce {
                slot.nonce = nonce;
                if let Some(run) = slot.running.as_ref() {
                    if slot.stopping_since.is_none() {
                        process::signal(run.id, process::SIGINT);
                        slot.stopping_since = Some(now);
                    }
                }
                slot.next_start = None;
                slot.backoff = self.cfg.backoff_initial;
            }

            // 3. Stop what should not run; escalate when it takes too long.
            if desired != "running" {
                slot.next_start = None;
                if let Some(run) = slot.running.as_ref() {
                    match slot.stopping_since {
                        None => {
                            process::signal(run.id, process::SIGINT);
                            slot.stopping_since = Some(now);
                            slot.reason = "stopping (SIGINT sent)".into();
                        }
                        Some(t) if now.duration_since(t) >= self.cfg.stop_timeout => {
                            process::signal(run.id, process::SIGKILL);
                            slot.reason = format!(
                                "did not stop within {} s: killed",
                                self.cfg.stop_timeout.as_secs()
                            );
                        }
                        _ => {}
                    }
                }
            } else if let Some(t) = slot.stopping_since {
                // Being restarted: escalate the same way.
                if let Some(run) = slot.running.as_ref() {
                    if now.duration_since(t) >= self.cfg.stop_timeout {
                        process::signal(run.id, process::SIGKILL);
                    }
                }
            }
        }

        // 4. Start what should run (staggered).
        for n in &nodes {
            let id = n.spec.id;
            let desired = wanted.get(&id).map(|w| w.0.as_str()).unwrap_or("stopped");
            let due = {
                let slot = &self.slots[&id];
                desired == "running"
                    && slot.running.is_none()
                    && slot.next_start.is_none_or(|t| now >= t)
            };
            let stagger_ok = self
                .last_start
                .is_none_or(|t| now.duration_since(t) >= self.cfg.stagger);
            if due && stagger_ok {
                self.start(id, &n.spec.address);
            }
        }

        // 5. Record what changed.
        let stamp = now_unix();
        for (id, slot) in self.slots.iter_mut() {
            let desired = wanted.get(id).map(|w| w.0.as_str()).unwrap_or("stopped");
            let state = match (&slot.running, slot.stopping_since, desired) {
                (Some(_), Some(_), _) => "stopping",
                (Some(r), None, _)
                    if now.duration_since(r.since) < Duration::from_secs(30)
                        && r.child.is_some() =>
                {
                    "starting"
                }
                (Some(_), None, _) => "running",
                (None, _, "running") if slot.next_start.is_some() => "backoff",
                (None, _, "running") => "failed",
                (None, _, _) => "stopped",
            };
            let run = slot.running.as_ref();
            let now_view = (
                run.map(|r| r.id.pid),
                state,
                slot.reason.clone(),
                slot.restarts,
                slot.last_exit.clone(),
            );
            if slot.recorded.as_ref() == Some(&now_view) {
                continue;
            }
            self.store.record_runtime(
                *id,
                run.map(|r| r.id.pid),
                run.map(|r| r.id.start_time),
                state,
                &slot.reason,
                slot.restarts,
                slot.last_exit.as_deref(),
                run.map(|r| r.started_at),
                stamp,
            )?;
            slot.recorded = Some(now_view);
            changed = true;
        }

        // 6. Rotate logs every few seconds (a log grows far less than its limit in that time).
        if now.duration_since(self.last_rotation_check) >= ROTATION_CHECK_EVERY {
            self.last_rotation_check = now;
            for id in self.slots.keys() {
                let _ = crate::platform::fs::rotate(
                    &self.layout.log_file(*id),
                    self.cfg.log_max_bytes,
                    self.cfg.log_keep,
                );
            }
        }
        Ok(changed)
    }

    fn start(&mut self, id: u32, address: &str) {
        let key = self.key(id, address);
        let binary = self.layout.binary();
        let args = self.args(id);
        let env: Vec<(&str, &str)> = key
            .as_ref()
            .map(|k| vec![("NODE_PRIVATE_KEY", k.expose())])
            .unwrap_or_default();
        let result = process::spawn(
            &binary,
            &args,
            &self.layout.node_dir(id),
            &self.layout.log_file(id),
            &env,
        );
        let slot = self.slots.get_mut(&id).expect("slot exists");
        self.last_start = Some(Instant::now());
        slot.next_start = None;
        match result {
            Ok((child, pid)) => {
                if slot.last_exit.is_some() || slot.restarts > 0 || !slot.crashes.is_empty() {
                    slot.restarts += u32::from(!slot.crashes.is_empty());
                }
                slot.running = Some(Running {
                    id: pid,
                    child: Some(child),
                    since: Instant::now(),
                    started_at: now_unix(),
                });
                slot.reason = if slot.crashes.is_empty() {
                    "started".into()
                } else {
                    format!("restarted after a crash ({} restarts)", slot.restarts)
                };
            }
            Err(e) => {
                slot.next_start = Some(Instant::now() + slot.backoff);
                slot.reason = format!(
                    "could not start {}: {}",
                    binary.display(),
                    crate::platform::fs::explain_io(&e)
                );
                slot.backoff = (slot.backoff * 2).min(self.cfg.backoff_max);
                let msg = slot.reason.clone();
                self.alert(id, "start_failed", &msg);
            }
        }
    }

    /// How often [`Supervisor::tick`] should run.
    pub fn tick_interval(&self) -> Duration {
        self.cfg.tick
    }
}

fn describe_exit(status: std::process::ExitStatus) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        if let Some(sig) = status.signal() {
            return format!("killed by signal {sig}");
        }
    }
    match status.code() {
        Some(c) => format!("exit code {c}"),
        None => "exited".into(),
    }
}

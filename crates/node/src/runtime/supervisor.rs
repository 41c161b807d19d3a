//! The embedded supervisor (`cortensor-manager daemon`) for machines without a per-user service
//! manager: spawns nodes, restarts crashed ones with capped exponential backoff (reset after a
//! stable period), stops them gracefully (SIGINT, then SIGKILL after a timeout), rotates their
//! logs (copy-truncate), and re-adopts nodes left running by a previous daemon, identified by
//! pid *and* start time so that a reused pid is never signalled.
//!
//! What the user wants (`desired`) and what is (`state`) meet in the store's `runtime` table:
//! the CLI and the app write `desired`, the daemon acts and records what it sees. Each tick
//! observes (store, exited processes), lets [`super::decide`] decide (pure), then acts
//! (signals, spawns, alerts, store writes) here.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Child;
use std::time::{Duration, Instant};

use super::decide::{self, Effect, Run, Slot, Wanted};

use crate::keys::{Keychain, Secret};
use crate::network::NetworkProfile;
use crate::nodes::Layout;
use crate::platform::process::{self, ProcId};
use crate::store::Store;

pub use super::decide::Config;

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
    crate::platform::fs::open_lock_file(&lock_path(layout))
}

/// Whether a daemon holds the lock.
pub fn daemon_running(layout: &Layout) -> bool {
    let Ok(f) = open_lock(layout) else {
        return false;
    };
    // A shared lock: a daemon holds it exclusively, so this fails exactly while one runs; and
    // it is never the daemon's own exclusive lock (a daemon starting this instant retries).
    match f.try_lock_shared() {
        Ok(()) => {
            let _ = f.unlock();
            false
        }
        Err(_) => true,
    }
}

/// How long a starting daemon retries its lock (a probe may hold it shared for an instant).
const LOCK_PATIENCE: Duration = Duration::from_secs(1);

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
    let start = Instant::now();
    while lock.try_lock().is_err() {
        if start.elapsed() >= LOCK_PATIENCE {
            return Err(DaemonError::AlreadyRunning(
                layout.root.display().to_string(),
            ));
        }
        std::thread::sleep(Duration::from_millis(10));
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
    /// Our children, reaped with `try_wait` (adopted processes have none).
    children: BTreeMap<u32, Child>,
    /// What was last written to the store per node, to write only changes.
    recorded: BTreeMap<u32, decide::Record>,
    keys: BTreeMap<u32, Secret>,
    last_start: Option<Instant>,
    last_rotation_check: Instant,
    /// The node list, re-read every few seconds (it changes only when nodes are added).
    nodes: Vec<crate::store::NodeRecord>,
    nodes_read: Option<Instant>,
    /// Desired state and restart nonce per node, with the store's data version they were read at.
    wanted: Option<(i64, BTreeMap<u32, Wanted>)>,
    /// The machine's first start in progress, read with `wanted`.
    first_start: Option<crate::first_start::FirstStart>,
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
            children: BTreeMap::new(),
            recorded: BTreeMap::new(),
            keys: BTreeMap::new(),
            last_start: None,
            last_rotation_check: Instant::now(),
            nodes: Vec::new(),
            nodes_read: None,
            wanted: None,
            first_start: None,
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
                    slot.running = Some(Run {
                        id,
                        ours: false,
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

    /// One pass: observe (the store, exited processes), decide, act (signal, start, alert),
    /// record, rotate. Returns whether a node's recorded state changed (so the monitor can look
    /// at once rather than at its next sample).
    pub fn tick(&mut self) -> Result<bool, DaemonError> {
        let now = Instant::now();
        if self
            .nodes_read
            .is_none_or(|t| now.duration_since(t) >= Duration::from_secs(3))
        {
            self.nodes = self.store.nodes()?;
            self.nodes_read = Some(now);
        }
        // What the user wants changes only when another process (CLI, app) writes it.
        let version = self.store.data_version()?;
        if self.wanted.as_ref().is_none_or(|(v, _)| *v != version) {
            let read = self
                .store
                .runtime()?
                .into_iter()
                .map(|r| {
                    let w = Wanted {
                        running: r.desired == "running",
                        nonce: r.restart_nonce,
                    };
                    (r.node_id, w)
                })
                .collect();
            self.wanted = Some((version, read));
            self.first_start = crate::first_start::load(self.store);
        } else if self.first_start.is_some() {
            // The daemon ends it through this same connection (no data_version change).
            self.first_start = crate::first_start::load(self.store);
        }
        let wanted = self
            .wanted
            .as_ref()
            .map(|(_, w)| w.clone())
            .unwrap_or_default();
        let ids: Vec<u32> = self.nodes.iter().map(|n| n.spec.id).collect();

        let exits = self.observe_exits();
        let held: BTreeMap<u32, String> = self
            .first_start
            .as_ref()
            .map(|fs| {
                let why = crate::first_start::held_reason(fs, now_unix());
                fs.held.iter().map(|id| (*id, why.clone())).collect()
            })
            .unwrap_or_default();
        let effects = decide::decide(
            &mut self.slots,
            &ids,
            &wanted,
            &exits,
            &held,
            self.last_start,
            &self.cfg,
            now,
        );
        for effect in effects {
            self.act(effect);
        }

        let mut changed = false;
        let stamp = now_unix();
        for r in decide::records(&self.slots, &wanted, Instant::now()) {
            let view = (&r.pid, r.state, &r.reason, r.restarts, &r.last_exit);
            let same = self.recorded.get(&r.node).is_some_and(|old| {
                (
                    &old.pid,
                    old.state,
                    &old.reason,
                    old.restarts,
                    &old.last_exit,
                ) == view
            });
            if same {
                continue;
            }
            self.store.record_runtime(
                r.node,
                r.pid,
                r.start_time,
                r.state,
                &r.reason,
                r.restarts,
                r.last_exit.as_deref(),
                r.started_at,
                stamp,
            )?;
            self.recorded.insert(r.node, r);
            changed = true;
        }

        // Rotate logs every few seconds (a log grows far less than its limit in that time).
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

    /// The nodes whose process is gone since the last tick, with how it ended.
    fn observe_exits(&mut self) -> BTreeMap<u32, String> {
        let mut exits = BTreeMap::new();
        for (id, slot) in &self.slots {
            let Some(run) = &slot.running else { continue };
            let how = match self.children.get_mut(id) {
                Some(c) => match c.try_wait() {
                    Ok(Some(status)) => Some(describe_exit(status)),
                    Ok(None) => None,
                    Err(e) => Some(format!("lost track of it ({e})")),
                },
                None if !process::is_alive(run.id) => {
                    Some("exited while adopted (exit status unknown)".to_string())
                }
                None => None,
            };
            if let Some(how) = how {
                self.children.remove(id);
                exits.insert(*id, how);
            }
        }
        exits
    }

    fn act(&mut self, effect: Effect) {
        match effect {
            Effect::Signal { id, kill, .. } => {
                let sig = if kill {
                    process::SIGKILL
                } else {
                    process::SIGINT
                };
                // The whole group (the node and the workers it started, as systemd's
                // control-group stop does), or the process alone if it leads none (adopted).
                if !process::signal_group(id, sig) {
                    process::signal(id, sig);
                }
            }
            Effect::Alert {
                node,
                kind,
                message,
            } => self.alert(node, kind, &message),
            Effect::Start { node } => {
                let outcome = self.spawn(node);
                self.last_start = Some(Instant::now());
                let slot = self.slots.get_mut(&node).expect("decided for a known node");
                if let Some(alert) = decide::started(slot, node, outcome, &self.cfg, Instant::now())
                {
                    self.act(alert);
                }
            }
        }
    }

    /// Spawn node `id` (its key handed in the environment); keep the child to reap it.
    fn spawn(&mut self, id: u32) -> Result<(ProcId, i64), String> {
        let address = self
            .nodes
            .iter()
            .find(|n| n.spec.id == id)
            .map(|n| n.spec.address.clone())
            .unwrap_or_default();
        let key = self.key(id, &address);
        let binary = self.layout.binary();
        let args = self.args(id);
        let launch = crate::nodes::launch_env(self.layout, id, crate::platform::Os::current());
        let mut env: Vec<(&str, &str)> = launch
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        if let Some(k) = &key {
            env.push(("NODE_PRIVATE_KEY", k.expose()));
        }
        match process::spawn(
            &binary,
            &args,
            &self.layout.node_dir(id),
            &self.layout.log_file(id),
            process::EnvBase::Clean,
            &env,
        ) {
            Ok((child, pid)) => {
                self.children.insert(id, child);
                Ok((pid, now_unix()))
            }
            Err(e) => Err(format!(
                "could not start {}: {}",
                binary.display(),
                crate::platform::fs::explain_io(&e)
            )),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probing_for_a_daemon_never_keeps_one_from_starting() {
        let d = tempfile::tempdir().unwrap();
        let layout = Layout::new(d.path());
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (l2, s2) = (layout.clone(), stop.clone());
        let prober = std::thread::spawn(move || {
            let mut seen = 0;
            while !s2.load(std::sync::atomic::Ordering::SeqCst) {
                seen += usize::from(daemon_running(&l2));
            }
            seen
        });
        for _ in 0..2000 {
            let held =
                take_lock(&layout).expect("a probe must not make a daemon think another runs");
            assert!(daemon_running(&layout));
            drop(held);
        }
        stop.store(true, std::sync::atomic::Ordering::SeqCst);
        assert!(prober.join().unwrap() > 0, "the prober saw the daemons");
        // Two daemons at once: the second is refused.
        let first = take_lock(&layout).unwrap();
        assert!(matches!(
            take_lock(&layout),
            Err(DaemonError::AlreadyRunning(_))
        ));
        drop(first);
    }
}

//! `update`: find a newer release, download and verify it, stop the nodes, swap, start, and
//! health-check; if a node does not become healthy within the window, put the previous binary
//! back, restart, and say so.

use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::binary::{self, BinaryError};
use super::download::{DownloadOptions, Progress};
use super::setup::{Backend, Context};
use super::source::{resolve, resolve_with, ReleaseSource};
use crate::health::logs::{Follower, Line, LogRules};
use crate::nodes::NodeSpec;
use crate::platform::exec::Runner;
use crate::platform::{Arch, Os};
use crate::services::apply as exec;
use crate::services::plan;
use crate::store::InstallRecord;

/// A log line that shows the node making progress.
/// How long a node has after a Python exception (a `Traceback`) to show progress again before
/// the exception counts as a crash (what community watchers allow before restarting).
pub const TRACEBACK_GRACE: Duration = Duration::from_secs(240);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UpdateOutcome {
    pub from: Option<String>,
    pub to: String,
    pub up_to_date: bool,
    /// Set when the new binary failed its health check and the previous one was restored.
    pub rolled_back: Option<String>,
}

/// Whether the source has a newer release than the one installed (nothing is changed).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UpdateCheck {
    pub installed: Option<String>,
    pub available: String,
    pub update_available: bool,
    pub source: String,
}

/// Ask `source` for its newest release and compare it with the installed one.
pub fn check(
    store: &crate::store::Store,
    source: &ReleaseSource,
) -> Result<UpdateCheck, UpdateError> {
    let resolved = resolve_with(source, Os::current(), Arch::current(), Some(store))
        .map_err(BinaryError::from)?;
    let installed = store.installed()?;
    // An older release is not an update (a rewound `main`, a replayed manifest).
    let older = binary::check_not_older(installed.as_ref(), &resolved, false).is_err();
    Ok(UpdateCheck {
        update_available: !older
            && installed
                .as_ref()
                .is_none_or(|i| i.sha256 != resolved.artifact.sha256),
        installed: installed.map(|i| i.version),
        available: resolved.version,
        source: source.describe(),
    })
}

#[derive(Debug, thiserror::Error)]
pub enum UpdateError {
    #[error(transparent)]
    Binary(#[from] BinaryError),
    #[error(transparent)]
    Exec(#[from] exec::ExecError),
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    #[error("cortensord is not installed yet; run `cortensor-manager install` first")]
    NotInstalled,
}

/// The health of one node after a (re)start, judged from its log.
#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    Healthy,
    Unhealthy(String),
}

/// One node's health window, judged from its log lines by the log rules (`rules/logs.toml`):
/// healthy when it shows progress (a session state, a ping, a transaction); a `Traceback` counts
/// as a crash only if no progress follows within the grace. Pure: the caller hands the time.
#[derive(Debug, Clone, Default)]
pub struct Judge {
    progressed: bool,
    /// When the last unresolved Traceback was seen, and the line that followed it (what failed).
    traceback: Option<(Duration, String)>,
}

impl Judge {
    /// Feed one new line seen at `at` (time since the window opened).
    pub fn feed(&mut self, line: &str, at: Duration, rules: &LogRules) {
        match rules.parse_line(line) {
            Line::Event { kind, .. } => match kind.as_str() {
                "traceback" => self.traceback = Some((at, String::new())),
                "session_state" | "session_id" | "session_state_only" | "ping" | "tx"
                | "assigned" | "event" | "event_stats" => {
                    self.progressed = true;
                    self.traceback = None;
                }
                _ => {}
            },
            _ => {
                // The exception's last line (e.g. `RuntimeError: boom`) says what failed.
                if let Some((_, what)) = self.traceback.as_mut() {
                    if !line.trim().is_empty() && !line.starts_with(' ') {
                        *what = line.trim().to_string();
                    }
                }
            }
        }
    }

    /// A verdict before the window ends: a Traceback with no progress for `grace`.
    pub fn early(&self, now: Duration, grace: Duration) -> Option<Health> {
        match &self.traceback {
            Some((at, what)) if now.saturating_sub(*at) >= grace => Some(crashed(what)),
            _ => None,
        }
    }

    /// Whether the window must stay open past its end: a Traceback still within its grace.
    pub fn pending(&self, now: Duration, grace: Duration) -> bool {
        self.traceback
            .as_ref()
            .is_some_and(|(at, _)| now.saturating_sub(*at) < grace)
    }

    /// The verdict when the window ends.
    pub fn verdict(&self, window: Duration) -> Health {
        match (&self.traceback, self.progressed) {
            (Some((_, what)), _) => crashed(what),
            (None, true) => Health::Healthy,
            (None, false) => Health::Unhealthy(format!(
                "it showed no progress within {} s",
                window.as_secs()
            )),
        }
    }
}

fn crashed(what: &str) -> Health {
    Health::Unhealthy(if what.is_empty() {
        "it crashed (a Python exception, and no progress after it)".into()
    } else {
        format!("it crashed: {what} (and showed no progress after it)")
    })
}

/// Watch the nodes' logs for `window` (from where each follower stands: what was logged before
/// the restart does not count; a rotation is followed), longer while a Traceback is within its
/// `grace`; see [`Judge`].
pub fn watch(
    mut logs: Vec<(u32, Follower)>,
    window: Duration,
    grace: Duration,
) -> Vec<(u32, Health)> {
    let rules = LogRules::builtin();
    let start = Instant::now();
    let mut judges: Vec<Judge> = vec![Judge::default(); logs.len()];
    let mut early: Vec<Option<Health>> = vec![None; logs.len()];
    loop {
        let now = start.elapsed();
        for (i, (_, follower)) in logs.iter_mut().enumerate() {
            for line in follower.poll() {
                judges[i].feed(&line, now, &rules);
            }
            if early[i].is_none() {
                early[i] = judges[i].early(now, grace);
            }
        }
        let open = judges
            .iter()
            .zip(&early)
            .any(|(j, e)| e.is_none() && j.pending(now, grace));
        if early.iter().all(Option::is_some) || (now >= window && !open) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    logs.iter()
        .zip(judges)
        .zip(early)
        .map(|(((id, _), j), e)| (*id, e.unwrap_or_else(|| j.verdict(window))))
        .collect()
}

/// The nodes an update restarts: every node with OS services (the service manager runs them
/// all); with the supervisor, those meant to run.
fn to_restart(cx: &Context, nodes: &[NodeSpec]) -> Result<Vec<NodeSpec>, UpdateError> {
    Ok(match cx.backend {
        Backend::OsService => nodes.to_vec(),
        Backend::Supervisor => {
            let running: Vec<u32> = cx
                .store
                .runtime()?
                .into_iter()
                .filter(|r| r.desired == "running")
                .map(|r| r.node_id)
                .collect();
            nodes
                .iter()
                .filter(|n| running.contains(&n.id))
                .cloned()
                .collect()
        }
    })
}

/// Start the nodes again one at a time, node 1 (the IPFS server) first: each next one once the
/// one before logged a line (or after `each` at most). Returns followers from before each start.
fn restart(
    cx: &Context,
    nodes: &[NodeSpec],
    runner: &mut dyn Runner,
    each: Duration,
) -> Result<Vec<(u32, Follower)>, UpdateError> {
    let mut ordered = nodes.to_vec();
    ordered.sort_by_key(|n| (!n.ipfs_server, n.id));
    let mut followers = Vec::new();
    for n in &ordered {
        let mut first = Follower::new(&cx.layout.log_file(n.id), false);
        followers.push((n.id, Follower::new(&cx.layout.log_file(n.id), false)));
        match cx.backend {
            Backend::OsService => {
                exec::apply(
                    &plan::start_plan(&cx.target, std::slice::from_ref(n)),
                    runner,
                )?;
            }
            // The daemon restarts it (a new restart nonce).
            Backend::Supervisor => cx.store.set_desired(n.id, "running", true)?,
        }
        let started = Instant::now();
        while first.poll().is_empty() && started.elapsed() < each {
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    Ok(followers)
}

/// Update to the newest release of `source`, with automatic rollback.
#[allow(clippy::too_many_arguments)]
pub fn update(
    cx: &Context,
    source: &ReleaseSource,
    opts: &DownloadOptions,
    window: Duration,
    traceback_grace: Duration,
    flags: &binary::InstallFlags,
    runner: &mut dyn Runner,
    cancel: &AtomicBool,
    progress: &mut dyn FnMut(&Progress),
) -> Result<UpdateOutcome, UpdateError> {
    binary::recover(cx.layout)?;
    let installed: InstallRecord = cx.store.installed()?.ok_or(UpdateError::NotInstalled)?;
    let resolved = resolve(source, Os::current(), Arch::current()).map_err(BinaryError::from)?;
    if resolved.artifact.sha256 == installed.sha256 && binary::intact(cx.layout, &installed.sha256)
    {
        return Ok(UpdateOutcome {
            from: Some(installed.version.clone()),
            to: installed.version,
            up_to_date: true,
            rolled_back: None,
        });
    }
    binary::check_not_older(Some(&installed), &resolved, flags.allow_downgrade)?;
    let (signature, new_key) = binary::signing_for(cx.store, source, &resolved, flags)?;
    let new = binary::fetch(cx.layout, &resolved, signature, opts, cancel, progress)?;
    if let Some(key) = new_key {
        binary::pin_key(cx.store, source, &key)?;
    }
    let all: Vec<NodeSpec> = cx.store.nodes()?.into_iter().map(|r| r.spec).collect();
    let nodes = to_restart(cx, &all)?;
    if cx.backend == Backend::OsService && !nodes.is_empty() {
        exec::apply(&plan::control_plan(&cx.target, &nodes, false), runner)?;
    }
    // The verified binary is swapped in through recover(), the same path a crash takes.
    debug_assert!(new.exists());
    binary::recover(cx.layout)?;
    cx.store.set_installed(&InstallRecord {
        version: resolved.version.clone(),
        sha256: resolved.artifact.sha256.clone(),
        source: source.describe(),
        installed_at: crate::platform::clock::now_unix(),
        previous_version: Some(installed.version.clone()),
        previous_sha256: Some(installed.sha256.clone()),
        released_at: resolved.released_at,
    })?;
    if nodes.is_empty() {
        return Ok(UpdateOutcome {
            from: Some(installed.version),
            to: resolved.version,
            up_to_date: false,
            rolled_back: None,
        });
    }
    let each = window.min(Duration::from_secs(60));
    let logs = restart(cx, &nodes, runner, each)?;
    let sick: Vec<String> = watch(logs, window, traceback_grace)
        .into_iter()
        .filter_map(|(id, h)| match h {
            Health::Healthy => None,
            // Why comes from the node's log: shown and stored, so through the redactor.
            Health::Unhealthy(why) => Some(format!(
                "node {id}: {}",
                crate::redact::Redactor::default().redact(&why).text
            )),
        })
        .collect();
    if sick.is_empty() {
        return Ok(UpdateOutcome {
            from: Some(installed.version),
            to: resolved.version,
            up_to_date: false,
            rolled_back: None,
        });
    }
    if cx.backend == Backend::OsService {
        exec::apply(&plan::control_plan(&cx.target, &nodes, false), runner)?;
    }
    let restored = binary::rollback(cx.layout, cx.store)?;
    restart(cx, &nodes, runner, each)?;
    Ok(UpdateOutcome {
        from: Some(restored.version.clone()),
        to: resolved.version.clone(),
        up_to_date: false,
        rolled_back: Some(format!(
            "version {} did not become healthy ({}); rolled back to {} and restarted the nodes",
            resolved.version,
            sick.join("; "),
            restored.version
        )),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: u64) -> Duration {
        Duration::from_secs(s)
    }

    #[test]
    fn a_traceback_is_a_crash_only_without_progress_within_the_grace() {
        let rules = LogRules::builtin();
        let grace = secs(240);
        // Progress: healthy.
        let mut j = Judge::default();
        j.feed("Pinging network...", secs(1), &rules);
        j.feed("Latest ID: 1101 | Latest State: 3", secs(2), &rules);
        assert_eq!(j.verdict(secs(600)), Health::Healthy);
        // A Traceback, then progress within the grace: recovered.
        j.feed("Traceback (most recent call last):", secs(10), &rules);
        j.feed("  File \"miner.py\", line 9", secs(10), &rules);
        j.feed("ConnectionError: RPC request failed", secs(10), &rules);
        assert_eq!(j.early(secs(249), grace), None);
        assert!(j.pending(secs(249), grace));
        j.feed("* Latest ID:  1102  / Latest State:  1", secs(60), &rules);
        assert_eq!(j.early(secs(400), grace), None);
        assert!(!j.pending(secs(400), grace));
        assert_eq!(j.verdict(secs(600)), Health::Healthy);
        // A Traceback and nothing after it for the grace: a crash, said at once.
        j.feed("Traceback (most recent call last):", secs(100), &rules);
        j.feed("RuntimeError: boom", secs(100), &rules);
        assert_eq!(j.early(secs(339), grace), None);
        assert_eq!(
            j.early(secs(340), grace),
            Some(Health::Unhealthy(
                "it crashed: RuntimeError: boom (and showed no progress after it)".into()
            ))
        );
        // Silence: no progress.
        let quiet = Judge::default();
        assert!(
            matches!(quiet.verdict(secs(600)), Health::Unhealthy(w) if w.contains("no progress within 600 s"))
        );
    }

    #[test]
    fn watching_logs_on_disk() {
        let d = tempfile::tempdir().unwrap();
        let (good, bad, quiet) = (
            d.path().join("g.log"),
            d.path().join("b.log"),
            d.path().join("q.log"),
        );
        // Node 1 crashed before the restart: that does not count (followers start at the end).
        std::fs::write(&good, "old Traceback (most recent call last)\n").unwrap();
        std::fs::write(&bad, "").unwrap();
        std::fs::write(&quiet, "").unwrap();
        let good_follower = Follower::new(&good, false);
        let (bad_follower, quiet_follower) =
            (Follower::new(&bad, false), Follower::new(&quiet, false));
        let logs = vec![(1, good_follower), (2, bad_follower), (3, quiet_follower)];
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let append = |p: &std::path::Path, text: &str| {
                let mut f = std::fs::OpenOptions::new().append(true).open(p).unwrap();
                f.write_all(text.as_bytes()).unwrap();
            };
            append(&good, "* Latest ID:  1  / Latest State:  1\n");
            append(
                &bad,
                "Pinging network...\nTraceback (most recent call last):\nRuntimeError: x\n",
            );
        });
        let v = watch(logs, Duration::from_millis(400), Duration::from_millis(200));
        writer.join().unwrap();
        assert_eq!(
            v[0],
            (1, Health::Healthy),
            "a crash before the restart does not count"
        );
        assert!(
            matches!(&v[1], (2, Health::Unhealthy(w)) if w.contains("crashed: RuntimeError: x"))
        );
        assert!(matches!(&v[2], (3, Health::Unhealthy(w)) if w.contains("no progress")));
    }
}

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
use super::source::{resolve, ReleaseSource};
use crate::health::logs::Follower;
use crate::nodes::NodeSpec;
use crate::platform::exec::Runner;
use crate::platform::{Arch, Os};
use crate::services::apply as exec;
use crate::services::plan;
use crate::store::InstallRecord;

/// A log line that shows the node making progress.
const PROGRESS: [&str; 2] = ["* Latest ID:", "Pinging network"];
/// A log line that shows the node crashed.
const CRASH: [&str; 2] = ["Traceback (most recent call last)", "panic:"];

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
    let resolved = resolve(source, Os::current(), Arch::current()).map_err(BinaryError::from)?;
    let installed = store.installed()?;
    Ok(UpdateCheck {
        update_available: installed
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

/// The verdict that can be given before the window ends: unhealthy at the first crash. Whether
/// a node that did not crash is healthy (it showed progress) is decided when the window ends.
pub fn judge(log: &str) -> Option<Health> {
    for line in log.lines() {
        if CRASH.iter().any(|c| line.contains(c)) {
            let detail = log
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or(line)
                .trim()
                .to_string();
            return Some(Health::Unhealthy(format!("it crashed: {detail}")));
        }
    }
    None
}

/// Watch the nodes' logs for `window` (from where each follower stands: what was logged before
/// the restart does not count; a rotation is followed): a node is healthy if it showed
/// progress and did not crash.
pub fn watch(mut logs: Vec<(u32, Follower)>, window: Duration) -> Vec<(u32, Health)> {
    let start = Instant::now();
    let mut seen: Vec<String> = vec![String::new(); logs.len()];
    let mut verdict: Vec<Option<Health>> = vec![None; logs.len()];
    loop {
        for (i, (_, follower)) in logs.iter_mut().enumerate() {
            let new = follower.poll();
            for line in &new {
                seen[i].push_str(line);
                seen[i].push('\n');
            }
            // Judged again only when the log grew.
            if verdict[i].is_none() && !new.is_empty() {
                verdict[i] = judge(&seen[i]);
            }
        }
        if verdict.iter().all(Option::is_some) || start.elapsed() >= window {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    logs.iter()
        .zip(verdict)
        .zip(seen)
        .map(|(((id, _), v), text)| {
            let h = v.unwrap_or_else(|| {
                if text.lines().any(|l| PROGRESS.iter().any(|p| l.contains(p))) {
                    Health::Healthy
                } else {
                    Health::Unhealthy(format!(
                        "it showed no progress within {} s",
                        window.as_secs()
                    ))
                }
            });
            (*id, h)
        })
        .collect()
}

/// Start `nodes`, following their logs from their current ends.
fn restart(
    cx: &Context,
    nodes: &[NodeSpec],
    runner: &mut dyn Runner,
) -> Result<Vec<(u32, Follower)>, UpdateError> {
    let followers = nodes
        .iter()
        .map(|n| (n.id, Follower::new(&cx.layout.log_file(n.id), false)))
        .collect();
    exec::apply(&plan::start_plan(&cx.target, nodes), runner)?;
    Ok(followers)
}

/// Update to the newest release of `source`, with automatic rollback.
#[allow(clippy::too_many_arguments)]
pub fn update(
    cx: &Context,
    source: &ReleaseSource,
    opts: &DownloadOptions,
    window: Duration,
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
    let new = binary::fetch(cx.layout, &resolved, opts, cancel, progress)?;
    let nodes: Vec<NodeSpec> = cx.store.nodes()?.into_iter().map(|r| r.spec).collect();
    let managed = cx.backend == Backend::OsService && !nodes.is_empty();
    if managed {
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
    })?;
    if !managed {
        return Ok(UpdateOutcome {
            from: Some(installed.version),
            to: resolved.version,
            up_to_date: false,
            rolled_back: None,
        });
    }
    let logs = restart(cx, &nodes, runner)?;
    let sick: Vec<String> = watch(logs, window)
        .into_iter()
        .filter_map(|(id, h)| match h {
            Health::Healthy => None,
            Health::Unhealthy(why) => Some(format!("node {id}: {why}")),
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
    exec::apply(&plan::control_plan(&cx.target, &nodes, false), runner)?;
    let restored = binary::rollback(cx.layout, cx.store)?;
    restart(cx, &nodes, runner)?;
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

    #[test]
    fn judging_logs() {
        assert_eq!(judge(""), None);
        assert_eq!(
            judge("Pinging network...\n* Latest ID:  1101  / Latest State:  3\n"),
            None
        );
        let crash = "Pinging network...\nTraceback (most recent call last):\n  File \"x\"\nRuntimeError: boom\n";
        assert_eq!(
            judge(crash),
            Some(Health::Unhealthy("it crashed: RuntimeError: boom".into()))
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
        let v = watch(logs, Duration::from_millis(400));
        writer.join().unwrap();
        assert_eq!(
            v[0],
            (1, Health::Healthy),
            "a crash before the restart does not count"
        );
        assert!(matches!(&v[1], (2, Health::Unhealthy(w)) if w.contains("crashed")));
        assert!(matches!(&v[2], (3, Health::Unhealthy(w)) if w.contains("no progress")));
    }
}

//! `update`: find a newer release, download and verify it, stop the nodes, swap, start, and
//! health-check; if a node does not become healthy within the window, put the previous binary
//! back, restart, and say so.

use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::binary::{self, BinaryError};
use super::download::{DownloadOptions, Progress};
use super::exec::{self, Runner};
use super::manifest::{Arch, Os};
use super::plan;
use super::setup::{Backend, Context};
use super::source::{resolve, ReleaseSource};
use crate::nodes::NodeSpec;
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

fn log_len(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn log_since(path: &Path, offset: u64) -> String {
    let mut s = String::new();
    if let Ok(mut f) = std::fs::File::open(path) {
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        // A rotated (shorter) log is read from its start.
        let from = if len < offset { 0 } else { offset };
        let _ = f.seek(SeekFrom::Start(from));
        let mut bytes = Vec::new();
        let _ = f.read_to_end(&mut bytes);
        s = String::from_utf8_lossy(&bytes).into_owned();
    }
    s
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

/// Watch the nodes' logs for `window`: a node is healthy if it showed progress and did not crash.
pub fn watch(logs: &[(u32, std::path::PathBuf, u64)], window: Duration) -> Vec<(u32, Health)> {
    let start = Instant::now();
    let mut verdict: Vec<Option<Health>> = vec![None; logs.len()];
    while start.elapsed() < window {
        for (i, (_, path, offset)) in logs.iter().enumerate() {
            if verdict[i].is_none() {
                verdict[i] = judge(&log_since(path, *offset));
            }
        }
        if verdict.iter().all(Option::is_some) {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    logs.iter()
        .zip(verdict)
        .map(|((id, path, offset), v)| {
            let h = v.unwrap_or_else(|| {
                let text = log_since(path, *offset);
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

fn restart(
    cx: &Context,
    nodes: &[NodeSpec],
    runner: &mut dyn Runner,
) -> Result<Vec<(u32, std::path::PathBuf, u64)>, UpdateError> {
    let offsets = nodes.iter().map(|n| {
        let p = cx.layout.log_file(n.id);
        let len = log_len(&p);
        (n.id, p, len)
    });
    let offsets: Vec<_> = offsets.collect();
    exec::apply(&plan::start_plan(&cx.target, nodes), runner)?;
    Ok(offsets)
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
        installed_at: binary::now(),
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
    let sick: Vec<String> = watch(&logs, window)
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
        std::fs::write(
            &good,
            "old Traceback (most recent call last)\n* Latest ID:  1  / Latest State:  1\n",
        )
        .unwrap();
        std::fs::write(
            &bad,
            "Pinging network...\nTraceback (most recent call last):\nRuntimeError: x\n",
        )
        .unwrap();
        std::fs::write(&quiet, "").unwrap();
        let offset = "old Traceback (most recent call last)\n".len() as u64;
        let v = watch(
            &[(1, good, offset), (2, bad, 0), (3, quiet, 0)],
            Duration::from_millis(300),
        );
        assert_eq!(
            v[0],
            (1, Health::Healthy),
            "a crash before the restart does not count"
        );
        assert!(matches!(&v[1], (2, Health::Unhealthy(w)) if w.contains("crashed")));
        assert!(matches!(&v[2], (3, Health::Unhealthy(w)) if w.contains("no progress")));
    }
}

//! A machine's first start: one node (the IPFS server, node 1 as a rule) starts alone and pulls
//! the LLM engine's Docker images (several GB); the others start once it is up (it printed its
//! first session progress) or after a timeout, so they do not all pull the same images at once
//! and look stuck meanwhile. Upstream's advice ("start one node first so it pulls the shared
//! Docker images, then the rest") done for the user.
//!
//! The state lives in the store (a setting), so the CLI that starts the nodes, the daemon that
//! releases them and the monitor that explains the wait all see the same thing. The decisions
//! are pure functions of that state, the nodes' health and the time.

use serde::{Deserialize, Serialize};

use crate::store::Store;

/// The first start in progress (JSON of [`FirstStart`]); absent or empty when none is.
pub const SETTING: &str = "first_start";
/// When the machine's first start ended (unix seconds): later starts hold nothing back.
pub const DONE_SETTING: &str = "first_start.done_at";
/// How long the others wait for the first node at most. Upstream's salt states wait 900 s for
/// images when warm-up is on (`warmup_wait_seconds` example); a slow line needs longer.
pub const DEFAULT_TIMEOUT_SECS: i64 = 20 * 60;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FirstStart {
    /// The node that starts first and pulls the images.
    pub leader: u32,
    /// Unix seconds the leader was started.
    pub began_at: i64,
    /// The nodes held back until the leader is up.
    pub held: Vec<u32>,
    pub timeout_secs: i64,
}

/// What starting `ids` should hold back: `None` when this is not a first start (one already
/// ended, or only one node starts). The leader is the IPFS-server node when it starts now,
/// else the lowest id.
pub fn plan(
    done: bool,
    ids: &[u32],
    ipfs_server: Option<u32>,
    now: i64,
    timeout_secs: i64,
) -> Option<FirstStart> {
    if done || ids.len() < 2 {
        return None;
    }
    let leader = ipfs_server
        .filter(|l| ids.contains(l))
        .or_else(|| ids.iter().copied().min())?;
    let mut held: Vec<u32> = ids.iter().copied().filter(|i| *i != leader).collect();
    held.sort_unstable();
    held.dedup();
    Some(FirstStart {
        leader,
        began_at: now,
        held,
        timeout_secs,
    })
}

/// Why the held nodes may start now, if they may: the leader showed session progress since it
/// began, the timeout passed, or the leader is no longer meant to run.
pub fn opens(
    fs: &FirstStart,
    leader_progress_at: Option<i64>,
    leader_wanted: bool,
    now: i64,
) -> Option<String> {
    if !leader_wanted {
        return Some(format!("node {} is no longer meant to run", fs.leader));
    }
    if leader_progress_at.is_some_and(|p| p >= fs.began_at) {
        return Some(format!("node {} is up", fs.leader));
    }
    if now - fs.began_at >= fs.timeout_secs {
        return Some(format!(
            "node {} did not come up within {} min",
            fs.leader,
            fs.timeout_secs / 60
        ));
    }
    None
}

fn mins(secs: i64) -> String {
    let m = (secs.max(0) + 59) / 60;
    format!("{m} min")
}

/// What a held node is doing, in words.
pub fn held_reason(fs: &FirstStart, now: i64) -> String {
    format!(
        "waiting for node {} to finish its first start (it pulls the LLM images); starts when node {} is up, within {}",
        fs.leader,
        fs.leader,
        mins(fs.began_at + fs.timeout_secs - now)
    )
}

/// An image pulled since the first start began (from Docker's events), with its size.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct PulledImage {
    pub image: String,
    #[ts(type = "number | null")]
    pub bytes: Option<u64>,
}

/// Bytes for people, decimal units as Docker prints them.
pub fn human_bytes(b: u64) -> String {
    match b {
        b if b >= 1_000_000_000 => format!("{:.1} GB", b as f64 / 1e9),
        b if b >= 1_000_000 => format!("{:.0} MB", b as f64 / 1e6),
        b => format!("{b} B"),
    }
}

/// What the leader is doing while it has shown no progress yet, in words.
pub fn leader_reason(fs: &FirstStart, pulled: Option<&[PulledImage]>, now: i64) -> String {
    let so_far = format!("{} so far", mins(now - fs.began_at));
    let images = match pulled {
        None => String::new(),
        Some([]) => "; no image finished yet".into(),
        Some(p) => {
            let total: u64 = p.iter().filter_map(|i| i.bytes).sum();
            format!(
                "; {} image{} pulled ({}): {}",
                p.len(),
                if p.len() == 1 { "" } else { "s" },
                human_bytes(total),
                p.iter()
                    .map(|i| i.image.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    };
    let others = match fs.held.len() {
        0 => String::new(),
        n => format!(
            "; {n} other node{} start when it is up",
            if n == 1 { "" } else { "s" }
        ),
    };
    format!("first start: pulling the LLM images ({so_far}{images}){others}")
}

/// The first start in progress, if any.
pub fn load(store: &Store) -> Option<FirstStart> {
    store
        .setting(SETTING)
        .ok()
        .flatten()
        .and_then(|v| serde_json::from_str(&v).ok())
}

/// Whether the machine's first start already ended.
pub fn done(store: &Store) -> bool {
    store
        .setting(DONE_SETTING)
        .ok()
        .flatten()
        .is_some_and(|v| !v.is_empty())
}

pub fn save(store: &Store, fs: &FirstStart) -> Result<(), crate::store::StoreError> {
    store.set_setting(
        SETTING,
        &serde_json::to_string(fs).expect("plain data serializes"),
    )
}

/// End the first start: nothing is held back from now on.
pub fn finish(store: &Store, now: i64) -> Result<(), crate::store::StoreError> {
    store.set_setting(DONE_SETTING, &now.to_string())?;
    store.set_setting(SETTING, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fs() -> FirstStart {
        plan(false, &[3, 1, 2], Some(1), 1_000, 1_200).unwrap()
    }

    #[test]
    fn the_ipfs_server_starts_first_and_the_others_wait() {
        assert_eq!(
            fs(),
            FirstStart {
                leader: 1,
                began_at: 1_000,
                held: vec![2, 3],
                timeout_secs: 1_200
            }
        );
        // Without node 1 in this start, the lowest id leads.
        assert_eq!(plan(false, &[4, 2], Some(1), 0, 60).unwrap().leader, 2);
        // The IPFS server leads even when it is not the lowest id.
        assert_eq!(plan(false, &[2, 5], Some(5), 0, 60).unwrap().held, [2]);
        // One node, or a machine whose first start ended: nothing held back.
        assert_eq!(plan(false, &[1], Some(1), 0, 60), None);
        assert_eq!(plan(true, &[1, 2], Some(1), 0, 60), None);
    }

    #[test]
    fn the_others_start_when_the_leader_is_up_or_the_time_is_out() {
        let f = fs();
        assert_eq!(opens(&f, None, true, 1_500), None);
        // Progress from before this start (an earlier run) does not count.
        assert_eq!(opens(&f, Some(999), true, 1_500), None);
        assert_eq!(
            opens(&f, Some(1_000), true, 1_500).as_deref(),
            Some("node 1 is up")
        );
        assert_eq!(opens(&f, None, true, 2_199), None);
        assert_eq!(
            opens(&f, None, true, 2_200).as_deref(),
            Some("node 1 did not come up within 20 min")
        );
        assert!(opens(&f, None, false, 1_001).unwrap().contains("no longer"));
    }

    #[test]
    fn the_wait_is_explained() {
        let f = fs();
        assert_eq!(
            held_reason(&f, 1_000),
            "waiting for node 1 to finish its first start (it pulls the LLM images); starts when node 1 is up, within 20 min"
        );
        assert!(held_reason(&f, 2_141).ends_with("within 1 min"));
        assert_eq!(
            leader_reason(&f, None, 1_130),
            "first start: pulling the LLM images (3 min so far); 2 other nodes start when it is up"
        );
        let pulled = [
            PulledImage {
                image: "cortensor/llm-engine:latest".into(),
                bytes: Some(5_800_000_000),
            },
            PulledImage {
                image: "cortensor/llm-gateway:latest".into(),
                bytes: Some(512_000_000),
            },
        ];
        assert_eq!(
            leader_reason(&f, Some(&pulled), 1_060),
            "first start: pulling the LLM images (1 min so far; 2 images pulled (6.3 GB): cortensor/llm-engine:latest, cortensor/llm-gateway:latest); 2 other nodes start when it is up"
        );
        assert!(leader_reason(&f, Some(&[]), 1_060).contains("no image finished yet"));
        assert_eq!(human_bytes(512_000_000), "512 MB");
    }
}

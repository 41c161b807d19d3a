//! The supervisor's decisions, pure: given what each node should be doing, what the last tick
//! saw of its process and the time, decide what to do (signal, start, alert) and what to record.
//! No process, file or clock is touched here; [`super::supervisor::Supervisor`] observes, calls
//! [`decide`], performs the [`Effect`]s and writes the [`Record`]s. Tests drive it with a clock
//! of their own.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use crate::platform::process::ProcId;

/// The supervisor's timing and limits.
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

/// A node's process as the supervisor knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: ProcId,
    /// Started by this supervisor (`false`: adopted from an earlier one).
    pub ours: bool,
    pub since: Instant,
    /// Unix seconds, for the store.
    pub started_at: i64,
}

/// What the supervisor remembers of one node between ticks.
#[derive(Debug, Clone)]
pub struct Slot {
    pub running: Option<Run>,
    pub stopping_since: Option<Instant>,
    pub backoff: Duration,
    pub next_start: Option<Instant>,
    pub crashes: VecDeque<Instant>,
    pub restarts: u32,
    pub last_exit: Option<String>,
    pub nonce: i64,
    pub looping_alerted: bool,
    pub reason: String,
    /// Held back by the machine's first start (another node pulls the images first).
    pub held: bool,
}

impl Slot {
    pub fn new(backoff: Duration) -> Slot {
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
            held: false,
        }
    }
}

/// What the user wants of a node (the store's `desired` and restart nonce).
#[derive(Debug, Clone, PartialEq)]
pub struct Wanted {
    pub running: bool,
    pub nonce: i64,
}

/// Something to do to the outside world.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    /// SIGINT (`kill: false`) or SIGKILL to the node's process.
    Signal { node: u32, id: ProcId, kill: bool },
    /// Spawn the node; report the outcome with [`started`].
    Start { node: u32 },
    Alert {
        node: u32,
        kind: &'static str,
        message: String,
    },
}

/// One node's row of the store's `runtime` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub node: u32,
    pub pid: Option<u32>,
    pub start_time: Option<u64>,
    pub state: &'static str,
    pub reason: String,
    pub restarts: u32,
    pub last_exit: Option<String>,
    pub started_at: Option<i64>,
}

/// One tick's decisions. `exits`: the nodes whose process was seen gone since the last tick,
/// with how it ended. `last_start`: when the supervisor last started a node (for the stagger).
/// `held`: nodes the machine's first start holds back (with why), not started yet.
/// Updates `slots` and returns what to do, in order.
#[allow(clippy::too_many_arguments)]
pub fn decide(
    slots: &mut BTreeMap<u32, Slot>,
    nodes: &[u32],
    wanted: &BTreeMap<u32, Wanted>,
    exits: &BTreeMap<u32, String>,
    held: &BTreeMap<u32, String>,
    last_start: Option<Instant>,
    cfg: &Config,
    now: Instant,
) -> Vec<Effect> {
    let mut effects = Vec::new();
    let stopped = Wanted {
        running: false,
        nonce: 0,
    };
    for &id in nodes {
        let want = wanted.get(&id).unwrap_or(&stopped);
        let slot = slots
            .entry(id)
            .or_insert_with(|| Slot::new(cfg.backoff_initial));

        // 1. The process exited.
        let exited = exits.get(&id).filter(|_| slot.running.is_some());
        if let (Some(how), Some(run)) = (exited, exited.and_then(|_| slot.running.take())) {
            slot.last_exit = Some(how.clone());
            if slot.stopping_since.take().is_some() || !want.running {
                slot.reason = "stopped".into();
            } else {
                // A crash: restart after the backoff.
                if now.duration_since(run.since) >= cfg.stable_after {
                    slot.backoff = cfg.backoff_initial;
                    slot.looping_alerted = false;
                }
                slot.crashes.push_back(now);
                while slot
                    .crashes
                    .front()
                    .is_some_and(|t| now.duration_since(*t) > cfg.crash_window)
                {
                    slot.crashes.pop_front();
                }
                slot.next_start = Some(now + slot.backoff);
                slot.reason = format!(
                    "crashed ({how}); restarting in {:.1} s",
                    slot.backoff.as_secs_f64()
                );
                slot.backoff = (slot.backoff * 2).min(cfg.backoff_max);
                if slot.crashes.len() >= cfg.crash_loop_count && !slot.looping_alerted {
                    slot.looping_alerted = true;
                    effects.push(Effect::Alert {
                        node: id,
                        kind: "crash_loop",
                        message: format!(
                            "node {id} crashed {} times in {} s (last: {how}); restarts are slowed down (next in {:.0} s)",
                            slot.crashes.len(),
                            cfg.crash_window.as_secs(),
                            slot.backoff.as_secs_f64()
                        ),
                    });
                }
            }
        }

        // 2. A restart was asked: stop, and start again once stopped.
        if want.nonce != slot.nonce {
            slot.nonce = want.nonce;
            if let Some(run) = &slot.running {
                if slot.stopping_since.is_none() {
                    effects.push(Effect::Signal {
                        node: id,
                        id: run.id,
                        kill: false,
                    });
                    slot.stopping_since = Some(now);
                }
            }
            slot.next_start = None;
            slot.backoff = cfg.backoff_initial;
        }

        // 3. Stop what should not run; escalate when it takes too long.
        if let Some(run) = &slot.running {
            match (want.running, slot.stopping_since) {
                (false, None) => {
                    effects.push(Effect::Signal {
                        node: id,
                        id: run.id,
                        kill: false,
                    });
                    slot.stopping_since = Some(now);
                    slot.reason = "stopping (SIGINT sent)".into();
                }
                (running, Some(t)) if now.duration_since(t) >= cfg.stop_timeout => {
                    effects.push(Effect::Signal {
                        node: id,
                        id: run.id,
                        kill: true,
                    });
                    if !running {
                        slot.reason = format!(
                            "did not stop within {} s: killed",
                            cfg.stop_timeout.as_secs()
                        );
                    }
                }
                _ => {}
            }
        }
        if !want.running {
            slot.next_start = None;
        }
    }

    // 4. Start what should run, one per stagger period; what the first start holds waits.
    let mut last = last_start;
    for &id in nodes {
        let slot = slots.get_mut(&id).expect("every node has a slot");
        let want = wanted.get(&id).is_some_and(|w| w.running);
        slot.held = want && slot.running.is_none() && held.contains_key(&id);
        if slot.held {
            slot.reason = held[&id].clone();
            continue;
        }
        let due = want && slot.running.is_none() && slot.next_start.is_none_or(|t| now >= t);
        if due && last.is_none_or(|t| now.duration_since(t) >= cfg.stagger) {
            effects.push(Effect::Start { node: id });
            last = Some(now);
        }
    }
    effects
}

/// The outcome of an [`Effect::Start`]: the new process, or why it could not start. An
/// `Err` returns the alert to raise.
pub fn started(
    slot: &mut Slot,
    node: u32,
    outcome: Result<(ProcId, i64), String>,
    cfg: &Config,
    now: Instant,
) -> Option<Effect> {
    slot.next_start = None;
    match outcome {
        Ok((id, started_at)) => {
            slot.restarts += u32::from(!slot.crashes.is_empty());
            slot.running = Some(Run {
                id,
                ours: true,
                since: now,
                started_at,
            });
            slot.reason = if slot.crashes.is_empty() {
                "started".into()
            } else {
                format!("restarted after a crash ({} restarts)", slot.restarts)
            };
            None
        }
        Err(why) => {
            slot.next_start = Some(now + slot.backoff);
            slot.reason = why;
            slot.backoff = (slot.backoff * 2).min(cfg.backoff_max);
            Some(Effect::Alert {
                node,
                kind: "start_failed",
                message: slot.reason.clone(),
            })
        }
    }
}

/// What to record for each node: its state in a word, with the reason.
pub fn records(
    slots: &BTreeMap<u32, Slot>,
    wanted: &BTreeMap<u32, Wanted>,
    now: Instant,
) -> Vec<Record> {
    slots
        .iter()
        .map(|(&node, slot)| {
            let want_running = wanted.get(&node).is_some_and(|w| w.running);
            let state = match (&slot.running, slot.stopping_since, want_running) {
                (Some(_), Some(_), _) => "stopping",
                (Some(r), None, _)
                    if r.ours && now.duration_since(r.since) < Duration::from_secs(30) =>
                {
                    "starting"
                }
                (Some(_), None, _) => "running",
                (None, _, true) if slot.held => "waiting",
                (None, _, true) if slot.next_start.is_some() => "backoff",
                (None, _, true) => "failed",
                (None, _, false) => "stopped",
            };
            let run = slot.running.as_ref();
            Record {
                node,
                pid: run.map(|r| r.id.pid),
                start_time: run.map(|r| r.id.start_time),
                state,
                reason: slot.reason.clone(),
                restarts: slot.restarts,
                last_exit: slot.last_exit.clone(),
                started_at: run.map(|r| r.started_at),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PID: ProcId = ProcId {
        pid: 4242,
        start_time: 99,
    };

    fn cfg() -> Config {
        Config {
            backoff_initial: Duration::from_secs(1),
            backoff_max: Duration::from_secs(8),
            stable_after: Duration::from_secs(60),
            stop_timeout: Duration::from_secs(20),
            crash_loop_count: 3,
            crash_window: Duration::from_secs(120),
            stagger: Duration::from_secs(2),
            ..Config::default()
        }
    }

    fn want(running: bool, nonce: i64) -> BTreeMap<u32, Wanted> {
        BTreeMap::from([(1, Wanted { running, nonce })])
    }

    /// A fake clock: `t(s)` is `s` seconds after the test's start.
    struct Clock(Instant);
    impl Clock {
        fn t(&self, secs: f64) -> Instant {
            self.0 + Duration::from_secs_f64(secs)
        }
    }

    fn tick(
        slots: &mut BTreeMap<u32, Slot>,
        w: &BTreeMap<u32, Wanted>,
        exit: Option<&str>,
        now: Instant,
    ) -> Vec<Effect> {
        let exits = exit
            .map(|e| BTreeMap::from([(1, e.to_string())]))
            .unwrap_or_default();
        decide(slots, &[1], w, &exits, &BTreeMap::new(), None, &cfg(), now)
    }

    /// Node 1 wanted running, started at t = 0.
    fn running_since_zero() -> (Clock, BTreeMap<u32, Slot>) {
        let c = Clock(Instant::now());
        let mut slots = BTreeMap::new();
        tick(&mut slots, &want(true, 0), None, c.t(0.0));
        start_ok(&mut slots, c.t(0.0));
        (c, slots)
    }

    fn start_ok(slots: &mut BTreeMap<u32, Slot>, now: Instant) {
        let s = slots.get_mut(&1).unwrap();
        assert_eq!(started(s, 1, Ok((PID, 1_000)), &cfg(), now), None);
    }

    #[test]
    fn a_wanted_node_starts_and_records_starting_then_running() {
        let c = Clock(Instant::now());
        let mut slots = BTreeMap::new();
        assert_eq!(
            tick(&mut slots, &want(true, 0), None, c.t(0.0)),
            vec![Effect::Start { node: 1 }]
        );
        start_ok(&mut slots, c.t(0.0));
        let r = records(&slots, &want(true, 0), c.t(10.0));
        assert_eq!(
            (r[0].state, r[0].pid, r[0].reason.as_str()),
            ("starting", Some(4242), "started")
        );
        assert_eq!(
            records(&slots, &want(true, 0), c.t(31.0))[0].state,
            "running"
        );
        // Running: nothing more to do.
        assert!(tick(&mut slots, &want(true, 0), None, c.t(31.0)).is_empty());
    }

    #[test]
    fn a_crash_restarts_after_a_doubling_backoff_and_a_loop_alerts_once() {
        let (c, mut slots) = running_since_zero();
        // Crash at 5 s: restart due at 6 s (backoff 1 s), not before.
        assert!(tick(&mut slots, &want(true, 0), Some("exit code 1"), c.t(5.0)).is_empty());
        let r = &records(&slots, &want(true, 0), c.t(5.0))[0];
        assert_eq!(
            (r.state, r.reason.as_str()),
            ("backoff", "crashed (exit code 1); restarting in 1.0 s")
        );
        assert!(tick(&mut slots, &want(true, 0), None, c.t(5.9)).is_empty());
        assert_eq!(
            tick(&mut slots, &want(true, 0), None, c.t(6.0)),
            vec![Effect::Start { node: 1 }]
        );
        start_ok(&mut slots, c.t(6.0));
        assert_eq!(slots[&1].restarts, 1);
        // Second crash: 2 s backoff; third: 4 s and the crash-loop alert (3 in 120 s), once.
        tick(&mut slots, &want(true, 0), Some("exit code 1"), c.t(7.0));
        assert_eq!(slots[&1].next_start, Some(c.t(9.0)));
        tick(&mut slots, &want(true, 0), None, c.t(9.0));
        start_ok(&mut slots, c.t(9.0));
        let e = tick(
            &mut slots,
            &want(true, 0),
            Some("killed by signal 9"),
            c.t(10.0),
        );
        assert!(
            matches!(&e[..], [Effect::Alert { kind: "crash_loop", message, .. }] if message.contains("crashed 3 times in 120 s (last: killed by signal 9)")),
            "{e:?}"
        );
        assert_eq!(slots[&1].next_start, Some(c.t(14.0)));
        tick(&mut slots, &want(true, 0), None, c.t(14.0));
        start_ok(&mut slots, c.t(14.0));
        let e = tick(&mut slots, &want(true, 0), Some("exit code 1"), c.t(15.0));
        assert!(e.is_empty(), "the loop alert is raised once: {e:?}");
        // The backoff is capped at 8 s.
        assert_eq!(slots[&1].next_start, Some(c.t(23.0)));
        tick(&mut slots, &want(true, 0), None, c.t(23.0));
        start_ok(&mut slots, c.t(23.0));
        tick(&mut slots, &want(true, 0), Some("exit code 1"), c.t(24.0));
        assert_eq!(slots[&1].next_start, Some(c.t(32.0)));
    }

    #[test]
    fn a_node_that_ran_stably_restarts_from_the_initial_backoff() {
        let (c, mut slots) = running_since_zero();
        slots.get_mut(&1).unwrap().backoff = Duration::from_secs(8);
        // Up 60 s (stable_after) before crashing: 1 s again.
        tick(&mut slots, &want(true, 0), Some("exit code 2"), c.t(60.0));
        assert_eq!(slots[&1].next_start, Some(c.t(61.0)));
    }

    #[test]
    fn stop_sends_sigint_then_sigkill_after_the_timeout() {
        let (c, mut slots) = running_since_zero();
        let e = tick(&mut slots, &want(false, 0), None, c.t(1.0));
        assert_eq!(
            e,
            vec![Effect::Signal {
                node: 1,
                id: PID,
                kill: false
            }]
        );
        assert_eq!(
            records(&slots, &want(false, 0), c.t(1.0))[0].state,
            "stopping"
        );
        assert!(tick(&mut slots, &want(false, 0), None, c.t(20.9)).is_empty());
        let e = tick(&mut slots, &want(false, 0), None, c.t(21.0));
        assert_eq!(
            e,
            vec![Effect::Signal {
                node: 1,
                id: PID,
                kill: true
            }]
        );
        assert_eq!(slots[&1].reason, "did not stop within 20 s: killed");
        // It exits: stopped, not a crash, and not started again.
        assert!(tick(
            &mut slots,
            &want(false, 0),
            Some("killed by signal 9"),
            c.t(21.2)
        )
        .is_empty());
        let r = &records(&slots, &want(false, 0), c.t(21.2))[0];
        assert_eq!(
            (r.state, r.reason.as_str(), r.pid),
            ("stopped", "stopped", None)
        );
        assert!(slots[&1].crashes.is_empty());
    }

    #[test]
    fn a_restart_stops_then_starts_at_once_with_the_initial_backoff() {
        let (c, mut slots) = running_since_zero();
        slots.get_mut(&1).unwrap().backoff = Duration::from_secs(8);
        let e = tick(&mut slots, &want(true, 1), None, c.t(3.0));
        assert_eq!(
            e,
            vec![Effect::Signal {
                node: 1,
                id: PID,
                kill: false
            }]
        );
        assert_eq!(slots[&1].backoff, Duration::from_secs(1));
        // It exits: started again on the same tick (no backoff for an asked restart).
        let e = tick(&mut slots, &want(true, 1), Some("exit code 0"), c.t(4.0));
        assert_eq!(e, vec![Effect::Start { node: 1 }]);
    }

    #[test]
    fn starts_are_staggered() {
        let c = Clock(Instant::now());
        let mut slots = BTreeMap::new();
        let w: BTreeMap<u32, Wanted> = (1..=3)
            .map(|i| {
                (
                    i,
                    Wanted {
                        running: true,
                        nonce: 0,
                    },
                )
            })
            .collect();
        let e = decide(
            &mut slots,
            &[1, 2, 3],
            &w,
            &BTreeMap::new(),
            &BTreeMap::new(),
            None,
            &cfg(),
            c.t(0.0),
        );
        assert_eq!(
            e,
            vec![Effect::Start { node: 1 }],
            "one start per stagger period"
        );
        started(
            slots.get_mut(&1).unwrap(),
            1,
            Ok((PID, 1)),
            &cfg(),
            c.t(0.0),
        );
        let e = decide(
            &mut slots,
            &[1, 2, 3],
            &w,
            &BTreeMap::new(),
            &BTreeMap::new(),
            Some(c.t(0.0)),
            &cfg(),
            c.t(1.9),
        );
        assert!(e.is_empty(), "within 2 s of the last start: {e:?}");
        let e = decide(
            &mut slots,
            &[1, 2, 3],
            &w,
            &BTreeMap::new(),
            &BTreeMap::new(),
            Some(c.t(0.0)),
            &cfg(),
            c.t(2.0),
        );
        assert_eq!(e, vec![Effect::Start { node: 2 }]);
    }

    #[test]
    fn held_nodes_wait_and_say_why_until_released() {
        let c = Clock(Instant::now());
        let mut slots = BTreeMap::new();
        let w: BTreeMap<u32, Wanted> = (1..=2)
            .map(|i| {
                (
                    i,
                    Wanted {
                        running: true,
                        nonce: 0,
                    },
                )
            })
            .collect();
        let held = BTreeMap::from([(2, "waiting for node 1".to_string())]);
        let none = BTreeMap::new();
        let e = decide(
            &mut slots,
            &[1, 2],
            &w,
            &none,
            &held,
            None,
            &cfg(),
            c.t(0.0),
        );
        assert_eq!(e, vec![Effect::Start { node: 1 }]);
        started(
            slots.get_mut(&1).unwrap(),
            1,
            Ok((PID, 1)),
            &cfg(),
            c.t(0.0),
        );
        // Long after the stagger, node 2 is still held: no start, a reason, state "waiting".
        let e = decide(
            &mut slots,
            &[1, 2],
            &w,
            &none,
            &held,
            Some(c.t(0.0)),
            &cfg(),
            c.t(60.0),
        );
        assert!(e.is_empty(), "{e:?}");
        let r = records(&slots, &w, c.t(60.0));
        let two = r.iter().find(|r| r.node == 2).unwrap();
        assert_eq!(
            (two.state, two.reason.as_str()),
            ("waiting", "waiting for node 1")
        );
        // Released: it starts at once.
        let e = decide(
            &mut slots,
            &[1, 2],
            &w,
            &none,
            &none,
            Some(c.t(0.0)),
            &cfg(),
            c.t(61.0),
        );
        assert_eq!(e, vec![Effect::Start { node: 2 }]);
        // A held node the user stopped is stopped, not waiting.
        let mut stopped = w.clone();
        stopped.insert(
            2,
            Wanted {
                running: false,
                nonce: 0,
            },
        );
        let mut fresh = BTreeMap::new();
        decide(
            &mut fresh,
            &[1, 2],
            &stopped,
            &none,
            &held,
            None,
            &cfg(),
            c.t(0.0),
        );
        assert_eq!(records(&fresh, &stopped, c.t(0.0))[1].state, "stopped");
    }

    #[test]
    fn a_failed_start_backs_off_and_alerts() {
        let c = Clock(Instant::now());
        let mut slots = BTreeMap::new();
        tick(&mut slots, &want(true, 0), None, c.t(0.0));
        let s = slots.get_mut(&1).unwrap();
        let alert = started(
            s,
            1,
            Err("could not start cortensord: not found".into()),
            &cfg(),
            c.t(0.0),
        );
        assert_eq!(
            alert,
            Some(Effect::Alert {
                node: 1,
                kind: "start_failed",
                message: "could not start cortensord: not found".into()
            })
        );
        assert_eq!(s.next_start, Some(c.t(1.0)));
        assert_eq!(s.backoff, Duration::from_secs(2));
        assert_eq!(
            records(&slots, &want(true, 0), c.t(0.5))[0].state,
            "backoff"
        );
    }

    #[test]
    fn an_adopted_process_is_running_at_once() {
        let c = Clock(Instant::now());
        let mut slots = BTreeMap::new();
        let mut s = Slot::new(Duration::from_secs(1));
        s.running = Some(Run {
            id: PID,
            ours: false,
            since: c.t(0.0),
            started_at: 5,
        });
        slots.insert(1, s);
        assert!(tick(&mut slots, &want(true, 0), None, c.t(0.0)).is_empty());
        assert_eq!(
            records(&slots, &want(true, 0), c.t(0.0))[0].state,
            "running"
        );
    }
}

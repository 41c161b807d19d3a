//! The monitor: once a tick, follow each node's log, sample its process, classify its state,
//! write the uptime ledger and a snapshot for the CLI and the app, and raise alerts
//! (de-duplicated: once per episode).

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::ledger::{self, Uptime};
use super::logs::{Follower, LogRules, LogSummary, Tracker};
use super::state::{classify, refine, NodeState, PortStatus, Thresholds};
use super::system::{self, Container};
use crate::nodes::{Layout, NodeSpec};
use crate::platform::exec::Runner;
use crate::store::{NodeRecord, RuntimeRecord, Store};

/// Everything the app shows about one node, refreshed every tick.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct NodeHealth {
    pub id: u32,
    pub address: String,
    pub state: NodeState,
    pub reason: String,
    pub pid: Option<u32>,
    pub restarts: u32,
    #[ts(type = "number | null")]
    pub up_since: Option<i64>,
    pub cpu_pct: Option<f32>,
    #[ts(type = "number | null")]
    pub rss_bytes: Option<u64>,
    pub threads: Option<u32>,
    pub open_files: Option<u32>,
    /// Processes in the node's tree (the node and its workers); CPU, RAM, threads and open
    /// files are summed over them.
    pub processes: Option<u32>,
    /// Seconds since the last log line.
    #[ts(type = "number | null")]
    pub log_age_secs: Option<i64>,
    pub log: LogSummary,
    pub uptime: Option<Uptime>,
    /// The node's LLM engine containers; `None` when Docker is not usable or not probed yet.
    pub containers: Option<Vec<Container>>,
    /// Container starts after the first one: Docker's restart count plus re-creations seen.
    pub container_restarts: u32,
    /// The node's ports and whether something listens on them (empty until probed).
    pub ports: Vec<PortStatus>,
    /// Its ETH balance on its network, as the daemon last read it (`None`: not read yet).
    pub balance: Option<crate::chain::Balance>,
    /// Whether it earns (apart from `state`, which is what the contest's ledger counts as up),
    /// and when not, what stops it and the action that helps.
    pub earning: super::state::Earning,
    #[ts(type = "number")]
    pub at: i64,
}

/// How often threads and open files are counted (seconds).
pub const SLOW_SAMPLE_EVERY_SECS: i64 = 10;

/// How often Docker is tried again while it cannot be used (seconds): a user who starts it
/// sees their nodes earning again within a minute.
pub const DOCKER_RETRY_SECS: i64 = 60;

/// How often a running node's process tree is looked for again (its workers start with it;
/// a new node process is scanned at once). A scan reads the whole process table.
pub const TREE_SCAN_EVERY_SECS: i64 = 60;

/// One node's process tree, summed.
#[derive(Debug, Clone, Copy)]
struct TreeSample {
    cpu: f32,
    rss: u64,
    threads: Option<u32>,
    files: Option<u32>,
    processes: u32,
}

/// Threads of a process from its task list (which leaves out the main thread); where there is
/// no `/proc` (Linux reads the count from `/proc/<pid>/stat`).
fn threads(p: &sysinfo::Process) -> Option<u32> {
    p.tasks().map(|t| t.len() as u32 + 1)
}

/// Every descendant of `root` in a parent → children map.
fn descendants(root: u32, children: &HashMap<u32, Vec<u32>>) -> Vec<u32> {
    let mut out = Vec::new();
    let mut todo = vec![root];
    while let Some(p) = todo.pop() {
        for c in children.get(&p).into_iter().flatten() {
            if !out.contains(c) && *c != root {
                out.push(*c);
                todo.push(*c);
            }
        }
    }
    out
}

/// The node's `.env` as keys and values (empty when it cannot be read).
fn env_of(env_file: &std::path::Path) -> std::collections::BTreeMap<String, String> {
    std::fs::read_to_string(env_file)
        .map(|t| crate::nodes::parse_env(&t).into_iter().collect())
        .unwrap_or_default()
}

/// Whether something listens on each of the node's ports: looked up in `table` (the kernel's
/// listening sockets) when there is one, else by connecting.
pub fn probe_ports(
    spec: &NodeSpec,
    table: Option<&std::collections::HashSet<u16>>,
) -> Vec<PortStatus> {
    ["llm", "worker", "gateway"]
        .iter()
        .zip(spec.ports())
        .map(|(name, port)| PortStatus {
            name: (*name).into(),
            port,
            listening: table.map_or_else(|| system::listening(port), |t| t.contains(&port)),
        })
        .collect()
}

/// Restarts seen from one container sample to the next: Docker's restart count grew, or the
/// container started again (re-created by the node, or started by hand).
fn restarts_between(before: &Container, after: &Container) -> u32 {
    let counted = after.restarts.saturating_sub(before.restarts);
    let started_again = after.started_at.is_some() && after.started_at != before.started_at;
    if counted > 0 {
        counted
    } else {
        u32::from(started_again)
    }
}

#[derive(Debug, Clone)]
pub struct MonitorConfig {
    pub thresholds: Thresholds,
    /// Alert when a node has been down this long.
    pub down_alert_secs: i64,
    /// Alert when the data disk has less free space than this.
    pub low_disk_bytes: u64,
    /// Start of the contest window (unix seconds) for uptime and qualification.
    pub contest_start: i64,
    /// Alert when the last 24 h uptime falls below this (qualification at risk).
    pub risk_pct: f64,
    /// How often the nodes' ports are probed (seconds).
    pub probe_every_secs: i64,
    /// How often the nodes' Docker containers are looked at while a node runs (seconds).
    pub docker_every_secs: i64,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            thresholds: Thresholds::default(),
            down_alert_secs: 300,
            low_disk_bytes: 10 << 30,
            contest_start: 0,
            risk_pct: ledger::QUALIFYING_DAY_PCT,
            probe_every_secs: 30,
            docker_every_secs: 30,
        }
    }
}

struct Watched {
    follower: Follower,
    tracker: Tracker,
    down_since: Option<i64>,
    down_alerted: bool,
    risk_alerted_day: Option<i64>,
    /// The last (minute, up) written to the ledger.
    ledger_written: Option<(i64, bool)>,
    containers: Option<Vec<Container>>,
    /// Each container as last seen (kept while Docker is unreachable, so nothing counts twice).
    last_seen: HashMap<String, Container>,
    container_restarts: u32,
    ports: Vec<PortStatus>,
    /// A dedicated node (`ENABLE_DEDICATED_NODE=1` in its `.env`) serves on its LLM port;
    /// an ephemeral one (the default) runs worker containers on demand.
    dedicated: bool,
    /// The state of the last pass.
    last_state: Option<NodeState>,
    /// Its LLM engine runs in Docker (`DOCKER_LLM_MANAGER=1` in its `.env`).
    uses_docker: bool,
}

/// The (node, kind) of alerts known open. What is not known is asked of the store once per
/// (node, kind), or each time when asked to (alerts another component raises).
#[derive(Default)]
struct AlertBook {
    open: std::collections::HashSet<(u32, &'static str)>,
    checked: std::collections::HashSet<(u32, &'static str)>,
}

impl AlertBook {
    /// End the open alert of `kind` for node `id`: its condition is over (kept in history).
    fn resolve(&mut self, store: &Store, id: u32, kind: &'static str, now: i64, ask: bool) {
        let key = (id, kind);
        if (self.checked.insert(key) || ask)
            && store.has_open_alert(Some(id), kind).unwrap_or(false)
        {
            self.open.insert(key);
        }
        if self.open.remove(&key) {
            let _ = store.resolve_alerts(Some(id), kind, now);
        }
    }
}

pub struct Monitor {
    rules: LogRules,
    cfg: MonitorConfig,
    watched: HashMap<u32, Watched>,
    sys: Option<sysinfo::System>,
    low_disk_alerted: bool,
    last_disk_check: Option<i64>,
    last_maintenance: i64,
    /// Each node's uptime, with the minute and up-ness it was computed for.
    last_uptime: HashMap<u32, (i64, bool, Uptime)>,
    /// Which alerts are open, to resolve them when their condition ends.
    book: AlertBook,
    /// Runs `docker` for the container probes; `None`: containers are not probed.
    docker: Option<Box<dyn Runner + Send>>,
    last_probe: Option<i64>,
    last_docker: Option<i64>,
    docker_usable: bool,
    /// What the last Docker look found (`None`: not looked yet).
    docker_seen: Option<bool>,
    /// Each node process's descendants, from the last scan of the process table.
    trees: HashMap<u32, Vec<u32>>,
    last_tree_scan: Option<i64>,
    /// Threads and open files of each tree, from the last slow sample.
    slow: HashMap<u32, (Option<u32>, Option<u32>)>,
    last_slow_sample: Option<i64>,
    /// Each sampled pid's CPU ticks and when they were read (Linux), for CPU %.
    cpu_prev: HashMap<u32, (u64, std::time::Instant)>,
    /// During the machine's first start: the images Docker pulled since it began.
    pulled: Option<Vec<crate::first_start::PulledImage>>,
    last_pull_probe: Option<i64>,
}

impl Monitor {
    pub fn new(cfg: MonitorConfig) -> Monitor {
        Monitor {
            rules: LogRules::builtin(),
            cfg,
            watched: HashMap::new(),
            sys: sysinfo::System::new().ok(),
            low_disk_alerted: false,
            last_disk_check: None,
            last_maintenance: 0,
            last_uptime: HashMap::new(),
            book: AlertBook::default(),
            docker: None,
            last_probe: None,
            last_docker: None,
            docker_usable: true,
            docker_seen: None,
            trees: HashMap::new(),
            last_tree_scan: None,
            slow: HashMap::new(),
            last_slow_sample: None,
            cpu_prev: HashMap::new(),
            pulled: None,
            last_pull_probe: None,
        }
    }

    /// Look at the nodes' Docker containers with `runner` (every `docker_every_secs`).
    pub fn with_docker(mut self, runner: Box<dyn Runner + Send>) -> Monitor {
        self.docker = Some(runner);
        self
    }

    /// Ports every `probe_every_secs`; containers every `docker_every_secs` while a node runs
    /// (each look runs the docker CLI), and only every [`DOCKER_RETRY_SECS`] while Docker cannot
    /// be used (not installed, not running).
    fn probe(&mut self, layout: &Layout, nodes: &[NodeRecord], any_running: bool, now: i64) {
        if self
            .last_probe
            .is_none_or(|t| now - t >= self.cfg.probe_every_secs)
        {
            self.last_probe = Some(now);
            let table = system::listening_ports();
            for n in nodes {
                if let Some(w) = self.watched.get_mut(&n.spec.id) {
                    w.ports = probe_ports(&n.spec, table.as_ref());
                    let env = env_of(&layout.env_file(n.spec.id));
                    w.dedicated = env.get("ENABLE_DEDICATED_NODE").is_some_and(|v| v == "1");
                    w.uses_docker = env.get("DOCKER_LLM_MANAGER").is_none_or(|v| v == "1");
                }
            }
        }
        let wait = if self.docker_usable {
            self.cfg.docker_every_secs
        } else {
            DOCKER_RETRY_SECS
        };
        if !any_running || self.last_docker.is_some_and(|t| now - t < wait) {
            return;
        }
        self.last_docker = Some(now);
        let Some(runner) = self.docker.as_mut() else {
            return;
        };
        let all = system::containers(runner.as_mut(), "cortensor-node");
        self.docker_usable = all.is_some();
        self.docker_seen = Some(all.is_some());
        for n in nodes {
            let Some(w) = self.watched.get_mut(&n.spec.id) else {
                continue;
            };
            let prefix = n.spec.container_prefix();
            let mine: Option<Vec<Container>> = all.as_ref().map(|all| {
                all.iter()
                    .filter(|c| c.name.starts_with(&prefix))
                    .cloned()
                    .collect()
            });
            for c in mine.iter().flatten() {
                w.container_restarts += match w.last_seen.get(&c.name) {
                    Some(before) => restarts_between(before, c),
                    // First sight: Docker's own count so far.
                    None => c.restarts,
                };
                w.last_seen.insert(c.name.clone(), c.clone());
            }
            w.containers = mine;
        }
    }

    /// While a first start runs, which images Docker pulled since it began (every
    /// `docker_every_secs`; each look runs the docker CLI twice).
    fn probe_pulls(&mut self, first: Option<&crate::first_start::FirstStart>, now: i64) {
        let Some(f) = first else {
            self.pulled = None;
            return;
        };
        if self
            .last_pull_probe
            .is_some_and(|t| now - t < self.cfg.docker_every_secs)
        {
            return;
        }
        self.last_pull_probe = Some(now);
        if let Some(runner) = self.docker.as_mut() {
            self.pulled = system::pulled_images(runner.as_mut(), f.began_at, now);
        }
    }

    /// Find each root's descendants (a node may run workers as child processes), every
    /// [`TREE_SCAN_EVERY_SECS`] or when a root is new. One scan of the process table.
    fn refresh_trees(&mut self, roots: &[u32], now: i64) {
        let stale = self
            .last_tree_scan
            .is_none_or(|t| now - t >= TREE_SCAN_EVERY_SECS);
        if !stale && roots.iter().all(|r| self.trees.contains_key(r)) {
            return;
        }
        self.last_tree_scan = Some(now);
        let children = match crate::platform::process::children_map() {
            Some(map) => map,
            None => {
                let Some(sys) = self.sys.as_mut() else { return };
                sys.refresh_processes_specifics(
                    sysinfo::ProcessesToUpdate::All,
                    true,
                    sysinfo::ProcessRefreshKind::nothing(),
                );
                let mut map: HashMap<u32, Vec<u32>> = HashMap::new();
                for (pid, p) in sys.processes() {
                    if p.thread_kind().is_none() {
                        if let Some(parent) = p.parent() {
                            map.entry(parent.as_u32()).or_default().push(pid.as_u32());
                        }
                    }
                }
                map
            }
        };
        let trees: HashMap<u32, Vec<u32>> = roots
            .iter()
            .map(|r| (*r, descendants(*r, &children)))
            .collect();
        if trees != self.trees {
            // New processes: count their threads and files at once.
            self.last_slow_sample = None;
        }
        self.trees = trees;
    }

    /// CPU, memory, threads and open files of each root's process tree, summed. Open files
    /// (a directory listing per process) are counted every [`SLOW_SAMPLE_EVERY_SECS`] and kept
    /// in between. On Linux one read of `/proc/<pid>/stat` per process gives the rest; elsewhere
    /// sysinfo does.
    fn sample(&mut self, roots: &[u32], now: i64) -> HashMap<u32, TreeSample> {
        let slow = self
            .last_slow_sample
            .is_none_or(|t| now - t >= SLOW_SAMPLE_EVERY_SECS)
            || roots.iter().any(|r| !self.slow.contains_key(r));
        if slow {
            self.last_slow_sample = Some(now);
            self.slow.clear();
        }
        let mut out = HashMap::new();
        if cfg!(target_os = "linux") {
            let at = std::time::Instant::now();
            let tck = crate::platform::process::clock_ticks_per_sec();
            let mut seen: HashMap<u32, (u64, std::time::Instant)> = HashMap::new();
            for root in roots {
                let tree: Vec<u32> = std::iter::once(*root)
                    .chain(self.trees.get(root).into_iter().flatten().copied())
                    .collect();
                let mut t: Option<TreeSample> = None;
                let mut files = Some(0u32);
                for pid in tree {
                    let Some(s) = crate::platform::process::stat_sample(pid) else {
                        continue;
                    };
                    let cpu = match self.cpu_prev.get(&pid) {
                        Some((ticks, when)) if s.cpu_ticks >= *ticks => {
                            let secs = at.duration_since(*when).as_secs_f64().max(0.001);
                            ((s.cpu_ticks - ticks) as f64 / tck / secs * 100.0) as f32
                        }
                        _ => 0.0,
                    };
                    seen.insert(pid, (s.cpu_ticks, at));
                    if slow {
                        files = files
                            .and_then(|n| Some(n + crate::platform::process::open_files(pid)?));
                    }
                    let acc = t.get_or_insert(TreeSample {
                        cpu: 0.0,
                        rss: 0,
                        threads: Some(0),
                        files: None,
                        processes: 0,
                    });
                    acc.cpu += cpu;
                    acc.rss += s.rss_bytes;
                    acc.threads = acc.threads.map(|n| n + s.threads);
                    acc.processes += 1;
                }
                if let Some(mut t) = t {
                    if slow {
                        self.slow.insert(*root, (None, files));
                    }
                    t.files = self.slow.get(root).and_then(|(_, f)| *f);
                    out.insert(*root, t);
                }
            }
            self.cpu_prev = seen;
            return out;
        }
        let Some(sys) = self.sys.as_mut() else {
            return out;
        };
        let all: Vec<sysinfo::Pid> = roots
            .iter()
            .flat_map(|r| {
                std::iter::once(*r).chain(self.trees.get(r).into_iter().flatten().copied())
            })
            .map(sysinfo::Pid::from_u32)
            .collect();
        let kind = sysinfo::ProcessRefreshKind::nothing()
            .with_cpu()
            .with_memory();
        let kind = if slow { kind.with_tasks() } else { kind };
        sys.refresh_processes_specifics(sysinfo::ProcessesToUpdate::Some(&all), true, kind);
        for root in roots {
            let Some(p) = sys.process(sysinfo::Pid::from_u32(*root)) else {
                continue;
            };
            let mut t = TreeSample {
                cpu: p.cpu_usage(),
                rss: p.memory(),
                threads: None,
                files: None,
                processes: 1,
            };
            let mut counts = if slow {
                (threads(p), p.open_files().map(|f| f as u32))
            } else {
                (None, None)
            };
            for child in self.trees.get(root).into_iter().flatten() {
                if let Some(c) = sys.process(sysinfo::Pid::from_u32(*child)) {
                    t.cpu += c.cpu_usage();
                    t.rss += c.memory();
                    t.processes += 1;
                    if slow {
                        counts.0 = counts.0.map(|n| n + threads(c).unwrap_or(1));
                        counts.1 = counts.1.map(|n| n + c.open_files().unwrap_or(0) as u32);
                    }
                }
            }
            if slow {
                self.slow.insert(*root, counts);
            }
            (t.threads, t.files) = self.slow.get(root).copied().unwrap_or((None, None));
            out.insert(*root, t);
        }
        out
    }

    /// One pass over every node. Returns the fresh snapshots (also stored).
    pub fn tick(&mut self, layout: &Layout, store: &Store, now: i64) -> Vec<NodeHealth> {
        let nodes: Vec<NodeRecord> = store.nodes().unwrap_or_default();
        let runtime: BTreeMap<u32, RuntimeRecord> = store
            .runtime()
            .unwrap_or_default()
            .into_iter()
            .map(|r| (r.node_id, r))
            .collect();
        let pids: Vec<u32> = runtime.values().filter_map(|r| r.pid).collect();
        self.refresh_trees(&pids, now);
        let samples = self.sample(&pids, now);
        let conn = store.conn();
        let balances = store.balances().unwrap_or_default();
        let mut out = Vec::with_capacity(nodes.len());
        for n in &nodes {
            let id = n.spec.id;
            let w = self.watched.entry(id).or_insert_with(|| Watched {
                follower: Follower::new(&layout.log_file(id), false),
                tracker: Tracker::new(&n.spec.address),
                down_since: None,
                down_alerted: false,
                risk_alerted_day: None,
                ledger_written: None,
                containers: None,
                last_seen: HashMap::new(),
                container_restarts: 0,
                ports: Vec::new(),
                dedicated: false,
                last_state: None,
                uses_docker: true,
            });
            for line in w.follower.poll() {
                w.tracker.feed(&line, now, &self.rules);
            }
        }
        self.probe(layout, &nodes, !pids.is_empty(), now);
        // The machine's first start: one node pulls the LLM images, the others wait for it.
        let first = crate::first_start::load(store);
        self.probe_pulls(first.as_ref(), now);
        // One transaction for the writes of the pass: one commit instead of one per node.
        // IMMEDIATE: the write lock up front (waiting out other writers), taken only now that
        // the slow probes (docker, ports) are done. A deferred transaction that has read first
        // cannot take it once another connection committed (WAL's snapshot rule fails at once,
        // busy timeout or not), and the pass would lose its ledger minutes and snapshots.
        let _ = conn.execute_batch("BEGIN IMMEDIATE");
        for n in &nodes {
            let id = n.spec.id;
            // Alerts raised in this pass, remembered as open once the node is done with.
            let mut raised: Vec<&'static str> = Vec::new();
            let Some(w) = self.watched.get_mut(&id) else {
                continue;
            };
            let rt = runtime.get(&id);
            let (state, reason) = classify(rt, &w.tracker.summary, now, &self.cfg.thresholds);
            let (state, reason) = refine(
                state,
                reason,
                rt.and_then(|r| r.started_at),
                w.containers.as_deref(),
                &w.ports,
                w.dedicated,
                now,
                &self.cfg.thresholds,
            );
            let (state, reason, waiting) = match &first {
                Some(f)
                    if f.held.contains(&id)
                        && rt.is_some_and(|r| r.pid.is_none() && r.desired == "running") =>
                {
                    (
                        NodeState::Starting,
                        crate::first_start::held_reason(f, now),
                        true,
                    )
                }
                Some(f)
                    if f.leader == id
                        && rt.is_some_and(|r| r.pid.is_some())
                        && !w
                            .tracker
                            .summary
                            .last_progress_at
                            .is_some_and(|p| p >= f.began_at)
                        && matches!(state, NodeState::Starting | NodeState::Degraded) =>
                {
                    (
                        NodeState::Starting,
                        crate::first_start::leader_reason(f, self.pulled.as_deref(), now),
                        false,
                    )
                }
                _ => (state, reason, false),
            };
            // A node held back has not run yet: nothing for the ledger.
            if state != NodeState::Stopped && !waiting {
                let mark = (now.div_euclid(60), state.is_up());
                // One write per minute, or when the node comes up within the minute.
                if w.ledger_written
                    .is_none_or(|(m, up)| m != mark.0 || (!up && mark.1))
                {
                    let _ = ledger::record(conn, id, now, mark.1);
                    w.ledger_written = Some(mark);
                }
            }
            // Down for too long: one alert per episode.
            if state == NodeState::Down {
                let since = *w.down_since.get_or_insert(now);
                if now - since >= self.cfg.down_alert_secs && !w.down_alerted {
                    w.down_alerted = true;
                    let _ = store.add_alert(
                        Some(id),
                        "down",
                        &format!(
                            "node {id} has been down for {} ({reason})",
                            crate::platform::clock::describe_age(now - since)
                        ),
                        now,
                    );
                    raised.push("down");
                }
            } else {
                w.down_since = None;
                w.down_alerted = false;
            }
            // Uptime: recomputed when the minute turns or the node goes up or down, so a
            // figure never outlives the minute it describes.
            let minute = now.div_euclid(60);
            let up_now = state.is_up() && !waiting;
            let uptime = match self.last_uptime.get(&id) {
                Some((m, was_up, u)) if *m == minute && *was_up == up_now => Some(u.clone()),
                _ => ledger::uptime(conn, id, self.cfg.contest_start, now)
                    .ok()
                    .inspect(|u| {
                        self.last_uptime.insert(id, (minute, up_now, u.clone()));
                    }),
            };
            // Today cannot count towards qualification any more: one alert, resolved at the
            // next UTC day (or when the node is removed).
            let day = now.div_euclid(86_400);
            let lost = uptime
                .as_ref()
                .is_some_and(|u| u.today_lost && !u.measuring);
            if lost && state != NodeState::Stopped && w.risk_alerted_day != Some(day) {
                w.risk_alerted_day = Some(day);
                let _ = store.add_alert(
                    Some(id),
                    "uptime_at_risk",
                    &format!(
                        "node {id} cannot count today (UTC) towards qualification: it has been down too long today, and a day needs {:.0} % ({} of 1,440 minutes) up",
                        ledger::QUALIFYING_DAY_PCT,
                        ledger::QUALIFYING_DAY_MINUTES
                    ),
                    now,
                );
                raised.push("uptime_at_risk");
            }
            let became_healthy = state == NodeState::Healthy && w.last_state != Some(state);
            w.last_state = Some(state);
            for kind in raised {
                self.book.open.insert((id, kind));
            }
            if !lost {
                self.book.resolve(store, id, "uptime_at_risk", now, false);
            }
            if state != NodeState::Down {
                self.book.resolve(store, id, "down", now, false);
            }
            // The supervisor raises these: asked of the store when the node turns healthy.
            if became_healthy {
                self.book.resolve(store, id, "crash_loop", now, true);
                self.book.resolve(store, id, "start_failed", now, true);
            }
            let earning = super::state::earning(
                state,
                &reason,
                super::state::EarningFacts {
                    registered: n.registered.as_deref().is_some_and(|r| r.starts_with("ok")),
                    uses_docker: w.uses_docker,
                    docker_usable: self.docker_seen,
                    no_gas: balances.get(&id).is_some_and(|b| b.wei == Some(0)),
                },
            );
            let sample = rt.and_then(|r| r.pid).and_then(|p| samples.get(&p));
            let h = NodeHealth {
                id,
                address: n.spec.address.clone(),
                state,
                reason,
                pid: rt.and_then(|r| r.pid),
                restarts: rt.map_or(0, |r| r.restarts),
                up_since: rt.and_then(|r| r.pid.and(r.started_at)),
                cpu_pct: sample.map(|s| s.cpu),
                rss_bytes: sample.map(|s| s.rss),
                threads: sample.and_then(|s| s.threads),
                open_files: sample.and_then(|s| s.files),
                processes: sample.map(|s| s.processes),
                log_age_secs: w.tracker.summary.last_line_at.map(|t| now - t),
                log: w.tracker.summary.clone(),
                uptime,
                containers: w.containers.clone(),
                container_restarts: w.container_restarts,
                ports: w.ports.clone(),
                balance: balances.get(&id).map(crate::chain::view),
                earning,
                at: now,
            };
            let _ = conn.execute(
                "INSERT INTO health (node_id, snapshot, updated_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT(node_id) DO UPDATE SET snapshot = ?2, updated_at = ?3",
                rusqlite::params![id, serde_json::to_string(&h).unwrap_or_default(), now],
            );
            out.push(h);
        }
        let _ = conn.execute_batch("COMMIT");
        let disk = if self.last_disk_check.is_none_or(|t| now - t >= 60) {
            self.last_disk_check = Some(now);
            crate::doctor::free_space(&layout.root)
        } else {
            None
        };
        if let Some(free) = disk {
            if free < self.cfg.low_disk_bytes && !self.low_disk_alerted {
                self.low_disk_alerted = true;
                let _ = store.add_alert(
                    None,
                    "low_disk",
                    &format!(
                        "only {} MB free on the nodes' disk; free some space before it fills up",
                        free >> 20
                    ),
                    now,
                );
            } else if free >= self.cfg.low_disk_bytes {
                self.low_disk_alerted = false;
            }
        }
        if now - self.last_maintenance >= 3600 {
            self.last_maintenance = now;
            let _ = ledger::maintain(conn, now);
            let _ = store.prune_alerts(now - ALERTS_KEPT_DAYS * 86_400);
            // A daily copy to rebuild from if the database is ever damaged.
            if let Some(dir) = store.path().parent() {
                let _ = crate::store::recover::backup(store, dir, now);
            }
        }
        out
    }
}

/// Alerts are kept this long (the `alerts --all` history).
pub const ALERTS_KEPT_DAYS: i64 = 90;

/// The snapshots the monitor last stored.
pub fn snapshots(store: &Store) -> Vec<NodeHealth> {
    let mut stmt = match store
        .conn()
        .prepare("SELECT snapshot FROM health ORDER BY node_id")
    {
        Ok(s) => s,
        Err(_) => return Vec::new(),
    };
    let rows = stmt.query_map([], |r| r.get::<_, String>(0));
    rows.map(|it| {
        it.flatten()
            .filter_map(|s| serde_json::from_str(&s).ok())
            .collect()
    })
    .unwrap_or_default()
}

/// Prometheus text exposition of the snapshots.
pub fn prometheus(health: &[NodeHealth]) -> String {
    let mut s = String::new();
    let mut metric = |name: &str, help: &str, kind: &str, rows: Vec<(String, f64)>| {
        s.push_str(&format!("# HELP {name} {help}\n# TYPE {name} {kind}\n"));
        for (labels, v) in rows {
            s.push_str(&format!("{name}{{{labels}}} {v}\n"));
        }
    };
    let l = |h: &NodeHealth| format!("node=\"{}\",address=\"{}\"", h.id, h.address);
    metric(
        "cortensor_node_up",
        "1 when the node is starting, healthy or degraded",
        "gauge",
        health
            .iter()
            .map(|h| (l(h), f64::from(u8::from(h.state.is_up()))))
            .collect(),
    );
    metric(
        "cortensor_node_state",
        "1 for the node's current state",
        "gauge",
        health
            .iter()
            .map(|h| (format!("{},state=\"{}\"", l(h), h.state.name()), 1.0))
            .collect(),
    );
    metric(
        "cortensor_node_restarts_total",
        "Restarts after crashes",
        "counter",
        health
            .iter()
            .map(|h| (l(h), f64::from(h.restarts)))
            .collect(),
    );
    metric(
        "cortensor_node_session_id",
        "Latest network session seen in the log",
        "gauge",
        health
            .iter()
            .filter_map(|h| h.log.session_id.map(|v| (l(h), v as f64)))
            .collect(),
    );
    metric(
        "cortensor_node_session_state",
        "Latest session state (0 Request … 6 End)",
        "gauge",
        health
            .iter()
            .filter_map(|h| h.log.state.map(|v| (l(h), f64::from(v))))
            .collect(),
    );
    metric(
        "cortensor_node_tasks_assigned_total",
        "Sessions this node was assigned to",
        "counter",
        health
            .iter()
            .map(|h| (l(h), f64::from(h.log.tasks_assigned)))
            .collect(),
    );
    metric(
        "cortensor_node_tasks_committed_total",
        "Assigned sessions that reached Commit",
        "counter",
        health
            .iter()
            .map(|h| (l(h), f64::from(h.log.tasks_committed)))
            .collect(),
    );
    metric(
        "cortensor_node_pings_total",
        "Network pings",
        "counter",
        health
            .iter()
            .map(|h| (l(h), f64::from(h.log.pings)))
            .collect(),
    );
    metric(
        "cortensor_node_errors_total",
        "Error lines and crashes in the log",
        "counter",
        health
            .iter()
            .map(|h| (l(h), f64::from(h.log.errors)))
            .collect(),
    );
    metric(
        "cortensor_node_malformed_lines_total",
        "Log lines that looked known but did not parse",
        "counter",
        health
            .iter()
            .map(|h| (l(h), f64::from(h.log.malformed)))
            .collect(),
    );
    metric(
        "cortensor_node_log_age_seconds",
        "Seconds since the last log line",
        "gauge",
        health
            .iter()
            .filter_map(|h| h.log_age_secs.map(|v| (l(h), v as f64)))
            .collect(),
    );
    metric(
        "cortensor_node_container_restarts_total",
        "Restarts of the node's LLM engine containers",
        "counter",
        health
            .iter()
            .filter(|h| h.containers.is_some())
            .map(|h| (l(h), f64::from(h.container_restarts)))
            .collect(),
    );
    metric(
        "cortensor_node_port_listening",
        "1 when something listens on the node's port",
        "gauge",
        health
            .iter()
            .flat_map(|h| {
                h.ports.iter().map(move |p| {
                    (
                        format!("{},port=\"{}\",name=\"{}\"", l(h), p.port, p.name),
                        f64::from(u8::from(p.listening)),
                    )
                })
            })
            .collect(),
    );
    metric(
        "cortensor_node_cpu_percent",
        "CPU of the node process (% of one core)",
        "gauge",
        health
            .iter()
            .filter_map(|h| h.cpu_pct.map(|v| (l(h), f64::from(v))))
            .collect(),
    );
    metric(
        "cortensor_node_rss_bytes",
        "Resident memory of the node process",
        "gauge",
        health
            .iter()
            .filter_map(|h| h.rss_bytes.map(|v| (l(h), v as f64)))
            .collect(),
    );
    metric(
        "cortensor_node_uptime_ratio",
        "Share of observed minutes the node was up",
        "gauge",
        health
            .iter()
            .flat_map(|h| {
                let u = h.uptime.clone();
                [
                    ("24h", u.as_ref().and_then(|u| u.last_24h_pct)),
                    ("7d", u.as_ref().and_then(|u| u.last_7d_pct)),
                    ("contest", u.as_ref().and_then(|u| u.contest_pct)),
                ]
                .into_iter()
                .filter_map(move |(w, p)| {
                    p.map(|p| (format!("{},window=\"{w}\"", l(h)), p / 100.0))
                })
                .collect::<Vec<_>>()
            })
            .collect(),
    );
    // In seconds, Prometheus's base unit (promtool refuses `_days`): whole qualifying UTC days.
    metric(
        "cortensor_node_qualified_seconds",
        "Time with enough uptime to count towards qualification (whole UTC days, in seconds)",
        "gauge",
        health
            .iter()
            .filter_map(|h| {
                h.uptime
                    .as_ref()
                    .map(|u| (l(h), f64::from(u.qualified_days) * 86_400.0))
            })
            .collect(),
    );
    s
}

/// A running `/metrics` endpoint on 127.0.0.1; stops when dropped.
pub struct MetricsServer {
    server: std::sync::Arc<tiny_http::Server>,
    /// The port it listens on (the one asked for, or the one the OS chose for 0).
    pub port: u16,
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.server.unblock();
    }
}

/// A web page elsewhere can make the browser send requests to 127.0.0.1 under its own name
/// (DNS rebinding): only requests addressed to this machine by its loopback name are answered.
pub fn host_allowed(host: Option<&str>, port: u16) -> bool {
    host.is_some_and(|h| {
        let h = h.trim().to_ascii_lowercase();
        h == format!("127.0.0.1:{port}") || h == format!("localhost:{port}")
    })
}

/// Serve `/metrics` on 127.0.0.1:`port` from `current` (refreshed by the caller).
pub fn serve_metrics(
    port: u16,
    current: std::sync::Arc<std::sync::Mutex<String>>,
) -> std::io::Result<MetricsServer> {
    let server = tiny_http::Server::http(("127.0.0.1", port)).map_err(|e| {
        std::io::Error::new(std::io::ErrorKind::AddrInUse, format!("port {port}: {e}"))
    })?;
    let server = std::sync::Arc::new(server);
    let bound = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .unwrap_or(port);
    let serving = server.clone();
    std::thread::spawn(move || {
        for req in serving.incoming_requests() {
            let host = req
                .headers()
                .iter()
                .find(|h| h.field.equiv("Host"))
                .map(|h| h.value.as_str().to_string());
            let (status, body) = if !host_allowed(host.as_deref(), bound) {
                (
                    403,
                    "only http://127.0.0.1:PORT or http://localhost:PORT may read these metrics\n"
                        .into(),
                )
            } else if req.url() == "/metrics" {
                (200, current.lock().map(|s| s.clone()).unwrap_or_default())
            } else {
                (404, "see /metrics\n".into())
            };
            let resp = tiny_http::Response::from_string(body)
                .with_status_code(status)
                .with_header(
                    tiny_http::Header::from_bytes("Content-Type", "text/plain; version=0.0.4")
                        .expect("valid header"),
                );
            let _ = req.respond(resp);
        }
    });
    Ok(MetricsServer {
        server,
        port: bound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_answer_only_this_machines_loopback_names() {
        assert!(host_allowed(Some("127.0.0.1:9184"), 9184));
        assert!(host_allowed(Some("LOCALHOST:9184"), 9184));
        for bad in [
            None,
            Some("127.0.0.1:9185"),
            Some("evil.example:9184"),
            Some("127.0.0.1"),
            Some(""),
        ] {
            assert!(!host_allowed(bad, 9184), "{bad:?}");
        }
    }
}

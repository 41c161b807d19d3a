//! The daemon's loop: supervise (every tick; only with the supervisor backend, since with OS
//! services the service manager runs the nodes) and monitor (every `sample_every`, 1 s by
//! default), optionally serving Prometheus metrics.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::supervisor::{now_unix, DaemonError, Supervisor};
use crate::health::monitor::{self, Monitor};
use crate::nodes::Layout;
use crate::store::Store;

/// How often the logs of OS-service nodes are looked at for rotation.
pub const LOG_ROTATION_EVERY: Duration = Duration::from_secs(5);

/// Supervise until `stop`: tick the supervisor, retrying a store error with backoff, and set
/// `wake` when a node started or stopped (the monitor then looks at once). It runs on a thread
/// of its own, apart from the monitor's probes (docker, nvidia-smi, ports), so a hung tool never
/// delays a restart. Returns with the nodes still running.
pub fn supervise_loop(
    sup: &mut Supervisor,
    wake: &std::sync::mpsc::Sender<()>,
    stop: &AtomicBool,
) -> Result<(), DaemonError> {
    let mut failures: u32 = 0;
    let tick = sup.tick_interval();
    while !stop.load(Ordering::SeqCst) {
        // A store error (locked, disk full, damaged) is said and retried with backoff:
        // the nodes keep running either way, and the daemon must outlive it.
        match sup.tick() {
            Ok(changed) => {
                if changed {
                    let _ = wake.send(());
                }
                failures = 0;
            }
            Err(e) => {
                failures += 1;
                let wait = Duration::from_millis(200 * 2u64.pow(failures.min(7)));
                eprintln!("supervisor: {e}; trying again in {} ms", wait.as_millis());
                tracing::warn!(target: "daemon", "supervisor: {e}; trying again in {} ms", wait.as_millis());
                sleep_unless(stop, wait);
                continue;
            }
        }
        std::thread::sleep(tick);
    }
    sup.tick().map(|_| ())
}

/// Sleep `d`, waking early when `stop` is set.
fn sleep_unless(stop: &AtomicBool, d: Duration) {
    let end = Instant::now() + d;
    while !stop.load(Ordering::SeqCst) && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50).min(end - Instant::now()));
    }
}

/// Monitor until `stop`: every `sample_every` (and at once when `wake` is set) run `probe`
/// (it records services run by the OS service manager) and a monitor pass, hand its snapshots
/// to `after`, and keep the metrics text current. With OS services (`rotate_logs`) it also
/// rotates the nodes' logs, as the supervisor does its own.
#[allow(clippy::too_many_arguments)]
pub fn watch(
    monitor: &mut Monitor,
    layout: &Layout,
    store: &Store,
    metrics: Option<&Metrics>,
    probe: &mut dyn FnMut(),
    after: &mut dyn FnMut(&[monitor::NodeHealth]),
    sample_every: Duration,
    rotate_logs: Option<&super::supervisor::Config>,
    wake: &std::sync::mpsc::Receiver<()>,
    stop: &AtomicBool,
) {
    let mut last_monitor: Option<Instant> = None;
    let mut last_rotation: Option<Instant> = None;
    while !stop.load(Ordering::SeqCst) {
        if let Some(logs) =
            rotate_logs.filter(|_| last_rotation.is_none_or(|t| t.elapsed() >= LOG_ROTATION_EVERY))
        {
            // The service manager appends to each node's log: copy-truncate rotation here.
            last_rotation = Some(Instant::now());
            for n in store.nodes().unwrap_or_default() {
                let _ = crate::platform::fs::rotate(
                    &layout.log_file(n.spec.id),
                    logs.log_max_bytes,
                    logs.log_keep,
                );
            }
        }
        // Asleep until the next pass is due or a node started or stopped (then at once), waking
        // at least every 250 ms to see `stop`.
        let due = last_monitor.map_or(Duration::ZERO, |t| sample_every.saturating_sub(t.elapsed()));
        let woken = !due.is_zero()
            && match wake.recv_timeout(due.min(Duration::from_millis(250))) {
                Ok(()) => {
                    while wake.try_recv().is_ok() {}
                    true
                }
                Err(_) => false,
            };
        if woken || last_monitor.is_none_or(|t| t.elapsed() >= sample_every) {
            last_monitor = Some(Instant::now());
            probe();
            let health = monitor.tick(layout, store, now_unix());
            after(&health);
            // The text is only made while an endpoint serves it.
            if let Some(m) = metrics.filter(|m| m.serving.load(Ordering::Relaxed)) {
                if let Ok(mut s) = m.text.lock() {
                    *s = monitor::prometheus(&health);
                }
            }
        }
    }
}

/// Options of `cortensor-manager daemon` (the app's headless mode takes the same).
#[derive(Debug, Clone)]
pub struct Options {
    pub supervisor: super::supervisor::Config,
    /// Serve `/metrics` on this port; `None`: the `metrics_port` setting, if the user set one.
    pub metrics_port: Option<u16>,
    /// How often the monitor samples the nodes.
    pub sample_every: Duration,
    /// The monitor's thresholds and probe cadence.
    pub monitor: monitor::MonitorConfig,
    /// How often the release source is asked for a newer `cortensord` (`None`: never).
    pub update_every: Option<Duration>,
    /// How often every node's ETH balance is read through its RPC (`None`: never).
    pub balance_every: Option<Duration>,
    /// How often the bug-report outbox is looked at (`None`: never).
    pub outbox_every: Option<Duration>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            supervisor: Default::default(),
            metrics_port: None,
            sample_every: Duration::from_secs(1),
            monitor: Default::default(),
            update_every: Some(Duration::from_secs(3600)),
            balance_every: Some(Duration::from_secs(15 * 60)),
            outbox_every: Some(Duration::from_secs(30)),
        }
    }
}

/// The setting (in the store) that turns the metrics endpoint on: a port, or empty for off.
/// A running daemon follows it within [`METRICS_FOLLOW_EVERY`].
pub const METRICS_PORT_SETTING: &str = "metrics_port";
pub const METRICS_FOLLOW_EVERY: Duration = Duration::from_secs(2);

/// Turn the metrics endpoint on (on `port`) or off (`None`); a running daemon follows within
/// a few seconds, and one started later reads it. A port another program uses is refused.
pub fn set_metrics_port(store: &Store, port: Option<u16>) -> Result<(), crate::UserError> {
    use crate::UserError;
    let current = metrics_port(store);
    match port {
        Some(0) => Err(UserError::new("port 0 is not a port; choose one between 1024 and 65535 (Prometheus exporters often use 9100–9999)")),
        Some(p) if Some(p) != current && !crate::nodes::port_is_free(p) => {
            Err(UserError::new(format!("port {p} is already in use by another program; choose another")))
        }
        _ => store
            .set_setting(METRICS_PORT_SETTING, &port.map(|p| p.to_string()).unwrap_or_default())
            .map_err(UserError::new),
    }
}

/// The metrics port in the settings (`None`: off).
pub fn metrics_port(store: &Store) -> Option<u16> {
    store
        .setting(METRICS_PORT_SETTING)
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u16>().ok())
}

/// The Prometheus text the daemon keeps current while an endpoint serves it.
#[derive(Default)]
pub struct Metrics {
    pub text: Arc<Mutex<String>>,
    pub serving: AtomicBool,
}

/// The metrics endpoint as the setting wants it.
struct MetricsSetting {
    current: Arc<Metrics>,
    server: Option<monitor::MetricsServer>,
    /// The setting last acted on, and when it was read.
    wanted: Option<u16>,
    read_at: Option<Instant>,
}

impl MetricsSetting {
    fn new(current: Arc<Metrics>) -> MetricsSetting {
        MetricsSetting {
            current,
            server: None,
            wanted: None,
            read_at: None,
        }
    }

    fn serve(&mut self, port: u16) -> std::io::Result<()> {
        self.stop();
        let s = monitor::serve_metrics(port, self.current.text.clone())?;
        eprintln!("metrics on http://127.0.0.1:{}/metrics", s.port);
        self.server = Some(s);
        self.current.serving.store(true, Ordering::Relaxed);
        Ok(())
    }

    fn stop(&mut self) {
        self.current.serving.store(false, Ordering::Relaxed);
        self.server = None;
    }

    /// Start, move or stop the endpoint when the setting changed. A port that cannot be
    /// served raises an alert (once per setting).
    fn follow(&mut self, store: &Store) {
        if self
            .read_at
            .is_some_and(|t| t.elapsed() < METRICS_FOLLOW_EVERY)
        {
            return;
        }
        self.read_at = Some(Instant::now());
        let wanted = store
            .setting(METRICS_PORT_SETTING)
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse::<u16>().ok());
        if wanted == self.wanted {
            return;
        }
        self.wanted = wanted;
        match wanted {
            None => {
                self.stop();
                eprintln!("metrics endpoint turned off");
            }
            Some(port) => {
                if let Err(err) = self.serve(port) {
                    let msg = format!("cannot serve Prometheus metrics on 127.0.0.1:{port} ({err}); choose another port in the app's monitoring settings");
                    let _ = store.add_alert(None, "metrics", &msg, now_unix());
                }
            }
        }
    }
}

/// The whole daemon: open the machine, take the lock, serve metrics if asked, run until `stop`.
pub fn run_foreground(
    data_dir: Option<std::path::PathBuf>,
    opts: Options,
    stop: &AtomicBool,
) -> Result<(), crate::UserError> {
    use crate::UserError;
    let m = crate::machine::Machine::open(data_dir, None)?;
    let supervise = m.backend == crate::install::setup::Backend::Supervisor;
    // With OS services the daemon only watches; it still holds the lock (one daemon per folder).
    // The supervisor takes it itself, on its own thread (below).
    let _lock = if supervise {
        None
    } else {
        Some(super::supervisor::take_lock(&m.layout).map_err(UserError::new)?)
    };
    let (wake, woken) = std::sync::mpsc::channel::<()>();
    let (layout, profile, keychain) = (&m.layout, &m.profile, m.keychain.as_ref().ok());
    std::thread::scope(|scope| {
        // Supervision runs on a thread of its own, with its own connection to the store, so
        // the monitor's slow probes (a hung docker waits out its timeout) never delay a restart.
        let supervision = if supervise {
            let (ready, started) = std::sync::mpsc::channel::<Result<(), String>>();
            let (cfg, wake) = (opts.supervisor.clone(), wake);
            let handle = scope.spawn(move || -> Result<(), DaemonError> {
                let store = match Store::open(&layout.root) {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = ready.send(Err(e.to_string()));
                        return Ok(());
                    }
                };
                let mut sup = match Supervisor::new(layout, &store, keychain, profile, cfg) {
                    Ok(s) => s,
                    Err(e) => {
                        let _ = ready.send(Err(e.to_string()));
                        return Ok(());
                    }
                };
                let _ = ready.send(Ok(()));
                let r = supervise_loop(&mut sup, &wake, stop);
                // Ending on its own (it does not) would leave the nodes unwatched: stop all.
                stop.store(true, Ordering::SeqCst);
                r
            });
            match started.recv() {
                Ok(Ok(())) => Some(handle),
                Ok(Err(e)) => return Err(UserError::new(e)),
                Err(_) => return Err(UserError::new("the supervisor thread ended at start")),
            }
        } else {
            None
        };
        let r = serve_watch(&m, &opts, supervise, &woken, stop);
        // Whatever ended the watch ends the supervision too.
        stop.store(true, Ordering::SeqCst);
        let s = supervision.map(|h| h.join());
        r?;
        match s {
            Some(Ok(Err(e))) => Err(UserError::new(e)),
            Some(Err(_)) => Err(UserError::new("the supervisor thread panicked")),
            _ => Ok(()),
        }
    })?;
    eprintln!("supervisor stopped; nodes left running");
    tracing::info!(target: "daemon", "stopped; nodes left running");
    Ok(())
}

/// The daemon's other half, on the calling thread: its background threads (updates, balances,
/// the report outbox), the metrics endpoint, the first start's release, and the monitor loop.
fn serve_watch(
    m: &crate::machine::Machine,
    opts: &Options,
    supervise: bool,
    wake: &std::sync::mpsc::Receiver<()>,
    stop: &AtomicBool,
) -> Result<(), crate::UserError> {
    use crate::UserError;
    // A newer release is looked for on a thread of its own (a minute after start, then as set).
    let updates_stop = Arc::new(AtomicBool::new(false));
    struct StopOnDrop(Arc<AtomicBool>);
    impl Drop for StopOnDrop {
        fn drop(&mut self) {
            self.0.store(true, Ordering::SeqCst);
        }
    }
    let _updates = StopOnDrop(updates_stop.clone());
    if let Some(every) = opts.update_every {
        super::updates::spawn(
            m.layout.root.clone(),
            Duration::from_secs(60).min(every),
            every,
            updates_stop.clone(),
        );
    }
    // Balances: soon after start (the node cards show them), then as set.
    if let Some(every) = opts.balance_every {
        super::balances::spawn(
            m.layout.root.clone(),
            m.profile.clone(),
            Duration::from_secs(2).min(every),
            every,
            updates_stop.clone(),
        );
    }
    // Bug reports waiting in the outbox: tried as their backoff allows, while the daemon runs.
    if let Some(every) = opts.outbox_every {
        crate::report::outbox::spawn(m.layout.root.clone(), every, updates_stop.clone());
    }
    // Metrics: on the --metrics-port given (an error if it cannot be served), else on the port
    // in the settings, followed while the daemon runs (the app turns it on and off).
    let current = Arc::new(Metrics::default());
    let mut metrics = MetricsSetting::new(current.clone());
    if let Some(port) = opts.metrics_port {
        metrics.serve(port).map_err(|err| {
            UserError::new(format!(
                "cannot serve metrics: {err}; choose another --metrics-port"
            ))
        })?;
    }
    let fixed = opts.metrics_port.is_some();
    let mut mon = Monitor::new(opts.monitor.clone()).with_docker(Box::new(m.runner.clone()));
    tracing::info!(
        target: "daemon",
        "started (version {}, {}) for {}",
        env!("CARGO_PKG_VERSION"),
        if supervise { "supervisor" } else { "monitor of OS services" },
        m.layout.root.display()
    );
    if supervise {
        eprintln!(
            "supervisor running for {} (stopping the supervisor leaves the nodes running)",
            m.layout.root.display()
        );
    } else {
        eprintln!(
            "monitor running for {} (the OS service manager runs the nodes)",
            m.layout.root.display()
        );
    }
    let mut probe = || {
        super::control::probe_services(&m);
        if !fixed {
            metrics.follow(&m.store);
        }
    };
    // The first start ends when its first node is up (or the wait is over): the nodes held
    // back start (the supervisor sees it in the store; OS services are started here).
    let mut release = |health: &[monitor::NodeHealth]| {
        let Some(f) = crate::first_start::load(&m.store) else {
            return;
        };
        let leader = health.iter().find(|h| h.id == f.leader);
        let runtime = m.store.runtime().unwrap_or_default();
        let wanted = |id: u32| {
            runtime
                .iter()
                .any(|r| r.node_id == id && r.desired == "running")
        };
        let now = now_unix();
        let Some(why) = crate::first_start::opens(
            &f,
            leader.and_then(|h| h.log.last_progress_at),
            wanted(f.leader),
            now,
        ) else {
            return;
        };
        if crate::first_start::finish(&m.store, now).is_err() {
            return;
        }
        let go: Vec<u32> = f.held.iter().copied().filter(|id| wanted(*id)).collect();
        eprintln!("first start over ({why}): starting {go:?}");
        tracing::info!(target: "daemon", "first start over ({why}): starting {go:?}");
        if !supervise && !go.is_empty() {
            let specs: Vec<_> = m
                .store
                .nodes()
                .unwrap_or_default()
                .into_iter()
                .map(|r| r.spec)
                .filter(|s| go.contains(&s.id))
                .collect();
            let plan = crate::services::plan::control_plan(&m.target(), &specs, true);
            let mut runner = m.runner.clone();
            if let Err(e) = crate::services::apply::apply(&plan, &mut runner) {
                let _ = m.store.add_alert(
                    None,
                    "start_failed",
                    &format!("could not start nodes {go:?} after the first start: {e}"),
                    now,
                );
            }
        }
    };
    watch(
        &mut mon,
        &m.layout,
        &m.store,
        Some(&current),
        &mut probe,
        &mut release,
        opts.sample_every,
        (!supervise).then_some(&opts.supervisor),
        wake,
        stop,
    );
    Ok(())
}

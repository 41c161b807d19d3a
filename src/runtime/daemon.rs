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

/// Run until `stop`; returns with the nodes still running. `sup`: `None` to only watch.
/// `probe` runs before each monitor pass (it records services run by the OS service manager).
#[allow(clippy::too_many_arguments)]
pub fn run(
    mut sup: Option<&mut Supervisor>,
    monitor: &mut Monitor,
    layout: &Layout,
    store: &Store,
    metrics: Option<Arc<Mutex<String>>>,
    probe: &mut dyn FnMut(),
    sample_every: Duration,
    stop: &AtomicBool,
) -> Result<(), DaemonError> {
    let mut last_monitor: Option<Instant> = None;
    let tick = sup
        .as_ref()
        .map_or(Duration::from_millis(200), |s| s.tick_interval());
    while !stop.load(Ordering::SeqCst) {
        let mut changed = false;
        if let Some(s) = sup.as_deref_mut() {
            changed = s.tick()?;
        }
        // Every `sample_every`, and at once when a node started or stopped.
        if changed || last_monitor.is_none_or(|t| t.elapsed() >= sample_every) {
            last_monitor = Some(Instant::now());
            probe();
            let health = monitor.tick(layout, store, now_unix());
            if let Some(m) = &metrics {
                if let Ok(mut s) = m.lock() {
                    *s = monitor::prometheus(&health);
                }
            }
        }
        std::thread::sleep(tick);
    }
    sup.map_or(Ok(()), |s| s.tick().map(|_| ()))
}

/// Options of `cortensor-manager daemon` (the app's headless mode takes the same).
#[derive(Debug, Clone)]
pub struct Options {
    pub supervisor: super::supervisor::Config,
    /// Serve `/metrics` on this port; `None`: the `metrics_port` setting, if the user set one.
    pub metrics_port: Option<u16>,
    /// How often the monitor samples the nodes.
    pub sample_every: Duration,
    /// How often Docker and the nodes' ports are probed (seconds).
    pub probe_every_secs: i64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            supervisor: Default::default(),
            metrics_port: None,
            sample_every: Duration::from_secs(1),
            probe_every_secs: 10,
        }
    }
}

/// The setting (in the store) that turns the metrics endpoint on for daemons the app launches.
pub const METRICS_PORT_SETTING: &str = "metrics_port";

/// The whole daemon: open the machine, take the lock, serve metrics if asked, run until `stop`.
pub fn run_foreground(
    data_dir: Option<std::path::PathBuf>,
    opts: Options,
    stop: &AtomicBool,
) -> Result<(), crate::api::UserError> {
    use crate::api::UserError;
    let m = crate::machine::Machine::open(data_dir, None)?;
    let supervise = m.backend == crate::install::setup::Backend::Supervisor;
    // With OS services the daemon only watches; it still holds the lock (one daemon per folder).
    let (mut sup, _lock) = if supervise {
        let s = Supervisor::new(
            &m.layout,
            &m.store,
            m.keychain.as_ref().ok(),
            &m.profile,
            opts.supervisor,
        )
        .map_err(UserError::new)?;
        (Some(s), None)
    } else {
        (
            None,
            Some(super::supervisor::take_lock(&m.layout).map_err(UserError::new)?),
        )
    };
    let setting = m
        .store
        .setting(METRICS_PORT_SETTING)
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u16>().ok());
    let metrics = match opts.metrics_port.or(setting) {
        Some(port) => {
            let current = Arc::new(Mutex::new(String::new()));
            let bound = monitor::serve_metrics(port, current.clone()).map_err(|err| {
                UserError::new(format!(
                    "cannot serve metrics: {err}; choose another --metrics-port"
                ))
            })?;
            eprintln!("metrics on http://127.0.0.1:{bound}/metrics");
            Some(current)
        }
        None => None,
    };
    let cfg = monitor::MonitorConfig {
        probe_every_secs: opts.probe_every_secs,
        ..Default::default()
    };
    let mut mon = Monitor::new(cfg).with_docker(Box::new(m.runner.clone()));
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
    };
    run(
        sup.as_mut(),
        &mut mon,
        &m.layout,
        &m.store,
        metrics,
        &mut probe,
        opts.sample_every,
        stop,
    )
    .map_err(UserError::new)?;
    eprintln!("supervisor stopped; nodes left running");
    Ok(())
}

//! `daemon`, `metrics on|off|status`.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cortensor_api::daemon::{self, DaemonArgs};
use cortensor_api::{Session, UserError};

pub fn run(s: &Session, args: &DaemonArgs) -> Result<(), UserError> {
    // Check the options before installing the handler, so a bad one fails at once.
    args.options()?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = stop.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)).map_err(UserError::new)?;
    daemon::run(s, args, &stop)
}

/// `metrics on|off|status`: `set` is `Some(port or None)` to change the setting.
pub fn metrics(s: &Session, set: Option<Option<u16>>) -> Result<(), UserError> {
    if let Some(port) = set {
        daemon::set_metrics_port(s, port)?;
    }
    let st = daemon::metrics_status(s)?;
    match (st.port, st.daemon_running) {
        (Some(p), true) => println!("Metrics: on, http://127.0.0.1:{p}/metrics (the daemon serves them within a few seconds)."),
        (Some(p), false) => println!("Metrics: on, port {p}; they are served while the daemon runs (`cortensor-manager node start all` starts it)."),
        (None, _) => println!("Metrics: off. `cortensor-manager metrics on --port 9184` turns them on."),
    }
    Ok(())
}

//! The daemon: its options (one clap parser, used by the CLI's `daemon` and by the desktop
//! app's headless `daemon` mode), running it, and the Prometheus endpoint setting.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use cortensor_node::health::monitor::MonitorConfig;
use cortensor_node::runtime::{daemon, supervisor};

use crate::{Session, UserError};

/// Options of the daemon (`cortensor-manager daemon`, `cortensor-manager-app daemon`).
#[derive(Debug, Clone, PartialEq, Args)]
pub struct DaemonArgs {
    /// Rotate a node's log when it grows past this many bytes.
    #[arg(long, default_value_t = 10 << 20)]
    pub log_max_bytes: u64,
    /// Seconds a node has to stop after SIGINT before it is killed.
    #[arg(long, default_value_t = 20.0)]
    pub stop_timeout: f64,
    /// Milliseconds between two node starts.
    #[arg(long, default_value_t = 500)]
    pub stagger_ms: u64,
    /// Serve Prometheus metrics on 127.0.0.1:PORT/metrics (off by default).
    #[arg(long)]
    pub metrics_port: Option<u16>,
    /// A node that ran this long without crashing gets its restart backoff reset.
    #[arg(long, default_value_t = 300.0)]
    pub stable_after: f64,
    /// Milliseconds between two health samples (1 Hz by default).
    #[arg(long, default_value_t = 1000)]
    pub sample_ms: u64,
    /// Seconds between two probes of the nodes' ports.
    #[arg(long, default_value_t = 30)]
    pub probe_secs: u32,
    /// Seconds between two looks at the nodes' Docker containers (each runs the docker CLI).
    #[arg(long, default_value_t = 30)]
    pub docker_secs: u32,
    /// Alert when a node has been down this many minutes.
    #[arg(long, default_value_t = 5)]
    pub down_alert_mins: u32,
    /// Alert when the nodes' disk has less free space than this many GiB.
    #[arg(long, default_value_t = 10)]
    pub low_disk_gb: u64,
    /// Minutes between two looks for a newer cortensord at the install's source (0: never).
    #[arg(long, default_value_t = 60)]
    pub update_check_mins: u32,
    /// Seconds between two reads of every node's ETH balance through its RPC (0: never).
    #[arg(long, default_value_t = 900)]
    pub balance_check_secs: u32,
    /// Seconds between two looks at the bug-report outbox (reports waiting to be delivered).
    #[arg(long, default_value_t = 30)]
    pub outbox_check_secs: u32,
}

impl Default for DaemonArgs {
    fn default() -> Self {
        HeadlessApp::parse_from(["app", "daemon"]).daemon()
    }
}

/// The desktop app's command line when it runs without a window:
/// `cortensor-manager-app [--data-dir DIR] daemon [OPTIONS]`.
#[derive(Debug, Parser)]
#[command(name = "cortensor-manager-app")]
pub struct HeadlessApp {
    #[arg(long, global = true, env = crate::session::DATA_DIR_ENV)]
    pub data_dir: Option<PathBuf>,
    #[command(subcommand)]
    command: HeadlessCommand,
}

#[derive(Debug, Subcommand)]
enum HeadlessCommand {
    /// Run the supervisor and monitor without a window.
    Daemon(DaemonArgs),
}

impl HeadlessApp {
    /// `None` when `args` do not ask for the daemon (the app opens its window); otherwise the
    /// parsed options, or clap's message for bad ones.
    pub fn from_args(args: &[String]) -> Option<Result<HeadlessApp, String>> {
        if !args.iter().skip(1).any(|a| a == "daemon") {
            return None;
        }
        Some(HeadlessApp::try_parse_from(args).map_err(|e| e.to_string()))
    }

    pub fn daemon(self) -> DaemonArgs {
        match self.command {
            HeadlessCommand::Daemon(d) => d,
        }
    }
}

impl DaemonArgs {
    /// The daemon's options, after checking each value.
    pub fn options(&self) -> Result<daemon::Options, UserError> {
        let seconds = |name: &str, v: f64| {
            if v.is_finite() && v > 0.0 && v <= 86_400.0 {
                Ok(Duration::from_secs_f64(v))
            } else {
                Err(UserError::new(format!(
                    "{name} must be a number of seconds above 0 and at most a day (got {v})"
                )))
            }
        };
        if !(100..=60_000).contains(&self.sample_ms) {
            return Err(UserError::new(
                "--sample-ms must be between 100 (10 Hz) and 60000 (once a minute)",
            ));
        }
        if self.probe_secs == 0 || self.docker_secs == 0 {
            return Err(UserError::new(
                "--probe-secs and --docker-secs must be at least 1",
            ));
        }
        if self.down_alert_mins == 0 || self.down_alert_mins > 7 * 24 * 60 {
            return Err(UserError::new(
                "--down-alert-mins must be between 1 and a week (10080)",
            ));
        }
        if self.stagger_ms > 600_000 {
            return Err(UserError::new(
                "--stagger-ms must be at most 600000 (10 min)",
            ));
        }
        if self.low_disk_gb > 1 << 20 {
            return Err(UserError::new(
                "--low-disk-gb must be at most 1048576 (1 PiB)",
            ));
        }
        let supervisor = supervisor::Config {
            log_max_bytes: self.log_max_bytes,
            stop_timeout: seconds("--stop-timeout", self.stop_timeout)?,
            stagger: Duration::from_millis(self.stagger_ms),
            stable_after: seconds("--stable-after", self.stable_after)?,
            ..Default::default()
        };
        Ok(daemon::Options {
            supervisor,
            metrics_port: self.metrics_port,
            sample_every: Duration::from_millis(self.sample_ms),
            monitor: MonitorConfig {
                probe_every_secs: i64::from(self.probe_secs),
                docker_every_secs: i64::from(self.docker_secs),
                down_alert_secs: i64::from(self.down_alert_mins) * 60,
                low_disk_bytes: self.low_disk_gb << 30,
                ..Default::default()
            },
            update_every: (self.update_check_mins > 0)
                .then(|| Duration::from_secs(u64::from(self.update_check_mins) * 60)),
            balance_every: (self.balance_check_secs > 0)
                .then(|| Duration::from_secs(u64::from(self.balance_check_secs))),
            outbox_every: (self.outbox_check_secs > 0)
                .then(|| Duration::from_secs(u64::from(self.outbox_check_secs))),
        })
    }
}

/// Run the daemon in the foreground until `stop` (the nodes keep running after it).
pub fn run(s: &Session, args: &DaemonArgs, stop: &AtomicBool) -> Result<(), UserError> {
    let opts = args.options()?;
    s.start_log("daemon-events");
    let r = daemon::run_foreground(s.data_dir(), opts, stop);
    if let Err(e) = &r {
        tracing::error!(target: "daemon", "stopped: {e}");
    }
    r
}

/// Where the Prometheus endpoint stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MetricsStatus {
    /// `None`: off.
    pub port: Option<u16>,
    /// A daemon runs (it serves the endpoint within seconds of the setting).
    pub daemon_running: bool,
}

/// The metrics port setting (`None`: off).
pub fn metrics_port(s: &Session) -> Result<Option<u16>, UserError> {
    Ok(daemon::metrics_port(&s.store()?))
}

/// Turn the endpoint on (`Some(port)`) or off; a running daemon follows within seconds.
pub fn set_metrics_port(s: &Session, port: Option<u16>) -> Result<(), UserError> {
    daemon::set_metrics_port(&s.store()?, port)
}

pub fn metrics_status(s: &Session) -> Result<MetricsStatus, UserError> {
    let m = s.machine()?;
    Ok(MetricsStatus {
        port: daemon::metrics_port(&m.store),
        daemon_running: supervisor::daemon_running(&m.layout),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_app_without_daemon_opens_its_window() {
        assert!(HeadlessApp::from_args(&args(&["app"])).is_none());
        assert!(HeadlessApp::from_args(&args(&["app", "--data-dir", "/d"])).is_none());
    }

    #[test]
    fn the_apps_daemon_mode_takes_every_daemon_option() {
        let h = HeadlessApp::from_args(&args(&[
            "app",
            "--data-dir",
            "/tmp/x",
            "daemon",
            "--sample-ms",
            "250",
            "--metrics-port",
            "9300",
        ]))
        .unwrap()
        .unwrap();
        assert_eq!(h.data_dir, Some(PathBuf::from("/tmp/x")));
        let d = h.daemon();
        assert_eq!(d.sample_ms, 250);
        assert_eq!(d.metrics_port, Some(9300));
        assert_eq!(d.probe_secs, 30, "defaults as the CLI's");
        let o = d.options().unwrap();
        assert_eq!(o.sample_every, Duration::from_millis(250));
    }

    #[test]
    fn bad_daemon_options_are_refused_with_the_flag_named() {
        let bad = HeadlessApp::from_args(&args(&["app", "daemon", "--sample-ms", "x"]));
        assert!(bad.unwrap().is_err());
        for (flag, v) in [
            ("--stop-timeout", "inf"),
            ("--stable-after", "0"),
            ("--sample-ms", "5"),
            ("--down-alert-mins", "0"),
            ("--stop-timeout", "1e300"),
        ] {
            let d = HeadlessApp::from_args(&args(&["app", "daemon", flag, v]))
                .unwrap()
                .unwrap()
                .daemon();
            let e = d.options().unwrap_err();
            assert!(e.message.contains(flag), "{flag}={v}: {e}");
        }
    }

    #[test]
    fn defaults_match_the_node_crate() {
        let o = DaemonArgs::default().options().unwrap();
        let n = daemon::Options::default();
        assert_eq!(o.sample_every, n.sample_every);
        assert_eq!(o.supervisor.log_max_bytes, n.supervisor.log_max_bytes);
        assert_eq!(o.monitor.probe_every_secs, n.monitor.probe_every_secs);
        assert_eq!(o.update_every, n.update_every);
        assert_eq!(o.balance_every, n.balance_every);
    }
}

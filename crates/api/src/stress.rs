//! The stress test for testers: run cycles in sandboxes, clean up what a killed run left, read
//! the latest report. The work is `cortensor_node::stress`; this gathers the machine's
//! description and shapes the answers.

use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use cortensor_node::doctor::DockerState;
use cortensor_node::stress::run::{self, Options, Progress};
use cortensor_node::stress::sandbox;
pub use cortensor_node::stress::sandbox::Cleaned;
use cortensor_node::stress::{Environment, Phase, Report};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{user, Session, UserError};

/// What to run (the CLI's `stress` flags; the app's Stress page form).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StressRequest {
    pub cycles: u32,
    /// Nodes launched per cycle.
    pub parallel: u32,
    /// The phases timed; empty: all.
    #[serde(default)]
    pub phases: Vec<Phase>,
    /// `official`, a manifest URL, or (the CLI only; the app passes a dialog's token) a folder.
    pub source: String,
    #[ts(type = "number")]
    pub timeout_secs: u64,
}

/// A finished (or cancelled) run: its report, and the folder it was written to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StressOutcome {
    pub report: Report,
    pub dir: String,
    /// `chart.svg`, for the app to show.
    pub chart_svg: String,
}

pub use cortensor_node::stress::run::Progress as StressProgress;
pub use cortensor_node::stress::{
    CycleResult, Failure, FailureClass, Phase as StressPhase, PhaseStats, Report as StressReport,
};

/// The machine, for the report.
fn environment(s: &Session) -> Result<Environment, UserError> {
    let mut m = s.machine()?;
    let f =
        cortensor_node::doctor::gather(&mut m.runner, &m.layout.root, &m.profile, None, None, None);
    let cpu = cortensor_node::doctor::cpu_brand().trim().to_string();
    Ok(Environment {
        os: sysinfo::System::name().unwrap_or_default(),
        os_version: sysinfo::System::os_version().unwrap_or_default(),
        kernel: sysinfo::System::kernel_version().unwrap_or_default(),
        arch: std::env::consts::ARCH.into(),
        cpu,
        cores: f.cores,
        ram_bytes: f.ram_total,
        disk_free_bytes: f.disk_free.unwrap_or(0),
        docker: match &f.docker {
            DockerState::Missing => "not installed".into(),
            DockerState::NotRunning(_) => "not running".into(),
            DockerState::NoPermission(v) => format!("{v} (this user may not use it)"),
            DockerState::Ready(v) => v.clone(),
        },
        app_version: env!("CARGO_PKG_VERSION").into(),
        cortensord_version: String::new(),
    })
}

/// Run the stress test; `progress` hears every phase and cycle, `cancel` stops it (cleaning up).
/// `out`: where the report goes (the CLI's `--out`); `None`: `<data>/stress/<id>/`.
pub fn run(
    s: &Session,
    req: &StressRequest,
    out: Option<PathBuf>,
    progress: &mut dyn FnMut(&Progress),
    cancel: &AtomicBool,
) -> Result<StressOutcome, UserError> {
    let opts = Options {
        cycles: req.cycles,
        parallel: req.parallel,
        phases: if req.phases.is_empty() {
            Phase::ALL.to_vec()
        } else {
            let mut p = req.phases.clone();
            p.sort();
            p.dedup();
            p
        },
        source: req.source.trim().to_string(),
        timeout: Duration::from_secs(req.timeout_secs),
        out,
    };
    opts.check().map_err(UserError::new)?;
    let env = environment(s)?;
    let m = s.machine()?;
    let (report, dir) = run::run(&m.layout.root, &m.profile, &opts, env, progress, cancel)
        .map_err(UserError::new)?;
    Ok(StressOutcome {
        chart_svg: cortensor_node::stress::render_svg(&report),
        report,
        dir: dir.display().to_string(),
    })
}

/// Remove what stress runs left (sandboxes of runs that are over, and their processes).
pub fn clean(s: &Session) -> Result<Cleaned, UserError> {
    let m = s.machine()?;
    Ok(sandbox::clean(&m.layout.root, false))
}

/// The latest run's report, if there is one.
pub fn latest(s: &Session) -> Result<Option<StressOutcome>, UserError> {
    let m = s.machine()?;
    let dir = sandbox::root(&m.layout.root).join("latest");
    let Ok(text) = std::fs::read_to_string(dir.join("report.json")) else {
        return Ok(None);
    };
    let report: Report = serde_json::from_str(&text).map_err(|e| {
        user(format!(
            "the latest stress report ({}) cannot be read: {e}; run the stress test again",
            dir.display()
        ))
    })?;
    Ok(Some(StressOutcome {
        chart_svg: cortensor_node::stress::render_svg(&report),
        report,
        dir: dir.display().to_string(),
    }))
}

//! `stress`: install → launch → healthy → stop → uninstall, cycle after cycle, in sandboxes
//! (the user's nodes, keys and services are never touched); a progress bar, a line per cycle,
//! and the report's folder. `stress --clean` removes what a killed run left.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use cortensor_api::stress::{self, StressPhase, StressProgress, StressRequest};
use cortensor_api::{Session, UserError};

use crate::output::print_json;

#[derive(clap::Args)]
pub struct StressArgs {
    /// How many cycles.
    #[arg(long, default_value_t = 10)]
    pub cycles: u32,
    /// Nodes launched per cycle.
    #[arg(long, default_value_t = 1)]
    pub parallel: u32,
    /// The phases to time (the others a cycle needs run untimed).
    #[arg(long, default_value = "install,launch,healthy,stop,uninstall")]
    pub phases: String,
    /// Where cortensord comes from: official, a mirror's manifest URL, or a folder.
    #[arg(long, default_value = "official")]
    pub source: String,
    /// The longest wait of a phase, in seconds.
    #[arg(long, default_value_t = 600)]
    pub timeout: u64,
    /// Where the report goes (default: the data folder's stress/<id>/).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
    /// Only remove what an earlier run left (sandboxes and their processes).
    #[arg(long)]
    pub clean: bool,
}

fn secs(ms: u64) -> String {
    format!("{:.1} s", ms as f64 / 1000.0)
}

pub fn run(s: &Session, a: &StressArgs) -> Result<(), UserError> {
    if a.clean {
        let c = stress::clean(s)?;
        if a.json {
            return print_json(&c);
        }
        println!(
            "Removed {} sandbox(es) and {} process(es) left by earlier stress runs.{}",
            c.sandboxes,
            c.processes,
            if c.in_use > 0 {
                format!(
                    " {} belong to a run still going on and were left.",
                    c.in_use
                )
            } else {
                String::new()
            }
        );
        return Ok(());
    }
    let phases = StressPhase::parse_list(&a.phases).map_err(UserError::new)?;
    let req = StressRequest {
        cycles: a.cycles,
        parallel: a.parallel,
        phases,
        source: a.source.clone(),
        timeout_secs: a.timeout,
    };
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = cancel.clone();
    ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst)).map_err(UserError::new)?;
    let bar = if a.json || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(u64::from(a.cycles))
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} cycles · {msg} · {elapsed_precise}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix("stress");
    let quiet = a.json;
    let mut on_progress = |p: &StressProgress| {
        bar.set_position(u64::from(p.done));
        match (&p.finished, p.phase) {
            (Some(c), _) => {
                let times: Vec<String> = c
                    .phases
                    .iter()
                    .map(|t| format!("{} {}", t.phase.name(), secs(t.ms)))
                    .collect();
                let line = match &c.failure {
                    None => format!("cycle {}: ✓ {}", c.cycle, times.join(" · ")),
                    Some(f) => format!(
                        "cycle {}: ✗ {} failed ({}): {}",
                        c.cycle,
                        f.phase.name(),
                        f.class.name(),
                        f.message
                    ),
                };
                if !quiet {
                    bar.suspend(|| eprintln!("{line}"));
                }
                bar.set_message(format!("{} failed", p.failed));
            }
            (None, Some(ph)) => bar.set_message(format!(
                "cycle {}: {} · {} failed",
                p.cycle,
                ph.name(),
                p.failed
            )),
            _ => {}
        }
    };
    let out = stress::run(s, &req, a.out.clone(), &mut on_progress, &cancel)?;
    bar.finish_and_clear();
    let r = &out.report;
    if a.json {
        print_json(&out)?;
    } else {
        let ok = r.cycles.iter().filter(|c| c.failure.is_none()).count();
        println!(
            "{ok} of {} cycle(s) passed{}. Report: {}/report.md (report.json, chart.svg beside it; bug reports attach it).",
            r.cycles.len(),
            if r.cancelled { " (cancelled)" } else { "" },
            out.dir
        );
        for p in &r.phases {
            println!(
                "  {:<10} min {:>8}  p50 {:>8}  p95 {:>8}  max {:>8}",
                p.phase.name(),
                secs(p.min_ms),
                secs(p.p50_ms),
                secs(p.p95_ms),
                secs(p.max_ms)
            );
        }
    }
    if r.cancelled {
        return Err(UserError::new(
            "the stress run was cancelled; what it made was removed, and the report covers the cycles that ran",
        ));
    }
    if !r.failures.is_empty() {
        return Err(UserError::new(format!(
            "{} of {} cycle(s) failed; see {}/report.md",
            r.failures.len(),
            r.cycles.len(),
            out.dir
        )));
    }
    Ok(())
}

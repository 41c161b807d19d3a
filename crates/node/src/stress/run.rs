//! The stress runner: cycles in sandboxes, the real install, node setup, supervisor and monitor
//! code against each sandbox's own data folder, timed; resource peaks sampled on the side; the
//! report written (`<out>/report.json`, `report.md`, `chart.svg`, and a copy in
//! `<data>/stress/latest/` that bug reports attach).

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::sandbox::{self, Sandbox};
use super::{
    classify, phase_stats, render_markdown, render_svg, CycleResult, Environment, Failure, Peaks,
    Phase, PhaseTime, Report, SCHEMA,
};
use crate::health::monitor::{Monitor, MonitorConfig};
use crate::health::state::NodeState;
use crate::install::binary::{self, InstallFlags};
use crate::install::download::DownloadOptions;
use crate::install::setup::{self, AddOptions};
use crate::install::source::ReleaseSource;
use crate::machine::Machine;
use crate::network::NetworkProfile;
use crate::runtime::supervisor::Supervisor;
use crate::store::Store;

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub cycles: u32,
    /// Nodes launched per cycle.
    pub parallel: u32,
    /// The phases timed (the others a cycle needs run untimed).
    pub phases: Vec<Phase>,
    /// `official`, a manifest URL or a folder.
    pub source: String,
    /// The longest wait of a phase (launch, healthy, stop).
    pub timeout: Duration,
    /// Where the report goes; `None`: `<data>/stress/<id>/`.
    pub out: Option<PathBuf>,
}

pub const MAX_CYCLES: u32 = 10_000;
pub const MAX_TIMEOUT: Duration = Duration::from_secs(24 * 3600);

impl Options {
    /// Refuse what cannot run (before anything is made).
    pub fn check(&self) -> Result<(), String> {
        if self.cycles == 0 || self.cycles > MAX_CYCLES {
            return Err(format!(
                "--cycles {} is out of range: 1 to {MAX_CYCLES}",
                self.cycles
            ));
        }
        if self.parallel == 0 || self.parallel > crate::nodes::MAX_NODES {
            return Err(format!(
                "--parallel {} is out of range: 1 to {} nodes per cycle",
                self.parallel,
                crate::nodes::MAX_NODES
            ));
        }
        if self.timeout.is_zero() || self.timeout > MAX_TIMEOUT {
            return Err(format!(
                "--timeout {} s is out of range: 1 s to {} s",
                self.timeout.as_secs(),
                MAX_TIMEOUT.as_secs()
            ));
        }
        if self.phases.is_empty() {
            return Err("no phase to time".into());
        }
        ReleaseSource::parse(&self.source).map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// Where a run is, for a progress bar and the app's table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[ts(rename = "StressProgress")]
pub struct Progress {
    pub id: String,
    /// The cycle under way (1-based); `cycles` when done.
    pub cycle: u32,
    pub cycles: u32,
    /// The phase under way (`None` between cycles).
    pub phase: Option<Phase>,
    /// Cycles finished so far, and how many failed.
    pub done: u32,
    pub failed: u32,
    /// The cycle just finished, when this progress reports one.
    pub finished: Option<CycleResult>,
}

/// The stress run's own ports: a block no real node uses (the official node's are 8090/8091
/// and 18888 upward; a stride of 10 per node keeps 25 nodes inside these blocks).
pub fn sandbox_profile(base: &NetworkProfile) -> NetworkProfile {
    let mut p = base.clone();
    p.ports.llm = 9591;
    p.ports.llm_worker_base = 9590;
    p.ports.llm_gateway_worker_base = 19388;
    p
}

/// The first line of `log` that says something went wrong (a traceback, an error, a refusal),
/// else its last line; redacted.
pub fn first_error_line(log: &str) -> Option<String> {
    let wrong = |l: &str| {
        let m = l.to_ascii_lowercase();
        [
            "error",
            "traceback",
            "exception",
            "fatal",
            "panic",
            "refus",
            "not available",
        ]
        .iter()
        .any(|w| m.contains(w))
    };
    let lines: Vec<&str> = log.lines().collect();
    let at = lines.iter().position(|l| wrong(l));
    let line = match at {
        // A Python traceback says what went wrong on its first unindented line after the frames.
        Some(i) if lines[i].trim_start().starts_with("Traceback") => lines[i + 1..]
            .iter()
            .find(|l| !l.starts_with([' ', '\t']) && !l.trim().is_empty())
            .copied()
            .unwrap_or(lines[i]),
        Some(i) => lines[i],
        None => *lines.iter().rev().find(|l| !l.trim().is_empty())?,
    };
    Some(crate::redact::Redactor::default().redact(line.trim()).text)
}

/// A phase's error: the message and, when a node said why, its first error line.
struct PhaseError(String);

impl<E: std::fmt::Display> From<E> for PhaseError {
    fn from(e: E) -> Self {
        PhaseError(e.to_string())
    }
}

/// Run the stress test. `env` describes the machine (the caller gathers it); `progress` hears
/// every phase and cycle; `cancel` stops at once, cleaning up. Returns the report and the
/// folder it was written to.
pub fn run(
    data: &Path,
    profile: &NetworkProfile,
    opts: &Options,
    mut env: Environment,
    progress: &mut dyn FnMut(&Progress),
    cancel: &AtomicBool,
) -> Result<(Report, PathBuf), String> {
    opts.check()?;
    let root = sandbox::root(data);
    std::fs::create_dir_all(&root).map_err(|e| format!("cannot create {}: {e}", root.display()))?;
    // One run at a time per data folder (the app's and the CLI's would share the ports).
    let lock_path = root.join(".run.lock");
    let lock = crate::platform::fs::open_lock_file(&lock_path)
        .map_err(|e| format!("cannot open {}: {e}", lock_path.display()))?;
    if lock.try_lock().is_err() {
        return Err(
            "another stress run is going on for this data folder; wait for it, or cancel it".into(),
        );
    }
    // What an earlier run left (killed with kill -9, a crash).
    sandbox::clean(data, false);
    let id = format!(
        "{}-{}",
        crate::platform::clock::file_stamp(crate::platform::clock::now_unix()),
        &crate::report::random_id()[..6]
    );
    let source = ReleaseSource::parse(&opts.source).map_err(|e| e.to_string())?;
    let profile = sandbox_profile(profile);
    let started_at = crate::platform::clock::now_unix();
    let sampler_stop = AtomicBool::new(false);
    let mut cycles: Vec<CycleResult> = Vec::new();
    let mut cancelled = false;
    let peaks = std::thread::scope(|scope| {
        let sampler = scope.spawn(|| sample_peaks(&sandbox::sandboxes(data), &sampler_stop));
        for n in 1..=opts.cycles {
            if cancel.load(Ordering::SeqCst) {
                cancelled = true;
                break;
            }
            let failed = cycles.iter().filter(|c| c.failure.is_some()).count() as u32;
            let mut tell =
                |phase: Option<Phase>, finished: Option<CycleResult>, done: u32, failed: u32| {
                    progress(&Progress {
                        id: id.clone(),
                        cycle: n,
                        cycles: opts.cycles,
                        phase,
                        done,
                        failed,
                        finished,
                    })
                };
            let done = cycles.len() as u32;
            let result = cycle(data, &id, n, &source, &profile, opts, cancel, &mut |p| {
                tell(Some(p), None, done, failed)
            });
            if let Some(v) = result.version.clone() {
                env.cortensord_version = v;
            }
            if result.cancelled {
                cancelled = true;
            }
            let r = result.result;
            let failed = failed + u32::from(r.failure.is_some());
            cycles.push(r.clone());
            tell(None, Some(r), cycles.len() as u32, failed);
            if cancelled {
                break;
            }
        }
        sampler_stop.store(true, Ordering::SeqCst);
        sampler.join().unwrap_or_default()
    });
    sandbox::clean(data, true);
    let mut notes = Vec::new();
    if opts.phases.contains(&Phase::Healthy) {
        notes.push(if env.docker.starts_with("not") || env.docker.is_empty() {
            "Docker is absent here: \"healthy\" is up and making progress in the log (what the uptime ledger counts as up); earning needs Docker and was not waited for.".to_string()
        } else {
            "\"healthy\" is up and making progress in the log (what the uptime ledger counts as up); earning (the LLM containers) was not waited for.".to_string()
        });
    }
    notes.push("Each cycle ran in a sandbox of its own: its own data folder, keys in its own files (never the keychain), the embedded supervisor (never the OS's services), ports 9590–9850 and 19388–19640.".into());
    if cancelled {
        notes.push(format!(
            "Cancelled after {} of {} cycles; everything the run made was removed.",
            cycles.len(),
            opts.cycles
        ));
    }
    let failures: Vec<Failure> = cycles.iter().filter_map(|c| c.failure.clone()).collect();
    let report = Report {
        schema: SCHEMA,
        id: id.clone(),
        started_at,
        finished_at: crate::platform::clock::now_unix(),
        cycles_requested: opts.cycles,
        parallel: opts.parallel,
        phases_timed: opts.phases.clone(),
        source: opts.source.clone(),
        timeout_secs: opts.timeout.as_secs(),
        phases: phase_stats(&cycles),
        failures,
        cycles,
        environment: env,
        peaks,
        notes,
        cancelled,
    };
    let out = opts.out.clone().unwrap_or_else(|| root.join(&id));
    write_report(&report, &out)?;
    // The latest one, which bug reports attach.
    let latest = root.join("latest");
    let _ = std::fs::remove_dir_all(&latest);
    write_report(&report, &latest)?;
    drop(lock);
    Ok((report, out))
}

/// Write `report.json`, `report.md` and `chart.svg` into `dir` (0600 files).
pub fn write_report(r: &Report, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let json = serde_json::to_string_pretty(r).map_err(|e| e.to_string())?;
    for (name, text) in [
        ("report.json", json),
        ("report.md", render_markdown(r)),
        ("chart.svg", render_svg(r)),
    ] {
        let p = dir.join(name);
        crate::platform::fs::write_atomic(&p, text.as_bytes(), 0o600)
            .map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    Ok(())
}

/// A cycle's outcome.
struct CycleOutcome {
    result: CycleResult,
    version: Option<String>,
    cancelled: bool,
}

#[allow(clippy::too_many_arguments)]
fn cycle(
    data: &Path,
    run: &str,
    n: u32,
    source: &ReleaseSource,
    profile: &NetworkProfile,
    opts: &Options,
    cancel: &AtomicBool,
    phase_started: &mut dyn FnMut(Phase),
) -> CycleOutcome {
    let begun = Instant::now();
    let mut result = CycleResult {
        cycle: n,
        phases: Vec::new(),
        failure: None,
        overhead_ms: 0,
    };
    let mut version = None;
    let mut cancelled = false;
    let mut spent = Duration::ZERO;
    let fail = |phase: Phase, msg: String| Failure {
        cycle: n,
        phase,
        class: classify(phase, &msg),
        message: crate::redact::Redactor::default().redact(&msg).text,
    };
    let sb = match Sandbox::create(data, run, n) {
        Ok(s) => s,
        Err(e) => {
            result.failure = Some(fail(
                Phase::Install,
                format!("cannot make the sandbox: {e}"),
            ));
            return CycleOutcome {
                result,
                version,
                cancelled,
            };
        }
    };
    let m = match Machine::sandbox(sb.data.clone(), profile.clone()) {
        Ok(m) => m,
        Err(e) => {
            result.failure = Some(fail(Phase::Install, e.to_string()));
            sb.remove();
            return CycleOutcome {
                result,
                version,
                cancelled,
            };
        }
    };
    let supervise = AtomicBool::new(false);
    let halt = AtomicBool::new(false);
    std::thread::scope(|scope| {
        let mut supervision = None;
        for phase in Phase::to_run(&opts.phases) {
            // A failure or a cancel skips to the clean-up phases (untimed then).
            let cleanup = result.failure.is_some() || cancelled;
            if cleanup && !matches!(phase, Phase::Stop | Phase::Uninstall) {
                continue;
            }
            if !cleanup && cancel.load(Ordering::SeqCst) {
                cancelled = true;
                continue;
            }
            phase_started(phase);
            let t = Instant::now();
            let r: Result<(), PhaseError> = (|| match phase {
                Phase::Install => {
                    let out = binary::install(
                        &m.layout,
                        &m.store,
                        source,
                        &DownloadOptions::default(),
                        &InstallFlags {
                            allow_downgrade: true,
                            trust_new_key: false,
                        },
                        cancel,
                        &mut |_| {},
                    )?;
                    version = Some(out.version);
                    Ok(())
                }
                Phase::Launch => {
                    let cx = m.context()?;
                    let mut runner = m.runner.clone();
                    let (specs, _) = setup::add_nodes(
                        &cx,
                        &AddOptions {
                            count: opts.parallel,
                            network: None,
                            rpc_urls: Vec::new(),
                            key_store: Some(crate::nodes::KeyStore::File),
                            gpu: false,
                            gpu_devices: String::new(),
                        },
                        m.cores(),
                        &mut runner,
                    )?;
                    for s in &specs {
                        m.store.set_desired(s.id, "running", false)?;
                    }
                    // The embedded supervisor of this sandbox, on a thread of its own.
                    supervise.store(true, Ordering::SeqCst);
                    let (layout, prof, halt) = (&m.layout, &m.profile, &halt);
                    supervision = Some(scope.spawn(move || -> Result<(), String> {
                        let store = Store::open(&layout.root).map_err(|e| e.to_string())?;
                        let mut sup =
                            Supervisor::new(layout, &store, None, prof, Default::default())
                                .map_err(|e| e.to_string())?;
                        let (wake, _woken) = std::sync::mpsc::channel();
                        crate::runtime::daemon::supervise_loop(&mut sup, &wake, halt)
                            .map_err(|e| e.to_string())
                    }));
                    wait_for(opts.timeout, cancel, || {
                        let rt = m.store.runtime()?;
                        if let Some(bad) = crashed(&m, &rt) {
                            return Err(bad);
                        }
                        let running = rt.iter().filter(|r| r.pid.is_some()).count();
                        Ok((running >= specs.len()).then_some(()))
                    })
                    .map_err(|e| {
                        e.or_else_timeout(format!(
                            "the nodes did not start within {} s",
                            opts.timeout.as_secs()
                        ))
                    })
                }
                Phase::Healthy => {
                    let mut mon = Monitor::new(MonitorConfig::default());
                    wait_for(opts.timeout, cancel, || {
                        let rt = m.store.runtime()?;
                        if let Some(bad) = crashed(&m, &rt) {
                            return Err(bad);
                        }
                        let h = mon.tick(&m.layout, &m.store, crate::platform::clock::now_unix());
                        Ok(
                            (!h.is_empty() && h.iter().all(|n| n.state == NodeState::Healthy))
                                .then_some(()),
                        )
                    })
                    .map_err(|e| {
                        let states: Vec<String> = Monitor::new(MonitorConfig::default())
                            .tick(&m.layout, &m.store, crate::platform::clock::now_unix())
                            .iter()
                            .map(|h| format!("node {}: {} ({})", h.id, h.state.name(), h.reason))
                            .collect();
                        e.or_else_timeout(format!(
                            "the nodes did not become healthy within {} s ({})",
                            opts.timeout.as_secs(),
                            states.join("; ")
                        ))
                    })
                }
                Phase::Stop => {
                    if !supervise.load(Ordering::SeqCst) {
                        return Ok(());
                    }
                    for r in m.store.nodes()? {
                        m.store.set_desired(r.spec.id, "stopped", false)?;
                    }
                    let never = AtomicBool::new(false);
                    let r = wait_for(opts.timeout, &never, || {
                        Ok(m.store
                            .runtime()?
                            .iter()
                            .all(|r| r.pid.is_none())
                            .then_some(()))
                    });
                    halt.store(true, Ordering::SeqCst);
                    if let Some(h) = supervision.take() {
                        let _ = h.join();
                    }
                    r.map_err(|e| {
                        e.or_else_timeout(format!(
                            "the nodes did not stop within {} s",
                            opts.timeout.as_secs()
                        ))
                    })
                }
                Phase::Uninstall => {
                    let cx = m.context()?;
                    let mut runner = m.runner.clone();
                    setup::uninstall(&cx, true, true, &mut runner)?;
                    Ok(())
                }
            })();
            let took = t.elapsed();
            spent += took;
            match r {
                Ok(()) if !cleanup && opts.phases.contains(&phase) => {
                    result.phases.push(PhaseTime {
                        phase,
                        ms: took.as_millis() as u64,
                    })
                }
                Ok(()) => {}
                Err(PhaseError(msg)) if cancel.load(Ordering::SeqCst) && !cleanup => {
                    let _ = msg;
                    cancelled = true;
                }
                Err(PhaseError(msg)) if !cleanup => result.failure = Some(fail(phase, msg)),
                Err(_) => {}
            }
        }
        // Whatever happened, the supervision ends with the cycle.
        halt.store(true, Ordering::SeqCst);
        if let Some(h) = supervision.take() {
            let _ = h.join();
        }
    });
    drop(m);
    sb.remove();
    result.overhead_ms = begun.elapsed().saturating_sub(spent).as_millis() as u64;
    CycleOutcome {
        result,
        version,
        cancelled,
    }
}

/// A node that exited (or is backing off after exiting): why, from its log's first error line.
fn crashed(m: &Machine, rt: &[crate::store::RuntimeRecord]) -> Option<PhaseError> {
    let r = rt
        .iter()
        .find(|r| r.pid.is_none() && (r.last_exit.is_some() || r.restarts > 0))?;
    let log = std::fs::read_to_string(m.layout.log_file(r.node_id)).unwrap_or_default();
    let why = first_error_line(&log)
        .or_else(|| r.last_exit.clone())
        .unwrap_or_else(|| r.reason.clone());
    Some(PhaseError(format!(
        "node {} exited ({}): {why}",
        r.node_id,
        r.last_exit.as_deref().unwrap_or("no status")
    )))
}

/// How a wait ended without its condition.
enum WaitEnd {
    Timeout,
    Cancelled,
    Failed(PhaseError),
}

impl WaitEnd {
    fn or_else_timeout(self, timeout: String) -> PhaseError {
        match self {
            WaitEnd::Timeout => PhaseError(timeout),
            WaitEnd::Cancelled => PhaseError("cancelled".into()),
            WaitEnd::Failed(e) => e,
        }
    }
}

/// Poll `check` every 100 ms until it says done, fails, the timeout passes, or `cancel`.
fn wait_for(
    timeout: Duration,
    cancel: &AtomicBool,
    mut check: impl FnMut() -> Result<Option<()>, PhaseError>,
) -> Result<(), WaitEnd> {
    let until = Instant::now() + timeout;
    loop {
        match check() {
            Ok(Some(())) => return Ok(()),
            Ok(None) => {}
            Err(e) => return Err(WaitEnd::Failed(e)),
        }
        if cancel.load(Ordering::SeqCst) {
            return Err(WaitEnd::Cancelled);
        }
        if Instant::now() >= until {
            return Err(WaitEnd::Timeout);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl From<PhaseError> for WaitEnd {
    fn from(e: PhaseError) -> Self {
        WaitEnd::Failed(e)
    }
}

/// Sample the machine's CPU, the memory of this process and of what runs from the sandboxes,
/// and the sandboxes' size, every half second until `stop`; the highest of each.
fn sample_peaks(sandboxes: &Path, stop: &AtomicBool) -> Peaks {
    use sysinfo::{ProcessRefreshKind, ProcessesToUpdate, System, UpdateKind};
    let mut peaks = Peaks::default();
    let Ok(mut sys) = System::new() else {
        return peaks;
    };
    let me = std::process::id();
    let mut last_disk = Instant::now() - Duration::from_secs(10);
    while !stop.load(Ordering::SeqCst) {
        sys.refresh_cpu_usage();
        sys.refresh_processes_specifics(
            ProcessesToUpdate::All,
            true,
            ProcessRefreshKind::nothing()
                .with_memory()
                .with_exe(UpdateKind::OnlyIfNotSet)
                .with_cwd(UpdateKind::OnlyIfNotSet),
        );
        peaks.cpu_pct = peaks.cpu_pct.max(sys.global_cpu_usage());
        let rss: u64 = sys
            .processes()
            .iter()
            .filter(|(pid, p)| {
                pid.as_u32() == me || crate::platform::process::runs_in(p, sandboxes)
            })
            .map(|(_, p)| p.memory())
            .sum();
        peaks.rss_bytes = peaks.rss_bytes.max(rss);
        if last_disk.elapsed() >= Duration::from_secs(2) {
            last_disk = Instant::now();
            peaks.disk_bytes = peaks.disk_bytes.max(size_of(sandboxes));
        }
        for _ in 0..5 {
            if stop.load(Ordering::SeqCst) {
                break;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }
    peaks
}

/// The size of the files under `dir`.
fn size_of(dir: &Path) -> u64 {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return 0;
    };
    rd.flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => size_of(&e.path()),
            Ok(t) if t.is_file() => e.metadata().map_or(0, |m| m.len()),
            _ => 0,
        })
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nodes_first_error_line_is_found_and_redacted() {
        let log = "cortensord 1.0 starting role miner\nPinging network...\nError: LLM port 9591 is not available: Address already in use (os error 98)\nmore";
        assert_eq!(
            first_error_line(log).unwrap(),
            "Error: LLM port 9591 is not available: Address already in use (os error 98)"
        );
        let key = format!("0x{}", "ab".repeat(32));
        let leaked = format!("starting\nTraceback: bad key {key}\n");
        let line = first_error_line(&leaked).unwrap();
        assert!(
            line.starts_with("Traceback") && !line.contains(&key[2..]),
            "{line}"
        );
        assert_eq!(first_error_line("a\nlast words\n\n").unwrap(), "last words");
        assert_eq!(first_error_line(""), None);
    }

    #[test]
    fn options_out_of_range_are_refused_before_anything_is_made() {
        let ok = Options {
            cycles: 1,
            parallel: 1,
            phases: Phase::ALL.to_vec(),
            source: "official".into(),
            timeout: Duration::from_secs(60),
            out: None,
        };
        assert!(ok.check().is_ok());
        for (bad, word) in [
            (
                Options {
                    cycles: 0,
                    ..ok.clone()
                },
                "--cycles",
            ),
            (
                Options {
                    cycles: MAX_CYCLES + 1,
                    ..ok.clone()
                },
                "--cycles",
            ),
            (
                Options {
                    parallel: 26,
                    ..ok.clone()
                },
                "--parallel",
            ),
            (
                Options {
                    timeout: Duration::ZERO,
                    ..ok.clone()
                },
                "--timeout",
            ),
            (
                Options {
                    timeout: MAX_TIMEOUT + Duration::from_secs(1),
                    ..ok.clone()
                },
                "--timeout",
            ),
            (
                Options {
                    source: "ftp://x".into(),
                    ..ok.clone()
                },
                "",
            ),
        ] {
            let e = bad.check().unwrap_err();
            assert!(e.contains(word), "{e}");
        }
    }

    #[test]
    fn the_sandbox_ports_are_a_block_of_their_own() {
        let p = sandbox_profile(&NetworkProfile::load(None).unwrap());
        assert_eq!(
            (
                p.ports.llm,
                p.ports.llm_worker_base,
                p.ports.llm_gateway_worker_base
            ),
            (9591, 9590, 19388)
        );
        // 25 nodes at the profile's stride stay inside the blocks the notes name.
        assert!(9591 + 24 * p.ports.stride <= 9850 && 19388 + 24 * p.ports.stride <= 19640);
    }
}

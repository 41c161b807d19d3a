//! The stress test for testers: unattended cycles of install → launch → healthy → stop →
//! uninstall, each in a sandbox of its own (own data folder, file key store, the embedded
//! supervisor instead of OS services, ports of its own), timed per phase, failures classified,
//! and a report (`report.json`, `report.md`, `chart.svg`).
//!
//! This file holds the decisions, pure and tested here: what a phase list means, the statistics,
//! how a failure is classified, and how the report reads and draws. The runner (`run`) and the
//! sandboxes (`sandbox`) act at the edge.

pub mod run;
pub mod sandbox;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The phases of a cycle, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
#[ts(rename = "StressPhase")]
pub enum Phase {
    Install,
    Launch,
    Healthy,
    Stop,
    Uninstall,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Install,
        Phase::Launch,
        Phase::Healthy,
        Phase::Stop,
        Phase::Uninstall,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Phase::Install => "install",
            Phase::Launch => "launch",
            Phase::Healthy => "healthy",
            Phase::Stop => "stop",
            Phase::Uninstall => "uninstall",
        }
    }

    /// Parse `install,launch,…` (any order, repeats ignored); unknown names are refused.
    pub fn parse_list(text: &str) -> Result<Vec<Phase>, String> {
        let mut out = Vec::new();
        for name in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let p = Phase::ALL
                .into_iter()
                .find(|p| p.name().eq_ignore_ascii_case(name))
                .ok_or_else(|| {
                    format!(
                        "'{name}' is not a phase: use install, launch, healthy, stop, uninstall"
                    )
                })?;
            if !out.contains(&p) {
                out.push(p);
            }
        }
        if out.is_empty() {
            return Err("no phase given: use install, launch, healthy, stop, uninstall".into());
        }
        out.sort();
        Ok(out)
    }

    /// The phases a cycle runs for the timed ones `wanted`: each phase a later one needs runs
    /// too (untimed), and a launched node is always stopped and the sandbox uninstalled, so a
    /// cycle never leaves anything behind.
    pub fn to_run(wanted: &[Phase]) -> Vec<Phase> {
        let last = wanted.iter().max().copied().unwrap_or(Phase::Install);
        let mut out: Vec<Phase> = Phase::ALL.into_iter().filter(|p| *p <= last).collect();
        if last >= Phase::Launch {
            for p in [Phase::Stop, Phase::Uninstall] {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        } else if !out.contains(&Phase::Uninstall) {
            out.push(Phase::Uninstall);
        }
        // A healthy wait is only run when asked for (it is the slow one); stop follows launch.
        out.retain(|p| *p != Phase::Healthy || wanted.contains(&Phase::Healthy));
        out
    }
}

/// What kind of failure, for a Cortensor engineer reading the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FailureClass {
    Download,
    Verify,
    Permission,
    Port,
    ServiceManager,
    Timeout,
    Crash,
    Other,
}

impl FailureClass {
    pub fn name(self) -> &'static str {
        match self {
            FailureClass::Download => "download",
            FailureClass::Verify => "verify",
            FailureClass::Permission => "permission",
            FailureClass::Port => "port",
            FailureClass::ServiceManager => "service manager",
            FailureClass::Timeout => "timeout",
            FailureClass::Crash => "crash",
            FailureClass::Other => "other",
        }
    }
}

/// Classify a failure by its phase and message (the first error line). The words are those of
/// the app's own errors and of the node's (`Address already in use`, a Python `Traceback`).
pub fn classify(phase: Phase, message: &str) -> FailureClass {
    let m = message.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| m.contains(w));
    if has(&[
        "address already in use",
        "addrinuse",
        "errno 98",
        "os error 98",
        "os error 10048",
    ]) || (m.contains("port ") && has(&["in use", "not available"]))
    {
        return FailureClass::Port;
    }
    if has(&[
        "sha256",
        "sha512",
        "checksum",
        "signature",
        "does not match",
        "size differs",
        "tampered",
    ]) {
        return FailureClass::Verify;
    }
    if has(&[
        "permission denied",
        "access is denied",
        "operation not permitted",
        "read-only file system",
        "os error 13",
    ]) {
        return FailureClass::Permission;
    }
    if has(&["systemctl", "launchctl", "schtasks", "service manager"]) {
        return FailureClass::ServiceManager;
    }
    if phase == Phase::Install
        && has(&[
            "download",
            "connect",
            "http",
            "network",
            "dns",
            "resolve",
            "release",
            "manifest",
            "server",
            "timed out",
        ])
    {
        return FailureClass::Download;
    }
    if has(&[
        "timed out",
        "timeout",
        "did not become",
        "did not stop",
        "did not start",
    ]) {
        return FailureClass::Timeout;
    }
    if has(&[
        "traceback",
        "exited",
        "crashed",
        "panicked",
        "exit status",
        "killed by signal",
    ]) {
        return FailureClass::Crash;
    }
    FailureClass::Other
}

/// One phase's time in one cycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PhaseTime {
    pub phase: Phase,
    #[ts(type = "number")]
    pub ms: u64,
}

/// A failure, as the report lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[ts(rename = "StressFailure")]
pub struct Failure {
    pub cycle: u32,
    pub phase: Phase,
    pub class: FailureClass,
    /// The first error line, redacted.
    pub message: String,
}

/// One cycle: the timed phases it completed, and its failure if any.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CycleResult {
    pub cycle: u32,
    pub phases: Vec<PhaseTime>,
    pub failure: Option<Failure>,
    /// The runner's own time in the cycle beyond the phases it timed (sandbox, bookkeeping).
    #[ts(type = "number")]
    pub overhead_ms: u64,
}

/// A phase's times over the cycles that completed it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PhaseStats {
    pub phase: Phase,
    pub count: u32,
    #[ts(type = "number")]
    pub min_ms: u64,
    #[ts(type = "number")]
    pub p50_ms: u64,
    #[ts(type = "number")]
    pub p95_ms: u64,
    #[ts(type = "number")]
    pub max_ms: u64,
}

/// The nearest-rank percentile `q` (0–100) of sorted `v` (non-empty).
pub fn percentile(sorted: &[u64], q: u32) -> u64 {
    let n = sorted.len();
    // Nearest rank: the smallest value with at least q % of the values at or below it.
    let rank = ((q as usize * n).div_ceil(100)).clamp(1, n);
    sorted[rank - 1]
}

/// Per-phase statistics, in phase order, over the cycles' times.
pub fn phase_stats(cycles: &[CycleResult]) -> Vec<PhaseStats> {
    Phase::ALL
        .into_iter()
        .filter_map(|phase| {
            let mut v: Vec<u64> = cycles
                .iter()
                .flat_map(|c| c.phases.iter())
                .filter(|t| t.phase == phase)
                .map(|t| t.ms)
                .collect();
            if v.is_empty() {
                return None;
            }
            v.sort_unstable();
            Some(PhaseStats {
                phase,
                count: v.len() as u32,
                min_ms: v[0],
                p50_ms: percentile(&v, 50),
                p95_ms: percentile(&v, 95),
                max_ms: v[v.len() - 1],
            })
        })
        .collect()
}

/// The machine the run was on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[ts(rename = "StressEnvironment")]
pub struct Environment {
    pub os: String,
    pub os_version: String,
    pub kernel: String,
    pub arch: String,
    pub cpu: String,
    pub cores: u32,
    #[ts(type = "number")]
    pub ram_bytes: u64,
    #[ts(type = "number")]
    pub disk_free_bytes: u64,
    /// Docker's version, or why there is none.
    pub docker: String,
    pub app_version: String,
    /// The `cortensord` release the run installed (empty until one was).
    pub cortensord_version: String,
}

/// The highest use seen while the run went on.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Peaks {
    /// The whole machine's CPU use, in percent of all cores.
    pub cpu_pct: f32,
    /// The runner and its nodes' memory (resident).
    #[ts(type = "number")]
    pub rss_bytes: u64,
    /// The sandbox's size on disk.
    #[ts(type = "number")]
    pub disk_bytes: u64,
}

/// The report's format version (`report.json`'s `schema`).
pub const SCHEMA: u32 = 1;

/// A stress run's report (`report.json`; its schema is in the README).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
#[ts(rename = "StressReport")]
pub struct Report {
    pub schema: u32,
    pub id: String,
    #[ts(type = "number")]
    pub started_at: i64,
    #[ts(type = "number")]
    pub finished_at: i64,
    /// The cycles asked for; `cycles` holds those that ran.
    pub cycles_requested: u32,
    /// Nodes launched per cycle.
    pub parallel: u32,
    /// The phases timed.
    pub phases_timed: Vec<Phase>,
    pub source: String,
    #[ts(type = "number")]
    pub timeout_secs: u64,
    pub cycles: Vec<CycleResult>,
    pub phases: Vec<PhaseStats>,
    pub failures: Vec<Failure>,
    pub environment: Environment,
    pub peaks: Peaks,
    /// Things the reader should know (what could not be waited for here, a cancel).
    pub notes: Vec<String>,
    pub cancelled: bool,
}

impl Report {
    /// Failures per class, most first.
    pub fn failure_counts(&self) -> Vec<(FailureClass, usize)> {
        let mut counts: Vec<(FailureClass, usize)> = Vec::new();
        for f in &self.failures {
            match counts.iter_mut().find(|(c, _)| *c == f.class) {
                Some((_, n)) => *n += 1,
                None => counts.push((f.class, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts
    }
}

fn secs(ms: u64) -> String {
    format!("{}.{:03} s", ms / 1000, ms % 1000)
}

fn mib(b: u64) -> String {
    format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0))
}

/// `report.md`: what a person reads first.
pub fn render_markdown(r: &Report) -> String {
    let ok = r.cycles.iter().filter(|c| c.failure.is_none()).count();
    let mut s = format!(
        "# Stress test {}\n\n{} of {} cycles passed{} · {} node(s) per cycle · source `{}` · phase timeout {} s\n\n",
        r.id,
        ok,
        r.cycles.len(),
        if r.cancelled {
            format!(" (cancelled after {} of {})", r.cycles.len(), r.cycles_requested)
        } else {
            String::new()
        },
        r.parallel,
        r.source,
        r.timeout_secs
    );
    s.push_str(
        "## Phases\n\n| phase | cycles | min | p50 | p95 | max |\n|---|---:|---:|---:|---:|---:|\n",
    );
    for p in &r.phases {
        s.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            p.phase.name(),
            p.count,
            secs(p.min_ms),
            secs(p.p50_ms),
            secs(p.p95_ms),
            secs(p.max_ms)
        ));
    }
    s.push_str("\n## Failures\n\n");
    if r.failures.is_empty() {
        s.push_str("None.\n");
    } else {
        let counts: Vec<String> = r
            .failure_counts()
            .iter()
            .map(|(c, n)| format!("{} × {n}", c.name()))
            .collect();
        s.push_str(&format!(
            "{}\n\n| cycle | phase | class | first error line |\n|---:|---|---|---|\n",
            counts.join(", ")
        ));
        for f in &r.failures {
            s.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                f.cycle,
                f.phase.name(),
                f.class.name(),
                f.message.replace('|', "\\|").replace('\n', " ")
            ));
        }
    }
    let e = &r.environment;
    s.push_str(&format!(
        "\n## Machine\n\n- {} {} (kernel {}, {})\n- CPU: {} ({} cores); RAM {}; disk free {}\n- Docker: {}\n- Cortensor Node Manager {}; cortensord {}\n",
        e.os,
        e.os_version,
        e.kernel,
        e.arch,
        e.cpu,
        e.cores,
        mib(e.ram_bytes),
        mib(e.disk_free_bytes),
        e.docker,
        e.app_version,
        if e.cortensord_version.is_empty() { "not installed" } else { &e.cortensord_version }
    ));
    s.push_str(&format!(
        "\n## Peaks\n\nCPU {:.0} % of the machine · memory {} (runner and nodes) · sandbox on disk {}\n",
        r.peaks.cpu_pct,
        mib(r.peaks.rss_bytes),
        mib(r.peaks.disk_bytes)
    ));
    if !r.notes.is_empty() {
        s.push_str("\n## Notes\n\n");
        for n in &r.notes {
            s.push_str(&format!("- {n}\n"));
        }
    }
    s
}

fn esc(t: &str) -> String {
    t.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The colour of each phase in the chart (colour-blind-safe, Okabe–Ito).
fn colour(p: Phase) -> &'static str {
    match p {
        Phase::Install => "#0072B2",
        Phase::Launch => "#E69F00",
        Phase::Healthy => "#009E73",
        Phase::Stop => "#CC79A7",
        Phase::Uninstall => "#56B4E9",
    }
}

/// `chart.svg`: per cycle a stacked bar of its phase times; a failed cycle is marked with a red
/// cross and its class.
pub fn render_svg(r: &Report) -> String {
    let (w, h, left, top, bottom) = (760.0f64, 340.0f64, 64.0f64, 40.0f64, 56.0f64);
    let plot_w = w - left - 16.0;
    let plot_h = h - top - bottom;
    let totals: Vec<u64> = r
        .cycles
        .iter()
        .map(|c| c.phases.iter().map(|p| p.ms).sum())
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1);
    // A round top for the axis: 1, 2 or 5 × 10^k seconds (in ms).
    let mut top_ms = 1u64;
    while top_ms < max {
        top_ms = match top_ms.to_string().chars().next() {
            Some('1') => top_ms * 2,
            Some('2') => top_ms / 2 * 5,
            _ => top_ms * 2,
        };
    }
    let n = r.cycles.len().max(1) as f64;
    let slot = plot_w / n;
    let bar = (slot * 0.7).clamp(1.0, 40.0);
    let y = |ms: u64| top + plot_h - plot_h * ms as f64 / top_ms as f64;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" font-family=\"sans-serif\" font-size=\"11\">\n\
         <title>Stress test {}: phase times per cycle</title>\n\
         <rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>\n\
         <text x=\"{left}\" y=\"18\" font-size=\"13\" font-weight=\"bold\">Phase times per cycle ({} cycles, {} failed)</text>\n",
        esc(&r.id),
        r.cycles.len(),
        r.failures.len()
    );
    // Ticks at round steps: a top of 1, 2 or 5 × 10^k is cut in 5, 4 or 5 (0.2, 0.5, 1 × 10^k).
    let ticks = if top_ms.to_string().starts_with('2') {
        4
    } else {
        5
    };
    for i in 0..=ticks {
        let v = top_ms * i / ticks;
        let yy = y(v);
        s.push_str(&format!(
            "<line x1=\"{left}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\" stroke=\"#dddddd\"/>\n<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            left + plot_w,
            left - 6.0,
            yy + 4.0,
            esc(&format!("{:.1} s", v as f64 / 1000.0))
        ));
    }
    for (i, c) in r.cycles.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar) / 2.0;
        let mut acc = 0u64;
        for p in &c.phases {
            let (y1, y0) = (y(acc + p.ms), y(acc));
            s.push_str(&format!(
                "<rect x=\"{x:.1}\" y=\"{y1:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"{}\"><title>cycle {}: {} {}</title></rect>\n",
                (y0 - y1).max(0.0),
                colour(p.phase),
                c.cycle,
                p.phase.name(),
                secs(p.ms)
            ));
            acc += p.ms;
        }
        if let Some(f) = &c.failure {
            let cx = x + bar / 2.0;
            let cy = y(acc) - 10.0;
            s.push_str(&format!(
                "<g class=\"failure\" stroke=\"#D55E00\" stroke-width=\"2\"><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/><title>cycle {} failed in {}: {} — {}</title></g>\n",
                cx - 5.0, cy - 5.0, cx + 5.0, cy + 5.0, cx - 5.0, cy + 5.0, cx + 5.0, cy - 5.0,
                c.cycle,
                f.phase.name(),
                f.class.name(),
                esc(&f.message)
            ));
        }
        if r.cycles.len() <= 40 || c.cycle % 10 == 0 {
            s.push_str(&format!(
                "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
                x + bar / 2.0,
                top + plot_h + 14.0,
                c.cycle
            ));
        }
    }
    let mut lx = left;
    for p in Phase::ALL {
        if r.phases.iter().any(|st| st.phase == p) {
            s.push_str(&format!(
                "<rect x=\"{lx:.1}\" y=\"{:.1}\" width=\"10\" height=\"10\" fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>\n",
                h - 20.0,
                colour(p),
                lx + 14.0,
                h - 11.0,
                p.name()
            ));
            lx += 90.0;
        }
    }
    if !r.failures.is_empty() {
        s.push_str(&format!(
            "<g stroke=\"#D55E00\" stroke-width=\"2\"><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/><line x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/></g><text x=\"{:.1}\" y=\"{:.1}\">failed</text>\n",
            lx, h - 20.0, lx + 10.0, h - 10.0, lx, h - 10.0, lx + 10.0, h - 20.0, lx + 14.0, h - 11.0
        ));
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cycle(
        n: u32,
        times: &[(Phase, u64)],
        failure: Option<(Phase, FailureClass)>,
    ) -> CycleResult {
        CycleResult {
            cycle: n,
            phases: times
                .iter()
                .map(|(phase, ms)| PhaseTime {
                    phase: *phase,
                    ms: *ms,
                })
                .collect(),
            failure: failure.map(|(phase, class)| Failure {
                cycle: n,
                phase,
                class,
                message: "x".into(),
            }),
            overhead_ms: 1,
        }
    }

    #[test]
    fn phase_lists_parse_and_expand_to_what_a_cycle_must_run() {
        assert_eq!(
            Phase::parse_list("launch, install,launch").unwrap(),
            vec![Phase::Install, Phase::Launch]
        );
        assert!(Phase::parse_list("install,boot")
            .unwrap_err()
            .contains("'boot'"));
        assert!(Phase::parse_list(" , ").is_err());
        // Everything: as given.
        assert_eq!(Phase::to_run(&Phase::ALL), Phase::ALL.to_vec());
        // Launch only: install first, then stop and uninstall so nothing is left; no healthy wait.
        assert_eq!(
            Phase::to_run(&[Phase::Launch]),
            vec![Phase::Install, Phase::Launch, Phase::Stop, Phase::Uninstall]
        );
        // Healthy only: everything before it too.
        assert_eq!(Phase::to_run(&[Phase::Healthy]), Phase::ALL.to_vec());
        // Install only: installed, then removed.
        assert_eq!(
            Phase::to_run(&[Phase::Install]),
            vec![Phase::Install, Phase::Uninstall]
        );
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        // Worked by hand: 1..=20 → p50 is the 10th value, p95 the 19th.
        let v: Vec<u64> = (1..=20).collect();
        assert_eq!((percentile(&v, 50), percentile(&v, 95)), (10, 19));
        assert_eq!(percentile(&[7], 95), 7);
        // 1..=100: p95 is 95; 1..=3: p50 the 2nd, p95 the 3rd.
        let h: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&h, 95), 95);
        assert_eq!(
            (percentile(&[1, 2, 3], 50), percentile(&[1, 2, 3], 95)),
            (2, 3)
        );
    }

    #[test]
    fn stats_per_phase_over_the_cycles_that_completed_it() {
        let cycles = vec![
            cycle(1, &[(Phase::Install, 300), (Phase::Launch, 40)], None),
            cycle(
                2,
                &[(Phase::Install, 100)],
                Some((Phase::Launch, FailureClass::Crash)),
            ),
            cycle(3, &[(Phase::Install, 200), (Phase::Launch, 60)], None),
        ];
        let s = phase_stats(&cycles);
        assert_eq!(s.len(), 2);
        assert_eq!(
            (
                s[0].phase,
                s[0].count,
                s[0].min_ms,
                s[0].p50_ms,
                s[0].p95_ms,
                s[0].max_ms
            ),
            (Phase::Install, 3, 100, 200, 300, 300)
        );
        assert_eq!(
            (
                s[1].phase,
                s[1].count,
                s[1].min_ms,
                s[1].p50_ms,
                s[1].max_ms
            ),
            (Phase::Launch, 2, 40, 40, 60)
        );
    }

    #[test]
    fn failures_are_classified_by_their_words() {
        use FailureClass::*;
        let cases = [
            (Phase::Install, "cannot download https://x/c: connection refused", Download),
            (Phase::Install, "the release server answered HTTP 503", Download),
            (Phase::Install, "the file's sha256 does not match the release's: it was changed on the way", Verify),
            (Phase::Install, "the signature of the manifest is not valid", Verify),
            (Phase::Install, "cannot write /x/bin: Permission denied (os error 13)", Permission),
            (Phase::Launch, "Error: LLM port 9591 is not available: Address already in use (os error 98)", Port),
            (Phase::Launch, "could not start the node (`systemctl --user start cortensor-node-1.service`): exit 1", ServiceManager),
            (Phase::Healthy, "node 1 did not become healthy within 30 s", Timeout),
            (Phase::Launch, "Traceback (most recent call last):", Crash),
            (Phase::Launch, "node 2 exited (exit status: 1)", Crash),
            (Phase::Stop, "something odd", Other),
            (Phase::Launch, "cannot reach the server", Other),
            (Phase::Install, "the download timed out after 30 s", Download),
            (Phase::Stop, "node 1 did not stop within 20 s", Timeout),
        ];
        for (phase, msg, want) in cases {
            assert_eq!(classify(phase, msg), want, "{msg}");
        }
    }

    fn report() -> Report {
        let cycles = vec![
            cycle(
                1,
                &[
                    (Phase::Install, 1200),
                    (Phase::Launch, 300),
                    (Phase::Healthy, 2500),
                ],
                None,
            ),
            cycle(
                2,
                &[(Phase::Install, 900)],
                Some((Phase::Launch, FailureClass::Port)),
            ),
        ];
        Report {
            schema: SCHEMA,
            id: "r1".into(),
            started_at: 0,
            finished_at: 10,
            cycles_requested: 3,
            parallel: 2,
            phases_timed: Phase::ALL.to_vec(),
            source: "official".into(),
            timeout_secs: 60,
            phases: phase_stats(&cycles),
            failures: cycles.iter().filter_map(|c| c.failure.clone()).collect(),
            cycles,
            environment: Environment {
                os: "Debian GNU/Linux".into(),
                cores: 2,
                docker: "not installed".into(),
                ..Default::default()
            },
            peaks: Peaks {
                cpu_pct: 87.4,
                rss_bytes: 64 << 20,
                disk_bytes: 12 << 20,
            },
            notes: vec!["Docker is absent: earning was not waited for".into()],
            cancelled: true,
        }
    }

    #[test]
    fn the_markdown_summary_says_what_happened() {
        let md = render_markdown(&report());
        assert!(
            md.contains("1 of 2 cycles passed (cancelled after 2 of 3) · 2 node(s) per cycle"),
            "{md}"
        );
        assert!(
            md.contains("| install | 2 | 0.900 s | 0.900 s | 1.200 s | 1.200 s |"),
            "{md}"
        );
        assert!(md.contains("port × 1"));
        assert!(md.contains("| 2 | launch | port | x |"));
        assert!(md.contains("CPU 87 % of the machine · memory 64.0 MiB"));
        assert!(md.contains("- Docker is absent: earning was not waited for"));
    }

    #[test]
    fn the_chart_draws_every_phase_time_and_marks_failures() {
        let svg = render_svg(&report());
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        // One rect per phase time (4), the legend (3 phases timed in the stats), the background.
        assert_eq!(svg.matches("<rect").count(), 4 + 3 + 1, "{svg}");
        assert!(svg.contains("<title>cycle 1: healthy 2.500 s</title>"));
        assert_eq!(svg.matches("class=\"failure\"").count(), 1);
        assert!(svg.contains("cycle 2 failed in launch: port"));
        // The axis tops at a round value above the tallest bar (4.0 s → 5.0 s), in round steps.
        for t in ["0.0 s", "1.0 s", "2.0 s", "3.0 s", "4.0 s", "5.0 s"] {
            assert!(svg.contains(&format!(">{t}</text>")), "{t}: {svg}");
        }
        // Text is escaped.
        let mut r = report();
        r.id = "<script>".into();
        assert!(!render_svg(&r).contains("<script>"));
    }
}

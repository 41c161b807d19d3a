//! CLI handlers of the machine commands (install, nodes, update…): each calls the core and prints.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use cortensor_manager::api::UserError;
use cortensor_manager::doctor::{self, Status};
use cortensor_manager::install::download::{DownloadOptions, Progress};
use cortensor_manager::install::setup::{self, Backend};
use cortensor_manager::install::source::ReleaseSource;
use cortensor_manager::install::{binary, update as upd};
use cortensor_manager::machine::Machine;

use crate::print_json;

fn e<E: std::fmt::Display>(err: E) -> UserError {
    UserError::new(err)
}

/// A progress bar on a terminal; nothing otherwise (JSON output stays clean).
fn progress_bar(json: bool) -> (indicatif::ProgressBar, impl FnMut(&Progress)) {
    let bar = if json || !std::io::stderr().is_terminal() {
        indicatif::ProgressBar::hidden()
    } else {
        indicatif::ProgressBar::new(0)
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{msg} [{bar:30}] {bytes}/{total_bytes} {binary_bytes_per_sec} ETA {eta}",
        )
        .expect("valid template")
        .progress_chars("=> "),
    );
    bar.set_message("downloading cortensord");
    let b = bar.clone();
    (bar, move |p: &Progress| {
        b.set_length(p.total);
        b.set_position(p.downloaded);
    })
}

fn ask(question: &str, yes: bool) -> bool {
    if yes {
        return true;
    }
    if !std::io::stdin().is_terminal() {
        return false;
    }
    eprint!("{question} [y/N] ");
    let mut line = String::new();
    std::io::stdin().read_line(&mut line).is_ok() && matches!(line.trim(), "y" | "Y" | "yes")
}

pub fn doctor(
    data_dir: Option<PathBuf>,
    time_url: Option<String>,
    fix: Option<String>,
    yes: bool,
    json: bool,
) -> Result<(), UserError> {
    let mut m = Machine::open(data_dir, None)?;
    let url = time_url.unwrap_or_else(|| m.profile.dashboard_url.clone());
    let facts = doctor::gather(&mut m.runner, &m.layout.root, &m.profile, Some(&url));
    let checks = doctor::evaluate(&facts);
    if let Some(id) = fix {
        let plan = doctor::fix_plan(&id, cortensor_manager::install::manifest::Os::current(), &m.user)
            .ok_or_else(|| e(format!("the app cannot fix '{id}' by itself; follow the fix shown by `cortensor-manager doctor`")))?;
        print!("{plan}");
        if !ask(
            "Run these steps (your administrator password is asked)?",
            yes,
        ) {
            return Err(e(
                "not done: answer yes (or pass --yes) to let the app run them",
            ));
        }
        let report = m.fix(&id)?;
        for w in report.warnings {
            println!("note: {w}");
        }
        println!("Done. Run `cortensor-manager doctor` again to check.");
        return Ok(());
    }
    if json {
        return print_json(
            &serde_json::json!({"checks": checks, "affordable_nodes": doctor::affordable_nodes(&facts)}),
        );
    }
    for c in &checks {
        let mark = match c.status {
            Status::Ok => "ok  ",
            Status::Warn => "warn",
            Status::Fail => "FAIL",
            Status::Info => "info",
        };
        println!("[{mark}] {:<18} {}", c.title, c.explanation);
        if let Some(f) = &c.fix {
            if c.status != Status::Ok {
                let how = f
                    .command
                    .as_ref()
                    .map(|c| format!(": {c}"))
                    .or_else(|| f.url.as_ref().map(|u| format!(": {u}")))
                    .unwrap_or_default();
                println!(
                    "       fix: {}{how}{}",
                    f.label,
                    if f.automatic {
                        format!(" (or: cortensor-manager doctor --fix {})", c.id)
                    } else {
                        String::new()
                    }
                );
            }
        }
    }
    println!(
        "This machine can run about {} node(s).",
        doctor::affordable_nodes(&facts)
    );
    Ok(())
}

pub fn install(
    data_dir: Option<PathBuf>,
    source: &str,
    yes: bool,
    json: bool,
) -> Result<(), UserError> {
    let mut m = Machine::open(data_dir, None)?;
    let source = ReleaseSource::parse(source).map_err(e)?;
    let (bar, mut on_progress) = progress_bar(json);
    let outcome = binary::install(
        &m.layout,
        &m.store,
        &source,
        &DownloadOptions::default(),
        &AtomicBool::new(false),
        &mut on_progress,
    )
    .map_err(e)?;
    bar.finish_and_clear();
    let found = setup::detect_official(&setup::official_env_candidates(&m.home));
    let mut adopted = None;
    if let Some(official) = found.iter().find(|o| o.has_private_key) {
        if ask(
            &format!(
                "An official install was found ({}, node {}). Import its key and settings?",
                official.env_file,
                official.address.as_deref().unwrap_or("?")
            ),
            yes,
        ) {
            let cores = m.cores();
            let cx = m.context()?;
            let mut runner = m.runner.clone();
            adopted = setup::adopt(
                &cx,
                std::path::Path::new(&official.env_file),
                cores,
                &mut runner,
            )
            .map_err(e)?;
        } else if !json {
            println!(
                "An official install was found at {}; `cortensor-manager adopt` imports it.",
                official.env_file
            );
        }
    }
    let _ = &mut m;
    if json {
        return print_json(
            &serde_json::json!({"install": outcome, "official_installs": found, "adopted": adopted}),
        );
    }
    if outcome.already_current {
        println!(
            "cortensord {} is already installed and intact.",
            outcome.version
        );
    } else {
        println!(
            "Installed cortensord {} (sha256 {}).",
            outcome.version,
            &outcome.sha256[..16]
        );
    }
    if let Some(n) = adopted {
        println!("Imported the official node {} as node {}.", n.address, n.id);
    }
    println!("Next: `cortensor-manager node add --count N` creates your nodes.");
    Ok(())
}

pub fn update(
    data_dir: Option<PathBuf>,
    source: &str,
    window: f64,
    json: bool,
) -> Result<(), UserError> {
    if !(window.is_finite() && window > 0.0) {
        return Err(e("--window must be a number of seconds above 0"));
    }
    let m = Machine::open(data_dir, None)?;
    let source = ReleaseSource::parse(source).map_err(e)?;
    let cx = m.context()?;
    let mut runner = m.runner.clone();
    let (bar, mut on_progress) = progress_bar(json);
    let out = upd::update(
        &cx,
        &source,
        &DownloadOptions::default(),
        Duration::from_secs_f64(window),
        &mut runner,
        &AtomicBool::new(false),
        &mut on_progress,
    )
    .map_err(e)?;
    bar.finish_and_clear();
    if json {
        return print_json(&out);
    }
    match (&out.rolled_back, out.up_to_date) {
        (_, true) => println!("cortensord {} is up to date.", out.to),
        (Some(why), _) => println!("Update rolled back: {why}."),
        (None, _) => println!(
            "Updated cortensord {} → {}.",
            out.from.as_deref().unwrap_or("?"),
            out.to
        ),
    }
    Ok(())
}

pub fn uninstall(
    data_dir: Option<PathBuf>,
    export_keys: Option<PathBuf>,
    delete_keys: bool,
    yes: bool,
    json: bool,
) -> Result<(), UserError> {
    let m = Machine::open(data_dir, None)?;
    let cx = m.context()?;
    let n = m.store.nodes().map_err(e)?.len();
    if !ask(
        &format!("Stop and remove {n} node(s), their services and cortensord?"),
        yes,
    ) {
        return Err(e(
            "nothing removed: answer yes (or pass --yes) to uninstall",
        ));
    }
    let exported = match &export_keys {
        Some(path) => {
            setup::export_keys(&m.store, cx.keychain, path).map_err(e)?;
            true
        }
        None => false,
    };
    let mut runner = m.runner.clone();
    let report = setup::uninstall(&cx, delete_keys, exported, &mut runner).map_err(e)?;
    if json {
        return print_json(
            &serde_json::json!({"removed_nodes": n, "keys_deleted": delete_keys, "warnings": report.warnings}),
        );
    }
    println!("Removed {n} node(s) and cortensord.");
    for w in report.warnings {
        println!("note: {w}");
    }
    Ok(())
}

pub fn node_add(data_dir: Option<PathBuf>, count: u32, json: bool) -> Result<(), UserError> {
    let m = Machine::open(data_dir, None)?;
    if !m.layout.binary().exists() {
        return Err(e(setup::SetupError::NotInstalled));
    }
    let cx = m.context()?;
    let mut runner = m.runner.clone();
    let (specs, report) = setup::add_nodes(&cx, count, m.cores(), &mut runner).map_err(e)?;
    if json {
        return print_json(
            &serde_json::json!({"nodes": specs, "backend": m.backend, "warnings": report.warnings}),
        );
    }
    for s in &specs {
        println!(
            "node {}  {}  LLM port {}  folder {}",
            s.id,
            s.address,
            s.llm_port,
            m.layout.node_dir(s.id).display()
        );
    }
    for w in report.warnings {
        println!("note: {w}");
    }
    if m.backend == Backend::Supervisor {
        println!("note: no per-user service manager was found; the nodes are configured but not registered as services.");
    }
    println!(
        "Keys are in the OS keychain. Next: stake ({}), then `cortensor-manager node register ID`.",
        m.profile.staking_url
    );
    Ok(())
}

pub fn node_list(data_dir: Option<PathBuf>, json: bool) -> Result<(), UserError> {
    let m = Machine::open(data_dir, None)?;
    let nodes = m.store.nodes().map_err(e)?;
    if json {
        return print_json(
            &serde_json::json!({"nodes": nodes, "installed": m.store.installed().map_err(e)?}),
        );
    }
    if nodes.is_empty() {
        println!("No nodes yet: `cortensor-manager node add --count N` creates them.");
    }
    for r in nodes {
        println!(
            "node {:>2}  {}  LLM port {:<5}  registered: {:<4}  verified: {}",
            r.spec.id,
            r.spec.address,
            r.spec.llm_port,
            r.registered.as_deref().unwrap_or("-"),
            r.verified.as_deref().unwrap_or("-")
        );
    }
    Ok(())
}

pub fn node_register(data_dir: Option<PathBuf>, id: u32, json: bool) -> Result<(), UserError> {
    let m = Machine::open(data_dir, None)?;
    let cx = m.context()?;
    let r = setup::register(&cx, id).map_err(e)?;
    if json {
        return print_json(&r);
    }
    print!("{}", r.output);
    if r.registered && r.verified {
        println!("Node {} ({}) is registered and verified.", r.id, r.address);
        Ok(())
    } else {
        Err(e(format!(
            "node {} could not be {}. Staking: {}",
            r.id,
            if r.registered {
                "verified"
            } else {
                "registered"
            },
            m.profile.staking
        )))
    }
}

pub fn keys_export(data_dir: Option<PathBuf>, out: &std::path::Path) -> Result<(), UserError> {
    let m = Machine::open(data_dir, None)?;
    let cx = m.context()?;
    let n = setup::export_keys(&m.store, cx.keychain, out).map_err(e)?;
    println!(
        "Wrote {n} key(s) to {} (readable by you only). Keep it offline.",
        out.display()
    );
    Ok(())
}

pub fn adopt(
    data_dir: Option<PathBuf>,
    env_file: Option<PathBuf>,
    json: bool,
) -> Result<(), UserError> {
    let m = Machine::open(data_dir, None)?;
    let path = env_file.unwrap_or_else(|| m.home.join(".cortensor/.env"));
    let cx = m.context()?;
    let mut runner = m.runner.clone();
    let spec = setup::adopt(&cx, &path, m.cores(), &mut runner).map_err(e)?;
    if json {
        return print_json(&serde_json::json!({"adopted": spec}));
    }
    match spec {
        Some(s) => println!(
            "Imported node {} ({}) and its settings from {}.",
            s.id,
            s.address,
            path.display()
        ),
        None => println!(
            "Imported the settings of {} (it had no private key).",
            path.display()
        ),
    }
    Ok(())
}

pub fn diagnostics(data_dir: Option<PathBuf>, what: &str) -> Result<(), UserError> {
    let m = Machine::open(data_dir, None)?;
    let d =
        cortensor_manager::diagnostics::save(what, &m.layout, &m.store, m.keychain.as_ref().ok())
            .map_err(|err| {
            e(format!(
                "cannot save the diagnostics: {}",
                cortensor_manager::fsutil::explain_io(&err)
            ))
        })?;
    println!("Diagnostics saved to {} (secrets removed).", d.path);
    Ok(())
}

/// `metrics on|off|status`: `set` is `Some(port or None)` to change the setting.
pub fn metrics(data_dir: Option<PathBuf>, set: Option<Option<u16>>) -> Result<(), UserError> {
    use cortensor_manager::runtime::{daemon, supervisor};
    let m = Machine::open(data_dir, None)?;
    if let Some(port) = set {
        daemon::set_metrics_port(&m.store, port)?;
    }
    let running = supervisor::daemon_running(&m.layout);
    match (daemon::metrics_port(&m.store), running) {
        (Some(p), true) => println!("Metrics: on, http://127.0.0.1:{p}/metrics (the daemon serves them within a few seconds)."),
        (Some(p), false) => println!("Metrics: on, port {p}; they are served while the daemon runs (`cortensor-manager node start all` starts it)."),
        (None, _) => println!("Metrics: off. `cortensor-manager metrics on --port 9184` turns them on."),
    }
    Ok(())
}

/// The daemon's timing options.
pub struct DaemonTiming {
    pub stop_timeout: f64,
    pub stagger_ms: u64,
    pub stable_after: f64,
    pub sample_ms: u64,
    pub probe_secs: u32,
    pub docker_secs: u32,
    pub down_alert_mins: u32,
    pub low_disk_gb: u64,
}

pub fn daemon(
    data_dir: Option<PathBuf>,
    log_max_bytes: u64,
    metrics_port: Option<u16>,
    t: DaemonTiming,
) -> Result<(), UserError> {
    use cortensor_manager::runtime::{daemon, supervisor};
    for (name, v) in [
        ("--stop-timeout", t.stop_timeout),
        ("--stable-after", t.stable_after),
    ] {
        if !(v.is_finite() && v > 0.0) {
            return Err(e(format!("{name} must be a number of seconds above 0")));
        }
    }
    if !(100..=60_000).contains(&t.sample_ms) {
        return Err(e(
            "--sample-ms must be between 100 (10 Hz) and 60000 (once a minute)",
        ));
    }
    if t.probe_secs == 0 || t.docker_secs == 0 {
        return Err(e("--probe-secs and --docker-secs must be at least 1"));
    }
    if t.down_alert_mins == 0 {
        return Err(e("--down-alert-mins must be at least 1"));
    }
    let supervisor = supervisor::Config {
        log_max_bytes,
        stop_timeout: Duration::from_secs_f64(t.stop_timeout),
        stagger: Duration::from_millis(t.stagger_ms),
        stable_after: Duration::from_secs_f64(t.stable_after),
        ..Default::default()
    };
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let s = stop.clone();
    ctrlc::set_handler(move || s.store(true, std::sync::atomic::Ordering::SeqCst)).map_err(e)?;
    let opts = daemon::Options {
        supervisor,
        metrics_port,
        sample_every: Duration::from_millis(t.sample_ms),
        monitor: cortensor_manager::health::monitor::MonitorConfig {
            probe_every_secs: i64::from(t.probe_secs),
            docker_every_secs: i64::from(t.docker_secs),
            down_alert_secs: i64::from(t.down_alert_mins) * 60,
            low_disk_bytes: t.low_disk_gb << 30,
            ..Default::default()
        },
    };
    daemon::run_foreground(data_dir, opts, &stop)
}

pub fn control(
    data_dir: Option<PathBuf>,
    which: &str,
    action: cortensor_manager::runtime::control::Action,
) -> Result<(), UserError> {
    use cortensor_manager::runtime::control;
    let m = Machine::open(data_dir, None)?;
    let ids = control::select(&m, which)?;
    let exe = std::env::current_exe().map_err(e)?;
    for note in control::apply(&m, &ids, action, &exe)? {
        println!("note: {note}");
    }
    let verb = match action {
        control::Action::Start => "start",
        control::Action::Stop => "stop",
        control::Action::Restart => "restart",
    };
    println!(
        "Asked node(s) {} to {verb}. `cortensor-manager node status` shows their state.",
        ids.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    );
    Ok(())
}

pub fn status(data_dir: Option<PathBuf>, json: bool, watch: bool) -> Result<(), UserError> {
    let m = Machine::open(data_dir, None)?;
    // The daemon's snapshots, or (no daemon runs) a monitor pass of our own.
    let mut feed = cortensor_manager::health::feed::Feed::new(&m);
    loop {
        let health = feed.next(&m).0;
        let nodes = m.store.nodes().map_err(e)?;
        let runtime = m.store.runtime().map_err(e)?;
        if json {
            let alerts = m
                .store
                .alerts(cortensor_manager::runtime::supervisor::now_unix() - 86_400)
                .map_err(e)?;
            print_json(
                &serde_json::json!({"nodes": nodes, "runtime": runtime, "health": health, "alerts": alerts, "backend": m.backend}),
            )?;
        } else {
            if watch && std::io::stdout().is_terminal() {
                print!("\x1b[2J\x1b[H");
            }
            println!(
                "{:>4}  {:<42}  {:<9}  {:>7}  {:>8}  {:>7}  reason",
                "node", "address", "state", "pid", "restarts", "up 24h"
            );
            for n in &nodes {
                let r = runtime.iter().find(|r| r.node_id == n.spec.id);
                let h = health.iter().find(|h| h.id == n.spec.id);
                let state = h
                    .map(|h| h.state.name())
                    .unwrap_or_else(|| r.map_or("stopped", |r| r.state.as_str()));
                let reason = h
                    .map(|h| h.reason.as_str())
                    .unwrap_or_else(|| r.map_or("", |r| r.reason.as_str()));
                let up = h
                    .and_then(|h| h.uptime.as_ref())
                    .and_then(|u| u.last_24h_pct)
                    .map_or("-".to_string(), |p| format!("{p:.1}%"));
                println!(
                    "{:>4}  {:<42}  {:<9}  {:>7}  {:>8}  {:>7}  {}",
                    n.spec.id,
                    n.spec.address,
                    state,
                    r.and_then(|r| r.pid)
                        .map_or("-".to_string(), |p| p.to_string()),
                    r.map_or(0, |r| r.restarts),
                    up,
                    reason
                );
            }
        }
        if !watch {
            return Ok(());
        }
        std::thread::sleep(Duration::from_secs(1));
    }
}

pub fn logs(
    data_dir: Option<PathBuf>,
    id: u32,
    follow: bool,
    lines: usize,
) -> Result<(), UserError> {
    use std::io::Write;
    let m = Machine::open(data_dir, None)?;
    if !m.store.nodes().map_err(e)?.iter().any(|r| r.spec.id == id) {
        return Err(e(format!(
            "there is no node {id}; `cortensor-manager node list` shows your nodes"
        )));
    }
    // The same follower the monitor and the app use: it reads across copy-truncate rotations.
    let (mut live, backlog) =
        cortensor_manager::health::logs::LiveLog::open(id, &m.layout.log_file(id), lines);
    let mut out = std::io::stdout().lock();
    for l in &backlog {
        writeln!(out, "{l}").map_err(e)?;
    }
    while follow {
        out.flush().map_err(e)?;
        std::thread::sleep(Duration::from_millis(200));
        for l in live.poll().map(|b| b.lines).unwrap_or_default() {
            writeln!(out, "{l}").map_err(e)?;
        }
    }
    Ok(())
}

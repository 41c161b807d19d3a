//! Bug reports: prepare a bundle from the form (redacted, previewable), submit it (zip, save,
//! queue for the destinations, one attempt now), the outbox and the history, the destinations
//! and the user's extra redaction patterns, and the redactor for text the user copies.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use cortensor_node::machine::Machine;
pub use cortensor_node::platform::clock::now_unix;
use cortensor_node::platform::fs::explain_io;
use cortensor_node::redact::Redactor;
use cortensor_node::report::bundle::{self, BundleLimits, Facts};
pub use cortensor_node::report::deliver::Destinations;
use cortensor_node::report::deliver::{self, Destination};
use cortensor_node::report::outbox;
pub use cortensor_node::report::outbox::Attempt;
pub use cortensor_node::report::{Draft, ReportForm};
use cortensor_node::store::ReportRecord;

use crate::{user, Session, UserError};

pub use cortensor_node::report::form::{Category, ErrorContext, FieldProblem, Severity};
pub use cortensor_node::report::BundleFile;
pub use cortensor_node::store::{Delivery, DeliveryStatus};

/// Extra redaction patterns (regular expressions, one per line).
pub const PATTERNS_SETTING: &str = "report_redact_patterns";

/// The redactor for this machine: its keys, RPC URLs, destinations and the user's patterns.
pub(crate) fn redactor_for(m: &Machine) -> Result<Redactor, UserError> {
    redactor(m, "")
}

fn redactor(m: &Machine, contact: &str) -> Result<Redactor, UserError> {
    let mut known: Vec<String> = Vec::new();
    if let Ok(cx) = m.context() {
        for n in m.store.nodes().map_err(user)? {
            if let Ok(k) = cortensor_node::install::setup::node_key(&cx, &n.spec) {
                known.push(k.private_key.expose().to_string());
            }
        }
        known.extend(
            cortensor_node::install::setup::rpc_urls(&cx)
                .iter()
                .map(|u| u.expose().to_string()),
        );
    }
    let d = deliver::load(m.keychain.as_ref().ok(), &m.layout);
    known.extend(d.endpoint.into_iter().chain(d.discord));
    let patterns: Vec<String> = m
        .store
        .setting(PATTERNS_SETTING)
        .map_err(user)?
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect();
    Redactor::new(&known)
        .with_patterns(&patterns)
        .map(|r| r.allow_email(contact))
        .map_err(UserError::new)
}

fn facts(m: &mut Machine) -> Facts {
    let app_ipfs = cortensor_node::install::kubo::installed(&m.layout);
    let server = m
        .store
        .nodes()
        .ok()
        .and_then(|n| n.iter().find(|n| n.spec.ipfs_server).map(|n| n.spec.id));
    // No clock check: a bug report must not wait on the network.
    let f = cortensor_node::doctor::gather(
        &mut m.runner,
        &m.layout.root,
        &m.profile,
        None,
        app_ipfs.as_deref(),
        server,
    );
    let checks = cortensor_node::doctor::evaluate(&f);
    let cpu = cortensor_node::doctor::cpu_brand();
    Facts {
        system: serde_json::json!({
            "app": {"name": "cortensor-manager", "version": env!("CARGO_PKG_VERSION"), "build": option_env!("CORTENSOR_MANAGER_BUILD").unwrap_or("dev")},
            "os": {"name": sysinfo::System::name().ok(), "version": sysinfo::System::os_version().ok(), "kernel": sysinfo::System::kernel_version().ok(), "arch": std::env::consts::ARCH},
            "cpu": {"brand": cpu, "cores": f.cores},
            "ram_bytes": f.ram_total,
            "disk_free_bytes": f.disk_free,
            "gpus": f.gpus,
            "nvidia_toolkit": f.nvidia_toolkit,
            "docker": format!("{:?}", f.docker),
            "ipfs": {"version": f.ipfs, "daemon_listening": f.ipfs_listening},
            "backend": format!("{:?}", m.backend),
            "network": m.profile.name,
        }),
        doctor: serde_json::to_value(&checks).unwrap_or_default(),
    }
}

/// Gather, redact and write the report's files for the user to look at (nothing is sent).
pub fn prepare(s: &Session, form: &ReportForm) -> Result<Draft, UserError> {
    prepare_with(s, form, &BundleLimits::default())
}

pub fn prepare_with(
    s: &Session,
    form: &ReportForm,
    limits: &BundleLimits,
) -> Result<Draft, UserError> {
    let mut m = s.machine()?;
    let ids: Vec<u32> = m
        .store
        .nodes()
        .map_err(user)?
        .iter()
        .map(|n| n.spec.id)
        .collect();
    let problems = form.problems(&ids);
    if !problems.is_empty() {
        let mut e = UserError::new(
            problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.message))
                .collect::<Vec<_>>()
                .join("\n"),
        );
        e.kind = cortensor_node::error::ErrorKind::Input;
        e.action = cortensor_node::error::ErrorAction::FixInput;
        e.title = "Check the report".into();
        e.hint = problems
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
            .join(" ");
        return Err(e);
    }
    let r = redactor(&m, &form.contact)?;
    let facts = facts(&mut m);
    bundle::prepare(&m.layout, &m.store, form, &facts, &r, limits, now_unix()).map_err(|e| {
        UserError::new(format!(
            "cannot write the report's files: {}",
            explain_io(&e)
        ))
    })
}

/// The form's problems, field by field (empty: it can go).
pub fn check(s: &Session, form: &ReportForm) -> Result<Vec<FieldProblem>, UserError> {
    let ids: Vec<u32> = s
        .store()?
        .nodes()
        .map_err(user)?
        .iter()
        .map(|n| n.spec.id)
        .collect();
    Ok(form.problems(&ids))
}

fn report_dir(s: &Session, id: &str) -> Result<PathBuf, UserError> {
    let rec = s
        .store()?
        .report(id)
        .map_err(user)?
        .ok_or_else(|| UserError::new(format!("there is no report {id}")))?;
    Ok(PathBuf::from(rec.dir))
}

/// One file of a prepared report, for the preview.
pub fn view(s: &Session, id: &str, path: &str) -> Result<String, UserError> {
    bundle::view(&report_dir(s, id)?, path)
        .map_err(|e| UserError::new(format!("cannot show {path}: {}", explain_io(&e))))
}

/// What to do with a prepared report.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SubmitRequest {
    pub id: String,
    /// Files (bundle paths) the user chose not to send.
    #[serde(default)]
    pub leave_out: Vec<String>,
    /// Save the bundle only; send nothing.
    #[serde(default)]
    pub save_only: bool,
    /// Send here instead of the configured destinations.
    #[serde(default)]
    pub endpoint: Option<String>,
    /// Write the zip here (default: the reports folder).
    #[serde(default)]
    pub out: Option<String>,
}

/// A report after submission (the CLI's `--json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReportResult {
    pub id: String,
    pub bundle: String,
    /// `saved` (nothing to send), `queued`, `sending`, `sent`, `failed` or `manual`.
    pub status: String,
    pub reference: Option<String>,
    /// Why the last attempt failed (a retry follows for `queued`).
    pub error: Option<String>,
    pub files: Vec<ResultFile>,
    pub deliveries: Vec<cortensor_node::store::Delivery>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ResultFile {
    pub path: String,
    #[ts(type = "number")]
    pub size: u64,
    pub redactions: u32,
}

fn result_of(rec: &ReportRecord, files: Vec<ResultFile>) -> ReportResult {
    let first = rec.deliveries.first();
    ReportResult {
        id: rec.id.clone(),
        bundle: rec.bundle.clone().unwrap_or_default(),
        status: first.map_or("saved", |d| d.status.name()).to_string(),
        reference: first.and_then(|d| d.reference.clone()),
        error: first.and_then(|d| d.last_error.clone()),
        files,
        deliveries: rec.deliveries.clone(),
    }
}

/// An endpoint given for one report: https, or http on 127.0.0.1.
pub fn check_endpoint(url: &str) -> Result<String, UserError> {
    deliver::check_url(url, "the report endpoint").map_err(UserError::new)
}

/// Zip what the user confirmed, save it, queue it for the destinations and try once now.
pub fn submit(s: &Session, req: &SubmitRequest) -> Result<ReportResult, UserError> {
    let m = s.machine()?;
    let configured = deliver::load(m.keychain.as_ref().ok(), &m.layout);
    let dests: Vec<Destination> = match (&req.endpoint, req.save_only) {
        (_, true) => vec![],
        (Some(url), false) => vec![Destination::Endpoint(
            deliver::check_url(url, "the report endpoint").map_err(UserError::new)?,
        )],
        (None, false) => configured.list(),
    };
    let out = req.out.as_deref().map(Path::new);
    bundle::finish(&m.store, &req.id, &req.leave_out, out)
        .map_err(|e| UserError::new(format!("cannot write the bundle: {}", explain_io(&e))))?;
    let now = now_unix();
    outbox::queue(&m.store, &req.id, &dests, now).map_err(user)?;
    outbox::flush(&m.store, now, false, Some(&req.id), outbox::SEND_TIMEOUT).map_err(user)?;
    let rec = m
        .store
        .report(&req.id)
        .map_err(user)?
        .ok_or_else(|| UserError::new("the report vanished"))?;
    let manifest =
        bundle::read_manifest(Path::new(&rec.dir)).map_err(|e| UserError::new(explain_io(&e)))?;
    let files = manifest
        .files
        .iter()
        .map(|f| ResultFile {
            path: f.path.clone(),
            size: f.size,
            redactions: f.redactions,
        })
        .collect();
    Ok(result_of(&rec, files))
}

/// Every report, newest first, and how many reached a destination.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReportHistory {
    pub reports: Vec<ReportRecord>,
    /// Reports delivered (sent, or handed to GitHub): they count toward ranking.
    pub delivered: u32,
    pub waiting: u32,
}

pub fn history(s: &Session) -> Result<ReportHistory, UserError> {
    let reports = s.store()?.reports().map_err(user)?;
    let any = |r: &ReportRecord, st: &[DeliveryStatus]| {
        r.deliveries.iter().any(|d| st.contains(&d.status))
    };
    Ok(ReportHistory {
        delivered: reports
            .iter()
            .filter(|r| any(r, &[DeliveryStatus::Sent, DeliveryStatus::Manual]))
            .count() as u32,
        waiting: reports
            .iter()
            .filter(|r| any(r, &[DeliveryStatus::Queued, DeliveryStatus::Sending]))
            .count() as u32,
        reports,
    })
}

/// Try the outbox now; `force`: every waiting report, ignoring the backoff.
pub fn flush(s: &Session, force: bool) -> Result<Vec<Attempt>, UserError> {
    outbox::flush(&s.store()?, now_unix(), force, None, outbox::SEND_TIMEOUT).map_err(user)
}

/// Look at the outbox every 30 s for the process's life (the app, when no daemon may run).
pub fn spawn_outbox(s: &Session) -> Result<(), UserError> {
    let dir = cortensor_node::platform::paths::data_dir(s.data_dir()).map_err(user)?;
    let forever = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    outbox::spawn(dir, std::time::Duration::from_secs(30), forever);
    Ok(())
}

/// The destinations (tokens hidden).
pub fn destinations(s: &Session) -> Result<Destinations, UserError> {
    let m = s.machine()?;
    Ok(deliver::load(m.keychain.as_ref().ok(), &m.layout).shown())
}

/// Set (or, with an empty value, remove) one destination: `endpoint`, `discord` or `github`.
pub fn set_destination(s: &Session, kind: &str, value: &str) -> Result<Destinations, UserError> {
    let m = s.machine()?;
    let mut d = deliver::load(m.keychain.as_ref().ok(), &m.layout);
    let v = (!value.trim().is_empty()).then(|| value.trim().to_string());
    match kind {
        "endpoint" => d.endpoint = v,
        "discord" => d.discord = v,
        "github" => d.github = v,
        other => {
            return Err(UserError::new(format!(
                "'{other}' is not a destination: use endpoint, discord or github"
            )))
        }
    }
    let d = d.checked().map_err(|e| {
        let mut u = UserError::new(e);
        u.action = cortensor_node::error::ErrorAction::FixInput;
        u
    })?;
    deliver::save(m.keychain.as_ref().ok(), &m.layout, &d).map_err(UserError::new)?;
    Ok(d.shown())
}

/// The extra redaction patterns, one per line.
pub fn patterns(s: &Session) -> Result<String, UserError> {
    Ok(s.store()?
        .setting(PATTERNS_SETTING)
        .map_err(user)?
        .unwrap_or_default())
}

/// Set the extra redaction patterns (each a regular expression; a bad one is refused).
pub fn set_patterns(s: &Session, text: &str) -> Result<(), UserError> {
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    Redactor::default()
        .with_patterns(&lines)
        .map_err(UserError::new)?;
    s.store()?
        .set_setting(PATTERNS_SETTING, text.trim())
        .map_err(user)
}

/// Text the user copies out of the app (an error's details), through the one redactor.
pub fn redact(s: &Session, text: &str) -> Result<String, UserError> {
    let m = s.machine()?;
    Ok(redactor(&m, "")?.redact(text).text)
}

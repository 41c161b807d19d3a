//! The diagnostics bundle: plain files in `<data>/reports/<id>/` (readable without the app),
//! each redacted, listed with size, sha256, redaction count and truncation in `manifest.json`,
//! then zipped once the user has seen them and left out what they want. The zip is bounded
//! (default 10 MiB): log ends are shortened until it fits, and the manifest says so.

use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use ts_rs::TS;

use super::form::ReportForm;
use crate::nodes::Layout;
use crate::platform::tail::tail;
use crate::redact::Redactor;
use crate::store::{ReportRecord, Store};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BundleLimits {
    /// Lines kept from the end of each log.
    pub log_lines: u32,
    /// Bytes read at most from the end of each log.
    #[ts(type = "number")]
    pub log_bytes: u64,
    /// The zip's largest size.
    #[ts(type = "number")]
    pub max_zip_bytes: u64,
}

impl Default for BundleLimits {
    fn default() -> Self {
        BundleLimits {
            log_lines: 2_000,
            log_bytes: 4 * 1024 * 1024,
            max_zip_bytes: 10 * 1024 * 1024,
        }
    }
}

/// One file of the bundle, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BundleFile {
    /// Path inside the bundle (`nodes/node-1/cortensord.log`).
    pub path: String,
    #[ts(type = "number")]
    pub size: u64,
    pub sha256: String,
    /// How many secrets were removed from it.
    pub redactions: u32,
    /// What was cut, in words (`null`: the whole source is here).
    pub truncated: Option<String>,
}

/// A prepared report: its folder of plain files, for the user to look at before it goes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Draft {
    pub id: String,
    pub dir: String,
    pub files: Vec<BundleFile>,
}

/// The facts gathered by the caller (they need tools and the network profile).
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// `system.json`: app, OS, hardware, Docker, IPFS.
    pub system: serde_json::Value,
    /// `doctor.json`: the doctor's checks.
    pub doctor: serde_json::Value,
}

pub const MANIFEST: &str = "manifest.json";

struct Entry {
    path: String,
    bytes: Vec<u8>,
    redactions: u32,
    truncated: Option<String>,
    /// A log end that may be shortened to fit the size bound.
    log: bool,
}

fn text_entry(path: &str, text: &str, r: &Redactor, truncated: Option<String>, log: bool) -> Entry {
    let red = r.redact(text);
    Entry {
        path: path.into(),
        bytes: red.text.into_bytes(),
        redactions: red.count as u32,
        truncated,
        log,
    }
}

fn json_entry(path: &str, v: &serde_json::Value, r: &Redactor) -> Entry {
    text_entry(
        path,
        &serde_json::to_string_pretty(v).unwrap_or_default(),
        r,
        None,
        false,
    )
}

fn log_entry(path: &str, source: &Path, limits: &BundleLimits, r: &Redactor) -> Option<Entry> {
    let t = tail(source, limits.log_lines as usize, limits.log_bytes).ok()?;
    let note = t.truncated.then(|| {
        format!(
            "last {} lines of {} ({} bytes)",
            t.lines,
            source
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            t.file_bytes
        )
    });
    Some(text_entry(path, &t.text, r, note, true))
}

/// The .env without its secret values (the rest passes the redactor too).
fn env_text(text: &str) -> (String, u32) {
    let mut n = 0;
    let out: Vec<String> = text
        .lines()
        .map(|line| match line.split_once('=') {
            Some((k, v))
                if !line.trim_start().starts_with('#')
                    && !v.trim().is_empty()
                    && crate::install::setup::is_secret_key(k.trim()) =>
            {
                n += 1;
                format!("{k}={}", crate::redact::SECRET)
            }
            _ => line.to_string(),
        })
        .collect();
    (out.join("\n") + "\n", n)
}

/// Runs of the same state: `[{"from", "to", "up"}]` (unix seconds), a 24 h timeline a person
/// can read.
fn runs(points: &[crate::health::ledger::UptimePoint]) -> serde_json::Value {
    let mut out: Vec<serde_json::Value> = Vec::new();
    let mut cur: Option<(i64, i64, bool)> = None;
    for p in points {
        cur = match cur {
            Some((from, to, up)) if up == p.up && p.at - to <= 60 => Some((from, p.at, up)),
            Some((from, to, up)) => {
                out.push(serde_json::json!({"from": from, "to": to + 60, "up": up}));
                Some((p.at, p.at, p.up))
            }
            None => Some((p.at, p.at, p.up)),
        };
    }
    if let Some((from, to, up)) = cur {
        out.push(serde_json::json!({"from": from, "to": to + 60, "up": up}));
    }
    serde_json::Value::Array(out)
}

#[allow(clippy::too_many_arguments)]
fn gather(
    layout: &Layout,
    store: &Store,
    form: &ReportForm,
    facts: &Facts,
    r: &Redactor,
    limits: &BundleLimits,
    id: &str,
    now: i64,
) -> Vec<Entry> {
    let mut e = vec![text_entry(
        "report.md",
        &form.text(id, env!("CARGO_PKG_VERSION")),
        r,
        None,
        false,
    )];
    let meta = serde_json::json!({
        "id": id,
        "title": form.title.trim(),
        "category": form.category.name(),
        "severity": form.severity.name(),
        "nodes": form.nodes,
        "contact": form.contact.trim(),
        "app_version": env!("CARGO_PKG_VERSION"),
        "os": std::env::consts::OS,
        "arch": std::env::consts::ARCH,
        "created_at": now,
    });
    e.push(json_entry("report.json", &meta, r));
    e.push(json_entry("system.json", &facts.system, r));
    e.push(json_entry("doctor.json", &facts.doctor, r));
    let installed = store.installed().ok().flatten();
    e.push(json_entry(
        "install.json",
        &serde_json::json!({ "cortensord": installed }),
        r,
    ));
    let alerts = store.alerts(now - 7 * 86_400).unwrap_or_default();
    e.push(json_entry("alerts.json", &serde_json::json!(alerts), r));
    let health = crate::health::monitor::snapshots(store);
    let runtime = store.runtime().unwrap_or_default();
    let balances = store.balances().unwrap_or_default();
    for n in store.nodes().unwrap_or_default() {
        let id = n.spec.id;
        if !form.nodes.is_empty() && !form.nodes.contains(&id) {
            continue;
        }
        let dir = format!("nodes/node-{id}");
        if let Ok(text) = std::fs::read_to_string(layout.env_file(id)) {
            let (env, n_secret) = env_text(&text);
            let mut entry = text_entry(&format!("{dir}/env.txt"), &env, r, None, false);
            entry.redactions += n_secret;
            e.push(entry);
        }
        match log_entry(
            &format!("{dir}/cortensord.log"),
            &layout.log_file(id),
            limits,
            r,
        ) {
            Some(l) => e.push(l),
            None => e.push(text_entry(
                &format!("{dir}/cortensord.log"),
                "(no log yet)\n",
                r,
                None,
                false,
            )),
        }
        let timeline =
            crate::health::ledger::timeline(store.conn(), id, now, 24).unwrap_or_default();
        let status = serde_json::json!({
            "node": n,
            "cortensord": installed.as_ref().map(|i| serde_json::json!({"version": i.version, "source": i.source, "sha256": i.sha256})),
            "runtime": runtime.iter().find(|x| x.node_id == id),
            "health": health.iter().find(|h| h.id == id),
            "balance": balances.get(&id),
            "uptime_24h": runs(&timeline),
        });
        e.push(json_entry(&format!("{dir}/status.json"), &status, r));
    }
    // The app's own logs: the daemon's, and every log in <data>/logs (app, install, update).
    if let Some(l) = log_entry(
        "logs/daemon.log",
        &layout.root.join("daemon.log"),
        limits,
        r,
    ) {
        e.push(l);
    }
    if let Ok(dir) = std::fs::read_dir(layout.root.join("logs")) {
        let mut logs: Vec<PathBuf> = dir
            .flatten()
            .map(|d| d.path())
            .filter(|p| p.is_file())
            .collect();
        logs.sort();
        for p in logs {
            let name = p
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default();
            if let Some(l) = log_entry(&format!("logs/{name}"), &p, limits, r) {
                e.push(l);
            }
        }
    }
    // The latest stress report, when a stress run left one.
    for name in ["report.json", "report.md", "chart.svg"] {
        let p = layout.root.join("stress").join("latest").join(name);
        if let Ok(text) = std::fs::read_to_string(&p) {
            e.push(text_entry(&format!("stress/{name}"), &text, r, None, false));
        }
    }
    for (i, a) in form.attachments.iter().enumerate() {
        let p = Path::new(a);
        let name = p
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_else(|| format!("file-{i}"));
        let path = format!("attachments/{}-{name}", i + 1);
        let Ok(bytes) = std::fs::read(p) else {
            continue;
        };
        match String::from_utf8(bytes) {
            Ok(text) => e.push(text_entry(&path, &text, r, None, false)),
            // Not text (a screenshot): kept as it is, and the manifest says it was not redacted.
            Err(b) => e.push(Entry {
                path,
                bytes: b.into_bytes(),
                redactions: 0,
                truncated: Some("binary: included as chosen, not redacted".into()),
                log: false,
            }),
        }
    }
    e
}

fn zip_entries<W: Write + std::io::Seek>(w: W, entries: &[(String, &[u8])]) -> std::io::Result<W> {
    let mut z = zip::ZipWriter::new(w);
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .unix_permissions(0o600);
    for (path, bytes) in entries {
        z.start_file(path.as_str(), opts)
            .map_err(std::io::Error::other)?;
        z.write_all(bytes)?;
    }
    z.finish().map_err(std::io::Error::other)
}

fn zipped_size(entries: &[Entry]) -> u64 {
    let v: Vec<(String, &[u8])> = entries
        .iter()
        .map(|e| (e.path.clone(), e.bytes.as_slice()))
        .collect();
    zip_entries(std::io::Cursor::new(Vec::new()), &v)
        .map(|c| c.into_inner().len() as u64)
        .unwrap_or(u64::MAX)
}

/// Keep the last `keep` lines of a log entry.
fn shorten(e: &mut Entry, keep: usize) {
    let text = String::from_utf8_lossy(&e.bytes).into_owned();
    let total = text.lines().count();
    if total <= keep {
        return;
    }
    let kept: String = text
        .lines()
        .skip(total - keep)
        .map(|l| format!("{l}\n"))
        .collect();
    e.bytes = kept.into_bytes();
    e.truncated = Some(format!(
        "last {keep} lines (shortened to fit the bundle's size limit)"
    ));
}

/// Shorten the logs until the zip fits (manifest room kept), then leave out the largest
/// attachments. Returns notes on what was cut.
fn fit(entries: &mut Vec<Entry>, limits: &BundleLimits) -> Vec<String> {
    // Room for the manifest, written after.
    let budget = limits
        .max_zip_bytes
        .saturating_sub((limits.max_zip_bytes / 20).min(64 * 1024));
    let mut notes = Vec::new();
    let mut keep = limits.log_lines as usize;
    while zipped_size(entries) > budget && keep > 10 {
        keep /= 2;
        for e in entries.iter_mut().filter(|e| e.log) {
            shorten(e, keep);
        }
        notes.push(format!(
            "log ends shortened to {keep} lines to fit {} MiB",
            limits.max_zip_bytes >> 20
        ));
    }
    while zipped_size(entries) > budget {
        let Some(i) = entries
            .iter()
            .enumerate()
            .filter(|(_, e)| e.path.starts_with("attachments/") || e.log)
            .max_by_key(|(_, e)| e.bytes.len())
            .map(|(i, _)| i)
        else {
            break;
        };
        let gone = entries.remove(i);
        notes.push(format!("{} left out: the bundle's size limit", gone.path));
    }
    notes
}

fn sha256_hex(b: &[u8]) -> String {
    hex::encode(Sha256::digest(b))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub report: String,
    pub created_at: i64,
    pub app_version: String,
    pub limits: BundleLimits,
    pub files: Vec<BundleFile>,
    /// Files the user chose not to send.
    #[serde(default)]
    pub left_out: Vec<String>,
    /// What was cut to respect the limits, in words.
    #[serde(default)]
    pub truncated: Vec<String>,
}

fn write_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    crate::platform::fs::write_atomic(path, bytes, crate::platform::fs::SECRET_MODE)
}

/// Gather, redact and write the report's files to `<data>/reports/<id>/`, and record the report.
#[allow(clippy::too_many_arguments)]
pub fn prepare(
    layout: &Layout,
    store: &Store,
    form: &ReportForm,
    facts: &Facts,
    redactor: &Redactor,
    limits: &BundleLimits,
    now: i64,
) -> std::io::Result<Draft> {
    let id = format!("{}-{}", now, &super::random_id()[..8]);
    let dir = layout.root.join("reports").join(&id);
    std::fs::create_dir_all(&dir)?;
    crate::platform::fs::set_mode(&dir, 0o700)?;
    let mut entries = gather(layout, store, form, facts, redactor, limits, &id, now);
    let notes = fit(&mut entries, limits);
    let mut files = Vec::new();
    for e in &entries {
        let p = dir.join(&e.path);
        if let Some(parent) = p.parent() {
            std::fs::create_dir_all(parent)?;
        }
        write_file(&p, &e.bytes)?;
        files.push(BundleFile {
            path: e.path.clone(),
            size: e.bytes.len() as u64,
            sha256: sha256_hex(&e.bytes),
            redactions: e.redactions,
            truncated: e.truncated.clone(),
        });
    }
    let manifest = Manifest {
        report: id.clone(),
        created_at: now,
        app_version: env!("CARGO_PKG_VERSION").into(),
        limits: *limits,
        files: files.clone(),
        left_out: vec![],
        truncated: notes,
    };
    write_file(
        &dir.join(MANIFEST),
        &serde_json::to_vec_pretty(&manifest).map_err(std::io::Error::other)?,
    )?;
    store
        .add_report(&ReportRecord {
            id: id.clone(),
            created_at: now,
            title: redactor.redact(form.title.trim()).text,
            category: form.category.name().into(),
            severity: form.severity.name().into(),
            dir: dir.display().to_string(),
            bundle: None,
            deliveries: vec![],
        })
        .map_err(std::io::Error::other)?;
    Ok(Draft {
        id,
        dir: dir.display().to_string(),
        files,
    })
}

pub fn read_manifest(dir: &Path) -> std::io::Result<Manifest> {
    let text = std::fs::read(dir.join(MANIFEST))?;
    serde_json::from_slice(&text).map_err(|e| {
        std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!("{MANIFEST} is damaged: {e}"),
        )
    })
}

/// The largest part of a file the preview shows.
pub const VIEW_MAX: u64 = 512 * 1024;

/// One file of a draft, for the preview (only paths the manifest lists; at most [`VIEW_MAX`]).
pub fn view(dir: &Path, path: &str) -> std::io::Result<String> {
    let m = read_manifest(dir)?;
    if !m.files.iter().any(|f| f.path == path) && path != MANIFEST {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("{path} is not in this report"),
        ));
    }
    let bytes = std::fs::read(dir.join(path))?;
    let shown = &bytes[..bytes.len().min(VIEW_MAX as usize)];
    let mut text = String::from_utf8_lossy(shown).into_owned();
    if bytes.len() as u64 > VIEW_MAX {
        text.push_str(&format!(
            "\n… ({} more bytes in the file)\n",
            bytes.len() as u64 - VIEW_MAX
        ));
    }
    Ok(text)
}

/// Leave out what the user chose, rewrite the manifest, and zip the folder to `out`
/// (default `<data>/reports/<id>.zip`). Returns the zip's path.
pub fn finish(
    store: &Store,
    id: &str,
    leave_out: &[String],
    out: Option<&Path>,
) -> std::io::Result<PathBuf> {
    let rec = store
        .report(id)
        .map_err(std::io::Error::other)?
        .ok_or_else(|| {
            std::io::Error::new(std::io::ErrorKind::NotFound, format!("no report {id}"))
        })?;
    let dir = PathBuf::from(&rec.dir);
    let mut m = read_manifest(&dir)?;
    for path in leave_out {
        if m.files.iter().any(|f| &f.path == path) {
            let _ = std::fs::remove_file(dir.join(path));
            m.files.retain(|f| &f.path != path);
            m.left_out.push(path.clone());
        }
    }
    let manifest_bytes = serde_json::to_vec_pretty(&m).map_err(std::io::Error::other)?;
    write_file(&dir.join(MANIFEST), &manifest_bytes)?;
    let mut entries: Vec<(String, Vec<u8>)> = vec![(MANIFEST.into(), manifest_bytes)];
    for f in &m.files {
        entries.push((
            format!("{id}/{}", f.path),
            std::fs::read(dir.join(&f.path))?,
        ));
    }
    entries[0].0 = format!("{id}/{MANIFEST}");
    let zip_path = out
        .map(Path::to_path_buf)
        .unwrap_or_else(|| dir.with_extension("zip"));
    if let Some(parent) = zip_path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent)?;
    }
    let tmp = zip_path.with_extension("zip.part");
    let file = crate::platform::fs::create_with_mode(&tmp, crate::platform::fs::SECRET_MODE)?;
    let refs: Vec<(String, &[u8])> = entries
        .iter()
        .map(|(p, b)| (p.clone(), b.as_slice()))
        .collect();
    let file = zip_entries(file, &refs)?;
    file.sync_all()?;
    std::fs::rename(&tmp, &zip_path)?;
    store
        .set_report_bundle(id, &zip_path.display().to_string())
        .map_err(std::io::Error::other)?;
    Ok(zip_path)
}

//! The outbox: every delivery is a row in the store, taken for one attempt at a time (a lease,
//! so two processes never send it at once), retried with backoff until the destination has it
//! or refuses it. The idempotency key is the same on every attempt, so a retry after a lost
//! answer (offline, a kill mid-send) never files a second report.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::deliver::{self, Destination, Outcome, Outgoing};
use crate::store::{DeliveryStatus, Store, StoreError};

/// Waits between attempts (seconds), by attempt; the last repeats.
pub const BACKOFF: [i64; 7] = [30, 60, 120, 300, 600, 1_800, 3_600];
/// A report that could not be delivered for this long is given up (it stays saved locally).
pub const GIVE_UP_AFTER: i64 = 7 * 86_400;
/// How long one attempt may take.
pub const SEND_TIMEOUT: Duration = Duration::from_secs(60);

pub fn backoff(attempts: u32) -> i64 {
    BACKOFF[(attempts.max(1) as usize - 1).min(BACKOFF.len() - 1)]
}

/// What one attempt did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Attempt {
    #[ts(type = "number")]
    pub delivery: i64,
    pub report_id: String,
    pub kind: String,
    pub status: DeliveryStatus,
    pub reference: Option<String>,
    pub error: Option<String>,
}

/// Where a report's destinations are kept while it waits: a 0600 file beside its folder
/// (`<reports>/<id>.targets.json`). Webhook and endpoint addresses carry tokens, so they are
/// not in the database; and the outbox's background thread must not open the keychain itself
/// (a second Secret Service connection from another thread stalls the process's own), so
/// they are resolved once, by the process that queues the report.
pub fn targets_file(report_dir: &Path) -> std::path::PathBuf {
    report_dir.with_extension("targets.json")
}

/// Queue the report for each destination (their addresses into the report's targets file).
pub fn queue(
    store: &Store,
    report_id: &str,
    dests: &[Destination],
    now: i64,
) -> Result<(), StoreError> {
    if dests.is_empty() {
        return Ok(());
    }
    let rec = store
        .report(report_id)?
        .ok_or_else(|| StoreError::Sql(rusqlite::Error::QueryReturnedNoRows))?;
    let targets: std::collections::BTreeMap<&str, &str> =
        dests.iter().map(|d| (d.kind(), d.target())).collect();
    let text = serde_json::to_vec(&targets).unwrap_or_default();
    crate::platform::fs::write_atomic(
        &targets_file(Path::new(&rec.dir)),
        &text,
        crate::platform::fs::SECRET_MODE,
    )
    .map_err(|e| StoreError::Sql(rusqlite::Error::ToSqlConversionFailure(Box::new(e))))?;
    for d in dests {
        store.add_delivery(
            report_id,
            d.kind(),
            &super::random_id(),
            DeliveryStatus::Queued,
            now,
        )?;
    }
    Ok(())
}

/// The destination of a delivery, from the report's targets file.
fn resolve(kind: &str, report_dir: &Path) -> Option<Destination> {
    let text = std::fs::read(targets_file(report_dir)).ok()?;
    let targets: std::collections::BTreeMap<String, String> = serde_json::from_slice(&text).ok()?;
    Destination::from_parts(kind, targets.get(kind)?)
}

fn meta_of(dir: &Path) -> serde_json::Value {
    std::fs::read(dir.join("report.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or(serde_json::Value::Null)
}

/// Try every due delivery (with `force`, every queued one now, and sends a killed process left
/// behind). `only`: just this report's.
pub fn flush(
    store: &Store,
    now: i64,
    force: bool,
    only: Option<&str>,
    timeout: Duration,
) -> Result<Vec<Attempt>, StoreError> {
    let mut done = Vec::new();
    for d in store.due_deliveries(now, force)? {
        if only.is_some_and(|r| r != d.report_id) {
            continue;
        }
        if !store.claim_delivery(d.id, now, now + timeout.as_secs() as i64 + 30, force)? {
            continue;
        }
        let Some(report) = store.report(&d.report_id)? else {
            continue;
        };
        let dir = Path::new(&report.dir);
        let outcome = match (
            resolve(&d.kind, dir),
            report.bundle.as_deref().map(std::fs::read),
        ) {
            (None, _) => Outcome::Rejected(format!(
                "the address of the {} destination is gone (its targets file was removed)",
                d.kind
            )),
            (_, None) => Outcome::Rejected("the report has no bundle yet".into()),
            (_, Some(Err(e))) => Outcome::Rejected(format!(
                "the bundle {} cannot be read: {}",
                report.bundle.as_deref().unwrap_or(""),
                crate::platform::fs::explain_io(&e)
            )),
            (Some(dest), Some(Ok(zip))) => {
                let text = std::fs::read_to_string(dir.join("report.md"))
                    .unwrap_or_else(|_| report.title.clone());
                let zip_name = report
                    .bundle
                    .as_deref()
                    .and_then(|b| Path::new(b).file_name())
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_else(|| format!("{}.zip", report.id));
                let zip_shown = match &dest {
                    // The GitHub page names where the bundle is, to attach it.
                    Destination::GitHub(_) => report.bundle.clone().unwrap_or_default(),
                    _ => zip_name.clone(),
                };
                deliver::send(
                    &dest,
                    &Outgoing {
                        report_id: &report.id,
                        idempotency_key: &d.idempotency_key,
                        title: &report.title,
                        text: &text,
                        meta: meta_of(dir),
                        zip_name: &crate::redact::redact(&zip_shown, &[]),
                        zip: &zip,
                    },
                    timeout,
                )
            }
        };
        let (status, reference, error, next) = match outcome {
            Outcome::Sent(r) => (DeliveryStatus::Sent, Some(r), None, 0),
            Outcome::Manual(u) => (DeliveryStatus::Manual, Some(u), None, 0),
            Outcome::Rejected(m) => (DeliveryStatus::Failed, None, Some(m), 0),
            Outcome::Retry { message, .. } if now - report.created_at >= GIVE_UP_AFTER => (
                DeliveryStatus::Failed,
                None,
                Some(format!("gave up after 7 days: {message}")),
                0,
            ),
            Outcome::Retry { message, after } => {
                let wait = after.map_or(backoff(d.attempts + 1), |a| (a as i64).clamp(1, 3_600));
                (DeliveryStatus::Queued, None, Some(message), now + wait)
            }
        };
        store.finish_delivery(
            d.id,
            status,
            reference.as_deref(),
            error.as_deref(),
            next,
            now,
        )?;
        done.push(Attempt {
            delivery: d.id,
            report_id: d.report_id.clone(),
            kind: d.kind.clone(),
            status,
            reference,
            error,
        });
    }
    Ok(done)
}

/// Look at the outbox every `every` on a thread of its own until `stop` (the daemon's; seen
/// at the next look). The thread sleeps between looks — an idle app is not woken more often —
/// and keeps its store connection (opened again after an error).
pub fn spawn(
    data_dir: std::path::PathBuf,
    every: Duration,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use std::sync::atomic::Ordering;
    let _ = std::thread::Builder::new()
        .name("report-outbox".into())
        .spawn(move || {
            let mut store: Option<Store> = None;
            while !stop.load(Ordering::SeqCst) {
                if store.is_none() {
                    store = Store::open(&data_dir).ok();
                }
                if let Some(s) = &store {
                    let now = crate::platform::clock::now_unix();
                    if flush(s, now, false, None, SEND_TIMEOUT).is_err() {
                        store = None;
                    }
                }
                std::thread::sleep(every);
            }
        });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_then_holds() {
        assert_eq!(
            (1..=9).map(backoff).collect::<Vec<_>>(),
            [30, 60, 120, 300, 600, 1_800, 3_600, 3_600, 3_600]
        );
        assert_eq!(backoff(0), 30);
    }
}

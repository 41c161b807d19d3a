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

/// Queue the report for each destination. Configured destinations are looked up when sent
/// (webhook URLs carry a token: they stay in the keychain, not in the database); with
/// `keep_targets` (a one-off `--endpoint`), the address is kept in the delivery row.
pub fn queue(
    store: &Store,
    report_id: &str,
    dests: &[Destination],
    keep_targets: bool,
    now: i64,
) -> Result<(), StoreError> {
    for d in dests {
        let target = if keep_targets { d.target() } else { "" };
        store.add_delivery(
            report_id,
            d.kind(),
            target,
            &super::random_id(),
            DeliveryStatus::Queued,
            now,
        )?;
    }
    Ok(())
}

/// The destination of a delivery: its own address, else the configured one of its kind.
fn resolve(kind: &str, target: &str, configured: &deliver::Destinations) -> Option<Destination> {
    if !target.is_empty() {
        return Destination::from_parts(kind, target);
    }
    configured.list().into_iter().find(|d| d.kind() == kind)
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
    configured: &deliver::Destinations,
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
            resolve(&d.kind, &d.target, configured),
            report.bundle.as_deref().map(std::fs::read),
        ) {
            (None, _) => Outcome::Rejected(format!(
                "the {} destination was removed from the settings",
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

/// Look at the outbox every `every` on a thread of its own until `stop` (the daemon's).
pub fn spawn(
    data_dir: std::path::PathBuf,
    every: Duration,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use std::sync::atomic::Ordering;
    std::thread::spawn(move || {
        let mut next = std::time::Instant::now();
        while !stop.load(Ordering::SeqCst) {
            if std::time::Instant::now() >= next {
                next = std::time::Instant::now() + every;
                if let Ok(store) = Store::open(&data_dir) {
                    let keychain = crate::keys::Keychain::platform().ok();
                    let layout = crate::nodes::Layout::new(&data_dir);
                    let configured = deliver::load(keychain.as_ref(), &layout);
                    let now = crate::platform::clock::now_unix();
                    let _ = flush(&store, &configured, now, false, None, SEND_TIMEOUT);
                }
            }
            std::thread::sleep(Duration::from_millis(500));
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

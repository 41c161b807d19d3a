//! Bug reports: the form ([`form`]), the diagnostics bundle a Cortensor engineer can read
//! without the app ([`bundle`], log ends read with `platform::tail`), and delivery through an outbox
//! that retries until the destination has the report exactly once ([`deliver`], [`outbox`]).
//! Every text in a bundle passes the one redactor (`crate::redact`).

pub mod bundle;
pub mod deliver;
pub mod form;
pub mod outbox;

pub use bundle::{BundleFile, BundleLimits, Draft};
pub use deliver::{Destination, Destinations};
pub use form::{Category, ErrorContext, ReportForm, Severity};

/// A random id for a report or an idempotency key (128 bits, hex).
pub fn random_id() -> String {
    let mut b = [0u8; 16];
    // An id only needs to be unique; fall back to the clock if the OS has no randomness.
    if getrandom::getrandom(&mut b).is_err() {
        static N: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
        let t = crate::platform::clock::now_unix() as u64;
        let n = N.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        b[..8].copy_from_slice(&t.to_le_bytes());
        b[8..].copy_from_slice(&(n ^ u64::from(std::process::id())).to_le_bytes());
    }
    hex::encode(b)
}

//! Redacted diagnostics for bug reports.

use cortensor_node::platform::fs::explain_io;

use crate::{Session, UserError};

pub use cortensor_node::diagnostics::BugReportDraft;

/// Save redacted diagnostics about `what` (in the user's words) to the data folder.
pub fn save(s: &Session, what: &str) -> Result<BugReportDraft, UserError> {
    let m = s.machine()?;
    cortensor_node::diagnostics::save(what, &m.layout, &m.store, m.keychain.as_ref().ok())
        .map_err(|e| UserError::new(format!("cannot save the diagnostics: {}", explain_io(&e))))
}

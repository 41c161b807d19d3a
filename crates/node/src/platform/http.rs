//! The one HTTP client: every request the app makes goes through an agent built here, with the
//! app's user agent, statuses as values (callers decide what a 404 means) and explicit timeouts.

use std::time::Duration;

/// The user agent every request carries.
pub const USER_AGENT: &str = concat!("cortensor-manager/", env!("CARGO_PKG_VERSION"));

/// How long a request may take.
#[derive(Debug, Clone, Copy)]
pub enum Timeouts {
    /// The whole exchange, connect to last byte.
    Global(Duration),
    /// Connect and response head within `connect`, the body within `body` (large downloads).
    Split { connect: Duration, body: Duration },
}

/// An agent with the app's defaults.
pub fn agent(timeouts: Timeouts) -> ureq::Agent {
    let cfg = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(USER_AGENT);
    let cfg = match timeouts {
        Timeouts::Global(t) => cfg.timeout_global(Some(t)),
        Timeouts::Split { connect, body } => cfg
            .timeout_connect(Some(connect))
            .timeout_recv_response(Some(connect))
            .timeout_recv_body(Some(body)),
    };
    cfg.build().into()
}

/// An agent for uploads: no redirects (a redirected POST would be re-sent as a GET, or to a
/// plain-http address), the whole exchange within `timeout`.
pub fn upload_agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .user_agent(USER_AGENT)
        .max_redirects(0)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

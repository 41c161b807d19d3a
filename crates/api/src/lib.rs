//! The one door of Cortensor Node Manager. The CLI and the desktop shell depend on this crate
//! only: every operation they offer is one call here, over plain request and response types
//! whose TypeScript twins ts-rs writes to `ui/src/bindings/`, and every failure is a
//! [`UserError`] that says what happened and what to do.
//!
//! - [`contest`]: rewards, rank projection, the ruleset.
//! - [`session`]: the machine context, opened once per process.
//! - [`setup`]: doctor, install, update, nodes (add, list, register, adopt), keys, uninstall.
//! - [`nodes`]: start/stop/restart a selection, status, logs, health, uptime, alerts.
//! - [`daemon`]: the daemon's options (one parser for the CLI and the app's headless mode) and
//!   the Prometheus setting.
//! - [`reports`]: bug reports: the form, the redacted bundle, the outbox, destinations.
//! - [`paths`]: the files the window may name: only those chosen in a native dialog (tokens).
//! - [`self_update`]: the manager updating itself from its signed release feed.
//! - [`stress`]: the stress test for testers (cycles in sandboxes, the report).
//! - [`events`]: the names of the events the desktop shell pushes to the window.
//!
//! Architecture invariant: nothing here spawns a process or touches a file by itself; it calls
//! `cortensor-node` and `cortensor-contest` and shapes their answers.

pub mod contest;
pub mod daemon;
pub mod desktop;
pub mod events;
pub mod handover;
pub mod nodes;
pub mod paths;
pub mod reports;
pub mod self_update;
pub mod session;
pub mod settings;
pub mod setup;
pub mod stress;

pub use cortensor_node::UserError;
pub use session::Session;

/// What a command-line front end does first: a closed standard output (`… | head`) ends the
/// process quietly instead of a panic.
pub fn cli_start() {
    cortensor_node::platform::process::default_sigpipe();
}

/// Map any displayable error into a [`UserError`].
pub(crate) fn user<E: std::fmt::Display>(e: E) -> UserError {
    UserError::new(e)
}

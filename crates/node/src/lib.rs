//! Everything that runs on or looks at this computer. Layered bottom-up:
//!
//! - `platform`: the OS and architecture, the command runner, processes, files, paths, the
//!   clock and the one HTTP client. Architecture invariant: the only module that spawns
//!   processes (`Command::new` appears nowhere else).
//! - `store` (SQLite with every migration), `keys`, `network` profiles, `nodes` (layout, ports,
//!   `.env`, the `cortensord` command line), `redact`.
//! - `services`: install plans as data per service manager, the thin executor that applies
//!   them, and what each service manager says of a node.
//! - `install`, `runtime`, `health`, `doctor`, `diagnostics`, `fetch` (leaderboards).
//! - `machine`: the context every operation on this computer needs, opened once by the api.

pub mod chain;
pub mod doctor;
pub mod error;
pub mod fetch;
pub mod first_start;
pub mod health;
pub mod install;
pub mod keys;
pub mod machine;
pub mod network;
pub mod node_env;
pub mod nodes;
pub mod oplog;
pub mod platform;
pub mod redact;
pub mod report;
pub mod runtime;
pub mod services;
pub mod store;
pub mod stress;

pub use error::UserError;

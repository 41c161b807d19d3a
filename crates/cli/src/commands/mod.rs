//! One file per command group; each handler is a call into `cortensor_api` and the printing.

pub mod contest;
pub mod daemon;
pub mod nodes;
pub mod report;
pub mod self_update;
pub mod setup;
pub mod stress;

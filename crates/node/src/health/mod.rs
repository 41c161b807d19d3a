//! Health: what the logs say, node state with its reason, the uptime ledger, and alerts.

pub mod ledger;
pub mod logs;
pub mod monitor;
pub mod state;
pub mod system;

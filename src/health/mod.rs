//! Health: what the logs say, node state with its reason, the uptime ledger, and alerts.

pub mod logs;
pub mod ledger;
pub mod state;
pub mod monitor;
pub mod feed;
pub mod system;

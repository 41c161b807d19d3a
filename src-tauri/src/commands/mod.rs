//! One small file per group of commands; each command is one call into `cortensor_api`.

pub mod desktop;
pub mod nodes;
pub mod paths;
pub mod rank;
pub mod reports;
pub mod rewards;
pub mod settings;
pub mod setup;
pub mod stress;

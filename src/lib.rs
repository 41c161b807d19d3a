//! Cortensor Node Manager: the core library. Every front end (the CLI in `main.rs`, the Tauri
//! shell in `src-tauri/`) is a thin layer over these modules; see ARCHITECTURE.md.

pub mod api;
pub mod diagnostics;
pub mod doctor;
pub mod fetch;
pub mod fsutil;
pub mod health;
pub mod install;
pub mod keys;
pub mod leaderboard;
pub mod machine;
pub mod money;
pub mod network;
pub mod nodes;
pub mod paths;
pub mod rank;
pub mod redact;
pub mod rewards;
pub mod rules;
pub mod runtime;
pub mod score;
pub mod store;

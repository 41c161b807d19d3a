//! The node crate's integration tests, one binary: real processes, loopback servers, a real
//! Secret Service and SQLite files.

mod balances;
mod doctor;
mod download;
mod grafana;
mod http;
mod keychain;
mod kubo;
mod official;
mod report;
mod services;
mod signing;

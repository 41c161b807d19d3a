//! The CLI's integration tests, one binary: the real `cortensor-manager` against loopback
//! servers, the test node binary and stand-in service managers.

mod cli;
mod faults;
mod install;
mod network;
mod package;
mod report;
mod runtime;
mod self_update;
mod stress;

//! Installing `cortensord`: release manifests, verified downloads, install plans per OS and
//! the small executor that applies them.

pub mod binary;
pub mod download;
pub mod exec;
pub mod manifest;
pub mod plan;
pub mod setup;
pub mod source;
pub mod update;

//! Installing `cortensord`: release manifests, verified downloads, install plans per OS and
//! the small executor that applies them.

pub mod download;
pub mod manifest;

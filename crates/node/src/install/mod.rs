//! Installing `cortensord`: release manifests and sources, verified downloads, the binary swap,
//! updates with a health window, and node setup (add, register, adopt, export, uninstall).
//! Service plans per OS live in `crate::services`.

pub mod binary;
pub mod download;
pub mod kubo;
pub mod manager_update;
pub mod manifest;
pub mod official;
pub mod setup;
pub mod signing;
pub mod source;
pub mod update;

//! Keeping nodes running: the embedded supervisor, the daemon loop, and the control surface
//! (start/stop/restart) over both backends. Process identity lives in `crate::platform::process`.

pub mod balances;
pub mod control;
pub mod daemon;
pub mod decide;
pub mod feed;
pub mod supervisor;
pub mod updates;

//! Keeping nodes running: process identity, the embedded supervisor, and the control surface
//! (start/stop/restart) over both backends.

pub mod control;
pub mod daemon;
pub mod process;
pub mod service;
pub mod supervisor;

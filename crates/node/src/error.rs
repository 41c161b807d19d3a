//! The error every operation on this machine ends in: what happened and what to do, in one
//! plain-language message. Modules keep their own typed errors; this is where they meet.
//! The api crate re-exports it as the door's error type.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// An error for the user: what happened and what to do, in one plain-language message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS, thiserror::Error)]
#[error("{message}")]
#[ts(export)]
pub struct UserError {
    pub message: String,
}

impl UserError {
    pub fn new(e: impl std::fmt::Display) -> UserError {
        UserError {
            message: e.to_string(),
        }
    }
}

//! The app's settings (a key-value table in the store).

use crate::{user, Session, UserError};

pub fn get(s: &Session, key: &str) -> Result<Option<String>, UserError> {
    s.store()?.setting(key).map_err(user)
}

pub fn set(s: &Session, key: &str, value: &str) -> Result<(), UserError> {
    s.store()?.set_setting(key, value).map_err(user)
}

pub mod nodes;
pub mod rank;
pub mod rewards;
pub mod settings;
pub mod setup;

use std::sync::MutexGuard;

use cortensor_manager::api::UserError;
use cortensor_manager::store::Store;

use crate::AppState;

/// The store, or the reason it is unavailable.
pub fn store(state: &AppState) -> Result<MutexGuard<'_, Store>, UserError> {
    let m = state.store.as_ref().map_err(Clone::clone)?;
    m.lock().map_err(|_| {
        UserError::new("the database is unavailable after an earlier error; restart the app")
    })
}

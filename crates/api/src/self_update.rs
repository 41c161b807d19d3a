//! The manager updating itself: the headless CLI's `self-update [--check]` against the signed
//! release feed of the channel set in Settings (`update.channel`) or a mirror given by address.

use cortensor_node::install::manager_update as mu;
pub use cortensor_node::install::manager_update::{Applied, Channel, Offer};

use crate::settings::UiSetting;
use crate::{user, Session, UserError};

/// The channel the user chose (stable unless set to beta).
pub fn channel(s: &Session) -> Channel {
    crate::settings::get(s, UiSetting::UpdateChannel)
        .ok()
        .flatten()
        .and_then(|v| Channel::parse(&v))
        .unwrap_or(Channel::Stable)
}

fn feed(s: &Session, given: Option<&str>) -> Result<String, UserError> {
    mu::feed_for(given, channel(s)).map_err(user)
}

/// Whether the feed has a release newer than `current` (this program's version).
pub fn check(s: &Session, given_feed: Option<&str>, current: &str) -> Result<Offer, UserError> {
    mu::check(&feed(s, given_feed)?, current).map_err(user)
}

/// Install the newest release over this program (`exe`), its signature and digest checked;
/// `progress` sees (bytes so far, total).
pub fn apply(
    s: &Session,
    given_feed: Option<&str>,
    current: &str,
    exe: &std::path::Path,
    progress: Box<dyn Fn(u64, Option<u64>) + Send + Sync>,
) -> Result<Applied, UserError> {
    let feed = feed(s, given_feed)?;
    let r = mu::apply(&feed, current, exe, progress);
    match &r {
        Ok(a) if a.updated => tracing::info!("self-update: {} → {} from {feed}", a.from, a.to),
        Ok(_) => tracing::info!("self-update: {current} is the newest on {feed}"),
        Err(e) => tracing::warn!("self-update from {feed}: {e}"),
    }
    r.map_err(user)
}

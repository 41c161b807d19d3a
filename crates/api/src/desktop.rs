//! The desktop shell's own vocabulary: what the tray's menu does, and the app's own updates.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// What the tray's menu does (the window may ask for the same through `tray_action`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum TrayAction {
    Open,
    StartAll,
    StopAll,
    CheckUpdates,
    Quit,
}

impl TrayAction {
    pub const ALL: [TrayAction; 5] = [
        TrayAction::Open,
        TrayAction::StartAll,
        TrayAction::StopAll,
        TrayAction::CheckUpdates,
        TrayAction::Quit,
    ];

    /// The menu item's id.
    pub fn id(self) -> &'static str {
        match self {
            TrayAction::Open => "open",
            TrayAction::StartAll => "start_all",
            TrayAction::StopAll => "stop_all",
            TrayAction::CheckUpdates => "check_updates",
            TrayAction::Quit => "quit",
        }
    }

    /// The menu item's text.
    pub fn label(self) -> &'static str {
        match self {
            TrayAction::Open => "Open Cortensor Node Manager",
            TrayAction::StartAll => "Start all nodes",
            TrayAction::StopAll => "Stop all nodes",
            TrayAction::CheckUpdates => "Check for updates",
            TrayAction::Quit => "Quit (the nodes keep running)",
        }
    }

    pub fn from_id(id: &str) -> Option<TrayAction> {
        TrayAction::ALL.into_iter().find(|a| a.id() == id)
    }
}

/// The tray's tooltip for a fleet of `total` nodes, `healthy` of them healthy and `wrong` down
/// or degraded; and whether the icon shows that something needs attention.
pub fn fleet_summary(total: usize, healthy: usize, wrong: usize) -> (String, bool) {
    let tip = match (total, wrong) {
        (0, _) => "Cortensor Node Manager: no nodes yet".to_string(),
        (n, 0) => format!("Cortensor Node Manager: {n} node(s), {healthy} healthy"),
        (n, w) => {
            format!("Cortensor Node Manager: {n} node(s), {healthy} healthy, {w} need attention")
        }
    };
    (tip, wrong > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_ids_round_trip_and_the_tooltip_counts() {
        for a in TrayAction::ALL {
            assert_eq!(TrayAction::from_id(a.id()), Some(a));
        }
        assert_eq!(TrayAction::from_id("explode"), None);
        assert_eq!(
            fleet_summary(0, 0, 0),
            ("Cortensor Node Manager: no nodes yet".into(), false)
        );
        assert_eq!(
            fleet_summary(3, 3, 0),
            ("Cortensor Node Manager: 3 node(s), 3 healthy".into(), false)
        );
        assert_eq!(
            fleet_summary(3, 1, 2),
            (
                "Cortensor Node Manager: 3 node(s), 1 healthy, 2 need attention".into(),
                true
            )
        );
    }
}

/// The app's own update, as Settings and the tray show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AppUpdate {
    /// This app's version.
    pub current: String,
    /// A newer release on the channel (`None`: up to date).
    pub available: Option<String>,
    /// Its release notes, when the feed has them.
    pub notes: Option<String>,
    /// Downloaded, checked and installed: it runs from the next start.
    pub installed: bool,
}

/// How far the download of the app's update is.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AppUpdateProgress {
    #[ts(type = "number")]
    pub downloaded: u64,
    #[ts(type = "number | null")]
    pub total: Option<u64>,
}

/// The app's update feed (`latest.json`, Tauri's updater format, minisign-signed artifacts) for
/// the channel chosen in Settings. GUESS (marked): the project's GitHub release page, as for the
/// CLI's feed.
pub fn app_feed(channel: cortensor_node::install::manager_update::Channel) -> &'static str {
    use cortensor_node::install::manager_update::Channel;
    match channel {
        Channel::Stable => "https://github.com/cortensor-community/cortensor-node-manager/releases/latest/download/latest.json",
        Channel::Beta => "https://github.com/cortensor-community/cortensor-node-manager/releases/download/beta/latest.json",
    }
}

/// Why the app's update failed, in words, from the updater's error and whether it came from
/// the signature check (`signature`): a refusal says nothing changed.
pub fn update_failure(signature: bool, detail: &str) -> String {
    if signature {
        format!("The update was refused: it is not signed by the app's release key ({detail}). Nothing was changed; this version keeps running.")
    } else {
        format!("The update could not be installed: {detail}. This version keeps running.")
    }
}

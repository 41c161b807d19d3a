//! The desktop shell's own vocabulary: what the tray's menu does.

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

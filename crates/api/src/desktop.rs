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

    /// The menu item's text, in `words`' language.
    pub fn label(self, words: &Words) -> String {
        words.t(&format!("shell.tray.{}", self.id()), &[])
    }

    pub fn from_id(id: &str) -> Option<TrayAction> {
        TrayAction::ALL.into_iter().find(|a| a.id() == id)
    }
}

/// The tray's tooltip for a fleet of `total` nodes, `healthy` of them healthy and `wrong` down
/// or degraded, in `words`' language; and whether the icon shows that something needs attention.
pub fn fleet_summary(words: &Words, total: usize, healthy: usize, wrong: usize) -> (String, bool) {
    let tip = match (total, wrong) {
        (0, _) => words.t("shell.tray.noNodes", &[]),
        (n, 0) => words.t(
            "shell.tray.fleet",
            &[("n", n.to_string()), ("healthy", healthy.to_string())],
        ),
        (n, w) => words.t(
            "shell.tray.fleetWrong",
            &[
                ("n", n.to_string()),
                ("healthy", healthy.to_string()),
                ("wrong", w.to_string()),
            ],
        ),
    };
    (tip, wrong > 0)
}

/// [`fleet_summary`] of the nodes' health as the feed sends it: how many, how many healthy, how
/// many down or degraded.
pub fn fleet_of(words: &Words, health: &[crate::nodes::NodeHealth]) -> (String, bool) {
    let count = |names: &[&str]| {
        health
            .iter()
            .filter(|n| names.contains(&n.state.name()))
            .count()
    };
    fleet_summary(
        words,
        health.len(),
        count(&["healthy"]),
        count(&["down", "degraded"]),
    )
}

/// Paint the tray's "something needs attention" mark into an RGBA icon of `width` × `height`: a
/// red dot in its lower right corner.
pub fn attention_dot(rgba: &mut [u8], width: u32, height: u32) {
    let r = (width.min(height) as f32 * 0.22).max(3.0);
    let (cx, cy) = (width as f32 - r - 0.5, height as f32 - r - 0.5);
    for y in 0..height {
        for x in 0..width {
            let (dx, dy) = (x as f32 - cx, y as f32 - cy);
            let i = ((y * width + x) * 4) as usize;
            if dx * dx + dy * dy <= r * r && i + 4 <= rgba.len() {
                rgba[i..i + 4].copy_from_slice(&[0xd5, 0x2b, 0x1e, 0xff]);
            }
        }
    }
}

/// What a tray's "Check for updates" says of the node software: the newer `cortensord` the
/// update check found, or that it is up to date, in `words`' language.
pub fn cortensord_update_said(
    s: &crate::Session,
    words: &Words,
) -> Result<String, crate::UserError> {
    Ok(match crate::setup::update_available(s)? {
        Some(v) => words.t("shell.check.cortensordAvailable", &[("version", v)]),
        None => words.t("shell.check.cortensordUpToDate", &[]),
    })
}

/// The words the desktop shell writes itself (the tray's menu and tooltip, notifications),
/// from the window's catalog (`ui/src/i18n/*.json`, keys under `shell.`): one catalog, checked
/// complete in both languages by the front end's tests.
#[derive(Clone, Copy)]
pub struct Words {
    chosen: &'static serde_json::Value,
    english: &'static serde_json::Value,
}

const EN: &str = include_str!("../../../ui/src/i18n/en.json");
const ES: &str = include_str!("../../../ui/src/i18n/es.json");

/// A catalog, parsed once for the process's life.
fn catalog(
    cell: &'static std::sync::OnceLock<serde_json::Value>,
    text: &str,
) -> &'static serde_json::Value {
    cell.get_or_init(|| serde_json::from_str(text).unwrap_or_default())
}
static PARSED_EN: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();
static PARSED_ES: std::sync::OnceLock<serde_json::Value> = std::sync::OnceLock::new();

impl Words {
    /// The language chosen in Settings (`ui.language`: `en`, `es`, or `system`/unset), else the
    /// system's (`LC_ALL`, `LC_MESSAGES`, `LANG`): Spanish or English.
    pub fn for_choice(choice: Option<&str>, system: &[Option<String>]) -> Words {
        let spanish = match choice {
            Some("es") => true,
            Some("en") => false,
            _ => system
                .iter()
                .flatten()
                .find(|v| !v.is_empty())
                .is_some_and(|v| v.to_ascii_lowercase().starts_with("es")),
        };
        let english = catalog(&PARSED_EN, EN);
        let chosen = if spanish {
            catalog(&PARSED_ES, ES)
        } else {
            english
        };
        Words { chosen, english }
    }

    /// The words of the user's choice in `s` (the `ui.language` setting) and this process's
    /// environment.
    pub fn of(s: &crate::Session) -> Words {
        let choice = crate::settings::get(s, crate::settings::UiSetting::Language)
            .ok()
            .flatten();
        let env: Vec<Option<String>> = ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .map(|k| std::env::var(k).ok())
            .collect();
        Words::for_choice(choice.as_deref(), &env)
    }

    /// `key` (dotted) with `{{name}}` replaced by `vars`; English when the language lacks it,
    /// the key itself when both do.
    pub fn t(&self, key: &str, vars: &[(&str, String)]) -> String {
        let find = |tree: &serde_json::Value| {
            key.split('.')
                .try_fold(tree, |node, part| node.get(part))
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        let mut text = find(self.chosen)
            .or_else(|| find(self.english))
            .unwrap_or_else(|| key.to_string());
        for (name, value) in vars {
            text = text.replace(&format!("{{{{{name}}}}}"), value);
        }
        text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_ids_round_trip_and_the_tooltip_counts() {
        let en = Words::for_choice(Some("en"), &[]);
        for a in TrayAction::ALL {
            assert_eq!(TrayAction::from_id(a.id()), Some(a));
            assert!(!a.label(&en).starts_with("shell."), "{:?} has words", a);
        }
        assert_eq!(TrayAction::from_id("explode"), None);
        assert_eq!(TrayAction::Quit.label(&en), "Quit (the nodes keep running)");
        assert_eq!(
            fleet_summary(&en, 0, 0, 0),
            ("Cortensor Node Manager: no nodes yet".into(), false)
        );
        assert_eq!(
            fleet_summary(&en, 3, 3, 0),
            ("Cortensor Node Manager: 3 node(s), 3 healthy".into(), false)
        );
        assert_eq!(
            fleet_summary(&en, 3, 1, 2),
            (
                "Cortensor Node Manager: 3 node(s), 1 healthy, 2 need attention".into(),
                true
            )
        );
    }

    #[test]
    fn the_attention_dot_is_red_in_the_lower_right_corner_only() {
        let (w, h) = (32u32, 32u32);
        let mut rgba = vec![0u8; (w * h * 4) as usize];
        attention_dot(&mut rgba, w, h);
        let px = |x: u32, y: u32| &rgba[((y * w + x) * 4) as usize..((y * w + x) * 4 + 4) as usize];
        // r = 7.04, centre (24.46, 24.46): the corner's centre is red, the other corners not.
        assert_eq!(px(24, 24), [0xd5, 0x2b, 0x1e, 0xff]);
        assert_eq!(
            px(30, 24),
            [0xd5, 0x2b, 0x1e, 0xff],
            "6 px right of the centre"
        );
        assert_eq!(
            px(31, 31),
            [0, 0, 0, 0],
            "the very corner is outside the circle"
        );
        assert_eq!(px(0, 0), [0, 0, 0, 0]);
        assert_eq!(px(17, 24), [0, 0, 0, 0], "7.46 px left: outside");
        let red = rgba.chunks(4).filter(|p| p[0] == 0xd5).count();
        // π r² ≈ 155.7 pixels, give or take the edge.
        assert!((140..=170).contains(&red), "{red} red pixels");
        // A buffer shorter than the size says is left as it is, not overrun.
        let mut short = vec![0u8; 16];
        attention_dot(&mut short, w, h);
        assert_eq!(short, vec![0u8; 16]);
    }

    #[test]
    fn the_shell_speaks_the_chosen_or_the_systems_language() {
        let es = Words::for_choice(None, &[None, None, Some("es_ES.UTF-8".into())]);
        assert_eq!(
            TrayAction::Quit.label(&es),
            "Salir (los nodos siguen funcionando)"
        );
        assert_eq!(
            fleet_summary(&es, 3, 1, 2).0,
            "Cortensor Node Manager: 3 nodo(s), 1 sanos, 2 necesitan atención"
        );
        // The choice in Settings wins over the system; an unknown system language is English.
        let en = Words::for_choice(Some("en"), &[Some("es_ES".into())]);
        assert_eq!(TrayAction::Open.label(&en), "Open Cortensor Node Manager");
        let de = Words::for_choice(Some("system"), &[Some("de_DE.UTF-8".into())]);
        assert_eq!(TrayAction::Open.label(&de), "Open Cortensor Node Manager");
        // A key the catalog lacks is shown as itself, never as nothing.
        assert_eq!(es.t("shell.nope", &[]), "shell.nope");
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

/// The feed the app's updates are read from: the channel's ([`app_feed`]); in debug builds
/// only (the tests'), `CORTENSOR_MANAGER_APP_FEED` names another.
pub fn app_feed_url(s: &crate::Session) -> String {
    debug_var("CORTENSOR_MANAGER_APP_FEED")
        .unwrap_or_else(|| app_feed(crate::self_update::channel(s)).to_string())
}

/// An environment variable the tests set, read by debug builds only (release builds ignore it).
pub fn debug_var(name: &str) -> Option<String> {
    if cfg!(debug_assertions) {
        std::env::var(name).ok().filter(|v| !v.trim().is_empty())
    } else {
        None
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

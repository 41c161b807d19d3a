//! The window's own settings: a few typed keys (what a screen remembers), not any string — the
//! page cannot overwrite the machine's settings (backend, metrics port, redaction patterns).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::{user, Session, UserError};

/// A setting a screen of the window keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum UiSetting {
    /// The operator address typed in the rank projection.
    #[serde(rename = "rank.operator")]
    RankOperator,
    /// The leaderboard address or file typed in the rank projection.
    #[serde(rename = "rank.leaderboard")]
    RankLeaderboard,
    /// The rewards calculator's inputs (JSON).
    #[serde(rename = "calc.inputs")]
    CalcInputs,
    /// The window's colours: `system` (the default), `light` or `dark`.
    #[serde(rename = "ui.theme")]
    Theme,
    /// Desktop notifications of new alerts: `on` (the default) or `off`.
    #[serde(rename = "ui.notifications")]
    Notifications,
    /// Which releases the manager updates itself to: `stable` (the default) or `beta`.
    #[serde(rename = "update.channel")]
    UpdateChannel,
    /// The window's language: `system` (the default), `en` or `es`.
    #[serde(rename = "ui.language")]
    Language,
    /// How the window is drawn on Linux, from the next start: `software` (the default: the
    /// processor draws the page, no compositing — the app's pages are tables and text, and
    /// WebKitGTK's GPU compositing costs ~80 MiB more in the web process, measured in
    /// BENCHMARKS.md) or `gpu` (WebKitGTK's own default).
    #[serde(rename = "ui.rendering")]
    Rendering,
}

impl UiSetting {
    pub fn key(self) -> &'static str {
        match self {
            UiSetting::RankOperator => "rank.operator",
            UiSetting::RankLeaderboard => "rank.leaderboard",
            UiSetting::CalcInputs => "calc.inputs",
            UiSetting::Theme => "ui.theme",
            UiSetting::Notifications => "ui.notifications",
            UiSetting::UpdateChannel => "update.channel",
            UiSetting::Language => "ui.language",
            UiSetting::Rendering => "ui.rendering",
        }
    }

    /// The values a key takes, where they are few (`None`: free text).
    pub fn choices(self) -> Option<&'static [&'static str]> {
        match self {
            UiSetting::Theme => Some(&["system", "light", "dark"]),
            UiSetting::Notifications => Some(&["on", "off"]),
            UiSetting::UpdateChannel => Some(&["stable", "beta"]),
            UiSetting::Language => Some(&["system", "en", "es"]),
            UiSetting::Rendering => Some(&["software", "gpu"]),
            _ => None,
        }
    }
}

/// Whether new alerts are shown as desktop notifications (on unless the user turned them off).
pub fn notifications_on(s: &Session) -> bool {
    !matches!(get(s, UiSetting::Notifications), Ok(Some(v)) if v == "off")
}

/// WebKitGTK's switch for its "never accelerate" policy (any value but `0` turns compositing
/// off); its child processes inherit it.
pub const WEBKIT_SOFTWARE_VAR: &str = "WEBKIT_DISABLE_COMPOSITING_MODE";

/// The environment variable the window's process sets before WebKitGTK starts, and its value,
/// given the `ui.rendering` setting and whether the user's environment already names it (theirs
/// wins): [`WEBKIT_SOFTWARE_VAR`]. Other systems' web views have no such switch: `None`.
pub fn rendering_env(
    os: &str,
    setting: Option<&str>,
    user_set: bool,
) -> Option<(&'static str, &'static str)> {
    (os == "linux" && !user_set && setting != Some("gpu")).then_some((WEBKIT_SOFTWARE_VAR, "1"))
}

/// [`rendering_env`] for this machine and session (an unreadable store: the default).
pub fn rendering_env_of(s: &Session) -> Option<(&'static str, &'static str)> {
    let setting = get(s, UiSetting::Rendering).ok().flatten();
    rendering_env(
        std::env::consts::OS,
        setting.as_deref(),
        std::env::var_os(WEBKIT_SOFTWARE_VAR).is_some(),
    )
}

/// The largest value a screen may keep.
pub const VALUE_MAX: usize = 64 * 1024;

pub fn get(s: &Session, key: UiSetting) -> Result<Option<String>, UserError> {
    s.store()?.setting(key.key()).map_err(user)
}

pub fn set(s: &Session, key: UiSetting, value: &str) -> Result<(), UserError> {
    if value.len() > VALUE_MAX {
        return Err(UserError::new(format!(
            "the value for {} is {} bytes; at most {VALUE_MAX} are kept",
            key.key(),
            value.len()
        )));
    }
    if let Some(choices) = key.choices().filter(|c| !c.contains(&value)) {
        return Err(UserError::new(format!(
            "'{value}' is not a value of {}: one of {}",
            key.key(),
            choices.join(", ")
        )));
    }
    s.store()?.set_setting(key.key(), value).map_err(user)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_windows_keys_and_bounded_values() {
        let d = tempfile::tempdir().unwrap();
        let s = Session::new(Some(d.path().to_path_buf()));
        set(&s, UiSetting::RankOperator, "0xabc").unwrap();
        assert_eq!(
            get(&s, UiSetting::RankOperator).unwrap().as_deref(),
            Some("0xabc")
        );
        assert!(set(&s, UiSetting::CalcInputs, &"x".repeat(VALUE_MAX + 1)).is_err());
        // What the page sends is one of the keys, or nothing at all.
        assert!(serde_json::from_str::<UiSetting>("\"backend\"").is_err());
        assert_eq!(
            serde_json::from_str::<UiSetting>("\"calc.inputs\"").unwrap(),
            UiSetting::CalcInputs
        );
    }

    #[test]
    fn the_window_is_drawn_in_software_on_linux_unless_asked_otherwise() {
        let soft = Some(("WEBKIT_DISABLE_COMPOSITING_MODE", "1"));
        assert_eq!(rendering_env("linux", None, false), soft, "the default");
        assert_eq!(rendering_env("linux", Some("software"), false), soft);
        assert_eq!(rendering_env("linux", Some("gpu"), false), None);
        // The user's own environment wins, whatever it says.
        assert_eq!(rendering_env("linux", None, true), None);
        assert_eq!(rendering_env("windows", None, false), None);
        assert_eq!(rendering_env("macos", Some("software"), false), None);

        let d = tempfile::tempdir().unwrap();
        let s = Session::new(Some(d.path().to_path_buf()));
        assert!(set(&s, UiSetting::Rendering, "fast").is_err());
        set(&s, UiSetting::Rendering, "gpu").unwrap();
        assert_eq!(
            get(&s, UiSetting::Rendering).unwrap().as_deref(),
            Some("gpu")
        );
        if std::env::var_os(WEBKIT_SOFTWARE_VAR).is_none() {
            assert_eq!(rendering_env_of(&s), None, "the stored choice is read");
            set(&s, UiSetting::Rendering, "software").unwrap();
            assert_eq!(rendering_env_of(&s).is_some(), cfg!(target_os = "linux"));
        }
    }

    #[test]
    fn theme_and_notifications_take_their_values_only() {
        let d = tempfile::tempdir().unwrap();
        let s = Session::new(Some(d.path().to_path_buf()));
        assert!(notifications_on(&s), "on by default");
        set(&s, UiSetting::Notifications, "off").unwrap();
        assert!(!notifications_on(&s));
        set(&s, UiSetting::Notifications, "on").unwrap();
        assert!(notifications_on(&s));
        let e = set(&s, UiSetting::Notifications, "maybe").unwrap_err();
        assert!(e.to_string().contains("one of on, off"), "{e}");
        set(&s, UiSetting::Theme, "dark").unwrap();
        assert!(set(&s, UiSetting::Theme, "purple").is_err());
        assert_eq!(get(&s, UiSetting::Theme).unwrap().as_deref(), Some("dark"));
    }
}

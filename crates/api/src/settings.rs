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
        }
    }

    /// The values a key takes, where they are few (`None`: free text).
    pub fn choices(self) -> Option<&'static [&'static str]> {
        match self {
            UiSetting::Theme => Some(&["system", "light", "dark"]),
            UiSetting::Notifications => Some(&["on", "off"]),
            UiSetting::UpdateChannel => Some(&["stable", "beta"]),
            UiSetting::Language => Some(&["system", "en", "es"]),
            _ => None,
        }
    }
}

/// Whether new alerts are shown as desktop notifications (on unless the user turned them off).
pub fn notifications_on(s: &Session) -> bool {
    !matches!(get(s, UiSetting::Notifications), Ok(Some(v)) if v == "off")
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

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
}

impl UiSetting {
    pub fn key(self) -> &'static str {
        match self {
            UiSetting::RankOperator => "rank.operator",
            UiSetting::RankLeaderboard => "rank.leaderboard",
            UiSetting::CalcInputs => "calc.inputs",
        }
    }
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
}

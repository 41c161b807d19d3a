//! The contest ruleset: rewards, bonuses, caps, rank tiers and score weights, as data.
//!
//! The Phase #3 ruleset (`rules/phase3.toml`) is embedded in the binary; another phase is
//! loaded from a file with [`Ruleset::from_toml_str`] (the caller reads the file). Every ruleset is validated on load and a
//! malformed one is rejected with an error that names the field.

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The embedded Phase #3 ruleset, as shipped.
pub const PHASE3_TOML: &str = include_str!("../rules/phase3.toml");

#[derive(Debug, thiserror::Error)]
pub enum RulesError {
    #[error("the ruleset {origin} is not valid TOML or has a wrong field: {message}")]
    Parse { origin: String, message: String },
    #[error("the ruleset {origin} has an invalid `{field}`: {message}")]
    Invalid {
        origin: String,
        field: String,
        message: String,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Ruleset {
    pub format_version: u32,
    pub name: String,
    pub rewards: RewardRules,
    pub rank: RankRules,
    pub score: ScoreRules,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct RewardRules {
    #[serde(with = "crate::money::strict")]
    #[ts(type = "string")]
    pub base_per_node_month: Decimal,
    pub max_nodes_per_operator: u32,
    #[serde(with = "crate::money::strict_vec")]
    #[ts(type = "Array<string>")]
    pub role_bonus_allowed_pct: Vec<Decimal>,
    #[serde(with = "crate::money::strict")]
    #[ts(type = "string")]
    pub bonus_cap_default_pct: Decimal,
    pub multi_node: Vec<MultiNodeStep>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct MultiNodeStep {
    pub min_nodes: u32,
    #[serde(with = "crate::money::strict")]
    #[ts(type = "string")]
    pub bonus_pct: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct RankRules {
    pub tiers: Vec<RankTier>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct RankTier {
    pub from: u32,
    pub to: u32,
    #[serde(with = "crate::money::strict")]
    #[ts(type = "string")]
    pub reward: Decimal,
    /// `None`: an operator may hold any number of spots of this tier.
    #[serde(default)]
    #[ts(optional)]
    pub max_per_operator: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ScoreRules {
    pub weights: ScoreWeights,
    pub normalisation: Normalisation,
    pub state_weights: StateWeights,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct ScoreWeights {
    pub uptime: f64,
    pub responsiveness: f64,
    pub throughput: f64,
    pub ping: f64,
    pub global_ping: f64,
    pub state_quality: f64,
    pub tasks: f64,
    pub bug_reports: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct Normalisation {
    pub throughput_target: f64,
    pub ping_best_ms: f64,
    pub ping_worst_ms: f64,
    pub global_ping_best_ms: f64,
    pub global_ping_worst_ms: f64,
    pub tasks_target: f64,
    pub tasks_accuracy_share: f64,
    pub bug_reports_target: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(deny_unknown_fields)]
#[ts(export)]
pub struct StateWeights {
    pub create: f64,
    pub prepare: f64,
    pub precommit: f64,
    pub commit: f64,
}

impl Ruleset {
    /// The embedded Phase #3 ruleset.
    pub fn phase3() -> Ruleset {
        Ruleset::from_toml_str(PHASE3_TOML, "rules/phase3.toml (embedded)")
            .expect("the embedded ruleset is validated by the test suite")
    }

    pub fn from_toml_str(text: &str, origin: &str) -> Result<Ruleset, RulesError> {
        let rules: Ruleset = toml::from_str(text).map_err(|e| RulesError::Parse {
            origin: origin.to_string(),
            message: e.to_string().trim().replace('\n', " "),
        })?;
        rules
            .validate()
            .map_err(|(field, message)| RulesError::Invalid {
                origin: origin.to_string(),
                field,
                message,
            })?;
        Ok(rules)
    }

    /// The tier that contains spot `p`, if any.
    pub fn tier_of(&self, p: u32) -> Option<&RankTier> {
        self.rank.tiers.iter().find(|t| t.from <= p && p <= t.to)
    }

    /// The last rewarded spot (150 in Phase #3).
    pub fn last_spot(&self) -> u32 {
        self.rank.tiers.last().map(|t| t.to).unwrap_or(0)
    }

    fn validate(&self) -> Result<(), (String, String)> {
        let bad = |field: &str, msg: String| Err((field.to_string(), msg));
        if self.format_version != 1 {
            return bad(
                "format_version",
                format!(
                    "{} is not supported; this version of the app reads format 1",
                    self.format_version
                ),
            );
        }
        let r = &self.rewards;
        if r.base_per_node_month < Decimal::ZERO {
            return bad("rewards.base_per_node_month", "must not be negative".into());
        }
        if r.max_nodes_per_operator == 0 {
            return bad(
                "rewards.max_nodes_per_operator",
                "must be at least 1".into(),
            );
        }
        if r.role_bonus_allowed_pct.is_empty() {
            return bad(
                "rewards.role_bonus_allowed_pct",
                "must list at least one value (0 for no role)".into(),
            );
        }
        for (i, p) in r.role_bonus_allowed_pct.iter().enumerate() {
            if *p < Decimal::ZERO || *p > Decimal::ONE_HUNDRED {
                return bad(
                    &format!("rewards.role_bonus_allowed_pct[{i}]"),
                    format!("{p} is outside 0–100"),
                );
            }
        }
        if r.bonus_cap_default_pct < Decimal::ZERO || r.bonus_cap_default_pct > Decimal::ONE_HUNDRED
        {
            return bad(
                "rewards.bonus_cap_default_pct",
                format!("{} is outside 0–100", r.bonus_cap_default_pct),
            );
        }
        let mut last_min = 0;
        for (i, s) in r.multi_node.iter().enumerate() {
            if s.min_nodes <= last_min {
                return bad(
                    &format!("rewards.multi_node[{i}].min_nodes"),
                    "steps must be listed with strictly increasing min_nodes, starting above 0"
                        .into(),
                );
            }
            if s.bonus_pct < Decimal::ZERO || s.bonus_pct > Decimal::ONE_HUNDRED {
                return bad(
                    &format!("rewards.multi_node[{i}].bonus_pct"),
                    format!("{} is outside 0–100", s.bonus_pct),
                );
            }
            last_min = s.min_nodes;
        }
        if self.rank.tiers.is_empty() {
            return bad("rank.tiers", "at least one tier is required".into());
        }
        let mut expected_from = 1;
        for (i, t) in self.rank.tiers.iter().enumerate() {
            if t.from != expected_from {
                return bad(
                    &format!("rank.tiers[{i}].from"),
                    format!(
                        "is {} but must be {expected_from}: tiers must be contiguous from spot 1",
                        t.from
                    ),
                );
            }
            if t.to < t.from {
                return bad(
                    &format!("rank.tiers[{i}].to"),
                    format!("{} is before `from` ({})", t.to, t.from),
                );
            }
            if t.reward < Decimal::ZERO {
                return bad(
                    &format!("rank.tiers[{i}].reward"),
                    "must not be negative".into(),
                );
            }
            if t.max_per_operator == Some(0) {
                return bad(
                    &format!("rank.tiers[{i}].max_per_operator"),
                    "must be at least 1 (omit it for unlimited)".into(),
                );
            }
            expected_from = t.to + 1;
        }
        let w = &self.score.weights;
        let weights = [
            ("uptime", w.uptime),
            ("responsiveness", w.responsiveness),
            ("throughput", w.throughput),
            ("ping", w.ping),
            ("global_ping", w.global_ping),
            ("state_quality", w.state_quality),
            ("tasks", w.tasks),
            ("bug_reports", w.bug_reports),
        ];
        for (name, v) in weights {
            if !v.is_finite() || v < 0.0 {
                return bad(
                    &format!("score.weights.{name}"),
                    format!("{v} must be a finite number ≥ 0"),
                );
            }
        }
        if weights.iter().map(|(_, v)| v).sum::<f64>() <= 0.0 {
            return bad(
                "score.weights",
                "at least one weight must be above 0".into(),
            );
        }
        let s = &self.score.state_weights;
        let states = [
            ("create", s.create),
            ("prepare", s.prepare),
            ("precommit", s.precommit),
            ("commit", s.commit),
        ];
        for (name, v) in states {
            if !v.is_finite() || v < 0.0 {
                return bad(
                    &format!("score.state_weights.{name}"),
                    format!("{v} must be a finite number ≥ 0"),
                );
            }
        }
        if states.iter().map(|(_, v)| v).sum::<f64>() <= 0.0 {
            return bad(
                "score.state_weights",
                "at least one weight must be above 0".into(),
            );
        }
        let n = &self.score.normalisation;
        for (name, v) in [
            ("throughput_target", n.throughput_target),
            ("tasks_target", n.tasks_target),
            ("bug_reports_target", n.bug_reports_target),
        ] {
            if !v.is_finite() || v <= 0.0 {
                return bad(
                    &format!("score.normalisation.{name}"),
                    format!("{v} must be a number above 0"),
                );
            }
        }
        if !(n.ping_best_ms >= 0.0
            && n.ping_worst_ms > n.ping_best_ms
            && n.ping_worst_ms.is_finite())
        {
            return bad(
                "score.normalisation.ping_worst_ms",
                "must be above ping_best_ms (and ping_best_ms ≥ 0)".into(),
            );
        }
        if !(n.global_ping_best_ms >= 0.0
            && n.global_ping_worst_ms > n.global_ping_best_ms
            && n.global_ping_worst_ms.is_finite())
        {
            return bad(
                "score.normalisation.global_ping_worst_ms",
                "must be above global_ping_best_ms (and global_ping_best_ms ≥ 0)".into(),
            );
        }
        if !(0.0..=1.0).contains(&n.tasks_accuracy_share) {
            return bad(
                "score.normalisation.tasks_accuracy_share",
                format!("{} is outside 0–1", n.tasks_accuracy_share),
            );
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_ruleset_is_valid_and_matches_the_seed() {
        let r = Ruleset::phase3();
        assert_eq!(r.rewards.base_per_node_month, Decimal::new(20, 0));
        assert_eq!(r.last_spot(), 150);
        assert_eq!(r.tier_of(5).unwrap().reward, Decimal::new(50, 0));
        assert_eq!(r.tier_of(6).unwrap().reward, Decimal::new(35, 0));
        assert_eq!(r.tier_of(100).unwrap().max_per_operator, Some(10));
        assert_eq!(r.tier_of(150).unwrap().max_per_operator, None);
        assert!(r.tier_of(151).is_none());
    }

    fn with(edit: impl Fn(&str) -> String) -> Result<Ruleset, RulesError> {
        Ruleset::from_toml_str(&edit(PHASE3_TOML), "test")
    }

    /// Every bound of the validator, on both sides: the value at the bound is accepted, the
    /// one past it is refused naming its field.
    #[test]
    fn every_bound_accepts_its_edge_and_refuses_past_it() {
        let edits: &[(&str, &str, Option<&str>)] = &[
            (
                "base_per_node_month = \"20.00\"",
                "base_per_node_month = \"0.00\"",
                None,
            ),
            (
                "base_per_node_month = \"20.00\"",
                "base_per_node_month = \"-0.01\"",
                Some("rewards.base_per_node_month"),
            ),
            ("[\"0\", \"5\", \"10\"]", "[\"0\", \"5\", \"100\"]", None),
            (
                "[\"0\", \"5\", \"10\"]",
                "[\"0\", \"5\", \"100.01\"]",
                Some("rewards.role_bonus_allowed_pct[2]"),
            ),
            (
                "[\"0\", \"5\", \"10\"]",
                "[\"-0.01\", \"5\"]",
                Some("rewards.role_bonus_allowed_pct[0]"),
            ),
            (
                "bonus_cap_default_pct = \"40\"",
                "bonus_cap_default_pct = \"100\"",
                None,
            ),
            (
                "bonus_cap_default_pct = \"40\"",
                "bonus_cap_default_pct = \"0\"",
                None,
            ),
            (
                "bonus_cap_default_pct = \"40\"",
                "bonus_cap_default_pct = \"100.01\"",
                Some("rewards.bonus_cap_default_pct"),
            ),
            (
                "bonus_cap_default_pct = \"40\"",
                "bonus_cap_default_pct = \"-0.01\"",
                Some("rewards.bonus_cap_default_pct"),
            ),
            ("bonus_pct = \"10\"", "bonus_pct = \"100\"", None),
            ("bonus_pct = \"10\"", "bonus_pct = \"0\"", None),
            (
                "bonus_pct = \"10\"",
                "bonus_pct = \"100.01\"",
                Some("rewards.multi_node[0].bonus_pct"),
            ),
            (
                "bonus_pct = \"10\"",
                "bonus_pct = \"-0.01\"",
                Some("rewards.multi_node[0].bonus_pct"),
            ),
            ("min_nodes = 3", "min_nodes = 1", None),
            (
                "min_nodes = 3",
                "min_nodes = 0",
                Some("rewards.multi_node[0].min_nodes"),
            ),
            (
                "min_nodes = 5",
                "min_nodes = 3",
                Some("rewards.multi_node[1].min_nodes"),
            ),
            ("min_nodes = 5", "min_nodes = 4", None),
            ("reward = \"50.00\"", "reward = \"0.00\"", None),
            (
                "reward = \"50.00\"",
                "reward = \"-0.01\"",
                Some("rank.tiers[0].reward"),
            ),
            (
                "from = 1\nto = 5",
                "from = 1\nto = 0",
                Some("rank.tiers[0].to"),
            ),
            ("uptime = 20", "uptime = 0", None),
            ("uptime = 20", "uptime = -0.5", Some("score.weights.uptime")),
            ("create = 1.0", "create = 0.0", None),
            (
                "create = 1.0",
                "create = -0.5",
                Some("score.state_weights.create"),
            ),
            (
                "throughput_target = 100.0",
                "throughput_target = 0.001",
                None,
            ),
            (
                "throughput_target = 100.0",
                "throughput_target = 0.0",
                Some("score.normalisation.throughput_target"),
            ),
            ("ping_best_ms = 20.0", "ping_best_ms = 0.0", None),
            (
                "ping_best_ms = 20.0",
                "ping_best_ms = -1.0",
                Some("score.normalisation.ping_worst_ms"),
            ),
            (
                "ping_worst_ms = 1000.0",
                "ping_worst_ms = 20.0",
                Some("score.normalisation.ping_worst_ms"),
            ),
            ("ping_worst_ms = 1000.0", "ping_worst_ms = 20.5", None),
            (
                "global_ping_best_ms = 50.0",
                "global_ping_best_ms = 0.0",
                None,
            ),
            (
                "global_ping_best_ms = 50.0",
                "global_ping_best_ms = -1.0",
                Some("score.normalisation.global_ping_worst_ms"),
            ),
            (
                "global_ping_worst_ms = 2000.0",
                "global_ping_worst_ms = 50.0",
                Some("score.normalisation.global_ping_worst_ms"),
            ),
            (
                "global_ping_worst_ms = 2000.0",
                "global_ping_worst_ms = 50.5",
                None,
            ),
            (
                "tasks_accuracy_share = 0.5",
                "tasks_accuracy_share = 1.0",
                None,
            ),
            (
                "tasks_accuracy_share = 0.5",
                "tasks_accuracy_share = 0.0",
                None,
            ),
            (
                "tasks_accuracy_share = 0.5",
                "tasks_accuracy_share = 1.01",
                Some("score.normalisation.tasks_accuracy_share"),
            ),
        ];
        for (from, to, refused) in edits {
            assert!(PHASE3_TOML.contains(from), "the fixture moved: {from}");
            let got = with(|t| t.replacen(from, to, 1));
            match (refused, got) {
                (None, Ok(_)) => {}
                (Some(field), Err(e)) => {
                    let e = e.to_string();
                    assert!(e.contains(field), "{to}: {e}");
                }
                (None, Err(e)) => panic!("{to} should be accepted: {e}"),
                (Some(field), Ok(_)) => panic!("{to} should be refused at {field}"),
            }
        }
        // A tier of one spot (`to` = `from`) is a tier.
        assert!(with(|t| t
            .replacen("from = 1\nto = 5", "from = 1\nto = 1", 1)
            .replacen("from = 6", "from = 2", 1))
        .is_ok());
        // All weights 0: no score can be made.
        let zero = |t: &str| {
            [
                "uptime = 20",
                "responsiveness = 10",
                "throughput = 5",
                "ping = 7.5",
                "global_ping = 7.5",
                "state_quality = 30",
                "tasks = 15",
                "bug_reports = 5",
            ]
            .iter()
            .fold(t.to_string(), |t, w| {
                t.replacen(w, &format!("{} = 0", w.split(' ').next().unwrap()), 1)
            })
        };
        assert!(with(zero)
            .unwrap_err()
            .to_string()
            .contains("score.weights"));
        let zero_states = |t: &str| {
            [
                "create = 1.0",
                "prepare = 1.0",
                "precommit = 1.0",
                "commit = 1.0",
            ]
            .iter()
            .fold(t.to_string(), |t, w| {
                t.replacen(w, &format!("{} = 0.0", w.split(' ').next().unwrap()), 1)
            })
        };
        assert!(with(zero_states)
            .unwrap_err()
            .to_string()
            .contains("score.state_weights"));
    }

    #[test]
    fn non_contiguous_tiers_name_the_field() {
        let err = with(|t| t.replacen("from = 6", "from = 7", 1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("rank.tiers[1].from"), "{err}");
    }

    #[test]
    fn wrong_type_names_the_field() {
        let err = with(|t| {
            t.replacen(
                "max_nodes_per_operator = 25",
                "max_nodes_per_operator = \"many\"",
                1,
            )
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("max_nodes_per_operator"), "{err}");
    }

    #[test]
    fn missing_field_names_the_field() {
        let err = with(|t| t.replacen("base_per_node_month = \"20.00\"", "", 1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("base_per_node_month"), "{err}");
    }

    #[test]
    fn out_of_range_cap_is_rejected() {
        let err = with(|t| {
            t.replacen(
                "bonus_cap_default_pct = \"40\"",
                "bonus_cap_default_pct = \"140\"",
                1,
            )
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("rewards.bonus_cap_default_pct"), "{err}");
    }

    #[test]
    fn money_as_a_float_is_rejected() {
        let err = with(|t| t.replacen("reward = \"35.00\"", "reward = 35.5", 1))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("reward") && err.contains("as strings"),
            "{err}"
        );
    }

    #[test]
    fn unknown_field_is_rejected() {
        let err = with(|t| t.replacen("[rewards]", "[rewards]\nbase_per_node_yr = 1", 1))
            .unwrap_err()
            .to_string();
        assert!(err.contains("base_per_node_yr"), "{err}");
    }
}

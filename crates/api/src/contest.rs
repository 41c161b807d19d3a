//! The contest's operations: rewards, the ruleset, and rank projection from a leaderboard.

use std::path::Path;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use std::time::Duration;

use cortensor_contest::rank::{self, Projection};
use cortensor_contest::rewards;
use cortensor_node::fetch::{self, FetchOptions};
use cortensor_node::store::Store;

use crate::UserError;

pub use cortensor_contest::money;
pub use cortensor_contest::rank::{WhatIf, YOUR_NODES};
pub use cortensor_contest::rewards::{RewardsBreakdown, RewardsInput};
pub use cortensor_contest::rules::Ruleset;
pub use cortensor_node::fetch::SourceInfo;
pub use cortensor_node::platform::clock::describe_age;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RankRequest {
    /// A file path or an http(s) URL.
    pub leaderboard: String,
    /// The user's operator address, for boards that publish operators; empty: the user's
    /// nodes (`local_nodes`) form one operator.
    #[serde(default)]
    pub operator: String,
    #[serde(default)]
    pub what_ifs: Vec<WhatIf>,
    /// The operator's nodes known locally; those not on the leaderboard are listed unranked.
    #[serde(default)]
    pub local_nodes: Vec<String>,
    /// Other operators' nodes the user knows (node → operator), grouped under their operator.
    #[serde(default)]
    pub others: std::collections::BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RankResponse {
    #[serde(flatten)]
    pub projection: Projection,
    pub source: SourceInfo,
}

/// `Some(path)`: that ruleset file, validated; `None`: the embedded Phase #3 ruleset.
pub fn load_rules(path: Option<&Path>) -> Result<Ruleset, UserError> {
    let Some(path) = path else {
        return Ok(Ruleset::phase3());
    };
    let text = std::fs::read_to_string(path).map_err(|e| {
        UserError::new(format!(
            "cannot read the ruleset {}: {e}. Check the path and that the file is readable.",
            path.display()
        ))
    })?;
    Ruleset::from_toml_str(&text, &path.display().to_string()).map_err(UserError::new)
}

pub fn compute_rewards(
    input: &RewardsInput,
    rules: &Ruleset,
) -> Result<RewardsBreakdown, UserError> {
    rewards::compute(input, rules).map_err(UserError::new)
}

/// Project the operator's ranks. `timeout` bounds each HTTP request (default 15 s); `store`
/// caches the leaderboard (ETag, stale fallback).
pub fn project_rank(
    req: &RankRequest,
    rules: &Ruleset,
    store: Option<&Store>,
    timeout: Option<Duration>,
) -> Result<RankResponse, UserError> {
    let mut opts = FetchOptions::default();
    if let Some(t) = timeout {
        if t.is_zero() || t > Duration::from_secs(3600) {
            return Err(UserError::new(
                "the timeout must be above 0 and at most an hour",
            ));
        }
        opts.timeout = t;
    }
    let operator = req.operator.trim();
    if operator.is_empty() && req.local_nodes.is_empty() {
        return Err(UserError::new(
            "name your nodes (--node ADDR, repeatable; this machine has none), or give --operator ADDR for a leaderboard that publishes operators",
        ));
    }
    for n in req
        .local_nodes
        .iter()
        .chain(req.others.keys())
        .chain(req.others.values())
    {
        if !cortensor_contest::leaderboard::is_address(n.trim()) {
            return Err(UserError::new(format!(
                "'{n}' is not an address (0x followed by 40 hex digits)"
            )));
        }
    }
    let mut loaded = fetch::load(&req.leaderboard, store, &opts).map_err(UserError::new)?;
    let me = if operator.is_empty() {
        rank::YOUR_NODES
    } else {
        operator
    };
    let others: std::collections::HashMap<String, String> = req
        .others
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    cortensor_contest::leaderboard::regroup(&mut loaded.leaderboard, &req.local_nodes, me, &others);
    let projection = rank::project(
        &loaded.leaderboard,
        me,
        &req.what_ifs,
        &req.local_nodes,
        rules,
    )
    .map_err(UserError::new)?;
    Ok(RankResponse {
        projection,
        source: loaded.source,
    })
}

/// Print-ready summary of a ruleset, for `rules` without `--json`.
pub fn describe_rules(rules: &Ruleset) -> Vec<String> {
    let mut out = vec![
        format!("{} (format {})", rules.name, rules.format_version),
        format!(
            "  base: ${}/node/month; up to {} nodes per participant",
            rules.rewards.base_per_node_month, rules.rewards.max_nodes_per_operator
        ),
    ];
    for s in &rules.rewards.multi_node {
        out.push(format!(
            "  multi-node bonus: {}% at {}+ nodes (once per contest)",
            s.bonus_pct, s.min_nodes
        ));
    }
    out.push(format!(
        "  bonus cap: {}% of base by default",
        rules.rewards.bonus_cap_default_pct
    ));
    for t in &rules.rank.tiers {
        let max = t
            .max_per_operator
            .map_or("unlimited".to_string(), |m| m.to_string());
        out.push(format!(
            "  ranks {:>3}–{:<3} ${:>6} each, {} spot(s) per operator",
            t.from, t.to, t.reward, max
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The front-end tests render with the real ruleset: written here like the ts-rs
    /// bindings, and checked by the test script to be committed and current.
    #[test]
    fn writes_the_ruleset_the_ui_tests_use() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../ui/src/test/ruleset-phase3.json"
        );
        let json = serde_json::to_string_pretty(&Ruleset::phase3()).unwrap() + "\n";
        std::fs::write(path, &json).unwrap();
        let back: Ruleset = serde_json::from_str(&json).unwrap();
        assert_eq!(back, Ruleset::phase3());
    }

    #[test]
    fn a_missing_ruleset_file_is_named() {
        let e = load_rules(Some(Path::new("/nonexistent/phase9.toml"))).unwrap_err();
        assert!(e.message.contains("/nonexistent/phase9.toml"), "{e}");
        assert!(e.message.contains("Check the path"), "{e}");
        assert_eq!(load_rules(None).unwrap(), Ruleset::phase3());
    }
}

/// Other operators' nodes from a mapping file: `{"0xOPERATOR": ["0xNODE", …], …}`.
pub fn read_operators_file(
    path: &Path,
) -> Result<std::collections::BTreeMap<String, String>, UserError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        UserError::new(format!(
            "cannot read the operators file {}: {e}",
            path.display()
        ))
    })?;
    let map: std::collections::BTreeMap<String, Vec<String>> = serde_json::from_str(&text)
        .map_err(|e| {
            UserError::new(format!(
                "{} is not an operators file ({e}); expected {{\"0xOPERATOR\": [\"0xNODE\", …]}}",
                path.display()
            ))
        })?;
    let mut out = std::collections::BTreeMap::new();
    for (op, nodes) in map {
        for n in nodes {
            out.insert(n.to_ascii_lowercase(), op.to_ascii_lowercase());
        }
    }
    Ok(out)
}

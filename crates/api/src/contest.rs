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

/// The setting that holds the user's leaderboard address for a network.
pub fn leaderboard_setting(network: &str) -> String {
    format!("leaderboard.url.{network}")
}

/// Where a network's leaderboard JSON is read from: the user's address, else the network
/// profile's, else none (said plainly, with what to do).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LeaderboardAddress {
    pub network: String,
    pub url: Option<String>,
    /// `setting` (the user's), `profile` (the network's), or `none`.
    pub origin: String,
    /// The dashboard people look at in a browser (its page is not the JSON).
    pub dashboard_url: String,
    /// In words, for the CLI and the app.
    pub explanation: String,
}

fn network_profile(
    s: &crate::Session,
    network: Option<&str>,
) -> Result<cortensor_node::network::NetworkProfile, UserError> {
    let own = s.machine()?.profile;
    match network {
        None => Ok(own),
        Some(n) if n == own.name => Ok(own),
        Some(n) => cortensor_node::network::NetworkProfile::builtin(n).ok_or_else(|| {
            UserError::new(format!(
                "there is no network '{n}'; known: {}",
                cortensor_node::network::BUILTIN.join(", ")
            ))
        }),
    }
}

/// The leaderboard address of `network` (default: the machine's network).
pub fn leaderboard_address(
    s: &crate::Session,
    network: Option<&str>,
) -> Result<LeaderboardAddress, UserError> {
    let profile = network_profile(s, network)?;
    let saved = s
        .store()?
        .setting(&leaderboard_setting(&profile.name))
        .map_err(crate::user)?
        .filter(|u| !u.is_empty());
    let (url, origin) = match (saved, &profile.leaderboard_url) {
        (Some(u), _) => (Some(u), "setting"),
        (None, Some(u)) => (Some(u.clone()), "profile"),
        (None, None) => (None, "none"),
    };
    let explanation = match (origin, &url) {
        ("setting", Some(u)) => format!("{}: your leaderboard address {u}", profile.name),
        ("profile", Some(u)) => format!("{}: the network's leaderboard address {u}", profile.name),
        _ => format!(
            "No leaderboard address is known for {}: Cortensor does not publish the JSON behind its dashboard ({}). \
             Give a file or address with --leaderboard, or save one: `cortensor-manager leaderboard set URL`.",
            profile.name, profile.dashboard_url
        ),
    };
    Ok(LeaderboardAddress {
        network: profile.name,
        url,
        origin: origin.into(),
        dashboard_url: profile.dashboard_url,
        explanation,
    })
}

/// Save (or with `None`, forget) the user's leaderboard address for `network`.
pub fn set_leaderboard_address(
    s: &crate::Session,
    network: Option<&str>,
    url: Option<&str>,
) -> Result<LeaderboardAddress, UserError> {
    let profile = network_profile(s, network)?;
    let value = match url.map(str::trim) {
        None | Some("") => String::new(),
        Some(u) => {
            let ok = url::Url::parse(u)
                .ok()
                .filter(|p| matches!(p.scheme(), "http" | "https") && p.host_str().is_some());
            if ok.is_none() {
                return Err(UserError::new(format!(
                    "'{u}' is not a web address (https://…); a leaderboard file is given to `rank --leaderboard` instead"
                )));
            }
            u.to_string()
        }
    };
    s.store()?
        .set_setting(&leaderboard_setting(&profile.name), &value)
        .map_err(crate::user)?;
    leaderboard_address(s, Some(&profile.name))
}

//! Exact reward arithmetic (decimal, rounded to cents, never floating point).
//!
//! base            = base_per_node_month × qualifying nodes × months
//! multi-node      = step % × ONE month's base (applied once per contest, not monthly)
//! role            = role % × (base + multi-node)
//! cap             = combined (multi-node + role) ≤ cap % × base; when it binds the role
//!                   bonus is reduced first, then the multi-node bonus
//! total           = base + multi-node + role + rank rewards (rank rewards are not multiplied)

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::rules::Ruleset;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RewardsInput {
    /// Qualifying nodes (with valid uptime and participation).
    pub nodes: u32,
    /// Role bonus in percent; one of the ruleset's allowed values (0, 5 or 10 in Phase #3).
    #[ts(type = "string")]
    pub role_bonus_pct: Decimal,
    /// Contest months counted for the base reward (may be fractional, e.g. 1.5 for 45 days).
    #[ts(type = "string")]
    pub months: Decimal,
    /// Cap of the combined bonus in percent of base; `None`: the ruleset's default.
    #[ts(type = "string | null")]
    pub bonus_cap_pct: Option<Decimal>,
    /// Rank rewards in USD, added after the bonuses.
    #[ts(type = "string")]
    pub rank_rewards: Decimal,
}

impl RewardsInput {
    pub fn nodes(nodes: u32) -> RewardsInput {
        RewardsInput {
            nodes,
            role_bonus_pct: Decimal::ZERO,
            months: Decimal::ONE,
            bonus_cap_pct: None,
            rank_rewards: Decimal::ZERO,
        }
    }
}

/// The breakdown; money fields serialise as strings with two decimals ("72.60").
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RewardsBreakdown {
    #[serde(with = "crate::money")]
    #[ts(type = "string")]
    pub base: Decimal,
    #[serde(with = "crate::money")]
    #[ts(type = "string")]
    pub multi_node_bonus: Decimal,
    #[serde(with = "crate::money")]
    #[ts(type = "string")]
    pub role_bonus: Decimal,
    #[serde(with = "crate::money")]
    #[ts(type = "string")]
    pub rank_rewards: Decimal,
    #[serde(with = "crate::money")]
    #[ts(type = "string")]
    pub total: Decimal,
    /// The nodes the figures pay for: at most the contest's per-participant limit.
    pub rewarded_nodes: u32,
    /// Nodes past the limit, shown apart and not in `total`.
    pub excess_nodes: u32,
    /// What the excess nodes' base would be if they were rewarded (not in `total`).
    #[serde(with = "crate::money")]
    #[ts(type = "string")]
    pub excess_base: Decimal,
    /// Things the user should know but that do not stop the calculation (e.g. > 25 nodes).
    pub warnings: Vec<String>,
    /// How the numbers came about when it is not obvious (e.g. the bonus cap bound).
    pub notes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RewardsError {
    #[error(
        "the number of nodes must be at least 1 (got 0): rewards are paid per qualifying node"
    )]
    NoNodes,
    #[error("a role bonus of {got}% is not offered; choose one of: {allowed}")]
    RoleBonus { got: Decimal, allowed: String },
    #[error("months must be above 0 and at most 1200 (got {0})")]
    Months(Decimal),
    #[error("the bonus cap must be between 0 and 100 percent (got {0})")]
    Cap(Decimal),
    #[error("rank rewards must be between $0 and $1,000,000,000,000 (got {0})")]
    RankRewards(Decimal),
}

/// The most months a computation takes (a hundred years): beyond, the figures mean nothing
/// and the arithmetic could overflow.
pub const MAX_MONTHS: Decimal = Decimal::from_parts(1200, 0, 0, false, 0);
/// The largest rank reward a computation takes, in USD.
pub const MAX_RANK_REWARDS: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);

fn cents(d: Decimal) -> Decimal {
    d.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn pct(d: Decimal) -> Decimal {
    d / Decimal::ONE_HUNDRED
}

/// Compute the reward breakdown of one participant under `rules`.
pub fn compute(input: &RewardsInput, rules: &Ruleset) -> Result<RewardsBreakdown, RewardsError> {
    let r = &rules.rewards;
    if input.nodes == 0 {
        return Err(RewardsError::NoNodes);
    }
    if !r.role_bonus_allowed_pct.contains(&input.role_bonus_pct) {
        let allowed: Vec<String> = r
            .role_bonus_allowed_pct
            .iter()
            .map(|p| format!("{p}%"))
            .collect();
        return Err(RewardsError::RoleBonus {
            got: input.role_bonus_pct,
            allowed: allowed.join(", "),
        });
    }
    if input.months <= Decimal::ZERO || input.months > MAX_MONTHS {
        return Err(RewardsError::Months(input.months));
    }
    let cap_pct = input.bonus_cap_pct.unwrap_or(r.bonus_cap_default_pct);
    if cap_pct < Decimal::ZERO || cap_pct > Decimal::ONE_HUNDRED {
        return Err(RewardsError::Cap(cap_pct));
    }
    if input.rank_rewards < Decimal::ZERO || input.rank_rewards > MAX_RANK_REWARDS {
        return Err(RewardsError::RankRewards(input.rank_rewards));
    }

    let mut warnings = Vec::new();
    let mut notes = Vec::new();
    // The figures pay for the nodes within the limit; those past it are shown apart.
    let rewarded = input.nodes.min(r.max_nodes_per_operator);
    let excess = input.nodes - rewarded;
    let excess_base = cents(r.base_per_node_month * Decimal::from(excess) * input.months);
    if excess > 0 {
        warnings.push(format!(
            "{} nodes is above the contest's limit of about {} nodes per participant: the figures count {rewarded}; the {excess} past the limit may not be rewarded (their base would be ${excess_base:.2}, not in the total)",
            input.nodes, r.max_nodes_per_operator
        ));
    }

    let nodes = Decimal::from(rewarded);
    let one_month_base = r.base_per_node_month * nodes;
    let base = cents(one_month_base * input.months);
    let step_pct = r
        .multi_node
        .iter()
        .rev()
        .find(|s| rewarded >= s.min_nodes)
        .map(|s| s.bonus_pct)
        .unwrap_or(Decimal::ZERO);
    let mut multi = cents(one_month_base * pct(step_pct));
    let mut role = cents((base + multi) * pct(input.role_bonus_pct));

    let cap = cents(base * pct(cap_pct));
    if multi + role > cap {
        let uncapped = multi + role;
        role = (cap - multi).max(Decimal::ZERO);
        multi = multi.min(cap);
        notes.push(format!(
            "the combined bonus ${uncapped:.2} is above the cap of {cap_pct}% of base (${cap:.2}); the role bonus was reduced first"
        ));
    }
    let rank = cents(input.rank_rewards);
    Ok(RewardsBreakdown {
        base,
        multi_node_bonus: multi,
        role_bonus: role,
        rank_rewards: rank,
        total: base + multi + role + rank,
        rewarded_nodes: rewarded,
        excess_nodes: excess,
        excess_base,
        warnings,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).unwrap()
    }

    fn run(
        nodes: u32,
        role: &str,
        months: &str,
        cap: Option<&str>,
        rank: &str,
    ) -> RewardsBreakdown {
        let input = RewardsInput {
            nodes,
            role_bonus_pct: d(role),
            months: d(months),
            bonus_cap_pct: cap.map(d),
            rank_rewards: d(rank),
        };
        compute(&input, &Ruleset::phase3()).unwrap()
    }

    fn parts(b: &RewardsBreakdown) -> [String; 5] {
        [
            b.base,
            b.multi_node_bonus,
            b.role_bonus,
            b.rank_rewards,
            b.total,
        ]
        .map(|x| format!("{x:.2}"))
    }

    #[test]
    fn seed_scenario_1_three_nodes_ten_percent_role() {
        // 20 × 3 = 60; 10 % of 60 = 6; 10 % of 66 = 6.60; 12.60 ≤ 40 % × 60 = 24.
        assert_eq!(
            parts(&run(3, "10", "1", None, "0")),
            ["60.00", "6.00", "6.60", "0.00", "72.60"]
        );
    }

    #[test]
    fn seed_scenario_2_five_nodes_ten_percent_role() {
        // 20 × 5 = 100; 20 % of 100 = 20; 10 % of 120 = 12; 32 ≤ 40.
        assert_eq!(
            parts(&run(5, "10", "1", None, "0")),
            ["100.00", "20.00", "12.00", "0.00", "132.00"]
        );
    }

    #[test]
    fn two_nodes_have_no_multi_node_bonus() {
        // 20 × 2 × 3 = 120; < 3 nodes: 0; 5 % of 120 = 6.
        assert_eq!(
            parts(&run(2, "5", "3", None, "0")),
            ["120.00", "0.00", "6.00", "0.00", "126.00"]
        );
    }

    #[test]
    fn multi_node_bonus_is_once_per_contest_not_monthly() {
        // 20 × 25 × 2 = 1000; 20 % of ONE month (500) = 100; 10 % of 1100 = 110; 210 ≤ 400.
        assert_eq!(
            parts(&run(25, "10", "2", None, "0")),
            ["1000.00", "100.00", "110.00", "0.00", "1210.00"]
        );
    }

    #[test]
    fn cap_reduces_role_bonus_first() {
        // cap 25 % of 100 = 25; multi 20 stays, role 12 → 5.
        let b = run(5, "10", "1", Some("25"), "0");
        assert_eq!(parts(&b), ["100.00", "20.00", "5.00", "0.00", "125.00"]);
        assert_eq!(b.notes.len(), 1);
    }

    #[test]
    fn cap_below_multi_node_bonus_zeroes_role_and_cuts_multi() {
        // cap 10 % of 100 = 10: role 0, multi 20 → 10.
        assert_eq!(
            parts(&run(5, "10", "1", Some("10"), "0")),
            ["100.00", "10.00", "0.00", "0.00", "110.00"]
        );
        // cap 0: no bonus at all.
        assert_eq!(
            parts(&run(5, "10", "1", Some("0"), "0")),
            ["100.00", "0.00", "0.00", "0.00", "100.00"]
        );
    }

    #[test]
    fn rank_rewards_are_added_after_bonuses_and_not_multiplied() {
        assert_eq!(
            parts(&run(3, "10", "1", None, "35")),
            ["60.00", "6.00", "6.60", "35.00", "107.60"]
        );
    }

    #[test]
    fn fractional_months() {
        // 20 × 3 × 1.5 = 90; 10 % of one month (60) = 6; 5 % of 96 = 4.80.
        assert_eq!(
            parts(&run(3, "5", "1.5", None, "0")),
            ["90.00", "6.00", "4.80", "0.00", "100.80"]
        );
    }

    #[test]
    fn the_cap_at_its_bounds_and_exactly_reached() {
        // A cap of 100 % is allowed (the bound is inclusive); above is refused.
        let ok = run(3, "10", "1", Some("100"), "0");
        assert_eq!(ok.total.to_string(), "72.60");
        assert!(ok.notes.is_empty());
        let rules = Ruleset::phase3();
        let mut i = RewardsInput::nodes(3);
        i.bonus_cap_pct = Some(d("100.01"));
        assert_eq!(compute(&i, &rules), Err(RewardsError::Cap(d("100.01"))));
        // 3 nodes, 10 % role: multi 6.00 + role 6.60 = 12.60 = 21 % of the 60.00 base exactly:
        // reached, not exceeded, so nothing is reduced and no note is written.
        let b = run(3, "10", "1", Some("21"), "0");
        assert_eq!(parts(&b), ["60.00", "6.00", "6.60", "0.00", "72.60"]);
        assert!(b.notes.is_empty(), "{:?}", b.notes);
        // One percent lower: the note gives the uncapped sum and the cap.
        let b = run(3, "10", "1", Some("20"), "0");
        assert_eq!(parts(&b), ["60.00", "6.00", "6.00", "0.00", "72.00"]);
        assert_eq!(
            b.notes,
            ["the combined bonus $12.60 is above the cap of 20% of base ($12.00); the role bonus was reduced first"]
        );
    }

    #[test]
    fn nodes_past_the_limit_are_shown_apart_not_paid() {
        // 26 nodes: the figures pay for 25 (20 × 25 = 500; 20 % = 100); the 26th's $20.00
        // base is shown apart.
        let b = run(26, "0", "1", None, "0");
        assert_eq!(parts(&b), ["500.00", "100.00", "0.00", "0.00", "600.00"]);
        assert_eq!((b.rewarded_nodes, b.excess_nodes), (25, 1));
        assert_eq!(b.excess_base.to_string(), "20.00");
        assert_eq!(b.warnings.len(), 1);
        assert!(
            b.warnings[0].contains("the figures count 25; the 1 past the limit"),
            "{}",
            b.warnings[0]
        );
        assert!(b.warnings[0].contains("$20.00, not in the total"));
        // 30 nodes over 2 months: 5 past the limit, 20 × 5 × 2 = 200 apart.
        let b = run(30, "0", "2", None, "0");
        assert_eq!(
            (b.rewarded_nodes, b.excess_nodes, b.excess_base.to_string()),
            (25, 5, "200.00".to_string())
        );
        assert_eq!(b.base.to_string(), "1000.00");
        // At the limit: everything paid, nothing apart.
        let b = run(25, "0", "1", None, "0");
        assert!(b.warnings.is_empty());
        assert_eq!(
            (b.rewarded_nodes, b.excess_nodes, b.excess_base),
            (25, 0, Decimal::ZERO)
        );
        assert_eq!(b.base.to_string(), "500.00");
    }

    #[test]
    fn bad_inputs_are_errors() {
        let rules = Ruleset::phase3();
        let mut i = RewardsInput::nodes(0);
        assert_eq!(compute(&i, &rules), Err(RewardsError::NoNodes));
        i.nodes = 3;
        i.role_bonus_pct = d("7");
        assert!(compute(&i, &rules)
            .unwrap_err()
            .to_string()
            .contains("0%, 5%, 10%"));
        i.role_bonus_pct = d("5");
        i.months = d("0");
        assert_eq!(compute(&i, &rules), Err(RewardsError::Months(d("0"))));
        i.months = d("1");
        i.bonus_cap_pct = Some(d("101"));
        assert_eq!(compute(&i, &rules), Err(RewardsError::Cap(d("101"))));
        i.bonus_cap_pct = None;
        i.rank_rewards = d("-1");
        assert_eq!(compute(&i, &rules), Err(RewardsError::RankRewards(d("-1"))));
        // The largest inputs compute (no overflow); one step beyond is refused.
        i.rank_rewards = d("1000000000000");
        assert_eq!(MAX_RANK_REWARDS, d("1000000000000"));
        i.months = d("1200");
        i.nodes = u32::MAX;
        let b = compute(&i, &rules).unwrap();
        assert_eq!(b.rank_rewards, d("1000000000000"));
        assert_eq!(
            b.base,
            d("600000"),
            "25 rewarded nodes × $20 = $500 a month, × 1200 months"
        );
        i.rank_rewards = d("1000000000000.01");
        assert_eq!(
            compute(&i, &rules),
            Err(RewardsError::RankRewards(d("1000000000000.01")))
        );
        i.rank_rewards = d("0");
        i.months = d("1200.0001");
        assert_eq!(
            compute(&i, &rules),
            Err(RewardsError::Months(d("1200.0001")))
        );
    }

    #[test]
    fn serialises_money_as_two_decimal_strings() {
        let json = serde_json::to_value(run(3, "10", "1", None, "0")).unwrap();
        assert_eq!(json["total"], "72.60");
        assert_eq!(json["base"], "60.00");
    }
}

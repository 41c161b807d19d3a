//! Property tests of the allocation (against a literal, spot-by-spot reading of the rules) and
//! of the leaderboard parser (never panics; what it accepts, it round-trips).

use std::collections::HashMap;

use cortensor_contest::leaderboard::{parse_any, Leaderboard, LeaderboardNode};
use cortensor_contest::rank::{allocate_spots, ScoredNode, TableRow};
use cortensor_contest::rules::Ruleset;
use proptest::prelude::*;
use rust_decimal::Decimal;

/// The rules read literally: for p = 1, 2, …, 150 scan every unplaced node in order and give
/// p to the first whose operator has allowance left in p's tier. Quadratic, obviously right.
fn reference(nodes: &[ScoredNode], rules: &Ruleset) -> Vec<TableRow> {
    let mut order: Vec<&ScoredNode> = nodes.iter().collect();
    order.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.node.to_lowercase().cmp(&b.node.to_lowercase()))
    });
    let mut placed = vec![false; order.len()];
    let mut passed = vec![false; order.len()];
    let mut used: HashMap<(u32, String), u32> = HashMap::new();
    let mut table = Vec::new();
    for p in 1..=rules.last_spot() {
        let tier = rules.tier_of(p).unwrap();
        let eligible = |i: usize| {
            tier.max_per_operator.is_none_or(|m| {
                used.get(&(tier.from, order[i].operator.clone()))
                    .copied()
                    .unwrap_or(0)
                    < m
            })
        };
        let pick = (0..order.len()).find(|&i| !placed[i] && eligible(i));
        // Higher-scored nodes skipped for this spot (all unplaced ones when it stays vacant)
        // were kept out by their operator's limit.
        for i in 0..pick.unwrap_or(order.len()) {
            if !placed[i] && !eligible(i) {
                passed[i] = true;
            }
        }
        if let Some(i) = pick {
            placed[i] = true;
            *used
                .entry((tier.from, order[i].operator.clone()))
                .or_insert(0) += 1;
            let n = order[i];
            table.push(TableRow {
                rank: p,
                node: n.node.clone(),
                operator: n.operator.clone(),
                score: n.score,
                reward: tier.reward,
                limited: passed[i].then(String::new),
            });
        }
    }
    let mut rank = rules.last_spot();
    for (i, n) in order.iter().enumerate() {
        if !placed[i] {
            rank += 1;
            table.push(TableRow {
                rank,
                node: n.node.clone(),
                operator: n.operator.clone(),
                score: n.score,
                reward: Decimal::ZERO,
                limited: passed[i].then(String::new),
            });
        }
    }
    table
}

fn nodes_strategy() -> impl Strategy<Value = Vec<ScoredNode>> {
    // Few operators and coarse scores, so limits bind and ties are common.
    (1usize..400).prop_flat_map(|n| {
        prop::collection::vec((0u32..12, 0u32..40, any::<bool>()), n).prop_map(|v| {
            v.into_iter()
                .enumerate()
                .map(|(i, (op, score, upper))| {
                    let hex = format!(
                        "{:040x}",
                        (i as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15) as u128
                    );
                    let hex = if upper { hex.to_uppercase() } else { hex };
                    ScoredNode {
                        node: format!("0x{hex}"),
                        operator: format!("op{op}"),
                        score: f64::from(score) / 2.0,
                    }
                })
                .collect()
        })
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    #[test]
    fn allocation_equals_the_literal_reading(nodes in nodes_strategy()) {
        let rules = Ruleset::phase3();
        // The same places, and a reason exactly on the rows the literal reading kept out of a
        // spot (the reason's words are checked in the unit tests).
        let mut got = allocate_spots(&nodes, &rules);
        for r in &mut got {
            r.limited = r.limited.take().map(|_| String::new());
        }
        prop_assert_eq!(got, reference(&nodes, &rules));
    }

    #[test]
    fn allocation_invariants(nodes in nodes_strategy()) {
        let rules = Ruleset::phase3();
        let table = allocate_spots(&nodes, &rules);
        // Every node exactly once; ranks strictly increasing.
        prop_assert_eq!(table.len(), nodes.len());
        prop_assert!(table.windows(2).all(|w| w[0].rank < w[1].rank));
        // Each operator within each tier's limit.
        let mut per: HashMap<(u32, &str), u32> = HashMap::new();
        for r in &table {
            if let Some(t) = rules.tier_of(r.rank) {
                let c = per.entry((t.from, r.operator.as_str())).or_insert(0);
                *c += 1;
                if let Some(m) = t.max_per_operator { prop_assert!(*c <= m); }
                prop_assert_eq!(r.reward, t.reward);
            } else {
                prop_assert_eq!(r.reward, Decimal::ZERO);
            }
        }
        // Within the rewarded range, a better node placed later must have been ineligible at
        // the earlier spot: its operator had used up that tier.
        let rewarded: Vec<&TableRow> = table.iter().filter(|r| r.rank <= rules.last_spot()).collect();
        for (i, a) in rewarded.iter().enumerate() {
            for b in &rewarded[i + 1..] {
                if b.score > a.score {
                    let t = rules.tier_of(a.rank).unwrap();
                    let used_before = rewarded[..i].iter().filter(|r| r.operator == b.operator && rules.tier_of(r.rank).unwrap().from == t.from).count() as u32;
                    prop_assert!(t.max_per_operator.is_some_and(|m| used_before >= m),
                        "{} (score {}) placed at {} although {} (score {}) was eligible", a.node, a.score, a.rank, b.node, b.score);
                }
            }
        }
    }

    #[test]
    fn parser_never_panics_on_arbitrary_text(text in ".{0,400}") {
        let _ = parse_any(&text);
    }

    #[test]
    fn parser_never_panics_on_json_shaped_garbage(
        score in prop_oneof![Just("1".to_string()), Just("-1".to_string()), Just("\"x\"".to_string()), Just("null".to_string()), Just("1e999".to_string()), Just("[]".to_string())],
        node in prop_oneof![Just("\"0x0000000000000000000000000000000000000001\"".to_string()), Just("\"\"".to_string()), Just("7".to_string())],
        extra in prop_oneof![Just("".to_string()), Just(", \"metrics\": {\"uptime\": 2}".to_string()), Just(", \"metrics\": null".to_string())],
    ) {
        let text = format!(r#"{{"nodes": [{{"node": {node}, "operator": "0x0000000000000000000000000000000000000002", "score": {score}{extra}}}]}}"#);
        let _ = parse_any(&text);
    }

    #[test]
    fn accepted_leaderboards_round_trip(scores in prop::collection::vec(0.0f64..1000.0, 1..50)) {
        let lb = Leaderboard { nodes: scores.iter().enumerate().map(|(i, s)| LeaderboardNode {
            node: format!("0x{:040x}", i + 1), operator: format!("0x{:040x}", 1000 + i % 3), score: Some(*s), metrics: None,
        }).collect() };
        let text = serde_json::to_string(&lb).unwrap();
        prop_assert_eq!(parse_any(&text).unwrap(), lb);
    }
}

/// Any decimal at all: from the smallest to the largest, any scale.
fn any_decimal() -> impl Strategy<Value = Decimal> {
    (
        any::<u32>(),
        any::<u32>(),
        any::<u32>(),
        any::<bool>(),
        0u32..=28,
    )
        .prop_map(|(lo, mid, hi, neg, scale)| Decimal::from_parts(lo, mid, hi, neg, scale))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// The rewards arithmetic never panics: any input is a breakdown or an error.
    #[test]
    fn rewards_never_panic_on_any_input(
        nodes in any::<u32>(),
        months in any_decimal(),
        rank in any_decimal(),
        cap in proptest::option::of(any_decimal()),
        role in prop_oneof![Just(Decimal::ZERO), Just(Decimal::from(5)), Just(Decimal::TEN), any_decimal()],
    ) {
        let rules = Ruleset::phase3();
        let input = cortensor_contest::rewards::RewardsInput {
            nodes,
            role_bonus_pct: role,
            months,
            bonus_cap_pct: cap,
            rank_rewards: rank,
        };
        if let Ok(b) = cortensor_contest::rewards::compute(&input, &rules) {
            prop_assert_eq!(b.total, b.base + b.multi_node_bonus + b.role_bonus + b.rank_rewards);
            prop_assert!(b.total >= Decimal::ZERO);
        }
    }
}

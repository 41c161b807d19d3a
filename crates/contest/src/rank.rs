//! Rank projection with per-operator spot limits.
//!
//! Spots 1, 2, 3, … are filled in order. Spot p goes to the highest-scored node not yet placed
//! whose operator has not used up its allowance in the tier containing p; if none is eligible the
//! spot stays vacant. After the last rewarded spot the remaining nodes get the following ranks in
//! score order, with no limit and no reward. Ties: higher score first, then node address
//! ascending, case-insensitive.

use std::collections::HashMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::leaderboard::{Leaderboard, LeaderboardNode};
use crate::rules::Ruleset;
use crate::score::node_score;

/// A node ready to be ranked.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredNode {
    pub node: String,
    pub operator: String,
    pub score: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TableRow {
    pub rank: u32,
    pub node: String,
    pub operator: String,
    pub score: f64,
    #[serde(with = "crate::money")]
    #[ts(type = "string")]
    pub reward: Decimal,
    /// Why the node sits lower than its score alone would put it: its operator had used up its
    /// spots in a tier (`None`: placed by score).
    #[serde(default)]
    pub limited: Option<String>,
}

/// Place every node: rewarded spots under the tier limits, then the rest in score order.
/// Returns the table in rank order; vacant spots are absent from it.
pub fn allocate_spots(nodes: &[ScoredNode], rules: &Ruleset) -> Vec<TableRow> {
    // Rank order: score descending, then node address ascending, case-insensitive.
    let keys: Vec<String> = nodes.iter().map(|n| n.node.to_ascii_lowercase()).collect();
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    order.sort_by(|&a, &b| {
        nodes[b]
            .score
            .total_cmp(&nodes[a].score)
            .then_with(|| keys[a].cmp(&keys[b]))
    });

    let mut table = Vec::with_capacity(nodes.len());
    let mut unplaced = order;
    // The last tier each node was passed over in, in words.
    let mut passed: HashMap<usize, String> = HashMap::new();
    // Within a tier an operator's count only grows, so a node passed over for spot p stays
    // ineligible for the rest of that tier: one pass over the unplaced nodes per tier suffices.
    for tier in &rules.rank.tiers {
        let mut used: HashMap<&str, u32> = HashMap::new();
        let mut next_spot = tier.from;
        let mut remaining = Vec::with_capacity(unplaced.len());
        for idx in unplaced {
            let n = &nodes[idx];
            if next_spot > tier.to {
                remaining.push(idx);
                continue;
            }
            let count = used.entry(n.operator.as_str()).or_insert(0);
            if tier.max_per_operator.is_none_or(|max| *count < max) {
                *count += 1;
                table.push(TableRow {
                    rank: next_spot,
                    node: n.node.clone(),
                    operator: n.operator.clone(),
                    score: n.score,
                    reward: tier.reward,
                    limited: passed.get(&idx).cloned(),
                });
                next_spot += 1;
            } else {
                // The last tier it was passed over in is the one that kept it out.
                passed.insert(
                    idx,
                    format!(
                        "its operator already had {} node{} in spots {}–{}",
                        *count,
                        if *count == 1 { "" } else { "s" },
                        tier.from,
                        tier.to
                    ),
                );
                remaining.push(idx);
            }
        }
        unplaced = remaining;
    }
    let mut rank = rules.last_spot();
    for idx in unplaced {
        rank += 1;
        let n = &nodes[idx];
        table.push(TableRow {
            rank,
            node: n.node.clone(),
            operator: n.operator.clone(),
            score: n.score,
            reward: Decimal::ZERO,
            limited: passed.get(&idx).cloned(),
        });
    }
    table
}

/// Rewarded spots left empty by the per-operator limits: the gaps below the last rewarded spot
/// that was filled (a short leaderboard's empty tail is not listed).
pub fn vacant_spots(table: &[TableRow], rules: &Ruleset) -> Vec<u32> {
    let last = rules.last_spot();
    let filled: std::collections::HashSet<u32> = table
        .iter()
        .map(|r| r.rank)
        .filter(|r| *r <= last)
        .collect();
    let highest = filled.iter().copied().max().unwrap_or(0);
    (1..highest).filter(|p| !filled.contains(p)).collect()
}

/// A metric a what-if can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum WhatIfField {
    Score,
    Uptime,
    Responsiveness,
    Throughput,
    PingMs,
    GlobalPingMs,
    Create,
    Prepare,
    Precommit,
    Commit,
    TasksCompleted,
    TaskAccuracy,
    BugReports,
}

impl WhatIfField {
    pub const ALL: [WhatIfField; 13] = [
        WhatIfField::Score,
        WhatIfField::Uptime,
        WhatIfField::Responsiveness,
        WhatIfField::Throughput,
        WhatIfField::PingMs,
        WhatIfField::GlobalPingMs,
        WhatIfField::Create,
        WhatIfField::Prepare,
        WhatIfField::Precommit,
        WhatIfField::Commit,
        WhatIfField::TasksCompleted,
        WhatIfField::TaskAccuracy,
        WhatIfField::BugReports,
    ];

    pub fn name(self) -> &'static str {
        match self {
            WhatIfField::Score => "score",
            WhatIfField::Uptime => "uptime",
            WhatIfField::Responsiveness => "responsiveness",
            WhatIfField::Throughput => "throughput",
            WhatIfField::PingMs => "ping_ms",
            WhatIfField::GlobalPingMs => "global_ping_ms",
            WhatIfField::Create => "create",
            WhatIfField::Prepare => "prepare",
            WhatIfField::Precommit => "precommit",
            WhatIfField::Commit => "commit",
            WhatIfField::TasksCompleted => "tasks_completed",
            WhatIfField::TaskAccuracy => "task_accuracy",
            WhatIfField::BugReports => "bug_reports",
        }
    }

    pub fn parse(s: &str) -> Option<WhatIfField> {
        WhatIfField::ALL.into_iter().find(|f| f.name() == s)
    }
}

/// "If node X had this value": applied to a copy of the leaderboard before scoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct WhatIf {
    pub node: String,
    pub field: WhatIfField,
    pub value: f64,
}

impl WhatIf {
    /// Parse `NODE:field=value`, e.g. `0xab…:uptime=0.999`.
    pub fn parse(text: &str) -> Result<WhatIf, String> {
        let usage = || {
            format!("'{text}' is not a what-if; write NODE:FIELD=VALUE, e.g. 0xab…:uptime=0.999")
        };
        let (node, rest) = text.split_once(':').ok_or_else(usage)?;
        let (field, value) = rest.split_once('=').ok_or_else(usage)?;
        let field = WhatIfField::parse(field.trim()).ok_or_else(|| {
            let names: Vec<&str> = WhatIfField::ALL.iter().map(|f| f.name()).collect();
            format!(
                "'{field}' is not a metric; use one of: {}",
                names.join(", ")
            )
        })?;
        let value: f64 = value
            .trim()
            .parse()
            .map_err(|_| format!("'{value}' in '{text}' is not a number"))?;
        Ok(WhatIf {
            node: node.trim().to_string(),
            field,
            value,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OperatorNode {
    pub node: String,
    /// `None`: the node is not on the leaderboard yet (unranked).
    pub rank: Option<u32>,
    pub score: Option<f64>,
    #[serde(with = "crate::money")]
    #[ts(type = "string")]
    pub reward: Decimal,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Projection {
    pub operator: String,
    pub nodes: Vec<OperatorNode>,
    #[serde(with = "crate::money")]
    #[ts(type = "string")]
    pub rank_rewards: Decimal,
    pub table: Vec<TableRow>,
    /// Rewarded spots nobody could take because of the per-operator limits.
    pub vacant_spots: Vec<u32>,
    /// The last rank the ruleset rewards.
    pub last_rewarded_rank: u32,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RankError {
    #[error("operator {operator} has no nodes on this leaderboard ({nodes} nodes from {operators} operators); check the address")]
    UnknownOperator {
        operator: String,
        nodes: usize,
        operators: usize,
    },
    #[error("'{0}' is not an address (0x followed by 40 hex digits)")]
    BadAddress(String),
    #[error("what-if: node {node} is not one of operator {operator}'s nodes on the leaderboard; what-ifs change your own nodes only")]
    WhatIfNotYours { node: String, operator: String },
    #[error("what-if: {node}'s score is given by the leaderboard, so its metrics do not change its rank; change `score` instead")]
    WhatIfScoreOnly { node: String },
    #[error("what-if: {field} = {value} is out of range ({range})")]
    WhatIfRange {
        field: &'static str,
        value: f64,
        range: &'static str,
    },
}

fn apply(n: &mut LeaderboardNode, w: &WhatIf) -> Result<(), RankError> {
    let range_err = |range| RankError::WhatIfRange {
        field: w.field.name(),
        value: w.value,
        range,
    };
    let fraction = matches!(
        w.field,
        WhatIfField::Uptime
            | WhatIfField::Responsiveness
            | WhatIfField::Create
            | WhatIfField::Prepare
            | WhatIfField::Precommit
            | WhatIfField::Commit
            | WhatIfField::TaskAccuracy
    );
    if !w.value.is_finite() || w.value < 0.0 {
        return Err(range_err("a number ≥ 0"));
    }
    if fraction && w.value > 1.0 {
        return Err(range_err("a fraction between 0 and 1"));
    }
    if w.field == WhatIfField::Score {
        n.score = Some(w.value);
        return Ok(());
    }
    if n.score.is_some() {
        return Err(RankError::WhatIfScoreOnly {
            node: n.node.clone(),
        });
    }
    let m = n.metrics.get_or_insert_with(Default::default);
    let v = Some(w.value);
    let sq = || m.state_quality.clone().unwrap_or_default();
    match w.field {
        WhatIfField::Score => unreachable!("handled above"),
        WhatIfField::Uptime => m.uptime = v,
        WhatIfField::Responsiveness => m.responsiveness = v,
        WhatIfField::Throughput => m.throughput = v,
        WhatIfField::PingMs => m.ping_ms = v,
        WhatIfField::GlobalPingMs => m.global_ping_ms = v,
        WhatIfField::TasksCompleted => m.tasks_completed = v,
        WhatIfField::TaskAccuracy => m.task_accuracy = v,
        WhatIfField::BugReports => m.bug_reports = v,
        WhatIfField::Create => {
            m.state_quality = Some(crate::leaderboard::StateQuality { create: v, ..sq() })
        }
        WhatIfField::Prepare => {
            m.state_quality = Some(crate::leaderboard::StateQuality { prepare: v, ..sq() })
        }
        WhatIfField::Precommit => {
            m.state_quality = Some(crate::leaderboard::StateQuality {
                precommit: v,
                ..sq()
            })
        }
        WhatIfField::Commit => {
            m.state_quality = Some(crate::leaderboard::StateQuality { commit: v, ..sq() })
        }
    }
    Ok(())
}

/// Score the leaderboard and rank it.
pub fn score_all(lb: &Leaderboard, rules: &Ruleset) -> Vec<ScoredNode> {
    lb.nodes
        .iter()
        .map(|n| ScoredNode {
            node: n.node.clone(),
            operator: n.operator.clone(),
            score: node_score(n, &rules.score),
        })
        .collect()
}

/// The operator of the user's own nodes on a board that publishes no operators (see
/// [`crate::leaderboard::regroup`]).
pub const YOUR_NODES: &str = "your nodes";

/// Project `operator`'s ranks and rank rewards, after applying `what_ifs` to its nodes.
/// `local_nodes` are the operator's nodes known to this machine; those not on the leaderboard
/// are listed unranked. `operator` is an address, or [`YOUR_NODES`] for the user's nodes
/// grouped by `regroup` (none of them on the board is then not an error: all are unranked).
pub fn project(
    lb: &Leaderboard,
    operator: &str,
    what_ifs: &[WhatIf],
    local_nodes: &[String],
    rules: &Ruleset,
) -> Result<Projection, RankError> {
    let grouped = operator == YOUR_NODES;
    if !grouped && !crate::leaderboard::is_address(operator) {
        return Err(RankError::BadAddress(operator.to_string()));
    }
    let mine = |addr: &str| addr.eq_ignore_ascii_case(operator);
    if !grouped && !lb.nodes.iter().any(|n| mine(&n.operator)) {
        let operators: std::collections::HashSet<String> = lb
            .nodes
            .iter()
            .map(|n| n.operator.to_ascii_lowercase())
            .collect();
        return Err(RankError::UnknownOperator {
            operator: operator.to_string(),
            nodes: lb.nodes.len(),
            operators: operators.len(),
        });
    }
    // What-ifs change copies of the operator's nodes only; several on one node accumulate.
    let mut changed: HashMap<usize, LeaderboardNode> = HashMap::new();
    for w in what_ifs {
        let i = lb
            .nodes
            .iter()
            .position(|n| n.node.eq_ignore_ascii_case(&w.node) && mine(&n.operator))
            .ok_or_else(|| RankError::WhatIfNotYours {
                node: w.node.clone(),
                operator: operator.to_string(),
            })?;
        apply(changed.entry(i).or_insert_with(|| lb.nodes[i].clone()), w)?;
    }
    let mut scored = score_all(lb, rules);
    for (i, n) in &changed {
        scored[*i].score = node_score(n, &rules.score);
    }
    let table = allocate_spots(&scored, rules);
    let vacant_spots = vacant_spots(&table, rules);
    let mut nodes: Vec<OperatorNode> = table
        .iter()
        .filter(|r| mine(&r.operator))
        .map(|r| OperatorNode {
            node: r.node.clone(),
            rank: Some(r.rank),
            score: Some(r.score),
            reward: r.reward,
        })
        .collect();
    for local in local_nodes {
        if !nodes.iter().any(|n| n.node.eq_ignore_ascii_case(local)) {
            nodes.push(OperatorNode {
                node: local.clone(),
                rank: None,
                score: None,
                reward: Decimal::ZERO,
            });
        }
    }
    let rank_rewards = nodes.iter().map(|n| n.reward).sum();
    Ok(Projection {
        operator: operator.to_string(),
        nodes,
        rank_rewards,
        table,
        vacant_spots,
        last_rewarded_rank: rules.rank.tiers.iter().map(|t| t.to).max().unwrap_or(0),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(prefix: char, i: usize) -> String {
        format!("0x{prefix}{i:039x}")
    }

    fn sn(node: &str, op: &str, score: f64) -> ScoredNode {
        ScoredNode {
            node: node.into(),
            operator: op.into(),
            score,
        }
    }

    #[test]
    fn one_operator_gets_one_spot_per_top_tier_then_ten() {
        // Operator A has the 40 best nodes; B has 200 weaker ones. Worked by hand:
        //   1–5 (1 each):     A0 → 1,  B0 → 2,  3–5 vacant
        //   6–10:             A1 → 6,  B1 → 7,  8–10 vacant
        //   11–20:            A2 → 11, B2 → 12, 13–20 vacant
        //   21–30:            A3 → 21, B3 → 22, 23–30 vacant
        //   31–100 (10 each): A4–A13 → 31–40, B4–B13 → 41–50, 51–100 vacant
        //   101–150 (no limit): A14–A39 → 101–126, B14–B37 → 127–150
        //   then B38–B199 → 151–312, unrewarded.
        let mut nodes = Vec::new();
        for i in 0..40 {
            nodes.push(sn(&addr('a', i), "opA", 1000.0 - i as f64));
        }
        for i in 0..200 {
            nodes.push(sn(&addr('b', i), "opB", 500.0 - i as f64));
        }
        let rules = crate::rules::Ruleset::phase3();
        let table = allocate_spots(&nodes, &rules);
        let a_ranks: Vec<u32> = table
            .iter()
            .filter(|r| r.operator == "opA")
            .map(|r| r.rank)
            .collect();
        let mut expected = vec![1, 6, 11, 21];
        expected.extend(31..=40);
        expected.extend(101..=126);
        assert_eq!(a_ranks, expected);
        assert_eq!(table.len(), 240);
        assert_eq!(table.last().unwrap().rank, 312);
        for vacant in [3..=5, 8..=10, 13..=20, 23..=30, 51..=100] {
            assert!(table.iter().all(|r| !vacant.contains(&r.rank)));
        }
        // A's rewards: 50 + 35 + 25 + 15 + 10 × 10 + 26 × 5 = 355.
        let a_reward: Decimal = table
            .iter()
            .filter(|r| r.operator == "opA")
            .map(|r| r.reward)
            .sum();
        assert_eq!(a_reward, Decimal::new(355, 0));
        let at = |rank| table.iter().find(|r| r.rank == rank).unwrap().node.clone();
        assert_eq!(at(2), addr('b', 0));
        assert_eq!(at(41), addr('b', 4));
        assert_eq!(at(127), addr('b', 14));
        assert_eq!(at(151), addr('b', 38));
        assert_eq!(
            table.iter().find(|r| r.rank == 151).unwrap().reward,
            Decimal::ZERO
        );
        // Why each node sits where it does: A0 and B0 by score; A1 was kept out of 1–5 (A had
        // spot 1); A4 last of 21–30 (A had 21); A14 of 31–100 (A had 10 there); B38 too (B
        // had 10 there), then ranked after the rewarded spots.
        let why = |node: String| {
            table
                .iter()
                .find(|r| r.node == node)
                .unwrap()
                .limited
                .clone()
        };
        assert_eq!(why(addr('a', 0)), None);
        assert_eq!(why(addr('b', 0)), None);
        assert_eq!(
            why(addr('a', 1)).as_deref(),
            Some("its operator already had 1 node in spots 1–5")
        );
        assert_eq!(
            why(addr('a', 4)).as_deref(),
            Some("its operator already had 1 node in spots 21–30")
        );
        assert_eq!(
            why(addr('a', 14)).as_deref(),
            Some("its operator already had 10 nodes in spots 31–100")
        );
        assert_eq!(
            why(addr('b', 38)).as_deref(),
            Some("its operator already had 10 nodes in spots 31–100")
        );
    }

    #[test]
    fn spots_stay_vacant_when_nobody_is_eligible() {
        // Two operators, three nodes each: tier 1–5 can seat only one node of each.
        let nodes: Vec<ScoredNode> = (0..6)
            .map(|i| {
                sn(
                    &addr('c', i),
                    if i % 2 == 0 { "x" } else { "y" },
                    90.0 - i as f64,
                )
            })
            .collect();
        let table = allocate_spots(&nodes, &crate::rules::Ruleset::phase3());
        let ranks: Vec<u32> = table.iter().map(|r| r.rank).collect();
        // 1: x0, 2: y1, (3–5 vacant), 6: x2, 7: y3, (8–10 vacant), 11: x4, 12: y5.
        assert_eq!(ranks, vec![1, 2, 6, 7, 11, 12]);
        assert_eq!(table[2].node, addr('c', 2));
    }

    #[test]
    fn ties_break_by_address_case_insensitively() {
        let nodes = vec![
            sn("0xBB", "o1", 5.0),
            sn("0xaa", "o2", 5.0),
            sn("0xAb", "o3", 5.0),
            sn("0xcc", "o4", 6.0),
        ];
        let table = allocate_spots(&nodes, &crate::rules::Ruleset::phase3());
        let order: Vec<&str> = table.iter().map(|r| r.node.as_str()).collect();
        assert_eq!(order, vec!["0xcc", "0xaa", "0xAb", "0xBB"]);
    }

    fn lb(entries: &[(&str, &str, f64)]) -> Leaderboard {
        Leaderboard {
            nodes: entries
                .iter()
                .map(|(n, o, s)| LeaderboardNode {
                    node: n.to_string(),
                    operator: o.to_string(),
                    score: Some(*s),
                    metrics: None,
                })
                .collect(),
        }
    }

    #[test]
    fn the_users_grouped_nodes_rank_under_the_per_operator_limits() {
        // A board without operators: every node its own operator, until the user's are grouped.
        let (n1, n2) = (addr('1', 0), addr('2', 0));
        let mut board = lb(&[
            (&addr('9', 0), &addr('9', 0), 90.0),
            (&n1, &n1, 80.0),
            (&n2, &n2, 70.0),
        ]);
        let rules = crate::rules::Ruleset::phase3();
        // Ungrouped, n2 would take spot 3; grouped with n1 it cannot (one of spots 1–5 each).
        crate::leaderboard::regroup(
            &mut board,
            &[n1.clone(), n2.clone()],
            YOUR_NODES,
            &Default::default(),
        );
        let p = project(&board, YOUR_NODES, &[], &[n1.clone(), n2.clone()], &rules).unwrap();
        let ranks: Vec<Option<u32>> = p.nodes.iter().map(|n| n.rank).collect();
        assert_eq!(ranks, vec![Some(2), Some(6)]);
        assert_eq!(p.operator, YOUR_NODES);
        // None of the user's nodes on the board yet: listed unranked, not an error.
        let other = lb(&[(&addr('9', 0), &addr('9', 0), 90.0)]);
        let p = project(&other, YOUR_NODES, &[], &[n1.clone()], &rules).unwrap();
        assert_eq!(
            (p.nodes.len(), p.nodes[0].rank, p.rank_rewards),
            (1, None, Decimal::ZERO)
        );
        // Any other non-address is still refused.
        assert!(matches!(
            project(&other, "you", &[], &[], &rules),
            Err(RankError::BadAddress(_))
        ));
    }

    #[test]
    fn projection_reports_own_nodes_and_what_if() {
        let me = addr('e', 1);
        let (n1, n2, other) = (addr('1', 0), addr('2', 0), addr('9', 0));
        let board = lb(&[
            (&other, &addr('f', 0), 90.0),
            (&n1, &me, 80.0),
            (&n2, &me, 70.0),
        ]);
        let rules = crate::rules::Ruleset::phase3();
        let p = project(&board, &me, &[], &[addr('3', 0)], &rules).unwrap();
        // n1 is spot 2 ($50); n2 cannot take spot 3 (me already holds one of 1–5) → spot 6 ($35).
        let ranks: Vec<Option<u32>> = p.nodes.iter().map(|n| n.rank).collect();
        assert_eq!(ranks, vec![Some(2), Some(6), None]);
        assert_eq!(p.rank_rewards, Decimal::new(85, 0));
        assert_eq!(p.vacant_spots, vec![3, 4, 5]);
        // Phase #3 rewards ranks 1–150 (the seed's last tier).
        assert_eq!(p.last_rewarded_rank, 150);
        // What if n2 scored 95: n2 takes spot 1, n1 drops to 6.
        let w = WhatIf {
            node: n2.clone(),
            field: WhatIfField::Score,
            value: 95.0,
        };
        let p = project(
            &board,
            &me.to_uppercase().replace("0X", "0x"),
            &[w],
            &[],
            &rules,
        )
        .unwrap();
        assert_eq!(
            (p.nodes[0].node.as_str(), p.nodes[0].rank),
            (n2.as_str(), Some(1))
        );
        assert_eq!(
            (p.nodes[1].node.as_str(), p.nodes[1].rank),
            (n1.as_str(), Some(6))
        );
    }

    #[test]
    fn projection_errors() {
        let me = addr('e', 1);
        let board = lb(&[
            (&addr('1', 0), &me, 80.0),
            (&addr('9', 0), &addr('f', 0), 90.0),
        ]);
        let rules = crate::rules::Ruleset::phase3();
        let err = project(&board, &addr('d', 0), &[], &[], &rules).unwrap_err();
        assert!(
            err.to_string().contains("2 nodes from 2 operators"),
            "{err}"
        );
        assert!(matches!(
            project(&board, "bob", &[], &[], &rules),
            Err(RankError::BadAddress(_))
        ));
        let not_mine = WhatIf {
            node: addr('9', 0),
            field: WhatIfField::Score,
            value: 1.0,
        };
        assert!(matches!(
            project(&board, &me, &[not_mine], &[], &rules),
            Err(RankError::WhatIfNotYours { .. })
        ));
        let metric_on_score = WhatIf {
            node: addr('1', 0),
            field: WhatIfField::Uptime,
            value: 0.9,
        };
        assert!(matches!(
            project(&board, &me, &[metric_on_score], &[], &rules),
            Err(RankError::WhatIfScoreOnly { .. })
        ));
        let out_of_range = WhatIf {
            node: addr('1', 0),
            field: WhatIfField::Score,
            value: -1.0,
        };
        assert!(matches!(
            project(&board, &me, &[out_of_range], &[], &rules),
            Err(RankError::WhatIfRange { .. })
        ));
    }

    #[test]
    fn what_ifs_on_one_node_accumulate() {
        use crate::leaderboard::{Metrics, StateQuality};
        let me = addr('e', 1);
        let m = Metrics {
            uptime: Some(0.5),
            state_quality: Some(StateQuality {
                create: Some(0.5),
                prepare: Some(0.5),
                precommit: Some(0.5),
                commit: Some(0.5),
            }),
            ..Metrics::default()
        };
        let board = Leaderboard {
            nodes: vec![LeaderboardNode {
                node: addr('1', 0),
                operator: me.clone(),
                score: None,
                metrics: Some(m.clone()),
            }],
        };
        let rules = crate::rules::Ruleset::phase3();
        let ws = [
            WhatIf {
                node: addr('1', 0),
                field: WhatIfField::Uptime,
                value: 1.0,
            },
            WhatIf {
                node: addr('1', 0),
                field: WhatIfField::Commit,
                value: 1.0,
            },
        ];
        let p = project(&board, &me, &ws, &[], &rules).unwrap();
        let mut expected = m.clone();
        expected.uptime = Some(1.0);
        expected.state_quality.as_mut().unwrap().commit = Some(1.0);
        let want = crate::score::score_metrics(&expected, &rules.score).unwrap();
        // (20 × 1 + 30 × 0.625) / 50 = 0.775
        assert!((want - 77.5).abs() < 1e-9, "{want}");
        assert_eq!(p.nodes[0].score, Some(want));

        // Every state's what-if lands in its own field (each raises the score: none is lost).
        let mut ws = ws.to_vec();
        for (field, value) in [
            (WhatIfField::Create, 1.0),
            (WhatIfField::Prepare, 0.9),
            (WhatIfField::Precommit, 0.8),
        ] {
            ws.push(WhatIf {
                node: addr('1', 0),
                field,
                value,
            });
        }
        let p = project(&board, &me, &ws, &[], &rules).unwrap();
        let sq = expected.state_quality.as_mut().unwrap();
        sq.create = Some(1.0);
        sq.prepare = Some(0.9);
        sq.precommit = Some(0.8);
        // State quality: (1 + 0.9 + 0.8 + 1) / 4 = 0.925; (20 × 1 + 30 × 0.925) / 50 = 0.955.
        let want = crate::score::score_metrics(&expected, &rules.score).unwrap();
        assert!((want - 95.5).abs() < 1e-9, "{want}");
        assert_eq!(p.nodes[0].score, Some(want));
        // Zero is a value like any other (the bound is below it).
        let zero = WhatIf {
            node: addr('1', 0),
            field: WhatIfField::Uptime,
            value: 0.0,
        };
        assert!(project(&board, &me, &[zero], &[], &rules).is_ok());
    }

    #[test]
    fn what_if_parses() {
        let w = WhatIf::parse("0xab:uptime=0.999").unwrap();
        assert_eq!(
            (w.node.as_str(), w.field, w.value),
            ("0xab", WhatIfField::Uptime, 0.999)
        );
        assert!(WhatIf::parse("0xab-uptime")
            .unwrap_err()
            .contains("NODE:FIELD=VALUE"));
        assert!(WhatIf::parse("0xab:speed=1")
            .unwrap_err()
            .contains("uptime"));
        assert!(WhatIf::parse("0xab:uptime=lots")
            .unwrap_err()
            .contains("not a number"));
    }
}

//! The estimated score (0–100) of a node from its raw metrics, by the ruleset's weights.
//!
//! Each metric family is normalised to 0..1 (see `[score.normalisation]` in the ruleset):
//! fractions as they are, throughput / tasks / bug reports against a target (capped at 1),
//! pings linearly from 1 at "best" to 0 at "worst" (lower is better), state quality as the
//! weighted mean of the four state success rates. Then
//! `score = 100 × Σ weight × value / Σ weight` over the families the node has.
//! Families a source does not publish are left out of both sums.

use crate::leaderboard::{LeaderboardNode, Metrics};
use crate::rules::ScoreRules;

fn ratio(x: f64, target: f64) -> f64 {
    (x / target).clamp(0.0, 1.0)
}

fn lower_is_better(x: f64, best: f64, worst: f64) -> f64 {
    ((worst - x) / (worst - best)).clamp(0.0, 1.0)
}

/// The score of raw metrics, or `None` when no family is present.
pub fn score_metrics(m: &Metrics, rules: &ScoreRules) -> Option<f64> {
    let w = &rules.weights;
    let n = &rules.normalisation;
    let mut families: Vec<(f64, f64)> = Vec::with_capacity(8);
    let mut add = |weight: f64, value: Option<f64>| {
        if let Some(v) = value {
            families.push((weight, v));
        }
    };
    add(w.uptime, m.uptime.map(|x| x.clamp(0.0, 1.0)));
    add(
        w.responsiveness,
        m.responsiveness.map(|x| x.clamp(0.0, 1.0)),
    );
    add(
        w.throughput,
        m.throughput.map(|x| ratio(x, n.throughput_target)),
    );
    add(
        w.ping,
        m.ping_ms
            .map(|x| lower_is_better(x, n.ping_best_ms, n.ping_worst_ms)),
    );
    add(
        w.global_ping,
        m.global_ping_ms
            .map(|x| lower_is_better(x, n.global_ping_best_ms, n.global_ping_worst_ms)),
    );
    let state = m.state_quality.as_ref().and_then(|sq| {
        let sw = &rules.state_weights;
        let parts = [
            (sw.create, sq.create),
            (sw.prepare, sq.prepare),
            (sw.precommit, sq.precommit),
            (sw.commit, sq.commit),
        ];
        weighted_mean(
            parts
                .iter()
                .filter_map(|(w, v)| v.map(|v| (*w, v.clamp(0.0, 1.0)))),
        )
    });
    add(w.state_quality, state);
    let tasks = match (m.tasks_completed, m.task_accuracy) {
        (Some(c), Some(a)) => Some(
            n.tasks_accuracy_share * a.clamp(0.0, 1.0)
                + (1.0 - n.tasks_accuracy_share) * ratio(c, n.tasks_target),
        ),
        (Some(c), None) => Some(ratio(c, n.tasks_target)),
        (None, Some(a)) => Some(a.clamp(0.0, 1.0)),
        (None, None) => None,
    };
    add(w.tasks, tasks);
    add(
        w.bug_reports,
        m.bug_reports.map(|x| ratio(x, n.bug_reports_target)),
    );
    weighted_mean(families.into_iter()).map(|v| v * 100.0)
}

fn weighted_mean(parts: impl Iterator<Item = (f64, f64)>) -> Option<f64> {
    let (mut num, mut den) = (0.0, 0.0);
    for (w, v) in parts {
        num += w * v;
        den += w;
    }
    (den > 0.0).then(|| num / den)
}

/// The node's score: as given when present, else from its metrics (0 when it has none usable).
pub fn node_score(n: &LeaderboardNode, rules: &ScoreRules) -> f64 {
    n.score
        .or_else(|| n.metrics.as_ref().and_then(|m| score_metrics(m, rules)))
        .unwrap_or(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::leaderboard::StateQuality;
    use crate::rules::Ruleset;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    fn example() -> Metrics {
        Metrics {
            uptime: Some(0.998),
            responsiveness: Some(0.97),
            throughput: Some(120.0),
            ping_ms: Some(45.0),
            global_ping_ms: Some(180.0),
            state_quality: Some(StateQuality {
                create: Some(0.99),
                prepare: Some(0.98),
                precommit: Some(0.97),
                commit: Some(0.99),
            }),
            tasks_completed: Some(1520.0),
            task_accuracy: Some(0.995),
            bug_reports: Some(2.0),
        }
    }

    #[test]
    fn the_issue_example_scores_as_worked_by_hand() {
        // Phase #3 weights (sum 100) and normalisation, family by family:
        //   uptime         20   × 0.998                       = 19.96
        //   responsiveness 10   × 0.97                        =  9.7
        //   throughput      5   × min(120/100, 1) = 1         =  5
        //   ping            7.5 × (1000-45)/(1000-20) = 955/980
        //   global ping     7.5 × (2000-180)/(2000-50) = 1820/1950
        //   state          30   × (0.99+0.98+0.97+0.99)/4 = 0.9825 → 29.475
        //   tasks          15   × (0.5×0.995 + 0.5×1)  = 0.9975 → 14.9625
        //   bug reports     5   × 2/5 = 0.4                   =  2
        let expected = 19.96
            + 9.7
            + 5.0
            + 7.5 * 955.0 / 980.0
            + 7.5 * 1820.0 / 1950.0
            + 29.475
            + 14.9625
            + 2.0;
        let got = score_metrics(&example(), &Ruleset::phase3().score).unwrap();
        assert!(close(got, expected), "{got} vs {expected}");
        // = 34.66 + 7.3087 + 7.0 + 29.475 + 14.9625 + 2 ≈ 95.406
        assert!((got - 95.406).abs() < 1e-3, "{got}");
    }

    #[test]
    fn missing_families_are_left_out_of_both_sums() {
        // Only state quality: score = 100 × the state mean, whatever its weight.
        let m = Metrics {
            state_quality: Some(StateQuality {
                create: Some(0.9),
                prepare: Some(1.0),
                precommit: Some(0.75),
                commit: None,
            }),
            ..Metrics::default()
        };
        let got = score_metrics(&m, &Ruleset::phase3().score).unwrap();
        assert!(close(got, 100.0 * (0.9 + 1.0 + 0.75) / 3.0), "{got}");
        assert_eq!(
            score_metrics(&Metrics::default(), &Ruleset::phase3().score),
            None
        );
    }

    #[test]
    fn pings_are_lower_is_better_and_clamped() {
        let rules = Ruleset::phase3().score;
        let with_ping = |ms| {
            score_metrics(
                &Metrics {
                    ping_ms: Some(ms),
                    ..Metrics::default()
                },
                &rules,
            )
            .unwrap()
        };
        assert!(close(with_ping(10.0), 100.0));
        assert!(close(with_ping(20.0), 100.0));
        assert!(close(with_ping(510.0), 50.0));
        assert!(close(with_ping(5000.0), 0.0));
        assert!(with_ping(100.0) > with_ping(200.0));
    }

    #[test]
    fn given_score_wins_over_metrics() {
        let n = LeaderboardNode {
            node: "x".into(),
            operator: "y".into(),
            score: Some(12.5),
            metrics: Some(example()),
        };
        assert_eq!(node_score(&n, &Ruleset::phase3().score), 12.5);
    }
}

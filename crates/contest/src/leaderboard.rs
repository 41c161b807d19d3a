//! The leaderboard model and its two readers.
//!
//! * [`parse_normalised`] reads the app's own, documented format (`{"nodes": [...]}`), strictly:
//!   a missing or out-of-range field is an error that names the entry and the field.
//! * [`dashboard::adapt`] maps the dashboards' JSON (the flat `/leaderboard` lists and
//!   `/leaderboard-by-address`, where `miner` is the node) into the same model, each node its
//!   own operator; [`regroup`] then groups the nodes the user knows. That JSON is undocumented
//!   and changes per network, so everything that knows it lives in that one module; the rest of
//!   the app only sees [`Leaderboard`].
//!
//! [`parse_any`] picks the reader from the shape of the document.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Leaderboard {
    pub nodes: Vec<LeaderboardNode>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct LeaderboardNode {
    pub node: String,
    pub operator: String,
    /// When present it is the node's score, used as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub score: Option<f64>,
    /// Raw metrics, scored by the ruleset's weights when `score` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub metrics: Option<Metrics>,
}

/// Raw metrics of a node. In the normalised format every field is required; the dashboard
/// adapter leaves out what the dashboard does not publish, and scoring skips missing families.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Metrics {
    /// Fraction of time up, 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub uptime: Option<f64>,
    /// Fraction of requests answered in time, 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub responsiveness: Option<f64>,
    /// Tasks per hour, ≥ 0.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub throughput: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub ping_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub global_ping_ms: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub state_quality: Option<StateQuality>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub tasks_completed: Option<f64>,
    /// Fraction of tasks answered correctly, 0–1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub task_accuracy: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub bug_reports: Option<f64>,
}

/// Success rate (0–1) in each state of the session state machine.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct StateQuality {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub create: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub prepare: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub precommit: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub commit: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LeaderboardError {
    #[error("the leaderboard is not valid JSON: {0}")]
    Json(String),
    #[error("the leaderboard has a wrong value at `{path}`: {message}")]
    Field { path: String, message: String },
    #[error("the leaderboard lists node {node} twice (at `nodes[{first}]` and `nodes[{second}]`); remove the duplicate")]
    Duplicate {
        node: String,
        first: usize,
        second: usize,
    },
    #[error("the leaderboard has no nodes")]
    Empty,
    #[error("this document is not a leaderboard this app knows: {0}")]
    UnknownShape(String),
}

fn field_err(path: impl Into<String>, message: impl Into<String>) -> LeaderboardError {
    LeaderboardError::Field {
        path: path.into(),
        message: message.into(),
    }
}

/// `0x` followed by 40 hex digits.
pub fn is_address(s: &str) -> bool {
    s.len() == 42 && s.starts_with("0x") && s[2..].bytes().all(|b| b.is_ascii_hexdigit())
}

/// Parse any supported leaderboard document (normalised or dashboard).
pub fn parse_any(text: &str) -> Result<Leaderboard, LeaderboardError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| LeaderboardError::Json(e.to_string()))?;
    match &value {
        serde_json::Value::Object(o) if o.contains_key("nodes") => parse_normalised_value(value),
        serde_json::Value::Array(_) => dashboard::adapt(value),
        _ => Err(LeaderboardError::UnknownShape(
            "this is not a leaderboard: expected an object with a `nodes` list, or one of the dashboard's lists of nodes".into(),
        )),
    }
}

/// Parse the normalised format strictly.
pub fn parse_normalised(text: &str) -> Result<Leaderboard, LeaderboardError> {
    let value: serde_json::Value =
        serde_json::from_str(text).map_err(|e| LeaderboardError::Json(e.to_string()))?;
    parse_normalised_value(value)
}

fn parse_normalised_value(value: serde_json::Value) -> Result<Leaderboard, LeaderboardError> {
    let lb: Leaderboard = serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        field_err(path, e.into_inner().to_string())
    })?;
    for (i, n) in lb.nodes.iter().enumerate() {
        let at = format!("nodes[{i}]");
        if n.score.is_none() && n.metrics.is_none() {
            return Err(field_err(
                at,
                "has neither `score` nor `metrics`; give one of them",
            ));
        }
        if let Some(m) = &n.metrics {
            require_all_metrics(m, &format!("{at}.metrics"))?;
        }
    }
    validate(&lb)?;
    Ok(lb)
}

fn require_all_metrics(m: &Metrics, at: &str) -> Result<(), LeaderboardError> {
    let missing = |name: &str| field_err(format!("{at}.{name}"), "is missing");
    let top: [(&str, bool); 8] = [
        ("uptime", m.uptime.is_some()),
        ("responsiveness", m.responsiveness.is_some()),
        ("throughput", m.throughput.is_some()),
        ("ping_ms", m.ping_ms.is_some()),
        ("global_ping_ms", m.global_ping_ms.is_some()),
        ("tasks_completed", m.tasks_completed.is_some()),
        ("task_accuracy", m.task_accuracy.is_some()),
        ("bug_reports", m.bug_reports.is_some()),
    ];
    if let Some((name, _)) = top.iter().find(|(_, present)| !present) {
        return Err(missing(name));
    }
    let sq = m
        .state_quality
        .as_ref()
        .ok_or_else(|| missing("state_quality"))?;
    for (name, v) in [
        ("create", sq.create),
        ("prepare", sq.prepare),
        ("precommit", sq.precommit),
        ("commit", sq.commit),
    ] {
        if v.is_none() {
            return Err(missing(&format!("state_quality.{name}")));
        }
    }
    Ok(())
}

/// Checks every reader's output: addresses, value ranges, duplicates.
pub fn validate(lb: &Leaderboard) -> Result<(), LeaderboardError> {
    if lb.nodes.is_empty() {
        return Err(LeaderboardError::Empty);
    }
    let mut seen: HashMap<String, usize> = HashMap::with_capacity(lb.nodes.len());
    for (i, n) in lb.nodes.iter().enumerate() {
        let at = format!("nodes[{i}]");
        for (name, addr) in [("node", &n.node), ("operator", &n.operator)] {
            if !is_address(addr) {
                return Err(field_err(
                    format!("{at}.{name}"),
                    format!("'{addr}' is not an address (0x followed by 40 hex digits)"),
                ));
            }
        }
        if let Some(s) = n.score {
            if !s.is_finite() || s < 0.0 {
                return Err(field_err(
                    format!("{at}.score"),
                    format!("{s} must be a number ≥ 0"),
                ));
            }
        }
        if let Some(m) = &n.metrics {
            validate_metrics(m, &format!("{at}.metrics"))?;
        }
        if let Some(first) = seen.insert(n.node.to_ascii_lowercase(), i) {
            return Err(LeaderboardError::Duplicate {
                node: n.node.clone(),
                first,
                second: i,
            });
        }
    }
    Ok(())
}

fn validate_metrics(m: &Metrics, at: &str) -> Result<(), LeaderboardError> {
    let fraction = |name: &str, v: Option<f64>| -> Result<(), LeaderboardError> {
        match v {
            Some(x) if !(x.is_finite() && (0.0..=1.0).contains(&x)) => Err(field_err(
                format!("{at}.{name}"),
                format!("{x} must be a fraction between 0 and 1"),
            )),
            _ => Ok(()),
        }
    };
    let non_negative = |name: &str, v: Option<f64>| -> Result<(), LeaderboardError> {
        match v {
            Some(x) if !(x.is_finite() && x >= 0.0) => Err(field_err(
                format!("{at}.{name}"),
                format!("{x} must be a number ≥ 0"),
            )),
            _ => Ok(()),
        }
    };
    fraction("uptime", m.uptime)?;
    fraction("responsiveness", m.responsiveness)?;
    non_negative("throughput", m.throughput)?;
    non_negative("ping_ms", m.ping_ms)?;
    non_negative("global_ping_ms", m.global_ping_ms)?;
    non_negative("tasks_completed", m.tasks_completed)?;
    fraction("task_accuracy", m.task_accuracy)?;
    non_negative("bug_reports", m.bug_reports)?;
    if let Some(sq) = &m.state_quality {
        fraction("state_quality.create", sq.create)?;
        fraction("state_quality.prepare", sq.prepare)?;
        fraction("state_quality.precommit", sq.precommit)?;
        fraction("state_quality.commit", sq.commit)?;
    }
    Ok(())
}

/// The adapter from the dashboard's JSON to [`Leaderboard`]. See ARCHITECTURE.md, "Leaderboard boundary".
pub mod dashboard {
    //! The dashboards' JSON, as community code reads it (no sample is published upstream; see
    //! `shared/upstream/leaderboard-shapes.md` in the steering repository). In every shape the
    //! top-level `miner` is the **node** address; no endpoint publishes operators, so each node is
    //! its own operator here until [`super::regroup`] groups the user's nodes.
    //!
    //! * `/leaderboard` (lb-be-5): a flat list of node rows with point/counter pairs; several
    //!   rows for one node are summed, as community readers do.
    //! * `/leaderboard-by-address`: a list of `{miner, nodes: [row]}`; only `nodes[0]` is read.
    //! * `/leaderboard` (db-be-7): a list in rank order with `qualitative.totalScore`, used as
    //!   the score.
    use super::*;

    /// One node row (camelCase point/counter pairs). Unknown fields are ignored: the dashboard
    /// adds fields between networks.
    #[derive(Debug, Default, Clone, Deserialize)]
    struct Row {
        #[serde(default, rename = "createPoint")]
        create_point: Option<f64>,
        #[serde(default, rename = "createCounter")]
        create_counter: Option<f64>,
        #[serde(default, rename = "preparePoint")]
        prepare_point: Option<f64>,
        #[serde(default, rename = "prepareCounter")]
        prepare_counter: Option<f64>,
        #[serde(default, rename = "precommitPoint")]
        precommit_point: Option<f64>,
        #[serde(default, rename = "precommitCounter")]
        precommit_counter: Option<f64>,
        #[serde(default, rename = "commitPoint")]
        commit_point: Option<f64>,
        #[serde(default, rename = "commitCounter")]
        commit_counter: Option<f64>,
        #[serde(default, rename = "correctnessPoint")]
        correctness_point: Option<f64>,
    }

    impl Row {
        fn add(&mut self, o: &Row) {
            let sum = |a: &mut Option<f64>, b: Option<f64>| {
                if let Some(b) = b {
                    *a = Some(a.unwrap_or(0.0) + b);
                }
            };
            sum(&mut self.create_point, o.create_point);
            sum(&mut self.create_counter, o.create_counter);
            sum(&mut self.prepare_point, o.prepare_point);
            sum(&mut self.prepare_counter, o.prepare_counter);
            sum(&mut self.precommit_point, o.precommit_point);
            sum(&mut self.precommit_counter, o.precommit_counter);
            sum(&mut self.commit_point, o.commit_point);
            sum(&mut self.commit_counter, o.commit_counter);
            sum(&mut self.correctness_point, o.correctness_point);
        }

        fn metrics(&self) -> Metrics {
            Metrics {
                state_quality: Some(StateQuality {
                    create: rate(self.create_point, self.create_counter),
                    prepare: rate(self.prepare_point, self.prepare_counter),
                    precommit: rate(self.precommit_point, self.precommit_counter),
                    commit: rate(self.commit_point, self.commit_counter),
                }),
                tasks_completed: self.commit_point.filter(|v| *v >= 0.0),
                task_accuracy: rate(self.correctness_point, self.commit_counter),
                ..Metrics::default()
            }
        }
    }

    /// points / counter, clamped to 0–1; `None` when the state was never assigned.
    fn rate(points: Option<f64>, counter: Option<f64>) -> Option<f64> {
        match (points, counter) {
            (Some(p), Some(c)) if c > 0.0 && p >= 0.0 => Some((p / c).min(1.0)),
            _ => None,
        }
    }

    const ROW_FIELDS: [&str; 9] = [
        "createPoint",
        "createCounter",
        "preparePoint",
        "prepareCounter",
        "precommitPoint",
        "precommitCounter",
        "commitPoint",
        "commitCounter",
        "correctnessPoint",
    ];

    fn miner(el: &serde_json::Value, at: &str) -> Result<String, LeaderboardError> {
        let m = el.get("miner").and_then(|m| m.as_str()).ok_or_else(|| {
            field_err(
                format!("{at}.miner"),
                "missing: expected the node's address",
            )
        })?;
        if !is_address(m) {
            return Err(field_err(
                format!("{at}.miner"),
                format!("'{m}' is not an address"),
            ));
        }
        Ok(m.to_ascii_lowercase())
    }

    fn row(el: &serde_json::Value, at: &str) -> Result<Row, LeaderboardError> {
        serde_path_to_error::deserialize(el.clone())
            .map_err(|e| field_err(format!("{at}.{}", e.path()), e.into_inner().to_string()))
    }

    /// A node that is its own operator (none is published).
    fn node(addr: String, score: Option<f64>, metrics: Option<Metrics>) -> LeaderboardNode {
        LeaderboardNode {
            operator: addr.clone(),
            node: addr,
            score,
            metrics,
        }
    }

    /// Map any of the dashboards' lists (see the module's documentation).
    pub fn adapt(value: serde_json::Value) -> Result<Leaderboard, LeaderboardError> {
        let not_a_board = || {
            LeaderboardError::UnknownShape(
                "this is not a leaderboard: expected the dashboard's list of nodes \
                 (`miner` with point/counter fields, `qualitative.totalScore`, or `nodes`)"
                    .into(),
            )
        };
        let items = value.as_array().ok_or_else(not_a_board)?;
        let mut nodes: Vec<LeaderboardNode> = Vec::new();
        let mut flat: Vec<(String, Row)> = Vec::new();
        for (i, el) in items.iter().enumerate() {
            let at = format!("[{i}]");
            if !el.is_object() || el.get("miner").is_none() {
                return Err(not_a_board());
            }
            if let Some(inner) = el.get("nodes") {
                let first = inner.as_array().and_then(|a| a.first()).ok_or_else(|| {
                    field_err(format!("{at}.nodes"), "is empty: expected the node's row")
                })?;
                let r = row(first, &format!("{at}.nodes[0]"))?;
                nodes.push(node(miner(el, &at)?, None, Some(r.metrics())));
            } else if let Some(q) = el.get("qualitative") {
                let score = q
                    .get("totalScore")
                    .and_then(|s| s.as_f64())
                    .ok_or_else(|| {
                        field_err(
                            format!("{at}.qualitative.totalScore"),
                            "missing or not a number",
                        )
                    })?;
                nodes.push(node(miner(el, &at)?, Some(score), None));
            } else if ROW_FIELDS.iter().any(|f| el.get(f).is_some()) {
                let m = miner(el, &at)?;
                let r = row(el, &at)?;
                match flat.iter_mut().find(|(a, _)| *a == m) {
                    Some((_, acc)) => acc.add(&r),
                    None => flat.push((m, r)),
                }
            } else {
                return Err(not_a_board());
            }
        }
        nodes.extend(
            flat.into_iter()
                .map(|(m, r)| node(m, None, Some(r.metrics()))),
        );
        let lb = Leaderboard { nodes };
        validate(&lb)?;
        Ok(lb)
    }
}

/// Group nodes by operator from what the user knows, since dashboards publish no operators:
/// `mine` (the user's nodes) become `my_operator`'s, and `others` maps other operators' nodes
/// (node → operator). Everything else keeps the operator it had. Addresses compare in any case.
pub fn regroup(
    lb: &mut Leaderboard,
    mine: &[String],
    my_operator: &str,
    others: &HashMap<String, String>,
) {
    let others: HashMap<String, &String> = others
        .iter()
        .map(|(n, o)| (n.to_ascii_lowercase(), o))
        .collect();
    for n in &mut lb.nodes {
        if mine.iter().any(|m| m.eq_ignore_ascii_case(&n.node)) {
            n.operator = my_operator.to_string();
        } else if let Some(o) = others.get(&n.node.to_ascii_lowercase()) {
            n.operator = o.to_ascii_lowercase();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "0x00000000000000000000000000000000000000a1";
    const B: &str = "0x00000000000000000000000000000000000000b2";
    const OP: &str = "0x0000000000000000000000000000000000000f01";

    fn full_metrics() -> String {
        r#"{"uptime": 0.998, "responsiveness": 0.97, "throughput": 120.0, "ping_ms": 45, "global_ping_ms": 180,
            "state_quality": {"create": 0.99, "prepare": 0.98, "precommit": 0.97, "commit": 0.99},
            "tasks_completed": 1520, "task_accuracy": 0.995, "bug_reports": 2}"#
            .to_string()
    }

    #[test]
    fn parses_the_documented_example() {
        let text = format!(
            r#"{{"nodes": [{{"node": "{A}", "operator": "{OP}", "score": 93.5}},
                          {{"node": "{B}", "operator": "{OP}", "metrics": {}}}]}}"#,
            full_metrics()
        );
        let lb = parse_any(&text).unwrap();
        assert_eq!(lb.nodes.len(), 2);
        assert_eq!(lb.nodes[0].score, Some(93.5));
        assert_eq!(
            lb.nodes[1]
                .metrics
                .as_ref()
                .unwrap()
                .state_quality
                .as_ref()
                .unwrap()
                .precommit,
            Some(0.97)
        );
    }

    #[test]
    fn errors_name_the_entry_and_field() {
        let cases = [
            (
                format!(r#"{{"nodes": [{{"node": "{A}", "operator": "{OP}", "score": "high"}}]}}"#),
                "nodes[0].score",
            ),
            (
                format!(r#"{{"nodes": [{{"node": "{A}", "operator": "{OP}", "score": -3}}]}}"#),
                "nodes[0].score",
            ),
            (
                format!(r#"{{"nodes": [{{"node": "{A}", "score": 3}}]}}"#),
                "operator",
            ),
            (
                format!(r#"{{"nodes": [{{"node": "0xnothex", "operator": "{OP}", "score": 3}}]}}"#),
                "nodes[0].node",
            ),
            (
                format!(r#"{{"nodes": [{{"node": "{A}", "operator": "{OP}"}}]}}"#),
                "neither",
            ),
            (
                format!(
                    r#"{{"nodes": [{{"node": "{A}", "operator": "{OP}", "metrics": {{"uptime": 1}}}}]}}"#
                ),
                "nodes[0].metrics.responsiveness",
            ),
            (
                format!(
                    r#"{{"nodes": [{{"node": "{A}", "operator": "{OP}", "metrics": {}}}]}}"#,
                    full_metrics().replace("0.998", "1.7")
                ),
                "nodes[0].metrics.uptime",
            ),
            (
                format!(
                    r#"{{"nodes": [{{"node": "{A}", "operator": "{OP}", "score": 1}}, {{"node": "{}", "operator": "{OP}", "score": 2}}]}}"#,
                    A.to_uppercase().replace("0X", "0x")
                ),
                "twice",
            ),
            (r#"{"nodes": []}"#.to_string(), "no nodes"),
            (r#"{"nodes": [}"#.to_string(), "not valid JSON"),
            (r#""hello""#.to_string(), "not a leaderboard"),
        ];
        for (text, expect) in cases {
            let err = parse_any(&text).unwrap_err().to_string();
            assert!(
                err.contains(expect),
                "{text}\n→ {err}\n(expected to mention {expect})"
            );
        }
    }

    /// One node's fields as the dashboards publish them.
    fn fields(points: [u32; 8], correctness: u32) -> String {
        let [cp, cc, pp, pc, prp, prc, mp, mc] = points;
        format!(
            r#""last_active": 1700000000, "ping_counter": 10, "createPoint": {cp}, "createCounter": {cc},
               "preparePoint": {pp}, "prepareCounter": {pc}, "precommitPoint": {prp}, "precommitCounter": {prc},
               "commitPoint": {mp}, "commitCounter": {mc}, "correctnessPoint": {correctness}, "globalPingPoint": 7, "someNewField": "x""#
        )
    }

    #[test]
    fn a_node_listed_twice_in_the_flat_list_has_its_rows_summed() {
        // Two rows of A (createPoint 3 + 6 of counters 5 + 5) read like one row of 9 of 10.
        let twice = format!(
            r#"[{{"miner": "{A}", {}}}, {{"miner": "{A}", {}}}]"#,
            fields([3, 5, 1, 2, 1, 2, 1, 2], 1),
            fields([6, 5, 1, 2, 1, 2, 1, 2], 1)
        );
        let once = format!(
            r#"[{{"miner": "{A}", {}}}]"#,
            fields([9, 10, 2, 4, 2, 4, 2, 4], 2)
        );
        let (twice, once) = (parse_any(&twice).unwrap(), parse_any(&once).unwrap());
        assert_eq!(twice.nodes.len(), 1);
        assert_eq!(twice.nodes[0].metrics, once.nodes[0].metrics);
        let sq = twice.nodes[0]
            .metrics
            .as_ref()
            .unwrap()
            .state_quality
            .clone()
            .unwrap();
        assert_eq!(sq.create, Some(0.9));
    }

    #[test]
    fn addresses_scores_and_metrics_at_their_bounds() {
        assert!(is_address(A));
        assert!(
            !is_address(&format!("zz{}", &A[2..])),
            "42 characters but no 0x"
        );
        assert!(!is_address(&A[..41]), "0x but 39 digits");
        assert!(!is_address(&format!("0x{}", "g".repeat(40))));
        // A score of 0 is a score; below is refused. A metric below 0 is refused too.
        let zero = format!(r#"{{"nodes": [{{"node": "{A}", "operator": "{OP}", "score": 0}}]}}"#);
        assert_eq!(parse_any(&zero).unwrap().nodes[0].score, Some(0.0));
        let neg = format!(r#"{{"nodes": [{{"node": "{A}", "operator": "{OP}", "score": -0.5}}]}}"#);
        assert!(parse_any(&neg)
            .unwrap_err()
            .to_string()
            .contains("must be a number ≥ 0"));
        let neg_metric = format!(
            r#"{{"nodes": [{{"node": "{A}", "operator": "{OP}", "metrics": {}}}]}}"#,
            full_metrics().replace("\"ping_ms\": 45", "\"ping_ms\": -1")
        );
        let err = parse_any(&neg_metric).unwrap_err().to_string();
        assert!(
            err.contains("ping_ms") && err.contains("must be a number ≥ 0"),
            "{err}"
        );
        let ok_metric = format!(
            r#"{{"nodes": [{{"node": "{A}", "operator": "{OP}", "metrics": {}}}]}}"#,
            full_metrics().replace("\"ping_ms\": 45", "\"ping_ms\": 0")
        );
        assert!(parse_any(&ok_metric).is_ok());
        // A dashboard element without `miner` is not a leaderboard (not a missing field).
        let no_miner = format!(r#"[{{{}}}]"#, fields([1, 1, 1, 1, 1, 1, 1, 1], 1));
        let err = parse_any(&no_miner).unwrap_err().to_string();
        assert!(err.contains("this is not a leaderboard: expected"), "{err}");
    }

    fn check_a_and_b(lb: &Leaderboard) {
        assert_eq!(lb.nodes.len(), 2);
        // Each node is its own operator: none is published.
        assert!(lb.nodes.iter().all(|n| n.operator == n.node));
        let m = lb.nodes[0].metrics.as_ref().unwrap();
        let sq = m.state_quality.as_ref().unwrap();
        assert_eq!(
            (sq.create, sq.prepare, sq.precommit, sq.commit),
            (Some(0.9), Some(1.0), Some(0.75), Some(0.5))
        );
        assert_eq!(m.tasks_completed, Some(2.0));
        assert_eq!(m.task_accuracy, Some(0.25));
        assert_eq!(m.uptime, None);
        // A state never assigned has no rate (not 0 %).
        let b = lb.nodes[1]
            .metrics
            .as_ref()
            .unwrap()
            .state_quality
            .as_ref()
            .unwrap();
        assert_eq!(b.create, None);
    }

    #[test]
    fn reads_the_by_address_list_where_miner_is_the_node() {
        let text = format!(
            r#"[{{"miner": "{A}", "nodes": [{{{}}}, {{"createPoint": 99, "createCounter": 99}}]}},
                {{"miner": "{B}", "nodes": [{{"createPoint": 0, "createCounter": 0}}]}}]"#,
            fields([9, 10, 4, 4, 3, 4, 2, 4], 1)
        );
        let lb = parse_any(&text).unwrap();
        assert_eq!(lb.nodes[0].node, A);
        check_a_and_b(&lb);
    }

    #[test]
    fn reads_the_flat_list_and_sums_a_nodes_rows() {
        let text = format!(
            r#"[{{"miner": "{}", {}}}, {{"miner": "{B}", "createPoint": 0, "createCounter": 0}},
                {{"miner": "{A}", "createPoint": 0, "createCounter": 0, "commitPoint": 0, "commitCounter": 0}}]"#,
            A.to_ascii_uppercase().replace("0X", "0x"),
            fields([9, 10, 4, 4, 3, 4, 2, 4], 1)
        );
        let lb = parse_any(&text).unwrap();
        assert_eq!(lb.nodes[0].node, A, "addresses in any case are one node");
        check_a_and_b(&lb);
    }

    #[test]
    fn reads_the_ranked_list_with_its_total_score() {
        let text = format!(
            r#"[{{"miner": "{A}", "node_id": 7, "qualitative": {{"totalScore": 91.5}}, "quantitive": {{"point": 3}}}},
                {{"miner": "{B}", "qualitative": {{"totalScore": 80}}}}]"#
        );
        let lb = parse_any(&text).unwrap();
        assert_eq!(
            lb.nodes
                .iter()
                .map(|n| (n.node.as_str(), n.score))
                .collect::<Vec<_>>(),
            vec![(A, Some(91.5)), (B, Some(80.0))]
        );
        let err = parse_any(&format!(r#"[{{"miner": "{A}", "qualitative": {{}}}}]"#))
            .unwrap_err()
            .to_string();
        assert!(err.contains("[0].qualitative.totalScore"), "{err}");
    }

    #[test]
    fn what_is_not_a_leaderboard_is_refused_plainly() {
        for text in [
            r#"{"status": "ok"}"#.to_string(),
            r#"[1, 2]"#.to_string(),
            r#"[{"name": "x"}]"#.to_string(),
            format!(r#"[{{"miner": "{A}"}}]"#),
        ] {
            let err = parse_any(&text).unwrap_err().to_string();
            assert!(err.contains("not a leaderboard"), "{text}: {err}");
        }
        let err = parse_any(r#"[{"miner": "bob", "createPoint": 1}]"#)
            .unwrap_err()
            .to_string();
        assert!(err.contains("[0].miner"), "{err}");
        let err = parse_any(&format!(r#"[{{"miner": "{A}", "nodes": []}}]"#))
            .unwrap_err()
            .to_string();
        assert!(err.contains("[0].nodes"), "{err}");
    }

    #[test]
    fn regroup_puts_the_users_nodes_under_one_operator() {
        let mut lb = Leaderboard {
            nodes: [A, B, OP]
                .iter()
                .map(|a| LeaderboardNode {
                    node: a.to_string(),
                    operator: a.to_string(),
                    score: Some(50.0),
                    metrics: None,
                })
                .collect(),
        };
        let others = HashMap::from([(
            OP.to_ascii_uppercase().replace("0X", "0x"),
            "0x00000000000000000000000000000000000000c3".to_string(),
        )]);
        regroup(
            &mut lb,
            &[A.to_ascii_uppercase().replace("0X", "0x")],
            "me",
            &others,
        );
        let ops: Vec<&str> = lb.nodes.iter().map(|n| n.operator.as_str()).collect();
        assert_eq!(
            ops,
            vec!["me", B, "0x00000000000000000000000000000000000000c3"]
        );
    }
}

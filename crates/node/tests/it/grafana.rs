//! The shipped Grafana dashboard only queries metrics the daemon exports.

#[test]
fn dashboard_queries_exported_metrics() {
    let text = std::fs::read_to_string(cortensor_test_support::workspace_path(
        "monitoring/grafana-dashboard.json",
    ))
    .unwrap();
    let dash: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
    let exported = cortensor_node::health::monitor::prometheus(&[]);
    let mut checked = 0;
    for panel in dash["panels"].as_array().unwrap() {
        for t in panel["targets"].as_array().unwrap() {
            let expr = t["expr"].as_str().unwrap();
            let names: Vec<&str> = expr
                .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .filter(|w| w.starts_with("cortensor_"))
                .collect();
            assert!(!names.is_empty(), "{expr}");
            for n in names {
                assert!(
                    exported.contains(&format!("# TYPE {n} ")),
                    "{n} is not exported"
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 12);
}

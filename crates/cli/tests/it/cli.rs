//! The CLI contract: the real binary, run as a child process, on fixtures.

use assert_cmd::Command;
use cortensor_test_support::*;
use serde_json::{json, Value};

fn cli(data: &tempfile::TempDir) -> Command {
    let mut c = Command::cargo_bin("cortensor-manager").unwrap();
    // These commands need no keychain: none is reached (so D-Bus starts no locked one).
    c.env_remove("CORTENSOR_MANAGER_DATA_DIR")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env(
            "CORTENSOR_MANAGER_NETWORK",
            fixture_path("network-loopback.toml"),
        )
        .arg("--data-dir")
        .arg(data.path());
    c
}

fn json_of(out: &std::process::Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

#[test]
fn rewards_json_matches_the_contract_and_the_seed() {
    let d = tempfile::tempdir().unwrap();
    let out = cli(&d)
        .args(["rewards", "--nodes", "3", "--role-bonus", "10", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        json_of(&out),
        json!({"base": "60.00", "multi_node_bonus": "6.00", "role_bonus": "6.60", "rank_rewards": "0.00",
               "total": "72.60", "rewarded_nodes": 3, "excess_nodes": 0, "excess_base": "0.00",
               "warnings": [], "notes": []})
    );
    let out = cli(&d)
        .args(["rewards", "--nodes", "5", "--role-bonus", "10", "--json"])
        .output()
        .unwrap();
    assert_eq!(json_of(&out)["total"], "132.00");
}

#[test]
fn rewards_options_combine() {
    // 20 × 5 × 2 = 200; 20 % of one month (100) = 20; 10 % of 220 = 22; cap 15 % of 200 = 30 → role 10; + 35.
    let d = tempfile::tempdir().unwrap();
    let out = cli(&d)
        .args([
            "rewards",
            "--nodes",
            "5",
            "--role-bonus",
            "10",
            "--months",
            "2",
            "--bonus-cap",
            "15",
            "--rank-rewards",
            "35",
            "--json",
        ])
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(
        (
            v["base"].as_str(),
            v["multi_node_bonus"].as_str(),
            v["role_bonus"].as_str()
        ),
        (Some("200.00"), Some("20.00"), Some("10.00"))
    );
    assert_eq!(v["total"], "265.00");
}

#[test]
fn rewards_human_output() {
    let d = tempfile::tempdir().unwrap();
    cli(&d)
        .args(["rewards", "--nodes", "3", "--role-bonus", "10"])
        .assert()
        .success()
        .stdout(predicates::str::contains("total").and(predicates::str::contains("72.60")));
}

use predicates::prelude::*;

#[test]
fn more_than_25_nodes_warns_on_stderr_and_in_json() {
    let d = tempfile::tempdir().unwrap();
    let out = cli(&d)
        .args(["rewards", "--nodes", "30", "--json"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning:"));
    let v = json_of(&out);
    assert_eq!(v["warnings"].as_array().unwrap().len(), 1);
    // 25 paid (20 × 25 = 500, 20 % = 100); 5 apart (20 × 5 = 100), not in the total.
    assert_eq!(
        (v["rewarded_nodes"].as_u64(), v["excess_nodes"].as_u64()),
        (Some(25), Some(5))
    );
    assert_eq!(
        (v["total"].as_str(), v["excess_base"].as_str()),
        (Some("600.00"), Some("100.00"))
    );
    let out = cli(&d).args(["rewards", "--nodes", "30"]).output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout)
        .contains("past the limit      $    100.00  (5 node(s), not in the total)"));
}

#[test]
fn rewards_bad_input_is_a_plain_error() {
    let d = tempfile::tempdir().unwrap();
    for (args, expect) in [
        (vec!["--nodes", "0"], "at least 1"),
        (vec!["--nodes", "3", "--role-bonus", "7"], "0%, 5%, 10%"),
        (
            vec!["--nodes", "3", "--bonus-cap", "120"],
            "between 0 and 100",
        ),
        (
            vec!["--nodes", "3", "--months", "-1"],
            "months must be above 0",
        ),
        (
            vec!["--nodes", "3", "--rank-rewards", "ten"],
            "not a number",
        ),
        (vec!["--nodes", "many"], "invalid value"),
    ] {
        let out = cli(&d).arg("rewards").args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn another_ruleset_can_be_loaded_and_a_malformed_one_names_the_field() {
    let d = tempfile::tempdir().unwrap();
    let later = phase3_toml()
        .replace(
            "base_per_node_month = \"20.00\"",
            "base_per_node_month = \"25.00\"",
        )
        .replace("Phase #3", "Phase #4");
    let path = d.path().join("phase4.toml");
    std::fs::write(&path, later).unwrap();
    let out = cli(&d)
        .args(["rewards", "--nodes", "3", "--json", "--rules"])
        .arg(&path)
        .output()
        .unwrap();
    // 25 × 3 = 75; 10 % of 75 = 7.50.
    assert_eq!(json_of(&out)["total"], "82.50");

    std::fs::write(
        &path,
        phase3_toml().replace("reward = \"35.00\"", "reward = 35.5"),
    )
    .unwrap();
    let out = cli(&d)
        .args(["rules", "--rules"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("reward"), "{err}");

    let out = cli(&d)
        .args(["rules", "--rules", "/nonexistent/rules.toml"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read the ruleset"));
}

#[test]
fn rank_from_a_file_matches_the_hand_worked_fixture() {
    let d = tempfile::tempdir().unwrap();
    let out = cli(&d)
        .args(["rank", "--operator", ME, "--json", "--leaderboard"])
        .arg(fixture_path("leaderboard.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    assert_eq!(v["operator"], ME);
    assert_eq!(v["rank_rewards"], "110.00");
    let mine: Vec<(String, u64, String)> = v["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["node"].as_str().unwrap().to_string(),
                n["rank"].as_u64().unwrap(),
                n["reward"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        mine,
        vec![
            (node('e', 1), 1, "50.00".into()),
            (node('e', 2), 6, "35.00".into()),
            (node('e', 3), 11, "25.00".into())
        ]
    );
    let table = v["table"].as_array().unwrap();
    assert_eq!(table.len(), 12);
    let ranks: Vec<u64> = table.iter().map(|r| r["rank"].as_u64().unwrap()).collect();
    assert_eq!(ranks, (1..=12).collect::<Vec<u64>>());
    // The metrics-only node (≈ 95.406) sits between 96 and 95: spot 3.
    assert_eq!(table[2]["node"], node('b', 9));
    assert!((table[2]["score"].as_f64().unwrap() - 95.406).abs() < 1e-3);
    assert_eq!(table[0]["reward"], "50.00");
    assert_eq!(table[0]["operator"], ME);
}

#[test]
fn rank_lists_local_nodes_unranked_and_applies_what_ifs() {
    let d = tempfile::tempdir().unwrap();
    let local = node('e', 7);
    let out = cli(&d)
        .args([
            "rank",
            "--operator",
            ME,
            "--json",
            "--node",
            &local,
            "--leaderboard",
        ])
        .arg(fixture_path("leaderboard.json"))
        .output()
        .unwrap();
    let v = json_of(&out);
    let last = v["nodes"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["node"], local.as_str());
    assert!(last["rank"].is_null());

    // What if my third node scored 10: it drops below every other node, from spot 11 to 12
    // (still in tier 11–20, so still $25).
    let out = cli(&d)
        .args(["rank", "--operator", ME, "--json", "--what-if"])
        .arg(format!("{}:score=10", node('e', 3)))
        .arg("--leaderboard")
        .arg(fixture_path("leaderboard.json"))
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(v["nodes"][2]["rank"], 12);
    assert_eq!(v["rank_rewards"], "110.00");
    let out = cli(&d)
        .args(["rank", "--operator", ME, "--what-if"])
        .arg(format!("{}:uptime=0.9", node('e', 3)))
        .arg("--leaderboard")
        .arg(fixture_path("leaderboard.json"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("change `score` instead"));
}

#[test]
fn rank_reads_the_dashboards_shapes_with_the_users_nodes_as_one_operator() {
    let d = tempfile::tempdir().unwrap();
    let (e1, e2) = (
        "0xe000000000000000000000000000000000000001",
        "0xE000000000000000000000000000000000000002",
    );
    for board in ["lb-by-address.json", "lb-flat.json", "lb-ranked.json"] {
        let out = cli(&d)
            .args([
                "rank",
                "--node",
                e1,
                "--node",
                e2,
                "--json",
                "--leaderboard",
            ])
            .arg(fixture_path(board))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{board}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v = json_of(&out);
        // e1 → 1, a1 → 2, e2 → 6 (the user's nodes already hold one of spots 1–5).
        let ranks: Vec<u64> = v["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| n["rank"].as_u64().unwrap())
            .collect();
        assert_eq!(ranks, vec![1, 6], "{board}");
        assert_eq!(v["rank_rewards"], "85.00", "{board}");
        assert_eq!(v["operator"], "your nodes", "{board}");
        // Nobody else's nodes are grouped: a1 is its own operator.
        assert_eq!(
            v["table"][1]["operator"],
            "0xa000000000000000000000000000000000000001"
        );
    }
    // Another operator's nodes from a mapping file group under that operator.
    let map = d.path().join("operators.json");
    std::fs::write(
        &map,
        r#"{"0x00000000000000000000000000000000000000c3": ["0xa000000000000000000000000000000000000001"]}"#,
    )
    .unwrap();
    let out = cli(&d)
        .args(["rank", "--node", e1, "--json", "--operators"])
        .arg(&map)
        .arg("--leaderboard")
        .arg(fixture_path("lb-flat.json"))
        .output()
        .unwrap();
    let v = json_of(&out);
    assert_eq!(
        v["table"][1]["operator"],
        "0x00000000000000000000000000000000000000c3"
    );
    // No node named and none on this machine: the way out is said.
    let out = cli(&d)
        .args(["rank", "--leaderboard"])
        .arg(fixture_path("lb-flat.json"))
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--node"));
    // Something that is not a leaderboard is refused as such.
    std::fs::write(d.path().join("status.json"), r#"{"status": "ok"}"#).unwrap();
    let out = cli(&d)
        .args(["rank", "--node", e1, "--leaderboard"])
        .arg(d.path().join("status.json"))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a leaderboard"));
}

#[test]
fn rank_bad_input_is_a_plain_error() {
    let d = tempfile::tempdir().unwrap();
    let lb = fixture_path("leaderboard.json");
    let cases: Vec<(Vec<String>, &str)> = vec![
        (
            vec![
                "--leaderboard".into(),
                lb.display().to_string(),
                "--operator".into(),
                node('d', 1),
            ],
            "has no nodes on this leaderboard",
        ),
        (
            vec![
                "--leaderboard".into(),
                lb.display().to_string(),
                "--operator".into(),
                "bob".into(),
            ],
            "is not an address",
        ),
        (
            vec![
                "--leaderboard".into(),
                fixture_path("malformed.json").display().to_string(),
                "--operator".into(),
                ME.into(),
            ],
            "not valid JSON",
        ),
        (
            vec![
                "--leaderboard".into(),
                fixture_path("duplicate.json").display().to_string(),
                "--operator".into(),
                ME.into(),
            ],
            "twice",
        ),
        (
            vec![
                "--leaderboard".into(),
                "/nonexistent/lb.json".into(),
                "--operator".into(),
                ME.into(),
            ],
            "cannot read the leaderboard file",
        ),
        (
            vec![
                "--leaderboard".into(),
                "ftp://127.0.0.1/lb".into(),
                "--operator".into(),
                ME.into(),
            ],
            "not a usable URL",
        ),
        (
            vec![
                "--leaderboard".into(),
                lb.display().to_string(),
                "--operator".into(),
                ME.into(),
                "--what-if".into(),
                "nonsense".into(),
            ],
            "NODE:FIELD=VALUE",
        ),
    ];
    for (args, expect) in cases {
        let out = cli(&d).arg("rank").args(&args).output().unwrap();
        assert!(!out.status.success(), "{args:?} should fail");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(expect), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{err}");
    }
}

#[test]
fn rank_over_http_uses_etag_and_falls_back_to_the_cache() {
    let server = FixtureServer::start();
    let url = server.route(
        "/leaderboard",
        Behaviour::Json {
            body: fixture("leaderboard.json"),
            etag: "\"v1\"".into(),
        },
    );
    let d = tempfile::tempdir().unwrap();
    let run = |d: &tempfile::TempDir| {
        cli(d)
            .args(["rank", "--operator", ME, "--json", "--leaderboard", &url])
            .output()
            .unwrap()
    };

    let first = json_of(&run(&d));
    assert_eq!(first["rank_rewards"], "110.00");
    assert_eq!(first["source"]["from_cache"], false);

    let second = json_of(&run(&d));
    assert_eq!(
        second["source"]["from_cache"], true,
        "a 304 is served from the cache"
    );
    assert_eq!(second["rank_rewards"], "110.00");
    let seen = server.requests("/leaderboard");
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].if_none_match, None);
    assert_eq!(seen[1].if_none_match.as_deref(), Some("\"v1\""));
    assert_eq!(seen[1].status, 304);

    // The dashboard goes down: the cached copy is used, with a warning and its age.
    server.route("/leaderboard", Behaviour::Status(503));
    let out = run(&d);
    assert!(out.status.success());
    let v = json_of(&out);
    assert_eq!(v["source"]["from_cache"], true);
    assert!(v["source"]["warning"]
        .as_str()
        .unwrap()
        .contains("could not refresh"));
    assert!(String::from_utf8_lossy(&out.stderr).contains("warning: could not refresh"));
}

/// The leaderboard's address is a per-network setting: none is known for Testnet-0 (said
/// plainly, and `rank` without --leaderboard says it too), a saved one is what `rank` reads.
#[test]
fn the_leaderboard_address_is_a_setting_per_network() {
    let d = tempfile::tempdir().unwrap();
    let show = |d: &tempfile::TempDir, args: &[&str]| {
        let out = cli(d)
            .args(["leaderboard", "show", "--json"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        json_of(&out)
    };
    let none = show(&d, &[]);
    assert_eq!(
        (none["network"].as_str(), none["origin"].as_str()),
        (Some("testnet0"), Some("none"))
    );
    assert!(none["url"].is_null());
    assert!(
        none["explanation"]
            .as_str()
            .unwrap()
            .starts_with("No leaderboard address is known for testnet0"),
        "{none}"
    );
    let out = cli(&d)
        .args(["rank", "--node", ME, "--json"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("No leaderboard address is known for testnet0")
            && err.contains("leaderboard set URL"),
        "{err}"
    );

    // Not a web address: refused, nothing saved.
    let out = cli(&d)
        .args(["leaderboard", "set", "ftp://x.example/lb"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not a web address"));
    assert_eq!(show(&d, &[])["origin"], "none");

    let server = FixtureServer::start();
    let url = server.route(
        "/leaderboard",
        Behaviour::Json {
            body: fixture("leaderboard.json"),
            etag: "\"v1\"".into(),
        },
    );
    let out = cli(&d).args(["leaderboard", "set", &url]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains(&format!("your leaderboard address {url}"))
    );
    let saved = show(&d, &[]);
    assert_eq!(
        (saved["origin"].as_str(), saved["url"].as_str()),
        (Some("setting"), Some(url.as_str()))
    );
    // Another network keeps its own (none).
    assert_eq!(show(&d, &["--network", "testnet1"])["origin"], "none");
    let out = cli(&d)
        .args(["leaderboard", "show", "--network", "testnet9"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("there is no network 'testnet9'"));

    // `rank` reads the saved address.
    let out = cli(&d)
        .args(["rank", "--operator", ME, "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_of(&out)["rank_rewards"], "110.00");
    assert_eq!(server.requests("/leaderboard").len(), 1);

    let out = cli(&d).args(["leaderboard", "clear"]).output().unwrap();
    assert!(out.status.success());
    assert_eq!(show(&d, &[])["origin"], "none");
}

/// The embedded ruleset's source, read from the contest crate.
fn phase3_toml() -> String {
    std::fs::read_to_string(cortensor_test_support::workspace_path(
        "crates/contest/rules/phase3.toml",
    ))
    .unwrap()
}

/// Every number the CLI takes, given absurd values: a clear error and exit 1 or 2 (usage),
/// never a panic (101) and never a hang. The values: zero, negatives, the largest integers and
/// decimals and one past them, exponents, NaN, infinity, text, and an empty string.
#[test]
fn every_cli_number_refuses_absurd_values_without_panicking() {
    let values = [
        "0",
        "-1",
        "4294967295",
        "4294967296",
        "18446744073709551616",
        "79228162514264337593543950335",
        "79228162514264337593543950336",
        "1e300",
        "-1e300",
        "NaN",
        "inf",
        "0.0000000000000000000000000001",
        "abc",
        "",
    ];
    let ldb = fixture_path("leaderboard.json");
    let ldb = ldb.to_str().unwrap();
    let commands: Vec<Vec<&str>> = vec![
        vec!["rewards", "--nodes", "{}"],
        vec!["rewards", "--nodes", "3", "--months", "{}"],
        vec!["rewards", "--nodes", "3", "--role-bonus", "{}"],
        vec!["rewards", "--nodes", "3", "--bonus-cap", "{}"],
        vec!["rewards", "--nodes", "3", "--rank-rewards", "{}"],
        vec!["rank", "--leaderboard", ldb, "--timeout", "{}"],
        vec![
            "rank",
            "--leaderboard",
            ldb,
            "--what-if",
            "0x00000000000000000000000000000000000000e1:uptime={}",
        ],
        vec!["update", "--check", "--window", "{}"],
        vec![
            "update",
            "--source",
            "/nonexistent",
            "--traceback-grace",
            "{}",
        ],
        vec!["node", "add", "--count", "{}", "--key-store", "file"],
        vec!["node", "logs", "1", "-n", "{}"],
        vec!["node", "stop", "{}"],
        vec!["metrics", "on", "--port", "{}"],
        vec!["alerts", "dismiss", "{}"],
        vec!["daemon", "--sample-ms", "{}", "--probe-secs", "0"],
    ];
    let d = tempfile::tempdir().unwrap();
    let mut runs = 0;
    for cmd in &commands {
        for v in values {
            let args: Vec<String> = cmd.iter().map(|a| a.replace("{}", v)).collect();
            let out = cli(&d)
                .args(&args)
                .timeout(std::time::Duration::from_secs(20))
                .output()
                .unwrap();
            let code = out.status.code();
            let err = String::from_utf8_lossy(&out.stderr);
            assert!(
                !err.contains("panicked") && code != Some(101),
                "{args:?} panicked:\n{err}"
            );
            if !out.status.success() {
                assert!(
                    matches!(code, Some(1 | 2)),
                    "{args:?}: exit {code:?}\n{err}"
                );
                assert!(err.contains("error"), "{args:?}: no error said:\n{err}");
                assert!(
                    err.len() < 2_000,
                    "{args:?}: an error to read, not a dump:\n{err}"
                );
            }
            runs += 1;
        }
    }
    assert_eq!(runs, commands.len() * values.len());
}

#[test]
fn a_closed_output_pipe_ends_the_cli_quietly() {
    // `cortensor-manager … | head -1`: the reader is gone when the CLI writes. Here the pipe's
    // read end is closed before the CLI starts, so every write fails (no race).
    let data = tempfile::tempdir().unwrap();
    for args in [
        &["rewards", "--nodes", "3", "--json"][..],
        &["rank", "--help"][..],
    ] {
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("cortensor-manager"))
            .arg("--data-dir")
            .arg(data.path())
            .args(args)
            .env("RUST_BACKTRACE", "0")
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert_ne!(
            out.status.code(),
            Some(101),
            "{args:?}: a panic's exit code"
        );
    }
}
